"""Each agency's own page, in headless Chromium against the console served on loopback: the link of a
real feedback e-mail opens that agency's page with its files and what is due; another agency's link
never shows the first one's data, page by page; expired, revoked and forged links are refused (and
throttled); a file sent from the page is archived, lands in the agency's folder of the upload spool
and, after a run, is a submission with its feedback; CSRF and the upload's limits hold."""

from __future__ import annotations

import dataclasses
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING
from unittest import mock

import httpx
import pytest

from mesa_tumbes.agency_feedback.replies import feedback_message
from mesa_tumbes.core import agency_links
from mesa_tumbes.core.settings import Settings
from mesa_tumbes.reception.archive import archive_path, sha256_of
from mesa_tumbes.reception.uploads import UploadRefusedError, deliver
from mesa_tumbes.warehouse.store import connect
from tests.builders import template_csv
from tests.test_browser import browser  # noqa: F401  (headless Chromium)
from tests.test_console import Served, appeared, shot
from tests.test_console_service import served  # noqa: F401  (the examples, served)

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

pytestmark = pytest.mark.e2e
COOKIE = "mesa_consola"


def public(served: Served) -> Settings:  # noqa: F811
    """The served console as the mails name it (review.public_url)."""
    review = dataclasses.replace(served.settings.review, public_url=served.url)
    return dataclasses.replace(served.settings, review=review)


def mailed_link(served: Served, agency: str) -> str:  # noqa: F811
    """The link in the HTML part of a real feedback e-mail to the agency about one of its files."""
    with connect(served.settings.warehouse, read_only=True) as connection:
        (relative,) = connection.execute(
            "select feedback_path from submissions where agency = ? and feedback_path is not null limit 1",
            [agency],
        ).fetchone() or ("",)
    folder = served.settings.feedback / relative
    message = feedback_message(
        [folder], ["focal@example.org"], "es", page=agency_links.page_url(public(served), agency)
    )
    html = next(part for part in message.walk() if part.get_content_type() == "text/html").get_content()
    found = re.search(r'href="([^"]*/institucion/entrar/[^"]+)"', html)
    assert found is not None, "the feedback e-mail carries the agency's link"
    plain = next(part for part in message.walk() if part.get_content_type() == "text/plain").get_content()
    assert found.group(1) in plain
    return found.group(1)


def files_of(served: Served, agency: str) -> list[str]:  # noqa: F811
    with connect(served.settings.warehouse, read_only=True) as connection:
        return [
            name
            for (name,) in connection.execute(
                "select name_as_sent from submission_names join submissions using (submission_id)"
                " where agency = ?",
                [agency],
            ).fetchall()
        ]


def enter(browser: WebDriver, link: str) -> None:  # noqa: F811
    browser.delete_all_cookies()
    browser.get(link)
    appeared(browser, "agency")


def same_session(browser: WebDriver, served: Served) -> httpx.Client:  # noqa: F811
    cookie = browser.get_cookie(COOKIE)
    assert cookie is not None
    return httpx.Client(base_url=served.url, cookies={COOKIE: cookie["value"]}, follow_redirects=False)


# --- the way in, and what it shows -------------------------------------------------------------


def test_a_feedback_mails_link_opens_that_agencys_page_with_its_files_and_due_items(
    browser: WebDriver,  # noqa: F811
    served: Served,  # noqa: F811
) -> None:
    from selenium.webdriver.common.by import By

    enter(browser, mailed_link(served, "DIRESA"))
    assert browser.current_url == f"{served.url}/institucion/"  # the token is not kept in the address
    assert "DIRESA" in browser.find_element(By.ID, "agency").text
    listed = browser.find_element(By.ID, "files").text
    assert all(name in listed for name in files_of(served, "DIRESA"))
    owed = browser.find_element(By.ID, "owed").text
    assert "2026-11" in owed and "SAL-01" in owed  # November's reports: due, not yet sent
    assert browser.find_elements(By.CSS_SELECTOR, "#figures-chart svg")  # September, approved
    shot(browser, "institucion")
    # every link of the page answers, in this session
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "main a")]
    with same_session(browser, served) as session:
        for href in links:
            assert href and session.get(href).status_code == 200, href


def test_another_agencys_link_never_shows_the_first_agencys_data(
    browser: WebDriver,  # noqa: F811
    served: Served,  # noqa: F811
) -> None:
    from selenium.webdriver.common.by import By

    diresa_files = files_of(served, "DIRESA")
    with connect(served.settings.warehouse, read_only=True) as connection:
        diresa_ids = [
            s
            for (s,) in connection.execute(
                "select submission_id from submissions where agency = 'DIRESA'"
            ).fetchall()
        ]
    enter(browser, mailed_link(served, "PNP"))
    assert "PNP" in browser.find_element(By.ID, "agency").text
    pages = [f"{served.url}/institucion/"]
    pages += [a.get_attribute("href") or "" for a in browser.find_elements(By.CSS_SELECTOR, "#files a")]
    with same_session(browser, served) as session:
        for page in pages:
            seen = session.get(page).text
            assert not any(name in seen for name in diresa_files), page
            assert "DIRESA" not in seen and "atenciones" not in seen, page
        for submission_id in diresa_ids:  # DIRESA's feedback, asked for by its address
            refused = session.get(f"/institucion/envio/{submission_id}/retroalimentacion/")
            assert refused.status_code == 404 and "No se encontró" in refused.text
        # and nothing of the officers' console opens with an agency's session
        assert session.get("/revision").status_code == 303


