"""The commands of the intake and of analysts: `mesa run`, `mesa validate`, `mesa sql`, `mesa export`."""

from __future__ import annotations

import argparse
import csv
import io
import json
import shlex
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from mesa_tumbes.cli.terminal import (
    EXIT_BUSY,
    EXIT_FAILED,
    EXIT_MACHINE,
    EXIT_OK,
    EXIT_SOURCE,
    EXIT_USAGE,
    busy_message,
    inbox_problem,
    month_given_well,
    no_warehouse,
    prepare_environment,
    stdout_to_stderr,
)
from mesa_tumbes.core.i18n import text
from mesa_tumbes.core.settings import DEFAULT_WAREHOUSE, Settings

if TYPE_CHECKING:
    import duckdb

    from mesa_tumbes.agency_feedback.problems import ProblemRow
    from mesa_tumbes.pipeline.report import RunReport
    from mesa_tumbes.warehouse.store import SubmissionRecord

# `mesa validate` lists this many problems on the terminal; the CSV has every one.
PROBLEM_LINES = 50
EXAMPLE_QUERY = (
    "select agency, indicator, count(*) as figures, min(period) as first_period, max(period) as last_period "
    "from indicator_values group by agency, indicator order by agency, indicator"
)


# --- mesa run -----------------------------------------------------------------------------------


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    problem = inbox_problem(settings)
    if problem is not None:
        print(problem, file=sys.stderr)
        return EXIT_USAGE
    from mesa_tumbes.pipeline.pending import nothing_new

    unchanged = nothing_new(settings)  # known without starting Prefect: said at once
    if unchanged is not None:
        succeeded, report = True, unchanged
    else:
        prepare_environment()
        with stdout_to_stderr():
            from mesa_tumbes.flows.intake import run_intake

            succeeded, report = run_intake(settings)
    if report.busy is not None:
        print(busy_message(report.busy, settings), file=sys.stderr)
        return EXIT_BUSY
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        print_run_summary(report, settings)
    if report.machine is not None:  # said last, where the officer looks: what to do
        print(text(settings.lang, "cli.machine_stopped"), file=sys.stderr)
        print(report.machine, file=sys.stderr)
        return EXIT_MACHINE
    if not succeeded:
        return EXIT_FAILED
    return EXIT_SOURCE if report.sources_failed else EXIT_OK


def print_run_summary(report: RunReport, settings: Settings) -> None:
    from mesa_tumbes.core.contract import ROW_COUNTS

    lang, submissions = settings.lang, report.submissions
    if submissions:
        print(text(lang, "cli.processed", count=len(submissions)))
        rows = [
            (
                entry.shown,
                text(lang, f"status.{entry.status}"),
                " / ".join(str(getattr(entry, count)) for count in ROW_COUNTS),
            )
            for entry in submissions
        ]
        headers = (text(lang, "cli.table_file"), text(lang, "cli.table_status"), text(lang, "cli.table_rows"))
        widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(2)]
        for row in [headers, *rows]:
            print(f"  {row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}")
    elif report.machine is None and len(report.unreachable) < len(settings.inboxes):
        print(text(lang, "cli.nothing_new", path=", ".join(settings.inboxes)))
    for inbox in report.unreachable:
        print(text(lang, "cli.unreachable", inbox=inbox))
    for said in report.sources:
        print(said)
    for said in report.sources_failed:
        print(said)
    if report.skipped:
        print(text(lang, "cli.skipped", count=report.skipped))
    if report.failed:
        print(text(lang, "cli.failed", count=len(report.failed)))
    if report.marts_failed:
        print(text(lang, "cli.marts_failed"))
    if report.set_aside:
        print(text(lang, "cli.set_aside_files", count=len(report.set_aside)))
    print(text(lang, "cli.warehouse", path=settings.warehouse))
    print(text(lang, "cli.feedback", path=settings.feedback))
    print(text(lang, "cli.example_query"))
    print(f"  {example_command(settings.warehouse)}")


def example_command(warehouse: Path) -> str:
    """A `mesa sql` command line that works when pasted into the same shell."""
    command = [_invoked_as(), "sql"]
    if warehouse != Path(DEFAULT_WAREHOUSE).resolve():
        command += ["--warehouse", _relative(warehouse)]
    return shlex.join([*command, EXAMPLE_QUERY])


def _invoked_as() -> str:
    invoked = Path(sys.argv[0])
    return _relative(invoked) if invoked.name == "mesa" and invoked.parent != Path() else "mesa"


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --- mesa validate ------------------------------------------------------------------------------


