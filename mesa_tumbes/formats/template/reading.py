"""The Mesa template (submission contract, section 2): one row per indicator x district x period x group."""

from __future__ import annotations

from collections.abc import Callable, Generator
from functools import partial

import pandas as pd

from mesa_tumbes.core.contract import COVER_COLUMNS, KEY_COLUMNS, TEMPLATE_MARK, TEMPLATE_VERSION
from mesa_tumbes.core.frames import sliced
from mesa_tumbes.core.problems import Problem
from mesa_tumbes.core.reference import CodedColumn, Reference
from mesa_tumbes.transforms.columns import column_problems, formula_problems, personal_data
from mesa_tumbes.transforms.header import AliasSpec, ColumnMatch, Header
from mesa_tumbes.transforms.model import Part, ToNormalise
from mesa_tumbes.transforms.read import Table
from mesa_tumbes.transforms.values import (
    cells_frame,
    first_filled,
    map_pairs,
    map_unique,
    names_a_month,
    normalise_period,
    number_columns,
    resolver,
    total_words,
    with_period_columns,
)

# A totals row says TOTAL where one of these goes.
LABEL_FIELDS = ("agency", "period", "district", "indicator")
# Asking which rows are totals rows: the row's first filled cell beside its label cells, and the
# answer's column.
FIRST, TOTAL = "first_filled", "total"
# Columns the Mesa's template fills in before the agency writes (`mesa plantillas`): a row with
# nothing else is a row the agency did not use.
PREFILLED = ("agency", "period")
# A table with at least this many months as column titles, and no period nor value column, has its
# months across the columns.
MONTHS_ACROSS_MIN = 2


def template_spec(reference: Reference) -> AliasSpec:
    """The Mesa template: any two of its columns make a header (missing ones are then reported)."""
    keys: dict[str, tuple[str, int]] = {}
    for column in reference.columns:
        for rank, alias in enumerate((*column.aliases, column.field)):
            keys.setdefault(reference.header_key(alias), (column.field, rank))
    needed = frozenset(column.field for column in reference.columns if column.required)
    return AliasSpec("mesa_template", keys, reference, min_fields=2, guess=True, needed=needed)


def template_part(
    header: Header, channel: str, reference: Reference
) -> Generator[list[ToNormalise], list[pd.DataFrame], tuple[Part | None, list[Problem]]]:
    """Cells under the header -> the canonical frame (codes resolved) and the cells as written. Which
    rows are totals rows, then the canonical frame, are asked for (see Reading): a chunk of files
    finds them together."""
    columns = header.columns
    data = header.data()
    if months := months_across(columns):
        return None, [Problem("structure.months_across_columns", value=", ".join(months))]
    privacy = personal_data(columns, [cells for _, cells in data], loaded=("value",))
    problems = column_problems(columns, said=privacy.titles)
    read = {**columns.positions, **{f"{r.field}@{r.position}": r.position for r in columns.repeated}}
    prefilled = {columns.positions[name] for name in PREFILLED if name in columns.positions}
    grid = cells_frame(data)
    used = (grid.drop(columns=[p for p in prefilled if p in grid]) != "").any(axis=1)
    firsts = pd.Series([first_filled(cells) for _, cells in data], index=grid.index, dtype=object)
    grid = grid.loc[used]
    fields = pd.DataFrame(
        {name: grid.get(position, "") for name, position in read.items()},
        index=grid.index,
        dtype=object,
    )
    labels = fields.reindex(columns=list(LABEL_FIELDS), fill_value="").assign(**{FIRST: firsts.loc[used]})
    sheet, header_row = header.table.sheet, header.row_number
    formulas = formula_problems(header, [number for number, _ in data])  # said of the rows written
    # the file's cells are not needed past this point, and a chunk's files wait together for the
    # steps below: each waits with the cells of its fields only (see TemplateFormat.read, reading)
    del header, data, grid, firsts
    (found,) = yield [ToNormalise(labels, channel, reference, totals_rows)]
    totals = found[TOTAL]
    said = totals.dropna()
    problems += [
        Problem("structure.total_row", row_number=number, value=total, sheet=sheet)
        for number, total in zip(said.index.tolist(), said.tolist(), strict=True)
    ]
    written = fields.loc[totals.isna()]
    numbers = {int(number) for number in written.index}
    problems += privacy.problems
    if written.empty:
        return None, [*problems, Problem("structure.no_data_rows")]
    source = written[list(columns.positions)]
    (frame,) = yield [ToNormalise(source, channel, reference, canonical_frames)]
    problems += [problem for problem in formulas if problem.row_number in numbers]
    problems += conflicts(written, frame, columns, channel, reference, sheet)
    part = Part(
        sheet,
        header_row,
        columns.titles,
        frame,
        source,
        rows_read=len(written),
        positions=columns.positions,
        personal=privacy.positions,
        covers=frame.reindex(columns=COVER_COLUMNS),
    )
    return part, problems


def handed_out_version(tables: list[Table]) -> Problem | None:
    """A workbook `mesa plantillas` wrote carries its mark and version in the first row of its hidden
    lists sheet: an earlier version is read all the same, and the agency told to use the current one."""
    for table in tables:
        if table.hidden and table.rows and table.rows[0][:1] == [TEMPLATE_MARK]:
            version = table.rows[0][1] if len(table.rows[0]) > 1 else ""
            if version != TEMPLATE_VERSION:
                return Problem("structure.old_template", value=version or "?", expected=TEMPLATE_VERSION)
            return None
    return None


