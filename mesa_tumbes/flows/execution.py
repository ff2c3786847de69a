"""The task runner a run's per-file work goes to (reading files, writing feedback), as the settings
say: this machine's processes (its cores), threads (for a small run), or a Dask cluster through
prefect-dask (an existing scheduler's address, else a temporary local cluster). The flow opens it
for the length of the run; loading stays in the flow's own process, the one writer. For the run's
length the writer and the worker processes collect garbage less often (core/collector.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from mesa_tumbes.core.collector import collect_less_often, collecting_less_often
from mesa_tumbes.core.config import Execution


def task_runner(execution: Execution, size_bytes: int) -> TaskRunner[Any]:
    """The task runner for a run that brings `size_bytes` to read."""
    runner = execution.for_run(size_bytes)
    if runner == "threads":
        return ThreadPoolTaskRunner(max_workers=execution.workers)
    if runner == "dask":
        from prefect_dask.task_runners import DaskTaskRunner

        if execution.dask_address:
            return DaskTaskRunner(address=execution.dask_address)
        cluster = {"n_workers": execution.workers, "threads_per_worker": 1} if execution.workers else {}
        return DaskTaskRunner(cluster_kwargs=cluster)
    return ProcessPoolTaskRunner(max_workers=execution.workers, initializer=collect_less_often)


@contextmanager
def workers(execution: Execution, size_bytes: int) -> Iterator[TaskRunner[Any]]:
    """The task runner, started, and shut down when the run is over."""
    with collecting_less_often(), task_runner(execution, size_bytes) as runner:
        yield runner
