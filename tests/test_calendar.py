"""The reporting calendar: due dates, on time and late (in Tumbes' days), reminders before and after a
deadline written once each, one agency never told about another, and the status the officer reads."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest

from mesa_tumbes.core.config import CalendarEntry, ReminderPolicy
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.core.settings import Settings, resolve_settings
from mesa_tumbes.followup.reminders import compose, due_reminders, write_message
from mesa_tumbes.followup.status import default_period, summarise
from mesa_tumbes.warehouse.bookkeeping import ReportStatus, reporting_status
from tests.test_cli import mesa
from tests.test_marts import Given, total

LIMA_EVENING = dt.datetime(2026, 2, 11, 3, 0, tzinfo=dt.UTC)  # 10 February, 22:00 in Tumbes
LIMA_MIDNIGHT = dt.datetime(2026, 3, 11, 5, 0, tzinfo=dt.UTC)  # 11 March, 00:00 in Tumbes


def with_calendar(reference: Reference) -> Reference:
    """A calendar of its own, so that the tests do not move when the shipped one is edited."""
    return dataclasses.replace(
        reference,
        calendar=(
            CalendarEntry("MTPE", ("INT-01",), "monthly", 10, "2026-01"),
            CalendarEntry("DRE", ("EDU-01",), "monthly", 15, "2026-01"),
            CalendarEntry("CANCILLERIA", ("DOC-01",), "monthly", 10, "2026-01"),
        ),
        reminders=ReminderPolicy(days_before=3, days_after=(1, 7)),
    )


@pytest.fixture
def february(given: Given, reference: Reference) -> tuple[Given, Reference]:
    """MTPE sent January on the last evening and February a minute after midnight; CANCILLERIA sent
    February with every row rejected; DRE sent nothing. The tables are built on 12 March."""
    calendar = with_calendar(reference)
    given.values("MTPE", [total("2026-01", "240101", "INT-01", 4)], received=LIMA_EVENING)
    given.values("MTPE", [total("2026-02", "240101", "INT-01", 5)], received=LIMA_MIDNIGHT)
    given.values("CANCILLERIA", [], received=LIMA_EVENING, covered=[("2026-02", "DOC-01", 3, 0)])
    given.build(calendar, dt.date(2026, 3, 12))
    return given, calendar


def reports(given: Given, day: dt.date) -> dict[tuple[str, str], ReportStatus]:
    return {(r.agency, r.period): r for r in reporting_status(given.path, day)}


def test_due_dates_count_days_after_the_period_ends(february: tuple[Given, Reference]) -> None:
    by_key = reports(february[0], dt.date(2026, 3, 12))
    assert by_key[("MTPE", "2026-01")].due_date == dt.date(2026, 2, 10)  # 31 January + 10
    assert by_key[("MTPE", "2026-02")].due_date == dt.date(2026, 3, 10)  # 28 February + 10
    assert by_key[("DRE", "2026-02")].due_date == dt.date(2026, 3, 15)  # DRE has 15 days
    assert by_key[("MTPE", "2026-03")].due_date == dt.date(2026, 4, 10)


def test_on_time_and_late_are_days_in_tumbes_not_utc(february: tuple[Given, Reference]) -> None:
    by_key = reports(february[0], dt.date(2026, 3, 12))
    assert by_key[("MTPE", "2026-01")].status == "valid_on_time"  # 11 Feb in UTC, still the 10th in Tumbes
    late = by_key[("MTPE", "2026-02")]
    assert (late.status, late.days_late) == ("valid_late", 1)
    assert by_key[("CANCILLERIA", "2026-02")].status == "received_not_valid"
    assert by_key[("DRE", "2026-01")].status == "missing_overdue"
    assert by_key[("DRE", "2026-02")].status == "not_yet_due"


def test_the_status_moves_with_the_date_without_a_rebuild(february: tuple[Given, Reference]) -> None:
    later = reports(february[0], dt.date(2026, 3, 16))  # the tables were built on the 12th
    overdue = later[("DRE", "2026-02")]
    assert (overdue.status, overdue.days_late) == ("missing_overdue", 1)
    assert later[("MTPE", "2026-02")].status == "valid_late"  # what came does not change


def test_a_build_as_of_an_earlier_day_ignores_files_received_after_it(
    february: tuple[Given, Reference],
) -> None:
    given, calendar = february
    given.build(calendar, dt.date(2026, 3, 10))  # before MTPE's February file came (the 11th in Tumbes)
    on_the_tenth = reports(given, dt.date(2026, 3, 10))
    assert on_the_tenth[("MTPE", "2026-01")].status == "valid_on_time"
    assert on_the_tenth[("MTPE", "2026-02")].status == "not_yet_due"
    assert reports(given, dt.date(2026, 3, 11))[("MTPE", "2026-02")].status == "missing_overdue"


def test_the_status_read_as_of_an_earlier_day_ignores_files_received_after_it(
    february: tuple[Given, Reference],
) -> None:
    on_the_tenth = reports(february[0], dt.date(2026, 3, 10))  # the tables were built on the 12th
    assert on_the_tenth[("MTPE", "2026-01")].status == "valid_on_time"
    late = on_the_tenth[("MTPE", "2026-02")]  # it came on the 11th in Tumbes
    assert (late.status, late.is_received, late.first_valid_at) == ("not_yet_due", False, None)
    before = reports(february[0], dt.date(2026, 2, 9))  # before CANCILLERIA's file came
    assert before[("CANCILLERIA", "2026-02")].status == "not_yet_due"


def test_reminders_before_and_after_the_deadline_each_once(february: tuple[Given, Reference]) -> None:
    given, calendar = february
    policy = calendar.reminders
    before = due_reminders(list(reports(given, dt.date(2026, 3, 12)).values()), policy, set())
    kinds = {(a, p.report.period, p.kind) for a, items in before.items() for p in items}
    assert ("DRE", "2026-02", "before") in kinds  # due on the 15th, three days ahead
    assert ("DRE", "2026-01", "after_7") in kinds  # a month late: the latest milestone only
    assert ("CANCILLERIA", "2026-02", "after_1") in kinds  # came, but nothing valid
    assert not any(agency == "MTPE" and period != "2026-03" for agency, period, _ in kinds)
    sent = {(a, p.report.period, p.report.indicator, p.kind) for a, items in before.items() for p in items}
    assert due_reminders(list(reports(given, dt.date(2026, 3, 12)).values()), policy, sent) == {}
    day_after = due_reminders(list(reports(given, dt.date(2026, 3, 16)).values()), policy, sent)
    assert [(p.report.period, p.kind) for p in day_after["DRE"]] == [("2026-02", "after_1")]
    week_after = due_reminders(list(reports(given, dt.date(2026, 3, 23)).values()), policy, sent)
    assert ("2026-02", "after_7") in [(p.report.period, p.kind) for p in week_after["DRE"]]


def test_a_message_speaks_of_its_own_agency_only(february: tuple[Given, Reference], tmp_path: Path) -> None:
    given, calendar = february
    due = due_reminders(list(reports(given, dt.date(2026, 3, 12)).values()), calendar.reminders, set())
    for agency, items in due.items():
        message = compose(agency, calendar.agency(agency).name, items, "es", "inbox")
        others = {code for code in calendar.agency_codes if code != agency}
        assert agency in message.body
        assert not [code for code in others if code in message.body.replace(agency, "")]
        written = write_message(tmp_path / "outbox", message, dt.date(2026, 3, 12))
        assert written.parts[0] == agency
    dre = (tmp_path / "outbox" / "DRE" / "2026-03-12-recordatorio.txt").read_text(encoding="utf-8")
    assert (
        "Vencidos, aún no los hemos recibido:" in dre and "enero de 2026: EDU-01 (plazo: 15/02/2026)" in dre
    )
    assert "Por vencer" in dre and "febrero de 2026: EDU-01 (plazo: 15/03/2026)" in dre


def test_the_default_period_is_the_latest_whose_deadline_passed(february: tuple[Given, Reference]) -> None:
    listed = list(reports(february[0], dt.date(2026, 3, 12)).values())
    assert default_period(listed, dt.date(2026, 3, 12)) == "2026-02"  # due on the 10th (DRE: 15th)
    summary = {s.agency: s for s in summarise(listed, "2026-02")}
    assert (summary["MTPE"].valid, summary["MTPE"].late) == (1, ["INT-01"])
    assert summary["CANCILLERIA"].not_valid == ["DOC-01"]
    assert summary["DRE"].not_yet_due == ["EDU-01"]


# --- The calendar flow, end to end --------------------------------------------------------------


class Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        Hook.received.append({"path": self.path, **json.loads(self.rfile.read(length))})
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[str]:
    """A real HTTP server on loopback that records what notification blocks post to it."""
    Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def latest_artifact(api: str, key: str) -> Any:
    """The data of the newest artifact with this key, read through the server's REST API (Prefect
    3.8.8's own client sends null filters that its server refuses)."""
    import httpx

    response = httpx.post(
        f"{api}/artifacts/filter",
        json={"artifacts": {"key": {"any_": [key]}}, "sort": "CREATED_DESC", "limit": 1, "offset": 0},
        timeout=30,
    )
    response.raise_for_status()
    (artifact,) = response.json()
    data = artifact["data"]
    if artifact["type"] == "markdown":
        return data
    return json.loads(data) if isinstance(data, str) else data


