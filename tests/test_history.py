"""Checks against what the warehouse already holds: revisions (a later file for the same agency and
period replaces it, and says what it drops) and plausibility against a series' own history."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from mesa_tumbes.core.config import Review
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.expectations.validate import SuiteRunner
from mesa_tumbes.formats.outcome import Outcome
from mesa_tumbes.pipeline.intake import load, take
from mesa_tumbes.reception.inbox import discover
from mesa_tumbes.reception.received import receive
from mesa_tumbes.warehouse import store
from tests.builders import settings_under, template_csv

T0 = 1_793_000_000


def submit(
    tmp_path: Path,
    name: str,
    content: bytes,
    at: int,
    reference: Reference,
    runner: SuiteRunner,
    agency: str = "MIMP",
) -> Outcome:
    """Drop a file in an agency's inbox folder and take it through the intake steps into the warehouse."""
    path = tmp_path / "inbox" / agency / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    os.utime(path, (at, at))
    (file,) = [f for f in discover(tmp_path / "inbox", reference) if f.relative_path == name]
    # revisions replace approved figures on arrival (`all`): these tests are about what a revision
    # says and does; tests/test_review.py holds them for review under the default rule
    settings = replace(settings_under(tmp_path), review=Review("all"))
    store.migrate(settings.working)
    outcome = take(receive(file, settings.archive), settings, runner)
    load(outcome, settings)
    return outcome


def current(tmp_path: Path) -> list[tuple[object, ...]]:
    with store.connect(settings_under(tmp_path).working, read_only=True) as connection:
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


def monthly(agency: str, values: list[int], indicator: str = "SAL-01") -> list[bytes]:
    """One file per month of 2026 from January, each with one value for Tumbes, women 18-59."""
    return [
        template_csv([agency, f"2026-{month:02d}", "240101", indicator, "F", "18-59", "", str(value)])
        for month, value in enumerate(values, start=1)
    ]


def test_a_value_far_from_its_series_history_is_a_warning_with_the_usual_range(
    tmp_path: Path, reference: Reference, runner: SuiteRunner
) -> None:
    for month, content in enumerate(monthly("DIRESA", [96, 104, 99, 101, 95, 103]), start=1):
        submit(tmp_path, f"m{month}.csv", content, T0 + month, reference, runner, agency="DIRESA")
    usual = submit(
        tmp_path, "julio.csv", monthly("DIRESA", [0] * 6 + [110])[6], T0 + 7, reference, runner, "DIRESA"
    )
    assert (usual.status, usual.problems) == ("accepted", [])
    typo = template_csv(["DIRESA", "2026-08", "240101", "SAL-01", "F", "18-59", "", "1000"])
    outcome = submit(tmp_path, "agosto.csv", typo, T0 + 8, reference, runner, agency="DIRESA")
    assert outcome.status == "accepted_with_warnings"  # loaded all the same: it may be right
    (problem,) = outcome.problems
    # History 95, 96, 99, 101, 103, 104, 110: median 101; the widest scale is sqrt(101) = 10.05, so
    # the usual range is 101 -/+ 3.5 x 10.05.
    assert (problem.check_id, problem.row_number, problem.value, problem.expected) == (
        "plausibility.unusual_value",
        2,
        "1000",
        "66–136",
    )
    assert "lo habitual está entre 66–136" in problem.message("es")


def test_a_value_is_judged_against_its_own_series_only(
    tmp_path: Path, reference: Reference, runner: SuiteRunner
) -> None:
    """Rows of other districts, groups or indicators beside it are not judged on its history, and
    the warning names the row whose series it is, wherever it sits in the file."""
    for month, content in enumerate(monthly("DIRESA", [96, 104, 99, 101, 95, 103]), start=1):
        submit(tmp_path, f"m{month}.csv", content, T0 + month, reference, runner, agency="DIRESA")
    mixed = template_csv(
        ["DIRESA", "2026-07", "240102", "SAL-01", "F", "18-59", "", "1000"],
        ["DIRESA", "2026-07", "240101", "SAL-01", "M", "18-59", "", "1000"],
        ["DIRESA", "2026-07", "240101", "SAL-02", "F", "18-59", "", "1000"],
        ["DIRESA", "2026-07", "240101", "SAL-01", "F", "18-59", "", "1000"],
    )
    outcome = submit(tmp_path, "julio.csv", mixed, T0 + 7, reference, runner, agency="DIRESA")
    assert [(p.check_id, p.row_number, p.expected) for p in outcome.problems] == [
        ("plausibility.unusual_value", 5, "65–135")
    ]


