"""`mesa serve`: the four flows as Prefect deployments with the schedules of the operations file,
served by one process. Without PREFECT_API_URL it starts a local Prefect server on loopback first,
so that one command gives the officer the schedules and Prefect's UI.

The intake is not scheduled in Prefect: at each time of its schedule (and once at start) the service
looks, as `mesa run` does before starting anything, whether a file, a message, a partner's change or
a delivery waits, and starts the intake deployment only then. A look that finds nothing creates no
flow run (a run every five minutes would fill Prefect's UI with about 288 empty runs a day); the
deployment can still be run by hand from the UI."""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mesa_tumbes.core.clock import MINUTE_FORMAT
from mesa_tumbes.core.config import Operations
from mesa_tumbes.core.i18n import text
from mesa_tumbes.core.settings import Settings, environment

TAGS = ["mesa-tumbes"]
INTAKE = "intake"
INTAKE_DEPLOYMENT = "mesa-intake/intake"
log = logging.getLogger(__name__)
# A look that failed (the deployment not yet registered at start, the server busy) is made again after this.
RETRY_SECONDS = 5.0
DEFAULT_PORT = 4200
SERVER_START_SECONDS = 120


def deployments(operations: Operations, timezone: str) -> list[Any]:
    """One deployment per flow, each with its cron schedule but the intake's (watch_intake starts it
    when something waits); one run at a time per deployment."""
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    from mesa_tumbes.flows.bulletin import bulletin_flow
    from mesa_tumbes.flows.intake import intake_flow
    from mesa_tumbes.flows.reporting import calendar_flow, marts_flow

    flows: dict[str, Any] = {
        "intake": intake_flow,
        "marts": marts_flow,
        "calendar": calendar_flow,
        "bulletin": bulletin_flow,
    }
    return [
        flows[name].to_deployment(
            name=name,
            schedules=[]
            if name == INTAKE
            else [Cron(schedule.cron, timezone=timezone, active=schedule.active)],
            concurrency_limit=1,
            tags=TAGS,
            description=flows[name].description,
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
        for name, schedule in operations.schedules.items()
    ]


def next_runs(operations: Operations, timezone: str, now: dt.datetime) -> dict[str, dt.datetime | None]:
    """When each deployment runs next, in the Mesa's time zone (None for a paused schedule)."""
    from zoneinfo import ZoneInfo

    from cronsim import CronSim

    local = now.astimezone(ZoneInfo(timezone))
    return {
        name: next(CronSim(schedule.cron, local)) if schedule.active else None
        for name, schedule in operations.schedules.items()
    }


def serve_forever(deployments_to_serve: list[Any], settings: Settings, operations: Operations) -> None:
    """Register the deployments and run their scheduled (and manually triggered) runs until stopped,
    the intake's started by its watcher. One flow run at a time: runs queue behind each other instead
    of racing for the warehouse."""
    from prefect import serve

    stop = threading.Event()
    intake = operations.schedules.get(INTAKE)
    if intake is not None and intake.active:
        threading.Thread(
            target=watch_intake,
            args=(settings, intake.cron, stop, start_intake),
            name="mesa-intake-watch",
            daemon=True,
        ).start()
    try:
        serve(*deployments_to_serve, limit=1, print_starting_message=False)
    finally:
        stop.set()


def watch_intake(settings: Settings, cron: str, stop: threading.Event, start: Callable[[], bool]) -> None:
    """Once now, then at each time of `cron` (in the Mesa's time zone): when no run is writing the
    warehouse and something waits (pipeline.pending says so, without Prefect), `start` the intake."""
    from zoneinfo import ZoneInfo

    from cronsim import CronSim

    from mesa_tumbes.pipeline.pending import nothing_new
    from mesa_tumbes.warehouse.lock import current_holder

    zone = ZoneInfo(settings.timezone)
    moments = CronSim(cron, dt.datetime.now(zone))
    following = next(moments)
    while not stop.is_set():
        try:
            if current_holder(settings.working) is None and nothing_new(settings) is None and start():
                moment = dt.datetime.now(zone).strftime(MINUTE_FORMAT)
                print(text(settings.lang, "cli.serve_intake_started", time=moment), flush=True)
        except Exception as error:  # the deployment not registered yet, the server busy: looked at again soon
            log.warning(text(settings.lang, "log.watch_failed", error=error))
            log.debug("the intake watch's failure", exc_info=True)
            stop.wait(min(RETRY_SECONDS, max(0.0, (following - dt.datetime.now(zone)).total_seconds())))
            continue
        stop.wait(max(0.0, (following - dt.datetime.now(zone)).total_seconds()))
        following = next(moments)


def start_intake() -> bool:
    """A run of the intake deployment, started now (the served process runs it), unless one is
    already waiting to start or running (it will take what waits); whether one was started."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.deployments import run_deployment

    unfinished = [StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING]
    with get_client(sync_client=True) as client:
        waiting = client.read_flow_runs(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[INTAKE])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=unfinished))
            ),
            sort=FlowRunSort.EXPECTED_START_TIME_ASC,
            limit=1,
        )
    if waiting:
        return False
    run_deployment(name=INTAKE_DEPLOYMENT, timeout=0)
    return True


@contextmanager
def local_prefect_server(port: int, home: Path) -> Iterator[str]:
    """`prefect server start` on 127.0.0.1:`port`, its database under `home`; yields the API URL once
    the server answers, and stops it on the way out."""
    import httpx

    url = f"http://127.0.0.1:{port}/api"
    env = environment(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_API_URL=None)
    home.mkdir(parents=True, exist_ok=True)
    log = (home / "server.log").open("ab")
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the Prefect server stopped at start; see {home / 'server.log'}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Prefect server did not answer in time; see {home / 'server.log'}")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
