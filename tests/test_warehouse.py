"""The warehouse: migrations, atomic loads, revisions and history, through SQL on a real DuckDB file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from mesa_tumbes.core.contract import LOADED_COLUMNS
from mesa_tumbes.warehouse import store

T0 = dt.datetime(2026, 11, 5, 9, 0, tzinfo=dt.UTC)


def record(
    submission_id: str, rows: int, received: dt.datetime = T0, **changes: object
) -> store.SubmissionRecord:
    fields: dict[str, object] = {
        "submission_id": submission_id,
        "agency": "DIRESA",
        "file_name": f"{submission_id}.csv",
        "sha256": submission_id.ljust(64, "0"),
        "size_bytes": 100,
        "received_at": received,
        "processed_at": T0,
        "status": "accepted",
        "rows_read": rows,
        "rows_loaded": rows,
        "rows_rejected": 0,
        "rows_warned": 0,
        "duplicate_of": None,
        "feedback_path": f"DIRESA/{submission_id}",
        **changes,
    }
    return store.SubmissionRecord(**fields)  # type: ignore[arg-type]


def values(*rows: tuple[str, str, str, float]) -> pd.DataFrame:
    """Rows of (period, district, indicator, value) for DIRESA, totals for every group."""
    return pd.DataFrame(
        [
            [n, "DIRESA", p, d, i, "total", "total", "total", "district", None, v]
            for n, (p, d, i, v) in enumerate(rows, start=2)
        ],
        columns=LOADED_COLUMNS,
    )


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "mesa.duckdb"
    store.migrate(path)
    return path


def query(path: Path, sql: str) -> list[tuple[object, ...]]:
    with store.connect(path, read_only=True) as connection:
        return connection.execute(sql).fetchall()


def test_migrations_apply_once_and_document_the_tables(tmp_path: Path) -> None:
    path = tmp_path / "new" / "mesa.duckdb"
    assert store.migrate(path) == [
        "0001_intake.sql",
        "0002_areas_groups_formats.sql",
        "0003_need_targets.sql",
        "0004_channel_history.sql",
        "0005_submission_coverage.sql",
        "0006_data_dictionary.sql",
        "0007_runs_and_reminders.sql",
        "0008_build_state.sql",
        "0009_failures.sql",
        "0010_named_period.sql",
        "0011_inbox_seen.sql",
        "0012_mail.sql",
        "0013_mail_threads.sql",
        "0014_sources.sql",
        "0015_review.sql",
        "0016_claims_and_review_messages.sql",
        "0017_five_w_rows_and_period_macros.sql",
    ]
    assert store.migrate(path) == []
    comments = dict(query(path, "select table_name, comment from duckdb_tables()"))
    assert set(comments) >= {"submissions", "observations", "current_slices"}
    assert all(comments[name] for name in ("submissions", "observations", "current_slices"))
    undocumented = query(
        path,
        "select table_name, column_name from duckdb_columns() "
        "where table_name in ('submissions', 'observations') and comment is null",
    )
    assert undocumented == []


def test_indicator_values_has_the_promised_columns(warehouse: Path) -> None:
    columns = [
        row[0]
        for row in query(
            warehouse, "select column_name from duckdb_columns() where table_name = 'indicator_values'"
        )
    ]
    assert columns[:8] == [
        "agency",
        "period",
        "district",
        "indicator",
        "sex",
        "age_group",
        "population_type",
        "value",
    ]


def test_a_submission_loads_in_one_transaction(warehouse: Path) -> None:
    store.load_submission(
        warehouse,
        record("a", 2),
        values(("2026-10", "240101", "SAL-01", 5), ("2026-10", "240102", "SAL-01", 7)),
    )
    assert query(warehouse, "select district, value from indicator_values order by district") == [
        ("240101", 5.0),
        ("240102", 7.0),
    ]
    assert query(warehouse, "select status, rows_loaded from submissions") == [("accepted", 2)]


def loaded(path: Path, items: list[store.ToLoad]) -> list[str | None]:
    """Load a round; what each submission's load said (None: loaded; else the error's type)."""
    return [None if error is None else type(error).__name__ for error in store.load_submissions(path, items)]


def test_a_round_loads_together_and_only_the_submission_at_fault_is_refused(warehouse: Path) -> None:
    store.load_submission(warehouse, record("taken", 1), values(("2026-08", "240101", "SAL-01", 1)))
    october = store.ToLoad(record("oct", 1), values(("2026-10", "240101", "SAL-01", 5)))
    clash = store.ToLoad(record("taken", 1), values(("2026-09", "240101", "SAL-01", 6)))  # id registered
    november = store.ToLoad(record("nov", 1), values(("2026-11", "240101", "SAL-01", 7)))
    assert loaded(warehouse, [october, november]) == [None, None]
    december = store.ToLoad(record("dec", 1), values(("2026-12", "240101", "SAL-01", 8)))
    assert loaded(warehouse, [december, clash]) == [None, "ConstraintException"]
    assert query(warehouse, "select period, value from indicator_values order by period") == [
        ("2026-08", 1.0),
        ("2026-10", 5.0),
        ("2026-11", 7.0),
        ("2026-12", 8.0),
    ]
    assert query(warehouse, "select count(*) from submissions") == [(4,)]
    claims = query(warehouse, "select period, submission_id from current_slices order by period")
    assert claims == [("2026-08", "taken"), ("2026-10", "oct"), ("2026-11", "nov"), ("2026-12", "dec")]


def test_submissions_of_one_slice_in_one_round_load_in_order(warehouse: Path) -> None:
    """Two files for the same month: the later one holds the slice, the earlier is superseded, as
    when they load one after the other."""
    first = store.ToLoad(record("first", 1, T0), values(("2026-10", "240101", "SAL-01", 5)))
    later = T0 + dt.timedelta(hours=1)
    second = store.ToLoad(record("second", 1, later), values(("2026-10", "240101", "SAL-01", 9)))
    assert loaded(warehouse, [first, second]) == [None, None]
    assert query(warehouse, "select value from indicator_values") == [(9.0,)]
    states = query(warehouse, "select submission_id, state from slice_reviews order by submission_id")
    assert states == [("first", "superseded"), ("second", "approved")]


def test_a_failing_load_leaves_nothing_behind(warehouse: Path) -> None:
    broken = values(("2026-10", "240101", "SAL-01", 5), ("2026-10", "240102", "SAL-01", 7))
    broken.loc[1, "district"] = None  # violates NOT NULL on the second row, after the first is in
    with pytest.raises(duckdb.ConstraintException):
        store.load_submission(warehouse, record("a", 2), broken)
    assert query(warehouse, "select count(*) from submissions") == [(0,)]
    assert query(warehouse, "select count(*) from observations") == [(0,)]
    assert query(warehouse, "select count(*) from current_slices") == [(0,)]


def test_a_later_submission_replaces_the_agency_period_slice_and_history_stays(warehouse: Path) -> None:
    store.load_submission(
        warehouse,
        record("first", 2),
        values(("2026-10", "240101", "SAL-01", 5), ("2026-10", "240101", "SAL-02", 3)),
    )
    store.load_submission(warehouse, record("other_month", 1), values(("2026-09", "240101", "SAL-01", 4)))
    later = T0 + dt.timedelta(days=2)
    store.load_submission(
        warehouse, record("revision", 1, received=later), values(("2026-10", "240101", "SAL-01", 6))
    )
    current = query(
        warehouse, "select period, indicator, value, submission_id from indicator_values order by all"
    )
    assert current == [("2026-09", "SAL-01", 4.0, "other_month"), ("2026-10", "SAL-01", 6.0, "revision")]
    history = query(
        warehouse,
        "select file_name, indicator, value, is_current from value_history"
        " where period = '2026-10' order by all",
    )
    assert history == [
        ("first.csv", "SAL-01", 5.0, False),
        ("first.csv", "SAL-02", 3.0, False),
        ("revision.csv", "SAL-01", 6.0, True),
    ]


def test_an_older_file_processed_late_does_not_take_the_slice(warehouse: Path) -> None:
    store.load_submission(
        warehouse, record("newer", 1, received=T0), values(("2026-10", "240101", "SAL-01", 6))
    )
    store.load_submission(
        warehouse,
        record("older", 1, received=T0 - dt.timedelta(days=3)),
        values(("2026-10", "240101", "SAL-01", 5)),
    )
    assert query(warehouse, "select value, submission_id from indicator_values") == [(6.0, "newer")]


def test_rejected_and_duplicate_submissions_are_registered_without_values(warehouse: Path) -> None:
    empty = values()
    store.load_submission(warehouse, record("bad", 0, status="rejected", rows_read=3, rows_rejected=3), empty)
    store.load_submission(
        warehouse, record("again", 0, status="duplicate", rows_read=0, duplicate_of="bad"), empty
    )
    assert store.registered_ids(warehouse) == {"bad", "again"}
    assert query(warehouse, "select count(*) from observations") == [(0,)]
    original = store.first_with_content(warehouse, "DIRESA", "bad".ljust(64, "0"))
    assert original is not None and original.submission_id == "bad"
    assert store.first_with_content(warehouse, "PNP", "bad".ljust(64, "0")) is None


def test_a_rounds_duplicates_are_asked_in_one_query_and_answer_as_one_by_one(warehouse: Path) -> None:
    """The earliest submission of the same bytes by the same agency, for every file of a round at once;
    a later copy (a duplicate itself) is never the original, and other agencies' bytes are theirs."""
    store.load_submission(
        warehouse, record("first", 1, processed_at=T0), values(("2026-10", "240101", "SAL-01", 5))
    )
    store.load_submission(
        warehouse,
        record("second", 0, sha256="first".ljust(64, "0"), processed_at=T0 + dt.timedelta(hours=1)),
        values(),
    )
    store.load_submission(warehouse, record("pnp", 0, agency="PNP", feedback_path="PNP/pnp"), values())
    asked = [
        ("DIRESA", "first".ljust(64, "0")),
        ("PNP", "first".ljust(64, "0")),
        ("PNP", "pnp".ljust(64, "0")),
        ("DIRESA", "none".ljust(64, "0")),
        ("DIRESA", "first".ljust(64, "0")),
    ]
    found = store.first_with_contents(warehouse, asked)
    assert {key: record.submission_id for key, record in found.items()} == {
        ("DIRESA", "first".ljust(64, "0")): "first",
        ("PNP", "pnp".ljust(64, "0")): "pnp",
    }
    for agency, sha256 in asked:
        alone = store.first_with_content(warehouse, agency, sha256)
        assert alone == found.get((agency, sha256))


