"""A submission's steps as plain functions, the one sequence both the intake flow (as tasks) and
`mesa validate` (as a trial) go through: take (read -> validate -> triage, with what the warehouse
knows of duplicates, revisions and history), answer (the agency's feedback), load; and the answer to
a file the pipeline itself failed on."""

from __future__ import annotations

import datetime as dt
import shutil
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property, partial
from pathlib import Path
from typing import Any, TypeVar, cast

import pandas as pd

from mesa_tumbes.agency_feedback import answer as feedback
from mesa_tumbes.core import clock
from mesa_tumbes.core.config import Review
from mesa_tumbes.core.contract import COVER_COLUMNS, MONTH_PERIOD, QUARTER_PERIOD, ROW_COUNTS
from mesa_tumbes.core.faults import MachineError, interrupted, machine_fault
from mesa_tumbes.core.frames import stacked, unstacked
from mesa_tumbes.core.problems import Problem
from mesa_tumbes.core.reference import load_reference
from mesa_tumbes.core.settings import Settings
from mesa_tumbes.expectations.derived import Batched
from mesa_tumbes.expectations.triage import nothing_loaded, with_warning
from mesa_tumbes.expectations.validate import SuiteRunner, Validation
from mesa_tumbes.formats import submission
from mesa_tumbes.formats.outcome import Original, Outcome
from mesa_tumbes.formats.submission import ToValidate
from mesa_tumbes.pipeline.report import Entry
from mesa_tumbes.reception.inbox import InboxFile
from mesa_tumbes.reception.received import Received, receive
from mesa_tumbes.transforms.kept import keep_cells, worth_keeping
from mesa_tumbes.transforms.model import Parsed
from mesa_tumbes.transforms.read import Table, too_large
from mesa_tumbes.transforms.values import map_unique, period_in_name, period_kind
from mesa_tumbes.warehouse import store
from mesa_tumbes.warehouse.bookkeeping import FailureRecord, record_failure

T = TypeVar("T")
# A run takes its files in batches of about this many bytes (about 300,000 rows of CSV): what memory
# holds at once, while one Great Expectations validation per suite still covers many files.
BATCH_BYTES = 16 * 2**20


@dataclass(frozen=True)
class Read:
    """A submission received and read into its format's parts: what the run validates in bulk."""

    received: Received
    parsed: Parsed

    @cached_property
    def periods(self) -> frozenset[str]:
        """The well-formed periods its rows speak of: only those can revise another file's figures
        (a row whose period is "oct-26" is rejected, and must not hold the file back a round)."""
        return frozenset(
            period
            for part in self.parsed.parts
            for period in part.covers.get("period", pd.Series(dtype=object)).dropna().astype(str).unique()
            if MONTH_PERIOD.match(period) or QUARTER_PERIOD.match(period)
        )


def take(
    received: Received, settings: Settings, runner: SuiteRunner | None = None, trial: bool = False
) -> Outcome:
    """What the submission is: screened (its agency, a duplicate, too large), else read -> validate
    -> triage and what a revision would stop counting. Bad input never raises: it becomes problems.
    A trial (`mesa validate`) checks a file already received as if it were new, against the
    published copy (without one, the checks against the warehouse are left out)."""
    screened = screen(received, settings, trial)
    if screened is not None:
        return screened
    return judge([read(received, settings)], settings, runner, trial)[0]


def screen(received: Received, settings: Settings, trial: bool = False) -> Outcome | None:
    """The answer to a submission that is known without reading its rows: from a folder of no
    agency, the same bytes as an earlier submission of its agency (a duplicate), too large to read.
    None: it is to be read."""
    return screen_many([received], settings, trial)[0]


def screen_many(batch: list[Received], settings: Settings, trial: bool = False) -> list[Outcome | None]:
    """`screen` of each, asking the warehouse about duplicates once for them all."""
    now = dt.datetime.now(dt.UTC)
    known = [item for item in batch if item.file.agency is not None]
    originals = (
        {}
        if trial
        else store.first_with_contents(
            settings.working, [(item.agency, item.archived.sha256) for item in known]
        )
    )
    return [_screened(item, settings, originals, now) for item in batch]


