"""A submission's steps as plain functions, the one sequence both the intake flow (as tasks) and
`mesa validate` (as a trial) go through: take (read -> validate -> triage, with what the warehouse
knows of duplicates, revisions and history), answer (the agency's feedback), load; and the answer to
a file the pipeline itself failed on."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import pandas as pd

from agency_feedback import answer as feedback
from core import clock
from core.contract import ROW_COUNTS
from core.problems import Problem
from core.reference import load_reference
from core.settings import Settings
from expectations.triage import nothing_loaded, with_warning
from expectations.validate import SuiteRunner
from formats import submission
from formats.outcome import Original, Outcome
from pipeline.report import Entry
from reception.received import Received
from transforms.read import too_large
from transforms.values import period_in_name, period_kind
from warehouse import store
from warehouse.operations import FailureRecord, record_failure


def take(
    received: Received, settings: Settings, runner: SuiteRunner | None = None, trial: bool = False
) -> Outcome:
    """What the submission is: its agency, whether its bytes were received before (a duplicate),
    then read -> validate -> triage and what a revision would stop counting. Bad input never raises:
    it becomes problems. A trial (`mesa validate`) checks a file already received as if it were new,
    against the published copy (without one, the checks against the warehouse are left out)."""
    now = dt.datetime.now(dt.UTC)
    reference = load_reference()
    warehouse = store.readable(settings.warehouse) if trial else settings.working
    if received.file.agency is None:
        problem = Problem(
            "structure.unknown_channel",
            value=received.file.channel,
            expected=", ".join(reference.agency_codes),
        )
        return Outcome(received, nothing_loaded("rejected"), [problem], now)
    if not trial and (
        original := store.first_with_content(warehouse, received.agency, received.archived.sha256)
    ):
        duplicate_of = Original(
            original.submission_id, original.file_name, original.received_at, original.status
        )
        return Outcome(received, nothing_loaded("duplicate"), [], now, duplicate_of=duplicate_of)
    limits = settings.limits
    if received.archived.size_bytes > limits.max_file_bytes:  # never read into memory
        problem = too_large(received.archived.size_bytes, limits.max_file_bytes)
        return Outcome(received, nothing_loaded("rejected"), [problem], now)
    checked = submission.check(
        received.file.relative_path,
        received.archived.path.read_bytes(),
        received.agency,
        runner,
        limits,
        today=clock.today(settings.timezone),
        history=partial(store.series_history, warehouse),
    )
    parsed, validation, verdict = checked.parsed, checked.validation, checked.verdict
    problems = validation.problems
    if parsed.format is not None and submission.format_of(parsed.format).revises:
        losses = revision_losses(warehouse, received, verdict.accepted)
        problems = [*problems, *losses]
        verdict = with_warning(verdict) if losses else verdict
    return Outcome(
        received=received,
        verdict=verdict,
        problems=problems,
        processed_at=now,
        not_evaluated=validation.not_evaluated,
        sheet=parsed.sheet,
        header_row=parsed.header_row,
        format=parsed.format,
        parts=parsed.parts,
        results=validation.results,
    )


def answer(outcome: Outcome, settings: Settings, trial: bool = False) -> Path:
    """The agency's feedback folder; Great Expectations' own results kept for the officer (not for a
    trial, which leaves nothing behind but its feedback)."""
    if not trial:
        feedback.keep_validation_results(outcome, settings.validations)
    return feedback.write_feedback(outcome, settings.feedback, settings.lang, settings.timezone, trial)


def load(outcome: Outcome, settings: Settings) -> None:
    """Register the submission and load its rows, in one transaction."""
    loads = submission.format_of(outcome.format).loads
    record = record_for(outcome, feedback.feedback_path(outcome))
    store.load_submission(settings.working, record, outcome.verdict.accepted, coverage(outcome), loads)


def answer_failure(received: Received, step: str, error: BaseException, settings: Settings) -> Entry:
    """A file the pipeline failed on still gets a status and feedback: the failure is counted (set
    aside after settings.max_attempts runs) and the agency told, in plain words, what comes next.
    If even counting it fails, the agency is told all the same (as a first attempt)."""
    record = FailureRecord(
        submission_id=received.submission_id,
        agency=received.agency,
        channel=received.file.channel,
        file_name=received.file.relative_path,
        sha256=received.archived.sha256,
        size_bytes=received.archived.size_bytes,
        received_at=received.file.received_at,
        failed_at=dt.datetime.now(dt.UTC),
        step=step,
        error=f"{type(error).__name__}: {error}",
        feedback_path=feedback.received_path(received),
        named_period=named_period(received),
    )
    try:
        attempts, set_aside = record_failure(settings.working, record, settings.max_attempts)
    except Exception:
        attempts, set_aside = 1, False
    folder = feedback.write_failure_feedback(
        received,
        attempts,
        settings.max_attempts,
        set_aside,
        settings.feedback,
        settings.lang,
        settings.timezone,
    )
    return failure_entry(received, "set_aside" if set_aside else "failed", folder)


def revision_losses(warehouse: Path | None, received: Received, accepted: pd.DataFrame) -> list[Problem]:
    """A warning per period where this file replaces another without restating all of its figures."""
    losses = store.slice_losses(warehouse, received.agency, received.file.received_at, accepted)
    return [
        Problem(
            "consistency.revision_drops_values",
            value=loss.file_name,
            expected=loss.period,
            rows=str(loss.dropped_values),
            detail=loss.indicators,
        )
        for loss in losses
    ]


def named_period(received: Received) -> str | None:
    """The month the file's name speaks of, if any (a day in UTC is close enough to say it)."""
    return period_in_name(received.file.relative_path, received.file.received_at.date())