def validate_command(args: argparse.Namespace, settings: Settings) -> int:
    """A trial: the same steps and feedback as `mesa run`, nothing archived or loaded; the problems
    listed on the terminal, as a linter does."""
    lang, path = settings.lang, Path(args.file).expanduser()
    if not path.is_file():
        print(text(lang, "cli.no_file", path=path), file=sys.stderr)
        return EXIT_USAGE
    from mesa_tumbes.core.reference import load_reference

    reference = load_reference()
    agency = reference.agency_code(args.agency)
    if agency is None:
        choices = ", ".join(reference.agency_codes)
        print(text(lang, "cli.unknown_agency", value=args.agency, choices=choices), file=sys.stderr)
        return EXIT_USAGE
    prepare_environment()
    from mesa_tumbes.agency_feedback.answer import leading_cause
    from mesa_tumbes.agency_feedback.problems import problem_rows
    from mesa_tumbes.pipeline import intake
    from mesa_tumbes.reception.received import received_in_place
    from mesa_tumbes.warehouse.store import readable

    if readable(settings.warehouse) is None:
        print(text(lang, "cli.history_unavailable"), file=sys.stderr)
    received = received_in_place(path, agency, agency)
    earlier = received_before(settings, agency, received.archived.sha256)
    if earlier is not None:
        return print_received_before(earlier, settings, args.json)
    outcome = intake.take(received, settings, trial=True)
    folder = intake.answer(outcome, settings, trial=True)
    entry = intake.report_entry(outcome, folder)
    if args.json:
        print(json.dumps({"submissions": [asdict(entry)]}, ensure_ascii=False, indent=2))
        return EXIT_OK
    verdict = outcome.verdict
    status = text(lang, f"status.{verdict.status}")
    print(text(lang, "cli.validated", file=path.name, agency=agency, status=status))
    print(
        text(
            lang, "cli.validated_rows", **{key.removeprefix("rows_"): n for key, n in verdict.counts.items()}
        )
    )
    cause = leading_cause(outcome, lang)
    if cause and len(outcome.problems) > 1:
        print(cause)
    print_problems(problem_rows(outcome.problems, lang), lang)
    print(text(lang, "cli.validated_feedback", path=folder / text(lang, "files.summary")))
    print(text(lang, "cli.dry_run"))
    return EXIT_OK


def received_before(settings: Settings, agency: str, sha256: str) -> SubmissionRecord | None:
    """The submission that already brought these bytes from this agency, in the published copy."""
    import duckdb

    from mesa_tumbes.warehouse.store import first_with_content, readable

    try:
        return first_with_content(readable(settings.warehouse), agency, sha256)
    except duckdb.CatalogException:  # a copy published before the warehouse knew mail's file names
        return None


