"""What the commands share: exit codes, the environment set before Prefect and Great Expectations are
imported, standard output kept for JSON, a SIGTERM that stops a command as Ctrl+C does, and the
check of the inboxes a command is told to read."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from mesa_tumbes.core.faults import interrupted
from mesa_tumbes.core.i18n import text
from mesa_tumbes.core.locations import is_remote, location_problem
from mesa_tumbes.core.settings import Settings, set_defaults, variable

if TYPE_CHECKING:
    from mesa_tumbes.warehouse.lock import BusyHolder

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3
# The run stopped on a fault of the machine (a full disk, a folder it may not write, a database
# DuckDB invalidated, a share that went away): the officer's to fix; the next run takes the files.
EXIT_MACHINE = 4
# Every file was taken and answered, but a partner's system (ActivityInfo, Kobo) could not be pulled:
# the summary says which and why; the next run asks it again from the same point.
EXIT_SOURCE = 5
# Stopped by Ctrl+C or SIGTERM, as shells report it (128 + SIGINT).
EXIT_INTERRUPTED = 130
# Set before Prefect and Great Expectations are imported; the officer's own environment wins.
ENVIRONMENT_DEFAULTS = {
    # Prefect's local server takes 10-20 s to start on a small machine; its default limit is 20 s.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # The officer reads one line per submission from the flow; per-task "Finished" lines are noise.
    "PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL": "WARNING",
    # What the pipeline's own modules warn of in a run (a file outside an agency's folder, a message
    # left in a mailbox, an e-mail not delivered) goes to the run's logs in Prefect's UI too, where
    # the officer watches served runs; outside a run (a command's own work) it stays on the terminal.
    "PREFECT_LOGGING_EXTRA_LOGGERS": "mesa_tumbes",
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    "GX_ANALYTICS_ENABLED": "false",
}
# MESA_LOG_FORMAT=json: one JSON object per log line on stderr, for a log collector.
JSON_LOGS = {
    "PREFECT_LOGGING_HANDLERS_CONSOLE_FORMATTER": "json",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_FLOW_RUNS_FORMATTER": "json",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_TASK_RUNS_FORMATTER": "json",
}


# Set when the command is asked to stop.
STOPPING = threading.Event()


def stop_on_sigterm() -> None:
    """A SIGTERM (a scheduler stopping the command, `kill`) ends it as Ctrl+C does: what runs unwinds,
    an open load rolls back, and what the command started stops with it (the local Prefect server,
    at exit). Python's default would end the process at once and orphan that server."""

    def interrupt(signum: int, frame: object) -> None:
        STOPPING.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)


def stopped(error: BaseException | None = None) -> bool:
    """Whether the command was asked to stop (SIGTERM, Ctrl+C): said as such even where a library
    caught the interruption and ended in an error of its own. Inside a flow Prefect's own SIGTERM
    handler replaces ours and raises its TerminationSignal; when that lands while Prefect is still
    creating a task run, its engine fails with an error of its own ("Task run is not set") raised
    while handling the signal, so the signal is looked for in the error's chain too."""
    return STOPPING.is_set() or (error is not None and interrupted(error))


def prepare_environment() -> None:
    """Defaults for Prefect and Great Expectations, set before they are imported; the officer's own
    environment wins."""
    set_defaults(ENVIRONMENT_DEFAULTS)
    if (variable("MESA_LOG_FORMAT") or "").lower() == "json":
        set_defaults(JSON_LOGS)


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


def inbox_problem(settings: Settings) -> str | None:
    """What is wrong with the inboxes a command is told to read, in the officer's language; None
    when each can be used (a remote one is not contacted here: a run retries it)."""
    lang = settings.lang
    for location in settings.inboxes:
        if not is_remote(location) and not Path(location).exists():
            return text(lang, "cli.no_inbox", path=location)
        if not is_remote(location) and not Path(location).is_dir():
            return text(lang, "cli.not_a_folder", path=location)
        problem = location_problem(location)
        if problem is not None:
            message = text(lang, f"config.{problem[0]}", value=location, **problem[1])
            return text(lang, "cli.bad_inbox_variable", message=message)
    return None


def busy_message(holder: BusyHolder, settings: Settings) -> str:
    """Who holds the warehouse, for the officer at the command line."""
    from mesa_tumbes.followup.status import busy_text

    return busy_text(holder, settings.lang, settings.timezone, "cli")


def no_warehouse(settings: Settings) -> bool:
    """Whether there is no warehouse yet for a command that reads it (said on stderr, with what to do)."""
    if settings.warehouse.exists():
        return False
    print(text(settings.lang, "cli.no_warehouse", path=settings.warehouse), file=sys.stderr)
    return True


def month_given_well(period: str | None, lang: str) -> bool:
    """A --period flag is absent or a month (YYYY-MM); otherwise the officer is told, on stderr."""
    from mesa_tumbes.core.contract import MONTH_PERIOD

    if period is None or MONTH_PERIOD.match(period):
        return True
    print(text(lang, "cli.bad_period", value=period), file=sys.stderr)
    return False
