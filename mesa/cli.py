"""The `mesa` command. Nothing heavy (pandas, Prefect, Great Expectations) is imported until a
command needs it, so `mesa --help` answers at once."""

from __future__ import annotations

import argparse
import csv
import json
import os
import shlex
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.config import ConfigError
from core.i18n import LANGUAGES, language, text
from core.settings import DEFAULT_WAREHOUSE, Settings, resolve_settings
from mesa import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3
# Stopped by Ctrl+C or SIGTERM, as shells report it (128 + SIGINT).
EXIT_INTERRUPTED = 130
# Trial feedback goes apart from the real one, which agencies read.
DRY_RUN_FEEDBACK = "validacion"
EXPORT_FOLDER = "exportacion"
# `mesa validate` lists this many problems on the terminal; the CSV has every one.
PROBLEM_LINES = 50
# Set before Prefect and Great Expectations are imported; the officer's own environment wins.
ENVIRONMENT_DEFAULTS = {
    # Prefect's local server takes 10-20 s to start on a small machine; its default limit is 20 s.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # The officer reads one line per submission from the flow; per-task "Finished" lines are noise.
    "PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL": "WARNING",
    "GX_ANALYTICS_ENABLED": "false",
}
# MESA_LOG_FORMAT=json: one JSON object per log line on stderr, for a log collector.
JSON_LOGS = {
    "PREFECT_LOGGING_HANDLERS_CONSOLE_FORMATTER": "json",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_FLOW_RUNS_FORMATTER": "json",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_TASK_RUNS_FORMATTER": "json",
}
EXAMPLE_QUERY = (
    "select agency, indicator, count(*) as figures, min(period) as first_period, max(period) as last_period "
    "from indicator_values group by agency, indicator order by agency, indicator"
)


