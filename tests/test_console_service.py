"""The console as a real service, probed as an attacker and used as an officer would, over HTTP on
loopback (uvicorn) and in headless Chromium:

- a cookie replayed after logout, after a password change, past its expiry, or signed with an old
  key opens nothing;
- the key, the accounts and the sessions are kept out of git: `mesa consola` refuses to start while
  git would take them, and the default layout leaves `git status` clean;
- one password rule on every path (the function every path calls, the variable, the prompt);
- the pages to decide from: the figures approval publishes with the month before beside them, every
  file of the month, the feedback page's links, empty tables that say so, errors in Spanish;
- a batch approval of three slices with one stale: that one refused and shown, the others approved,
  one audit line each;
- the bulletin marked out of date by a decision, and rebuilt;
- a reader sees the export's marker where `mesa export` hides a count."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from mesa_tumbes.console.accounts import (
    WeakPasswordError,
    load_accounts,
    password_problem,
    save_account,
)
from mesa_tumbes.console.sessions import ABSOLUTE_HOURS, IDLE_MINUTES, Sessions, sessions_path
from mesa_tumbes.core.settings import resolve_settings
from mesa_tumbes.warehouse import review
from mesa_tumbes.warehouse.store import connect
from tests.builders import free_port, template_csv
from tests.test_browser import browser  # noqa: F401  (headless Chromium)
from tests.test_console import (
    OFFICER,
    READER,
    Served,
    appeared,
    client,
    console_serving,
    log_in,
    shot,
    state,
)

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
COOKIE = "mesa_consola"


@pytest.fixture(scope="module")
def served(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The examples and DIRESA's September (approved) taken by the real flow, every October slice
    waiting for the officer, two accounts, the console on a free loopback port."""
    from mesa_tumbes.flows.intake import run_intake
    from mesa_tumbes.pipeline.review import decide

    root = tmp_path_factory.mktemp("service")
    inbox = root / "inbox"
    shutil.copytree(ROOT / "examples" / "inbox", inbox)
    (inbox / "DIRESA" / "atenciones_setiembre.csv").write_bytes(
        template_csv(
            ["DIRESA", "2026-09", "240101", "SAL-01", "", "", "", "700"],
            ["DIRESA", "2026-09", "240301", "SAL-01", "", "", "", "90"],
        )
    )
    accounts = root / "config" / "consola.yaml"
    save_account(accounts, OFFICER[0], "officer", OFFICER[1])
    save_account(accounts, READER[0], "reader", READER[1])
    settings = resolve_settings(
        inbox=str(inbox),
        warehouse=str(root / "mesa.duckdb"),
        feedback=str(root / "feedback"),
        environ={
            "MESA_CONSOLE_ACCOUNTS": str(accounts),
            "MESA_BULLETINS": str(root / "boletines"),
            "MESA_AUTO_APPROVE": "none",  # every slice waits for the officer
        },
    )
    succeeded, report = run_intake(settings)
    assert succeeded, report
    rows = review.slices(settings.warehouse)
    (september,) = rows[(rows.agency == "DIRESA") & (rows.period == "2026-09")].itertuples()
    decision = review.Decision(
        "approve", "DIRESA", "2026-09", september.submission_id, september.version, "ana"
    )
    assert decide(settings, decision).applied
    with console_serving(settings) as url:
        yield Served(url, settings)


def cookie_of(browser: WebDriver) -> str:  # noqa: F811
    found = browser.get_cookie(COOKIE)
    assert found is not None
    return str(found["value"])


def replayed(url: str, cookie: str) -> httpx.Response:
    """A request carrying only a saved cookie, as whoever copied it would send it."""
    with httpx.Client(base_url=url, cookies={COOKIE: cookie}, follow_redirects=False) as other:
        return other.get("/revision")


def log_out(browser: WebDriver) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.find_element(By.CSS_SELECTOR, "form.logout button").click()
    appeared(browser, "usuario")


# --- sessions that end ------------------------------------------------------------------------


