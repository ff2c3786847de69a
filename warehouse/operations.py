"""The officer's bookkeeping in the warehouse: runs (what failed) and reminders (who was told what),
and the reporting status read from the gap tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from warehouse.store import connect, query


@dataclass(frozen=True)
class RunRecord:
    """How a run ended, for the `runs` table."""

    run_id: str
    finished_at: dt.datetime
    state: str  # completed or failed
    files_processed: int = 0
    files_skipped: int = 0
    files_failed: int = 0
    failed_files: list[str] = field(default_factory=list)
    unreachable_inboxes: list[str] = field(default_factory=list)
    message: str | None = None


@dataclass(frozen=True)
class ReportStatus:
    """One expected report (agency x indicator x period) and where it stands today."""

    agency: str
    agency_name: str
    indicator: str
    period: str
    due_date: dt.date
    first_received_at: dt.datetime | None
    first_valid_at: dt.datetime | None
    is_received: bool
    is_valid: bool
    status: str  # valid_on_time, valid_late, received_not_valid, missing_overdue, not_yet_due
    days_late: int
    days_to_due: int


@dataclass(frozen=True)
class Reminder:
    """A reminder written for one pending report."""

    agency: str
    period: str
    indicator: str
    kind: str  # before, or after_N
    due_date: dt.date
    status: str
    written_at: dt.datetime
    outbox_path: str
    notified: bool


def start_run(path: Path, run_id: str, flow: str, started_at: dt.datetime) -> None:
    with connect(path) as connection:
        connection.execute(query("start_run"), {"run_id": run_id, "flow": flow, "started_at": started_at})


def finish_run(path: Path, record: RunRecord) -> None:
    with connect(path) as connection:
        connection.execute(query("finish_run"), asdict(record))


def recent_runs(path: Path, per_flow: int = 1) -> list[dict[str, Any]]:
    """The latest runs of each flow, newest first."""
    with connect(path, read_only=True, wait_seconds=0) as connection:
        cursor = connection.execute(query("recent_runs"), {"per_flow": per_flow})
        names = [column[0] for column in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def reporting_status(path: Path, today: dt.date, wait_seconds: float = 0) -> list[ReportStatus]:
    """Every report the calendar expects, with its status as of `today`."""
    with connect(path, read_only=True, wait_seconds=wait_seconds) as connection:
        rows = connection.execute(query("reporting_status"), {"today": today}).fetchall()
    return [ReportStatus(*row) for row in rows]


def sent_reminders(path: Path) -> set[tuple[str, str, str, str]]:
    """(agency, period, indicator, kind) of every reminder written so far."""
    with connect(path, read_only=True) as connection:
        rows = connection.execute("select agency, period, indicator, kind from reminders").fetchall()
    return {(a, p, i, k) for a, p, i, k in rows}


def record_reminders(path: Path, reminders: list[Reminder]) -> None:
    with connect(path) as connection:
        connection.begin()
        for reminder in reminders:
            connection.execute(query("insert_reminder"), asdict(reminder))
        connection.commit()