def months_across(columns: ColumnMatch) -> list[str]:
    """The titles of a table that has its months across the columns (a month per column, no period
    nor value column): a layout the template does not take, said as such instead of every row failing."""
    if "period" in columns.positions or "value" in columns.positions:
        return []
    months = [title for _, title in columns.unknown if names_a_month(title)]
    return months if len(months) >= MONTHS_ACROSS_MIN else []


def conflicts(
    written: pd.DataFrame,
    frame: pd.DataFrame,
    columns: ColumnMatch,
    channel: str,
    reference: Reference,
    sheet: str | None,
) -> list[Problem]:
    """Rows where two columns that name one field (ubigeo and distrito, valor and total) say different
    things: the row cannot be loaded without guessing which is right."""
    if not columns.repeated:  # most tables: one column per field
        return []
    problems = []
    by_row = frame.set_index("row_number")
    for repeated in columns.repeated:
        if repeated.field not in by_row or repeated.field == "notes":
            continue
        other = written[f"{repeated.field}@{repeated.position}"]
        theirs = canonical_column(other, repeated.field, channel, reference)
        mine = by_row[repeated.field].reindex(theirs.index)
        both = other.astype(bool) & written[repeated.field].astype(bool) & mine.notna() & theirs.notna()
        differ = both & (mine.astype(str) != theirs.astype(str))
        problems += [
            Problem(
                "consistency.conflicting_columns",
                row_number=int(number),
                column=repeated.title,
                field=repeated.field,
                value=other[number],
                expected=repeated.used,
                detail=str(written.at[number, repeated.field]),
                sheet=sheet,
            )
            for number in differ[differ].index
        ]
    return problems


def totals_rows(asked: list[ToNormalise]) -> list[pd.DataFrame]:
    """For the rows of each request (its label cells, and its first filled cell in FIRST), the
    "TOTAL" that makes it a totals row or None (`total_words`), in TOTAL: for all at once."""

    def totals(cells: pd.DataFrame) -> pd.DataFrame:
        return total_words(cells.drop(columns=[FIRST]), cells[FIRST]).to_frame(TOTAL)

    return _at_once([request.source for request in asked], totals)


def canonical_frames(asked: list[ToNormalise]) -> list[pd.DataFrame]:
    """`canonical_frame` of each request, one pass per set of tables with the same columns from the
    same agency (a chunk's files mostly share both): every step of it is row by row, so each table's
    rows come out as they would on their own (a test compares them), and a pandas operation's fixed
    cost is paid once per set instead of once per file (most of reading a small file)."""
    groups: dict[tuple[tuple[str, ...], str, int], list[int]] = {}
    for number, request in enumerate(asked):
        key = (tuple(request.source.columns), request.channel, id(request.reference))
        groups.setdefault(key, []).append(number)
    found: dict[int, pd.DataFrame] = {}
    for numbers in groups.values():
        first = asked[numbers[0]]
        derive = partial(canonical_frame, channel=first.channel, reference=first.reference)
        pieces = _at_once([asked[number].source for number in numbers], derive)
        for number, piece in zip(numbers, pieces, strict=True):
            found[number] = piece.reset_index(drop=True)
    return [found[number] for number in range(len(asked))]


def _at_once(
    sources: list[pd.DataFrame], derive: Callable[[pd.DataFrame], pd.DataFrame]
) -> list[pd.DataFrame]:
    """`derive` (row by row) of each source, computed once over all of them and cut back into each
    one's rows; a lone source is derived as it is, without a copy."""
    if len(sources) == 1:
        return [derive(sources[0])]
    return sliced(derive(pd.concat(sources)), [len(source) for source in sources])


def canonical_frame(source: pd.DataFrame, channel: str, reference: Reference) -> pd.DataFrame:
    """Resolve each present column to its canonical codes; text that does not resolve is kept as
    written so that the suite reports it. Optional columns that are absent take their default."""
    frame = pd.DataFrame(index=source.index)
    for name in KEY_COLUMNS:
        if name in source:
            frame[name] = canonical_column(source[name], name, channel, reference)
        elif name == "agency":
            frame[name] = channel
        elif (default := reference.column(name).default) is not None:
            frame[name] = default
    if "value" in source:
        frame["value"], frame["value_text"] = number_columns(source["value"])
    frame["admin_level"] = "district"
    frame = with_period_columns(with_r4v_group(frame.reset_index(), reference))
    return frame.astype({c: object for c in frame.columns if c not in ("row_number", "value")})


def canonical_column(cells: pd.Series, name: str, channel: str, reference: Reference) -> pd.Series:
    """One column of cells as written -> its canonical codes (numbers for the value)."""
    if name == "value":
        return number_columns(cells)[0]
    resolvers: dict[str, Callable[[str], str | None]] = {
        "agency": resolver(reference.agency_code, empty=channel),
        "period": normalise_period,
        "district": resolver(reference.district_code),
        "indicator": resolver(reference.indicator_code),
    }
    if name in resolvers:
        return map_unique(cells, resolvers[name])
    coded: CodedColumn = name  # type: ignore[assignment]
    return map_unique(
        cells, resolver(partial(reference.vocabulary_code, coded), empty=reference.column(name).default)
    )


def with_r4v_group(frame: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """The R4V age-sex group (girls, boys, women, men, other) each row falls in, kept beside the finer
    band it was reported in; None where sex or age is a total."""
    if "sex" in frame and "age_group" in frame:
        frame["r4v_group"] = map_pairs(frame["sex"], frame["age_group"], reference.r4v_groups)
    else:
        frame["r4v_group"] = None
    return frame
