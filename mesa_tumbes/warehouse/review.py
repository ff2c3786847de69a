"""Review and approval of agency-period slices: the officer's decisions, each atomic and audited.

A submission's values for a slice arrive with a review state (warehouse/queries/review_incoming.sql):
approved by the rule, pending, or held when they propose a revision of an approved slice. Only
approved slices are published (the marts read them). A decision names the slice, the submission and
the version of the review row the officer saw: if the row changed since, the decision is refused and
the current state returned (no lost update); two decisions on the same row give one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd

from mesa_tumbes.warehouse.store import connect, query, run

Action = Literal["approve", "return", "reopen", "accept", "decline", "ask"]
ACTIONS: tuple[Action, ...] = ("approve", "return", "reopen", "accept", "decline", "ask")
# What each decision does: the state it applies to and the state it leaves; whether it needs a comment.
TRANSITIONS: dict[Action, tuple[str, str]] = {
    "approve": ("pending", "approved"),
    "return": ("pending", "returned"),
    "reopen": ("approved", "pending"),
    "accept": ("held", "approved"),
    "decline": ("held", "declined"),
    "ask": ("pending", "pending"),  # a question on flagged values: the slice waits for the answer
}
NEEDS_COMMENT: frozenset[Action] = frozenset({"return", "reopen", "decline", "ask"})
# What the review queue lists: waiting for a decision, and returned to the agency.
OPEN_STATES = ("held", "pending", "returned")
STATES = (*OPEN_STATES, "approved", "declined", "superseded")


@dataclass(frozen=True)
class Decision:
    """What an officer decided on one agency-period slice, as seen at `version`."""

    action: Action
    agency: str
    period: str
    submission_id: str
    version: int
    officer: str
    comment: str = ""


@dataclass(frozen=True)
class Decided:
    """A decision's result: applied, or refused with why (`refusal`: changed, not_allowed,
    comment_needed, unknown) and the row as it stands now."""

    decision: Decision
    applied: bool
    refusal: str = ""
    state: str = ""  # the review state now
    version: int = 0
    value_before: float | None = None
    value_after: float | None = None
    replaced: str | None = None  # the submission an accepted revision replaced
    figures: tuple[Figure, ...] = ()  # per indicator, what is published before and after
    decision_id: str = ""
    told: str = ""  # what became of its message to the agency (pipeline.review.Told)


@dataclass(frozen=True)
class Figure:
    """One indicator's published figure before and after a decision (None: nothing published)."""

    indicator: str
    before: float | None
    after: float | None


def slices(path: Path, states: tuple[str, ...] = OPEN_STATES) -> pd.DataFrame:
    """The review rows in `states`, with their file and figures beside what is published."""
    with connect(path, read_only=True) as connection:
        return connection.execute(query("review_slices"), {"states": list(states)}).df()


def audit(path: Path, agency: str | None = None, limit: int = 200) -> pd.DataFrame:
    """The audit trail, newest first."""
    with connect(path, read_only=True) as connection:
        return connection.execute(query("review_audit"), {"agency": agency, "limit": limit}).df()


def decide(path: Path, decision: Decision, tell: list[str] | None = None) -> Decided:
    """Apply the decision in one transaction, with its audit line, or refuse it. With `tell` (the
    agency's addresses, maybe none), what the decision tells the agency is recorded in the same
    transaction, to be sent (review_messages): a message is never lost, even if the mail server is
    down when the officer decides."""
    (decided,) = decide_many(path, [(decision, tell)])
    return decided


def decide_many(path: Path, decisions: list[tuple[Decision, list[str] | None]]) -> list[Decided]:
    """Several decisions (a batch approval) in one transaction, each with its audit line (and its
    message, where it has addresses to tell): those whose slice changed since the officer saw it, or
    that its state does not allow, are refused and change nothing; the others apply together."""
    with connect(path) as connection:
        connection.begin()
        try:
            results = [_apply(connection, decision, tell) for decision, tell in decisions]
            connection.commit()
        except duckdb.TransactionException:  # another decision on the same rows committed first
            connection.rollback()
            return [Decided(decision, False, "changed") for decision, _ in decisions]
        except BaseException:
            connection.rollback()
            raise
    return results


