"""Who has reported, who is late: the reporting calendar against what came, per agency, for a period.
Shown by `mesa status` in the terminal and by the calendar flow as a Prefect table artifact."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from mesa_tumbes.core.clock import local_time
from mesa_tumbes.core.faults import MachineError
from mesa_tumbes.core.i18n import text
from mesa_tumbes.warehouse.bookkeeping import ReportStatus
from mesa_tumbes.warehouse.lock import BusyHolder


@dataclass(frozen=True)
class AgencySummary:
    """One agency's reports for one period."""

    agency: str
    agency_name: str
    period: str
    due_date: dt.date
    expected: int
    received: int
    valid: int
    on_time: int
    days_late: int  # the most days any of its reports is (or was) late
    missing: list[str] = field(default_factory=list)  # overdue, nothing received
    not_valid: list[str] = field(default_factory=list)  # received, no valid row
    failed: list[str] = field(default_factory=list)  # received, the pipeline failed on it
    late: list[str] = field(default_factory=list)  # valid, after the deadline
    not_yet_due: list[str] = field(default_factory=list)

    @property
    def is_complete(self) -> bool:
        return self.valid == self.expected

    @property
    def standing(self) -> str:
        """on_time (every report valid by its deadline), late (every one valid, some after it), owing
        (some overdue and missing, rejected, or not yet processed) or waiting (the rest is not due)."""
        if self.is_complete:
            return "on_time" if self.on_time == self.expected else "late"
        return "owing" if self.missing or self.not_valid or self.failed else "waiting"


def headline(summaries: list[AgencySummary], lang: str) -> str:
    """What the status table adds up to, in words that say what each number counts."""
    standings = [summary.standing for summary in summaries]
    return text(
        lang,
        "reporting.totals",
        agencies=len(summaries),
        **{standing: standings.count(standing) for standing in ("on_time", "late", "owing", "waiting")},
        missing=sum(len(s.missing) for s in summaries),
        not_valid=sum(len(s.not_valid) for s in summaries),
        failed=sum(len(s.failed) for s in summaries),
    )


def default_period(reports: list[ReportStatus], today: dt.date) -> str | None:
    """The latest period whose deadline has passed: the one the officer chases. Before any deadline,
    the latest period expected."""
    passed = [r.period for r in reports if r.due_date < today]
    if passed:
        return max(passed)
    return max((r.period for r in reports), default=None)


def summarise(reports: list[ReportStatus], period: str) -> list[AgencySummary]:
    by_agency: dict[str, list[ReportStatus]] = {}
    for report in reports:
        if report.period == period:
            by_agency.setdefault(report.agency, []).append(report)
    return [_summary(rows) for _, rows in sorted(by_agency.items())]


def _summary(rows: list[ReportStatus]) -> AgencySummary:
    first = rows[0]

    def having(*statuses: str) -> list[str]:
        return sorted(r.indicator for r in rows if r.status in statuses)

    return AgencySummary(
        agency=first.agency,
        agency_name=first.agency_name,
        period=first.period,
        due_date=max(r.due_date for r in rows),
        expected=len(rows),
        received=sum(r.is_received for r in rows),
        valid=sum(r.is_valid for r in rows),
        on_time=sum(r.status == "valid_on_time" for r in rows),
        days_late=max(r.days_late for r in rows),
        missing=having("missing_overdue"),
        not_valid=having("received_not_valid"),
        failed=having("received_failed"),
        late=having("valid_late"),
        not_yet_due=having("not_yet_due"),
    )


def pending_text(summary: AgencySummary, lang: str) -> str:
    """What is still owed, in a few words: "falta SAL-03 (12 días); no válido: SAL-04"."""
    parts = []
    if summary.missing:
        parts.append(text(lang, "reporting.missing", indicators=", ".join(summary.missing)))
    if summary.not_valid:
        parts.append(text(lang, "reporting.not_valid", indicators=", ".join(summary.not_valid)))
    if summary.failed:
        parts.append(text(lang, "reporting.failed", indicators=", ".join(summary.failed)))
    if summary.late:
        parts.append(text(lang, "reporting.late", indicators=", ".join(summary.late)))
    if summary.not_yet_due:
        parts.append(text(lang, "reporting.not_yet_due", indicators=", ".join(summary.not_yet_due)))
    if summary.days_late and (summary.missing or summary.not_valid or summary.late):
        parts.append(text(lang, "reporting.days_late", days=summary.days_late))
    return "; ".join(parts) or text(lang, "reporting.complete")


def table_rows(summaries: list[AgencySummary], lang: str) -> list[dict[str, Any]]:
    """The status as rows with headers in the officer's language (for the artifact and --json)."""
    return [
        {
            text(lang, "reporting.column.agency"): s.agency,
            text(lang, "reporting.column.expected"): s.expected,
            text(lang, "reporting.column.received"): s.received,
            text(lang, "reporting.column.valid"): s.valid,
            text(lang, "reporting.column.on_time"): s.on_time,
            text(lang, "reporting.column.due"): s.due_date.isoformat(),
            text(lang, "reporting.column.pending"): pending_text(s, lang),
        }
        for s in summaries
    ]


def holder_fields(holder: BusyHolder, timezone: str) -> dict[str, object]:
    """The writer's description with its start in the Mesa's time."""
    return {**holder, "since": local_time(holder["since"], timezone)}


def busy_text(
    holder: BusyHolder | None, lang: str, timezone: str, context: str, said: str = "busy", **more: object
) -> str:
    """Who is writing the warehouse, for a log line (`context` "log") or the command line ("cli"); or
    which file another program holds open ({"in_use": path}). `said`: the text naming the holder
    (`busy`, or `waiting` with the `seconds` a run waits for it)."""
    if holder and "in_use" in holder:
        return text(lang, f"{context}.working_in_use", path=holder["in_use"])
    if not holder:
        return text(lang, f"{context}.busy_unknown")
    return text(lang, f"{context}.{said}", **holder_fields(holder, timezone), **more)


def machine_text(fault: MachineError, lang: str) -> str:
    """A fault of the Mesa's machine, for the officer: what happened, where, what to do, that nothing
    was lost, and the library's own words for the technical team."""
    said = text(lang, f"machine.{fault.kind}", where=fault.where or "?", needed=fault.needed_mb or "?")
    return "\n".join(
        [said, text(lang, "machine.nothing_lost"), text(lang, "machine.detail", detail=fault.detail)]
    )
