"""The review commands: `mesa revisar` (list, approve, return, reopen, accept, decline from the
terminal) and `mesa consola` (serve the console; create an account)."""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mesa_tumbes.cli.terminal import EXIT_FAILED, EXIT_OK, EXIT_USAGE, no_warehouse
from mesa_tumbes.core.i18n import strings, text
from mesa_tumbes.core.settings import Settings, variable

if TYPE_CHECKING:
    from mesa_tumbes.warehouse.review import Action

ACTIONS: dict[str, Action] = {
    "aprobar": "approve",
    "devolver": "return",
    "reabrir": "reopen",
    "aceptar": "accept",
    "rechazar": "decline",
    "preguntar": "ask",
}


def review_command(args: argparse.Namespace, settings: Settings) -> int:
    import duckdb

    lang = settings.lang
    if no_warehouse(settings):
        return EXIT_USAGE
    try:
        return _review(args, settings)
    except duckdb.CatalogException:  # a warehouse from before review: the next run brings it up to date
        print(text(lang, "review_cli.before_review", path=settings.warehouse), file=sys.stderr)
        return EXIT_FAILED


def _review(args: argparse.Namespace, settings: Settings) -> int:
    from mesa_tumbes.warehouse import review

    lang = settings.lang
    if args.accion is None:
        return _list(settings, review.slices(settings.warehouse))
    if not args.institucion or not args.periodo:
        print(text(lang, "review_cli.needs_slice"), file=sys.stderr)
        return EXIT_USAGE
    action = ACTIONS[args.accion]
    decided_on = review.TRANSITIONS[action][0]  # the state the action decides on: the row it picks
    rows = review.slices(settings.warehouse, review.STATES)
    rows = rows[(rows["agency"] == args.institucion) & (rows["period"] == args.periodo)]
    rows = rows[rows["submission_id"] == args.envio] if args.envio else rows[rows["state"] == decided_on]
    if rows.empty:
        print(text(lang, "review_cli.nothing", agency=args.institucion, period=args.periodo,
                   state=text(lang, f"console.states.{decided_on}")), file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    row = rows.iloc[-1]
    return _decide(settings, args, action, str(row["submission_id"]), int(row["version"]))


def _decide(
    settings: Settings, args: argparse.Namespace, action: Action, submission_id: str, version: int
) -> int:
    from mesa_tumbes.pipeline.review import decide, decided_text
    from mesa_tumbes.warehouse import review

    decision = review.Decision(
        action=action,
        agency=args.institucion,
        period=args.periodo,
        submission_id=submission_id,
        version=version,
        officer=args.oficial or getpass.getuser(),
        comment=args.comentario,
    )
    decided = decide(settings, decision)
    if not decided.applied:
        print(text(settings.lang, f"console.refusal.{decided.refusal}"), file=sys.stderr)
        return EXIT_FAILED
    print(decided_text(decided, settings.lang))
    return EXIT_OK


def _list(settings: Settings, rows: object) -> int:
    """The queue as the officer reads it: each slice on a line (its file as the agency named it, its
    state and why, when it arrived in the Mesa's time), then per indicator the figure it brings beside
    what is published now and for the previous month."""
    import pandas as pd

    from mesa_tumbes.core.clock import local_time
    from mesa_tumbes.core.i18n import number

    assert isinstance(rows, pd.DataFrame)
    lang = settings.lang
    t = strings(lang)["console"]
    rule = settings.review.auto_approve
    print(f"{t['rule_in_force']}: {t['rule_names'][rule]} — {t['rules'][rule]}")
    if rows.empty:
        print(t["queue_empty"])
        return EXIT_OK
    heads = [t["columns"][key] for key in ("indicator", "this_file", "published", "previous")]
    for row in rows.to_dict("records"):
        reason = str(row["reason"])
        print()
        print(
            text(
                lang,
                "review_cli.slice_line",
                agency=row["agency"],
                period=row["period"],
                file=row["file_name"],
                state=t["states"][row["state"]],
                reason=t["reasons"].get(reason, f"«{reason}»"),
                received=local_time(row["received_at"].to_pydatetime(), settings.timezone),
                submission=row["submission_id"],
            )
        )
        lines = [
            [str(f["indicator"]), *(number(f[key], lang) for key in ("figure", "published", "previous"))]
            for f in row["figures"]
        ]
        if not lines:
            print(f"    {t['no_figures']}")
            continue
        widths = [max(len(line[i]) for line in [heads, *lines]) for i in range(4)]
        for line in [heads, *lines]:
            print("    " + "  ".join(
                cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(line)
            ))  # fmt: skip
    return EXIT_OK


def _agency_links(args: argparse.Namespace, settings: Settings) -> int:
    """--anular-enlaces AGENCY: every link the agency holds stops opening its page; --enlaces: each
    agency's links, and when they were last used."""
    from mesa_tumbes.core.agency_links import AgencyLinks, links_path
    from mesa_tumbes.core.reference import load_reference

    lang, links = settings.lang, AgencyLinks(links_path(settings))
    if args.anular_enlaces:
        agency = load_reference().agency_code(args.anular_enlaces)
        if agency is None:
            print(text(lang, "review_cli.links_unknown_agency", agency=args.anular_enlaces), file=sys.stderr)
            return EXIT_USAGE
        links.revoke(agency)
        print(text(lang, "review_cli.links_revoked", agency=agency))
        return EXIT_OK
    states = {state.agency: state for state in links.states()}
    for agency in load_reference().agency_codes:
        state = states.get(agency)
        print(
            text(
                lang,
                "review_cli.links_state",
                agency=agency,
                used=(state.last_used_at or "—")[:16].replace("T", " ") if state else "—",
                revoked=(state.revoked_at or "—")[:16].replace("T", " ") if state else "—",
            )
        )
    return EXIT_OK


def console_command(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the console; with --cuenta, add an account or set its password (under the password
    rule, its sessions ended), or with --cerrar-sesiones end every session of the account."""
    from mesa_tumbes.console.accounts import WeakPasswordError, save_account
    from mesa_tumbes.console.sessions import Sessions, sessions_path

    lang = settings.lang
    accounts = Path(settings.review.accounts)
    sessions = Sessions(sessions_path(accounts))
    if args.anular_enlaces or args.enlaces:
        return _agency_links(args, settings)
    if args.cuenta and args.cerrar_sesiones:
        ended = sessions.end_all(args.cuenta)
        print(text(lang, "review_cli.sessions_closed", name=args.cuenta, count=ended))
        return EXIT_OK
    if args.cuenta:
        password = variable("MESA_CONSOLE_PASSWORD") or _ask_password(lang)
        if password is None:
            return EXIT_USAGE
        try:
            save_account(accounts, args.cuenta, args.rol, password)
        except WeakPasswordError as weak:
            print(text(lang, f"review_cli.password_rule.{weak.reason}", name=args.cuenta), file=sys.stderr)
            return EXIT_USAGE
        sessions.end_all(args.cuenta)  # a new password or role: the old sessions end
        print(text(lang, "review_cli.account_saved", name=args.cuenta, path=accounts))
        return EXIT_OK
    if not accounts.is_file():
        print(text(lang, "review_cli.no_accounts", path=accounts), file=sys.stderr)
        return EXIT_USAGE
    exposed = _exposed(settings, accounts, sessions.path)
    if exposed:
        for path, why in exposed:
            print(text(lang, f"review_cli.exposed.{why}", path=path), file=sys.stderr)
        print(text(lang, "review_cli.exposed.how"), file=sys.stderr)
        return EXIT_USAGE
    import uvicorn

    from mesa_tumbes.console.app import create_app
    from mesa_tumbes.core.secret import secret_key

    host, port = settings.review.host, settings.review.port
    local = _loopback(host)
    if not local:
        print(text(lang, "review_cli.beyond_localhost", host=host), file=sys.stderr)
    app = create_app(settings, secret_key(settings), secure_cookies=not local)
    print(text(lang, "review_cli.serving", url=f"http://{host}:{port}/"))
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=not local)
    return EXIT_OK


def _exposed(settings: Settings, accounts: Path, sessions: Path) -> list[tuple[Path, str]]:
    """The console's secrets that git would take into a commit: the key (unless it comes from the
    environment), the accounts' hashes, the sessions, the agencies' links."""
    from mesa_tumbes.console.keys import exposed_files
    from mesa_tumbes.core.agency_links import links_path

    key = [] if variable("MESA_CONSOLE_SECRET") else [settings.console_secret]
    return exposed_files(settings, [*key, accounts, sessions, links_path(settings)])


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _ask_password(lang: str) -> str | None:
    first = getpass.getpass(text(lang, "review_cli.password"))
    if getpass.getpass(text(lang, "review_cli.password_again")) != first:
        print(text(lang, "review_cli.password_mismatch"), file=sys.stderr)
        return None
    return first
