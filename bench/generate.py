"""A deterministic generator of realistic submissions, at any scale.

Each file is one agency's month: agencies x months x (indicators x districts x sex x age group x
population type), with values stable per series (so plausibility checks see a usual month) and
formats in the proportions the Mesa receives: UTF-8 CSV with codes, semicolon CSV from Excel in
Spanish (Windows-1252, district names and words instead of codes) and Excel workbooks with title rows
above the header. A small share of rows carries the mistakes agencies make (a RENIEC district code,
a negative count, a misspelt indicator, a period typed as `oct-26`). The same seed and scale always
give the same rows.
"""

from __future__ import annotations

import hashlib
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
from openpyxl import Workbook

from mesa_tumbes.core.clock import today as mesa_today
from mesa_tumbes.core.reference import Reference, load_reference
from mesa_tumbes.core.settings import DEFAULT_TIMEZONE
from tests.builders import FIXED_TIME, csv_bytes, reproducible_zip

Layout = Literal["csv_codes", "csv_excel_es", "xlsx_titles"]

# The share of files in each layout (the rest of the files are csv_codes).
LAYOUT_SHARES: dict[Layout, float] = {"csv_excel_es": 0.25, "xlsx_titles": 0.20}
AGENCIES = ("GORE", "CANCILLERIA", "MIGRACIONES", "DIRESA", "MIMP", "PNP", "MTPE", "DRE", "OIM", "ACNUR")
SEXES = ("F", "M", "X")
AGES = ("0-5", "6-11", "12-17", "18-59", "60+")
POPULATIONS = ("in_destination", "in_transit", "host_community", "pendular", "returnee")
# How agencies write the coded columns in a Spanish Excel export.
SEX_WORDS = {"F": "Mujer", "M": "Hombre", "X": "Otro"}
AGE_WORDS = {"0-5": "0 a 5", "6-11": "6 a 11", "12-17": "12 a 17", "18-59": "18 a 59", "60+": "60 a más"}
POPULATION_WORDS = {
    "in_destination": "destino",
    "in_transit": "tránsito",
    "host_community": "comunidad de acogida",
    "pendular": "pendular",
    "returnee": "retornado",
}
HEADER_CODES: list[object] = [
    "agencia",
    "periodo",
    "ubigeo",
    "indicador",
    "sexo",
    "grupo de edad",
    "tipo de población",
    "valor",
]
HEADER_ES: list[object] = [
    "Institución",
    "Periodo",
    "Distrito",
    "Indicador",
    "Sexo",
    "Grupo de edad",
    "Población",
    "Cantidad",
]
MISTAKES = ("reniec_code", "negative", "indicator_typo", "period_text")
ATTENDED_SHARE = 0.6  # an attended count is this share of its identified count: never above it


@dataclass(frozen=True)
class Scale:
    """How much to generate. Files are agency-months, agencies taking turns, months moving on."""

    files: int = 200
    rows_per_file: int = 5_000
    first_month: str = "2022-01"
    error_rate: float = 0.005
    seed: int = 2026
    # A noisy month (issue #32): about this share of rows raises a warning and is loaded all the same.
    # Each file then begins with the identified-attended pairs (VBG-01/02, TRA-01/02), and that share
    # of its rows is an attended count above its identified one.
    warning_rate: float = 0.0

    @property
    def rows(self) -> int:
        return self.files * self.rows_per_file


@dataclass(frozen=True)
class FileSpec:
    agency: str
    period: str
    layout: Layout
    index: int

    @property
    def name(self) -> str:
        suffix = "xlsx" if self.layout == "xlsx_titles" else "csv"
        return f"{self.agency.lower()}_{self.period}.{suffix}"

    def path(self, inbox: Path) -> Path:
        return inbox / self.agency / self.name


@dataclass(frozen=True)
class Row:
    agency: str
    period: str
    district: str
    indicator: str
    sex: str
    age_group: str
    population_type: str
    value: int


def month(first: str, offset: int) -> str:
    year, number = (int(part) for part in first.split("-"))
    total = year * 12 + number - 1 + offset
    return f"{total // 12}-{total % 12 + 1:02d}"


