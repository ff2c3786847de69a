"""A stop (SIGTERM, Ctrl+C) stops the run whatever library it lands in: DuckDB turns a signal that
arrives during a query into its own "Query interrupted", which must never pass for a file's failure."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator

import duckdb
import pytest

from mesa_tumbes.core.faults import interrupted


class TerminationSignal(BaseException):
    """Stands in for Prefect's, which its SIGTERM handler raises inside a flow."""


@pytest.fixture
def terminating_handler() -> Iterator[None]:
    def terminate(signum: int, frame: object) -> None:
        raise TerminationSignal

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_signal_during_a_duckdb_query_is_told_as_a_stop(terminating_handler: None) -> None:
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    with pytest.raises(BaseException) as caught:  # noqa: PT011, B017: whatever DuckDB makes of it
        duckdb.connect().execute("select count(*) from range(100000000000) t(x) where x % 7 = 3").fetchall()
    timer.cancel()
    assert not isinstance(caught.value, TerminationSignal)  # DuckDB replaced it by an error of its own
    assert interrupted(caught.value)


def test_other_errors_are_not_a_stop() -> None:
    assert not interrupted(RuntimeError("Binder Error: column not found"))
    assert not interrupted(ValueError("Query interrupted"))
    assert interrupted(KeyboardInterrupt())
    chained = RuntimeError("Task run is not set")
    chained.__context__ = TerminationSignal()
    assert interrupted(chained)


def test_a_step_interrupted_stops_the_run_instead_of_failing_its_file() -> None:
    from mesa_tumbes.pipeline.intake import guarded

    def work() -> None:
        raise RuntimeError("Query interrupted")

    with pytest.raises(KeyboardInterrupt):
        guarded("validate", None, work)  # type: ignore[arg-type]  # no file is blamed: none is needed
