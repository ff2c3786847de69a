"""The data officer's commands: `mesa status`, `mesa remind`, `mesa retry`, `mesa serve`. Like the
rest of the CLI, nothing heavy is imported before a command needs it."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mesa_tumbes.cli.terminal import (
    EXIT_BUSY,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    busy_message,
    inbox_problem,
    month_given_well,
    no_warehouse,
)
from mesa_tumbes.core import clock
from mesa_tumbes.core.i18n import text
from mesa_tumbes.core.settings import Settings, export, variable

if TYPE_CHECKING:
    from mesa_tumbes.warehouse.bookkeeping import RecordedRun
    from mesa_tumbes.warehouse.lock import Holder
    from mesa_tumbes.warehouse.sources import SourceState

STATUS_WAIT_SECONDS = 10.0
WIDE = 140


# How many mailbox messages that were not loaded `mesa status` lists (the latest).
NOTICES_SHOWN = 20


# --- mesa status --------------------------------------------------------------------------------


def status_command(args: argparse.Namespace, settings: Settings) -> int:
    import duckdb

    from mesa_tumbes.followup.status import default_period, summarise
    from mesa_tumbes.warehouse.bookkeeping import failures, reporting_status
    from mesa_tumbes.warehouse.lock import current_holder
    from mesa_tumbes.warehouse.store import WarehouseInUseError

    lang = settings.lang
    if not month_given_well(args.period, lang):
        return EXIT_USAGE
    if no_warehouse(settings):
        return EXIT_USAGE
    day = clock.today(settings.timezone)
    holder = current_holder(settings.working)
    try:
        reports = reporting_status(settings.warehouse, day, wait_seconds=STATUS_WAIT_SECONDS)
        runs = _recent_runs(settings, holder)
        failed = failures(settings.warehouse)
        undelivered, notices, told = _mail_state(settings)
    except WarehouseInUseError:
        _print_holder(holder, settings)
        print(text(lang, "cli.warehouse_busy", path=settings.warehouse), file=sys.stderr)
        return EXIT_FAILED
    except duckdb.CatalogException:
        print(text(lang, "reporting.no_calendar_rows"), file=sys.stderr)
        return EXIT_FAILED
    period = args.period or default_period(reports, day)
    periods = sorted({r.period for r in reports})
    summaries = summarise(reports, period) if period else []
    if args.json:
        print(
            json.dumps(
                {
                    "period": period,
                    "today": day.isoformat(),
                    "agencies": [asdict(s) for s in summaries],
                    "runs": [asdict(run) for run in runs],
                    "failures": [asdict(failure) for failure in failed],
                    "undelivered": [asdict(delivery) for delivery in undelivered],
                    "mail_notices": [asdict(notice) for notice in notices],
                    "review_messages_waiting": [asdict(message) for message in told],
                    "writing": asdict(holder) if holder else None,
                    "free_mb": _free_megabytes(settings),
                    "sources": [asdict(source) for source in _sources(settings)],
                    "review": _review_counts(settings),
                },
                ensure_ascii=False,
                indent=2,
                default=str,
            )
        )
        return EXIT_OK
    if not summaries:
        print(text(lang, "reporting.no_reports", period=period, periods=", ".join(periods[-6:]) or "-"))
    else:
        _print_status_table(summaries, period or "", day, lang)
    _print_failures(failed, settings)
    _print_mail(undelivered, notices, told, settings)
    _print_runs(runs, settings)
    review = _review_counts(settings)
    print(text(lang, "reporting.review", **review))
    for source in _sources(settings):
        print(source_line(source, settings))
    print(
        text(lang, "reporting.free_space", folder=settings.warehouse.parent, free=_free_megabytes(settings))
    )
    _print_holder(holder, settings)
    return EXIT_OK


def _recent_runs(settings: Settings, holder: Holder | None) -> list[RecordedRun]:
    """The latest runs from the writer's own file when no run holds it: a run the machine stopped
    published nothing, and its record is only there. Else from the published copy. A run recorded as
    running that no live process holds (`holder`, the writer the status read) ended without recording
    its end (a full disk, a kill): it is shown as interrupted, never as running."""
    from mesa_tumbes.warehouse.bookkeeping import recent_runs
    from mesa_tumbes.warehouse.store import WarehouseInUseError

    runs = None
    if settings.working.exists():
        with contextlib.suppress(WarehouseInUseError):
            runs = recent_runs(settings.working)
    runs = recent_runs(settings.warehouse) if runs is None else runs
    for run in runs:
        if run.state == "running" and (holder is None or run.run_id not in holder.what):
            run.state = "interrupted"
    return runs


def source_line(source: SourceState, settings: Settings) -> str:
    """A partner's system as its last pull left it, in a sentence and the Mesa's time."""
    from mesa_tumbes.core.clock import local_time

    lang, zone = settings.lang, settings.timezone
    named = {"source": source.source, "kind": text(lang, f"reporting.source_kind.{source.kind}")}
    if source.failed_at is not None:
        fault = source.last_fault if source.last_fault else "unreachable"
        said = text(lang, f"log.source_{fault}", source=source.source, detail=source.last_error or "")
        return text(
            lang, "reporting.source_failed", **named, failed_at=local_time(source.failed_at, zone), said=said
        )
    if source.pulled_at is None:
        return text(lang, "reporting.source_never", **named)
    pulled = local_time(source.pulled_at, zone)
    return text(
        lang, "reporting.source_pulled", **named, pulled_at=pulled, records=source.records_pulled or 0
    )


def _sources(settings: Settings) -> list[SourceState]:
    """The partners' systems pulled, from the writer's own file when no run holds it."""
    if not settings.sources:
        return []
    import duckdb

    from mesa_tumbes.warehouse.sources import source_states
    from mesa_tumbes.warehouse.store import WarehouseInUseError

    for path in (settings.working, settings.warehouse):
        try:
            return source_states(path)
        except (WarehouseInUseError, duckdb.CatalogException):
            continue
    return []


def _review_counts(settings: Settings) -> dict[str, Any]:
    """The rule in force and how many slices wait for the officer (0 on a warehouse from before review)."""
    import duckdb

    from mesa_tumbes.warehouse import review

    try:
        states = review.slices(settings.warehouse)["state"].value_counts().to_dict()
    except duckdb.CatalogException:
        states = {}
    return {
        "rule": text(settings.lang, f"console.rule_names.{settings.review.auto_approve}"),
        **{state: int(states.get(state, 0)) for state in review.OPEN_STATES},
    }


def _free_megabytes(settings: Settings) -> int:
    import shutil

    return shutil.disk_usage(settings.warehouse.parent).free // 2**20


def _print_status_table(summaries: list[Any], period: str, day: dt.date, lang: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from mesa_tumbes.followup.reminders import month_name
    from mesa_tumbes.followup.status import headline, pending_text

    date_format = text(lang, "reminder.date_format")
    table = Table(
        title=text(lang, "reporting.title", period=month_name(period, lang), today=day.strftime(date_format)),
        title_justify="left",
    )
    for key in ("agency", "expected", "received", "valid", "on_time", "due", "pending"):
        table.add_column(
            text(lang, f"reporting.column.{key}"),
            justify="right" if key in ("expected", "received", "valid", "on_time") else "left",
            no_wrap=key != "pending",
        )
    for summary in summaries:
        owed = bool(summary.missing or summary.not_valid or summary.failed)
        style = "red" if owed and not summary.not_yet_due else ("yellow" if summary.late else "green")
        if summary.not_yet_due and not owed:
            style = ""
        table.add_row(
            summary.agency,
            str(summary.expected),
            str(summary.received),
            str(summary.valid),
            str(summary.on_time),
            summary.due_date.strftime(date_format),
            pending_text(summary, lang),
            style=style,
        )
    # A terminal gets its own width; a pipe or a log file gets lines wide enough not to wrap.
    console = Console(highlight=False, width=None if sys.stdout.isatty() else WIDE)
    console.print(table)
    console.print(headline(summaries, lang))


def _print_failures(failed: list[Any], settings: Settings) -> None:
    """Files the pipeline failed on: the officer's to look at (the agency was told)."""
    if not failed:
        return
    lang = settings.lang
    print()
    print(text(lang, "reporting.failures_title"))
    for failure in failed:
        state = text(lang, f"reporting.failure_{'set_aside' if failure.set_aside else 'pending'}")
        print(
            text(
                lang,
                "reporting.failure_line",
                file=failure.label,
                state=state,
                attempts=failure.attempts,
                step=failure.step,
                last=clock.local_minute(failure.last_failed_at, settings.timezone),
            )
        )
        print(text(lang, "reporting.failure_error", error=failure.error))
    if any(failure.set_aside for failure in failed):
        print(text(lang, "reporting.failure_retry"))


