"""The review console as a real service: served by uvicorn on loopback over a warehouse the real flow
loaded from the examples, used in headless Chromium (as the feedback page is) and, for what a browser
would never send (a forged POST, a reader's POST), through an HTTP client.

MESA_SCREENSHOTS=docs/img writes the screenshots the operator guide shows."""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from mesa_tumbes.console.accounts import save_account
from mesa_tumbes.core.settings import Settings, resolve_settings
from mesa_tumbes.warehouse import review
from mesa_tumbes.warehouse.store import connect
from tests.builders import free_port, template_csv
from tests.test_browser import browser  # noqa: F401  (headless Chromium; absent outside CI: skipped)

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
OFFICER, READER = ("ana", "una-clave-larga-1"), ("mesa", "otra-clave-larga-2")
MARKUP = "<img src=x onerror=alert(1)><b>negrita</b>"
SCREENSHOTS = os.environ.get("MESA_SCREENSHOTS")


@dataclass(frozen=True)
class Served:
    url: str
    settings: Settings


@pytest.fixture(scope="module")
def served(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The examples taken by the real flow (plus a file whose cells carry markup), two accounts, and
    the console served on a free loopback port."""
    from mesa_tumbes.flows.intake import run_intake

    root = tmp_path_factory.mktemp("console")
    inbox = root / "inbox"
    shutil.copytree(ROOT / "examples" / "inbox", inbox)
    (inbox / "MTPE" / "colocaciones_setiembre.csv").write_bytes(
        template_csv(
            ["MTPE", "2026-09", "240101", "INT-01", "F", "18-59", "in_destination", "3"],
            ["MTPE", "2026-09", MARKUP, "INT-01", "M", "18-59", "in_destination", "2"],
        )
    )
    accounts = root / "consola.yaml"
    save_account(accounts, OFFICER[0], "officer", OFFICER[1])
    save_account(accounts, READER[0], "reader", READER[1])
    settings = resolve_settings(
        inbox=str(inbox),
        warehouse=str(root / "mesa.duckdb"),
        feedback=str(root / "feedback"),
        environ={
            "MESA_CONSOLE_ACCOUNTS": str(accounts),
            "MESA_BULLETINS": str(root / "boletines"),
            "MESA_AUTO_APPROVE": "none",  # every slice waits: the queue has something to decide
        },
    )
    succeeded, report = run_intake(settings)
    assert succeeded, report
    with console_serving(settings) as url:
        yield Served(url, settings)


@contextmanager
def console_serving(settings: Settings, secret: str = "a-test-secret") -> Iterator[str]:
    """The console for `settings`, served by uvicorn on a free loopback port: its URL."""
    import uvicorn

    from mesa_tumbes.console.app import create_app

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, secret), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the console did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def state(served: Served, agency: str, period: str) -> str:
    with connect(served.settings.warehouse, read_only=True) as connection:
        found = connection.execute(
            "select review_state from slice_states where agency = ? and period = ?", [agency, period]
        ).fetchone()
    assert found is not None
    return str(found[0])


def log_in(browser: WebDriver, served: Served, account: tuple[str, str]) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.delete_all_cookies()
    browser.get(f"{served.url}/entrar")
    browser.find_element(By.ID, "usuario").send_keys(account[0])
    browser.find_element(By.ID, "clave").send_keys(account[1])
    browser.find_element(By.ID, "entrar").click()
    WebDriverWait(browser, 10).until(lambda driver: driver.find_elements(By.ID, "who"))  # signed in


def appeared(browser: WebDriver, element_id: str) -> Any:  # noqa: F811
    """The element, once the page the last click asked for has it (a click does not wait)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, 10).until(lambda driver: driver.find_element(By.ID, element_id))


def shot(browser: WebDriver, name: str) -> None:  # noqa: F811
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(Path(SCREENSHOTS) / f"{name}.png"))


