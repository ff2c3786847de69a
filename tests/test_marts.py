"""The gap marts on hand-built rows: given values loaded through the real loader into a real DuckDB
file, the real build, and the rows each mart must hold."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from mesa_tumbes.core.contract import LOADED_COLUMNS, NEED_LOADED_COLUMNS
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.warehouse import store
from mesa_tumbes.warehouse.build import build
from mesa_tumbes.warehouse.catalog import common_columns, models
from mesa_tumbes.warehouse.model_tests import ModelTestError
from tests.builders import accepted_record

AS_OF = dt.date(2026, 11, 22)
RECEIVED = dt.datetime(2026, 11, 5, 12, 0, tzinfo=dt.UTC)
_ids = itertools.count(1)


class Given:
    """A warehouse built up submission by submission, as intake would."""

    def __init__(self, path: Path) -> None:
        self.path = path
        store.migrate(path)

    def values(
        self,
        agency: str,
        rows: list[tuple[Any, ...]],
        received: dt.datetime = RECEIVED,
        fmt: str = "mesa_template",
        covered: list[tuple[str, str, int, int]] | None = None,
    ) -> str:
        """rows: (period, area, admin_level, indicator, sex, age_group, population_type, value)."""
        frame = pd.DataFrame(
            [
                [n, agency, period, area, indicator, sex, age, population, level, _group(sex, age), value]
                for n, (period, area, level, indicator, sex, age, population, value) in enumerate(
                    rows, start=2
                )
            ],
            columns=LOADED_COLUMNS,
        )
        coverage = pd.DataFrame(
            covered
            if covered is not None
            else frame.groupby(["period", "indicator"]).size().reset_index().values.tolist(),
            columns=["period", "indicator", "rows_read"]
            if covered is None
            else ["period", "indicator", "rows_read", "rows_loaded"],
        )
        if covered is None:
            coverage["rows_loaded"] = coverage["rows_read"]
        return self._load(agency, frame, received, fmt, coverage)

    def need(self, rows: list[tuple[Any, ...]], received: dt.datetime = RECEIVED) -> str:
        """rows: (year, measure, sector, population_type, r4v_group, value) for the department."""
        frame = pd.DataFrame(
            [
                [n, "PiN", year, measure, "24", "department", sector, population, group, value]
                for n, (year, measure, sector, population, group, value) in enumerate(rows, start=2)
            ],
            columns=NEED_LOADED_COLUMNS,
        )
        return self._load("GTRM", frame, received, "rmrp_need", None)

    def _load(
        self, agency: str, frame: pd.DataFrame, received: dt.datetime, fmt: str, coverage: pd.DataFrame | None
    ) -> str:
        submission_id = f"s{next(_ids)}"
        record = accepted_record(submission_id, agency, len(frame), received, f"{submission_id}.csv", fmt)
        store.load_submission(self.path, record, frame, coverage, "need" if fmt == "rmrp_need" else "values")
        return submission_id

    def build(self, reference: Reference, as_of: dt.date = AS_OF) -> None:
        build(self.path, reference, as_of)

    def rows(self, query: str) -> list[tuple[Any, ...]]:
        with store.connect(self.path, read_only=True) as connection:
            return connection.execute(query).fetchall()


def _group(sex: str, age: str) -> str | None:
    groups = {("F", "<18"): "girls", ("M", "<18"): "boys", ("F", "18+"): "women", ("M", "18+"): "men"}
    fine = {"0-5": "<18", "6-11": "<18", "12-17": "<18", "18-59": "18+", "60+": "18+"}
    return groups.get((sex, fine.get(age, age)))


def total(period: str, area: str, indicator: str, value: float, level: str = "district") -> tuple[Any, ...]:
    return (period, area, level, indicator, "total", "total", "total", value)


HEALTH_NEED = [
    ("2026", "people_in_need", "Health", "total", None, 1000),
    ("2026", "target", "Health", "total", None, 600),
]


def coverage(given: Given, where: str) -> list[tuple[Any, ...]]:
    return given.rows(
        "select period, period_kind, people_reached, reached_basis, people_in_need, coverage_pct,"
        f" gap_people, reason from gap_coverage where {where} order by period"
    )


def test_people_are_not_added_up_over_months_and_need_is_compared_at_department_level(
    given: Given, reference: Reference
) -> None:
    given.need(HEALTH_NEED)
    given.values(
        "DIRESA", [total("2026-09", "240101", "SAL-01", 100), total("2026-09", "240302", "SAL-01", 50)]
    )
    given.values(
        "DIRESA", [total("2026-10", "240101", "SAL-01", 120), total("2026-10", "240302", "SAL-01", 60)]
    )
    given.build(reference)
    # The same people attended in September and October are not added up: the year takes its largest month.
    assert coverage(given, "sector = 'Health' and area_code = '24' and group_code = 'total'") == [
        ("2026", "year_to_date", 180.0, "largest_period", 1000.0, 18.0, 820.0, None),
        ("2026-09", "month", 150.0, "period", 1000.0, 15.0, 850.0, None),
        ("2026-10", "month", 180.0, "period", 1000.0, 18.0, 820.0, None),
    ]
    # A district's figure is never divided by the department's need.
    assert coverage(given, "sector = 'Health' and area_code = '240101' and group_code = 'total'") == [
        ("2026", "year_to_date", 120.0, "largest_period", None, None, None, "need_known_only_for_department"),
        ("2026-09", "month", 100.0, "period", None, None, None, "need_known_only_for_department"),
        ("2026-10", "month", 120.0, "period", None, None, None, "need_known_only_for_department"),
    ]


def test_new_beneficiaries_add_up_over_the_year_and_a_revision_replaces_its_month(
    given: Given, reference: Reference
) -> None:
    given.need(HEALTH_NEED)
    five_w = [
        total("2026-09", "2403", "SAL-01", 30, level="province"),
        total("2026-10", "2403", "SAL-01", 40, level="province"),
    ]
    given.values("ACNUR", five_w, fmt="r4v_5w")
    given.values("DIRESA", [total("2026-10", "240301", "SAL-01", 10)])
    later = RECEIVED + dt.timedelta(days=3)
    given.values("DIRESA", [total("2026-10", "240301", "SAL-01", 12)], received=later)  # a revision
    given.build(reference)
    # these 5W values come without their rows' Total_monthly (an older export): the months count the
    # new beneficiaries and say so (tests/test_r4v.py has the months of a whole 5W file)
    fallback = "period_new_beneficiaries_fallback"
    assert coverage(given, "sector = 'Health' and area_code = '24' and group_code = 'total'") == [
        ("2026", "year_to_date", 70.0, "new_beneficiaries_year_to_date", 1000.0, 7.0, 930.0, None),
        ("2026-09", "month", 30.0, fallback, 1000.0, 3.0, 970.0, None),
        ("2026-10", "month", 52.0, fallback, 1000.0, 5.2, 948.0, None),
    ]
    # The province holds the 5W rows and its own district's figure; the district only its own.
    assert given.rows(
        "select area_code, people_reached from gap_coverage where sector = 'Health' and period = '2026-10'"
        " and group_code = 'total' order by area_code"
    ) == [("24", 52.0), ("2403", 52.0), ("240301", 12.0)]


def test_missing_denominators_give_null_coverage_with_a_reason_never_a_silent_zero(
    given: Given, reference: Reference
) -> None:
    given.need(
        [
            ("2026", "people_in_need", "Education", "total", None, 500),
            ("2026", "people_in_need", "Shelter", "total", None, 0),
        ]
    )
    given.values("DIRESA", [total("2026-10", "240101", "SAL-01", 80)])
    given.values("ACNUR", [total("2026-10", "24", "ALO-01", 9, level="department")], fmt="r4v_5w")
    given.build(reference)
    reasons = dict(
        given.rows(
            "select sector, reason from gap_coverage where area_code = '24' and period = '2026-10'"
            " and group_code = 'total' and sector in ('Health', 'Shelter')"
        )
    )
    assert reasons == {"Health": "no_people_in_need_figure", "Shelter": "no_people_in_need"}
    # DRE's education reports of the year are due and none came: not a service gap, a reporting one
    assert coverage(given, "sector = 'Education' and area_code = '24' and group_code = 'total'") == [
        ("2026", "year_to_date", None, None, 500.0, None, None, "not_reported")
    ]


def test_groups_come_from_whatever_breakdown_was_sent(given: Given, reference: Reference) -> None:
    given.need([("2026", "people_in_need", "Health", "total", "women", 400), *HEALTH_NEED])
    given.values(
        "DIRESA",
        [
            ("2026-10", "240101", "district", "SAL-01", "F", "18-59", "total", 30),
            ("2026-10", "240101", "district", "SAL-01", "F", "60+", "total", 10),
            ("2026-10", "240101", "district", "SAL-01", "M", "18-59", "total", 20),
            ("2026-10", "240101", "district", "SAL-01", "F", "0-5", "total", 5),
            ("2026-10", "240101", "district", "SAL-01", "total", "total", "in_transit", 15),
        ],
    )
    given.build(reference)
    figures = dict(
        given.rows(
            "select group_code, people_reached from gap_coverage"
            " where area_code = '240101' and period = '2026-10' and sector = 'Health'"
        )
    )
    # No total row: the total is the sum of the sex-by-age cells, not of those and the transit row too.
    assert figures == {"total": 65.0, "women": 40.0, "men": 20.0, "girls": 5.0, "in_transit": 15.0}
    equity = given.rows(
        "select share_of_reached_pct, share_of_need_pct, gap_pct_points from gap_equity"
        " where group_code = 'women' and period = '2026-10' and sector = 'Health'"
    )
    assert equity == [(61.5, 40.0, 21.5)]


def test_target_status_takes_the_share_of_the_year_elapsed(given: Given, reference: Reference) -> None:
    given.need(HEALTH_NEED)
    given.values("DIRESA", [total("2026-10", "240101", "SAL-01", 520)])
    given.build(reference)
    assert given.rows(
        "select people_reached, target_people, share_of_year_elapsed, expected_by_now, target_pct, status"
        " from gap_target where sector = 'Health' and group_code = 'total'"
    ) == [(520.0, 600.0, 0.833, 500.0, 86.7, "on_track")]
    given.build(reference, as_of=dt.date(2027, 1, 10))  # the year is over: 520 of 600 is behind
    assert given.rows(
        "select share_of_year_elapsed, status from gap_target"
        " where sector = 'Health' and group_code = 'total'"
    ) == [(1.0, "behind")]


def test_identified_against_attended_across_agencies(given: Given, reference: Reference) -> None:
    given.values("PNP", [total("2026-10", "240302", "TRA-01", 10), total("2026-10", "240101", "TRA-01", 2)])
    given.values("MIMP", [total("2026-10", "240302", "TRA-02", 6)])
    given.build(reference)
    assert given.rows(
        "select area_code, people_identified, people_attended, attended_pct, not_attended_people, reason"
        " from gap_referral where identified_indicator = 'TRA-01' and period = '2026-10' order by area_code"
    ) == [
        ("24", 12.0, 6.0, 50.0, 6.0, None),
        ("2401", 2.0, None, None, None, "no_attended_figure"),
        ("240101", 2.0, None, None, None, "no_attended_figure"),
        ("2403", 10.0, 6.0, 60.0, 4.0, None),
        ("240302", 10.0, 6.0, 60.0, 4.0, None),
    ]


def test_a_district_with_need_and_no_service_is_a_desert(given: Given, reference: Reference) -> None:
    given.need(HEALTH_NEED)
    given.values("DIRESA", [total("2026-10", "240101", "SAL-01", 80)])
    given.values("ACNUR", [total("2026-10", "2403", "SAL-01", 20, level="province")], fmt="r4v_5w")
    given.values(
        "MIGRACIONES", [total("2026-10", "240203", "POB-01", 0), total("2026-10", "240102", "POB-01", 350)]
    )
    given.build(reference)
    deserts = {
        district: (in_district, in_wider, basis, desert)
        for district, in_district, in_wider, basis, desert in given.rows(
            "select district, agencies_in_district, agencies_in_wider_area, need_basis, is_service_desert"
            " from gap_territorial where sector = 'Health' and period = '2026-10'"
        )
    }
    assert deserts["240101"] == (1, 0, "department_people_in_need", False)  # served
    assert deserts["240301"] == (0, 1, "department_people_in_need", False)  # only a province-wide service
    assert deserts["240102"] == (0, 0, "district_population_estimate", True)  # people there, no service
    assert "240203" not in deserts  # Migraciones estimates nobody there: no need, no desert
    assert len(deserts) == 12


def test_reporting_gap_tells_on_time_late_rejected_missing_and_not_yet_due(
    given: Given, reference: Reference
) -> None:
    september, october = dt.datetime(2026, 10, 8, tzinfo=dt.UTC), dt.datetime(2026, 11, 18, tzinfo=dt.UTC)
    given.values("MTPE", [total("2026-09", "240101", "INT-01", 4)], received=september)
    given.values("MTPE", [total("2026-10", "240101", "INT-01", 5)], received=october)
    given.values("CANCILLERIA", [], received=october, covered=[("2026-10", "DOC-01", 3, 0)])
    given.build(reference)
    status = dict(
        ((agency, indicator, period), state)
        for agency, indicator, period, state in given.rows(
            "select agency, indicator, period, status from gap_reporting"
            " where period in ('2026-09', '2026-10', '2026-11') and agency in ('MTPE', 'CANCILLERIA')"
        )
    )
    assert status == {
        ("MTPE", "INT-01", "2026-09"): "valid_on_time",  # due 10 October, came on the 8th
        ("MTPE", "INT-01", "2026-10"): "valid_late",  # due 10 November, came on the 17th (Tumbes)
        ("MTPE", "INT-01", "2026-11"): "not_yet_due",
        ("CANCILLERIA", "DOC-01", "2026-09"): "missing_overdue",
        ("CANCILLERIA", "DOC-01", "2026-10"): "received_not_valid",  # a file came, every row rejected
        ("CANCILLERIA", "DOC-01", "2026-11"): "not_yet_due",
    }
    # Received at midnight UTC on the 18th: the 17th in Tumbes, 7 days after the 10th.
    assert given.rows("select days_late from gap_reporting where agency = 'MTPE' and period = '2026-10'") == [
        (7,)
    ]


def test_dimensions_cover_the_reference_data(given: Given, reference: Reference) -> None:
    given.build(reference)
    assert given.rows("select count(*) from dim_district") == [(13,)]
    assert given.rows("select r4v_province_code from dim_district where district = '240302'") == [("PE2403",)]
    assert given.rows("select count(*) from dim_indicator") == [(len(reference.indicators),)]
    first = min(entry.since for entry in reference.calendar)  # the calendar's first expected month
    months = (2026 - int(first[:4])) * 12 + 11 - int(first[5:]) + 1
    periods = given.rows("select min(period), max(period), count(*) from dim_period")
    assert periods == [(first, "2026-11", months)]
    assert given.rows("select count(*) from dim_population_group") == [(12,)]


def test_a_failing_model_test_rolls_the_whole_build_back(given: Given, reference: Reference) -> None:
    given.values("DIRESA", [total("2026-10", "240101", "SAL-01", 80)])
    given.build(reference)
    before = given.rows("select count(*) from gap_coverage")
    # A value in an area the region does not have breaks a relationship test of the new slice.
    given.values(
        "DIRESA", [total("2026-11", "999999", "SAL-01", 5)], received=RECEIVED + dt.timedelta(days=1)
    )
    with pytest.raises(ModelTestError, match=r"stg_values: area_code not in int_area_rollup\.area_code"):
        given.build(reference, as_of=dt.date(2026, 12, 1))
    assert given.rows("select count(*) from gap_coverage") == before
    assert given.rows("select max(as_of) from ref_build") == [(AS_OF,)]


def test_every_mart_documents_itself_and_every_column(given: Given, reference: Reference) -> None:
    given.build(reference)
    for model in models():
        assert model.grain and model.description["es"] and model.description["en"], model.name
        assert model.tests, f"{model.name} declares no tests"
        if model.layer != "marts":
            continue
        columns = [
            name
            for (name,) in given.rows(
                f"select column_name from duckdb_columns() where table_name = '{model.name}'"
            )
        ]
        described = {**common_columns(), **model.columns}
        assert set(model.columns) <= set(columns), f"{model.name} describes columns it does not have"
        assert [column for column in columns if column not in described] == [], model.name
        assert all(set(text) == {"es", "en"} for text in model.columns.values()), model.name
        comment = given.rows(f"select comment from duckdb_tables() where table_name = '{model.name}'")
        assert comment and "Grano / grain" in comment[0][0]
