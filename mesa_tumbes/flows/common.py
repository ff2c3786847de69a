"""What every flow that writes the warehouse shares: the single-writer lock, the record of the run
in the `runs` table, the marts refresh, and how a busy warehouse is reported."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

from prefect import get_run_logger, task
from prefect.cache_policies import NONE
from prefect.client.schemas.objects import State
from prefect.runtime import flow_run
from prefect.settings import get_current_settings, temporary_settings
from prefect.states import Completed

from mesa_tumbes.core import clock
from mesa_tumbes.core.faults import machine_fault
from mesa_tumbes.core.i18n import text
from mesa_tumbes.core.reference import load_reference
from mesa_tumbes.core.settings import Settings
from mesa_tumbes.core.settings import variable as settings_variable
from mesa_tumbes.followup.status import busy_text, machine_text
from mesa_tumbes.warehouse import store
from mesa_tumbes.warehouse.bookkeeping import RunRecord, finish_run, start_run
from mesa_tumbes.warehouse.build import BuildReport
from mesa_tumbes.warehouse.build import build as build_models
from mesa_tumbes.warehouse.lock import BusyHolder, Holder, WarehouseBusyError, described, writer
from mesa_tumbes.warehouse.store import WarehouseInUseError

SKIPPED = "Skipped"
# Prefect Secret blocks that may hold the mail passwords when the environment does not.
IMAP_SECRET, SMTP_SECRET = "mesa-imap-password", "mesa-smtp-password"


def secret(variable: str, block: str) -> str | None:
    """A password: the environment variable, else the Prefect Secret block of that name (created in
    Prefect's UI, Blocks), else None. Never a setting: settings are flow parameters, which are kept."""
    written = settings_variable(variable)
    if written:
        return written
    from prefect.blocks.system import Secret

    try:
        found: Any = Secret.load(block)
    except ValueError:  # no such block
        return None
    return str(found.get())


def current_run_id() -> str:
    """The Prefect flow run's id; a local id when called outside a flow run."""
    return str(flow_run.get_id() or uuid.uuid4())


@dataclass
class RunLog:
    """What a run did, filled in by the flow and written to the `runs` table when it ends."""

    run_id: str
    failed: bool = False
    built: bool = False  # the marts were brought up to date: the copy for analysts is published
    processed: int = 0
    skipped: int = 0
    failed_files: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    message: str | None = None
    stopped: bool = False  # stopped by a fault of the machine (a full disk...): the message says which

    def record(self) -> RunRecord:
        state = "failed" if self.failed or self.failed_files else "completed"
        return RunRecord(
            run_id=self.run_id,
            finished_at=dt.datetime.now(dt.UTC),
            state="stopped" if self.stopped else state,
            files_processed=self.processed,
            files_skipped=self.skipped,
            files_failed=len(self.failed_files),
            failed_files=list(self.failed_files),
            unreachable_inboxes=list(self.unreachable),
            message=self.message,
        )


@contextmanager
def writing_run(settings: Settings, flow: str) -> Iterator[RunLog]:
    """Hold the writer lock, bring the schema up to date and record the run as started; yields its
    log, written to `runs` at the end, also when the run breaks; when the marts were brought up to
    date, publish the analysts' copy. Raises WarehouseBusyError if another run holds the lock past
    the wait allowed."""
    log = RunLog(current_run_id())
    waiting = partial(say_waiting, settings)
    with writer(settings.working, f"mesa-{flow} {log.run_id}", settings.lock_wait_seconds, waiting):
        store.adopt(settings.working, settings.warehouse)
        with store.holding(settings.working):  # one connection for the run's many short steps
            store.migrate(settings.working)
            start_run(settings.working, log.run_id, flow, dt.datetime.now(dt.UTC))
            try:
                yield log
            except BaseException as error:
                log.failed, log.message = True, f"{type(error).__name__}: {error}"
                fault = machine_fault(error)
                if fault is not None:  # never reuse a connection the machine's fault may have broken
                    store.discard(settings.working)
                    log.stopped, log.message = True, machine_text(fault, settings.lang)
                raise
            finally:
                _finish(settings, log)
                if log.built:
                    store.publish(settings.working, settings.warehouse)


def say_waiting(settings: Settings, holder: Holder | None) -> None:
    """Log who holds the warehouse while this run waits for it: a run that waits in silence looks
    hung to the officer watching it."""
    if holder is not None:
        waited = {"seconds": round(settings.lock_wait_seconds)}
        said = busy_text(described(holder), settings.lang, settings.timezone, "log", "waiting", **waited)
        get_run_logger().info(said)


def _finish(settings: Settings, log: RunLog) -> None:
    """Write the run's record; after a fault of the machine, as well as the machine allows (the
    officer reads the fault on the terminal and in Prefect all the same)."""
    try:
        finish_run(settings.working, log.record())
    except Exception as error:
        if not log.stopped or machine_fault(error) is None:
            raise
        store.discard(settings.working)
        get_run_logger().error(text(settings.lang, "log.run_not_recorded", error=error))


def busy_holder(busy: WarehouseBusyError | WarehouseInUseError) -> BusyHolder:
    """Who held the warehouse: the run holding the lock, or ({"in_use": path}) the working file
    another program holds open (nobody but the writer should)."""
    if isinstance(busy, WarehouseInUseError):
        return {"in_use": str(busy.path)}
    return described(busy.holder)


def busy_state(settings: Settings, busy: WarehouseBusyError | WarehouseInUseError, data: Any) -> Any:
    """A run that found another one writing ends Completed, named Skipped: nothing went wrong, and the
    next scheduled run takes over. The holder is logged so the officer can tell which run it was.
    `data` is what the flow returns, saying it was busy."""
    message = busy_text(busy_holder(busy), settings.lang, settings.timezone, "log")
    get_run_logger().warning(message)
    return Completed(name=SKIPPED, message=message, data=data)


@dataclass(frozen=True)
class Unbuilt:
    """A build that failed (rolled back whole), handed to the flow to say: a full disk stops the run
    with the officer's message, anything else is said as the tables not brought up to date."""

    error: Exception


@task(cache_policy=NONE)
def refresh_marts(settings: Settings, full: bool = False) -> BuildReport | Unbuilt:
    """Bring the analysts' tables up to what is now loaded, as of today in the Mesa's time zone:
    only the agency-period slices changed since the last build, or everything when `full`. A failure
    is returned, not raised: the flow says it in words (no traceback in the task's log)."""
    day = clock.today(settings.timezone)  # deadlines are days in Tumbes, not in UTC
    try:
        return build_models(
            settings.working,
            load_reference(),
            day,
            settings.timezone,
            full=full,
            intersector=settings.intersector,
        )
    except Exception as error:
        return Unbuilt(error)


def update_marts(settings: Settings, full: bool = False) -> dict[str, int]:
    """The marts task, and the line the officer reads in the flow's log; the rows of each table.
    A failed build raises its error here, in the flow, which says it."""
    built = refresh_marts(settings, full)
    if isinstance(built, Unbuilt):
        raise built.error
    if built.full:
        message = text(settings.lang, "log.marts_rebuilt", tables=len(built.rows))
    else:
        message = text(settings.lang, "log.marts_built", tables=len(built.rows), slices=built.slices)
    get_run_logger().info(message)
    return built.rows


def run_once(
    flow: Callable[..., Any], *args: Any, meanwhile: Callable[[], object] | None = None
) -> tuple[bool, Any]:
    """Run a flow once from the command line; (completed, what it returned). A rejected submission
    is a success of the pipeline; whether a run that found the warehouse busy is one, its report says.
    `meanwhile`: what the flow will need in this process, prepared while its server starts."""
    with one_off_run(meanwhile):
        state = cast("State[Any]", flow(*args, return_state=True))
    result = state.result(raise_on_failure=False)
    if isinstance(result, BaseException):
        raise result
    return state.is_completed(), result


@contextmanager
def one_off_run(meanwhile: Callable[[], object] | None = None) -> Iterator[None]:
    """Around a flow started from the command line (`mesa run`, `mesa remind`). Without
    PREFECT_API_URL its Prefect server lives and dies with the process, so no one would ever read the
    flow's heartbeats, and Prefect 3.8.8 makes every flow wait up to a second at its end for the
    heartbeat thread to wake: they are off. Served deployments keep them (crashed runs are detected).
    The temporary server is started here and its address set for the run, so that the run's worker
    processes report to it: left to themselves, each started a server of its own (seconds each, on
    the cores that read and answer the files). The server takes seconds to answer, mostly in its own
    process: `meanwhile` runs here in the meantime (building the validation suites, seconds too)."""
    if get_current_settings().api.url:
        yield
        return
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY

    server = SubprocessASGIServer()  # the one Prefect's client would start (stopped at exit)
    with ThreadPoolExecutor(1, thread_name_prefix="prefect-server") as starter:
        starting = starter.submit(server.start)
        if meanwhile is not None:
            meanwhile()
        starting.result()
    updates = {PREFECT_API_URL: server.api_url, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
    with temporary_settings(updates=updates):
        yield
