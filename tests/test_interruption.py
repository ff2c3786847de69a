"""A stop (SIGTERM, Ctrl+C) stops the run whatever library it lands in: DuckDB turns a signal that
arrives during a query into its own "Query interrupted", which must never pass for a file's failure."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from mesa_tumbes.core.faults import interrupted


class TerminationSignal(BaseException):
    """Stands in for Prefect's, which its SIGTERM handler raises inside a flow."""


# Run apart, in a process of its own, and stopped from outside as the officer's service manager
# stops a run. DuckDB either interrupts the query (and raises its own error in place of the
# handler's) or lets the handler run once the query is done: both must read as a stop. The query
# takes a few seconds, so that the test ends either way.
QUERY_UNDER_A_SIGNAL = """
import signal
import duckdb
from mesa_tumbes.core.faults import interrupted

class TerminationSignal(BaseException):
    pass

def terminate(signum, frame):
    raise TerminationSignal

signal.signal(signal.SIGTERM, terminate)
connection = duckdb.connect()
print("started", flush=True)
try:
    connection.execute("select count(*) from range(400000000) t(x) where x % 7 = 3").fetchall()
    print("finished", False)
except BaseException as error:
    print(type(error).__name__, interrupted(error))
"""


def test_a_signal_during_a_duckdb_query_is_told_as_a_stop() -> None:
    query = subprocess.Popen(
        [sys.executable, "-c", QUERY_UNDER_A_SIGNAL],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert query.stdout is not None and query.stdout.readline().strip() == "started"
    time.sleep(0.3)
    query.send_signal(signal.SIGTERM)
    said, errors = query.communicate(timeout=120)
    assert query.returncode == 0, errors
    assert said.split()[-1] == "True", said  # DuckDB's "Query interrupted", or the signal itself


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
