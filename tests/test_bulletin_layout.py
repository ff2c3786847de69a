"""The bulletin's PDF as a reader holds it: every word inside the paper's margins, no page left blank
or nearly blank, each section once. Read from the words' positions as poppler gives them
(`pdftotext -bbox`), on the examples' month and on a month where every section has rows and the
agencies' names are long."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest

from mesa_tumbes.core.config import CalendarEntry
from mesa_tumbes.core.i18n import strings
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.publication.bulletin import gather
from mesa_tumbes.publication.bulletin_render import write_bulletin
from tests.test_marts import Given, total

PDFTOTEXT = shutil.which("pdftotext")
# A word whose box comes closer than this to the paper's edge is cut by printers (1 cm, in points).
EDGE_POINTS = 72 / 2.54
# A page is nearly blank when what it prints ends above this share of its height with so few lines.
NEARLY_BLANK_SHARE, NEARLY_BLANK_LINES = 0.25, 6
XHTML = "{http://www.w3.org/1999/xhtml}"


@dataclass(frozen=True)
class Word:
    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float


@dataclass(frozen=True)
class Page:
    number: int
    width: float
    height: float
    words: list[Word]

    def lines(self) -> int:
        return len({round(word.y_min) for word in self.words})

    def bottom(self) -> float:
        return max((word.y_max for word in self.words), default=0.0)


def pages_of(pdf: Path) -> list[Page]:
    if PDFTOTEXT is None:
        if os.environ.get("CI") == "true":
            pytest.fail("poppler-utils must be installed in CI (make browser installs it)")
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
    xhtml = subprocess.run([PDFTOTEXT, "-bbox", str(pdf), "-"], capture_output=True, check=True).stdout
    root = ElementTree.fromstring(xhtml)
    return [
        Page(
            number,
            float(page.attrib["width"]),
            float(page.attrib["height"]),
            [
                Word(
                    word.text or "",
                    *(float(word.attrib[k]) for k in ("xMin", "yMin", "xMax", "yMax")),
                )
                for word in page.iter(f"{XHTML}word")
            ],
        )
        for number, page in enumerate(root.iter(f"{XHTML}page"), start=1)
    ]


def layout_faults(pdf: Path) -> list[str]:
    """What a reader of the printed bulletin would see wrong, one line each."""
    faults = []
    for page in pages_of(pdf):
        for word in page.words:
            if (
                word.x_min < EDGE_POINTS
                or word.y_min < EDGE_POINTS
                or word.x_max > page.width - EDGE_POINTS
                or word.y_max > page.height - EDGE_POINTS
            ):
                faults.append(f"page {page.number}: «{word.text}» is printed beyond the margins")
        if page.bottom() < NEARLY_BLANK_SHARE * page.height and page.lines() < NEARLY_BLANK_LINES:
            faults.append(f"page {page.number} is nearly blank ({page.lines()} lines at the top)")
    return faults


def section_titles(pdf: Path) -> list[str]:
    """The section headings as printed, in order (a heading is a line whose text is a title)."""
    titles = set(strings("es")["bulletin"]["sections"].values())
    lines: list[str] = []
    for page in pages_of(pdf):
        rows: dict[int, list[Word]] = {}
        for word in page.words:
            rows.setdefault(round(word.y_min), []).append(word)
        for _, words in sorted(rows.items()):
            lines.append(" ".join(w.text for w in sorted(words, key=lambda w: w.x_min)))
    return [line for line in lines if line in titles]


def long_names(reference: Reference) -> Reference:
    """Every agency with a name of the length real ones reach in official letters."""
    agencies = tuple(
        dataclasses.replace(
            agency,
            name=f"{agency.name}, Oficina Desconcentrada de Coordinación Interinstitucional de la Región"
            " Tumbes",
        )
        for agency in reference.agencies
    )
    calendar = (
        CalendarEntry("DIRESA", ("SAL-01",), "monthly", 10, "2026-10"),
        CalendarEntry("MIMP", ("PRO-01", "VBG-02"), "monthly", 10, "2026-10"),
        CalendarEntry("PNP", ("VBG-01", "TRA-01"), "monthly", 10, "2026-10"),
        CalendarEntry("MTPE", ("INT-01",), "monthly", 10, "2026-10"),
        CalendarEntry("CANCILLERIA", ("DOC-01",), "monthly", 10, "2026-10"),
        CalendarEntry("DRE", ("EDU-01",), "monthly", 10, "2026-10"),
    )
    return dataclasses.replace(reference, agencies=agencies, calendar=calendar)


def grouped(period: str, area: str, indicator: str, sex: str, age: str, value: int) -> tuple[object, ...]:
    return (period, area, "district", indicator, sex, age, "total", value)


@pytest.fixture
def every_section(given: Given, reference: Reference) -> tuple[Given, Reference]:
    """A month in which each section of the bulletin has rows: reports on time, late and missing,
    need and targets by group, identified and attended pairs, districts without service, a year of
    months for the trend."""
    import datetime as dt

    need = []
    for sector in ("Health", "Protection (GBV)", "Education", "Integration", "Protection (General)"):
        need += [
            ("2026", "people_in_need", sector, "total", None, 2000),
            ("2026", "target", sector, "total", None, 1200),
            ("2026", "people_in_need", sector, "total", "women", 900),
            ("2026", "people_in_need", sector, "total", "men", 500),
            ("2026", "people_in_need", sector, "total", "girls", 350),
            ("2026", "people_in_need", sector, "total", "boys", 250),
        ]
    given.need(need)
    for month in range(1, 11):
        period = f"2026-{month:02d}"
        received = dt.datetime(2026, month % 12 + 1, 5, 15, tzinfo=dt.UTC)
        given.values(
            "DIRESA",
            [
                grouped(period, "240101", "SAL-01", "F", "18-59", 100 + month),
                grouped(period, "240101", "SAL-01", "M", "18-59", 60 + month),
                grouped(period, "240302", "SAL-01", "F", "0-5", 20 + month),
                grouped(period, "240302", "SAL-01", "M", "6-11", 15 + month),
            ],
            received=received,
        )
    october = dt.datetime(2026, 11, 5, 15, tzinfo=dt.UTC)
    late = dt.datetime(2026, 11, 20, 15, tzinfo=dt.UTC)
    given.values(
        "MIMP",
        [total("2026-10", "240101", "PRO-01", 3), total("2026-10", "240101", "VBG-02", 16)],
        received=october,
    )
    given.values(
        "PNP",
        [total("2026-10", "240101", "VBG-01", 30), total("2026-10", "240301", "TRA-01", 12)],
        received=late,
    )
    given.values("CANCILLERIA", [total("2026-10", "240302", "DOC-01", 140)], received=october)
    given.values("DRE", [total("2026-10", "240201", "EDU-01", 410)], received=october)
    with_long_names = long_names(reference)
    given.build(with_long_names, dt.date(2026, 11, 22))
    return given, with_long_names


def test_a_month_with_every_section_and_long_agency_names_prints_inside_the_page(
    every_section: tuple[Given, Reference], tmp_path: Path
) -> None:
    given, reference = every_section
    bulletin = gather(given.path, reference, "2026-10", "es", threshold=5)
    assert all(section.rows for section in bulletin.sections.values()), [
        key for key, section in bulletin.sections.items() if not section.rows
    ]
    files = write_bulletin(bulletin, tmp_path / "boletin")
    assert layout_faults(files.pdf) == []
    titles = section_titles(files.pdf)
    assert len(titles) == len(set(titles)) == len(bulletin.sections), titles
    # the names are in the bulletin (a list of the agencies' codes), not in the table's rows
    printed = " ".join(w.text for page in pages_of(files.pdf) for w in page.words)
    assert "Oficina Desconcentrada de Coordinación Interinstitucional" in printed


@pytest.mark.e2e
def test_the_examples_bulletin_prints_inside_the_page_with_each_section_once(
    prefect_api: str, examples_inbox: Path, tmp_path: Path, reference: Reference
) -> None:
    from mesa_tumbes.core.settings import resolve_settings
    from mesa_tumbes.flows.intake import run_intake

    settings = resolve_settings(
        inbox=str(examples_inbox),
        warehouse=str(tmp_path / "mesa.duckdb"),
        feedback=str(tmp_path / "feedback"),
        environ={},
    )
    succeeded, _ = run_intake(settings)
    assert succeeded
    bulletin = gather(settings.warehouse, reference, "2026-10", "es", threshold=5)
    files = write_bulletin(bulletin, tmp_path / "boletin")
    assert layout_faults(files.pdf) == []
    titles = section_titles(files.pdf)
    assert len(titles) == len(set(titles)), titles