# --- sending a corrected file ----------------------------------------------------------------


def test_an_upload_lands_archived_in_the_agencys_folder_and_after_a_run_is_a_submission_with_feedback(
    browser: WebDriver,  # noqa: F811
    served: Served,  # noqa: F811
    tmp_path: Path,
) -> None:
    from selenium.webdriver.common.by import By

    from mesa_tumbes.flows.intake import run_intake
    from mesa_tumbes.pipeline.review import decide
    from mesa_tumbes.warehouse import review

    rows = review.slices(served.settings.warehouse)
    (row,) = rows[(rows.agency == "MTPE") & (rows.period == "2026-10")].itertuples()
    returned = review.Decision(
        "return", "MTPE", "2026-10", row.submission_id, row.version, "ana", "Corrija INT-01"
    )
    assert decide(
        served.settings, returned
    ).applied  # the officer returns October: MTPE answers from its page
    corrected = tmp_path / "mtpe_colocaciones_corregido.csv"
    corrected.write_bytes(template_csv(["MTPE", "2026-10", "240101", "INT-01", "", "", "", "25"]))
    enter(browser, mailed_link(served, "MTPE"))
    browser.find_element(By.CSS_SELECTOR, "#upload input[type=file]").send_keys(str(corrected))
    browser.find_element(By.CSS_SELECTOR, "#upload button").click()
    assert "Recibimos «mtpe_colocaciones_corregido.csv»" in appeared(browser, "flash").text
    landed = served.settings.upload_spool / "MTPE" / corrected.name
    assert landed.read_bytes() == corrected.read_bytes()
    assert archive_path(served.settings.archive, sha256_of(corrected)).is_file()  # archived first

    succeeded, report = run_intake(served.settings)
    assert succeeded, report
    browser.get(f"{served.url}/institucion/")
    row = browser.find_element(By.XPATH, f"//table[@id='files']//tr[td[1]='{corrected.name}']")
    feedback = row.find_element(By.TAG_NAME, "a").get_attribute("href")
    with same_session(browser, served) as session:
        assert feedback and session.get(feedback).status_code == 200
    told = browser.find_element(By.ID, "messages").text
    assert "Corrija INT-01" in told and corrected.name in told  # the return, and the file that answered it


def test_the_upload_holds_csrf_and_throttling_and_refuses_paths_types_and_empty_files(
    browser: WebDriver,  # noqa: F811
    served: Served,  # noqa: F811
) -> None:
    enter(browser, mailed_link(served, "CANCILLERIA"))
    spool = served.settings.upload_spool
    before = sorted(spool.rglob("*")) if spool.exists() else []
    with same_session(browser, served) as session:
        page = session.get("/institucion/").text
        token = re.search(r'name="csrf" value="([^"]+)"', page)
        assert token is not None
        no_csrf = session.post("/institucion/enviar", files={"archivo": ("a.csv", b"x,y\n")})
        assert no_csrf.status_code == 403
        for name, content, said in [
            ("../../config/consola.yaml", b"x", "el nombre del archivo no es válido"),
            ("informe.exe", b"MZ", "solo se aceptan hojas de cálculo"),
            ("vacio.csv", b"", "el archivo está vacío"),
        ]:
            sent = session.post(
                "/institucion/enviar", data={"csrf": token.group(1)}, files={"archivo": (name, content)}
            )
            assert sent.status_code == 303
            assert said in session.get("/institucion/").text, name
        # every file counts: past ten in a quarter of an hour, the agency waits
        for _ in range(7):
            session.post(
                "/institucion/enviar", data={"csrf": token.group(1)}, files={"archivo": ("v.csv", b"")}
            )
        held = session.post(
            "/institucion/enviar", data={"csrf": token.group(1)}, files={"archivo": ("ok.csv", b"a,b\n1,2\n")}
        )
        assert held.status_code == 303 and "demasiados archivos" in session.get("/institucion/").text
    after = sorted(spool.rglob("*")) if spool.exists() else []
    assert after == before  # nothing written, anywhere


def test_a_file_over_the_limit_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(UploadRefusedError) as refused:
        deliver(tmp_path / "spool", tmp_path / "archive", "DIRESA", "grande.csv", b"x" * 11, max_bytes=10)
    assert refused.value.key == "too_large"
    assert not (tmp_path / "spool").exists() and not (tmp_path / "archive").exists()
    first = deliver(tmp_path / "spool", tmp_path / "archive", "DIRESA", "a.csv", b"1", max_bytes=10)
    second = deliver(tmp_path / "spool", tmp_path / "archive", "DIRESA", "a.csv", b"2", max_bytes=10)
    assert first.path.name == "a.csv" and second.path.name == "a (2).csv"  # never overwritten


