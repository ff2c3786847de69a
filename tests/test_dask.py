"""The same intake flow on a Dask cluster: a real `distributed.LocalCluster` with two worker
processes, reached through the one setting an officer would change (MESA_DASK_ADDRESS), loads the
same warehouse and writes the same feedback as a run on this machine's own runner."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from mesa_tumbes.core.settings import Settings, resolve_settings
from mesa_tumbes.warehouse.store import connect

# What differs between two runs by nature: when they ran, and each run's own record.
PER_RUN_TABLES = {"runs", "schema_migrations", "build_state", "reminders"}
# (a review row's last change and a decision's id and moment are as the run made them)
PER_RUN_COLUMNS = {"processed_at", "processed_local", "updated_at", "decision_id", "decided_at"}


def settings_for(folder: Path, inbox: Path, **environ: str) -> Settings:
    return resolve_settings(
        inbox=str(inbox),
        warehouse=str(folder / "mesa.duckdb"),
        feedback=str(folder / "feedback"),
        environ={**os.environ, **environ},
    )


def warehouse_contents(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted, without what differs per run."""
    contents = {}
    with connect(path, read_only=True) as connection:
        tables = [name for (name,) in connection.execute("select table_name from duckdb_tables()").fetchall()]
        for table in sorted(set(tables) - PER_RUN_TABLES):
            columns = [
                name
                for (name,) in connection.execute(
                    "select column_name from duckdb_columns() where table_name = ? order by column_index",
                    [table],
                ).fetchall()
                if name not in PER_RUN_COLUMNS
            ]
            listed = ", ".join(f'"{name}"' for name in columns)
            contents[table] = sorted(
                connection.execute(f'select {listed} from "{table}"').fetchall(), key=repr
            )
    return contents


def feedback_contents(root: Path) -> dict[str, Any]:
    """Every feedback file, as what an agency reads in it."""
    contents: dict[str, Any] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        name = str(path.relative_to(root))
        if path.suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            contents[name] = {key: value for key, value in data.items() if key not in PER_RUN_COLUMNS}
        elif path.suffix == ".xlsx":
            workbook = load_workbook(path, read_only=True)
            contents[name] = {
                sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook
            }
        elif path.suffix == ".csv":
            contents[name] = path.read_bytes()
        else:
            contents[name] = path.exists()  # the page carries the run's time: that it is there
    return contents


@pytest.mark.e2e
def test_the_intake_flow_on_a_dask_cluster_loads_and_answers_as_a_run_on_this_machine(
    prefect_api: str, tmp_path: Path, examples_inbox: Path
) -> None:
    from distributed import Client, LocalCluster, get_task_stream

    from mesa_tumbes.flows.intake import run_intake

    here = settings_for(tmp_path / "here", examples_inbox)
    assert here.execution.runner == "auto" and here.execution.dask_address is None
    succeeded, report = run_intake(here)
    assert succeeded and len(report.submissions) == 10

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        on_cluster = settings_for(
            tmp_path / "cluster", examples_inbox, MESA_DASK_ADDRESS=cluster.scheduler_address
        )
        assert on_cluster.execution.runner == "dask"
        with get_task_stream(client) as stream:
            succeeded, report = run_intake(on_cluster)
        assert succeeded and len(report.submissions) == 10
        # the per-file work ran on the cluster's two worker processes
        workers = {record["worker"] for record in stream.data}
        assert len(stream.data) >= 2 and workers <= set(cluster.scheduler_info["workers"])

    assert warehouse_contents(on_cluster.warehouse) == warehouse_contents(here.warehouse)
    assert feedback_contents(on_cluster.feedback) == feedback_contents(here.feedback)
    assert any(name.endswith("planilla_revisada.xlsx") for name in feedback_contents(here.feedback))
