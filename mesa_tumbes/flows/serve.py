"""`mesa serve`: the four flows as Prefect deployments with the schedules of the operations file,
served by one process. Without PREFECT_API_URL it starts a local Prefect server on loopback first,
so that one command gives the officer the schedules and Prefect's UI."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mesa_tumbes.core.config import Operations
from mesa_tumbes.core.settings import environment

TAGS = ["mesa-tumbes"]
DEFAULT_PORT = 4200
SERVER_START_SECONDS = 120


def deployments(operations: Operations, timezone: str) -> list[Any]:
    """One deployment per flow, each with its cron schedule; one run at a time per deployment."""
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
            schedules=[Cron(schedule.cron, timezone=timezone, active=schedule.active)],
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


def serve_forever(deployments_to_serve: list[Any]) -> None:
    """Register the deployments and run their scheduled (and manually triggered) runs until stopped.
    One flow run at a time: runs queue behind each other instead of racing for the warehouse."""
    from prefect import serve

    serve(*deployments_to_serve, limit=1, print_starting_message=False)


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
