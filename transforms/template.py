"""The Mesa template (submission contract, section 2): one row per indicator x district x period x group."""

from __future__ import annotations

from functools import partial

import pandas as pd

from expectations.problems import Problem
from mesa.reference import Reference
from transforms.header import ColumnMatch, Header
from transforms.model import Part
from transforms.privacy import personal_data_kind
from transforms.values import (
    cell,
    map_unique,
    normalise_period,
    number_columns,
    resolver,
    total_word,
    with_period_columns,
)

# The canonical columns, in the warehouse's order. `value_text` keeps the number as text so that the
# suite can tell "not a number" from "not whole"; `row_number` is the row as the agency sees it.
KEY_COLUMNS = ["agency", "period", "district", "indicator", "sex", "age_group", "population_type"]
# A totals row says TOTAL where one of these goes.
LABEL_FIELDS = ("agency", "period", "district", "indicator")


def template_part(header: Header, channel: str, reference: Reference) -> tuple[Part | None, list[Problem]]:
    """Cells under the header -> the canonical frame (codes resolved) and the cells as written."""
    columns = header.columns
    data = header.data()
    privacy = personal_data_problems(columns, [cells for _, cells in data], loaded=("value",))
    problems = column_problems(columns, said={problem.column for problem in privacy})
    records, numbers = [], []
    for number, cells in data:
        fields = {name: cell(cells, position) for name, position in columns.positions.items()}
        total = total_word([fields.get(name, "") for name in LABEL_FIELDS], cells)
        if total is not None:
            problems.append(
                Problem("structure.total_row", row_number=number, value=total, sheet=header.table.sheet)
            )
            continue
        records.append(list(fields.values()))
        numbers.append(number)
    problems += privacy
    if not records:
        return None, [*problems, Problem("structure.no_data_rows")]
    source = pd.DataFrame(
        records, columns=list(columns.positions), index=pd.Index(numbers, name="row_number"), dtype=object
    )
    frame = canonical_frame(source, channel, reference)
    part = Part(
        header.table.sheet,
        header.row_number,
        columns.titles,
        frame,
        source,
        rows_read=len(records),
        positions=columns.positions,
    )
    return part, problems


def column_problems(columns: ColumnMatch, said: set[str | None] = frozenset()) -> list[Problem]:  # type: ignore[assignment]
    """Columns outside the format and columns that repeat one, except those already reported."""
    problems = [
        Problem("structure.unknown_column", column=title) for _, title in columns.unknown if title not in said
    ]
    return problems + [
        Problem("structure.repeated_column", column=ignored, expected=used)
        for _, ignored, used in columns.repeated
    ]


def personal_data_problems(
    columns: ColumnMatch, rows: list[list[str]], loaded: tuple[str, ...]
) -> list[Problem]:
    """Columns that look like personal data: reported when ignored, fatal where values are loaded."""
    problems = []
    ignored = [*columns.unknown, *((position, title) for position, title, _ in columns.repeated)]
    if "notes" in columns.positions:
        ignored.append((columns.positions["notes"], columns.titles["notes"]))
    for position, title in ignored:
        kind = personal_data_kind(title, [cell(row, position) for row in rows])
        if kind:
            problems.append(Problem("structure.personal_data_column", column=title, detail=kind))
    for name in loaded:
        if name in columns.positions:
            kind = personal_data_kind("", [cell(row, columns.positions[name]) for row in rows])
            if kind:
                problems.append(
                    Problem("structure.personal_data_in_values", column=columns.titles[name], detail=kind)
                )
    return problems


def canonical_frame(source: pd.DataFrame, channel: str, reference: Reference) -> pd.DataFrame:
    """Resolve each present column to its canonical codes; text that does not resolve is kept as
    written so that the suite reports it. Optional columns that are absent take their default."""
    resolvers = {
        "agency": resolver(reference.agency_code, empty=channel),
        "period": normalise_period,
        "district": resolver(reference.district_code),
        "indicator": resolver(reference.indicator_code),
        **{
            coded: resolver(partial(reference.vocabulary_code, coded), empty=reference.column(coded).default)
            for coded in ("sex", "age_group", "population_type")
        },
    }
    frame = pd.DataFrame(index=source.index)
    for name in KEY_COLUMNS:
        if name in source:
            frame[name] = map_unique(source[name], resolvers[name])
        elif name == "agency":
            frame[name] = channel
        elif (default := reference.column(name).default) is not None:
            frame[name] = default
    if "value" in source:
        frame["value"], frame["value_text"] = number_columns(source["value"])
    frame["admin_level"] = "district"
    frame = with_period_columns(with_r4v_group(frame.reset_index(), reference))
    return frame.astype({c: object for c in frame.columns if c not in ("row_number", "value")})


def with_r4v_group(frame: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """The R4V age-sex group (girls, boys, women, men, other) each row falls in, kept beside the finer
    band it was reported in; None where sex or age is a total."""
    if "sex" in frame and "age_group" in frame:
        pairs = pd.Series(list(zip(frame["sex"], frame["age_group"], strict=True)), index=frame.index)
        frame["r4v_group"] = pairs.map(reference.r4v_groups)
    else:
        frame["r4v_group"] = None
    return frame
