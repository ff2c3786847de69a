"""What the warehouse remembers of e-mail: the mailbox messages whose files were taken (for the one
reply in their thread), the feedback deliveries and the notices for messages that did not become
submissions, each with whether it was sent."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mesa_tumbes.warehouse.store import connect, query


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
    sent_message_id: str | None = None  # the feedback e-mail as sent: later messages reply in its thread
    sent_subject: str | None = None

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
                "sent_message_id": delivery.sent_message_id,
                "sent_subject": delivery.sent_subject,
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
    """Whether a feedback e-mail, an answer to a notice or a review decision's message waits to be
    sent (again). A warehouse from before one of those tables may have anything waiting: the run
    that brings it up to date will tell."""
    import duckdb

    with connect(path, read_only=True, wait_seconds=wait_seconds) as connection:
        try:
            row = connection.execute(query("mail_waiting")).fetchone()
        except duckdb.CatalogException:
            return True
    return bool(row and row[0])


def mail_notices(path: Path) -> list[Notice]:
    with connect(path, read_only=True) as connection:
        rows = connection.execute(query("mail_notices")).fetchall()
    return [Notice(*row) for row in rows]
