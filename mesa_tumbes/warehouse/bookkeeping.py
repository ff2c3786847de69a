"""The officer's bookkeeping in the warehouse: runs (what failed) and reminders (who was told what),
and the reporting status read from the gap tables. What was received and sent by e-mail is in
mail_log.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mesa_tumbes.warehouse.store import connect, query


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


@dataclass(frozen=True)
class FailureRecord:
    """One failed attempt of the pipeline on a submission (what failed is for the officer)."""

    submission_id: str
    agency: str
    channel: str | None
    file_name: str
    sha256: str
    size_bytes: int
    received_at: dt.datetime
    failed_at: dt.datetime
    step: str  # validate, feedback or load
    error: str
    feedback_path: str | None = None
    named_period: str | None = None  # the month the file's name speaks of (YYYY-MM), if any


@dataclass(frozen=True)
class Failure:
    """A submission the pipeline failed on and has not loaded since (a row of `failures`)."""

    submission_id: str
    agency: str
    channel: str | None
    file_name: str
    sha256: str
    size_bytes: int
    received_at: dt.datetime
    attempts: int
    first_failed_at: dt.datetime
    last_failed_at: dt.datetime
    step: str
    error: str
    set_aside: bool
    feedback_path: str | None
    named_period: str | None = None

    @property
    def label(self) -> str:
        return f"{self.channel or self.agency}/{self.file_name}"


def record_failure(path: Path, record: FailureRecord, max_attempts: int) -> tuple[int, bool]:
    """Count one more failed attempt; (attempts so far, whether it is now set aside)."""
    with connect(path) as connection:
        row = connection.execute(
            query("record_failure"), {**asdict(record), "max_attempts": max_attempts}
        ).fetchone()
    assert row is not None, "record_failure returns the row it wrote"
    return int(row[0]), bool(row[1])


def failures(path: Path, wait_seconds: float = 0) -> list[Failure]:
    """Every submission the pipeline failed on and has not loaded since, the latest first."""
    with connect(path, read_only=True, wait_seconds=wait_seconds) as connection:
        rows = connection.execute(query("failures")).fetchall()
    return [Failure(*row) for row in rows]


def retry_failures(path: Path, files: list[str] | None = None) -> list[Failure]:
    """Forget the failures of `files` (AGENCY/file labels; every one when None), so that the next
    run takes them again; returns those forgotten."""
    chosen = [f for f in failures(path) if files is None or f.label in files or f.file_name in files]
    with connect(path) as connection:
        connection.executemany(
            "delete from failures where submission_id = ?", [[f.submission_id] for f in chosen]
        )
    return chosen


def start_run(path: Path, run_id: str, flow: str, started_at: dt.datetime) -> None:
    with connect(path) as connection:
        connection.execute(query("start_run"), {"run_id": run_id, "flow": flow, "started_at": started_at})


def finish_run(path: Path, record: RunRecord) -> None:
    with connect(path) as connection:
        connection.execute(query("finish_run"), asdict(record))


@dataclass
class RecordedRun:
    """A run as the `runs` table keeps it (the state of one that never recorded its end may be told
    apart by who reads it: `interrupted`)."""

    run_id: str
    flow: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    state: str  # running, completed, failed (and, as shown, interrupted)
    files_processed: int | None
    files_skipped: int | None
    files_failed: int | None
    failed_files: list[str] | None
    unreachable_inboxes: list[str] | None
    message: str | None


def recent_runs(path: Path, per_flow: int = 1) -> list[RecordedRun]:
    """The latest runs of each flow, newest first."""
    with connect(path, read_only=True, wait_seconds=0) as connection:
        rows = connection.execute(query("recent_runs"), {"per_flow": per_flow}).fetchall()
    return [RecordedRun(*row) for row in rows]


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