def test_a_cookie_replayed_after_logout_opens_nothing_and_decides_nothing(
    browser: WebDriver,  # noqa: F811
    served: Served,
) -> None:
    log_in(browser, served, OFFICER)
    saved = cookie_of(browser)
    assert replayed(served.url, saved).status_code == 200  # the session works while it lasts
    page = replayed(served.url, saved).text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    log_out(browser)
    answer = replayed(served.url, saved)
    assert answer.status_code == 303 and answer.headers["location"] == "/entrar"
    rows = review.slices(served.settings.warehouse)
    (row,) = rows[(rows.agency == "MTPE") & (rows.period == "2026-10")].itertuples()
    with httpx.Client(base_url=served.url, cookies={COOKIE: saved}, follow_redirects=False) as thief:
        posted = thief.post(
            "/revision",
            data={"csrf": token.group(1), "accion": "approve", "institucion": "MTPE", "periodo": "2026-10",
                  "envio": row.submission_id, "version": str(row.version)},
        )  # fmt: skip
    assert posted.status_code == 303 and posted.headers["location"] == "/entrar"
    assert state(served, "MTPE", "2026-10") == "pending"
    # the browser, in again, has a new session: the old cookie still opens nothing
    log_in(browser, served, OFFICER)
    assert cookie_of(browser) != saved
    assert replayed(served.url, saved).status_code == 303


def test_a_cookie_saved_before_a_password_change_opens_nothing(
    browser: WebDriver,  # noqa: F811
    served: Served,
) -> None:
    log_in(browser, served, READER)
    saved = cookie_of(browser)
    assert replayed(served.url, saved).status_code == 200
    accounts = Path(served.settings.review.accounts)
    changed = mesa(
        "consola", "--cuenta", READER[0], "--rol", "reader",
        MESA_CONSOLE_ACCOUNTS=str(accounts), MESA_CONSOLE_PASSWORD=READER[1] + "-nueva",
    )  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    assert replayed(served.url, saved).status_code == 303
    browser.get(f"{served.url}/revision")
    assert browser.current_url.endswith("/entrar")
    save_account(accounts, READER[0], "reader", READER[1])  # as it was, for the other tests


def test_a_session_ends_when_idle_at_its_absolute_expiry_and_when_closed_by_the_officer(
    tmp_path: Path,
) -> None:
    accounts = tmp_path / "consola.yaml"
    save_account(accounts, "luz", "officer", "tres palabras sueltas 7")
    account = load_accounts(accounts)["luz"]
    sessions = Sessions(sessions_path(accounts))
    start = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
    idle = sessions.start(account, start)
    assert sessions.find(idle, {"luz": account}, start + dt.timedelta(minutes=IDLE_MINUTES - 1)) == account
    later = start + dt.timedelta(minutes=2 * IDLE_MINUTES)
    assert sessions.find(idle, {"luz": account}, later) is None
    busy = sessions.start(account, start)
    moment = start
    while moment < start + dt.timedelta(hours=ABSOLUTE_HOURS):  # used every half hour, all day
        assert sessions.find(busy, {"luz": account}, moment) == account
        moment += dt.timedelta(minutes=30)
    assert sessions.find(busy, {"luz": account}, moment) is None
    open_ones = [sessions.start(account) for _ in range(3)]
    assert sessions.end_all("luz") == 3
    assert all(sessions.find(s, {"luz": account}) is None for s in open_ones)
    # the store keeps digests, never an id that would open a session
    assert not any(s.encode() in sessions.path.read_bytes() for s in [*open_ones, idle, busy])
    assert oct(sessions.path.stat().st_mode & 0o777) == "0o600"


def test_a_cookie_signed_with_an_old_key_opens_nothing(
    browser: WebDriver,  # noqa: F811
    served: Served,
) -> None:
    log_in(browser, served, OFFICER)
    saved = cookie_of(browser)
    with console_serving(served.settings, secret="the-key-after-rotation") as rotated:
        answer = replayed(rotated, saved)
    assert answer.status_code == 303 and answer.headers["location"] == "/entrar"


# --- the key kept out of git ------------------------------------------------------------------


def mesa(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("MESA_")}
    return subprocess.run(
        [sys.executable, "-m", "mesa_tumbes", *args],
        cwd=cwd, env={**environ, "MESA_LANG": "es", **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def git(tree: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(tree), *args], check=True, capture_output=True, text=True,
        env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
             "GIT_COMMITTER_EMAIL": "t@t"},
    ).stdout  # fmt: skip


