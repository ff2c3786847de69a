"""A build after a run recomputes only the slices the run changed; the tables it leaves must be the
ones a full rebuild makes. Each test changes the warehouse the way intake does, builds, and compares
every table with a full rebuild of the same data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from mesa_tumbes.core.reference import Reference
from mesa_tumbes.warehouse import store
from mesa_tumbes.warehouse.build import BuildReport, build
from mesa_tumbes.warehouse.catalog import models
from tests.test_marts import HEALTH_NEED, RECEIVED, Given, total

LATER = RECEIVED + dt.timedelta(days=3)
TABLES = [model.name for model in models() if model.materialized != "view"]


def by_sex_and_age(period: str, area: str, indicator: str, people: int) -> list[tuple[Any, ...]]:
    """A figure broken down by sex and fine age bands (no total row): the sums the models make."""
    return [
        (period, area, "district", indicator, sex, age, "total", people + offset)
        for offset, (sex, age) in enumerate([("F", "0-5"), ("F", "18-59"), ("M", "12-17"), ("M", "60+")])
    ]


def history(given: Given, reference: Reference) -> BuildReport:
    given.need(HEALTH_NEED)
    given.values(
        "DIRESA",
        [*by_sex_and_age("2026-09", "240101", "SAL-01", 10), total("2026-09", "240302", "SAL-01", 50)],
    )
    given.values("DIRESA", [total("2026-10", "240101", "SAL-01", 70)])
    given.values("PNP", [total("2026-09", "240302", "TRA-01", 10), total("2026-10", "240101", "TRA-01", 4)])
    given.values("MIMP", [total("2026-09", "240302", "TRA-02", 6)])
    return build(given.path, reference, dt.date(2026, 11, 22))


def tables(given: Given) -> dict[str, list[tuple[Any, ...]]]:
    return {name: sorted(given.rows(f"select * from {name}"), key=repr) for name in TABLES}


def rebuilt_in_full(given: Given, reference: Reference, as_of: dt.date) -> dict[str, list[tuple[Any, ...]]]:
    report = build(given.path, reference, as_of, full=True)
    assert report.full
    return tables(given)


def test_the_first_build_is_full_and_a_build_with_nothing_new_recomputes_nothing(
    given: Given, reference: Reference
) -> None:
    first = history(given, reference)
    before = tables(given)
    again = build(given.path, reference, dt.date(2026, 11, 22))
    assert (first.full, again.full, again.slices) == (True, False, 0)
    assert tables(given) == before


def test_new_replaced_and_late_slices_give_the_tables_of_a_full_rebuild(
    given: Given, reference: Reference
) -> None:
    history(given, reference)
    # A new month, a corrected September from DIRESA (one district gone, the other broken down), a
    # new agency in an existing month, a quarter, and a file received before the current one (it
    # does not become current: nothing to recompute for it).
    given.values("DIRESA", [total("2026-11", "240101", "SAL-01", 90)], received=LATER)
    given.values("DIRESA", by_sex_and_age("2026-09", "240302", "SAL-01", 30), received=LATER)
    given.values("MIMP", [total("2026-10", "240101", "TRA-02", 3)], received=LATER)
    given.values("MTPE", [total("2026-Q3", "240101", "INT-01", 12)], received=LATER)
    given.values("PNP", [total("2026-09", "240302", "TRA-01", 99)], received=RECEIVED - dt.timedelta(days=9))
    report = build(given.path, reference, dt.date(2026, 11, 22))
    assert (report.full, report.slices) == (False, 4)
    incremental = tables(given)
    assert incremental == rebuilt_in_full(given, reference, dt.date(2026, 11, 22))
    assert (
        given.rows(
            "select value from fct_indicator_groups where agency = 'DIRESA' and period = '2026-09'"
            " and area_code = '240101' and group_code = 'total'"
        )
        == []
    )  # the corrected file no longer has this district: its old figure went with the slice


def test_a_new_day_with_no_new_file_moves_the_dated_tables_only(given: Given, reference: Reference) -> None:
    history(given, reference)
    report = build(given.path, reference, dt.date(2027, 1, 10))
    assert (report.full, report.slices) == (False, 0)
    assert tables(given) == rebuilt_in_full(given, reference, dt.date(2027, 1, 10))


def test_new_needs_rebuild_everything(given: Given, reference: Reference) -> None:
    history(given, reference)
    given.need([("2026", "people_in_need", "Health", "total", None, 2000)], received=LATER)
    report = build(given.path, reference, dt.date(2026, 11, 22))
    assert report.full
    assert given.rows(
        "select people_in_need from gap_coverage where period = '2026' and area_code = '24'"
        " and sector = 'Health' and group_code = 'total'"
    ) == [(2000.0,)]


def test_an_incremental_table_dropped_by_hand_brings_a_full_rebuild(
    given: Given, reference: Reference
) -> None:
    history(given, reference)
    expected = tables(given)
    with store.connect(given.path) as connection:
        connection.execute("drop table int_submission_figures")
    report = build(given.path, reference, dt.date(2026, 11, 22))
    assert report.full and tables(given) == expected


@pytest.mark.parametrize(
    ("meta", "sql", "said"),
    [
        (
            "materialized: incremental\npartition_by: [agency]\n",
            "select as_of from ref_build",
            "build's date",
        ),
        ("materialized: incremental\n", "select 1 as x", "needs partition_by"),
        ("materialized: table\npartition_by: [district]\n", "select 1 as x", "is not one of"),
    ],
)
def test_a_model_the_build_cannot_keep_is_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, meta: str, sql: str, said: str
) -> None:
    from mesa_tumbes.warehouse import catalog

    folder = tmp_path / "marts"
    folder.mkdir()
    (folder / "gap_wrong.sql").write_text(sql, encoding="utf-8")
    header = "grain: one row\ndescription: {es: x, en: x}\n"
    (folder / "gap_wrong.yml").write_text(header + meta, encoding="utf-8")
    monkeypatch.setattr(catalog, "MODELS_DIR", tmp_path)
    catalog.models.cache_clear()
    try:
        with pytest.raises(catalog.ModelDefinitionError, match=said):
            catalog.models()
    finally:
        catalog.models.cache_clear()
