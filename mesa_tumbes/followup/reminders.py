"""Reminders to agencies, from the reporting calendar: `days_before` a deadline to agencies that have
not sent yet, and on each of `days_after` while a report is missing or was not valid.

Each reminder is written once: what was written is kept in the warehouse, so running the calendar
flow every day (or twice a day) never repeats a message. One message per agency, about that agency
only; it goes to `outbox/<AGENCY>/` and, where configured, through a Prefect notification block.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment

from mesa_tumbes.core import templating
from mesa_tumbes.core.config import ReminderPolicy
from mesa_tumbes.core.i18n import strings, text
from mesa_tumbes.warehouse.bookkeeping import ReportStatus

TEMPLATES_DIR = Path(__file__).parent / "templates"
PENDING = ("missing_overdue", "received_not_valid")


@dataclass(frozen=True)
class Pending:
    """One report an agency is reminded of, and why now."""

    report: ReportStatus
    kind: str  # before, or after_N


@dataclass(frozen=True)
class Message:
    agency: str
    lang: str
    subject: str
    body: str
    items: tuple[Pending, ...]


def due_reminders(
    reports: list[ReportStatus],
    policy: ReminderPolicy,
    already_sent: set[tuple[str, str, str, str]],
) -> dict[str, list[Pending]]:
    """Per agency, the reports to remind of today, each at most once per kind. A report late by
    more than one of `days_after` gets the latest such reminder only (a run that did not happen
    on day 1 does not send two messages on day 8)."""
    due: dict[str, list[Pending]] = defaultdict(list)
    for report in reports:
        kind = _kind(report, policy)
        if kind is None:
            continue
        if (report.agency, report.period, report.indicator, kind) in already_sent:
            continue
        due[report.agency].append(Pending(report, kind))
    return dict(due)


def _kind(report: ReportStatus, policy: ReminderPolicy) -> str | None:
    if report.status == "not_yet_due" and not report.is_received:
        return "before" if 0 <= report.days_to_due <= policy.days_before else None
    if report.status in PENDING:
        reached = [days for days in policy.days_after if report.days_late >= days]
        return f"after_{max(reached)}" if reached else None
    return None


def compose(
    agency: str, agency_name: str, items: list[Pending], lang: str, inbox_hint: str, page: str | None = None
) -> Message:
    """The message to one agency: its own pending reports only, grouped by what is owed (not yet due,
    overdue, received but not valid), each group with what to do once."""
    date_format = strings(lang)["reminder"]["date_format"]
    lines = sorted(items, key=lambda p: (p.report.period, p.report.indicator))
    groups: dict[str, dict[tuple[str, dt.date], list[str]]] = defaultdict(lambda: defaultdict(list))
    for pending in lines:
        report = pending.report
        groups[report.status][(report.period, report.due_date)].append(report.indicator)
    sections = [
        {
            "heading": text(lang, f"reminder.heading.{status}"),
            "entries": [
                text(
                    lang,
                    "reminder.entry",
                    period=month_name(period, lang),
                    indicators=", ".join(indicators),
                    due=due.strftime(date_format),
                )
                for (period, due), indicators in groups[status].items()
            ],
            "advice": text(lang, f"reminder.advice.{status}", agency=agency),
        }
        for status in ("not_yet_due", "missing_overdue", "received_not_valid")
        if status in groups
    ]
    body = (
        _text_environment()
        .get_template("reminder.txt.j2")
        .render(
            greeting=text(lang, "reminder.greeting", agency=agency, agency_name=agency_name),
            intro=text(lang, "reminder.intro"),
            sections=sections,
            how_to_send=text(lang, "reminder.how_to_send", inbox=inbox_hint, agency=agency),
            page=text(lang, "mail.agency_page", url=page) if page else "",
            signature=text(lang, "reminder.signature"),
        )
    )
    return Message(agency, lang, text(lang, "reminder.subject", agency=agency), body, tuple(lines))


def month_name(period: str, lang: str) -> str:
    """'2026-10' as 'octubre de 2026' / 'October 2026'."""
    year, month = period.split("-")
    if not month.isdigit():
        return period
    return text(lang, "reminder.month", month=strings(lang)["reminder"]["months"][int(month) - 1], year=year)


def write_message(outbox: Path, message: Message, today: dt.date) -> Path:
    """outbox/<AGENCY>/<date>-recordatorio.txt, numbered if the agency got another one today; the
    path returned is relative to the outbox."""
    folder = outbox / message.agency
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{today:%Y-%m-%d}-{text(message.lang, 'reminder.file_stem')}"
    target, number = folder / f"{stem}.txt", 2
    while target.exists():
        target, number = folder / f"{stem}-{number}.txt", number + 1
    target.write_text(f"{message.subject}\n\n{message.body.rstrip()}\n", encoding="utf-8")
    return target.relative_to(outbox)


def _text_environment() -> Environment:
    return templating.plain_texts(TEMPLATES_DIR)