def test_the_console_refuses_to_start_with_its_key_unignored_or_tracked_in_a_work_tree(
    tmp_path: Path,
) -> None:
    tree = tmp_path / "repo"
    (tree / "config").mkdir(parents=True)
    git(tree, "init", "-q")
    accounts = tree / "config" / "consola.yaml"
    save_account(accounts, "ana", "officer", OFFICER[1])
    refused = mesa("consola", cwd=tree, MESA_CONSOLE_ACCOUNTS=str(accounts))
    assert refused.returncode == 2
    assert "consola.yaml está dentro de un repositorio git y no está en .gitignore" in refused.stderr
    assert "consola.secret está dentro de un repositorio git" in refused.stderr
    assert "La consola no se inicia así" in refused.stderr and "Traceback" not in refused.stderr
    assert not (tree / "config" / "consola.secret").exists()  # no key made where git would take it

    shutil.copy(ROOT / ".gitignore", tree / ".gitignore")  # the project's own rules cover them
    (tree / "config" / "consola.secret").write_text("una-clave-que-alguien-publico", encoding="utf-8")
    git(tree, "add", "-f", "config/consola.secret")
    tracked = mesa("consola", cwd=tree, MESA_CONSOLE_ACCOUNTS=str(accounts))
    assert tracked.returncode == 2 and "consola.secret está en el repositorio git" in tracked.stderr
    git(tree, "rm", "-q", "--cached", "config/consola.secret")
    assert git(tree, "status", "--porcelain", "--untracked-files=all") == "?? .gitignore\n"


def test_the_default_layout_after_a_run_a_bulletin_and_the_console_leaves_git_status_clean(
    prefect_api: str, tmp_path: Path
) -> None:
    """`make run` (the examples, then the bulletin) and the console's account, key and sessions, in a
    copy of the repository's layout: git sees nothing new."""
    tree = tmp_path / "repo"
    tree.mkdir()
    shutil.copy(ROOT / ".gitignore", tree / ".gitignore")
    shutil.copytree(ROOT / "config", tree / "config", ignore=shutil.ignore_patterns("consola*"))
    shutil.copytree(ROOT / "examples", tree / "examples")
    operations = tree / "config" / "operations.yaml"
    written = operations.read_text(encoding="utf-8")
    assert "review:\n  auto_approve: clean\n" in written
    operations.write_text(
        written.replace(
            "review:\n  auto_approve: clean\n", f"review:\n  auto_approve: clean\n  port: {free_port()}\n"
        ),
        encoding="utf-8",
    )
    git(tree, "init", "-q")
    git(tree, "add", "-A")
    git(tree, "commit", "-q", "-m", "layout")
    env = {"PREFECT_API_URL": prefect_api}
    assert mesa("run", "--inbox", "examples/inbox", cwd=tree, **env).returncode == 0
    assert mesa("boletin", "--period", "2026-10", cwd=tree, **env).returncode == 0
    assert mesa("consola", "--cuenta", "ana", cwd=tree, MESA_CONSOLE_PASSWORD=OFFICER[1]).returncode == 0
    serving = subprocess.Popen(
        [sys.executable, "-m", "mesa_tumbes", "consola"], cwd=tree,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("MESA_")}, "MESA_LANG": "es"},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (tree / "config" / "consola.secret").exists():
            assert serving.poll() is None, serving.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.2)
    finally:
        serving.terminate()
        serving.wait(timeout=30)
    assert oct((tree / "config" / "consola.secret").stat().st_mode & 0o777) == "0o600"
    assert git(tree, "status", "--porcelain", "--untracked-files=all") == ""


# --- one password rule on every path ----------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("a", "too_short"),
        ("corta-9", "too_short"),
        ("password1234", "guessable"),
        ("qwertyuiopasdf", "guessable"),
        ("ana-es-la-oficial", "contains_name"),
        ("contraseña123", "guessable"),
        ("tumbes123456", "guessable"),
    ],
)
def test_the_password_rule_refuses_short_guessable_and_own_name_passwords(
    tmp_path: Path, password: str, reason: str
) -> None:
    assert password_problem("ana", password) == reason
    with pytest.raises(WeakPasswordError) as refused:
        save_account(tmp_path / "consola.yaml", "ana", "officer", password)
    assert refused.value.reason == reason
    assert not (tmp_path / "consola.yaml").exists()