def _screened(
    received: Received,
    settings: Settings,
    originals: dict[tuple[str, str], store.SubmissionRecord],
    now: dt.datetime,
) -> Outcome | None:
    if received.file.agency is None:
        problem = Problem(
            "structure.unknown_channel",
            value=received.file.channel,
            expected=", ".join(load_reference().agency_codes),
        )
        return Outcome(received, nothing_loaded("rejected"), [problem], now)
    if original := originals.get((received.agency, received.archived.sha256)):
        duplicate_of = Original(
            original.submission_id, original.file_name, original.received_at, original.status
        )
        return Outcome(received, nothing_loaded("duplicate"), [], now, duplicate_of=duplicate_of)
    limits = settings.limits
    if received.archived.size_bytes > limits.max_file_bytes:  # never read into memory
        problem = too_large(received.archived.size_bytes, limits.max_file_bytes)
        return Outcome(received, nothing_loaded("rejected"), [problem], now)
    return None


def archive_all(files: list[InboxFile], archive: Path) -> list[Received] | MachineError:
    """Each file's bytes into the archive, before anything reads them. A fault of the machine in the
    archive (its disk full, not writable) is returned, not raised: the run stops at once, without
    retrying what cannot succeed. An inbox file that cannot be read is the step's to report."""
    try:
        return [receive(file, archive) for file in files]
    except Exception as error:
        fault = machine_fault(error)
        if fault is None or not (fault.where == "" or Path(fault.where).is_relative_to(archive)):
            raise
        return fault.located(str(archive))


def read(received: Received, settings: Settings) -> Read:
    """The submission's bytes (as archived) read into its format's parts. Needs no warehouse: many
    are read at once, on the machine's cores or a cluster's workers."""
    return Read(received, submission.alone(begin_reading(received, settings)))


def begin_reading(
    received: Received, settings: Settings, keep: bool = False
) -> Parsed | submission.Suspended:
    """A submission's reading (its bytes as archived) up to the cells it asks to be normalised;
    `keep`: its cells kept for its annotated copy (a run's reading, not a trial's)."""
    content = received.archived.path.read_bytes()
    return submission.begin(
        submission.reading(
            received.file.relative_path,
            content,
            received.agency,
            load_reference(),
            settings.limits,
            partial(_keep, target=kept_cells_of(received, settings)) if keep else None,
        )
    )


def _keep(tables: list[Table], target: Path) -> None:
    """The cells of a file read, kept for its annotated copy when reading it again costs more."""
    if worth_keeping(tables):
        keep_cells(tables, target)


def kept_cells_of(received: Received, settings: Settings) -> Path:
    """Where the run keeps the cells of a file it read (by its bytes), until its feedback is written."""
    return settings.kept_cells / received.archived.sha256


def forget_kept_cells(settings: Settings) -> None:
    """The cells a run kept and did not use (a file not answered: a duplicate, a failure), gone."""
    shutil.rmtree(settings.kept_cells, ignore_errors=True)


def judge(
    batch: list[Read], settings: Settings, runner: SuiteRunner | None = None, trial: bool = False
) -> list[Outcome]:
    """Validate the submissions read together (one Great Expectations validation per suite), then
    judge each on its own: its status, the rows that load, what a revision would stop counting.
    Each is screened again first: one of an earlier round may have brought the same bytes."""
    warehouse = store.readable(settings.warehouse) if trial else settings.working
    screened = screen_many([item.received for item in batch], settings, trial)
    pending = [item for item, answer in zip(batch, screened, strict=True) if answer is None]
    # the series' history of every part read, asked of the warehouse at once the first time one is
    # needed; rows a format derives are asked about on their own
    history = Batched(
        [part.frame for item in pending for part in item.parsed.parts],
        partial(store.series_histories, warehouse),
    )
    validations = submission.validate_many(
        [ToValidate(item.parsed, item.received.agency, history) for item in pending],
        runner,
        clock.today(settings.timezone),
    )
    judged = iter(
        with_review(
            [
                outcome_of(item, validation, warehouse)
                for item, validation in zip(pending, validations, strict=True)
            ],
            settings.review,
            None if trial else warehouse,
        )
    )
    return [answer if answer is not None else next(judged) for answer in screened]


def with_review(outcomes: list[Outcome], review: Review, warehouse: Path | None) -> list[Outcome]:
    """Each outcome with what the review rule will make of the figures it loads, per period (as
    review_incoming.sql will decide it when it loads): approved, pending with why, or held as a
    revision of a month already approved. Its feedback tells the agency. A trial (no warehouse)
    says nothing of review."""
    if warehouse is None:
        return outcomes
    loading = [o for o in outcomes if submission.format_of(o.format).loads == "values" and o.periods]
    approved = store.approved_slices(warehouse, sorted({o.received.agency for o in loading}))
    told = {}
    for outcome in loading:
        rule = arrival(outcome, review)
        told[outcome.received.submission_id] = tuple(
            (period, "held", "revision")
            if (outcome.received.agency, period) in approved and not rule.approve_revisions
            else (period, rule.state, rule.reason)
            for period in outcome.periods
        )
    return [replace(o, review=told.get(o.received.submission_id, ())) for o in outcomes]