def _apply(connection: duckdb.DuckDBPyConnection, decision: Decision, tell: list[str] | None) -> Decided:
    """One decision inside the caller's transaction: applied with its audit line, or refused
    (nothing written)."""
    source, target = TRANSITIONS[decision.action]
    if decision.action in NEEDS_COMMENT and not decision.comment.strip():
        return Decided(decision, False, "comment_needed")
    key = {"agency": decision.agency, "period": decision.period, "submission_id": decision.submission_id}
    found = connection.execute(query("review_row"), key).fetchone()
    if found is None:
        return Decided(decision, False, "unknown")
    state, version = str(found[0]), int(found[1])
    if version != decision.version or state != source:
        refusal = "changed" if version != decision.version else "not_allowed"
        return Decided(decision, False, refusal, state, version)
    before = _published(connection, decision)
    replaced = _take_slice(connection, decision) if decision.action == "accept" else None
    connection.execute(
        query("review_update"),
        {**key, "state": target, "reason": decision.comment.strip() or decision.action},
    )
    after = _published(connection, decision)
    figures = _figures(before, after)
    decision_id = str(uuid.uuid4())
    connection.execute(
        query("review_record"),
        {
            **key,
            "id": decision_id,
            "officer": decision.officer,
            "action": decision.action,
            "replaced": replaced,
            "before_state": state,
            "after_state": target,
            "comment": decision.comment.strip(),
            "before": _summed(before),
            "after": _summed(after),
        },
    )
    if tell is not None:
        connection.execute(
            query("record_review_message"),
            {**key, "id": decision_id, "action": decision.action,
             "comment": decision.comment.strip(), "recipients": ", ".join(tell)},
        )  # fmt: skip
    if figures:
        connection.executemany(
            query("record_decision_figures"),
            [
                {"id": decision_id, "indicator": f.indicator, "before": f.before, "after": f.after}
                for f in figures
            ],
        )
    return Decided(
        decision,
        True,
        "",
        target,
        version + 1,
        _summed(before),
        _summed(after),
        replaced,
        figures,
        decision_id,
    )


def _published(connection: duckdb.DuckDBPyConnection, decision: Decision) -> dict[str, float]:
    """Per indicator, what is published for the decision's slice as it stands in the transaction."""
    rows = connection.execute(
        query("published_figures"), {"agency": decision.agency, "period": decision.period}
    ).fetchall()
    return {str(indicator): float(people) for indicator, people in rows}


def _figures(before: dict[str, float], after: dict[str, float]) -> tuple[Figure, ...]:
    return tuple(Figure(i, before.get(i), after.get(i)) for i in sorted({*before, *after}))


def _summed(figures: dict[str, float]) -> float | None:
    """The audit line's one number: the indicators' figures added up (they are not distinct people:
    each indicator is in review_decision_figures), None when nothing is published."""
    return sum(figures.values()) if figures else None


def _take_slice(connection: duckdb.DuckDBPyConnection, decision: Decision) -> str | None:
    """An accepted revision becomes the slice's current submission; returns the one it replaced."""
    key = {"agency": decision.agency, "period": decision.period}
    holder = connection.execute(
        "select submission_id from current_slices where agency = $agency and period = $period", key
    ).fetchone()
    replaced = None if holder is None else str(holder[0])
    run(
        connection,
        "review_take_slice",
        {**key, "replaced": replaced, "submission_id": decision.submission_id},
    )
    return replaced


@dataclass(frozen=True)
class Thread:
    """A submission as its agency knows it: its file's name and, if it came by mail, its thread."""

    file_name: str
    subject: str
    message_id: str
    references: str


def thread_of(path: Path, submission_id: str) -> Thread | None:
    with connect(path, read_only=True) as connection:
        found = connection.execute(query("submission_thread"), {"submission_id": submission_id}).fetchone()
    return None if found is None else Thread(*(str(value) for value in found))


@dataclass(frozen=True)
class ReviewMessage:
    """What a decision tells the agency, and whether it went."""

    decision_id: str
    agency: str
    period: str
    submission_id: str
    action: str
    comment: str
    recipients: str
    recorded_at: dt.datetime
    attempts: int
    last_tried_at: dt.datetime | None
    delivered_at: dt.datetime | None
    last_error: str | None

    @property
    def to(self) -> list[str]:
        return [address.strip() for address in self.recipients.split(",") if address.strip()]


def review_messages(path: Path, waiting: bool = True) -> list[ReviewMessage]:
    """The decisions' messages (only those still to send, with somewhere to go, when `waiting`),
    oldest first."""
    with connect(path, read_only=True) as connection:
        rows = connection.execute(query("review_messages"), {"waiting": waiting}).fetchall()
    return [ReviewMessage(*row) for row in rows]


def record_review_attempt(
    path: Path, decision_id: str, delivered_at: dt.datetime | None, error: str | None
) -> None:
    """One attempt to send a decision's message: delivered, or failed with why."""
    with connect(path) as connection:
        connection.execute(
            query("review_message_attempt"),
            {"id": decision_id, "delivered_at": delivered_at, "error": error},
        )