def test_the_password_rule_holds_for_the_variable_and_the_prompt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts = tmp_path / "consola.yaml"
    weak = mesa("consola", "--cuenta", "ana", MESA_CONSOLE_ACCOUNTS=str(accounts), MESA_CONSOLE_PASSWORD="a")
    assert weak.returncode == 2 and "es muy corta: use al menos 12 caracteres" in weak.stderr
    assert not accounts.exists()
    common = mesa(
        "consola",
        "--cuenta",
        "ana",
        MESA_CONSOLE_ACCOUNTS=str(accounts),
        MESA_CONSOLE_PASSWORD="password1234",
    )
    assert common.returncode == 2 and "es fácil de adivinar" in common.stderr
    good = mesa(
        "consola", "--cuenta", "ana", MESA_CONSOLE_ACCOUNTS=str(accounts), MESA_CONSOLE_PASSWORD=OFFICER[1]
    )
    assert good.returncode == 0 and "ana" in load_accounts(accounts)

    # the prompt: the same rule, whatever is typed twice
    import getpass
    from argparse import Namespace

    from mesa_tumbes.cli.review import console_command

    monkeypatch.setattr(getpass, "getpass", lambda prompt="": "anaana")
    monkeypatch.delenv("MESA_CONSOLE_PASSWORD", raising=False)
    settings = resolve_settings(environ={"MESA_CONSOLE_ACCOUNTS": str(accounts)})
    asked = console_command(
        Namespace(cuenta="luz", rol="reader", cerrar_sesiones=False, anular_enlaces=None, enlaces=False),
        settings,
    )
    assert asked == 2 and "luz" not in load_accounts(accounts)


# --- pages to decide from ---------------------------------------------------------------------


def submission_of(served: Served, agency: str, period: str) -> str:
    rows = review.slices(served.settings.warehouse)
    (row,) = rows[(rows.agency == agency) & (rows.period == period)].itertuples()
    return str(row.submission_id)


def test_a_submission_page_shows_the_figures_approval_publishes_with_the_month_before(
    browser: WebDriver,  # noqa: F811
    served: Served,
) -> None:
    from selenium.webdriver.common.by import By

    from mesa_tumbes.pipeline.review import decide

    submission_id = submission_of(served, "DIRESA", "2026-10")
    log_in(browser, served, OFFICER)
    browser.get(f"{served.url}/envio/{submission_id}")
    shown = {
        (
            row.get_attribute("data-indicator"),
            row.get_attribute("data-area"),
            row.get_attribute("data-group"),
        ): (
            row.find_element(By.CSS_SELECTOR, "td.people").text,
            row.find_element(By.CSS_SELECTOR, "td.previous").text,
        )
        for row in browser.find_elements(By.CSS_SELECTOR, "#figures tr.figure")
    }
    shot(browser, "consola-envio")
    # September's approved figures beside October's, area by area
    assert shown[("SAL-01", "240101", "total")][1] == "700"
    assert shown[("SAL-01", "240301", "total")][1] == "90"
    rows = review.slices(served.settings.warehouse)
    (row,) = rows[(rows.agency == "DIRESA") & (rows.period == "2026-10")].itertuples()
    decision = review.Decision("approve", "DIRESA", "2026-10", row.submission_id, row.version, "ana")
    assert decide(served.settings, decision).applied
    with connect(served.settings.warehouse, read_only=True) as connection:
        published = connection.execute(
            "select indicator, area_code, group_code, value from fct_indicator_groups"
            " where agency = 'DIRESA' and period = '2026-10'"
        ).fetchall()
    assert published and len(published) == len(shown)
    for indicator, area, group, value in published:
        assert shown[(indicator, area, group)][0] == f"{value:,.0f}".replace(",", " ")


def test_every_file_of_the_month_is_linked_and_every_link_of_the_feedback_page_answers(
    served: Served,
) -> None:
    session, _ = client(served, OFFICER)
    month = session.get("/?periodo=2026-10").text
    with connect(served.settings.warehouse, read_only=True) as connection:
        rejected = connection.execute(
            "select submission_id from submissions where status = 'rejected' and agency = 'DRE'"
        ).fetchall()
    assert rejected and all(f'href="/envio/{sid}"' in month for (sid,) in rejected)
    submission_id = submission_of(served, "PNP", "2026-10")
    moved = session.get(f"/envio/{submission_id}/retroalimentacion")
    assert moved.status_code == 308
    page = session.get(moved.headers["location"])
    assert page.status_code == 200 and "Volver al envío en la consola" in page.text
    links = Links()
    links.feed(page.text)
    assert len(links.found) >= 4  # the way back, the template, the annotated copy, the JSON, the CSV...
    for href in links.found:
        target = httpx.URL(str(page.url)).join(href)
        assert session.get(target).status_code == 200, href
    assert session.get(f"/envio/{submission_id}/retroalimentacion/../../../consola.yaml").status_code == 404


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href and not href.startswith(("mailto:", "http")):
            self.found.append(href)