def outcome_of(item: Read, validation: Validation, warehouse: Path | None) -> Outcome:
    """One submission's outcome from its validation."""
    parsed = item.parsed
    verdict = submission.verdict(parsed, validation)
    problems = validation.problems
    if parsed.format is not None and submission.format_of(parsed.format).revises:
        losses = revision_losses(warehouse, item.received, verdict.accepted)
        problems = [*problems, *losses]
        verdict = with_warning(verdict) if losses else verdict
    return Outcome(
        received=item.received,
        verdict=verdict,
        problems=problems,
        processed_at=dt.datetime.now(dt.UTC),
        not_evaluated=validation.not_evaluated,
        sheet=parsed.sheet,
        header_row=parsed.header_row,
        format=parsed.format,
        parts=parsed.parts,
        results=validation.results,
    )


def batches(received: list[Received], limit_bytes: int | None = None) -> list[list[Received]]:
    """The run's files in consecutive batches of at most `limit_bytes` (BATCH_BYTES by default; a
    larger file alone): a batch's rows are held in memory together while they are read, validated
    and answered (and the next batch's while it is read)."""
    limit_bytes = BATCH_BYTES if limit_bytes is None else limit_bytes
    found: list[list[Received]] = []
    size = 0
    for item in received:
        if not found or size + item.archived.size_bytes > limit_bytes:
            found.append([])
            size = 0
        found[-1].append(item)
        size += item.archived.size_bytes
    return found


def rounds(batch: list[Read]) -> list[list[Read]]:
    """The submissions of a run in rounds that are validated together, in the order received. A
    submission waits for a later round when an earlier one of its agency brings the same bytes
    (then it is a duplicate) or figures for one of its periods (then it revises them, and its
    feedback says what it stops counting): each round sees the ones before it loaded."""
    placed: list[tuple[Read, int]] = []
    for item in batch:
        after = [
            number
            for earlier, number in placed
            if earlier.received.agency == item.received.agency
            and (
                earlier.received.archived.sha256 == item.received.archived.sha256
                or earlier.periods & item.periods
            )
        ]
        placed.append((item, max(after, default=-1) + 1))
    count = max((number for _, number in placed), default=-1) + 1
    return [[item for item, number in placed if number == round_number] for round_number in range(count)]


def answer(outcome: Outcome, settings: Settings, trial: bool = False) -> Path:
    """The agency's feedback folder; Great Expectations' own results kept for the officer (not for a
    trial, which leaves nothing behind but its feedback). A trial keeps no cells, so it neither uses
    nor removes those a run may be keeping for the same bytes."""
    kept = None if trial else kept_cells_of(outcome.received, settings)
    try:
        if not trial:
            feedback.keep_validation_results(outcome, settings.validations)
        return feedback.write_feedback(
            outcome, settings.feedback, settings.lang, settings.timezone, trial, kept
        )
    finally:
        if kept is not None:
            kept.unlink(missing_ok=True)


def withdraw(outcomes: list[Outcome], settings: Settings) -> None:
    """Take back the feedback written for submissions that were not loaded because the machine
    failed the run: no agency reads an answer about a file the next run takes again."""
    for outcome in outcomes:
        shutil.rmtree(settings.feedback / feedback.feedback_path(outcome), ignore_errors=True)


def load(outcome: Outcome, settings: Settings) -> None:
    """Register the submission and load its rows, in one transaction."""
    store.load_submission(settings.working, **vars(to_load(outcome, review=settings.review)))


# The review settings of a load that names none (operations.yaml's defaults).
NO_REVIEW_SET = Review()


def to_load(
    outcome: Outcome, covered: pd.DataFrame | None = None, review: Review = NO_REVIEW_SET
) -> store.ToLoad:
    """What registering and loading the submission takes: its record, rows and coverage (`covered`
    when it was computed with others', see coverages), and what the review rule makes of it."""
    loads = submission.format_of(outcome.format).loads
    record = record_for(outcome, feedback.feedback_path(outcome))
    covered = coverage(outcome) if covered is None else covered
    return store.ToLoad(
        record, outcome.verdict.accepted, covered, loads, arrival(outcome, review), outcome.verdict.details
    )


