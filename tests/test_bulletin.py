"""The Mesa's bulletin on a warehouse built by hand, whose figures are known: what the PDF's text (as
pdftotext reads it) and the page's visible text (in headless Chromium) say, the charts inline as
SVG, the workbook's numbers equal to the marts', a suppressed count in no output, a month with a
missing report named as partial, and a clear error for a month that is not there."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from openpyxl import load_workbook

from mesa_tumbes.core.config import CalendarEntry
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.publication.bulletin import BulletinError, gather
from mesa_tumbes.publication.bulletin_render import BulletinFiles, write_bulletin
from tests.test_browser import browser  # noqa: F401  (the fixture: headless Chromium)
from tests.test_marts import Given, total

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

AS_OF = dt.date(2026, 11, 22)
ON_TIME = dt.datetime(2026, 11, 5, 15, 0, tzinfo=dt.UTC)
SEPTEMBER = dt.datetime(2026, 10, 5, 15, 0, tzinfo=dt.UTC)
NEED = [
    ("2026", "people_in_need", "Health", "total", None, 1000),
    ("2026", "target", "Health", "total", None, 600),
    ("2026", "people_in_need", "Protection (Child Protection)", "total", None, 50),
    ("2026", "target", "Protection (Child Protection)", "total", None, 40),
]
PDFTOTEXT = shutil.which("pdftotext")


def calendar_of(reference: Reference) -> Reference:
    """DIRESA, MIMP and PNP report every month; MTPE too, but sends nothing for October."""
    return dataclasses.replace(
        reference,
        calendar=(
            CalendarEntry("DIRESA", ("SAL-01",), "monthly", 10, "2026-10"),
            CalendarEntry("MIMP", ("PRO-01", "VBG-02"), "monthly", 10, "2026-10"),
            CalendarEntry("PNP", ("VBG-01",), "monthly", 10, "2026-10"),
            CalendarEntry("MTPE", ("INT-01",), "monthly", 10, "2026-10"),
        ),
    )


@pytest.fixture
def october(given: Given, reference: Reference) -> tuple[Given, Reference]:
    """Health: 150 people in September, 300 in October (the year takes its largest month: 300 of
    1,000 in need, target 600). Child protection: 3 children in October (a count to protect). GBV:
    10 complaints, 6 survivors attended. MTPE's report of October never came."""
    calendar = calendar_of(reference)
    given.need(NEED)
    given.values(
        "DIRESA", [total("2026-09", "240101", "SAL-01", 100), total("2026-09", "240302", "SAL-01", 50)],
        received=SEPTEMBER,
    )  # fmt: skip
    given.values(
        "DIRESA", [total("2026-10", "240101", "SAL-01", 200), total("2026-10", "240302", "SAL-01", 100)],
        received=ON_TIME,
    )  # fmt: skip
    given.values(
        "MIMP",
        [total("2026-10", "240101", "PRO-01", 3), total("2026-10", "240101", "VBG-02", 6)],
        received=ON_TIME,
    )
    given.values("PNP", [total("2026-10", "240101", "VBG-01", 10)], received=ON_TIME)
    given.build(calendar, AS_OF)
    return given, calendar


@pytest.fixture
def written(october: tuple[Given, Reference], tmp_path: Path) -> tuple[Any, BulletinFiles]:
    given, reference = october
    bulletin = gather(given.path, reference, None, "es", threshold=5)
    return bulletin, write_bulletin(bulletin, tmp_path / "boletin")


KEY_MESSAGES = [
    "3 de 4 instituciones enviaron a tiempo todos sus reportes del mes; faltan o fueron rechazados "
    "los de MTPE.",
    "La menor cobertura en lo que va de 2026 está en Salud: 300 personas alcanzadas de 1 000 con necesidad "
    "(30,0 %); 700 personas aún sin alcanzar.",
    "Cifras parciales en Integración: faltan reportes del mes.",
]


def test_the_month_by_default_is_the_latest_whose_deadline_passed_and_the_messages_say_its_gaps(
    written: tuple[Any, BulletinFiles],
) -> None:
    bulletin, _ = written
    assert bulletin.period == "2026-10"
    for message in KEY_MESSAGES:
        assert message in bulletin.key_messages
    assert any(
        m.startswith("1 sector va atrasado frente a su meta del RMRP: Salud (50,0 % de la meta")
        for m in bulletin.key_messages
    )
    assert any(
        "de 10 identificadas en el mes, 6 recibieron atención (60,0 %)" in m for m in bulletin.key_messages
    )
    assert bulletin.missing_agencies == ["MTPE"] and bulletin.partial_sectors == ["Integración"]