def test_errors_are_pages_of_the_console_in_spanish_and_empty_tables_say_so(served: Served) -> None:
    session, _ = client(served, OFFICER)
    missing = session.get("/no-existe")
    assert missing.status_code == 404 and "No se encontró lo que buscaba." in missing.text
    assert "Not Found" not in missing.text and 'class="app"' in missing.text
    wrong = session.put("/revision")
    assert wrong.status_code == 405 and "Esa acción no se puede hacer en esta página." in wrong.text
    dre = session.get(f"/envio/{rejected_dre(served)}").text
    assert (
        "Este archivo no trae cifras para publicar." in dre
        and "Este archivo no tiene periodos en revisión." in dre
    )


def rejected_dre(served: Served) -> str:
    with connect(served.settings.warehouse, read_only=True) as connection:
        (found,) = connection.execute(
            "select submission_id from submissions where agency = 'DRE'"
        ).fetchone() or ("",)
    return str(found)


# --- many at once, and the bulletin that follows ----------------------------------------------


def test_a_batch_approval_of_three_slices_with_one_stale_approves_two_and_shows_the_third(
    browser: WebDriver,  # noqa: F811
    served: Served,
) -> None:
    from selenium.webdriver.common.by import By

    from mesa_tumbes.pipeline.review import decide

    log_in(browser, served, OFFICER)
    browser.get(f"{served.url}/revision")
    chosen = ("ACNUR", "CANCILLERIA", "MIMP")
    for agency in chosen:
        row = browser.find_element(By.CSS_SELECTOR, f"tr[id^='slice-{agency}-2026-10-']")
        row.find_element(By.CSS_SELECTOR, "input[name='tramo']").click()
    shot(browser, "consola-lote")
    rows = review.slices(served.settings.warehouse)
    (stale,) = rows[(rows.agency == "MIMP") & (rows.period == "2026-10")].itertuples()
    meanwhile = review.Decision(
        "return", "MIMP", "2026-10", stale.submission_id, stale.version, "luis", "Revise"
    )
    assert decide(served.settings, meanwhile).applied  # another officer, meanwhile
    audit_before = len(review.audit(served.settings.warehouse))

    browser.find_element(By.ID, "approve-selected").click()
    said = appeared(browser, "error").text
    assert "Aprobados: 2. No se aplicaron: 1." in said and "cambió este periodo" in said
    assert "MIMP" in browser.find_element(By.ID, "current").text
    assert [state(served, agency, "2026-10") for agency in chosen] == ["approved", "approved", "returned"]
    audit = review.audit(served.settings.warehouse)
    assert len(audit) == audit_before + 2
    assert set(audit.head(2)["agency"]) == {"ACNUR", "CANCILLERIA"}


def test_a_decision_marks_the_months_bulletin_out_of_date_and_the_officer_rebuilds_it(
    browser: WebDriver,  # noqa: F811
    served: Served,
) -> None:
    from selenium.webdriver.common.by import By

    from mesa_tumbes.pipeline.review import decide

    written = mesa(
        "boletin", "--period", "2026-10", "--warehouse", str(served.settings.warehouse),
        MESA_BULLETINS=str(served.settings.bulletins),
    )  # fmt: skip
    assert written.returncode == 0, written.stderr
    log_in(browser, served, OFFICER)
    browser.get(f"{served.url}/?periodo=2026-10")
    assert not browser.find_elements(By.ID, "bulletin-stale")
    time.sleep(1.1)  # the decision comes after the bulletin, to the second
    rows = review.slices(served.settings.warehouse)
    (row,) = rows[(rows.agency == "MTPE") & (rows.period == "2026-10")].itertuples()
    decision = review.Decision("approve", "MTPE", "2026-10", row.submission_id, row.version, "ana")
    assert decide(served.settings, decision).applied
    browser.get(f"{served.url}/?periodo=2026-10")
    assert "Desactualizado" in browser.find_element(By.ID, "bulletin-stale").text
    browser.find_element(By.ID, "rebuild").click()
    assert "rehecho" in appeared(browser, "flash").text
    assert not browser.find_elements(By.ID, "bulletin-stale")


# --- readers see what is published ------------------------------------------------------------