def start_for(files: int, today: date | None = None) -> str:
    """The first month of a plan of `files` files that ends last month: a later month would be a period
    in the future, and its files rejected whole (it would measure rejection, not intake). Today is
    the Mesa's, as the rule on future periods reads it."""
    today = today or mesa_today(DEFAULT_TIMEZONE)
    months = -(-files // len(AGENCIES))
    return month(f"{today.year}-{today.month:02d}", -months)


def plan(scale: Scale, months_offset: int = 0) -> list[FileSpec]:
    """Which agency sends which month in which layout: agencies take turns, then the month moves on."""
    rng = np.random.default_rng(scale.seed)
    draws = rng.random(scale.files)
    specs = []
    for index in range(scale.files):
        agency = AGENCIES[index % len(AGENCIES)]
        period = month(scale.first_month, months_offset + index // len(AGENCIES))
        specs.append(FileSpec(agency, period, layout_for(float(draws[index])), index))
    return specs


def layout_for(draw: float) -> Layout:
    threshold = 0.0
    for layout, share in LAYOUT_SHARES.items():
        threshold += share
        if draw < threshold:
            return layout
    return "csv_codes"


def agency_indicators(agency: str, reference: Reference, pairs_first: bool = False) -> list[str]:
    """A fixed list of indicators per agency (enough to fill a file), pairs kept in order; with
    `pairs_first`, the identified-attended pairs lead (a noisy month's files all have them)."""
    codes = [i.code for i in reference.indicators if i.role != "population"]
    start = AGENCIES.index(agency) * 3
    listed = [codes[(start + k) % len(codes)] for k in range(len(codes))]
    if not pairs_first:
        return listed
    pairs = [code for i in reference.indicators if i.pairs_with for code in (i.pairs_with, i.code)]
    return [*pairs, *(code for code in listed if code not in pairs)]


def rows_for(spec: FileSpec, scale: Scale, reference: Reference) -> list[Row]:
    """The file's rows: the agency's indicators x districts x groups, in that order, cut at the size."""
    districts = [d.inei for d in reference.districts]
    indicators = agency_indicators(spec.agency, reference, pairs_first=scale.warning_rate > 0)
    combos = itertools.product(indicators, districts, SEXES, AGES, POPULATIONS)
    rows = []
    for indicator, district, sex, age, population in itertools.islice(combos, scale.rows_per_file):
        series = (spec.agency, indicator, district, sex, age, population)
        rows.append(
            Row(
                spec.agency,
                spec.period,
                district,
                indicator,
                sex,
                age,
                population,
                value(series, spec.period),
            )
        )
    return keep_pairs_consistent(rows, reference)


def value(series: tuple[str, ...], period: str) -> int:
    """A count stable per series (a base from 1 to 300) that moves by up to 10 % from month to month."""
    digest = hashlib.blake2b("|".join(series).encode(), digest_size=8).digest()
    base = 1 + int.from_bytes(digest[:4], "big") % 300
    wobble = hashlib.blake2b(f"{digest.hex()}|{period}".encode(), digest_size=2).digest()
    return max(0, round(base * (0.9 + 0.2 * int.from_bytes(wobble, "big") / 65535)))


def keep_pairs_consistent(rows: list[Row], reference: Reference) -> list[Row]:
    """An attended count (TRA-02, VBG-02) never above its identified one in the same file."""
    pairs = {i.code: i.pairs_with for i in reference.indicators if i.pairs_with}
    by_key = {(r.district, r.sex, r.age_group, r.population_type, r.indicator): r for r in rows}
    fixed = []
    for row in rows:
        partner = pairs.get(row.indicator)
        identified = by_key.get((row.district, row.sex, row.age_group, row.population_type, partner or ""))
        if identified is not None:
            row = Row(**{**row.__dict__, "value": int(identified.value * ATTENDED_SHARE)})
        fixed.append(row)
    return fixed


def cells(row: Row, layout: Layout, names: dict[str, str]) -> list[object]:
    if layout == "csv_excel_es":
        return [
            row.agency,
            row.period,
            names[row.district],
            row.indicator,
            SEX_WORDS[row.sex],
            AGE_WORDS[row.age_group],
            POPULATION_WORDS[row.population_type],
            row.value,
        ]
    return [
        row.agency,
        row.period,
        row.district,
        row.indicator,
        row.sex,
        row.age_group,
        row.population_type,
        row.value,
    ]


def with_mistakes(table: list[list[object]], rng: np.random.Generator, rate: float) -> list[list[object]]:
    """Put an agency's usual mistakes in about `rate` of the rows."""
    hits = np.flatnonzero(rng.random(len(table)) < rate)
    kinds = rng.integers(0, len(MISTAKES), len(hits))
    for row_index, kind in zip(hits, kinds, strict=True):
        row = list(table[row_index])
        match MISTAKES[kind]:
            case "reniec_code":
                row[2] = "230304"
            case "negative":
                row[7] = -int(str(row[7]) or 0) - 1
            case "indicator_typo":
                row[3] = str(row[3]).replace("-0", "-")
            case "period_text":
                row[1] = "oct-26"
        table[row_index] = row
    return table


def with_warnings(rows: list[Row], rng: np.random.Generator, rate: float, reference: Reference) -> list[Row]:
    """About `rate` of the file's rows made to raise a warning (attended above identified), chosen
    among its attended counts."""
    attended = {i.code for i in reference.indicators if i.pairs_with}
    candidates = [index for index, row in enumerate(rows) if row.indicator in attended]
    if rate <= 0 or not candidates:
        return rows
    share = min(1.0, rate * len(rows) / len(candidates))
    chosen = {index for index in candidates if rng.random() < share}
    return [
        Row(**{**row.__dict__, "value": row.value * 3 + 5}) if index in chosen else row
        for index, row in enumerate(rows)
    ]


def render(spec: FileSpec, scale: Scale, reference: Reference) -> bytes:
    """The file's bytes, in its layout."""
    names = {d.inei: d.name for d in reference.districts}
    rng = np.random.default_rng([scale.seed, spec.index])
    noisy = np.random.default_rng([scale.seed, spec.index, 1])
    rows = with_warnings(rows_for(spec, scale, reference), noisy, scale.warning_rate, reference)
    table = [cells(row, spec.layout, names) for row in rows]
    table = with_mistakes(table, rng, scale.error_rate)
    if spec.layout == "xlsx_titles":
        return xlsx(spec, table)
    if spec.layout == "csv_excel_es":
        return csv_bytes([HEADER_ES, *table], ";", "cp1252")
    return csv_bytes([HEADER_CODES, *table], ",", "utf-8")


def xlsx(spec: FileSpec, table: list[list[object]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Reporte")
    sheet.append([f"{spec.agency}: reporte de atenciones a población refugiada y migrante"])
    sheet.append([f"Periodo: {spec.period}"])
    sheet.append([])
    sheet.append(HEADER_CODES)
    for row in table:
        sheet.append(row)
    workbook.properties.created = FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)
    return reproducible_zip(buffer.getvalue())  # the same bytes every time: snapshots compare them


@dataclass(frozen=True)
class Inventory:
    files: list[Path]
    rows: int
    bytes: int

    def of_layout(self, layout: Layout, specs: list[FileSpec]) -> list[Path]:
        return [path for path, spec in zip(self.files, specs, strict=True) if spec.layout == layout]


def write_inbox(inbox: Path, scale: Scale, months_offset: int = 0) -> tuple[Inventory, list[FileSpec]]:
    """Write the files of `scale` under inbox/<AGENCY>/; returns what was written."""
    reference = load_reference()
    specs = plan(scale, months_offset)
    paths = []
    size = 0
    for spec in specs:
        path = spec.path(inbox)
        path.parent.mkdir(parents=True, exist_ok=True)
        content = render(spec, scale, reference)
        path.write_bytes(content)
        paths.append(path)
        size += len(content)
    return Inventory(paths, scale.rows, size), specs


def history_rows(months: int, scale: Scale, first: str) -> Iterator[tuple[str, list[Row]]]:
    """Clean rows for `months` months of every agency: the history a warehouse already holds."""
    reference = load_reference()
    for offset in range(months):
        for index, agency in enumerate(AGENCIES):
            spec = FileSpec(agency, month(first, offset), "csv_codes", offset * len(AGENCIES) + index)
            yield spec.period, rows_for(spec, scale, reference)


def write_twins(folder: Path, specs: list[FileSpec], scale: Scale) -> list[Path]:
    """Each file again as clean UTF-8 CSV with codes (same rows, same mistakes): what the peers read."""
    reference = load_reference()
    paths = []
    for spec in specs:
        twin = FileSpec(spec.agency, spec.period, "csv_codes", spec.index)
        path = twin.path(folder)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render(twin, scale, reference))
        paths.append(path)
    return paths