def calendar_settings(tmp_path: Path, **environ: str) -> Settings:
    return resolve_settings(
        inbox=str(tmp_path),
        warehouse=str(tmp_path / "mesa.duckdb"),
        environ={"MESA_OUTBOX": str(tmp_path / "outbox"), **environ},
    )


@pytest.mark.e2e
def test_the_calendar_flow_writes_each_reminder_once_notifies_each_agency_and_publishes_the_status(
    prefect_api: str, given: Given, reference: Reference, tmp_path: Path, webhook: str
) -> None:
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    from mesa_tumbes.flows.reporting import STATUS_ARTIFACT_KEY, run_calendar

    for month in (9, 10):  # MTPE sends every month on the 3rd: nothing to remind it of
        received = dt.datetime(2026, month + 1, 3, tzinfo=dt.UTC)
        given.values("MTPE", [total(f"2026-{month:02}", "240101", "INT-01", 4)], received=received)
    for agency in ("DIRESA", "MIMP"):
        CustomWebhookNotificationBlock(
            name=agency, url=f"{webhook}/{agency}", json_data={"subject": "{{subject}}", "body": "{{body}}"}
        ).save(f"recordatorio-{agency.lower()}", overwrite=True)
    settings = calendar_settings(tmp_path, MESA_NOTIFY_BLOCK="custom-webhook/recordatorio-{agency}")
    day = dt.date(2026, 11, 22)

    succeeded, report = run_calendar(settings, day)
    assert succeeded
    reminded = {entry["agency"] for entry in report["reminders"]}
    expected = {e.agency for e in reference.calendar} - {"MTPE"}  # MTPE sent October in time
    assert reminded == expected
    for agency in reminded:
        (message,) = (settings.outbox / agency).iterdir()
        content = message.read_text(encoding="utf-8")
        assert f"({agency})" in content
        assert not [other for other in reference.agency_codes if other != agency and f"({other})" in content]
    posted = {hit["path"].strip("/"): hit for hit in Hook.received}
    assert set(posted) == {"DIRESA", "MIMP"}  # the agencies with a block of their own
    assert "(DIRESA)" in posted["DIRESA"]["subject"] and "MIMP" not in posted["DIRESA"]["body"]
    assert given.rows("select count(*), count(*) filter (where notified) from reminders")[0][1] > 0

    again_ok, again = run_calendar(settings, day)
    assert again_ok and again["reminders"] == []  # written once: nothing new the same day
    assert sum(1 for _ in settings.outbox.rglob("*.txt")) == len(reminded)

    rows = latest_artifact(prefect_api, STATUS_ARTIFACT_KEY)
    assert {row["Institución"] for row in rows} == {e.agency for e in reference.calendar}


