"""E-mail in and out around a run: the mailboxes' new messages become files in the spool inbox (and
notices for what cannot), and after the run each submission's feedback goes to its agency's
addresses; a delivery or an answer that fails is retried on the next run, one that went never is."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path

from mesa_tumbes.agency_feedback.replies import (
    Thread,
    feedback_message,
    notice_answer,
    recipients,
    review_message,
)
from mesa_tumbes.core.agency_links import page_url
from mesa_tumbes.core.i18n import text
from mesa_tumbes.core.reference import load_reference
from mesa_tumbes.core.settings import Settings
from mesa_tumbes.core.smtp import SEND_ERRORS, Outgoing, new_message, outgoing
from mesa_tumbes.pipeline.report import Entry
from mesa_tumbes.reception import mailbox
from mesa_tumbes.reception.inbox import InboxFile
from mesa_tumbes.warehouse import review
from mesa_tumbes.warehouse.mail_log import (
    Delivery,
    MailFile,
    MailMessage,
    Notice,
    answer_notice,
    deliveries,
    mail_files,
    mail_notices,
    record_delivery,
    record_mail_message,
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
    decisions_told: list[str] = field(default_factory=list)  # review decisions whose message went


def collect_mailbox(location: str, settings: Settings, password: str | None = None) -> mailbox.Collected:
    """The mailbox's new messages: tables into the spool (each message recorded, with its thread and
    the names its files had, before it counts as taken), the rest recorded as notices."""
    collected = mailbox.collect(
        location,
        settings.mail_spool,
        load_reference(),
        settings.limits.max_file_bytes,
        password=password,
        delete_taken=settings.mail.delete_taken,
        record=partial(_record_message, settings),
        archive=settings.archive,
        authserv_id=settings.mail.authserv_id,
        options=settings.mailbox(location),
    )
    if collected.left:
        log.warning(
            text(
                settings.lang,
                "log.mail_not_removed",
                mailbox=mailbox.public_url(location),
                count=len(collected.left),
            )
        )
    record_notices(
        settings.working,
        [
            {
                **{k: v for k, v in asdict(notice).items() if k not in ("uid", "references")},
                "notice_id": notice.key,
                "message_uid": notice.uid,
                "thread_references": notice.references,
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


def why_unreachable(error: object, lang: str) -> str:
    """Why a mailbox could not be read, in a sentence for the officer."""
    if isinstance(error, mailbox.MailboxError):
        return text(lang, f"mail.fault.{error.fault}", detail=error.detail)
    return text(lang, "mail.fault.unreachable", detail=f"{type(error).__name__}: {error}")


def _record_message(settings: Settings, taken: mailbox.TakenMessage) -> None:
    record_mail_message(
        settings.working,
        MailMessage(
            message_key=message_key(taken.mailbox, taken.key),
            mailbox=taken.mailbox,
            message_uid=taken.key,
            agency=taken.agency,
            sender=taken.sender,
            subject=taken.subject,
            message_id=taken.message_id,
            thread_references=taken.references,
            not_tables=list(taken.not_tables),
            received_at=taken.received_at,
            raw_sha256=taken.raw_sha256,
            sender_verified=taken.sender_verified,
        ),
        [(taken.agency, path, name) for path, name in taken.files],
    )


def message_key(mailbox_url: str, uid: str) -> str:
    """A message's id across mailboxes: two mailboxes may number their messages alike."""
    return hashlib.sha256(f"{mailbox_url}\n{uid}".encode()).hexdigest()[:16]


def with_names(files: list[InboxFile], settings: Settings) -> list[InboxFile]:
    """The spool's files under the names the agency gave them in its message (the spool's own name,
    a date and a message number in front, stays internal), and whether the message's sender was
    authenticated."""
    if not any(file.location.startswith(str(settings.mail_spool)) for file in files):
        return files
    brought = mail_files(settings.working)
    return [
        replace(file, name=found.file_name, sender_verified=found.message.sender_verified)
        if (found := brought.get((file.channel, file.relative_path))) is not None
        else file
        for file in files
    ]


def deliver(settings: Settings, entries: list[Entry], password: str | None = None) -> Sent:
    """E-mail the feedback of each entry to its agency, and retry the deliveries that failed before:
    one reply per mail message (in its thread, every file it brought), one message per file that
    came otherwise. Then answer the senders of the mailbox notices not answered yet. Nothing when
    no server is set."""
    sent = Sent()
    if not settings.mail.sends:
        return sent
    now = dt.datetime.now(dt.UTC)
    brought = mail_files(settings.working)
    earlier = deliveries(settings.working)
    todo = {entry.submission_id: _delivery(entry, now, brought) for entry in entries if entry.feedback}
    for pending in earlier:
        if pending.delivered_at is None and pending.submission_id not in todo:
            todo[pending.submission_id] = pending
    notices = [notice for notice in mail_notices(settings.working) if notice.answered_at is None]
    decisions = review.review_messages(settings.working)
    if not todo and not notices and not decisions:
        return sent
    messages = {found.message.message_key: found.message for found in brought.values()}
    replied = {d.message_key for d in earlier if d.delivered_at is not None and d.message_key}
    try:
        with outgoing(str(settings.mail.smtp), str(settings.mail.sender), password, settings.tls) as session:
            for key, group in _by_message(list(todo.values())):
                message = messages.get(key) if key else None
                thread = _thread(message, key not in replied, settings) if message else None
                _send_feedback(session, group, thread, settings, sent)
            for notice in notices:
                _answer(session, notice, settings, sent)
            for decision in decisions:
                if send_review_message(session, decision, settings):
                    sent.decisions_told.append(decision.decision_id)
    except SEND_ERRORS as error:  # the server could not be reached: everything waits for the next run
        log.error(text(settings.lang, "log.smtp_unreachable", error=error))
        for delivery in todo.values():
            if delivery.label not in sent.delivered and delivery.label not in sent.without_address:
                _record(settings, delivery, None, f"{type(error).__name__}: {error}")
                sent.failed.append(delivery.label)
        for decision in decisions:
            if decision.decision_id not in sent.decisions_told:
                review.record_review_attempt(
                    settings.working, decision.decision_id, None, f"{type(error).__name__}: {error}"
                )
    return sent