def test_histories_asked_in_chunks_are_those_asked_at_once(
    tmp_path: Path, reference: Reference, runner: SuiteRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each row gets its own series' history by its place in its own frame, however the round's
    frames are split into queries."""
    for month, content in enumerate(monthly("DIRESA", [96, 104, 99, 101, 95, 103]), start=1):
        submit(tmp_path, f"m{month}.csv", content, T0 + month, reference, runner, agency="DIRESA")
    row = {"agency": "DIRESA", "district": "240101", "indicator": "SAL-01", "sex": "F"}
    row |= {"age_group": "18-59", "population_type": "total", "period": "2026-07"}
    other = {**row, "district": "240102"}
    frames = [pd.DataFrame([other, row]), pd.DataFrame([row]), pd.DataFrame([other])]
    warehouse = settings_under(tmp_path).working
    at_once = store.series_histories(warehouse, frames)
    monkeypatch.setattr(store, "HISTORY_CHUNK_ROWS", 1)
    in_chunks = store.series_histories(warehouse, frames)
    assert [list(f["position"]) for f in at_once] == [[1], [0], []]
    assert [f.to_dict("records") for f in in_chunks] == [f.to_dict("records") for f in at_once]
    assert at_once[0].loc[0, "periods"] == 6 and at_once[0].loc[0, "median_value"] == 100


def test_short_histories_are_not_judged(tmp_path: Path, reference: Reference, runner: SuiteRunner) -> None:
    for month, content in enumerate(monthly("DIRESA", [96, 104, 99]), start=1):
        submit(tmp_path, f"m{month}.csv", content, T0 + month, reference, runner, agency="DIRESA")
    outcome = submit(
        tmp_path, "abril.csv", monthly("DIRESA", [0, 0, 0, 5000])[3], T0 + 4, reference, runner, "DIRESA"
    )
    assert (outcome.status, outcome.problems) == ("accepted", [])


def test_a_file_missing_key_columns_is_reported_not_crashed_on(
    tmp_path: Path, reference: Reference, runner: SuiteRunner
) -> None:
    for month, content in enumerate(monthly("DIRESA", [96, 104, 99, 101]), start=1):
        submit(tmp_path, f"m{month}.csv", content, T0 + month, reference, runner, agency="DIRESA")
    no_district = b"periodo,indicador,valor\r\n2026-05,SAL-01,100\r\n"
    outcome = submit(tmp_path, "sin_distrito.csv", no_district, T0 + 5, reference, runner, agency="DIRESA")
    assert outcome.status == "rejected"
    assert [p.check_id for p in outcome.problems] == ["structure.required_column"]


def test_what_a_file_covered_is_recorded_rows_loaded_or_not(
    tmp_path: Path, reference: Reference, runner: SuiteRunner
) -> None:
    content = template_csv(
        ["MIMP", "2026-10", "240101", "VBG-02", "F", "18-59", "", "9"],
        ["MIMP", "2026-10", "Lima", "PRO-01", "M", "12-17", "", "5"],
        ["MIMP", "10/2026", "240101", "PRO-01", "M", "12-17", "", "5"],
    )
    submit(tmp_path, "cem.csv", content, T0, reference, runner)
    with store.connect(settings_under(tmp_path).working, read_only=True) as connection:
        covered = connection.execute(
            "select period, indicator, rows_read, rows_loaded from submission_coverage order by all"
        ).fetchall()
    # A row whose period is not one cannot be placed; the rejected PRO-01 row still counts as received.
    assert covered == [("2026-10", "PRO-01", 1, 0), ("2026-10", "VBG-02", 1, 1)]
