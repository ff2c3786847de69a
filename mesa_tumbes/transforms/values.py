"""Reading cell values the way people write them: numbers, months, codes, totals, mojibake."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from decimal import Decimal, InvalidOperation

import ftfy
import numpy as np
import pandas as pd

from mesa_tumbes.core.contract import MONTH_PERIOD, QUARTER_PERIOD
from mesa_tumbes.core.problems import Problem
from mesa_tumbes.core.text import fold, strip_accents, vocabulary_key
from mesa_tumbes.core.words import intake_words
from mesa_tumbes.transforms.read import Table

# A date in the period column stands for its month: a month typed in Excel becomes a date on its
# first day (2026-10 -> 2026-10-01), and a system's export may carry any day (2026-10-15, with a time).
DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
# Quarters: 2026-Q3, also written 2026-T3 (trimestre), 2026 q3 or 2026/T3.
QUARTER = re.compile(r"^(\d{4})\s*[-/ ]?\s*[QqTt]([1-4])$")
INTEGER = re.compile(r"^-?\d+$")
DECIMAL = re.compile(r"^-?\d+[.,]\d+$")
# Thousands written with separators. Unambiguous when a separator repeats or two kinds appear.
GROUPED = re.compile(r"^-?\d{1,3}(?:(?P<group>[.,])\d{3})(?:(?P=group)\d{3})*(?:(?P<decimal>[.,])\d+)?$")
# A row that says one of these where a label goes is a totals row, not data (intake_words.yaml).
TOTAL_WORDS = intake_words().totals


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


def number_columns(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(values as float, canonical text) for a column of numbers as written, parsed once per value."""
    parsed = map_unique(cells, parse_number)
    values = pd.Series([pair[0] for pair in parsed], index=cells.index, dtype="float64")
    texts = pd.Series([pair[1] for pair in parsed], index=cells.index, dtype=object)
    return values, texts


# Months as people write them in a period cell or a column title (intake_words.yaml).
MONTHS = intake_words().months
YEAR_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})$")
MONTH_YEAR = re.compile(r"^(\d{1,2})[-/.](\d{4})$")
DAY_MONTH_YEAR = re.compile(r"^\d{1,2}[-/.](\d{1,2})[-/.](\d{4})$")
YEAR_MONTH_DAY = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.]\d{1,2}(?:[ t].*)?$")
COMPACT = re.compile(r"^(\d{4})(\d{2})$")
NAMED = re.compile(r"^([a-z]+)\W*(?:de\W*)?(\d{2}|\d{4})$")


def written_period(text: str) -> str | None:
    """`YYYY-MM` for the usual ways of writing a month: 10/2026, 2026/10, oct-26, octubre de 2026."""
    compact = text.strip().casefold()
    year: str | int | None = None
    month: str | int | None = None
    if match := YEAR_MONTH.match(compact) or YEAR_MONTH_DAY.match(compact) or COMPACT.match(compact):
        year, month = match.group(1), match.group(2)
    elif match := MONTH_YEAR.match(compact) or DAY_MONTH_YEAR.match(compact):
        month, year = match.group(1), match.group(2)
    elif (match := NAMED.match(_words(compact))) and match.group(1) in MONTHS:
        month, year = MONTHS[match.group(1)], match.group(2)
    if year is None or month is None or not 1 <= int(month) <= 12:
        return None
    full_year = int(year) + 2000 if len(str(year)) == 2 else int(year)
    return f"{full_year:04d}-{int(month):02d}"


NAME_TOKENS = re.compile(r"[a-z]+|\d+")


def period_in_name(file_name: str, received: dt.date) -> str | None:
    """The month a file's name speaks of ("informe_octubre.csv", "atenciones_2026-10.xlsx",
    "cpp_octubre2026.xlsx"): for a file whose rows could not be read, the month it was meant for. A
    month named without its year is its latest occurrence up to the day the file arrived."""
    stem = file_name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    tokens = NAME_TOKENS.findall(strip_accents(stem).casefold())
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if len(token) == 4 and token.isdigit() and following.isdigit() and 1 <= int(following) <= 12:
            return f"{token}-{int(following):02d}"
        if token in MONTHS and len(token) > 3:  # full names only: "mar", "set" are words too
            month = MONTHS[token]
            if len(following) == 4 and following.isdigit():
                return f"{following}-{month:02d}"
            year = received.year if month <= received.month else received.year - 1
            return f"{year}-{month:02d}"
    return None


def names_a_month(title: str) -> bool:
    """Whether a column title is a month: "octubre", "Oct-26", "2026-10", a date."""
    return written_period(title) is not None or _words(title.strip().casefold()) in MONTHS


def _words(text: str) -> str:
    """Accent-free lower case with single spaces: "Octubre  de 2026" -> "octubre de 2026"."""
    return " ".join(vocabulary_key(word) for word in text.split())


def _is_date(year: str, month: str, day: str) -> bool:
    try:
        dt.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def normalise_period(text: str) -> str | None:
    """`YYYY-MM` stays; a date becomes its month; a quarter becomes `YYYY-Qn` however it is written;
    anything else stays as written (the suite reports it, suggesting the month it may mean)."""
    if not text:
        return None
    if (date := DATE.match(text.strip())) and _is_date(*date.groups()):
        return f"{date.group(1)}-{date.group(2)}"
    if quarter := QUARTER.match(text.strip()):
        return f"{quarter.group(1)}-Q{quarter.group(2)}"
    return text


def period_kind(period: object) -> str | None:
    """monthly, quarterly, or None for a period that is not written as either."""
    if not isinstance(period, str):
        return None
    if MONTH_PERIOD.match(period):
        return "monthly"
    return "quarterly" if QUARTER_PERIOD.match(period) else None


