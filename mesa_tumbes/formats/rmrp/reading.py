"""The RMRP people-in-need and targets file (R4V's `Proportions.xlsx` shape), sent by the GTRM.

Sheets such as "PiN 2022" and "Target" hold one row per country x admin1 x subsector, with columns
like "PiN 2022 Total Girls", "PiN Dest Total" or "Target HC Men": a measure, an optional year, a
population type and an age-sex group. They are the denominators of the gap tables.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mesa_tumbes.core import yamldata
from mesa_tumbes.core.contract import Format
from mesa_tumbes.core.problems import Problem
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.core.text import strip_accents
from mesa_tumbes.transforms.columns import column_problems
from mesa_tumbes.transforms.header import ColumnMatch, Header
from mesa_tumbes.transforms.model import Part
from mesa_tumbes.transforms.values import cell, number_columns, total_word

# The columns' words and what each stands for: columns.yaml, beside this module.
_COLUMNS = yamldata.load((Path(__file__).parent / "columns.yaml").read_text(encoding="utf-8"))
MEASURES: dict[str, str] = _COLUMNS["measures"]
POPULATIONS: dict[str, str] = _COLUMNS["populations"]
GROUPS: dict[str, str | None] = _COLUMNS["groups"]
LABEL = re.compile(rf"^({'|'.join(MEASURES)}) ({'|'.join(map(re.escape, _COLUMNS['labels']))})$")
VALUE = re.compile(
    rf"^({'|'.join(MEASURES)})(?: (\d{{4}}))? ({'|'.join(POPULATIONS)})"
    rf"(?: ({'|'.join(GROUPS)}))?$"
)
YEAR = re.compile(r"\b(20\d{2})\b")
NEED_COLUMNS = [
    "row_number", "sheet", "year", "measure", "area", "admin_level", "sector", "population_type", "r4v_group",
    "admin1_key", "source_field", "value", "value_text",
]  # fmt: skip


def _key(title: str) -> str:
    return " ".join(re.split(r"[\s_]+", strip_accents(title).casefold().strip()))


@dataclass(frozen=True)
class RmrpSpec:
    """Recognises a PiN or Target sheet's header by its labelled and measured columns."""

    format: Format = "rmrp_need"
    spans_sheets: bool = True  # a PiN sheet and a Target sheet

    def match(self, cells: list[str]) -> ColumnMatch | None:
        positions: dict[str, int] = {}
        titles: dict[str, str] = {}
        unknown = []
        measures = set()
        for position, title in enumerate(cells):
            key = _key(title)
            if label := LABEL.match(key):
                name = label.group(2).replace(" ", "")
                measures.add(label.group(1))
            elif value := VALUE.match(key):
                name = f"{value.group(3)}:{value.group(4) or 'total'}"
                measures.add(value.group(1))
            elif key == "subsector":
                name = "subsector"
            else:
                if title:
                    unknown.append((position, title))
                continue
            positions.setdefault(name, position)
            titles.setdefault(name, title)
        values = [name for name in positions if ":" in name]
        if len(measures) != 1 or not {"country", "admin1", "subsector"} <= set(positions) or not values:
            return None
        return ColumnMatch(positions, titles, unknown)


def measure_and_year(header: Header) -> tuple[str, str | None]:
    """The sheet's measure, and its year from a column title ("PiN 2022 Total Girls") or the sheet."""
    titles = header.columns.titles
    matches = [VALUE.match(_key(titles[name])) for name in titles if ":" in name]
    measure = next(m.group(1) for m in matches if m)
    year = next((m.group(2) for m in matches if m and m.group(2)), None)
    if year is None and (in_name := YEAR.search(header.table.sheet or "")):
        year = in_name.group(1)
    return MEASURES[measure], year


def rmrp_parts(headers: list[Header], reference: Reference) -> tuple[list[Part], list[Problem]]:
    parts, problems = [], []
    for header in headers:
        part, found = rmrp_part(header, reference)
        problems += found
        if part is not None:
            parts.append(part)
    return parts, problems


def rmrp_part(header: Header, reference: Reference) -> tuple[Part | None, list[Problem]]:
    columns, sheet = header.columns, header.table.sheet
    measure, year = measure_and_year(header)
    problems = column_problems(columns)
    if year is None:
        return None, [*problems, Problem("structure.year_missing", value=sheet)]
    records, numbers = [], []
    outside: Counter[str] = Counter()
    for number, cells in header.data():
        fields = {name: cell(cells, position) for name, position in columns.positions.items()}
        total = total_word([fields["country"], fields["admin1"], fields["subsector"]], cells)
        if total is not None:
            problems.append(Problem("structure.total_row", row_number=number, value=total, sheet=sheet))
            continue
        if not reference.may_be_in_region(fields["country"], fields["admin1"]):
            outside[" / ".join(part for part in (fields["country"], fields["admin1"]) if part)] += 1
            continue
        records.append(fields)
        numbers.append(number)
    if outside:
        places = ", ".join(f"{place} ({count})" for place, count in outside.most_common())
        problems.append(
            Problem("structure.outside_region", rows=str(outside.total()), detail=places, sheet=sheet)
        )
    rows_read = len(records) + outside.total()
    if not rows_read:
        return None, [*problems, Problem("structure.no_data_rows", sheet=sheet)]
    source = pd.DataFrame(
        records, index=pd.Index(numbers, name="row_number"), columns=list(columns.positions), dtype=object
    )
    # Every row may have been left out: the part still says how many rows it read.
    frame = (
        need_frame(source, sheet, measure, year, reference) if records else pd.DataFrame(columns=NEED_COLUMNS)
    )
    part = Part(
        sheet, header.row_number, columns.titles, frame, source, rows_read, outside.total(), columns.positions
    )
    return part, problems


def need_frame(
    source: pd.DataFrame, sheet: str | None, measure: str, year: str, reference: Reference
) -> pd.DataFrame:
    """One row per source row x measured column: the denominators, at department level."""
    pieces = []
    for name in (name for name in source.columns if ":" in name):
        population, group = name.split(":")
        values, texts = number_columns(source[name])
        filled = texts.notna()  # an empty cell was not given, it is not a zero
        values, texts, rows = values[filled], texts[filled], source[filled]
        pieces.append(
            pd.DataFrame(
                {
                    "row_number": rows.index,
                    "sheet": sheet,
                    "year": year,
                    "measure": measure,
                    "area": reference.region.department,
                    "admin_level": "department",
                    "sector": rows["subsector"]
                    .map(lambda text: reference.sector_name(text) or text)
                    .to_numpy(),
                    "population_type": POPULATIONS[population],
                    "r4v_group": GROUPS[group],
                    "admin1_key": rows["admin1"]
                    .map(lambda text: reference.department_code(text) or text)
                    .to_numpy(),
                    "source_field": name,
                    "value": values.to_numpy(),
                    "value_text": texts.to_numpy(),
                }
            )
        )
    frame = pd.concat(pieces, ignore_index=True)[NEED_COLUMNS]
    return frame.astype({c: object for c in NEED_COLUMNS if c not in ("row_number", "value")})
