"""Find the template's header in a submitted file and turn its rows into the canonical columns."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial

import pandas as pd

from expectations.problems import Problem
from mesa.reference import Reference
from transforms.read import Table, UnreadableFileError, UnsupportedFormatError, read_tables

# The canonical columns, in the warehouse's order. `value_text` keeps the number as text so that the
# suite can tell "not a number" from "not whole"; `row_number` is the row as the agency sees it.
KEY_COLUMNS = ["agency", "period", "district", "indicator", "sex", "age_group", "population_type"]
VALUE_COLUMNS = ["value", "value_text"]
# How far below the top of a sheet the header may sit (logos and title rows come first).
HEADER_SEARCH_ROWS = 30
# A row is the header when it names at least this many template columns.
MIN_HEADER_FIELDS = 2

# A month typed in Excel becomes a date on its first day: 2026-10 -> 2026-10-01.
EXCEL_MONTH = re.compile(r"^(\d{4})-(\d{2})-01$")
INTEGER = re.compile(r"^-?\d+$")
DECIMAL = re.compile(r"^-?\d+[.,]\d+$")
# Thousands written with separators. Unambiguous when a separator repeats or two kinds appear.
GROUPED = re.compile(r"^-?\d{1,3}(?:(?P<group>[.,])\d{3})(?:(?P=group)\d{3})*(?:(?P<decimal>[.,])\d+)?$")


@dataclass(frozen=True)
class ColumnMatch:
    """How a header row's titles map to the template's fields."""

    positions: dict[str, int]  # field -> column position
    titles: dict[str, str]  # field -> header as the agency wrote it
    unknown: list[str] = field(default_factory=list)
    repeated: list[tuple[str, str]] = field(default_factory=list)  # (ignored title, used title)


@dataclass(frozen=True)
class Header:
    table: Table
    index: int  # position of the header row in table.rows
    columns: ColumnMatch


@dataclass(frozen=True)
class Parsed:
    """A submission after reading: the canonical frame, or the file-level problems that stopped it."""

    frame: pd.DataFrame | None  # canonical columns + row_number; None when no table was found
    source: pd.DataFrame | None  # the cells as written, by field, indexed by row_number
    titles: dict[str, str]
    problems: list[Problem]
    sheet: str | None = None
    header_row: int | None = None
    encoding: str | None = None

    @property
    def rows_read(self) -> int:
        return 0 if self.frame is None else len(self.frame)


def parse_submission(file_name: str, content: bytes, channel: str, reference: Reference) -> Parsed:
    """Read and normalise one file. Never raises for bad input: what is wrong becomes problems."""
    if not content.strip():
        return _stopped(Problem("structure.empty_file"))
    try:
        header = find_header(read_tables(file_name, content), reference)
    except UnsupportedFormatError as error:
        return _stopped(Problem("structure.unsupported_format", detail=str(error) or file_name))
    except UnreadableFileError as error:
        return _stopped(Problem("structure.unreadable_file", detail=error.detail))
    if header is None:
        expected = ", ".join(c.title["es"] for c in reference.columns if c.required)
        return _stopped(Problem("structure.header_not_found", expected=expected))
    return normalise(header, channel, reference)


def _stopped(problem: Problem) -> Parsed:
    return Parsed(frame=None, source=None, titles={}, problems=[problem])


# --- Header -------------------------------------------------------------------------------------


def match_columns(cells: list[str], reference: Reference) -> ColumnMatch | None:
    """Map a row's cells to template fields; None when it names too few of them to be the header."""
    claims: dict[str, list[tuple[int, int, str]]] = {}  # field -> [(rank, position, title)]
    unknown: list[str] = []
    for position, title in enumerate(cells):
        if not title:
            continue
        match = reference.header_field(title)
        if match is None:
            unknown.append(title)
        else:
            claims.setdefault(match[0], []).append((match[1], position, title))
    if len(claims) < MIN_HEADER_FIELDS:
        return None
    positions, titles, repeated = {}, {}, []
    for field_name, candidates in claims.items():
        (_, position, title), *others = sorted(candidates)
        positions[field_name], titles[field_name] = position, title
        repeated += [(other_title, title) for _, _, other_title in others]
    return ColumnMatch(positions, titles, unknown, repeated)


def find_header(tables: Iterable[Table], reference: Reference) -> Header | None:
    """The first row, in the first sheet that has one, that names the template's columns."""
    for table in tables:
        for index, cells in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
            columns = match_columns(cells, reference)
            if columns is not None:
                return Header(table, index, columns)
    return None


# --- Rows ---------------------------------------------------------------------------------------


