"""The feedback page as an agency sees it: opened in headless Chromium, asserted on its visible text.

Needs Debian's chromium and chromium-driver (.ci/run installs them). Where they are missing the test
is skipped, except in CI, where that is a failure: the page must be checked there.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from mesa_tumbes.agency_feedback.answer import write_feedback
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.expectations.validate import SuiteRunner
from mesa_tumbes.pipeline.intake import take
from mesa_tumbes.reception.received import received_in_place

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

from tests.builders import settings_under

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
# This machine has no network: keep Chromium from trying to reach Google's services at start.
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,2000",
]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    if CHROMIUM is None or CHROMEDRIVER is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium and chromium-driver must be installed in CI (.ci/run installs them)")
        pytest.skip("headless Chromium is not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def feedback_page(
    tmp_path: Path, example: str, agency: str, lang: str, reference: Reference, runner: SuiteRunner
) -> Path:
    source = tmp_path / Path(example).name
    shutil.copyfile(ROOT / "examples" / "inbox" / example, source)
    outcome = take(received_in_place(source, agency, agency), settings_under(tmp_path), runner, trial=True)
    folder = write_feedback(outcome, tmp_path / "feedback", lang, "America/Lima")
    return folder / ("resumen.html" if lang == "es" else "summary.html")


def test_the_agency_reads_its_status_counts_and_what_to_fix_in_spanish(
    browser: WebDriver, tmp_path: Path, reference: Reference, runner: SuiteRunner
) -> None:
    from selenium.webdriver.common.by import By

    page = feedback_page(tmp_path, "MIMP/mimp_cem_upe_octubre.csv", "MIMP", "es", reference, runner)
    browser.get(page.as_uri())
    assert browser.title.startswith("Resultado de la validación de su envío")
    assert browser.find_element(By.ID, "status").text == "Aceptado parcialmente"
    counts = {
        key: browser.find_element(By.ID, f"rows-{key}").text
        for key in ("read", "loaded", "rejected", "warned")
    }
    assert counts == {"read": "8", "loaded": "6", "rejected": "2", "warned": "0"}
    assert "envíe de nuevo el archivo completo del periodo" in browser.find_element(By.ID, "next-steps").text
    district = browser.find_element(By.ID, "check-domain.district_in_region")
    assert district.is_displayed()
    assert "Error · Distrito de la región Tumbes · 1 fila" in district.text
    cells = [cell.text for cell in district.find_elements(By.CSS_SELECTOR, "tbody td")]
    assert cells[:3] == ["4", "Distrito", "Aguas Verde"] and cells[-1] == "Aguas Verdes"
    text = browser.find_element(By.TAG_NAME, "body").text
    assert "El valor -2 es negativo" in text
    assert "planilla_revisada.xlsx" in text and "problemas.csv" in text
    assert "PNP" not in text and "DIRESA" not in text  # nothing about another agency


def test_the_same_page_in_english_by_setting(
    browser: WebDriver, tmp_path: Path, reference: Reference, runner: SuiteRunner
) -> None:
    from selenium.webdriver.common.by import By

    page = feedback_page(tmp_path, "PNP/pnp_denuncias_2026_10.csv", "PNP", "en", reference, runner)
    browser.get(page.as_uri())
    assert browser.find_element(By.ID, "status").text == "Partially accepted"
    text = browser.find_element(By.TAG_NAME, "body").text
    assert "is the RENIEC code of a Tumbes district" in text and "240302" in text
    assert "What to do now" in text