def period_start(period: object) -> int | None:
    """The period's first month as a number (year x 12 + month - 1), for comparing periods."""
    if not isinstance(period, str):
        return None
    if month := MONTH_PERIOD.match(period):
        return int(month.group(1)) * 12 + int(month.group(2)) - 1
    if quarter := QUARTER_PERIOD.match(period):
        return int(quarter.group(1)) * 12 + (int(quarter.group(2)) - 1) * 3
    return None


def with_period_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The period's kind and first month beside it, for the suite's period rules."""
    if "period" not in frame:  # the column is missing: reported as such, no period rule applies
        frame["period_kind"] = pd.Series(None, index=frame.index, dtype=object)
        frame["period_start"] = pd.Series(float("nan"), index=frame.index, dtype="float64")
        return frame
    kinds = {period: period_kind(period) for period in frame["period"].dropna().unique()}
    starts = {period: period_start(period) for period in kinds}
    frame["period_kind"] = frame["period"].map(kinds).astype(object)
    frame["period_start"] = frame["period"].map(starts).astype("float64")
    return frame


def cells_frame(data: list[tuple[int, list[str]]]) -> pd.DataFrame:
    """Rows of cells (row number, cells) as a frame of text by column position, indexed by row
    number as Excel shows it ("row_number"); a short row's missing cells are empty."""
    rows = [cells for _, cells in data]
    width = max((len(cells) for cells in rows), default=0)
    if any(len(cells) != width for cells in rows):  # ragged rows (a CSV's short lines)
        rows = [[*cells, *[""] * (width - len(cells))] for cells in rows]
    frame = pd.DataFrame(rows, dtype=object)
    frame.index = pd.Index([number for number, _ in data], name="row_number")
    return frame.fillna("")


def first_filled(cells: list[str]) -> str:
    """A row's first non-empty cell ("" for none)."""
    return next((cell for cell in cells if cell), "")


def total_words(labels: pd.DataFrame, first: pd.Series) -> pd.Series:
    """Per row, the "TOTAL" that makes it a totals row (see total_word), or None: the first of its
    label cells, then its first filled cell, that says it; decided once per distinct text."""
    found = pd.Series(None, index=labels.index, dtype=object)
    for candidate in [first, *(labels[column] for column in reversed(labels.columns))]:
        said = map_unique(candidate, lambda text: bool(text) and fold(text) in TOTAL_WORDS).astype(bool)
        found = candidate.where(said, found)
    return found


def total_word(labels: Iterable[str], cells: list[str]) -> str | None:
    """The "TOTAL" that makes a row a totals row: written in one of its label cells, or as the row's
    first filled cell."""
    for written in (*labels, first_filled(cells)):
        if written and fold(written) in TOTAL_WORDS:
            return written
    return None


def resolver(lookup: Callable[[str], str | None], empty: str | None = None) -> Callable[[str], str | None]:
    """Canonical code when `lookup` knows the text; the text as written when not; `empty` for ""."""

    def resolve(text: str) -> str | None:
        if not text:
            return empty
        return lookup(text) or text

    return resolve


def map_unique(column: pd.Series, resolve: Callable[[str], object]) -> pd.Series:
    """Apply `resolve` once per distinct value: submissions repeat the same few codes."""
    codes, distinct = pd.factorize(column)
    if (codes < 0).any():  # None and NaN are told apart, as each resolves in its own way
        return column.map({text: resolve(text) for text in column.unique()})
    resolved = np.empty(len(distinct), dtype=object)
    for position, text in enumerate(distinct):  # one by one: a tuple stays one value
        resolved[position] = resolve(text)
    return pd.Series(resolved[codes], index=column.index, name=column.name, dtype=object)


def map_pairs(first: pd.Series, second: pd.Series, mapping: dict[tuple[str, str], str]) -> pd.Series:
    """`mapping` of each row's (first, second) pair, looked up once per distinct pair; NaN where the
    pair is not in it."""
    left, left_values = pd.factorize(first, use_na_sentinel=False)
    right, right_values = pd.factorize(second, use_na_sentinel=False)
    combined, pairs = pd.factorize(left * len(right_values) + right)
    width = len(right_values)
    found = [mapping.get((left_values[int(p) // width], right_values[int(p) % width]), np.nan) for p in pairs]
    return pd.Series(np.array(found, dtype=object)[combined], index=first.index, dtype=object)


def cell(cells: list[str], position: int) -> str:
    return cells[position] if position < len(cells) else ""


class MojibakeRepair:
    """Repairs text that was UTF-8 decoded as Latin-1 and saved ("PoblaciÃ³n"), remembering what
    it changed so the agency can be told."""

    def __init__(self) -> None:
        self.repaired: dict[str, str] = {}
        self.seen: dict[str, str] = {}  # each distinct text is looked at once

    def text(self, written: str) -> str:
        if written.isascii():
            return written
        fixed = self.seen.get(written)
        if fixed is None:
            fixed = self.seen[written] = ftfy.fix_encoding(written)
            if fixed != written:
                self.repaired[written] = fixed
        return fixed

    def row(self, cells: list[str]) -> list[str]:
        return [self.text(cell) for cell in cells]

    def tables(self, tables: Iterable[Table]) -> Iterator[Table]:
        for table in tables:
            # Most rows are plain ASCII (codes and figures): those are passed over in one test.
            rows = [row if "".join(row).isascii() else self.row(row) for row in table.rows]
            yield replace(table, rows=rows)

    def problems(self) -> list[Problem]:
        if not self.repaired:
            return []
        before, after = next(iter(self.repaired.items()))
        more = len(self.repaired) - 1
        detail = f"«{before}» → «{after}»" + (f" (+{more})" if more else "")
        return [Problem("structure.mojibake_repaired", detail=detail)]