def normalise(header: Header, channel: str, reference: Reference) -> Parsed:
    """Cells under the header -> canonical frame (codes resolved) and the source cells as written."""
    table, columns = header.table, header.columns
    problems = [Problem("structure.unknown_column", column=title) for title in columns.unknown]
    problems += [
        Problem("structure.repeated_column", column=ignored, expected=used)
        for ignored, used in columns.repeated
    ]
    records, numbers = [], []
    for number, cells in zip(
        table.row_numbers[header.index + 1 :], table.rows[header.index + 1 :], strict=True
    ):
        if not any(cells):
            continue
        records.append([_cell(cells, position) for position in columns.positions.values()])
        numbers.append(number)
    header_row = table.row_numbers[header.index]
    if not records:
        problems.append(Problem("structure.no_data_rows"))
        return Parsed(None, None, columns.titles, problems, table.sheet, header_row, table.encoding)
    source = pd.DataFrame(
        records,
        columns=list(columns.positions),
        index=pd.Index(numbers, name="row_number"),
        dtype=object,
    )
    frame = canonical_frame(source, channel, reference)
    return Parsed(frame, source, columns.titles, problems, table.sheet, header_row, table.encoding)


def _cell(cells: list[str], position: int) -> str:
    return cells[position] if position < len(cells) else ""


def canonical_frame(source: pd.DataFrame, channel: str, reference: Reference) -> pd.DataFrame:
    """Resolve each present column to its canonical codes; text that does not resolve is kept as
    written so that the suite reports it. Optional columns that are absent take their default."""
    resolvers: dict[str, Callable[[str], str | None]] = {
        "agency": _resolver(reference.agency_code, empty=channel),
        "period": normalise_period,
        "district": _resolver(reference.district_code),
        "indicator": _resolver(reference.indicator_code),
    }
    for coded in ("sex", "age_group", "population_type"):
        resolvers[coded] = _resolver(
            partial(reference.vocabulary_code, coded),
            empty=reference.column(coded).default,
        )
    frame = pd.DataFrame(index=source.index)
    for name in KEY_COLUMNS:
        if name in source:
            frame[name] = _map_unique(source[name], resolvers[name])
        elif name == "agency":
            frame[name] = channel
        elif (default := reference.column(name).default) is not None:
            frame[name] = default
    if "value" in source:
        parsed = {text: parse_number(text) for text in source["value"].unique()}
        frame["value"] = source["value"].map(lambda text: parsed[text][0]).astype("float64")
        frame["value_text"] = source["value"].map(lambda text: parsed[text][1])
    frame = frame.reset_index()
    return frame.astype({c: object for c in frame.columns if c not in ("row_number", "value")})


def _resolver(lookup: Callable[[str], str | None], empty: str | None = None) -> Callable[[str], str | None]:
    """Canonical code when `lookup` knows the text; the text as written when not; `empty` for ""."""

    def resolve(text: str) -> str | None:
        if not text:
            return empty
        return lookup(text) or text

    return resolve


def _map_unique(column: pd.Series, resolve: Callable[[str], str | None]) -> pd.Series:
    """Apply `resolve` once per distinct value: submissions repeat the same few codes."""
    mapping = {text: resolve(text) for text in column.unique()}
    return column.map(mapping)


def normalise_period(text: str) -> str | None:
    """`YYYY-MM` stays; an Excel date on the first of a month becomes that month; else as written."""
    if not text:
        return None
    month = EXCEL_MONTH.match(text)
    return f"{month.group(1)}-{month.group(2)}" if month else text


def parse_number(text: str) -> tuple[float | None, str | None]:
    """(value, canonical text) for a number as people write it; (None, text) when it is not one.

    "25" -> 25; "12,5" and "12.5" -> 12.5; "1.234.567" and "1,234.5" -> thousands separators.
    "1.234" stays 1.234 (ambiguous): the whole-number rule reports it with 1234 as the suggestion.
    """
    compact = text.replace("\u00a0", "").replace(" ", "")
    if not compact:
        return None, None
    if INTEGER.match(compact):
        canonical = compact
    elif DECIMAL.match(compact):
        canonical = compact.replace(",", ".")
    elif (grouped := GROUPED.match(compact)) and _unambiguous_grouping(compact, grouped):
        canonical = compact.replace(grouped.group("group"), "")
        if grouped.group("decimal"):
            canonical = canonical.replace(grouped.group("decimal"), ".")
    else:
        return None, text
    try:
        number = Decimal(canonical)
    except InvalidOperation:
        return None, text
    normalised = format(number.normalize(), "f") if number != number.to_integral() else str(int(number))
    return float(number), normalised


def _unambiguous_grouping(compact: str, grouped: re.Match[str]) -> bool:
    separator = grouped.group("group")
    decimal = grouped.group("decimal")
    return compact.count(separator) > 1 or (decimal is not None and decimal != separator)
