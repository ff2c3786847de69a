"""Build the analysts' tables: reference data as seed tables (seeds.py), then every model in
dependency order (catalog.py), in one transaction, documented and tested (model_tests.py) before it
commits.

A build after a run recomputes only what the run changed. A model materialised as `incremental`
declares `partition_by` (agency, period or year): the rows of one partition come only from the values
of that partition and from what the build's fingerprint covers (the models, the reference data, the
current needs). The build compares current_slices with the slices of the last build (build_slices),
deletes the partitions of the changed slices and inserts them again; when the fingerprint changed,
or on `full=True`, everything is rebuilt. A view may declare `partition_by` too, so that its tests
look only at the changed partitions. An incremental model never reads the build's date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from mesa_tumbes.core import clock
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.core.settings import DEFAULT_TIMEZONE
from mesa_tumbes.warehouse.catalog import (
    FULL,
    MODELS_DIR,
    Model,
    Scope,
    common_columns,
    labeled_view,
    models,
    sql_literal,
)
from mesa_tumbes.warehouse.model_tests import ModelTestError, test_model
from mesa_tumbes.warehouse.seeds import seeds
from mesa_tumbes.warehouse.store import connect, query, run


@dataclass(frozen=True)
class BuildReport:
    models: list[str]
    rows: dict[str, int]  # rows of each table model
    full: bool = True  # everything rebuilt, or only the changed slices
    slices: int = 0  # agency-period slices recomputed by an incremental build


def build(
    path: Path,
    reference: Reference,
    as_of: dt.date | None = None,
    timezone: str = DEFAULT_TIMEZONE,
    full: bool = False,
    intersector: str = "max_sector",
) -> BuildReport:
    """Build every model in one transaction; a failing model test rolls all of it back. `as_of` is
    the day the tables describe; `timezone` is the Mesa's, in which deadlines are days. Only the
    slices changed since the last build are recomputed, unless `full` or the fingerprint changed.
    `intersector` is how the intersector figure is made (operations.yaml, gaps)."""
    with connect(path) as connection:
        connection.begin()
        try:
            seed_frames = seeds(reference, as_of or clock.today(timezone), timezone, intersector)
            for name, frame in seed_frames.items():
                connection.register("seed_rows", frame)
                connection.execute(f"create or replace table {name} as select * from seed_rows")
                connection.unregister("seed_rows")
            fingerprint = _fingerprint(connection, seed_frames)
            scope = _stage_partitions(connection, full or not _can_resume(connection, fingerprint))
            for model in models():
                create_model(connection, model, scope)
            for model in (model for model in models() if model.codes):
                connection.execute(f"create or replace view {model.name}_labeled as\n{labeled_view(model)}")
            failures = [failure for model in models() for failure in test_model(connection, model, scope)]
            if failures:
                raise ModelTestError("; ".join(failures))
            rows = {
                model.name: int(connection.execute(f"select count(*) from {model.name}").fetchone()[0])  # type: ignore[index]
                for model in models()
                if model.materialized != "view"
            }
            run(connection, "record_build", {"fingerprint": fingerprint})
            run(connection, "record_rule_figures", {})
            connection.commit()
        except BaseException:
            # a commit that failed (a full disk) has ended the transaction: nothing left to roll back
            with suppress(duckdb.TransactionException):
                connection.rollback()
            raise
    return BuildReport([model.name for model in models()], rows, scope.full, scope.slices)


def _fingerprint(connection: duckdb.DuckDBPyConnection, seed_frames: dict[str, pd.DataFrame]) -> str:
    """What every partition depends on besides its own values: the models' code, the reference data
    (not the build's date) and the current needs. When it changes, the next build is a full one."""
    digest = hashlib.sha256()
    for path in sorted(MODELS_DIR.rglob("*.*")):
        digest.update(path.relative_to(MODELS_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    for name, frame in sorted(seed_frames.items()):
        undated = frame.drop(columns=["as_of"]) if name == "ref_build" else frame
        digest.update(name.encode() + b"\0" + undated.to_csv(index=False).encode())
    needs = connection.execute(
        "select agency, year, measure, submission_id from current_need_slices order by all"
    ).fetchall()
    digest.update(repr(needs).encode())
    return digest.hexdigest()


def _can_resume(connection: duckdb.DuckDBPyConnection, fingerprint: str) -> bool:
    """Whether recomputing the changed slices is enough: the last build used the same models,
    reference data and needs, and left every incremental table in place."""
    last = connection.execute("select fingerprint from build_state").fetchone()
    tables = {name for (name,) in connection.execute("select table_name from duckdb_tables()").fetchall()}
    incremental = {model.name for model in models() if model.materialized == "incremental"}
    return last is not None and last[0] == fingerprint and incremental <= tables


def _stage_partitions(connection: duckdb.DuckDBPyConnection, full: bool) -> Scope:
    """Put the slices this build recomputes in build_partitions: every current one, or the changed."""
    connection.execute(
        "create or replace temp table build_partitions as\n"
        + query("current_partitions" if full else "touched_slices")
    )
    (slices,) = connection.execute("select count(*) from build_partitions").fetchone() or (0,)
    return Scope(full, int(slices))


def create_model(connection: duckdb.DuckDBPyConnection, model: Model, scope: Scope = FULL) -> None:
    kind = "view" if model.materialized == "view" else "table"
    existing = connection.execute(
        "select table_type from information_schema.tables where table_name = ?", [model.name]
    ).fetchone()
    existing_kind = None if existing is None else "view" if existing[0] == "VIEW" else "table"
    if model.materialized == "incremental" and not scope.full and existing_kind == "table":
        _replace_partitions(connection, model, scope)
    else:
        if existing_kind is not None and existing_kind != kind:
            connection.execute(f"drop {existing_kind} {model.name}")
        connection.execute(f"create or replace {kind} {model.name} as\n{model.sql}")
    connection.execute(
        f"comment on {kind} {model.name} is {sql_literal(_describe(model.description, model.grain))}"
    )
    written = [name for (name,) in connection.execute(
        "select column_name from duckdb_columns() where table_name = ?", [model.name]
    ).fetchall()]  # fmt: skip
    for column in written:
        described = model.columns.get(column) or common_columns().get(column)
        if described is not None:
            connection.execute(
                f"comment on column {model.name}.{column} is {sql_literal(_describe(described))}"
            )


def _replace_partitions(connection: duckdb.DuckDBPyConnection, model: Model, scope: Scope) -> None:
    if not scope.slices:
        return
    where = scope.where(model.partition_by)
    connection.execute(f"delete from {model.name} where {where}")
    connection.execute(f"insert into {model.name} select * from (\n{model.sql}\n) where {where}")


def _describe(text: dict[str, str], grain: str | None = None) -> str:
    described = f"{text['es'].strip()} / {text['en'].strip()}"
    return f"{described} Grano / grain: {grain.strip()}" if grain else described