def arrival(outcome: Outcome, review: Review) -> store.Arrival:
    """The rule in operations.yaml applied to a file's figures: approved on arrival, or pending with
    the reason it waits. Mail whose sender the server did not authenticate always waits."""
    if not outcome.received.file.sender_verified:
        return store.Arrival("pending", "unverified_sender", approve_revisions=False)
    warned = outcome.verdict.rows_warned or outcome.verdict.status == "accepted_with_warnings"
    if warned and review.auto_approve != "all":  # an unusual value, a total above its parts, a dropped figure
        return store.Arrival("pending", "warning", approve_revisions=False)
    if review.auto_approve == "none":
        return store.Arrival("pending", "rule", approve_revisions=False)
    return store.Arrival("approved", review.auto_approve, approve_revisions=review.approves_revisions)


@dataclass(frozen=True)
class Fault:
    """A step the pipeline itself failed at on one submission: a bug or the machine, never the file
    (bad input becomes problems). Plain text, so that it crosses processes and cluster workers."""

    received: Received
    step: str  # read, validate, feedback or load
    error: str  # "ExceptionType: message", for the officer
    trace: str = ""


def guarded(step: str, received: Received, work: Callable[[], T]) -> T | Fault:
    """`work()`, or the Fault it raised: one submission's failure never stops the others'. A fault
    of the machine (a full disk, a folder it may not write, an invalidated database) is no file's:
    it is raised as a MachineError, and stops the run."""
    try:
        return work()
    except Exception as error:
        if interrupted(error):
            raise KeyboardInterrupt from error
        fault = machine_fault(error)
        if fault is not None:
            raise fault from error
        return Fault(received, step, f"{type(error).__name__}: {error}", traceback.format_exc())


def read_all(received: list[Received], settings: Settings) -> list[Read | Fault | MachineError]:
    """`read` for each (a chunk of a run's files, on one worker), the cells they ask to be normalised
    normalised together (most of reading a small file was pandas' fixed cost per operation, paid once
    per file); a fault of the machine ends the list there."""
    states = until_machine_fault(
        [
            partial(guarded, "read", item, partial(begin_reading, item, settings, keep=True))
            for item in received
        ]
    )
    while waiting := [n for n, state in enumerate(states) if isinstance(state, submission.Suspended)]:
        suspended = [cast(submission.Suspended, states[n]) for n in waiting]
        for n, state, frames in zip(waiting, suspended, _normalised(suspended), strict=True):
            try:
                states[n] = guarded("read", received[n], partial(_resume, state, frames))
            except MachineError as fault:
                states[n : len(states)] = [fault]  # the list ends there
                break
    return [
        Read(item, state) if isinstance(state, Parsed) else cast(Fault | MachineError, state)
        for item, state in zip(received, states, strict=False)  # none suspended any more
    ]


def _normalised(waiting: list[submission.Suspended]) -> list[list[pd.DataFrame] | None]:
    """What each waiting reading asked for, normalised together; None for each if that fails."""
    asked = [request for state in waiting for request in state.asked]
    try:
        frames = iter(submission.normalised(asked))
    except Exception:  # found again file by file: only the file that fails it gets the fault
        return [None for _ in waiting]
    return [[next(frames) for _ in state.asked] for state in waiting]


def _resume(state: submission.Suspended, frames: list[pd.DataFrame] | None) -> Parsed | submission.Suspended:
    """A reading on with its frames (None: normalised on its own, its error its own)."""
    return state.resume(submission.normalised(state.asked) if frames is None else frames)


def answer_all(outcomes: list[Outcome], settings: Settings) -> list[Path | Fault | MachineError]:
    """`answer` for each (a chunk of a run's submissions, on one worker); a fault of the machine ends
    the list there."""
    return until_machine_fault(
        [
            partial(guarded, "feedback", outcome.received, partial(answer, outcome, settings))
            for outcome in outcomes
        ]
    )


def prepare_loads(outcomes: list[Outcome], settings: Settings) -> list[store.ToLoad | Fault]:
    """What loading each takes (its record, rows and coverage, what the review rule makes of it),
    counted for all at once. Nothing is written: the one writer prepares a round's loads while the
    workers write its feedback, and loads those answered."""
    covered = coverages(outcomes)
    return [
        guarded("load", outcome.received, partial(to_load, outcome, rows, settings.review))
        for outcome, rows in zip(outcomes, covered, strict=True)
    ]