def coverage(outcome: Outcome) -> pd.DataFrame:
    """Rows read and loaded per period and indicator: what the file covered, valid or not. Rows whose
    period or indicator is not a valid code cannot be placed and are left out."""
    columns = ["period", "indicator", "rows_read", "rows_loaded"]
    frames = [part.covers for part in outcome.parts if not part.covers.empty]
    if not frames:
        return pd.DataFrame(columns=columns)
    read = pd.concat(frames)[["period", "indicator", "row_number"]].dropna().drop_duplicates()
    loaded = outcome.verdict.accepted[["period", "indicator", "row_number"]].drop_duplicates()
    counts = read.groupby(["period", "indicator"]).size().rename("rows_read").to_frame()
    counts["rows_loaded"] = loaded.groupby(["period", "indicator"]).size()
    counts = counts.fillna({"rows_loaded": 0}).astype({"rows_loaded": "int64"}).reset_index()
    known = counts["period"].map(lambda period: period_kind(period) is not None)
    codes = known & counts["indicator"].isin(load_reference().indicator_codes)
    return counts.loc[codes, columns]


def record_for(outcome: Outcome, feedback_path: str) -> store.SubmissionRecord:
    """The registry row of a submission whose feedback is at `feedback_path` (relative)."""
    received, verdict = outcome.received, outcome.verdict
    return store.SubmissionRecord(
        submission_id=received.submission_id,
        agency=received.agency,
        file_name=received.file.relative_path,
        sha256=received.archived.sha256,
        size_bytes=received.archived.size_bytes,
        received_at=received.file.received_at,
        processed_at=outcome.processed_at,
        status=verdict.status,
        rows_read=verdict.rows_read,
        rows_loaded=verdict.rows_loaded,
        rows_rejected=verdict.rows_rejected,
        rows_warned=verdict.rows_warned,
        duplicate_of=outcome.duplicate_of.submission_id if outcome.duplicate_of else None,
        feedback_path=feedback_path,
        format=outcome.format or "unknown",
        rows_excluded=verdict.rows_excluded,
        channel=received.file.channel,
        named_period=named_period(received),
    )


def failure_entry(received: Received, status: str, folder: Path) -> Entry:
    """The run report's entry of a file the pipeline failed on: nothing read, nothing loaded."""
    return Entry(
        file=received.file.label,
        agency=received.agency,
        sha256=received.archived.sha256,
        submission_id=received.submission_id,
        status="set_aside" if status == "set_aside" else "failed",
        **dict.fromkeys(ROW_COUNTS, 0),
        format=None,
        feedback=str(folder),
    )


def report_entry(outcome: Outcome, folder: Path) -> Entry:
    """The submission's entry in a run's report (`mesa run --json`, `mesa validate --json`)."""
    return Entry(
        file=outcome.received.file.label,
        agency=outcome.received.agency,
        sha256=outcome.received.archived.sha256,
        submission_id=outcome.received.submission_id,
        status=outcome.status,
        **outcome.verdict.counts,
        format=outcome.format,
        feedback=str(folder),
    )
