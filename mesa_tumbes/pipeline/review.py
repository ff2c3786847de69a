"""The officer's review decisions as the Mesa's system carries them out: one writer at a time (the
warehouse's lock, as a run), the decision and its audit line in one transaction, the marts rebuilt
for the slice it changed, the analysts' copy published, and the agency told when its figures were
returned or its revision declined (in the thread of its file's message, when it came by mail)."""

from __future__ import annotations

import logging
import threading

from mesa_tumbes.agency_feedback.replies import Thread, recipients, review_message
from mesa_tumbes.core import clock
from mesa_tumbes.core.i18n import text
from mesa_tumbes.core.reference import load_reference
from mesa_tumbes.core.settings import Settings
from mesa_tumbes.core.smtp import SEND_ERRORS, outgoing
from mesa_tumbes.warehouse import review, store
from mesa_tumbes.warehouse.build import build
from mesa_tumbes.warehouse.lock import writer

log = logging.getLogger(__name__)
# How long a decision waits for a run that is writing the warehouse before it is refused as busy.
DECISION_WAIT_SECONDS = 60.0
# Decisions of one process (the console's threads) one after another: the file lock is per process.
_one_at_a_time = threading.Lock()
# Decisions the agency hears of (mail.review.<action> tells it).
TOLD = frozenset({"return", "decline", "ask"})


def decide(settings: Settings, decision: review.Decision, password: str | None = None) -> review.Decided:
    """Carry out one decision; the marts and the analysts' copy follow when it applied."""
    with (
        _one_at_a_time,
        writer(settings.working, f"mesa revisar ({decision.officer})", DECISION_WAIT_SECONDS),
    ):
        store.adopt(settings.working, settings.warehouse)
        store.migrate(settings.working)
        decided = review.decide(settings.working, decision)
        if decided.applied:
            reference = load_reference()
            build(settings.working, reference, clock.today(settings.timezone), settings.timezone)
            store.publish(settings.working, settings.warehouse)
            log.info(
                text(
                    settings.lang,
                    "review.log_decided",
                    officer=decision.officer,
                    action=text(settings.lang, f"review.action.{decision.action}"),
                    agency=decision.agency,
                    period=decision.period,
                )
            )
    if decided.applied and decision.action in TOLD:
        tell_agency(settings, decision, decision.action, password)
    return decided


def tell_agency(
    settings: Settings, decision: review.Decision, what: str, password: str | None = None
) -> bool:
    """E-mail the agency what the review decided, with the officer's comment; whether it went."""
    to = recipients(decision.agency)
    if not settings.mail.sends or not to:
        log.warning(text(settings.lang, "review.log_not_told", agency=decision.agency))
        return False
    found = review.thread_of(settings.working, decision.submission_id)
    thread = (
        Thread(found.subject, found.message_id, found.references)
        if found is not None and found.message_id
        else None
    )
    message = review_message(
        decision.agency,
        to,
        what,
        found.file_name if found else decision.submission_id,
        decision.period,
        decision.comment,
        settings.lang,
        thread,
    )
    try:
        with outgoing(str(settings.mail.smtp), str(settings.mail.sender), password, settings.tls) as session:
            session.send(message)
    except SEND_ERRORS as error:
        log.error(text(settings.lang, "log.smtp_unreachable", error=error))
        return False
    return True
