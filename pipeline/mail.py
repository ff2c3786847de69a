"""E-mail in and out around a run: the mailboxes' new messages become files in the spool inbox (and
notices for what cannot), and after the run each submission's feedback goes to its agency's
addresses; a delivery or an answer that fails is retried on the next run, one that went never is."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from pathlib import Path

from agency_feedback.mail import feedback_message, notice_answer, recipients
from core.i18n import text
from core.mailer import SEND_ERRORS, Outgoing, outgoing
from core.reference import load_reference
from core.settings import Settings
from pipeline.report import Entry
from reception import mailbox
from warehouse.operations import (
    Delivery,
    answer_notice,
    deliveries,
    mail_notices,
    record_delivery,
    record_notices,
)

log = logging.getLogger(__name__)
# A message that cannot be sent: the server's refusal, or an address it cannot take.
SEND_OR_VALUE: tuple[type[Exception], ...] = (*SEND_ERRORS, ValueError)


@dataclass
class Sent:
    """What a run's e-mail out did."""

    delivered: list[str] = field(default_factory=list)  # AGENCY/file
    failed: list[str] = field(default_factory=list)
    without_address: list[str] = field(default_factory=list)  # agencies with no address on file
    answered: int = 0


def collect_mailbox(location: str, settings: Settings, password: str | None = None) -> mailbox.Collected:
    """The mailbox's new messages: attachments into the spool, the rest recorded as notices."""
    collected = mailbox.collect(
        location,
        settings.mail_spool,
        load_reference(),
        settings.limits.max_file_bytes,
        password=password,
        delete_taken=settings.mail.delete_taken,
    )
    record_notices(
        settings.working,
        [
            {
                **{k: v for k, v in asdict(notice).items() if k != "uid"},
                "notice_id": notice.key,
                "message_uid": notice.uid,
            }
            for notice in collected.notices
        ],
    )
    for notice in collected.notices:
        log.warning(
            text(
                settings.lang,
                "log.mail_notice",
                sender=notice.sender,
                kind=text(settings.lang, f"mail.kind.{notice.kind}"),
            )
        )
    return collected


def deliver(settings: Settings, entries: list[Entry], password: str | None = None) -> Sent:
    """E-mail each entry's feedback to its agency, and retry the deliveries that failed before; then
    answer the senders of the mailbox notices not answered yet. Nothing when no server is set."""
    sent = Sent()
    if not settings.mail.sends:
        return sent
    now = dt.datetime.now(dt.UTC)
    todo = {entry.submission_id: _delivery(entry, now) for entry in entries if entry.feedback}
    for pending in deliveries(settings.working):
        if pending.delivered_at is None and pending.submission_id not in todo:
            todo[pending.submission_id] = pending
    notices = [notice for notice in mail_notices(settings.working) if notice.answered_at is None]
    if not todo and not notices:
        return sent
    try:
        with outgoing(str(settings.mail.smtp), str(settings.mail.sender), password) as session:
            for delivery in todo.values():
                _send_feedback(session, delivery, settings, sent)
            for notice in notices:
                _answer(
                    session,
                    notice.notice_id,
                    notice.kind,
                    notice.sender,
                    notice.subject,
                    notice.detail,
                    settings,
                    sent,
                )
    except SEND_ERRORS as error:  # the server could not be reached: everything waits for the next run
        log.error(text(settings.lang, "log.smtp_unreachable", error=error))
        for delivery in todo.values():
            if delivery.label not in sent.delivered and delivery.label not in sent.without_address:
                _record(settings, delivery, None, f"{type(error).__name__}: {error}")
                sent.failed.append(delivery.label)
    return sent


def _delivery(entry: Entry, now: dt.datetime) -> Delivery:
    file_name = entry.file.split("/", 1)[1] if "/" in entry.file else entry.file
    return Delivery(entry.submission_id, entry.agency, file_name, "", entry.feedback, 0, now, None, None)


def _send_feedback(session: Outgoing, delivery: Delivery, settings: Settings, sent: Sent) -> None:
    to = recipients(delivery.agency)
    if not to:
        log.warning(text(settings.lang, "log.no_address", agency=delivery.agency))
        sent.without_address.append(delivery.label)
        return
    try:
        session.send(feedback_message(Path(delivery.feedback_path), to, settings.lang))
    except SEND_OR_VALUE as error:
        log.error(text(settings.lang, "log.delivery_failed", file=delivery.label, error=error))
        _record(settings, delivery, None, f"{type(error).__name__}: {error}", to)
        sent.failed.append(delivery.label)
        return
    _record(settings, delivery, dt.datetime.now(dt.UTC), None, to)
    sent.delivered.append(delivery.label)
    log.info(text(settings.lang, "log.delivered", file=delivery.label, to=", ".join(to)))


def _record(
    settings: Settings,
    delivery: Delivery,
    delivered_at: dt.datetime | None,
    error: str | None,
    to: list[str] | None = None,
) -> None:
    record_delivery(
        settings.working,
        Delivery(
            delivery.submission_id,
            delivery.agency,
            delivery.file_name,
            ", ".join(to if to is not None else recipients(delivery.agency)),
            delivery.feedback_path,
            delivery.attempts,
            dt.datetime.now(dt.UTC),
            delivered_at,
            error,
        ),
    )


def _answer(
    session: Outgoing,
    notice_id: str,
    kind: str,
    sender: str,
    subject: str,
    detail: str,
    settings: Settings,
    sent: Sent,
) -> None:
    if not sender:
        answer_notice(settings.working, notice_id, None, "no sender address")
        return
    limit = settings.limits.max_file_bytes / 2**20
    try:
        session.send(notice_answer(kind, sender, subject, detail, limit, settings.lang))
    except SEND_OR_VALUE as error:
        answer_notice(settings.working, notice_id, None, f"{type(error).__name__}: {error}")
        return
    answer_notice(settings.working, notice_id, dt.datetime.now(dt.UTC), None)
    sent.answered += 1


def send_reminder(
    settings: Settings, agency: str, subject: str, body: str, password: str | None = None
) -> bool:
    """A reminder of the reporting calendar e-mailed to the agency's addresses; whether it went."""
    to = recipients(agency)
    if not settings.mail.sends or not to:
        return False
    message = EmailMessage()
    message["To"], message["Subject"] = ", ".join(to), subject
    message.set_content(body)
    try:
        with outgoing(str(settings.mail.smtp), str(settings.mail.sender), password) as session:
            session.send(message)
    except SEND_OR_VALUE as error:
        log.warning(text(settings.lang, "log.reminder_mail_failed", agency=agency, error=error))
        return False
    return True
