"""The intake flow: every new file in the inbox is archived, validated, answered and loaded.

The flow only wires tasks; what each step does lives in mesa/, transforms/, expectations/ and
warehouse/. One submission failing on a bug never stops the others: the run reports it and ends in a
Failed state, and the file is retried on the next run because it was never registered.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE
from prefect.client.schemas.objects import State
from prefect.states import Failed

from expectations.validate import suite_runner
from mesa import feedback as feedback_writer
from mesa import inbox as inbox_reader
from mesa import intake
from mesa.i18n import DEFAULT_LANGUAGE, text
from mesa.reference import load_reference
from mesa.settings import DEFAULT_TIMEZONE, Settings
from transforms.read import DEFAULT_LIMITS, ReadLimits
from warehouse import store
from warehouse.build import build as build_models

ARTIFACT_KEY = "mesa-intake-run"


@task(cache_policy=NONE)
def prepare_warehouse(warehouse: Path) -> list[str]:
    return store.migrate(warehouse)


@task(cache_policy=NONE)
def list_inbox(inbox: Path) -> list[inbox_reader.InboxFile]:
    return inbox_reader.discover(inbox, load_reference())


@task(cache_policy=NONE)
def registered_submissions(warehouse: Path) -> set[str]:
    return store.registered_ids(warehouse)


@task(cache_policy=NONE, retries=2, retry_delay_seconds=[2, 10], task_run_name="archive {file.label}")
def archive_submission(file: inbox_reader.InboxFile, archive: Path) -> intake.Received:
    return intake.receive(file, archive)


@task(cache_policy=NONE, task_run_name="validate {received.file.label}")
def validate_submission(received: intake.Received, warehouse: Path, limits: ReadLimits) -> intake.Outcome:
    return intake.inspect(received, warehouse, load_reference(), suite_runner(), limits)


@task(cache_policy=NONE, task_run_name="feedback {outcome.received.file.label}")
def deliver_feedback(outcome: intake.Outcome, feedback: Path, lang: str, timezone: str) -> Path:
    return feedback_writer.write_feedback(outcome, feedback, lang, timezone)


@task(cache_policy=NONE, task_run_name="load {outcome.received.file.label}")
def load_submission(outcome: intake.Outcome, feedback_folder: str, warehouse: Path) -> None:
    record = intake.record_for(outcome, feedback_folder)
    store.load_submission(warehouse, record, outcome.verdict.accepted, intake.coverage(outcome))


@task(cache_policy=NONE)
def refresh_marts(warehouse: Path, timezone: str) -> dict[str, int]:
    """Rebuild the analysts' tables from what is now loaded, as of today in the Mesa's time zone."""
    as_of = dt.datetime.now(ZoneInfo(timezone)).date()
    return build_models(warehouse, load_reference(), as_of).rows


@task(cache_policy=NONE)
def publish_run_summary(submissions: list[dict[str, Any]], lang: str) -> None:
    columns = ["file", "agency", "status", "rows_read", "rows_loaded", "rows_rejected", "rows_warned"]
    create_table_artifact(
        key=ARTIFACT_KEY,
        table=[{text(lang, f"artifact.{c}"): row[c] for c in columns} for row in submissions],
        description=text(lang, "artifact.description"),
    )


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


@flow(name="mesa-intake", log_prints=False)
def intake_flow(
    inbox: Path,
    warehouse: Path,
    feedback: Path,
    archive: Path,
    lang: str = DEFAULT_LANGUAGE,
    timezone: str = DEFAULT_TIMEZONE,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> Any:
    """Take every new file in inbox/<AGENCY>/: archive, validate, give feedback, load."""
    logger = get_run_logger()
    prepare_warehouse(warehouse)
    known = registered_submissions(warehouse)
    submissions: list[dict[str, Any]] = []
    failed: list[str] = []
    skipped = 0
    for file in list_inbox(inbox):
        try:
            received = archive_submission(file, archive)
            if received.submission_id in known:
                skipped += 1
                continue
            outcome = validate_submission(received, warehouse, limits)
            folder = deliver_feedback(outcome, feedback, lang, timezone)
            load_submission(outcome, feedback_writer.feedback_path(outcome), warehouse)
        except Exception:
            logger.exception(text(lang, "log.failed", file=file.label))
            failed.append(file.label)
            continue
        known.add(received.submission_id)
        log_outcome(outcome, lang)
        submissions.append(intake.report_entry(outcome, folder))
    logger.info(text(lang, "log.run_done", processed=len(submissions), skipped=skipped, failed=len(failed)))
    publish_run_summary(submissions, lang)
    try:
        tables = refresh_marts(warehouse, timezone)
        logger.info(text(lang, "log.marts_built", tables=len(tables)))
    except Exception:
        logger.exception(text(lang, "log.marts_failed"))
        failed.append("marts")
    report = {"submissions": submissions, "skipped": skipped, "failed": failed}
    if failed:
        return Failed(message=text(lang, "cli.failed", count=len(failed)), data=report)
    return report


def run_intake(settings: Settings) -> tuple[bool, dict[str, Any]]:
    """Run the flow; (succeeded, report). A rejected submission is a success of the pipeline."""
    state = cast(
        "State[Any]",
        intake_flow(
            settings.inbox,
            settings.warehouse,
            settings.feedback,
            settings.archive,
            settings.lang,
            settings.timezone,
            settings.limits,
            return_state=True,
        ),
    )
    result = state.result(raise_on_failure=False)
    if isinstance(result, BaseException):
        raise result
    return state.is_completed(), result