def test_the_officer_revokes_an_agencys_links_and_sees_when_they_were_last_used(
    served: Served,  # noqa: F811
) -> None:
    from tests.test_console_service import mesa

    env = {"MESA_CONSOLE_ACCOUNTS": served.settings.review.accounts, "MESA_LANG": "es"}
    listed = mesa("consola", "--enlaces", **env)
    assert listed.returncode == 0, listed.stderr
    pnp = next(line for line in listed.stdout.splitlines() if line.startswith("PNP:"))
    assert "último uso 20" in pnp  # PNP opened its page above (a date, not a dash)
    links = agency_links.AgencyLinks(agency_links.links_path(served.settings))
    before = links.generation("PNP")
    revoked = mesa("consola", "--anular-enlaces", "pnp", **env)
    assert revoked.returncode == 0 and "Se anularon los enlaces de PNP" in revoked.stdout
    assert links.generation("PNP") == before + 1
    unknown = mesa("consola", "--anular-enlaces", "NADIE", **env)
    assert unknown.returncode != 0 and "no es una institución registrada" in unknown.stderr


# --- links that no longer open anything (last: the throttle holds this address a while) ----


def test_expired_revoked_and_forged_links_are_refused_and_bad_links_throttled(
    browser: WebDriver,  # noqa: F811
    served: Served,  # noqa: F811
) -> None:
    from itsdangerous import URLSafeTimedSerializer
    from selenium.webdriver.common.by import By

    settings = public(served)
    month_ago = time.time() - 31 * 86400
    with mock.patch("itsdangerous.timed.time.time", return_value=month_ago):
        expired = agency_links.page_url(settings, "MIMP")
    assert expired is not None
    browser.delete_all_cookies()
    browser.get(expired)
    assert "venció" in browser.find_element(By.ID, "refused").text
    assert "Cada correo de la Mesa" in browser.find_element(By.ID, "how").text
    assert not browser.find_elements(By.ID, "files")

    link = mailed_link(served, "MIMP")
    enter(browser, link)  # works, until the officer revokes MIMP's links
    opened = same_session(browser, served)
    assert opened.get("/institucion/").status_code == 200
    assert agency_links.AgencyLinks(agency_links.links_path(settings)).revoke("MIMP") == 1
    assert opened.get("/institucion/").status_code == 401  # the open page closes too
    opened.close()
    browser.delete_all_cookies()
    browser.get(link)
    assert "anuló" in browser.find_element(By.ID, "refused").text
    assert mailed_link(served, "MIMP") != link  # the next mail's link is of the new generation
    enter(browser, mailed_link(served, "MIMP"))

    forged = URLSafeTimedSerializer("not-the-key", salt=agency_links.SALT).dumps({"a": "MIMP", "g": 1})
    with httpx.Client(base_url=served.url, headers={"X-Forwarded-For": "ignored"}) as stranger:
        answer = stranger.get(f"/institucion/entrar/{forged}")
        assert answer.status_code == 403 and "no es válido" in answer.text
        codes = [stranger.get(f"/institucion/entrar/nada{n}").status_code for n in range(6)]
        assert codes[-1] == 429 and "Demasiados" in stranger.get("/institucion/entrar/otro").text


def test_every_mail_to_an_agency_carries_its_link_only_when_the_console_has_a_public_address(
    tmp_path: Path,
) -> None:
    import datetime as dt

    from mesa_tumbes.agency_feedback.replies import review_message
    from mesa_tumbes.core.settings import resolve_settings
    from mesa_tumbes.followup.reminders import Pending, compose
    from mesa_tumbes.warehouse.bookkeeping import ReportStatus

    settings = resolve_settings(
        warehouse=str(tmp_path / "mesa.duckdb"),
        environ={"MESA_CONSOLE_ACCOUNTS": str(tmp_path / "config" / "consola.yaml")},
    )
    assert agency_links.page_url(settings, "DIRESA") is None  # loopback only: no link to send
    review = dataclasses.replace(settings.review, public_url="https://mesa.example.org")
    link = agency_links.page_url(dataclasses.replace(settings, review=review), "DIRESA")
    assert link is not None and link.startswith("https://mesa.example.org/institucion/entrar/")
    report = ReportStatus(
        "DIRESA", "DIRESA", "SAL-01", "2026-11", dt.date(2026, 12, 10), None, None, False, False,
        "not_yet_due", 0, 3,
    )  # fmt: skip
    reminder = compose("DIRESA", "DIRESA", [Pending(report, "before")], "es", "bandeja", link)
    returned = review_message("DIRESA", ["a@b.pe"], "return", "f.csv", "2026-10", "Revise", "es", page=link)
    assert link in reminder.body and link in returned.get_content()
    assert link not in compose("DIRESA", "DIRESA", [Pending(report, "before")], "es", "bandeja").body
