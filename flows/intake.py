"""The intake flow: every new file in the inboxes is archived, validated, answered and loaded.

The flow only wires tasks; what each step does is pipeline/intake.py. One submission the pipeline
fails on never stops the others: its agency is answered, the run reports it and ends in a Failed
state, and the file is retried on the next runs, then set aside. An inbox that does not answer is
retried with backoff, then reported; the run fails only if no inbox could be read.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE
from prefect.states import Failed

from core.i18n import text
from core.reference import load_reference
from core.settings import Settings, resolve_settings
from flows.common import busy_holder, busy_state, run_once, update_marts, writing_run
from flows.progress import Progress
from formats.outcome import Outcome
from pipeline import intake
from pipeline.report import Entry, RunReport
from reception import inbox as inbox_reader
from reception.inbox import InboxFile
from reception.received import Received, receive
from warehouse import store
from warehouse.lock import WarehouseBusyError
from warehouse.operations import failures
from warehouse.store import WarehouseInUseError

ARTIFACT_KEY = "mesa-intake-run"


@task(cache_policy=NONE, task_run_name="list {location}")
def list_inbox(location: str) -> list[inbox_reader.InboxFile]:
    return inbox_reader.discover(location, load_reference())


@task(cache_policy=NONE)
def seen_files(settings: Settings) -> set[tuple[str, str, int, dt.datetime]]:
    return store.seen_files(settings.working)


@task(cache_policy=NONE)
def remember_seen(received: Received, settings: Settings) -> None:
    file = received.file
    store.remember_seen(
        settings.working,
        file.channel,
        file.relative_path,
        file.size_bytes,
        file.received_at,
        received.submission_id,
    )


@task(cache_policy=NONE, retries=2, retry_delay_seconds=[2, 10], task_run_name="archive {file.label}")
def archive_submission(file: InboxFile, settings: Settings) -> Received:
    return receive(file, settings.archive)


@task(cache_policy=NONE, task_run_name="validate {received.file.label}")
def validate_submission(received: Received, settings: Settings) -> Outcome:
    return intake.take(received, settings)


@task(cache_policy=NONE, task_run_name="feedback {outcome.received.file.label}")
def deliver_feedback(outcome: Outcome, settings: Settings) -> Path:
    return intake.answer(outcome, settings)


@task(cache_policy=NONE, task_run_name="load {outcome.received.file.label}")
def load_submission(outcome: Outcome, settings: Settings) -> None:
    intake.load(outcome, settings)


@task(cache_policy=NONE, task_run_name="answer the failure on {received.file.label}")
def answer_failure(received: Received, step: str, error: BaseException, settings: Settings) -> Entry:
    entry = intake.answer_failure(received, step, error, settings)
    key = "log.set_aside" if entry.status == "set_aside" else "log.failed"
    attempts = next(
        (f.attempts for f in failures(settings.working) if f.submission_id == entry.submission_id), 1
    )
    get_run_logger().error(text(settings.lang, key, file=received.file.label, attempts=attempts, step=step))
    return entry


@task(cache_policy=NONE)
def publish_run_summary(submissions: list[Entry], lang: str) -> None:
    columns = ["file", "agency", "status", "rows_read", "rows_loaded", "rows_rejected", "rows_warned"]
    create_table_artifact(
        key=ARTIFACT_KEY,
        table=[{text(lang, f"artifact.{c}"): getattr(entry, c) for c in columns} for entry in submissions],
        description=text(lang, "artifact.description"),
    )


def list_inboxes(settings: Settings) -> tuple[list[InboxFile], list[str]]:
    """Every file of every inbox, and the inboxes that could not be read after the retries."""
    retries = settings.inbox_retries
    lister = list_inbox.with_options(
        retries=retries.attempts,
        retry_delay_seconds=[retries.delay_seconds * 2**n for n in range(retries.attempts)],
    )
    files: list[InboxFile] = []
    unreachable: list[str] = []
    for location in settings.inboxes:
        state = lister(location, return_state=True)
        if state.is_completed():
            files += state.result()
        else:
            get_run_logger().error(
                text(settings.lang, "log.inbox_unreachable", inbox=location, error=state.message or "")
            )
            unreachable.append(location)
    return files, unreachable


def log_outcome(outcome: Outcome, lang: str) -> None:
    logger = get_run_logger()
    label, verdict = outcome.received.file.label, outcome.verdict
    if outcome.duplicate_of is not None:
        logger.info(text(lang, "log.duplicate", file=label, original=outcome.duplicate_of.file_name))
        return
    logger.info(
        text(
            lang,
            "log.submission",
            file=label,
            status=text(lang, f"status.{verdict.status}"),
            read=verdict.rows_read,
            loaded=verdict.rows_loaded,
            rejected=verdict.rows_rejected,
            warned=verdict.rows_warned,
        )
    )


def take_files(settings: Settings, files: list[InboxFile], report: RunReport) -> None:
    """Each new file through archive, validation, feedback and load; a file that breaks the pipeline
    is reported and left for the next run, the others go on."""
    logger, lang = get_run_logger(), settings.lang
    known = store.registered_ids(settings.working)
    seen = seen_files(settings)
    progress = Progress(len(files), lang)
    for file in files:
        progress.advance(file.label)
        if file.seen_key in seen:
            report.skipped += 1  # the same file, unchanged since it was processed: not even read
            continue
        try:
            received = archive_submission(file, settings)
        except Exception:  # the inbox could not be read: nothing is known of the file yet
            logger.exception(text(lang, "log.not_archived", file=file.label))
            report.failed.append(file.label)
            continue
        if received.submission_id in known:  # its bytes again, under a new time: remembered as seen
            remember_seen(received, settings)
            report.skipped += 1
            continue
        step = "validate"
        try:
            outcome = validate_submission(received, settings)
            step = "feedback"
            folder = deliver_feedback(outcome, settings)
            step = "load"
            load_submission(outcome, settings)
        except WarehouseInUseError:
            logger.error(text(lang, "log.warehouse_in_use", file=file.label, path=settings.working))
            report.failed.append(file.label)
            continue
        except Exception as error:
            logger.exception(text(lang, "log.pipeline_error", file=file.label, step=step))
            report.failed.append(file.label)
            report.submissions.append(answer_failure(received, step, error, settings))
            continue
        known.add(received.submission_id)
        log_outcome(outcome, lang)
        report.submissions.append(intake.report_entry(outcome, folder))
    progress.close()


@flow(name="mesa-intake", log_prints=False)
def intake_flow(settings: Settings | None = None) -> Any:
    """Take every new file in the inboxes' <AGENCY>/ folders: archive, validate, give feedback, load,
    then rebuild the gap tables. Without settings (a scheduled run), they come from the environment."""
    settings = settings or resolve_settings()
    logger, lang = get_run_logger(), settings.lang
    report = RunReport()
    try:
        with writing_run(settings, "intake") as run:
            files, report.unreachable = list_inboxes(settings)
            take_files(settings, files, report)
            report.set_aside = [f.label for f in failures(settings.working) if f.set_aside]
            processed, skipped, failed = len(report.submissions), report.skipped, report.failed
            logger.info(text(lang, "log.run_done", processed=processed, skipped=skipped, failed=len(failed)))
            publish_run_summary(report.submissions, lang)
            try:
                update_marts(settings)
                run.built = True
            except Exception:
                logger.exception(text(lang, "log.marts_failed"))
                failed.append("marts")
            no_inbox_read = len(report.unreachable) == len(settings.inboxes)
            run.processed, run.skipped, run.failed_files = processed, skipped, failed
            run.unreachable, run.failed = report.unreachable, no_inbox_read
    except (WarehouseBusyError, WarehouseInUseError) as busy:
        report.busy = busy_holder(busy)
        return busy_state(settings, busy, report)
    if report.failed or no_inbox_read:
        count = len(report.failed) + len(report.unreachable)
        return Failed(message=text(lang, "cli.failed", count=count), data=report)
    return report


def run_intake(settings: Settings) -> tuple[bool, RunReport]:
    """Run the flow once; (succeeded, its report)."""
    succeeded, report = run_once(intake_flow, settings)
    return succeeded and report.busy is None, report
