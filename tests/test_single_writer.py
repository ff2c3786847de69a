"""Only one run writes the warehouse at a time, between real processes: a second run exits with a
message naming the first, or waits for it when told to; two runs at once load nothing twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import pytest

from mesa_tumbes.core.settings import resolve_settings
from mesa_tumbes.warehouse.lock import current_holder
from mesa_tumbes.warehouse.store import connect
from tests.test_cli import ROOT, mesa

pytestmark = pytest.mark.e2e


def working(warehouse: Path) -> Path:
    """The writer's own file behind the published `warehouse`: the one the lock is about."""
    return resolve_settings(warehouse=str(warehouse), inbox=str(warehouse.parent)).working


def hold_lock(warehouse: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process holding the writer lock, as a run in progress does."""
    holder = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "hold_writer_lock.py"), str(working(warehouse)), str(seconds)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    return holder


def test_a_second_run_exits_with_a_message_naming_the_first(
    prefect_api: str, tmp_path: Path, examples_inbox: Path
) -> None:
    warehouse = tmp_path / "mesa.duckdb"
    holder = hold_lock(warehouse, 120)
    try:
        seen = current_holder(working(warehouse))
        assert seen is not None and seen.pid == holder.pid
        result = mesa(
            "run",
            "--inbox",
            str(examples_inbox),
            "--warehouse",
            str(warehouse),
            cwd=tmp_path,
            api=prefect_api,
        )
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 3, result.stderr
    assert f"proceso {holder.pid}" in result.stderr and "No se procesó nada" in result.stderr
    assert not warehouse.exists()  # not a byte written
    assert current_holder(working(warehouse)) is None  # a killed holder leaves no lock behind


def test_a_second_run_told_to_wait_goes_on_when_the_first_ends(
    prefect_api: str, tmp_path: Path, examples_inbox: Path
) -> None:
    warehouse = tmp_path / "mesa.duckdb"
    holder = hold_lock(warehouse, 3)
    started = time.monotonic()
    result = mesa(
        "run", "--inbox", str(examples_inbox), "--warehouse", str(warehouse), "--json",
        cwd=tmp_path, api=prefect_api, MESA_LOCK_WAIT_SECONDS="120",
    )  # fmt: skip
    holder.wait()
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started >= 2  # it did wait for the holder
    assert len(json.loads(result.stdout)["submissions"]) == 10


def test_two_runs_at_once_load_each_file_once(prefect_api: str, tmp_path: Path, examples_inbox: Path) -> None:
    """Both runs are held at the lock until each says it waits (else the later one, slow to start on
    a busy machine, may begin after the first has published and rightly find nothing new)."""
    warehouse = tmp_path / "mesa.duckdb"
    command = [
        sys.executable,
        "-m",
        "mesa_tumbes",
        "run",
        "--inbox",
        str(examples_inbox),
        "--warehouse",
        str(warehouse),
    ]
    environment = {
        **os.environ,
        "PREFECT_API_URL": prefect_api,
        "MESA_LOCK_WAIT_SECONDS": "300",
    }
    holder = hold_lock(warehouse, 600)
    runs = [
        subprocess.Popen(
            command, cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    errors = [Collected(run.stderr) for run in runs]
    try:
        for said in errors:
            assert said.wait_for(f"proceso {holder.pid}", 300), said.text()[-2000:]
            assert "esta espera hasta 300 s" in said.text()
    finally:
        holder.kill()
        holder.wait()
    printed = [Collected(run.stdout) for run in runs]
    for run in runs:
        run.wait(timeout=600)
    outputs = [(out.whole(), err.whole()) for out, err in zip(printed, errors, strict=True)]
    assert [run.returncode for run in runs] == [0, 0], [err[-2000:] for _, err in outputs]
    with connect(warehouse, read_only=True) as connection:
        registered = connection.execute("select count(*), count(distinct sha256) from submissions").fetchone()
        values = connection.execute("select count(*) from observations").fetchone()
        runs_done = connection.execute(
            "select count(*) from runs where flow = 'intake' and state = 'completed'"
        ).fetchone()
    assert registered == (10, 9)  # ten files, one of them a duplicate copy of another: each once
    assert runs_done == (2,)
    assert "Archivos ya procesados antes (sin cambios): 10" in "".join(out for out, _ in outputs)
    assert values is not None and values[0] > 0


class Collected:
    """A child's stream read as it comes, on a thread: waiting for one line must not stop the child
    on a full pipe."""

    def __init__(self, stream: IO[str] | None) -> None:
        assert stream is not None
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self.read, args=(stream,), daemon=True)
        self.reader.start()

    def read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.append(line)

    def text(self) -> str:
        """What came so far; all of it once the child has closed the stream."""
        return "".join(self.lines)

    def whole(self) -> str:
        self.reader.join(timeout=60)
        return self.text()

    def wait_for(self, fragment: str, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if fragment in self.text():
                return True
            if not self.reader.is_alive():
                return fragment in self.whole()
            time.sleep(0.2)
        return False
