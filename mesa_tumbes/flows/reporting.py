"""The reporting-calendar flow: bring the gap tables up to today, write the reminders that are due
(one message per agency, about that agency only) and publish who has reported as a table artifact.

And the marts flow: the gap tables rebuilt on their own, after midnight, because the date alone moves
deadlines and the share of the year elapsed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, TypedDict

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE

from mesa_tumbes.core import clock, smtp
from mesa_tumbes.core.agency_links import page_url
from mesa_tumbes.core.i18n import text
from mesa_tumbes.core.locations import is_remote
from mesa_tumbes.core.reference import load_reference
from mesa_tumbes.core.settings import Settings, resolve_settings
from mesa_tumbes.flows.common import (
    SMTP_SECRET,
    busy_holder,
    busy_state,
    run_once,
    secret,
    update_marts,
    writing_run,
)
from mesa_tumbes.followup.reminders import Message, compose, due_reminders, month_name, write_message
from mesa_tumbes.followup.status import default_period, summarise, table_rows
from mesa_tumbes.pipeline.mail_round import send_reminder
from mesa_tumbes.warehouse.bookkeeping import (
    Reminder,
    ReportStatus,
    record_reminders,
    reporting_status,
    sent_reminders,
)
from mesa_tumbes.warehouse.lock import BusyHolder, WarehouseBusyError
from mesa_tumbes.warehouse.store import OPEN_WAIT_SECONDS, WarehouseInUseError

STATUS_ARTIFACT_KEY = "mesa-reporting-status"


@task(cache_policy=NONE)
def read_reports(settings: Settings, day: dt.date) -> list[ReportStatus]:
    return reporting_status(settings.working, day, wait_seconds=OPEN_WAIT_SECONDS)


@task(cache_policy=NONE)
def plan_messages(settings: Settings, reports: list[ReportStatus]) -> list[Message]:
    """The messages due today, one per agency; reminders already written are not repeated."""
    reference = load_reference()
    due = due_reminders(reports, reference.reminders, sent_reminders(settings.working))
    hint = settings.inbox if is_remote(settings.inbox) else Path(settings.inbox).name
    return [
        compose(agency, reference.agency(agency).name, items, settings.lang, hint, page_url(settings, agency))
        for agency, items in sorted(due.items())
    ]


@task(cache_policy=NONE, task_run_name="remind {message.agency}")
def deliver_reminder(settings: Settings, message: Message, day: dt.date) -> list[Reminder]:
    """Write the message to outbox/<AGENCY>/, send it through the agency's notification block where
    one is configured, and say what was written (for the `reminders` table)."""
    path = write_message(settings.outbox, message, day)
    get_run_logger().info(
        text(
            settings.lang, "log.reminder_written", agency=message.agency, path=path, items=len(message.items)
        )
    )
    notified = notify(settings, message) if settings.notify_block else False
    password = secret(smtp.PASSWORD_VARIABLE, SMTP_SECRET) if settings.mail.sends else None
    mailed = send_reminder(settings, message.agency, message.subject, message.body, password)
    if mailed:
        get_run_logger().info(text(settings.lang, "log.reminder_mailed", agency=message.agency))
    notified = notified or mailed
    written_at = dt.datetime.now(dt.UTC)
    return [
        Reminder(
            agency=message.agency,
            period=item.report.period,
            indicator=item.report.indicator,
            kind=item.kind,
            due_date=item.report.due_date,
            status=item.report.status,
            written_at=written_at,
            outbox_path=path.as_posix(),
            notified=notified,
        )
        for item in message.items
    ]


def notify(settings: Settings, message: Message) -> bool:
    """Send through the Prefect notification block named by MESA_NOTIFY_BLOCK ("{agency}" is the
    agency's code in lower case, so each agency has its own block and sees only its own message)."""
    from prefect.blocks.core import Block

    assert settings.notify_block is not None
    name = settings.notify_block.format(agency=message.agency.lower())
    logger, lang = get_run_logger(), settings.lang
    try:
        block: Any = Block.load(name)
    except ValueError:
        logger.warning(text(lang, "log.no_block", agency=message.agency, block=name))
        return False
    try:
        block.notify(body=message.body, subject=message.subject)
    except Exception as error:
        logger.warning(text(lang, "log.notify_failed", agency=message.agency, block=name, error=error))
        return False
    logger.info(text(lang, "log.notified", agency=message.agency, block=name))
    return True


@task(cache_policy=NONE)
def record(settings: Settings, reminders: list[Reminder]) -> None:
    record_reminders(settings.working, reminders)


class WrittenMessage(TypedDict):
    """A reminder message written: to which agency, how many reports it reminds of, and its file."""

    agency: str
    items: int
    path: str


class CalendarReport(TypedDict, total=False):
    """What the calendar flow did (`mesa remind --json` prints it)."""

    reminders: list[WrittenMessage]
    status: list[dict[str, Any]]  # the status table's rows, headed in the officer's language
    busy: BusyHolder  # present when another run was writing


@task(cache_policy=NONE)
def publish_status(settings: Settings, reports: list[ReportStatus], day: dt.date) -> list[dict[str, Any]]:
    period = default_period(reports, day)
    rows = table_rows(summarise(reports, period), settings.lang) if period else []
    create_table_artifact(
        key=STATUS_ARTIFACT_KEY,
        table=rows,
        description=text(
            settings.lang, "reporting.artifact_description", period=month_name(period or "", settings.lang)
        ),
    )
    return rows


@flow(name="mesa-calendar", log_prints=False)
def calendar_flow(settings: Settings | None = None, day: dt.date | None = None) -> Any:
    """Who is late on `day` (today unless given: another day is a rehearsal), the reminders due, and
    the status table. The gap tables are brought up to today either way; the status is read as of `day`."""
    settings = settings or resolve_settings()
    day = day or clock.today(settings.timezone)
    report: CalendarReport = {"reminders": [], "status": []}
    try:
        with writing_run(settings, "calendar") as run:
            update_marts(settings)
            run.built = True
            reports = read_reports(settings, day)
            messages = plan_messages(settings, reports)
            written = [
                reminder for message in messages for reminder in deliver_reminder(settings, message, day)
            ]
            record(settings, written)
            if not messages:
                get_run_logger().info(text(settings.lang, "log.no_reminders"))
            report["reminders"] = written_by_message(written)
            report["status"] = publish_status(settings, reports, day)
    except (WarehouseBusyError, WarehouseInUseError) as busy:
        return busy_state(settings, busy, {**report, "busy": busy_holder(busy)})
    return report


def written_by_message(written: list[Reminder]) -> list[WrittenMessage]:
    """One line per message written: the agency, how many reports it reminds of, and its file."""
    counts: dict[tuple[str, str], int] = {}
    for reminder in written:
        key = (reminder.agency, reminder.outbox_path)
        counts[key] = counts.get(key, 0) + 1
    return [WrittenMessage(agency=agency, items=n, path=path) for (agency, path), n in counts.items()]


def run_calendar(settings: Settings, day: dt.date | None = None) -> tuple[bool, CalendarReport]:
    """Run the calendar flow once; (succeeded, report). A busy warehouse is not a success."""
    completed, report = run_once(calendar_flow, settings, day)
    return completed and "busy" not in report, report


@flow(name="mesa-marts", log_prints=False)
def marts_flow(settings: Settings | None = None) -> Any:
    """Rebuild the gap tables as of today, all of them: the runs after intake recompute only the
    slices they changed, and this scheduled full rebuild is the safety net under that."""
    settings = settings or resolve_settings()
    try:
        with writing_run(settings, "marts") as run:
            tables = update_marts(settings, full=True)
            run.built = True
    except (WarehouseBusyError, WarehouseInUseError) as busy:
        return busy_state(settings, busy, {"busy": busy_holder(busy)})
    return tables