def _by_message(todo: list[Delivery]) -> list[tuple[str | None, list[Delivery]]]:
    """The deliveries of each mail message together, with its key; each other one alone."""
    groups: dict[str, list[Delivery]] = {}
    for delivery in todo:
        groups.setdefault(delivery.message_key or f"file:{delivery.submission_id}", []).append(delivery)
    return [(None if key.startswith("file:") else key, group) for key, group in groups.items()]


def _thread(message: MailMessage, first_reply: bool, settings: Settings) -> Thread:
    # a sender the configured server did not authenticate: the agency hears a file came in its name
    unverified = settings.mail.authserv_id is not None and not message.sender_verified
    return Thread(
        message.subject,
        message.message_id,
        message.thread_references,
        tuple(message.not_tables) if first_reply else (),
        message.sender if unverified else "",
    )


def _delivery(entry: Entry, now: dt.datetime, brought: dict[tuple[str, str], MailFile]) -> Delivery:
    channel, _, file_name = entry.file.partition("/")
    found = brought.get((channel, file_name))
    return Delivery(
        entry.submission_id,
        entry.agency,
        found.file_name if found else file_name,  # as the agency named it
        "",
        entry.feedback,
        0,
        now,
        None,
        None,
        found.message.message_key if found else None,
    )


def _send_feedback(
    session: Outgoing, group: list[Delivery], thread: Thread | None, settings: Settings, sent: Sent
) -> None:
    agency = group[0].agency
    to = recipients(agency)
    if not to:
        log.warning(text(settings.lang, "log.no_address", agency=agency))
        sent.without_address += [delivery.label for delivery in group]
        return
    folders = [Path(delivery.feedback_path) for delivery in group]
    try:
        message = feedback_message(folders, to, settings.lang, thread, page_url(settings, agency))
        message_id = session.send(message)
    except SEND_OR_VALUE as error:
        for delivery in group:
            log.error(text(settings.lang, "log.delivery_failed", file=delivery.label, error=error))
            _record(settings, delivery, None, f"{type(error).__name__}: {error}", to)
            sent.failed.append(delivery.label)
        return
    subject = str(message["Subject"])
    for delivery in group:
        kept = replace(delivery, sent_message_id=message_id, sent_subject=subject)
        _record(settings, kept, dt.datetime.now(dt.UTC), None, to)
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
        replace(
            delivery,
            recipients=", ".join(to if to is not None else recipients(delivery.agency)),
            last_tried_at=dt.datetime.now(dt.UTC),
            delivered_at=delivered_at,
            last_error=error,
        ),
    )


def _answer(session: Outgoing, notice: Notice, settings: Settings, sent: Sent) -> None:
    if not notice.sender:
        answer_notice(settings.working, notice.notice_id, None, "no sender address")
        return
    limit = settings.limits.max_file_bytes / 2**20
    thread = Thread(notice.subject, notice.message_id, notice.thread_references)
    try:
        session.send(
            notice_answer(
                notice.kind, notice.sender, notice.subject, notice.detail, limit, settings.lang, thread
            )
        )
    except SEND_OR_VALUE as error:
        answer_notice(settings.working, notice.notice_id, None, f"{type(error).__name__}: {error}")
        return
    answer_notice(settings.working, notice.notice_id, dt.datetime.now(dt.UTC), None)
    sent.answered += 1


def send_review_message(session: Outgoing, message: review.ReviewMessage, settings: Settings) -> bool:
    """What an officer's decision tells the agency, in the thread of its file (its own message when
    it came by mail, else the feedback e-mail about it); the attempt recorded. Whether it went."""
    found = review.thread_of(settings.working, message.submission_id)
    thread = Thread(found.subject, found.message_id, found.references) if found and found.message_id else None
    email = review_message(
        message.agency,
        message.to,
        message.action,
        found.file_name if found else message.submission_id,
        message.period,
        message.comment,
        settings.lang,
        thread,
        page=page_url(settings, message.agency),
    )
    try:
        session.send(email)
    except SEND_OR_VALUE as error:
        log.error(text(settings.lang, "log.review_message_failed", agency=message.agency, error=error))
        review.record_review_attempt(
            settings.working, message.decision_id, None, f"{type(error).__name__}: {error}"
        )
        return False
    review.record_review_attempt(settings.working, message.decision_id, dt.datetime.now(dt.UTC), None)
    log.info(text(settings.lang, "log.review_message_sent", agency=message.agency, to=message.recipients))
    return True


def send_reminder(
    settings: Settings, agency: str, subject: str, body: str, password: str | None = None
) -> bool:
    """A reminder of the reporting calendar e-mailed to the agency's addresses; whether it went."""
    to = recipients(agency)
    if not settings.mail.sends or not to:
        return False
    message = new_message()
    message["To"], message["Subject"] = ", ".join(to), subject
    message.set_content(body)
    try:
        with outgoing(str(settings.mail.smtp), str(settings.mail.sender), password, settings.tls) as session:
            session.send(message)
    except SEND_OR_VALUE as error:
        log.warning(text(settings.lang, "log.reminder_mail_failed", agency=agency, error=error))
        return False
    return True