def build_parser(lang: str) -> argparse.ArgumentParser:
    def say(key: str) -> str:
        return text(lang, f"help.{key}")

    parser = argparse.ArgumentParser(prog="mesa", description=say("description"))
    parser.add_argument("--version", action="version", version=f"mesa {__version__}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="{run,validate,sql,export,status,remind,retry,serve}"
    )

    run = commands.add_parser("run", help=say("run"), description=say("run_description"))
    run.add_argument("--inbox", metavar="DIR_OR_URL", action="append", help=say("inbox"))
    run.add_argument("--warehouse", metavar="FILE", help=say("warehouse"))
    run.add_argument("--feedback", metavar="DIR", help=say("feedback"))
    run.add_argument("--archive", metavar="DIR", help=say("archive"))
    run.add_argument("--lang", choices=LANGUAGES, help=say("lang"))
    run.add_argument("--json", action="store_true", help=say("json"))
    run.set_defaults(handler=run_command)

    validate = commands.add_parser("validate", help=say("validate"), description=say("validate_description"))
    validate.add_argument("file", metavar="FILE", help=say("file"))
    validate.add_argument("--agency", required=True, help=say("agency"))
    validate.add_argument(
        "--feedback", metavar="DIR", default=DRY_RUN_FEEDBACK, help=say("validate_feedback")
    )
    validate.add_argument("--warehouse", metavar="FILE", help=say("warehouse"))
    validate.add_argument("--lang", choices=LANGUAGES, help=say("lang"))
    validate.add_argument("--json", action="store_true", help=say("json"))
    validate.set_defaults(handler=validate_command)

    sql = commands.add_parser("sql", help=say("sql"), description=say("sql_description"))
    sql.add_argument("query", help=say("query"))
    sql.add_argument("--warehouse", metavar="FILE", help=say("warehouse"))
    sql.add_argument("--csv", action="store_true", help=say("csv"))
    sql.add_argument("--max-rows", type=int, default=100, metavar="N", help=say("max_rows"))
    sql.add_argument("--lang", choices=LANGUAGES, help=say("lang"))
    sql.set_defaults(handler=sql_command)

    exporter = commands.add_parser("export", help=say("export"), description=say("export_description"))
    exporter.add_argument("--out", metavar="DIR", default=EXPORT_FOLDER, help=say("out"))
    exporter.add_argument("--threshold", type=int, metavar="N", help=say("threshold"))
    exporter.add_argument("--warehouse", metavar="FILE", help=say("warehouse"))
    exporter.add_argument("--lang", choices=LANGUAGES, help=say("lang"))
    exporter.set_defaults(handler=export_command)

    status = commands.add_parser("status", help=say("status"), description=say("status_description"))
    status.add_argument("--period", metavar="YYYY-MM", help=say("period"))
    status.add_argument("--warehouse", metavar="FILE", help=say("warehouse"))
    status.add_argument("--lang", choices=LANGUAGES, help=say("lang"))
    status.add_argument("--json", action="store_true", help=say("json_status"))
    status.set_defaults(handler=_operations("status_command"))

    remind = commands.add_parser("remind", help=say("remind"), description=say("remind_description"))
    remind.add_argument("--day", metavar="YYYY-MM-DD", help=say("day"))
    remind.add_argument("--warehouse", metavar="FILE", help=say("warehouse"))
    remind.add_argument("--lang", choices=LANGUAGES, help=say("lang"))
    remind.add_argument("--json", action="store_true", help=say("json_remind"))
    remind.set_defaults(handler=_operations("remind_command"))

    retry = commands.add_parser("retry", help=say("retry"), description=say("retry_description"))
    retry.add_argument("files", metavar="AGENCY/FILE", nargs="*", help=say("retry_files"))
    retry.add_argument("--all", action="store_true", help=say("retry_all"))
    retry.add_argument("--warehouse", metavar="FILE", help=say("warehouse"))
    retry.add_argument("--lang", choices=LANGUAGES, help=say("lang"))
    retry.set_defaults(handler=_operations("retry_command"))

    serve = commands.add_parser("serve", help=say("serve"), description=say("serve_description"))
    serve.add_argument("--check", action="store_true", help=say("check"))
    serve.add_argument("--lang", choices=LANGUAGES, help=say("lang"))
    serve.set_defaults(handler=_operations("serve_command"))
    return parser


def _operations(name: str) -> Any:
    """A handler of mesa/cli_operations.py, imported when its command runs."""

    def handler(args: argparse.Namespace, settings: Settings) -> int:
        from mesa import cli_operations

        code: int = getattr(cli_operations, name)(args, settings)
        return code

    return handler


def main(argv: Sequence[str] | None = None) -> int:
    try:
        lang = language()
    except ValueError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    args = build_parser(lang).parse_args(argv)
    try:
        settings = resolve_settings(
            inbox=getattr(args, "inbox", None),
            warehouse=getattr(args, "warehouse", None),
            feedback=getattr(args, "feedback", None),
            archive=getattr(args, "archive", None),
            lang=args.lang,
        )
    except ConfigError as error:
        print(error.describe(args.lang or lang), file=sys.stderr)
        return EXIT_USAGE
    except ValueError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    stop_on_sigterm()
    try:
        code: int = args.handler(args, settings)
    except KeyboardInterrupt:
        print(text(settings.lang, "cli.interrupted"), file=sys.stderr)
        return EXIT_INTERRUPTED
    return code