@pytest.mark.e2e
def test_mesa_status_and_remind_from_the_command_line(prefect_api: str, given: Given, tmp_path: Path) -> None:
    for month in (9, 10):
        received = dt.datetime(2026, month + 1, 3, tzinfo=dt.UTC)
        given.values("MTPE", [total(f"2026-{month:02}", "240101", "INT-01", 4)], received=received)
    env = {
        "MESA_WAREHOUSE": str(given.path),
        "MESA_OUTBOX": str(tmp_path / "outbox"),
        "PREFECT_API_URL": prefect_api,
    }
    remind = mesa("remind", "--day", "2026-11-22", cwd=tmp_path, **env)
    assert remind.returncode == 0, remind.stderr
    assert "DIRESA →" in remind.stdout and "MTPE →" not in remind.stdout
    status = mesa("status", "--period", "2026-10", cwd=tmp_path, **env)
    assert status.returncode == 0, status.stderr
    assert "Reportes de octubre de 2026" in status.stdout
    assert "falta SAL-01, SAL-02, SAL-03, SAL-04" in status.stdout
    assert "Calendario y recordatorios: completada" in status.stdout
    data = json.loads(mesa("status", "--period", "2026-10", "--json", cwd=tmp_path, **env).stdout)
    by_agency = {entry["agency"]: entry for entry in data["agencies"]}
    assert by_agency["MTPE"]["valid"] == 1 and by_agency["MTPE"]["on_time"] == 1
    assert by_agency["DIRESA"]["missing"] == ["SAL-01", "SAL-02", "SAL-03", "SAL-04"]
    bad = mesa("status", "--period", "octubre", cwd=tmp_path, **env)
    assert bad.returncode == 2 and "AAAA-MM" in bad.stderr

    rehearsal = mesa("remind", "--day", "2026-10-02", cwd=tmp_path, **env)  # a day in the past
    assert rehearsal.returncode == 0, rehearsal.stderr
    tumbes_today = dt.datetime.now(ZoneInfo("America/Lima")).date()
    assert given.rows("select as_of from stg_build") == [(tumbes_today,)]  # the tables are left as of today


