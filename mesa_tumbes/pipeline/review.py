"""The officer's review decisions as the Mesa's system carries them out: one writer at a time (the
warehouse's lock, as a run), the decision, its audit line and what it tells the agency in one
transaction, the marts rebuilt for the slice it changed, the analysts' copy published, and the agency
told (returned, asked, declined, approved or accepted after waiting) in the thread of its file. A
message the mail server does not take at once waits in review_messages and goes with the next run:
the officer is told which it was."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from typing import Literal

from mesa_tumbes.agency_feedback.replies import recipients
from mesa_tumbes.core import clock
from mesa_tumbes.core.i18n import text
from mesa_tumbes.core.reference import load_reference
from mesa_tumbes.core.settings import Settings
from mesa_tumbes.core.smtp import SEND_ERRORS, outgoing
from mesa_tumbes.pipeline.mail_round import send_review_message
from mesa_tumbes.warehouse import review, store
from mesa_tumbes.warehouse.build import build
from mesa_tumbes.warehouse.lock import writer

log = logging.getLogger(__name__)
# How long a decision waits for a run that is writing the warehouse before it is refused as busy.
DECISION_WAIT_SECONDS = 60.0
# Decisions of one process (the console's threads) one after another: the file lock is per process.
_one_at_a_time = threading.Lock()
# Decisions the agency hears of (mail.review.<action> tells it): what it must do, or that figures it
# was told wait for the Mesa are now published.
TOLD = frozenset({"return", "decline", "ask", "approve", "accept"})
# What became of a decision's message: sent at once; waiting for the next run (the server did not
# answer); nowhere to send it (no address on file, or no mail server configured); nothing to tell.
Told = Literal["sent", "queued", "no_address", "no_server", ""]


def decide(settings: Settings, decision: review.Decision, password: str | None = None) -> review.Decided:
    """Carry out one decision; the marts and the analysts' copy follow when it applied, and the
    agency is told when the decision is one it hears of (`told` says how that went)."""
    (decided,) = decide_many(settings, [decision], password)
    return decided


def decide_many(
    settings: Settings, decisions: list[review.Decision], password: str | None = None
) -> list[review.Decided]:
    """Carry out several decisions (a batch approval) in one transaction, one audit line each; those
    whose slice changed since the officer saw it are refused and the others apply. The marts are
    rebuilt and the analysts' copy published once, and each agency is told."""
    tells = [recipients(d.agency) if d.action in TOLD and settings.mail.sends else None for d in decisions]
    officer = decisions[0].officer if decisions else ""
    with (
        _one_at_a_time,
        writer(settings.working, f"mesa revisar ({officer})", DECISION_WAIT_SECONDS),
    ):
        store.adopt(settings.working, settings.warehouse)
        store.migrate(settings.working)
        results = review.decide_many(settings.working, list(zip(decisions, tells, strict=True)))
        if not any(decided.applied for decided in results):
            return results
        reference = load_reference()
        today = clock.today(settings.timezone)
        build(settings.working, reference, today, settings.timezone, intersector=settings.intersector)
        results = [
            replace(decided, told=_tell(settings, decided, tell, password)) if decided.applied else decided
            for decided, tell in zip(results, tells, strict=True)
        ]
        store.publish(settings.working, settings.warehouse)
    for decided in results:
        if decided.applied:
            decision = decided.decision
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
    return results


def _tell(settings: Settings, decided: review.Decided, tell: list[str] | None, password: str | None) -> Told:
    """Send the decision's message now when the server answers; else it waits for the next run."""
    if decided.decision.action not in TOLD:
        return ""
    if tell is None:
        return "no_server"
    if not tell:
        return "no_address"
    (message,) = [m for m in review.review_messages(settings.working) if m.decision_id == decided.decision_id]
    try:
        with outgoing(str(settings.mail.smtp), str(settings.mail.sender), password, settings.tls) as session:
            return "sent" if send_review_message(session, message, settings) else "queued"
    except SEND_ERRORS as error:
        log.error(text(settings.lang, "log.smtp_unreachable", error=error))
        review.record_review_attempt(
            settings.working, message.decision_id, None, f"{type(error).__name__}: {error}"
        )
        return "queued"


def decided_text(decided: review.Decided, lang: str) -> str:
    """What the officer reads once a decision applied: what was done and what the agency was told
    (sent, waiting for the mail server, or to be told by other means)."""
    decision = decided.decision
    said = text(
        lang,
        "console.decided",
        action=text(lang, f"review.action.{decision.action}"),
        agency=decision.agency,
        period=decision.period,
    )
    if decided.told:
        said += " " + text(lang, f"console.told.{decided.told}", agency=decision.agency)
    return said
