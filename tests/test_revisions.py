"""Revisions: a later file for the same agency and period replaces it, and says what it drops."""

from __future__ import annotations

import os
from pathlib import Path

from expectations.validate import SuiteRunner
from mesa.inbox import discover
from mesa.intake import Outcome, inspect, receive, record_for
from mesa.reference import Reference
from tests.builders import template_csv
from warehouse import store

T0 = 1_793_000_000


def submit(
    tmp_path: Path, name: str, content: bytes, at: int, reference: Reference, runner: SuiteRunner
) -> Outcome:
    """Drop a file in MIMP's inbox folder and take it through the intake steps into the warehouse."""
    path = tmp_path / "inbox" / "MIMP" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    os.utime(path, (at, at))
    (file,) = [f for f in discover(tmp_path / "inbox", reference) if f.relative_path == name]
    warehouse = tmp_path / "mesa.duckdb"
    store.migrate(warehouse)
    outcome = inspect(receive(file, tmp_path / "archive"), warehouse, reference, runner)
    store.load_submission(warehouse, record_for(outcome, f"MIMP/{name}"), outcome.verdict.accepted)
    return outcome


def current(tmp_path: Path) -> list[tuple[object, ...]]:
    with store.connect(tmp_path / "mesa.duckdb", read_only=True) as connection:
        return connection.execute(
            "select period, indicator, district, value from indicator_values order by all"
        ).fetchall()


CEM = template_csv(
    ["MIMP", "2026-10", "240101", "VBG-02", "F", "18-59", "", "9"],
    ["MIMP", "2026-10", "240302", "VBG-02", "F", "18-59", "", "4"],
)
UPE = template_csv(["MIMP", "2026-10", "240302", "PRO-01", "M", "12-17", "", "5"])


def test_a_file_that_drops_figures_of_the_one_it_replaces_says_so(
    tmp_path: Path, reference: Reference, runner: SuiteRunner
) -> None:
    submit(tmp_path, "cem.csv", CEM, T0, reference, runner)
    outcome = submit(tmp_path, "upe.csv", UPE, T0 + 60, reference, runner)
    assert outcome.status == "accepted_with_warnings"
    (problem,) = outcome.problems
    assert (problem.check_id, problem.value, problem.expected, problem.rows, problem.detail) == (
        "consistency.revision_drops_values",
        "cem.csv",
        "2026-10",
        "2",
        "VBG-02",
    )
    assert "dejan de estar vigentes" in problem.message("es")
    assert current(tmp_path) == [("2026-10", "PRO-01", "240302", 5.0)]  # the contract: the slice is replaced


def test_a_complete_revision_is_a_plain_acceptance(
    tmp_path: Path, reference: Reference, runner: SuiteRunner
) -> None:
    submit(tmp_path, "cem.csv", CEM, T0, reference, runner)
    corrected = template_csv(
        ["MIMP", "2026-10", "240101", "VBG-02", "F", "18-59", "", "10"],
        ["MIMP", "2026-10", "240302", "VBG-02", "F", "18-59", "", "4"],
        ["MIMP", "2026-10", "240302", "PRO-01", "M", "12-17", "", "5"],
    )
    outcome = submit(tmp_path, "cem_corregido.csv", corrected, T0 + 60, reference, runner)
    assert (outcome.status, outcome.problems) == ("accepted", [])
    assert current(tmp_path)[0] == ("2026-10", "PRO-01", "240302", 5.0)
    assert ("2026-10", "VBG-02", "240101", 10.0) in current(tmp_path)


def test_other_periods_and_agencies_are_untouched(
    tmp_path: Path, reference: Reference, runner: SuiteRunner
) -> None:
    submit(tmp_path, "cem.csv", CEM, T0, reference, runner)
    september = template_csv(["MIMP", "2026-09", "240101", "VBG-02", "F", "18-59", "", "7"])
    outcome = submit(tmp_path, "setiembre.csv", september, T0 + 60, reference, runner)
    assert (outcome.status, outcome.problems) == ("accepted", [])
    assert len(current(tmp_path)) == 3