def test_the_pdf_reads_the_headline_figures_sectors_and_messages(written: tuple[Any, BulletinFiles]) -> None:
    if PDFTOTEXT is None:
        if os.environ.get("CI") == "true":
            pytest.fail("poppler-utils must be installed in CI (make browser installs it)")
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
    _, files = written
    pdf_text = " ".join(
        subprocess.run(
            [PDFTOTEXT, str(files.pdf), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert "Balance de resultados de la Mesa de Tumbes: octubre de 2026" in pdf_text
    for message in KEY_MESSAGES:
        assert message in pdf_text
    assert "Salud" in pdf_text and "Protección de la Niñez" in pdf_text and "MTPE" in pdf_text
    pages = subprocess.run(["pdfinfo", str(files.pdf)], capture_output=True, text=True, check=True).stdout
    assert "A4" in pages


def test_the_page_shows_the_same_in_a_browser_with_its_charts_inline(
    written: tuple[Any, BulletinFiles],
    browser: WebDriver,  # noqa: F811
) -> None:
    from selenium.webdriver.common.by import By

    _, files = written
    page = files.html.read_text(encoding="utf-8")
    for fetched in ("<script", "<link", 'src="http', 'href="http', "url(http", "@import"):
        assert fetched not in page, fetched  # it works offline: nothing fetched from anywhere
    browser.get(files.html.as_uri())
    visible = " ".join(browser.find_element(By.TAG_NAME, "body").text.split())
    for message in KEY_MESSAGES:
        assert message in visible
    for chart in ("coverage", "target", "trend"):
        assert browser.find_elements(By.CSS_SELECTOR, f"#chart-{chart} svg"), chart
    coverage = browser.find_element(By.ID, "section-coverage").text
    assert "Salud 300 300 1 000 30,0 700" in " ".join(coverage.split())


def test_the_workbook_holds_the_marts_numbers_as_numbers(
    written: tuple[Any, BulletinFiles], october: tuple[Given, Reference]
) -> None:
    given, _ = october
    _, files = written
    workbook = load_workbook(files.xlsx, data_only=True)
    assert workbook.sheetnames == [
        "Mensajes", "Reportes", "Cobertura", "Metas", "Derivación", "Territorio", "Equidad", "Tendencia",
    ]  # fmt: skip
    sheet = workbook["Cobertura"]
    assert [cell.value for cell in sheet[1]][:6] == [
        "Sector", "Alcanzadas en el mes", "Alcanzadas en el año", "Con necesidad", "Cobertura (%)",
        "Sin alcanzar",
    ]  # fmt: skip
    rows = {row[0].value: [cell.value for cell in row] for row in sheet.iter_rows(min_row=2) if row[0].value}
    ((reached, need, pct, gap),) = given.rows(
        "select people_reached, people_in_need, coverage_pct, gap_people from gap_coverage "
        "where sector = 'Health' and area_code = '24' and group_code = 'total' and period = '2026'"
    )
    assert rows["Salud"][2:6] == [reached, need, pct, gap]
    assert all(isinstance(value, int | float) for value in rows["Salud"][1:6])  # numbers, not text
    targets = {row[0].value: row[1].value for row in workbook["Metas"].iter_rows(min_row=2) if row[0].value}
    assert targets["Salud"] == 300


def test_a_suppressed_count_appears_in_no_output_and_what_would_reveal_it_is_hidden_too(
    written: tuple[Any, BulletinFiles],
) -> None:
    bulletin, files = written
    child = [row for row in bulletin.sections["coverage"].rows if row[0] == "Protección de la Niñez"]
    ((_, month, year, need, pct, gap, _),) = child
    assert [str(month), str(year), str(pct), str(gap)] == ["<5"] * 4 and need == 50  # not 3, nor 47 left
    for row in bulletin.sections["target"].rows:
        if row[0] == "Protección de la Niñez":
            assert str(row[1]) == "<5" and str(row[3]) == "<5"
    for row in bulletin.sections["trend"].rows:
        if row[1] == "Protección de la Niñez":
            assert str(row[2]) == "<5"
    workbook = load_workbook(files.xlsx, data_only=True)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            if row and "Protección de la Niñez" in [str(value) for value in row]:
                numbers = [value for value in row if isinstance(value, int | float)]
                assert 3 not in numbers and 47 not in numbers, (sheet.title, row)
    page = files.html.read_text(encoding="utf-8")
    section = page.split('id="section-coverage"')[1].split("</section>")[0]
    child_row = section.split("Protección de la Niñez")[1].split("</tr>")[0]
    assert "&lt;5" in child_row and ">3<" not in child_row and ">47<" not in child_row
    assert not any("Protección de la Niñez" in message for message in bulletin.key_messages)


def test_a_month_with_missing_reports_names_them_and_marks_the_figures_partial(
    written: tuple[Any, BulletinFiles],
) -> None:
    bulletin, files = written
    reporting = {row[0]: row for row in bulletin.sections["reporting"].rows}
    assert reporting["MTPE"][7] == 1 and reporting["MTPE"][8] == "reportes pendientes"
    assert bulletin.sections["reporting"].warnings == [
        "Cifras parciales en: Integración (faltan reportes de instituciones que los cubren)."
    ]
    page = files.html.read_text(encoding="utf-8")
    assert "Reportes vencidos pendientes de: MTPE." in page


def test_an_unknown_or_future_month_is_a_clear_error_naming_the_months_there_are(
    october: tuple[Given, Reference],
) -> None:
    given, reference = october
    with pytest.raises(BulletinError) as raised:
        gather(given.path, reference, "2027-01", "es", threshold=5)
    message = raised.value.describe("es")
    assert "«2027-01»" in message and "2026-09, 2026-10" in message


def test_a_month_without_need_targets_or_figures_still_says_what_is_missing(
    given: Given, reference: Reference, tmp_path: Path
) -> None:
    given.build(calendar_of(reference), AS_OF)
    bulletin = gather(given.path, reference, "2026-10", "es", threshold=5)
    assert (
        "Ninguna institución reportó personas alcanzadas en 2026: no hay cobertura que mostrar."
        in bulletin.key_messages
    )
    assert (
        "No hay metas del RMRP para 2026: el avance frente a la meta no se puede calcular."
        in bulletin.key_messages
    )
    files = write_bulletin(bulletin, tmp_path / "boletin")
    page = files.html.read_text(encoding="utf-8")
    assert "Ninguna institución reportó personas alcanzadas en el año." in page
    assert "chart-coverage" not in page  # no empty chart without a word


def test_the_bulletin_in_english_by_setting(october: tuple[Given, Reference], tmp_path: Path) -> None:
    given, reference = october
    bulletin = gather(given.path, reference, "2026-10", "en", threshold=5)
    files = write_bulletin(bulletin, tmp_path / "bulletins")
    assert files.html.name == "bulletin.html"
    assert (
        "The lowest coverage in 2026 to date is in Health: 300 people reached of 1,000 in need (30.0 %)"
        in " ".join(bulletin.key_messages)
    )


@pytest.mark.e2e
def test_the_bulletin_flow_writes_it_places_it_in_the_outbox_and_publishes_its_messages(
    prefect_api: str, october: tuple[Given, Reference], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mesa_tumbes.core.settings import resolve_settings
    from mesa_tumbes.flows.bulletin import ARTIFACT_KEY, run_bulletin
    from tests.test_calendar import latest_artifact

    given, reference = october
    monkeypatch.setattr("mesa_tumbes.flows.bulletin.load_reference", lambda: reference)
    settings = resolve_settings(
        inbox=str(tmp_path),
        warehouse=str(given.path),
        environ={"MESA_OUTBOX": str(tmp_path / "outbox"), "MESA_BULLETINS": str(tmp_path / "boletin")},
    )
    succeeded, written = run_bulletin(settings)
    assert succeeded and written["period"] == "2026-10"
    assert sorted(p.name for p in (tmp_path / "outbox" / "MESA" / "2026-10").iterdir()) == [
        "boletin.html", "boletin.pdf", "boletin.xlsx",
    ]  # fmt: skip
    markdown = latest_artifact(prefect_api, ARTIFACT_KEY)
    assert "# Boletín de octubre de 2026" in markdown
    assert KEY_MESSAGES[1] in markdown and str(tmp_path / "outbox") in markdown
