"""A loader killed with SIGKILL in the middle of its transaction leaves the warehouse as it was, and
the next run loads the submission exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mesa_tumbes.core.settings import resolve_settings
from mesa_tumbes.warehouse.store import connect
from tests.builders import template_csv

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parent.parent
DISTRICTS = ["240101", "240102", "240103", "240104", "240105", "240106", "240201", "240202", "240203"]
ROWS = [
    ["DIRESA", "2026-10", district, indicator, sex, age, "", str(n)]
    for n, (district, indicator, sex, age) in enumerate(
        (d, i, s, a)
        for d in DISTRICTS
        for i in ("SAL-01", "SAL-02", "SAL-03", "SAL-04")
        for s in ("F", "M", "X")
        for a in ("0-5", "6-11", "12-17", "18-59", "60+")
    )
]


def counts(warehouse: Path) -> tuple[int, int, int]:
    with connect(warehouse, read_only=True) as connection:
        row = connection.execute(
            "select (select count(*) from submissions), (select count(*) from observations),"
            " (select count(*) from current_slices)"
        ).fetchone()
    assert row is not None
    return row[0], row[1], row[2]


def test_sigkill_inside_the_load_transaction_loses_nothing_and_loads_once_on_rerun(
    prefect_api: str, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "DIRESA").mkdir(parents=True)
    (inbox / "DIRESA" / "atenciones.csv").write_bytes(template_csv(*ROWS))
    settings = resolve_settings(
        inbox=str(inbox), warehouse=str(tmp_path / "mesa.duckdb"), feedback=str(tmp_path / "feedback")
    )

    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.load_then_hang",
            str(settings.inbox),
            str(settings.warehouse),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    lines = [child.stdout.readline().strip(), child.stdout.readline().strip()]
    assert lines == [f"loading {len(ROWS)}", "inside-transaction"], lines
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL

    assert counts(settings.working) == (0, 0, 0)  # the half-done transaction left nothing behind

    from mesa_tumbes.flows.intake import run_intake

    succeeded, report = run_intake(settings)
    assert succeeded
    assert [(e["file"], e["status"], e["rows_loaded"]) for e in report.as_json()["submissions"]] == [
        ("DIRESA/atenciones.csv", "accepted", len(ROWS))
    ]
    assert counts(settings.warehouse) == (1, len(ROWS), 1)
    succeeded, again = run_intake(settings)
    assert succeeded and again.as_json()["submissions"] == []
    assert counts(settings.warehouse) == (1, len(ROWS), 1)