def test_a_reader_sees_the_exports_marker_where_mesa_export_hides_a_count(
    served: Served, tmp_path: Path
) -> None:
    from mesa_tumbes.core.reference import load_reference
    from mesa_tumbes.publication.export import export

    submission_id = submission_of(served, "PNP", "2026-10")
    officer, _ = client(served, OFFICER)
    reader, _ = client(served, READER)
    truth = officer.get(f"/envio/{submission_id}").text
    seen = reader.get(f"/envio/{submission_id}").text
    assert "&lt;5" not in truth and "&lt;5" in seen
    # the cells the reader cannot see are those the export hides, where the export publishes them
    from mesa_tumbes.pipeline.review import decide

    rows = review.slices(served.settings.warehouse)
    pnp = rows[(rows.agency == "PNP") & (rows.period == "2026-10")]
    for row in pnp.itertuples():
        if row.state == "returned":
            continue
        decide(
            served.settings,
            review.Decision("approve", "PNP", "2026-10", row.submission_id, row.version, "ana"),
        )
    export(served.settings.warehouse, tmp_path, load_reference(), served.settings.suppression_threshold)
    with (tmp_path / "gap_referral.csv").open(encoding="utf-8-sig") as stream:
        hidden_there = [
            (r["area_code"], r["people_identified"])
            for r in csv.DictReader(stream)
            if r["identified_indicator"] == "VBG-01" and r["period"] == "2026-10"
        ]
    compared = []
    for area, identified in hidden_there:
        cell = re.search(
            rf'data-indicator="VBG-01" data-area="{area}" data-group="total">'
            r'.*?<td class="num people">([^<]*)</td>',
            seen,
            re.S,
        )
        if cell is not None:
            assert (cell.group(1) == "&lt;5") == (identified == "<5"), (area, identified, cell.group(1))
            compared.append(identified)
    assert "<5" in compared, (hidden_there, compared)  # a count both hide, compared where both show it


# --- the map of the gaps ----------------------------------------------------------------------


def test_the_month_page_maps_each_district_with_the_marts_value_and_links_what_it_lacks(
    browser: WebDriver,  # noqa: F811
    served: Served,
) -> None:
    from selenium.webdriver.common.by import By

    from mesa_tumbes.pipeline.review import decide

    rows = review.slices(served.settings.warehouse)
    for row in rows[(rows.agency == "DIRESA") & (rows.period == "2026-10")].itertuples():
        approved = review.Decision("approve", "DIRESA", "2026-10", row.submission_id, row.version, "ana")
        assert decide(served.settings, approved).applied  # DIRESA's figures are published (if not yet)
    with connect(served.settings.warehouse, read_only=True) as connection:
        # a district's count is drawn where some sector's reports can tell; else it is "unknown"
        mart = dict(
            connection.execute(
                "select district, case when bool_or(gap_status in ('service_in_district',"
                " 'service_in_wider_area', 'no_service')) then count(*) filter (where is_service_desert)"
                "::varchar else '' end from gap_territorial where period = '2026-10' group by district"
            ).fetchall()
        )
        lacking = connection.execute(
            "select sector from gap_territorial where period = '2026-10' and district = '240302'"
            " and is_service_desert order by sector"
        ).fetchall()
    log_in(browser, served, OFFICER)
    browser.get(f"{served.url}/?periodo=2026-10")
    links = browser.find_elements(By.CSS_SELECTOR, "svg#map a")
    assert len(links) == 13 == len(mart)
    drawn = {
        link.get_attribute("id").removeprefix("district-"): link.get_attribute("data-value") for link in links
    }
    assert drawn == mart
    assert "Sectores sin servicio" in browser.find_element(By.ID, "map-legend").text
    shot(browser, "consola-mapa")
    # no script ran and none was needed: the page's policy forbids scripts, and the map is a link per district
    browser.find_element(By.ID, "district-240302").click()
    assert browser.current_url.endswith("/distrito/240302?periodo=2026-10")
    assert "Aguas Verdes · 2026-10" in browser.find_element(By.TAG_NAME, "h1").text
    flagged = browser.find_elements(By.CSS_SELECTOR, "#district-sectors tr.flagged")
    assert sorted(row.get_attribute("data-sector") for row in flagged) == [sector for (sector,) in lacking]
    assert "DIRESA" in browser.find_element(By.ID, "district-agencies").text
    browser.find_element(By.ID, "back").click()
    assert browser.find_elements(By.ID, "map")
    session, _ = client(served, OFFICER)
    assert session.get("/distrito/999999?periodo=2026-10").status_code == 404
    assert session.get("/distrito/240302?periodo=octubre").status_code == 404