def _mail_state(settings: Settings) -> tuple[list[Any], list[Any], list[Any]]:
    """Feedback e-mails not delivered yet, the mailbox messages not loaded (latest first), and the
    review decisions' messages that wait for the mail server."""
    import duckdb

    from mesa_tumbes.warehouse.mail_log import deliveries, mail_notices
    from mesa_tumbes.warehouse.review import review_messages

    try:
        pending = [d for d in deliveries(settings.warehouse) if d.delivered_at is None]
        notices = mail_notices(settings.warehouse)[:NOTICES_SHOWN]
    except duckdb.CatalogException:  # a warehouse from before e-mail: nothing to show
        return [], [], []
    try:
        return pending, notices, review_messages(settings.warehouse)
    except duckdb.CatalogException:  # from before review messages were kept
        return pending, notices, []


def _print_mail(undelivered: list[Any], notices: list[Any], told: list[Any], settings: Settings) -> None:
    lang = settings.lang
    if told:
        print()
        print(text(lang, "reporting.review_messages_title"))
        for message in told:
            print(
                text(
                    lang,
                    "reporting.review_message_line",
                    agency=message.agency,
                    period=message.period,
                    action=text(lang, f"console.actions.{message.action}"),
                    decided=clock.local_minute(message.recorded_at, settings.timezone),
                    attempts=message.attempts,
                    error=message.last_error or "—",
                )
            )
    if undelivered:
        print()
        print(text(lang, "reporting.undelivered_title"))
        for delivery in undelivered:
            last = clock.local_minute(delivery.last_tried_at, settings.timezone)
            print(
                text(
                    lang,
                    "reporting.undelivered_line",
                    file=delivery.label,
                    attempts=delivery.attempts,
                    last=last,
                    error=delivery.last_error or "",
                )
            )
    if notices:
        print()
        print(text(lang, "reporting.notices_title"))
        for notice in notices:
            print(
                text(
                    lang,
                    "reporting.notice_line",
                    received=clock.local_minute(notice.received_at, settings.timezone),
                    sender=notice.sender,
                    subject=notice.subject,
                    kind=text(lang, f"mail.kind.{notice.kind}"),
                    detail=f" ({notice.detail})" if notice.detail else "",
                    answered=text(
                        lang, f"reporting.notice_{'answered' if notice.answered_at else 'unanswered'}"
                    ),
                )
            )


