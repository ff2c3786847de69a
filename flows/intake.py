"""The intake flow: every new file in the inboxes is archived, validated, answered and loaded.

The flow only wires tasks; what each step does lives in mesa/, transforms/, expectations/ and
warehouse/. One submission failing on a bug never stops the others: the run reports it and ends in a
Failed state, and the file is retried on the next run because it was never registered. An inbox that
does not answer is retried with backoff, then reported; the run fails only if no inbox could be read.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE
from prefect.states import Failed

from agency_feedback import answer as feedback_writer
from core.i18n import text
from core.reference import load_reference
from core.settings import Settings, resolve_settings
from flows.common import busy_state, run_once, update_marts, writing_run
from flows.progress import Progress
from formats.submission import suite_runner
from pipeline import intake
from reception import inbox as inbox_reader
from warehouse import store
from warehouse.lock import WarehouseBusyError
from warehouse.operations import FailureRecord, failures, record_failure
from warehouse.store import WarehouseInUseError

ARTIFACT_KEY = "mesa-intake-run"


@task(cache_policy=NONE, task_run_name="list {location}")
def list_inbox(location: str) -> list[inbox_reader.InboxFile]:
    return inbox_reader.discover(location, load_reference())


@task(cache_policy=NONE)
def seen_files(settings: Settings) -> set[tuple[str, str, int, dt.datetime]]:
    return store.seen_files(settings.working)


@task(cache_policy=NONE, retries=2, retry_delay_seconds=[2, 10], task_run_name="archive {file.label}")
def archive_submission(file: inbox_reader.InboxFile, settings: Settings) -> intake.Received:
    return intake.receive(file, settings.archive)


@task(cache_policy=NONE, task_run_name="validate {received.file.label}")
def validate_submission(received: intake.Received, settings: Settings) -> intake.Outcome:
    return intake.inspect(
        received, settings.working, load_reference(), suite_runner(), settings.limits, settings.timezone
    )


@task(cache_policy=NONE, task_run_name="feedback {outcome.received.file.label}")
def deliver_feedback(outcome: intake.Outcome, settings: Settings) -> Path:
    feedback_writer.keep_validation_results(outcome, settings.validations)
    return feedback_writer.write_feedback(outcome, settings.feedback, settings.lang, settings.timezone)


@task(cache_policy=NONE, task_run_name="load {outcome.received.file.label}")
def load_submission(outcome: intake.Outcome, settings: Settings) -> None:
    record = intake.record_for(outcome, feedback_writer.feedback_path(outcome))
    store.load_submission(settings.working, record, outcome.verdict.accepted, intake.coverage(outcome))


@task(cache_policy=NONE, task_run_name="answer the failure on {received.file.label}")
def answer_failure(
    received: intake.Received, step: str, error: BaseException, settings: Settings
) -> dict[str, Any]:
    """A file the pipeline failed on still gets a status and feedback: the failure is counted (set
    aside after settings.max_attempts runs) and the agency told, in plain words, what comes next."""
    logger = get_run_logger()
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
        feedback_path=feedback_writer.received_path(received),
        named_period=received.named_period,
    )
    try:
        attempts, set_aside = record_failure(settings.working, record, settings.max_attempts)
    except Exception:
        logger.exception(text(settings.lang, "log.failure_not_recorded", file=received.file.label))
        attempts, set_aside = 1, False
    folder = feedback_writer.write_failure_feedback(
        received,
        attempts,
        settings.max_attempts,
        set_aside,
        settings.feedback,
        settings.lang,
        settings.timezone,
    )
    key = "log.set_aside" if set_aside else "log.failed"
    logger.error(text(settings.lang, key, file=received.file.label, attempts=attempts, step=step))
    return intake.failure_entry(received, "set_aside" if set_aside else "failed", folder)


@task(cache_policy=NONE)
def publish_run_summary(submissions: list[dict[str, Any]], lang: str) -> None:
    columns = ["file", "agency", "status", "rows_read", "rows_loaded", "rows_rejected", "rows_warned"]
    create_table_artifact(
        key=ARTIFACT_KEY,
        table=[{text(lang, f"artifact.{c}"): row[c] for c in columns} for row in submissions],
        description=text(lang, "artifact.description"),
    )


def list_inboxes(settings: Settings) -> tuple[list[inbox_reader.InboxFile], list[str]]:
    """Every file of every inbox, and the inboxes that could not be read after the retries."""
    retries = settings.inbox_retries
    lister = list_inbox.with_options(
        retries=retries.attempts,
        retry_delay_seconds=[retries.delay_seconds * 2**n for n in range(retries.attempts)],
    )
    files: list[inbox_reader.InboxFile] = []
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


def log_outcome(outcome: intake.Outcome, lang: str) -> None:
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


def take_files(settings: Settings, files: list[inbox_reader.InboxFile], report: dict[str, Any]) -> None:
    """Each new file through archive, validation, feedback and load; a file that breaks the pipeline
    is reported and left for the next run, the others go on."""
    logger, lang = get_run_logger(), settings.lang
    known = store.registered_ids(settings.working)
    seen = seen_files(settings)
    progress = Progress(len(files), lang)
    for file in files:
        progress.advance(file.label)
        if (file.channel, file.relative_path, file.size_bytes, file.received_at) in seen:
            report["skipped"] += 1  # the same file, unchanged since it was processed: not even read
            continue
        try:
            received = archive_submission(file, settings)
        except Exception:  # the inbox could not be read: nothing is known of the file yet
            logger.exception(text(lang, "log.not_archived", file=file.label))
            report["failed"].append(file.label)
            continue
        if received.submission_id in known:
            report["skipped"] += 1
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
            report["failed"].append(file.label)
            continue
        except Exception as error:
            logger.exception(text(lang, "log.pipeline_error", file=file.label, step=step))
            report["failed"].append(file.label)
            report["submissions"].append(answer_failure(received, step, error, settings))
            continue
        known.add(received.submission_id)
        log_outcome(outcome, lang)
        report["submissions"].append(intake.report_entry(outcome, folder))
    progress.close()


@flow(name="mesa-intake", log_prints=False)
def intake_flow(settings: Settings | None = None) -> Any:
    """Take every new file in the inboxes' <AGENCY>/ folders: archive, validate, give feedback, load,
    then rebuild the gap tables. Without settings (a scheduled run), they come from the environment."""
    settings = settings or resolve_settings()
    logger, lang = get_run_logger(), settings.lang
    report: dict[str, Any] = {
        "submissions": [],
        "skipped": 0,
        "failed": [],
        "unreachable": [],
        "set_aside": [],
    }
    try:
        with writing_run(settings, "intake") as run:
            files, report["unreachable"] = list_inboxes(settings)
            take_files(settings, files, report)
            report["set_aside"] = [f.label for f in failures(settings.working) if f.set_aside]
            processed, skipped, failed = len(report["submissions"]), report["skipped"], report["failed"]
            logger.info(text(lang, "log.run_done", processed=processed, skipped=skipped, failed=len(failed)))
            publish_run_summary(report["submissions"], lang)
            try:
                update_marts(settings)
                run.built = True
            except Exception:
                logger.exception(text(lang, "log.marts_failed"))
                failed.append("marts")
            no_inbox_read = len(report["unreachable"]) == len(settings.inboxes)
            run.processed, run.skipped, run.failed_files = processed, skipped, failed
            run.unreachable, run.failed = report["unreachable"], no_inbox_read
    except (WarehouseBusyError, WarehouseInUseError) as busy:
        return busy_state(settings, busy, report)
    if report["failed"] or no_inbox_read:
        count = len(report["failed"]) + len(report["unreachable"])
        return Failed(message=text(lang, "cli.failed", count=count), data=report)
    return report


def run_intake(settings: Settings) -> tuple[bool, dict[str, Any]]:
    """Run the flow once; (succeeded, report)."""
    return run_once(intake_flow, settings)