def client(served: Served, account: tuple[str, str] | None) -> tuple[httpx.Client, str]:
    """An HTTP client with a session (logged in as `account`), and the session's CSRF token."""
    session = httpx.Client(base_url=served.url, follow_redirects=False)
    token = csrf_of(session.get("/entrar").text)
    if account is not None:
        answer = session.post("/entrar", data={"csrf": token, "usuario": account[0], "clave": account[1]})
        assert answer.status_code == 303, answer.text
        token = csrf_of(session.get("/revision").text)
    return session, token


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def approval(served: Served, agency: str, period: str, token: str) -> dict[str, Any]:
    rows = review.slices(served.settings.warehouse)
    (row,) = rows[(rows.agency == agency) & (rows.period == period)].itertuples()
    return {
        "csrf": token,
        "accion": "approve",
        "institucion": agency,
        "periodo": period,
        "envio": row.submission_id,
        "version": str(row.version),
    }


def test_the_officer_logs_in_opens_the_month_approves_from_the_queue_and_sees_the_audit_line(
    browser: WebDriver,  # noqa: F811
    served: Served,
) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{served.url}/revision")
    assert browser.current_url.endswith("/entrar")  # nothing without an account
    log_in(browser, served, OFFICER)
    assert "ana · oficial" in browser.find_element(By.ID, "who").text
    browser.get(f"{served.url}/?periodo=2026-10")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Reporte del mes 2026-10"
    assert "por revisar" in browser.find_element(By.ID, "agency-MIGRACIONES").text
    assert "por revisar" in browser.find_element(By.ID, "agency-DIRESA").text
    assert "todo espera la decisión de un oficial" in browser.find_element(By.ID, "rule").text
    shot(browser, "consola-mes")

    browser.get(f"{served.url}/seguimiento")  # its warnings wait in the follow-up list
    assert "Sede" in browser.find_element(By.ID, "follow-MIGRACIONES-2026-10").text

    browser.get(f"{served.url}/revision")
    row = browser.find_element(By.CSS_SELECTOR, "tr[id^='slice-MIGRACIONES-2026-10-']")
    assert "por revisar" in row.text and "tiene advertencias" in row.text
    shot(browser, "consola-revision")
    row.find_element(By.CSS_SELECTOR, "button.approve").click()
    assert appeared(browser, "flash").text == (
        "Hecho: aprobó MIGRACIONES 2026-10. No hay servidor de correo configurado: avise a MIGRACIONES por"
        " otro medio."
    )
    assert state(served, "MIGRACIONES", "2026-10") == "approved"
    assert not browser.find_elements(By.CSS_SELECTOR, "tr[id^='slice-MIGRACIONES-2026-10-']")

    browser.get(f"{served.url}/auditoria")
    lines = [line.text for line in browser.find_elements(By.CSS_SELECTOR, "#audit tbody tr")]
    assert any(
        "ana" in line and "Aprobar" in line and "MIGRACIONES" in line and "por revisar → aprobado" in line
        for line in lines
    ), lines
    shot(browser, "consola-auditoria")


def test_an_approval_of_a_slice_that_changed_since_the_page_was_loaded_is_refused_with_the_new_figures(
    browser: WebDriver,  # noqa: F811
    served: Served,
) -> None:
    from selenium.webdriver.common.by import By

    from mesa_tumbes.pipeline.review import decide

    log_in(browser, served, OFFICER)
    browser.get(f"{served.url}/revision")
    row = browser.find_element(By.CSS_SELECTOR, "tr[id^='slice-MIMP-2026-10-']")
    rows = review.slices(served.settings.warehouse)
    (waiting,) = rows[rows.agency == "MIMP"].itertuples()
    other = review.Decision(
        "return", "MIMP", "2026-10", waiting.submission_id, waiting.version, "luis", "Revise"
    )
    assert decide(served.settings, other).applied  # another officer, meanwhile

    row.find_element(By.CSS_SELECTOR, "button.approve").click()
    assert "cambió este periodo" in appeared(browser, "error").text
    assert "devuelto" in browser.find_element(By.ID, "current").text  # the new state, shown
    assert state(served, "MIMP", "2026-10") == "returned"