@pytest.mark.e2e
def test_a_5w_agency_and_a_rejected_agency_are_never_told_we_have_not_received_their_file(
    prefect_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """ACNUR reports through its R4V 5W export; DRE's file is rejected before a row can be read (no
    header). Through intake, the reporting calendar and `mesa remind`, ACNUR is counted as received
    and valid, DRE as received and rejected: neither is told that its file has not arrived."""
    import os
    import shutil

    from mesa_tumbes.core.reference import load_reference
    from mesa_tumbes.flows.intake import run_intake

    examples = Path(__file__).parent.parent / "examples" / "inbox"
    inbox = tmp_path / "inbox"
    for agency in ("ACNUR", "DRE"):
        shutil.copytree(examples / agency, inbox / agency)
    sent = dt.datetime(2026, 11, 5, 15, 0, tzinfo=dt.UTC).timestamp()  # October's files, on 5 November
    for path in inbox.rglob("*"):
        os.utime(path, (sent, sent))
    calendar = tmp_path / "calendario.yaml"
    calendar.write_text(
        'since: "2026-10"\nentries:\n'
        "  - {agency: ACNUR, indicators: [PRO-02], due_days: 15}\n"
        "  - {agency: DRE, indicators: [EDU-01], due_days: 15}\n",
        encoding="utf-8",
    )
    env = {
        "MESA_WAREHOUSE": str(tmp_path / "mesa.duckdb"),
        "MESA_OUTBOX": str(tmp_path / "outbox"),
        "MESA_CALENDAR": str(calendar),
    }
    monkeypatch.setenv("MESA_CALENDAR", str(calendar))
    load_reference.cache_clear()
    request.addfinalizer(load_reference.cache_clear)  # after monkeypatch restores the environment
    settings = resolve_settings(inbox=str(inbox), environ=env)
    succeeded, report = run_intake(settings)
    assert succeeded
    assert {e["file"]: e["status"] for e in report.as_json()["submissions"]} == {
        "ACNUR/acnur_5w_octubre_2026.xlsx": "accepted",
        "DRE/informe_matricula_octubre.csv": "rejected",
    }

    remind = mesa("remind", "--day", "2026-11-22", cwd=tmp_path, PREFECT_API_URL=prefect_api, **env)
    assert remind.returncode == 0, remind.stderr
    assert not (tmp_path / "outbox" / "ACNUR").exists()  # valid (late): nothing to remind it of
    (message,) = (tmp_path / "outbox" / "DRE").iterdir()
    content = message.read_text(encoding="utf-8")
    assert "Recibimos su archivo, pero fue rechazado" in content
    assert "no los hemos recibido" not in content
    status = json.loads(mesa("status", "--period", "2026-10", "--json", cwd=tmp_path, **env).stdout)
    by_agency = {entry["agency"]: entry for entry in status["agencies"]}
    assert (by_agency["ACNUR"]["received"], by_agency["ACNUR"]["valid"]) == (1, 1)
    assert (by_agency["DRE"]["received"], by_agency["DRE"]["valid"]) == (1, 0)
    assert by_agency["DRE"]["not_valid"] == ["EDU-01"] and by_agency["DRE"]["missing"] == []


@pytest.mark.e2e
def test_reminders_are_e_mailed_each_to_its_own_agency_once(
    prefect_api: str, given: Given, reference: Reference, tmp_path: Path
) -> None:
    from aiosmtpd.controller import Controller

    from mesa_tumbes.flows.reporting import run_calendar
    from tests.builders import free_port
    from tests.test_mail import Received

    received, port = Received(), free_port()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = calendar_settings(
            tmp_path, MESA_SMTP_URL=f"smtp://127.0.0.1:{port}", MESA_MAIL_FROM="mesa@mesa-tumbes.example"
        )
        day = dt.date(2026, 11, 22)
        succeeded, report = run_calendar(settings, day)
        assert succeeded
        again_ok, again = run_calendar(settings, day)
    finally:
        controller.stop()
    reminded = {entry["agency"] for entry in report["reminders"]}
    addresses = {a.code: list(a.emails) for a in reference.agencies}
    assert reminded and again_ok and again["reminders"] == []
    assert sorted(to[0] for to, _ in received.messages) == sorted(addresses[a][0] for a in reminded)
    for to, message in received.messages:
        agency = next(code for code, emails in addresses.items() if emails == to)
        body = message.get_body(preferencelist=("plain",))
        assert body is not None and f"({agency})" in str(message["Subject"])
        others = [o for o in reference.agency_codes if o != agency and f"({o})" in body.get_content()]
        assert not others
