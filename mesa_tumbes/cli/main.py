"""The `mesa` command: parse, call, print. Nothing heavy (pandas, Prefect, Great Expectations) is
imported until a command needs it, so `mesa --help` answers at once; each command's work is in
cli/commands.py (run, validate, sql, export), cli/officer.py (status, remind, retry, serve) and
cli/review.py (revisar, consola)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from mesa_tumbes import __version__
from mesa_tumbes.cli.review import ACTIONS as REVIEW_ACTIONS
from mesa_tumbes.cli.terminal import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, stop_on_sigterm, stopped
from mesa_tumbes.console.accounts import ROLES
from mesa_tumbes.core.config import ConfigError
from mesa_tumbes.core.i18n import LANGUAGES, text
from mesa_tumbes.core.settings import (
    DRY_RUN_FEEDBACK,
    EXPORT_FOLDER,
    TEMPLATE_FOLDER,
    SettingError,
    Settings,
    chosen_language,
    resolve_settings,
)

Handler = Callable[[argparse.Namespace, Settings], int]


def build_parser(lang: str) -> argparse.ArgumentParser:
    def say(key: str) -> str:
        return text(lang, f"help.{key}")

    parser = argparse.ArgumentParser(prog="mesa", description=say("description"))
    parser.add_argument("--version", action="version", version=f"mesa {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, key: str, module: str, warehouse: bool = True) -> argparse.ArgumentParser:
        """A subcommand (its help under `help.<key>`, its handler <module>.<key>_command) with the
        options every command has: --lang, and --warehouse where it opens the warehouse."""
        sub = commands.add_parser(name, help=say(key), description=say(f"{key}_description"))
        sub.set_defaults(handler=_handler(module, f"{key}_command"))
        if warehouse:
            sub.add_argument("--warehouse", metavar="FILE", help=say("warehouse"))
        sub.add_argument("--lang", choices=LANGUAGES, help=say("lang"))
        return sub

    run = command("run", "run", "commands")
    run.add_argument("--inbox", metavar="DIR_OR_URL", action="append", help=say("inbox"))
    run.add_argument("--feedback", metavar="DIR", help=say("feedback"))
    run.add_argument("--archive", metavar="DIR", help=say("archive"))
    run.add_argument("--json", action="store_true", help=say("json"))

    validate = command("validate", "validate", "commands")
    validate.add_argument("file", metavar="FILE", help=say("file"))
    validate.add_argument("--agency", required=True, help=say("agency"))
    validate.add_argument(
        "--feedback", metavar="DIR", default=DRY_RUN_FEEDBACK, help=say("validate_feedback")
    )
    validate.add_argument("--json", action="store_true", help=say("json"))

    sql = command("sql", "sql", "commands")
    sql.add_argument("query", help=say("query"))
    sql.add_argument("--csv", action="store_true", help=say("csv"))
    sql.add_argument("--max-rows", type=int, default=100, metavar="N", help=say("max_rows"))

    exporter = command("export", "export", "commands")
    exporter.add_argument("--out", metavar="DIR", default=EXPORT_FOLDER, help=say("out"))
    exporter.add_argument("--threshold", type=int, metavar="N", help=say("threshold"))

    bulletin = command("boletin", "bulletin", "commands")
    bulletin.add_argument("--period", metavar="YYYY-MM", help=say("bulletin_period"))
    bulletin.add_argument("--out", metavar="DIR", help=say("bulletin_out"))

    templates = command("plantillas", "templates", "commands", warehouse=False)
    templates.add_argument("--agency", metavar="CODE", action="append", help=say("templates_agency"))
    templates.add_argument("--period", metavar="YYYY-MM", help=say("templates_period"))
    templates.add_argument("--out", metavar="DIR", default=TEMPLATE_FOLDER, help=say("templates_out"))
    templates.add_argument("--kobo", action="store_true", help=say("templates_kobo"))

    status = command("status", "status", "officer")
    status.add_argument("--period", metavar="YYYY-MM", help=say("period"))
    status.add_argument("--json", action="store_true", help=say("json_status"))

    remind = command("remind", "remind", "officer")
    remind.add_argument("--day", metavar="YYYY-MM-DD", help=say("day"))
    remind.add_argument("--json", action="store_true", help=say("json_remind"))

    retry = command("retry", "retry", "officer")
    retry.add_argument("files", metavar="AGENCY/FILE", nargs="*", help=say("retry_files"))
    retry.add_argument("--all", action="store_true", help=say("retry_all"))

    serve = command("serve", "serve", "officer", warehouse=False)
    serve.add_argument("--check", action="store_true", help=say("check"))

    console = command("consola", "console", "review")
    console.add_argument("--cuenta", metavar="NOMBRE", help=say("console_account"))
    console.add_argument("--rol", choices=ROLES, default="officer", help=say("console_role"))
    console.add_argument("--cerrar-sesiones", action="store_true", help=say("console_close_sessions"))
    console.add_argument("--anular-enlaces", metavar="INSTITUCION", help=say("console_revoke_links"))
    console.add_argument("--enlaces", action="store_true", help=say("console_links"))

    revise = command("revisar", "review", "review")
    revise.add_argument("accion", nargs="?", choices=tuple(REVIEW_ACTIONS), help=say("review_action"))
    revise.add_argument("institucion", nargs="?", metavar="INSTITUCION", help=say("review_agency"))
    revise.add_argument("periodo", nargs="?", metavar="AAAA-MM", help=say("review_period"))
    revise.add_argument("--comentario", default="", help=say("review_comment"))
    revise.add_argument("--oficial", help=say("review_officer"))
    revise.add_argument("--envio", metavar="ID", help=say("review_submission"))
    return parser


def _handler(module: str, name: str) -> Handler:
    """A command's handler in mesa_tumbes/cli/<module>.py, imported only when the command runs."""

    def handler(args: argparse.Namespace, settings: Settings) -> int:
        from importlib import import_module

        code: int = getattr(import_module(f"mesa_tumbes.cli.{module}"), name)(args, settings)
        return code

    return handler


def main(argv: Sequence[str] | None = None) -> int:
    try:
        lang = chosen_language()
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
    except (ConfigError, SettingError) as error:
        print(error.describe(args.lang or lang), file=sys.stderr)
        return EXIT_USAGE
    except ValueError as error:  # an unknown language: said in Spanish, the one sure to be there
        print(error, file=sys.stderr)
        return EXIT_USAGE
    stop_on_sigterm()
    try:
        code: int = args.handler(args, settings)
    except BaseException as error:
        if not stopped(error):  # a stop may come out of a library as an error of its own
            raise
        code = EXIT_INTERRUPTED
    if code == EXIT_INTERRUPTED or (stopped() and code != EXIT_OK):
        print(text(settings.lang, "cli.interrupted"), file=sys.stderr)
        return EXIT_INTERRUPTED
    return code


if __name__ == "__main__":
    sys.exit(main())
