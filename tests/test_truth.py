"""What the officer approves on and what everyone is told is true, and nothing said is lost. Through
the real flow, with real mail servers on loopback and the console served over HTTP:

- the figures the officer approves (queue, console, audit) are the figures the marts publish, per
  indicator, for a template file that writes totals beside their parts and for a 5W file; a total
  written for an age band beside its rows by sex publishes the total (nobody lost), as the agency's
  feedback says;
- a return decided while the mail server is down reaches the agency, in its thread, on the next run
  after the server is back, exactly once;
- a file whose figures wait (a warning, a revision of an approved month) is told so, and told again
  when they are approved;
- a partner source that fails beside an inbox that works is said once, in Spanish, with an exit code
  of its own, never as a file's failure, and no traceback on the terminal;
- nothing new with partner sources configured is known without starting Prefect;
- what the officer reads (every console page, `mesa revisar`, `mesa status`) has no English word, no
  raw code and no time but the Mesa's."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from mesa_tumbes.console.accounts import save_account
from mesa_tumbes.core.i18n import strings
from mesa_tumbes.core.settings import Settings, resolve_settings
from mesa_tumbes.warehouse import review
from mesa_tumbes.warehouse.store import connect
from tests.builders import five_w_csv, five_w_row, free_port, template_csv
from tests.partner_servers import (
    ActivityInfoHandler,
    KoboHandler,
    PartnerApi,
    five_w,
    kobo_submission,
    serving,
)
from tests.test_console import Served, client, console_serving
from tests.test_mail import DIRESA, imap_port, outlook_message, put  # noqa: F401

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
OFFICER = ("ana", "una-clave-larga-1")
READER = ("mesa", "otra-clave-larga-2")
TOKEN = "token-de-prueba-123"
EXCHANGE_ID = "<MN2PR01MB5123ABCDEF0123456789ABCDEF0123456789@MN2PR01MB5123.namprd01.prod.outlook.com>"


def drop(inbox: Path, agency: str, name: str, content: bytes, when: int = 1_793_000_000) -> None:
    folder = inbox / agency
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(content)
    os.utime(folder / name, (when, when))


def settings_at(root: Path, **environ: str) -> Settings:
    accounts = root / "consola.yaml"
    if not accounts.exists():
        save_account(accounts, OFFICER[0], "officer", OFFICER[1])
        save_account(accounts, READER[0], "reader", READER[1])
    return resolve_settings(
        inbox=str(root / "inbox"),
        warehouse=str(root / "mesa.duckdb"),
        feedback=str(root / "feedback"),
        environ={
            "MESA_CONSOLE_ACCOUNTS": str(accounts),
            "MESA_BULLETINS": str(root / "boletines"),
            "MESA_INBOX_RETRIES": "1",
            "MESA_INBOX_RETRY_DELAY_SECONDS": "0.1",
            **environ,
        },
    )


def run(settings: Settings) -> Any:
    from mesa_tumbes.flows.intake import run_intake

    succeeded, report = run_intake(settings)
    assert succeeded, report
    return report


def sql(settings: Settings, query: str, **parameters: object) -> list[tuple[Any, ...]]:
    with connect(settings.warehouse, read_only=True) as connection:
        return connection.execute(query, parameters).fetchall()


def published_per_indicator(settings: Settings, agency: str) -> dict[str, float]:
    """What the marts publish for the agency, per indicator: everybody (the total group), added up
    over the areas reported (each level apart; the larger), as the officer is shown it."""
    rows = sql(
        settings,
        "select indicator, max(people) from (select indicator, admin_level, sum(value) as people"
        " from fct_indicator_groups where agency = $agency and group_code = 'total' group by all)"
        " group by indicator",
        agency=agency,
    )
    return {str(indicator): float(people) for indicator, people in rows}


def queue_figures(settings: Settings, agency: str, state: str = "pending") -> dict[str, float]:
    rows = review.slices(settings.warehouse, review.STATES)
    (row,) = rows[(rows.agency == agency) & (rows.state == state)].to_dict("records")
    return {str(f["indicator"]): float(f["figure"]) for f in row["figures"]}


def decision(settings: Settings, agency: str, action: str, state: str, comment: str = "") -> review.Decision:
    rows = review.slices(settings.warehouse, review.STATES)
    (row,) = rows[(rows.agency == agency) & (rows.state == state)].itertuples()
    return review.Decision(
        action, agency, str(row.period), str(row.submission_id), int(row.version), "ana", comment
    )  # type: ignore[arg-type]


# --- The figures approved are the figures published ------------------------------------------------

AGE_BAND_TOTAL = [
    ["DIRESA", "2026-10", "240101", "SAL-01", "total", "18-59", "total", "50"],
    ["DIRESA", "2026-10", "240101", "SAL-01", "F", "18-59", "total", "20"],
    ["DIRESA", "2026-10", "240101", "SAL-01", "M", "18-59", "total", "15"],
    # parts only: 3 girls and 4 boys of 0-5, nobody wrote their total
    ["DIRESA", "2026-10", "240102", "SAL-01", "F", "0-5", "total", "3"],
    ["DIRESA", "2026-10", "240102", "SAL-01", "M", "0-5", "total", "4"],
    # a total and its population types
    ["DIRESA", "2026-10", "240101", "SAL-02", "total", "total", "total", "15"],
    ["DIRESA", "2026-10", "240101", "SAL-02", "total", "total", "in_destination", "10"],
    ["DIRESA", "2026-10", "240101", "SAL-02", "total", "total", "in_transit", "5"],
]


def test_the_officer_approves_on_the_figures_the_marts_publish_and_nobody_counted_is_lost(
    prefect_api: str, tmp_path: Path
) -> None:
    settings = settings_at(tmp_path, MESA_AUTO_APPROVE="none")
    drop(tmp_path / "inbox", "DIRESA", "atenciones_octubre.csv", template_csv(*AGE_BAND_TOTAL))
    drop(
        tmp_path / "inbox",
        "ACNUR",
        "acnur_5w_octubre.csv",
        five_w_csv(five_w_row(), five_w_row(Admin2="Tumbes", New_beneficiaries=12, IN_DESTINATION=12,
                                            IN_TRANSIT=0, Girls=2, Boys=2, Women=4, Men=4)),
    )  # fmt: skip
    run(settings)

    # In the queue: per indicator, the total written, or the sum of the parts when only parts came
    waiting = {agency: queue_figures(settings, agency) for agency in ("DIRESA", "ACNUR")}
    assert waiting["DIRESA"] == {"SAL-01": 57, "SAL-02": 15}  # 50 + (3 + 4); 15, not 15 + 10 + 5

    # the same figures on the console's queue page, in the row of each slice
    with console_serving(settings) as url:
        session, token = client(Served(url, settings), OFFICER)
        page = session.get("/revision").text
        for agency, figures in waiting.items():
            row = re.search(
                rf'<tr id="slice-{agency}-2026-10-[^"]+">(.*?)</td>\s*<td class="forms">', page, re.S
            )
            assert row is not None
            shown = dict(
                re.findall(
                    r'data-indicator="([^"]+)">.*?<td class="num this">([^<]+)</td>', row.group(1), re.S
                )
            )
            assert {k: float(v.replace("\u00a0", "").replace(" ", "")) for k, v in shown.items()} == figures
        # the officer approves both from the console
        for agency in ("DIRESA", "ACNUR"):
            chosen = decision(settings, agency, "approve", "pending")
            answer = session.post(
                "/revision",
                data={"csrf": token, "accion": "approve", "institucion": agency, "periodo": chosen.period,
                      "envio": chosen.submission_id, "version": str(chosen.version)},
            )  # fmt: skip
            assert answer.status_code == 303, answer.text
        audit_page = session.get("/auditoria").text

    # ... are the figures the marts publish, and the audit's "after"
    for agency, figures in waiting.items():
        assert published_per_indicator(settings, agency) == figures
        (line,) = review.audit(settings.warehouse, agency).to_dict("records")
        assert {f["indicator"]: f["after"] for f in line["figures"]} == figures
        assert all(f["before"] is None for f in line["figures"])
    assert 'class="num after">57<' in audit_page

    # the age band's total is published (50), its sexes as groups; the feedback says just that
    groups = dict(
        sql(
            settings,
            "select group_code, value from fct_indicator_groups"
            " where agency = 'DIRESA' and indicator = 'SAL-01' and area_code = '240101'",
        )
    )
    assert (groups["total"], groups["women"], groups["men"]) == (50, 20, 15)
    (folder,) = (tmp_path / "feedback" / "DIRESA").iterdir()
    said = json.loads((folder / "resumen.json").read_text(encoding="utf-8"))
    (above,) = [p for p in said["problems"] if p["check_id"] == "consistency.total_above_parts"]
    assert "15 personas no tienen el sexo registrado" in above["message"]
    assert "esas personas cuentan en el total" in above["message"]


# --- A decision's message is delivered like feedback ------------------------------------------------


class Received:
    def __init__(self) -> None:
        self.raw: list[bytes] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.raw.append(envelope.original_content or b"")
        return "250 OK"

    def messages(self) -> list[EmailMessage]:
        parsed = [message_from_bytes(raw, policy=policy.default) for raw in self.raw]
        return [message for message in parsed if isinstance(message, EmailMessage)]


def start_smtp(port: int) -> tuple[Controller, Received]:
    received = Received()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, received


def body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def test_a_return_decided_while_the_mail_server_is_down_reaches_the_agency_in_its_thread_once(
    prefect_api: str,
    tmp_path: Path,
    imap_port: int,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mesa_tumbes.pipeline.review import decide

    smtp_port = free_port()  # nothing listens there yet: the mail server is down
    files = {"reporte.csv": template_csv(*AGE_BAND_TOTAL[:3])}
    put(imap_port, outlook_message("Reporte octubre", files, EXCHANGE_ID))
    monkeypatch.setenv("MESA_IMAP_PASSWORD", "demopass")
    settings = resolve_settings(
        inbox=[f"imap://demouser@127.0.0.1:{imap_port}/Mesa"],
        warehouse=str(tmp_path / "mesa.duckdb"),
        feedback=str(tmp_path / "feedback"),
        environ={
            "MESA_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
            "MESA_MAIL_FROM": "mesa@mesa-tumbes.example",
            "MESA_INBOX_RETRIES": "1",
            "MESA_INBOX_RETRY_DELAY_SECONDS": "0.1",
            "MESA_AUTO_APPROVE": "none",
        },
    )
    run(settings)
    returned = decide(
        settings, decision(settings, "DIRESA", "return", "pending", "Falta el distrito 240102.")
    )
    assert returned.applied and returned.told == "queued"
    (waiting,) = review.review_messages(settings.warehouse)
    assert waiting.action == "return" and waiting.delivered_at is None and waiting.last_error

    controller, received = start_smtp(smtp_port)  # the server is back
    try:
        run(settings)  # nothing new in the inboxes: the run is for the mail that waits
        messages = received.messages()
        (told,) = [m for m in messages if "Falta el distrito 240102." in body(m)]
        assert told["To"] == DIRESA and str(told["Subject"]) == "Re: Reporte octubre"
        assert str(told["In-Reply-To"]).strip().startswith("<MN2PR01MB5123")  # the agency's own thread
        assert "devuelve" in body(told)
        assert review.review_messages(settings.warehouse) == []
        run(settings)
        assert len([m for m in received.messages() if "Falta el distrito 240102." in body(m)]) == 1
    finally:
        controller.stop()


# --- Agencies told what happens to their figures ----------------------------------------------------


def test_pending_and_held_figures_are_told_they_wait_and_told_again_when_approved(
    prefect_api: str, tmp_path: Path
) -> None:
    from mesa_tumbes.pipeline.review import decide

    controller, received = start_smtp(free_port())
    try:
        settings = settings_at(
            tmp_path,
            MESA_SMTP_URL=f"smtp://127.0.0.1:{controller.port}",
            MESA_MAIL_FROM="mesa@mesa-tumbes.example",
        )
        example = ROOT / "examples" / "inbox" / "MIGRACIONES" / "migraciones_cpp_octubre2026.xlsx"
        drop(tmp_path / "inbox", "MIGRACIONES", example.name, example.read_bytes())
        drop(tmp_path / "inbox", "DIRESA", "octubre.csv", template_csv(*AGE_BAND_TOTAL[5:]))
        run(settings)
        doubled = template_csv(*[[*row[:7], str(int(row[7]) * 2)] for row in AGE_BAND_TOTAL[5:]])
        drop(tmp_path / "inbox", "DIRESA", "octubre-corregido.csv", doubled, 1_793_000_100)
        run(settings)

        def page(agency: str, name: str) -> str:
            (folder,) = [f for f in (tmp_path / "feedback" / agency).iterdir() if f.name.startswith(name)]
            return (folder / "resumen.html").read_text(encoding="utf-8")

        assert "esperan la revisión de la Mesa antes de publicarse" in page("MIGRACIONES", "migraciones-cpp")
        assert "No necesita hacer nada más" not in page("MIGRACIONES", "migraciones-cpp")
        held = page("DIRESA", "octubre-corregido")
        assert "corrige cifras de 2026-10 que la Mesa ya había aprobado" in held
        assert "No necesita hacer nada más" not in held
        assert "esperan la revisión" not in page("DIRESA", "octubre-csv--")  # the first one was published
        mails = {m["To"]: m for m in received.messages()}
        assert "esperan la revisión de la Mesa" in body(mails["migraciones@mesa-tumbes.example"])

        feedback_ids = {m["To"]: str(m["Message-ID"]) for m in received.messages()}
        approved = decide(settings, decision(settings, "MIGRACIONES", "approve", "pending"))
        accepted = decide(settings, decision(settings, "DIRESA", "accept", "held"))
        assert (approved.told, accepted.told) == ("sent", "sent")
        told = {m["To"]: m for m in received.messages()[-2:]}
        assert "aprobó las cifras de 2026-10" in body(told["migraciones@mesa-tumbes.example"])
        assert "aceptó la corrección de 2026-10" in body(told[DIRESA])
        # in the thread of the feedback e-mail each file had (they came by folder, not by mail)
        assert (
            str(told["migraciones@mesa-tumbes.example"]["In-Reply-To"]).strip()
            == feedback_ids["migraciones@mesa-tumbes.example"]
        )
    finally:
        controller.stop()


# --- A partner's failure is the partner's ------------------------------------------------------------


def operations_with_sources(tmp_path: Path, sources: dict[str, dict[str, str]]) -> Path:
    shipped = (ROOT / "config" / "operations.yaml").read_text(encoding="utf-8").replace("sources: {}\n", "")
    listed = "".join(
        f"  {name}:\n" + "".join(f"    {key}: {value}\n" for key, value in spec.items())
        for name, spec in sources.items()
    )
    path = tmp_path / "operations.yaml"
    path.write_text(f"{shipped}\nsources:\n{listed}", encoding="utf-8")
    return path


def mesa(*arguments: str, cwd: Path, **environ: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mesa_tumbes", *arguments],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
        env={**os.environ, **environ},
    )


def test_a_failing_partner_source_beside_a_working_inbox_is_said_once_and_is_no_file_failure(
    prefect_api: str, tmp_path: Path
) -> None:
    drop(tmp_path / "inbox", "DIRESA", "octubre.csv", template_csv(*AGE_BAND_TOTAL[5:]))
    api = PartnerApi(TOKEN, "aMesaKobo", [kobo_submission(11, "240101", "12")])
    with serving(api, KoboHandler):
        operations = operations_with_sources(
            tmp_path, {"kobo_mesa": {"kind": "kobo", "url": api.url, "form": api.form}}
        )
        result = mesa(
            "run", "--inbox", "inbox", cwd=tmp_path, PREFECT_API_URL=prefect_api,
            MESA_OPERATIONS=str(operations), MESA_KOBO_TOKEN="un-token-vencido",
            MESA_INBOX_RETRIES="1", MESA_INBOX_RETRY_DELAY_SECONDS="0.1",
        )  # fmt: skip
    said = result.stdout + result.stderr
    assert result.returncode == 5, said  # documented: files fine, a partner's system did not answer
    assert result.stdout.count("Fuente kobo_mesa: el token fue rechazado o falta (HTTP 401)") == 1
    assert "DIRESA/octubre.csv" in result.stdout and "Aceptado" in result.stdout
    assert "falló el sistema" not in said and "Traceback" not in said
    assert "No se pudo leer ninguna bandeja" not in said and "sin respuesta" not in result.stdout
    settings = settings_at(tmp_path)
    assert sql(settings, "select state, files_failed from runs") == [("completed", 0)]

    status = mesa("status", cwd=tmp_path, MESA_OPERATIONS=str(operations))
    (line,) = [line for line in status.stdout.splitlines() if "kobo_mesa" in line]
    assert "KoboToolbox" in line and "el token fue rechazado" in line and "(America/Lima)" in line


def test_nothing_new_with_both_partner_sources_configured_is_known_without_starting_prefect(
    prefect_api: str, tmp_path: Path
) -> None:
    (tmp_path / "inbox").mkdir()
    activityinfo = PartnerApi(TOKEN, "cform5w", [five_w("r1", 1000.0, 40)])
    kobo = PartnerApi(TOKEN, "aMesaKobo", [kobo_submission(11, "240101", "12")])
    with serving(activityinfo, ActivityInfoHandler), serving(kobo, KoboHandler):
        operations = operations_with_sources(
            tmp_path,
            {
                "r4v_5w": {"kind": "activityinfo", "url": activityinfo.url, "form": activityinfo.form},
                "kobo_mesa": {"kind": "kobo", "url": kobo.url, "form": kobo.form},
            },
        )
        environ = {
            "PREFECT_API_URL": prefect_api, "MESA_OPERATIONS": str(operations),
            "MESA_ACTIVITYINFO_TOKEN": TOKEN, "MESA_KOBO_TOKEN": TOKEN,
        }  # fmt: skip
        first = mesa("run", "--inbox", "inbox", cwd=tmp_path, **environ)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "Fuente r4v_5w: 1 registro nuevo" in first.stdout
        asked = (len(activityinfo.requests), len(kobo.requests))
        again = mesa(
            "run", "--inbox", "inbox", cwd=tmp_path, **{**environ, "PREFECT_API_URL": "http://127.0.0.1:9"}
        )
        assert again.returncode == 0, again.stdout + again.stderr  # Prefect's API unreachable, never asked
        assert "No hay archivos nuevos" in again.stdout
        # one cheap question to each: a record edited since (one row), the form's count (one record)
        assert (len(activityinfo.requests), len(kobo.requests)) == (asked[0] + 1, asked[1] + 1)
        assert json.loads(activityinfo.requests[-1])["window"] == [0, 1]
        assert "limit=1&" in kobo.requests[-1]

        kobo.records.append(kobo_submission(12, "240302", "9"))  # a new submission: the run is started
        changed = mesa("run", "--inbox", "inbox", cwd=tmp_path, **environ)
        assert changed.returncode == 0 and "Fuente kobo_mesa: 1 registro nuevo" in changed.stdout


# --- Machine faults, the last two ----------------------------------------------------------------


def test_duckdb_running_out_of_memory_is_a_fault_of_the_machine_said_to_the_officer() -> None:
    import duckdb

    from mesa_tumbes.core.faults import machine_fault
    from mesa_tumbes.followup.status import machine_text

    connection = duckdb.connect(config={"memory_limit": "8MB", "threads": 1})
    with pytest.raises(duckdb.Error) as raised:
        connection.execute("select list(range(100000000)) from range(5)").fetchall()
    fault = machine_fault(raised.value)
    assert fault is not None and fault.kind == "out_of_memory"
    assert "La memoria de la máquina no alcanzó" in machine_text(fault.located("/srv/mesa"), "es")


def test_the_space_check_counts_the_working_copy_growing_during_a_rebuild(tmp_path: Path) -> None:
    from mesa_tumbes.pipeline.space import RESERVE_BYTES, needed_bytes

    settings = settings_at(tmp_path)
    settings.working.parent.mkdir(parents=True)
    settings.working.write_bytes(b"\0" * 10_000_000)
    # the publish's copy and the rebuild's new tables: the working copy twice
    assert needed_bytes(settings, 0) == 2 * 10_000_000 + RESERVE_BYTES


# --- One language, one time format -------------------------------------------------------------------

# Words and codes a person must never read: review states, reasons, actions, faults as the code
# writes them, English headings, the marks of a missing value, and times in UTC or with seconds.
RAW = re.compile(
    r"\b(pending|approved|returned|held|declined|superseded|warning|unverified_sender|revision|"
    r"before_review|approve|reopen|decline|auto|rule|clean|token|unreachable|bad_answer|"
    r"agency|period|state|reason|file_name|submission_id|published_total|NaN|nan|None|null)\b"
)
UTC_OR_SECONDS = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}|\+00:00|UTC")


def visible_text(page: str) -> str:
    """What a person reads on a page: no tags, attributes, styles or the CSRF token."""
    page = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", page)


def test_what_the_officer_reads_has_no_english_no_raw_code_and_only_local_times(
    prefect_api: str, tmp_path: Path
) -> None:
    import shutil

    from mesa_tumbes.pipeline.review import decide

    settings = settings_at(tmp_path, MESA_AUTO_APPROVE="clean")
    shutil.copytree(ROOT / "examples" / "inbox", tmp_path / "inbox")
    run(settings)
    drop(
        tmp_path / "inbox", "DIRESA", "diresa_corregido.csv", template_csv(*AGE_BAND_TOTAL[5:]), 1_793_000_100
    )
    run(settings)  # a held revision beside what waits and what was approved
    decide(settings, decision(settings, "MIGRACIONES", "ask", "pending", "¿El distrito 240302 es correcto?"))
    agencies = {row.agency for row in review.slices(settings.warehouse, review.STATES).itertuples()}
    words = set(strings("es")["console"]["states"]) | set(strings("es")["console"]["reasons"])
    assert {"pending", "held", "approved"} <= words  # the codes the check looks for are the real ones

    with console_serving(settings) as url:
        for account in (OFFICER, READER):
            session, _ = client(Served(url, settings), account)
            submissions = sorted(
                {row.submission_id for row in review.slices(settings.warehouse, review.STATES).itertuples()}
            )
            pages = ["/", "/?periodo=2026-10", "/revision", "/seguimiento", "/auditoria", "/no-existe"]
            pages += [f"/envio/{s}" for s in submissions]
            for path in pages:
                answer = session.get(path)
                assert answer.status_code in (200, 404), (path, answer.status_code)
                shown = visible_text(answer.text)
                for agency in agencies:
                    shown = shown.replace(agency, "")
                assert not RAW.findall(shown), (path, RAW.findall(shown), shown[:400])
                assert not UTC_OR_SECONDS.findall(shown), (path, UTC_OR_SECONDS.findall(shown))

    for command in (["revisar"], ["status", "--period", "2026-10"]):
        said = mesa(*command, "--warehouse", str(settings.warehouse), cwd=tmp_path,
                    MESA_CONSOLE_ACCOUNTS=str(tmp_path / "consola.yaml"))  # fmt: skip
        assert said.returncode == 0, said.stderr
        shown = said.stdout
        for agency in agencies:
            shown = shown.replace(agency, "")
        assert not RAW.findall(shown), (command, RAW.findall(shown), shown)
        assert not UTC_OR_SECONDS.findall(shown), (command, UTC_OR_SECONDS.findall(shown))


def test_validate_json_marks_bytes_received_before(prefect_api: str, tmp_path: Path) -> None:
    settings = settings_at(tmp_path)
    drop(tmp_path / "inbox", "DIRESA", "octubre.csv", template_csv(*AGE_BAND_TOTAL[5:]))
    run(settings)
    again = mesa("validate", str(tmp_path / "inbox" / "DIRESA" / "octubre.csv"), "--agency", "DIRESA",
                 "--json", "--warehouse", str(settings.warehouse), cwd=tmp_path)  # fmt: skip
    said = json.loads(again.stdout)
    (entry,) = said["submissions"]
    assert entry["received_before"]["file"] == "octubre.csv"
    assert entry["received_before"]["received_local"].endswith("(America/Lima)")
    assert entry["received_before"]["status"] == "accepted"