def _print_runs(runs: list[RecordedRun], settings: Settings) -> None:
    lang = settings.lang
    print()
    print(text(lang, "reporting.runs_title"))
    if not runs:
        print("  " + text(lang, "reporting.no_runs"))
    for run in runs:
        print(
            "  "
            + text(
                lang,
                "reporting.run_line" if run.flow == "intake" else "reporting.run_line_plain",
                flow=text(lang, f"reporting.flows.{run.flow}"),
                state=text(lang, f"reporting.states.{run.state}"),
                started=clock.local_minute(run.started_at, settings.timezone),
                processed=run.files_processed,
                skipped=run.files_skipped,
                failed=run.files_failed,
            )
        )
        if run.failed_files:
            print(text(lang, "reporting.run_failed_files", files=", ".join(run.failed_files)))
        if run.unreachable_inboxes:
            print(text(lang, "reporting.run_unreachable", inboxes=", ".join(run.unreachable_inboxes)))
        if run.message:
            print(text(lang, "reporting.run_message", message=run.message))


def _print_holder(holder: Holder | None, settings: Settings) -> None:
    from mesa_tumbes.followup.status import holder_fields
    from mesa_tumbes.warehouse.lock import described

    if holder is not None:
        print(
            text(
                settings.lang, "reporting.writing_now", **holder_fields(described(holder), settings.timezone)
            )
        )


# --- mesa remind --------------------------------------------------------------------------------


def remind_command(args: argparse.Namespace, settings: Settings) -> int:
    lang = settings.lang
    try:
        day = dt.date.fromisoformat(args.day) if args.day else clock.today(settings.timezone)
    except ValueError:
        print(text(lang, "cli.bad_day", value=args.day), file=sys.stderr)
        return EXIT_USAGE
    from mesa_tumbes.cli.terminal import prepare_environment, stdout_to_stderr

    prepare_environment()
    with stdout_to_stderr():
        from mesa_tumbes.flows.reporting import run_calendar

        succeeded, report = run_calendar(settings, day)
    if "busy" in report:
        print(busy_message(report["busy"], settings), file=sys.stderr)
        return EXIT_BUSY
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    elif report["reminders"]:
        print(text(lang, "cli.reminders_written", path=settings.outbox))
        for entry in report["reminders"]:
            print(
                text(
                    lang,
                    "cli.reminder_line",
                    agency=entry["agency"],
                    items=entry["items"],
                    path=entry["path"],
                )
            )
    else:
        print(text(lang, "cli.reminders_none", day=day.isoformat()))
    return EXIT_OK if succeeded else EXIT_FAILED


# --- mesa retry ---------------------------------------------------------------------------------