def load_all(
    outcomes: list[Outcome], settings: Settings, prepared: list[store.ToLoad | Fault] | None = None
) -> list[Fault | MachineError | None]:
    """`load` for each, in order, each in its own transaction (the one writer), their rows staged
    together; `prepared`: what `prepare_loads` gave for the same outcomes, if it was asked before. A
    fault of the machine ends the list there: the submissions after it are not tried (nor loaded)."""
    prepared = prepare_loads(outcomes, settings) if prepared is None else prepared
    loading = store.load_submissions(
        settings.working, [item for item in prepared if not isinstance(item, Fault)]
    )
    done: list[Fault | MachineError | None] = []
    for outcome, item in zip(outcomes, prepared, strict=True):
        if isinstance(item, Fault):
            done.append(item)
            continue
        error = next(loading)
        machine = machine_fault(error) if error is not None else None
        if machine is not None:
            done.append(machine)
            break
        done.append(None if error is None else Fault(outcome.received, "load", _said(error), _trace(error)))
    loading.close()  # the round's closing statements (warehouse.store.load_submissions)
    return done


def _said(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _trace(error: BaseException) -> str:
    return "".join(traceback.format_exception(error))


def until_machine_fault(steps: list[Callable[[], T]]) -> list[T | MachineError]:
    """Each step's result in order, until one meets a fault of the machine: that fault ends the list
    (returned, not raised: a worker's task ends normally, and the flow stops the run)."""
    done: list[T | MachineError] = []
    for step in steps:
        try:
            done.append(step())
        except MachineError as fault:
            done.append(fault)
            break
    return done


def answer_failure(fault: Fault, settings: Settings) -> Entry:
    """A file the pipeline failed on still gets a status and feedback: the failure is counted (set
    aside after settings.max_attempts runs) and the agency told, in plain words, what comes next.
    If even counting it fails, the agency is told all the same (as a first attempt)."""
    received, step = fault.received, fault.step
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
        error=fault.error,
        feedback_path=feedback.received_path(received),
        named_period=named_period(received),
    )
    try:
        attempts, set_aside = record_failure(settings.working, record, settings.max_attempts)
    except Exception as error:
        machine = machine_fault(error)
        if machine is not None:
            raise machine from error
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


COVERAGE_COLUMNS = ["period", "indicator", "rows_read", "rows_loaded"]
# In a round's rows counted together: which outcome (its place in the list) they are of.
OUTCOME = "outcome"


def coverage(outcome: Outcome) -> pd.DataFrame:
    """Rows read and loaded per period and indicator: what the file covered, valid or not. Rows whose
    period or indicator is not a valid code cannot be placed and are left out."""
    return coverages([outcome])[0]


def coverages(outcomes: list[Outcome]) -> list[pd.DataFrame]:
    """`coverage` of each outcome, counted for all of them at once."""
    read = [
        (number, part.covers)
        for number, outcome in enumerate(outcomes)
        for part in outcome.parts
        if not part.covers.empty
    ]
    if not read:
        return [pd.DataFrame(columns=COVERAGE_COLUMNS) for _ in outcomes]
    keys = [OUTCOME, "period", "indicator"]
    rows = stacked(read, OUTCOME, COVER_COLUMNS).dropna().drop_duplicates()
    accepted = [
        (number, outcome.verdict.accepted)
        for number, outcome in enumerate(outcomes)
        if {"period", "indicator"} <= set(outcome.verdict.accepted.columns)
    ]
    counts = rows.groupby(keys).size().rename("rows_read").to_frame()
    if accepted:
        loaded = stacked(accepted, OUTCOME, COVER_COLUMNS).drop_duplicates()
        counts["rows_loaded"] = loaded.groupby(keys).size()
    else:
        counts["rows_loaded"] = 0
    counts = counts.fillna({"rows_loaded": 0}).astype({"rows_loaded": "int64"}).reset_index()
    known = map_unique(counts["period"], lambda period: period_kind(period) is not None).astype(bool)
    counts = counts.loc[known & counts["indicator"].isin(load_reference().indicator_codes)]
    return unstacked(counts, OUTCOME, len(outcomes), COVERAGE_COLUMNS)


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
        **cast("dict[str, Any]", dict.fromkeys(ROW_COUNTS, 0)),
        format=None,
        feedback=str(folder),
        name=received.file.shown_name,
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
        name=outcome.received.file.shown_name,
    )