def stop_on_sigterm() -> None:
    """A SIGTERM (a scheduler stopping the command, `kill`) ends it as Ctrl+C does: what runs unwinds,
    an open load rolls back, and what the command started stops with it (the local Prefect server,
    at exit). Python's default would end the process at once and orphan that server."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def prepare_environment() -> None:
    """Defaults for Prefect and Great Expectations, set before they are imported; the officer's own
    environment wins."""
    for name, value in ENVIRONMENT_DEFAULTS.items():
        os.environ.setdefault(name, value)
    if os.environ.get("MESA_LOG_FORMAT", "").lower() == "json":
        for name, value in JSON_LOGS.items():
            os.environ.setdefault(name, value)


# --- mesa run -----------------------------------------------------------------------------------


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    from core.locations import is_remote, location_problem

    lang = settings.lang
    for location in settings.inboxes:
        if not is_remote(location) and not Path(location).exists():
            print(text(lang, "cli.no_inbox", path=location), file=sys.stderr)
            return EXIT_USAGE
        if not is_remote(location) and not Path(location).is_dir():
            print(text(lang, "cli.not_a_folder", path=location), file=sys.stderr)
            return EXIT_USAGE
        problem = location_problem(location)
        if problem is not None:
            message = text(lang, f"config.{problem[0]}", value=location, **problem[1])
            print(text(lang, "cli.bad_inbox_variable", message=message), file=sys.stderr)
            return EXIT_USAGE
    prepare_environment()
    with stdout_to_stderr():
        from flows.intake import run_intake

        succeeded, report = run_intake(settings)
    if "busy" in report:
        from mesa.cli_operations import busy_message

        print(busy_message(report["busy"], settings), file=sys.stderr)
        return EXIT_BUSY
    if args.json:
        print(json.dumps({"submissions": report["submissions"]}, ensure_ascii=False, indent=2))
    else:
        print_run_summary(report, settings)
    return EXIT_OK if succeeded else EXIT_FAILED


@contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Point file descriptor 1 at stderr, for this process and any it starts (Prefect's server):
    with --json, standard output carries only the JSON object."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def print_run_summary(report: dict[str, Any], settings: Settings) -> None:
    from core.contract import ROW_COUNTS  # after a run: pandas is loaded already

    lang, submissions = settings.lang, report["submissions"]
    if submissions:
        print(text(lang, "cli.processed", count=len(submissions)))
        rows = [
            (
                entry["file"],
                text(lang, f"status.{entry['status']}"),
                " / ".join(str(entry[count]) for count in ROW_COUNTS),
            )
            for entry in submissions
        ]
        headers = (text(lang, "cli.table_file"), text(lang, "cli.table_status"), text(lang, "cli.table_rows"))
        widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(2)]
        for row in [headers, *rows]:
            print(f"  {row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}")
    else:
        print(text(lang, "cli.nothing_new", path=", ".join(settings.inboxes)))
    for inbox in report.get("unreachable", []):
        print(text(lang, "cli.unreachable", inbox=inbox))
    if report["skipped"]:
        print(text(lang, "cli.skipped", count=report["skipped"]))
    if report["failed"]:
        print(text(lang, "cli.failed", count=len(report["failed"])))
    if report.get("set_aside"):
        print(text(lang, "cli.set_aside_files", count=len(report["set_aside"])))
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
    """A trial: the same checks and feedback as `mesa run`, nothing archived or loaded; the problems
    listed on the terminal, as a linter does."""
    lang, path = settings.lang, Path(args.file).expanduser()
    if not path.is_file():
        print(text(lang, "cli.no_file", path=path), file=sys.stderr)
        return EXIT_USAGE
    from core.reference import load_reference

    reference = load_reference()
    agency = reference.agency_code(args.agency)
    if agency is None:
        choices = ", ".join(reference.agency_codes)
        print(text(lang, "cli.unknown_agency", value=args.agency, choices=choices), file=sys.stderr)
        return EXIT_USAGE
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    from agency_feedback import answer as feedback
    from formats.submission import suite_runner
    from pipeline import intake
    from warehouse.store import readable

    warehouse = readable(settings.warehouse)
    if warehouse is None:
        print(text(lang, "cli.history_unavailable"), file=sys.stderr)
    received = intake.received_in_place(path, agency, agency)
    outcome = intake.inspect(
        received, warehouse, reference, suite_runner(), settings.limits, settings.timezone, trial=True
    )
    folder = feedback.write_feedback(outcome, settings.feedback, lang, settings.timezone, trial=True)
    entry = intake.report_entry(outcome, folder)
    if args.json:
        print(json.dumps({"submissions": [entry]}, ensure_ascii=False, indent=2))
        return EXIT_OK
    verdict = outcome.verdict
    status = text(lang, f"status.{verdict.status}")
    print(text(lang, "cli.validated", file=path.name, agency=agency, status=status))
    print(
        text(
            lang, "cli.validated_rows", **{key.removeprefix("rows_"): n for key, n in verdict.counts.items()}
        )
    )
    cause = feedback.leading_cause(outcome, lang)
    if cause and len(outcome.problems) > 1:
        print(cause)
    print_problems(feedback.problem_rows(outcome.problems, lang), lang)
    print(text(lang, "cli.validated_feedback", path=folder / text(lang, "files.summary")))
    print(text(lang, "cli.dry_run"))
    return EXIT_OK


def print_problems(rows: list[dict[str, Any]], lang: str) -> None:
    """The problems as a linter lists them: where (row as in Excel, column), the value, what to do,
    and the suggestion; at most PROBLEM_LINES of them (the CSV has every one)."""
    if not rows:
        print(text(lang, "cli.validated_no_problems"))
        return
    print(text(lang, "cli.validated_problems", count=len(rows)))
    for row in rows[:PROBLEM_LINES]:
        where = (
            text(lang, "cli.problem_row", row=row["row_number"])
            if row["row_number"] is not None
            else text(lang, "cli.problem_file")
        )
        if row["sheet"]:
            where = text(lang, "cli.problem_sheet", sheet=row["sheet"], where=where)
        if row["column"]:
            where = text(lang, "cli.problem_column", where=where, column=row["column"])
        if row["value"]:
            where = text(lang, "cli.problem_value", where=where, value=row["value"])
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
    if not settings.warehouse.exists():
        print(text(lang, "cli.no_warehouse", path=settings.warehouse), file=sys.stderr)
        return EXIT_USAGE
    try:
        connection = duckdb.connect(str(settings.warehouse), read_only=True)
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise
        print(text(lang, "cli.warehouse_busy", path=settings.warehouse), file=sys.stderr)
        return EXIT_FAILED
    try:
        relation = connection.sql(args.query)
        if args.csv:
            writer = csv.writer(sys.stdout)
            writer.writerow(relation.columns)
            writer.writerows(relation.fetchall())
        else:
            relation.show(max_rows=args.max_rows)
    except duckdb.Error as error:
        print(text(lang, "cli.sql_error", error=error), file=sys.stderr)
        return EXIT_FAILED
    finally:
        connection.close()
    return EXIT_OK


# --- mesa export --------------------------------------------------------------------------------


def export_command(args: argparse.Namespace, settings: Settings) -> int:
    from core.reference import load_reference
    from publication.export import export
    from publication.suppression import DEFAULT_THRESHOLD

    lang = settings.lang
    if not settings.warehouse.exists():
        print(text(lang, "cli.no_warehouse", path=settings.warehouse), file=sys.stderr)
        return EXIT_USAGE
    written = args.threshold if args.threshold is not None else os.environ.get("MESA_SUPPRESSION_THRESHOLD")
    try:
        threshold = int(written) if written is not None else DEFAULT_THRESHOLD
    except ValueError:
        threshold = 0
    if threshold < 1:
        print(text(lang, "cli.bad_threshold", value=written), file=sys.stderr)
        return EXIT_USAGE
    out = Path(args.out).expanduser().resolve()
    for exported in export(settings.warehouse, out, load_reference(), threshold):
        print(
            text(lang, "cli.exported", mart=exported.mart, rows=exported.rows, hidden=exported.hidden_cells)
        )
    print(text(lang, "cli.export_done", path=out, marker=f"<{threshold}"))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