def retry_command(args: argparse.Namespace, settings: Settings) -> int:
    """Forget the failures of files set aside (or still failing), so the next run takes them again:
    after an upgrade that fixed what made them fail."""
    from mesa_tumbes.warehouse.bookkeeping import failures, retry_failures
    from mesa_tumbes.warehouse.lock import WarehouseBusyError, described, writer

    lang = settings.lang
    if not args.all and not args.files:
        print(text(lang, "cli.retry_what"), file=sys.stderr)
        return EXIT_USAGE
    if no_warehouse(settings):
        return EXIT_USAGE
    from mesa_tumbes.warehouse.store import adopt, publish

    known = {f.label for f in failures(settings.warehouse)}
    unknown = [
        name for name in args.files if name not in known and not any(k.endswith(f"/{name}") for k in known)
    ]
    if unknown:
        choices = ", ".join(sorted(known)) or "-"
        print(text(lang, "cli.retry_unknown", files=", ".join(unknown), choices=choices), file=sys.stderr)
        return EXIT_USAGE
    try:
        with writer(settings.working, "mesa retry", settings.lock_wait_seconds):
            adopt(settings.working, settings.warehouse)
            retried = retry_failures(settings.working, None if args.all else args.files)
            publish(settings.working, settings.warehouse)
    except WarehouseBusyError as busy:
        print(busy_message(described(busy.holder), settings), file=sys.stderr)
        return EXIT_BUSY
    for failure in retried:
        print(text(lang, "cli.retry_line", file=failure.label, attempts=failure.attempts))
    print(text(lang, "cli.retry_done", count=len(retried)))
    return EXIT_OK


# --- mesa serve ---------------------------------------------------------------------------------


def serve_command(args: argparse.Namespace, settings: Settings) -> int:
    from mesa_tumbes.core.config import ConfigError, load_operations
    from mesa_tumbes.core.reference import load_reference
    from mesa_tumbes.core.settings import calendar_path, operations_path

    lang = settings.lang
    try:
        operations = load_operations(operations_path())
        load_reference()  # validates the reporting calendar
    except ConfigError as error:
        print(error.describe(lang), file=sys.stderr)
        return EXIT_USAGE
    problem = inbox_problem(settings)
    if problem is not None:
        print(problem, file=sys.stderr)
        return EXIT_USAGE
    print_plan(settings, operations, calendar_path(), lang)
    if args.check:
        print(text(lang, "cli.serve_ok"))
        return EXIT_OK
    from mesa_tumbes.cli.terminal import prepare_environment

    prepare_environment()
    return _serve(settings, operations, lang)


def _serve(settings: Settings, operations: Any, lang: str) -> int:
    from mesa_tumbes.flows import serve

    if running := variable("PREFECT_API_URL"):
        print(text(lang, "cli.serve_ui", url=running.removesuffix("/api")), flush=True)
        serve.serve_forever(serve.deployments(operations, settings.timezone), settings, operations)
        return EXIT_OK
    port = int(variable("MESA_PREFECT_PORT") or serve.DEFAULT_PORT)
    home = Path(variable("PREFECT_HOME") or "~/.prefect").expanduser()
    url = f"http://127.0.0.1:{port}"
    print(text(lang, "cli.serve_starting_server", url=url, log=home / "server.log"), flush=True)
    try:
        with serve.local_prefect_server(port, home) as api:
            export("PREFECT_API_URL", api)
            print(text(lang, "cli.serve_ui", url=url), flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                serve.serve_forever(serve.deployments(operations, settings.timezone), settings, operations)
    except RuntimeError as error:
        print(text(lang, "cli.serve_server_failed", error=error), file=sys.stderr)
        return EXIT_FAILED
    print(text(lang, "cli.serve_stopped"), flush=True)
    return EXIT_OK


def print_plan(settings: Settings, operations: Any, calendar: Path, lang: str) -> None:
    from mesa_tumbes.flows.serve import next_runs

    print(text(lang, "cli.serve_config", operations=operations.path, calendar=calendar))
    print(text(lang, "cli.serve_plan", timezone=settings.timezone))
    upcoming = next_runs(operations, settings.timezone, dt.datetime.now(dt.UTC))
    for name, schedule in operations.schedules.items():
        moment = upcoming[name]
        shown = moment.strftime(clock.MINUTE_FORMAT) if moment else text(lang, "cli.serve_paused")
        print(text(lang, "cli.serve_line", name=name, cron=schedule.cron, next=shown))
    print(text(lang, "cli.serve_inboxes", inboxes=", ".join(settings.inboxes)))
    print(
        text(
            lang,
            "cli.serve_paths",
            warehouse=settings.warehouse,
            feedback=settings.feedback,
            outbox=settings.outbox,
        )
    )
    if settings.notify_block:
        print(text(lang, "cli.serve_notify", block=settings.notify_block))
