"""Analysts never block a run and a run never blocks an analyst, between real processes: analysts
read a copy of the warehouse published after each build, while the writer keeps its own file. And a
run stopped with SIGTERM stops what it started and leaves every submission whole or absent."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mesa_tumbes.core.settings import resolve_settings
from mesa_tumbes.warehouse.store import connect
from tests.builders import template_csv
from tests.test_cli import ROOT, mesa

pytestmark = pytest.mark.e2e

# An analyst's session: open the published copy read-only, query it, and keep it open until killed.
ANALYST = """
import sys, time, duckdb
connection = duckdb.connect(sys.argv[1], read_only=True)
print(connection.execute("select count(*) from submissions").fetchone()[0], flush=True)
time.sleep(600)
"""
# A dashboard polling the published copy: open, query, close, again and again, for some seconds.
POLLER = """
import json, os, sys, time, duckdb
path, stop = sys.argv[1], sys.argv[2]  # polls until the test has written `stop` (the run is over)
attempts, failures, errors, seen = 0, 0, [], set()
deadline = time.monotonic() + 600
done = False
while not done and time.monotonic() < deadline:
    done = os.path.exists(stop)  # one last poll after the run, then out
    attempts += 1
    try:
        connection = duckdb.connect(path, read_only=True)
        try:
            seen.add(connection.execute("select count(*) from submissions").fetchone()[0])
        finally:
            connection.close()
    except Exception as error:
        failures += 1
        errors.append(str(error)[:200])
    time.sleep(0.02)
print(json.dumps({"attempts": attempts, "failures": failures, "errors": errors[:3], "seen": sorted(seen)}))
"""


def agency_files(inbox: Path, agency: str, count: int, month: int = 10) -> None:
    """`count` small Mesa-template files of one agency, one district each."""
    folder = inbox / agency
    folder.mkdir(parents=True, exist_ok=True)
    districts = ["240101", "240102", "240103", "240104", "240105", "240106", "240201", "240202", "240203"]
    for n in range(count):
        rows = [
            [agency, f"2026-{month:02}", districts[n % len(districts)], "SAL-01", sex, age, "", str(3 + n)]
            for sex in ("F", "M")
            for age in ("0-5", "18-59")
        ]
        (folder / f"envio_{month:02}_{n:02}.csv").write_bytes(template_csv(*rows))


def python(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_an_analyst_holding_the_published_copy_open_never_stops_a_run(
    prefect_api: str, tmp_path: Path, examples_inbox: Path
) -> None:
    warehouse = tmp_path / "mesa.duckdb"
    first = mesa(
        "run", "--inbox", str(examples_inbox), "--warehouse", str(warehouse), cwd=tmp_path, api=prefect_api
    )
    assert first.returncode == 0, first.stderr
    analyst = python(ANALYST, str(warehouse))
    try:
        assert analyst.stdout is not None and analyst.stdout.readline().strip() == "10"
        for month in (11, 12):  # two more runs, each with new files to write, while the analyst stays
            agency_files(examples_inbox, "DIRESA", 2, month)
            run = mesa(
                "run",
                "--inbox",
                str(examples_inbox),
                "--warehouse",
                str(warehouse),
                cwd=tmp_path,
                api=prefect_api,
            )
            assert run.returncode == 0, run.stderr
            assert "Envíos procesados: 2" in run.stdout
        assert analyst.poll() is None  # still connected to the copy it opened
    finally:
        analyst.kill()
        analyst.wait()
    with connect(warehouse, read_only=True) as connection:
        assert connection.execute("select count(*) from submissions").fetchone() == (14,)


def test_a_reader_polling_the_published_copy_while_a_run_writes_never_fails(
    prefect_api: str, tmp_path: Path, examples_inbox: Path
) -> None:
    warehouse = tmp_path / "mesa.duckdb"
    first = mesa(
        "run", "--inbox", str(examples_inbox), "--warehouse", str(warehouse), cwd=tmp_path, api=prefect_api
    )
    assert first.returncode == 0, first.stderr
    agency_files(examples_inbox, "MTPE", 6, 11)
    stop = tmp_path / "run-over"
    poller = python(POLLER, str(warehouse), str(stop))
    run = mesa(
        "run", "--inbox", str(examples_inbox), "--warehouse", str(warehouse), cwd=tmp_path, api=prefect_api
    )
    stop.touch()  # however long the run took on this machine, the poller saw all of it
    out, _ = poller.communicate(timeout=120)
    assert run.returncode == 0, run.stderr
    polled = json.loads(out)
    assert polled["failures"] == 0, polled["errors"]
    assert polled["attempts"] > 100
    assert 10 in polled["seen"] and 16 in polled["seen"]  # it saw the copy before the run, and after


def prefect_servers(home: Path) -> list[int]:
    """Processes serving Prefect's API with this PREFECT_HOME (the local server a run starts)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            environment = (entry / "environ").read_bytes()
        except OSError:
            continue
        if (
            b"prefect.server.api.server:create_app" in command
            and f"PREFECT_HOME={home}".encode() in environment
        ):
            found.append(int(entry.name))
    return found


def test_a_run_stopped_with_sigterm_stops_its_prefect_server_and_loads_each_file_whole_or_not_at_all(
    tmp_path: Path,
) -> None:
    inbox = tmp_path / "inbox"
    for agency in ("DIRESA", "MIMP", "PNP", "MTPE"):
        agency_files(inbox, agency, 8)
    home = tmp_path / "prefect-home"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "MESA_LANG": "es",
        "PREFECT_LOGGING_LEVEL": "INFO",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    }
    env.pop("PREFECT_API_URL", None)  # the run starts its own local server, as `mesa run` alone does
    warehouse = tmp_path / "mesa.duckdb"
    run = subprocess.Popen(
        [sys.executable, "-m", "mesa_tumbes", "run", "--inbox", str(inbox), "--warehouse", str(warehouse)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert run.stderr is not None
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:  # stop it in the middle of the files
        line = run.stderr.readline()
        if "Avance:" in line or (not line and run.poll() is not None):
            break
    assert run.poll() is None, "the run ended before it could be stopped"
    assert prefect_servers(home), "the run should have started its local Prefect server"
    run.send_signal(signal.SIGTERM)
    _, rest = run.communicate(timeout=120)
    assert run.returncode == 130, rest
    assert "Detenido a pedido" in rest
    for _ in range(50):
        if not prefect_servers(home):
            break
        time.sleep(0.2)
    assert prefect_servers(home) == []  # nothing orphaned

    working = resolve_settings(inbox=str(inbox), warehouse=str(warehouse)).working
    with connect(working, read_only=True) as connection:
        partial = connection.execute(
            "select count(*) from submissions s where rows_loaded <> "
            "(select count(*) from observations o where o.submission_id = s.submission_id)"
        ).fetchone()
        loaded = connection.execute("select count(*) from submissions").fetchone()
    assert partial == (0,)  # every submission is whole or absent
    assert loaded is not None and 0 < loaded[0] < 32

    env["PREFECT_HOME"] = str(tmp_path / "prefect-home-2")
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "mesa_tumbes",
            "run",
            "--inbox",
            str(inbox),
            "--warehouse",
            str(warehouse),
            "--json",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr
    with connect(warehouse, read_only=True) as connection:
        assert connection.execute("select count(*) from submissions").fetchone() == (32,)
