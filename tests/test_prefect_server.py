"""A real Prefect server round trip: `prefect server start` on loopback with its own home folder,
`mesa serve` registering the deployments with their schedules, runs triggered through the server's
REST API, and their states and artifacts read back. Deselect with `-m "not prefect_server"`."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mesa_tumbes.warehouse.store import connect
from tests.conftest import EXAMPLES_INBOX, ROOT
from tests.test_remote_inbox import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.prefect_server]
START_SECONDS = 120
RUN_SECONDS = 300


def wait_for(condition: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            found = condition()
        except httpx.HTTPError:
            found = None
        if found:
            return found
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


def clean_environment(**extra: str) -> dict[str, str]:
    """The test process's environment without its own Prefect server, plus `extra`."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "MESA_"))}
    return {**environment, **extra}


def stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`prefect server start` on 127.0.0.1, its database in a home folder of its own."""
    home = tmp_path_factory.mktemp("prefect-server-home")
    port = free_port()
    log = (home / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=clean_environment(
            PREFECT_HOME=str(home),
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="5",  # schedules runs ahead within seconds
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        wait_for(
            lambda: httpx.get(f"{api}/health", timeout=2).status_code == 200, START_SECONDS, "the server"
        )
        yield api
    finally:
        stop(server)
        log.close()


def deployment(api: str, name: str) -> dict[str, Any] | None:
    response = httpx.get(f"{api}/deployments/name/{name}", timeout=10)
    return response.json() if response.status_code == 200 else None


def run_and_wait(api: str, deployment_id: str) -> dict[str, Any]:
    """Trigger a run of the deployment through the API and wait for it to end."""

    def create() -> httpx.Response | None:
        """The server may answer 503 while its database is busy (SQLite, under load): asked again."""
        response = httpx.post(f"{api}/deployments/{deployment_id}/create_flow_run", json={}, timeout=30)
        return None if response.status_code == 503 else response

    created: httpx.Response = wait_for(create, 60, "the server to accept a run")
    created.raise_for_status()
    run_id = created.json()["id"]

    def ended() -> dict[str, Any] | None:
        run: dict[str, Any] = httpx.get(f"{api}/flow_runs/{run_id}", timeout=10).json()
        return run if run["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None

    finished: dict[str, Any] = wait_for(ended, RUN_SECONDS, f"flow run {run_id}")
    return finished


def scheduled_runs(
    api: str, deployment_id: str, states: tuple[str, ...] = ("SCHEDULED",)
) -> list[dict[str, Any]]:
    """The runs of a deployment in `states`: by default those the server's scheduler created ahead."""
    response = httpx.post(
        f"{api}/flow_runs/filter",
        json={
            "deployments": {"id": {"any_": [deployment_id]}},
            "flow_runs": {"state": {"type": {"any_": list(states)}}},
            "sort": "EXPECTED_START_TIME_ASC",
            "limit": 10,
            "offset": 0,
        },
        timeout=10,
    )
    response.raise_for_status()
    runs: list[dict[str, Any]] = response.json()
    return runs


def artifact(api: str, key: str, flow_run_id: str) -> Any:
    response = httpx.post(
        f"{api}/artifacts/filter",
        json={
            "artifacts": {"key": {"any_": [key]}},
            "flow_runs": {"id": {"any_": [flow_run_id]}},
            "sort": "CREATED_DESC",
            "limit": 1,
            "offset": 0,
        },
        timeout=10,
    )
    response.raise_for_status()
    found = response.json()
    if not found:
        return None
    data = found[0]["data"]
    return json.loads(data) if isinstance(data, str) else data


def test_serve_deploys_the_flows_and_runs_triggered_through_the_api(
    prefect_server: str, tmp_path: Path
) -> None:
    shutil.copytree(EXAMPLES_INBOX, tmp_path / "inbox")
    serve = subprocess.Popen(
        [sys.executable, "-m", "mesa_tumbes", "serve"],
        cwd=tmp_path,
        env=clean_environment(PREFECT_API_URL=prefect_server, PREFECT_HOME=str(tmp_path / "client-home")),
        stdout=(tmp_path / "serve.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        intake = wait_for(
            lambda: deployment(prefect_server, "mesa-intake/intake"), START_SECONDS, "deployments"
        )
        calendar = wait_for(lambda: deployment(prefect_server, "mesa-calendar/calendar"), 30, "calendar")
        marts = deployment(prefect_server, "mesa-marts/marts")
        assert marts is not None and marts["schedules"][0]["schedule"]["timezone"] == "America/Lima"
        # the intake has no schedule in Prefect: the service looks for work itself (at start, then every
        # five minutes) and starts a run only when something waits; the examples wait at start
        assert intake["schedules"] == []
        said = tmp_path / "serve.log"
        wait_for(lambda: "se inicia la recepción" in said.read_text() or None, RUN_SECONDS, "the watch")
        everything = ("SCHEDULED", "PENDING", "RUNNING", "COMPLETED", "FAILED", "CRASHED", "CANCELLED")
        (run,) = wait_for(
            lambda: [r for r in scheduled_runs(prefect_server, intake["id"], everything)
                     if r["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED")] or None,
            RUN_SECONDS, "the intake run the watch started",
        )  # fmt: skip
        assert run["state"]["type"] == "COMPLETED", (tmp_path / "serve.log").read_text()[-3000:]
        table = artifact(prefect_server, "mesa-intake-run", run["id"])
        assert len(table) == 10 and {row["institución"] for row in table} >= {"DIRESA", "GTRM"}
        with connect(tmp_path / "mesa.duckdb", read_only=True) as connection:
            assert connection.execute("select count(*) from submissions").fetchone() == (10,)
            assert connection.execute("select run_id, state from runs").fetchall() == [
                (run["id"], "completed")
            ]
        # by hand from the UI (the API) the intake still runs: nothing new, no file taken twice
        again = run_and_wait(prefect_server, intake["id"])
        assert again["state"]["type"] == "COMPLETED" and again["state"]["name"] == "NothingNew"

        reminders = run_and_wait(prefect_server, calendar["id"])
        assert reminders["state"]["type"] == "COMPLETED", (tmp_path / "serve.log").read_text()[-3000:]
        status = artifact(prefect_server, "mesa-reporting-status", reminders["id"])
        assert {row["Institución"] for row in status} >= {"DIRESA", "MIMP", "PNP"}
        assert any((tmp_path / "outbox").rglob("*.txt"))
    finally:
        stop(serve)
    assert serve.returncode is not None


def test_serve_without_a_server_starts_its_own_and_stops_it(tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    serve = subprocess.Popen(
        [sys.executable, "-m", "mesa_tumbes", "serve"],
        cwd=tmp_path,
        env=clean_environment(PREFECT_HOME=str(tmp_path / "home"), MESA_PREFECT_PORT=str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(
            lambda: deployment(api, "mesa-intake/intake"), START_SECONDS, "deployments on its own server"
        )
    finally:
        stop(serve)
    output = serve.stdout.read() if serve.stdout else ""
    assert f"Interfaz de Prefect: http://127.0.0.1:{port}" in output and "Detenido." in output
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{api}/health", timeout=2)  # the server went with it
    assert (tmp_path / "home" / "server.log").exists()
    assert ROOT.exists()