def print_received_before(earlier: SubmissionRecord, settings: Settings, as_json: bool) -> int:
    """`mesa validate` on bytes already received: when, as what, with which status, where its
    feedback is; nothing is validated again."""
    from mesa_tumbes.core.clock import local_time
    from mesa_tumbes.core.contract import ROW_COUNTS
    from mesa_tumbes.core.settings import resolve_settings
    from mesa_tumbes.pipeline.report import Entry

    # the runs' feedback folder (MESA_FEEDBACK, or ./feedback), not the trials' one
    runs = resolve_settings(warehouse=str(settings.warehouse), lang=settings.lang)
    lang, folder = settings.lang, runs.feedback / earlier.feedback_path
    if as_json:
        counts = {count: getattr(earlier, count) for count in ROW_COUNTS}
        entry = Entry(
            file=f"{earlier.channel or earlier.agency}/{earlier.file_name}",
            agency=earlier.agency,
            sha256=earlier.sha256,
            submission_id=earlier.submission_id,
            status=earlier.status,
            **counts,
            format=earlier.format,  # type: ignore[arg-type]
            feedback=str(folder),
        )
        before = {
            "submission_id": earlier.submission_id,
            "file": earlier.file_name,
            "received_at": earlier.received_at.isoformat(timespec="seconds"),
            "received_local": local_time(earlier.received_at, settings.timezone),
            "status": earlier.status,
            "status_label": text(lang, f"status.{earlier.status}"),
        }
        said = {**asdict(entry), "received_before": before}  # nothing validated now: what was then
        print(json.dumps({"submissions": [said]}, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(
        text(
            lang,
            "cli.received_before",
            file=earlier.file_name,
            received=local_time(earlier.received_at, settings.timezone),
            status=text(lang, f"status.{earlier.status}"),
            feedback=folder,
        )
    )
    return EXIT_OK


def print_problems(rows: list[ProblemRow], lang: str) -> None:
    """The problems as a linter lists them: where (row as in Excel, column), the value, what to do,
    and the suggestion; at most PROBLEM_LINES of them (the CSV has every one)."""
    if not rows:
        print(text(lang, "cli.validated_no_problems"))
        return
    print(text(lang, "cli.validated_problems", count=len(rows)))
    from mesa_tumbes.agency_feedback.problems import problem_place

    for row in rows[:PROBLEM_LINES]:
        where = problem_place(row, lang)
        severity = text(lang, f"severity.{row['severity_id']}")
        line = text(lang, "cli.problem_line", severity=severity, where=where, message=row["message"])
        if row["suggestion"]:
            line += " " + text(lang, "cli.problem_suggestion", suggestion=row["suggestion"])
        print(line)
    if len(rows) > PROBLEM_LINES:
        print(
            text(lang, "cli.problem_more", count=len(rows) - PROBLEM_LINES, file=text(lang, "files.problems"))
        )


# --- mesa sql -----------------------------------------------------------------------------------


def sql_command(args: argparse.Namespace, settings: Settings) -> int:
    import duckdb

    lang = settings.lang
    if no_warehouse(settings):
        return EXIT_USAGE
    try:
        connection = duckdb.connect(str(settings.warehouse), read_only=True)
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise
        print(text(lang, "cli.warehouse_busy", path=settings.warehouse), file=sys.stderr)
        return EXIT_FAILED
    try:
        if args.csv:
            write_csv(connection.execute(args.query))
        else:
            connection.sql(args.query).show(max_rows=args.max_rows)
    except duckdb.Error as error:
        print(text(lang, "cli.sql_error", error=error), file=sys.stderr)
        return EXIT_FAILED
    finally:
        connection.close()
    return EXIT_OK


def write_csv(result: duckdb.DuckDBPyConnection) -> None:
    """The result as CSV that Excel opens as is: UTF-8 with a byte-order mark (without it, Excel reads
    «Dirección» as «DirecciÃ³n»), rows ending in CRLF, streamed in batches."""
    stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8-sig", newline="")
    try:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow([column[0] for column in result.description or []])
        while batch := result.fetchmany(CSV_BATCH_ROWS):
            writer.writerows(batch)
        stream.flush()
    finally:
        stream.detach()  # standard output stays open for whoever prints after


CSV_BATCH_ROWS = 10_000


# --- mesa export --------------------------------------------------------------------------------


def export_command(args: argparse.Namespace, settings: Settings) -> int:
    from mesa_tumbes.core.reference import load_reference
    from mesa_tumbes.publication.ecosystem import publish

    lang = settings.lang
    if no_warehouse(settings):
        return EXIT_USAGE
    threshold = args.threshold if args.threshold is not None else settings.suppression_threshold
    if threshold < 1:
        print(text(lang, "cli.bad_threshold", value=threshold), file=sys.stderr)
        return EXIT_USAGE
    out = Path(args.out).expanduser().resolve()
    for exported in publish(settings.warehouse, out, load_reference(), threshold):
        print(
            text(lang, "cli.exported", mart=exported.mart, rows=exported.rows, hidden=exported.hidden_cells)
        )
    print(text(lang, "cli.export_done", path=out, marker=f"<{threshold}"))
    return EXIT_OK


# --- mesa boletin --------------------------------------------------------------------------------


def bulletin_command(args: argparse.Namespace, settings: Settings) -> int:
    """The Mesa's bulletin of a month: HTML, PDF and workbook, from the published warehouse."""
    lang = settings.lang
    if not month_given_well(args.period, lang):
        return EXIT_USAGE
    from mesa_tumbes.core.reference import load_reference
    from mesa_tumbes.publication.bulletin import BulletinError, gather
    from mesa_tumbes.publication.bulletin_render import write_bulletin

    out = Path(args.out).expanduser().resolve() if args.out else settings.bulletins
    try:
        bulletin = gather(
            settings.warehouse, load_reference(), args.period, lang, settings.suppression_threshold
        )
    except BulletinError as error:
        print(error.describe(lang), file=sys.stderr)
        return EXIT_USAGE
    files = write_bulletin(bulletin, out)
    from mesa_tumbes.followup.reminders import month_name

    print(text(lang, "bulletin.written", month=month_name(bulletin.period, lang)))
    for path in (files.html, files.pdf, files.xlsx):
        print(text(lang, "bulletin.written_line", path=path))
    return EXIT_OK


# --- mesa plantillas -----------------------------------------------------------------------------


def templates_command(args: argparse.Namespace, settings: Settings) -> int:
    """The Mesa's template of each agency (or of those named), ready to fill in."""
    lang = settings.lang
    if not month_given_well(args.period, lang):
        return EXIT_USAGE
    from mesa_tumbes.agency_templates.workbook import write_template
    from mesa_tumbes.core.reference import load_reference

    reference = load_reference()
    if args.kobo:  # one form for every agency: each submission says its own
        from mesa_tumbes.agency_templates.kobo import write_xlsform

        path = write_xlsform(Path(args.out).expanduser().resolve(), reference, lang)
        print(text(lang, "cli.kobo_written", path=path))
        return EXIT_OK
    agencies = []
    for written in args.agency or reference.agency_codes:
        code = reference.agency_code(written)
        if code is None:
            known = ", ".join(reference.agency_codes)
            print(text(lang, "cli.unknown_agency", value=written, choices=known), file=sys.stderr)
            return EXIT_USAGE
        agencies.append(code)
    out = Path(args.out).expanduser().resolve()
    for agency in agencies:
        path = write_template(out, reference, agency, args.period, lang)
        print(text(lang, "cli.template_written", agency=agency, path=path))
    return EXIT_OK
