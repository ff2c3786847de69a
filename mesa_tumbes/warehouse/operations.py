"""The officer's bookkeeping in the warehouse: runs (what failed) and reminders (who was told what),
and the reporting status read from the gap tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

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


# --- E-mail -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """One submission's feedback e-mailed to its agency (or still to be)."""

    submission_id: str
    agency: str
    file_name: str
    recipients: str
    feedback_path: str
    attempts: int
    last_tried_at: dt.datetime
    delivered_at: dt.datetime | None
    last_error: str | None
    message_key: str | None = None  # the mail message that brought the file: one reply per message

    @property
    def label(self) -> str:
        return f"{self.agency}/{self.file_name}"


@dataclass(frozen=True)
class Notice:
    """A mailbox message that did not become a submission, and whether its sender was answered."""

    notice_id: str
    mailbox: str
    message_uid: str
    kind: str
    sender: str
    subject: str
    agency: str | None
    detail: str
    received_at: dt.datetime
    noticed_at: dt.datetime
    answered_at: dt.datetime | None
    last_error: str | None
    message_id: str = ""  # the answer is a reply in the message's thread
    thread_references: str = ""
    raw_sha256: str = ""  # the message as received, in the archive (empty: not downloaded)


@dataclass(frozen=True)
class MailMessage:
    """A mailbox message whose tables were taken: what its one reply needs to sit in its thread."""

    message_key: str
    mailbox: str
    message_uid: str
    agency: str
    sender: str
    subject: str
    message_id: str
    thread_references: str
    not_tables: list[str]
    received_at: dt.datetime
    raw_sha256: str = ""  # the message as received, in the archive
    sender_verified: bool = False  # the receiving server authenticated the sender's domain


@dataclass(frozen=True)
class MailFile:
    """A file a message brought: its name in the spool and the name the agency gave it."""

    channel: str
    relative_path: str
    file_name: str
    message: MailMessage


def record_mail_message(path: Path, message: MailMessage, files: list[tuple[str, str, str]]) -> None:
    """A message and its files ((channel, path in the spool, name as sent)), in one transaction."""
    with connect(path) as connection:
        connection.begin()
        connection.execute(query("record_mail_message"), asdict(message))
        connection.executemany(
            query("record_mail_file"),
            [
                {"channel": c, "relative_path": r, "message_key": message.message_key, "file_name": n}
                for c, r, n in files
            ],
        )
        connection.commit()


def mail_files(path: Path, wait_seconds: float = 0) -> dict[tuple[str, str], MailFile]:
    """The files mailbox messages brought, by (channel, path in the spool)."""
    with connect(path, read_only=True, wait_seconds=wait_seconds) as connection:
        rows = connection.execute(query("mail_files")).fetchall()
    return {
        (channel, relative): MailFile(channel, relative, name, MailMessage(*message))
        for channel, relative, name, *message in rows
    }


def record_delivery(path: Path, delivery: Delivery) -> None:
    with connect(path) as connection:
        connection.execute(
            query("record_delivery"),
            {
                "submission_id": delivery.submission_id,
                "agency": delivery.agency,
                "file_name": delivery.file_name,
                "recipients": delivery.recipients,
                "feedback_path": delivery.feedback_path,
                "tried_at": delivery.last_tried_at,
                "delivered_at": delivery.delivered_at,
                "error": delivery.last_error,
                "message_key": delivery.message_key,
            },
        )


def deliveries(path: Path) -> list[Delivery]:
    """Every e-mailed feedback, the pending ones first."""
    with connect(path, read_only=True) as connection:
        rows = connection.execute(query("deliveries")).fetchall()
    return [Delivery(*row) for row in rows]


def record_notices(path: Path, notices: list[dict[str, Any]]) -> None:
    """Mailbox messages that did not become submissions (each once: a notice seen again is kept)."""
    if not notices:
        return
    with connect(path) as connection:
        connection.executemany(query("record_notice"), notices)


def answer_notice(path: Path, notice_id: str, answered_at: dt.datetime | None, error: str | None) -> None:
    with connect(path) as connection:
        connection.execute(
            query("answer_notice"), {"notice_id": notice_id, "answered_at": answered_at, "error": error}
        )


def mail_waiting(path: Path, wait_seconds: float = 0) -> bool:
    """Whether a feedback e-mail or an answer to a notice waits to be sent (again)."""
    with connect(path, read_only=True, wait_seconds=wait_seconds) as connection:
        row = connection.execute(query("mail_waiting")).fetchone()
    return bool(row and row[0])


def mail_notices(path: Path) -> list[Notice]:
    with connect(path, read_only=True) as connection:
        rows = connection.execute(query("mail_notices")).fetchall()
    return [Notice(*row) for row in rows]