def test_loading_twice_the_same_submission_is_refused(warehouse: Path) -> None:
    rows = values(("2026-10", "240101", "SAL-01", 5))
    store.load_submission(warehouse, record("a", 1), rows)
    with pytest.raises(duckdb.ConstraintException):
        store.load_submission(warehouse, record("a", 1), rows)
    assert query(warehouse, "select count(*) from observations") == [(1,)]


def test_the_file_is_free_for_readers_between_loads(warehouse: Path) -> None:
    store.load_submission(warehouse, record("a", 1), values(("2026-10", "240101", "SAL-01", 5)))
    with duckdb.connect(str(warehouse), read_only=True) as reader:
        assert reader.execute("select count(*) from indicator_values").fetchone() == (1,)


def test_a_round_that_cannot_be_told_as_one_loads_one_by_one(warehouse: Path) -> None:
    """A round mixing moments with and without a time zone cannot be staged as one table of
    arrivals: each submission loads on its own, as it always could."""
    aware = store.ToLoad(record("aware", 1), values(("2026-10", "240101", "SAL-01", 5)))
    naive_moment = dt.datetime(2026, 11, 5, 10, 0)
    naive_record = record("naive", 1, naive_moment, processed_at=naive_moment)
    naive = store.ToLoad(naive_record, values(("2026-11", "240101", "SAL-01", 6)))
    assert loaded(warehouse, [aware, naive]) == [None, None]
    assert query(warehouse, "select count(*) from submissions") == [(2,)]