def test_the_read_only_role_sees_no_decision_and_its_post_is_refused(
    browser: WebDriver,  # noqa: F811
    served: Served,
) -> None:
    from selenium.webdriver.common.by import By

    log_in(browser, served, READER)
    assert "mesa · consulta" in browser.find_element(By.ID, "who").text
    browser.get(f"{served.url}/revision")
    assert browser.find_elements(By.CSS_SELECTOR, "#queue tbody tr")  # it sees the queue
    assert not browser.find_elements(By.CSS_SELECTOR, "button.approve")
    assert not browser.find_elements(By.CSS_SELECTOR, "form.decide")

    session, token = client(served, READER)
    answer = session.post("/revision", data=approval(served, "PNP", "2026-10", token))
    assert answer.status_code == 403 and "consulta" in answer.text
    assert state(served, "PNP", "2026-10") == "pending"


def test_a_post_without_the_session_s_csrf_token_is_refused(served: Served) -> None:
    session, token = client(served, OFFICER)
    form = approval(served, "PNP", "2026-10", token)
    for forged in ({**form, "csrf": ""}, {k: v for k, v in form.items() if k != "csrf"}):
        answer = session.post("/revision", data=forged)
        assert answer.status_code == 403 and "no es válido" in answer.text
    _, someone_elses = client(served, OFFICER)  # a token valid in another session
    assert session.post("/revision", data={**form, "csrf": someone_elses}).status_code == 403
    assert state(served, "PNP", "2026-10") == "pending"
    # a form from a page that is not the console, with no session at all, is refused too
    assert httpx.post(f"{served.url}/revision", data=form).status_code in (303, 403)
    assert state(served, "PNP", "2026-10") == "pending"


def test_agency_text_with_markup_renders_as_text(browser: WebDriver, served: Served) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By

    log_in(browser, served, OFFICER)
    with connect(served.settings.warehouse, read_only=True) as connection:
        (submission,) = connection.execute(
            "select submission_id from submissions where file_name = 'colocaciones_setiembre.csv'"
        ).fetchone() or (None,)
    browser.get(f"{served.url}/envio/{submission}")
    problems = browser.find_element(By.ID, "problems")
    assert MARKUP in problems.text  # shown as the agency wrote it
    assert not problems.find_elements(By.TAG_NAME, "img") and not problems.find_elements(By.TAG_NAME, "b")
    shot(browser, "consola-envio")


def test_logins_are_throttled_say_only_that_they_failed_and_sessions_are_protected(served: Served) -> None:
    session, token = client(served, None)
    wrong_password = session.post("/entrar", data={"csrf": token, "usuario": "ana", "clave": "no"})
    unknown_user = session.post("/entrar", data={"csrf": token, "usuario": "nadie", "clave": "no"})
    assert wrong_password.status_code == unknown_user.status_code == 401
    said = {re.search(r'id="error">([^<]+)', page.text).group(1) for page in (wrong_password, unknown_user)}  # type: ignore[union-attr]
    assert said == {"No se pudo entrar: revise el usuario y la contraseña."}
    for _ in range(4):
        session.post("/entrar", data={"csrf": token, "usuario": "ana", "clave": "no"})
    right = session.post("/entrar", data={"csrf": token, "usuario": "ana", "clave": OFFICER[1]})
    assert right.status_code == 429  # even the right password waits after five failures

    fresh = httpx.Client(base_url=served.url)
    page = fresh.get("/entrar")
    policy = page.headers["content-security-policy"]
    assert (
        "script-src" not in policy and "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    )
    assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert "<script" not in page.text


def test_an_account_file_keeps_only_hashes(tmp_path: Path) -> None:
    from mesa_tumbes.console.accounts import authenticate, load_accounts

    path = tmp_path / "consola.yaml"
    save_account(path, "ana", "officer", "una-clave-larga-1")
    assert "una-clave-larga-1" not in path.read_text(encoding="utf-8")
    assert path.stat().st_mode & 0o077 == 0
    accounts = load_accounts(path)
    assert authenticate(accounts, "ana", "una-clave-larga-1") == accounts["ana"]
    assert authenticate(accounts, "ana", "una-clave-larga-2") is None
    assert authenticate(accounts, "luis", "una-clave-larga-1") is None
    assert replace(accounts["ana"], role="reader").decides is False
