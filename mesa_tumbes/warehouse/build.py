"""Build the analysts' tables: reference data as seed tables, then every model in dependency order,
in one transaction, documented and tested before it commits.

Models live in warehouse/models/<layer>/<name>.sql (staging: renames and casts, 1:1 with a source;
intermediate: business rules; marts: what analysts query), each with <name>.yml beside it: its
grain, how it is materialised, its description and columns in Spanish and English, and its tests.

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
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import duckdb
import pandas as pd

from mesa_tumbes.core import clock, yamldata
from mesa_tumbes.core.i18n import text
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.core.settings import DEFAULT_TIMEZONE
from mesa_tumbes.warehouse.store import connect, query, run

MODELS_DIR = Path(__file__).parent / "models"
LAYERS = ("staging", "intermediate", "marts")
Materialized = Literal["view", "table", "incremental"]
PARTITION_COLUMNS = ("agency", "period", "year")


@dataclass(frozen=True)
class Model:
    name: str
    layer: str
    sql: str
    grain: str
    materialized: Materialized
    description: dict[str, str]
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    tests: dict[str, Any] = field(default_factory=dict)
    partition_by: tuple[str, ...] = ()

    def references(self, names: set[str]) -> set[str]:
        """The other models this one reads from."""
        code = re.sub(r"--[^\n]*", "", self.sql)
        return {name for name in names if name != self.name and re.search(rf"\b{name}\b", code)}


class ModelTestError(Exception):
    """A model's declared test found rows that break it: the build is rolled back."""


@cache
def models() -> tuple[Model, ...]:
    """Every model, in an order where each comes after the models it reads from."""
    found = []
    for layer in LAYERS:
        for sql in sorted((MODELS_DIR / layer).glob("*.sql")):
            meta = yamldata.load(sql.with_suffix(".yml").read_text(encoding="utf-8"))
            found.append(
                Model(
                    name=sql.stem,
                    layer=layer,
                    sql=sql.read_text(encoding="utf-8"),
                    grain=meta["grain"],
                    materialized=meta.get("materialized", "table" if layer == "marts" else "view"),
                    description=meta["description"],
                    columns=meta.get("columns", {}),
                    tests=meta.get("tests", {}),
                    partition_by=tuple(meta.get("partition_by", ())),
                )
            )
    ordered = _in_dependency_order(found)
    _check_partitions(ordered)
    return tuple(ordered)


def _check_partitions(ordered: list[Model]) -> None:
    """What makes an incremental rebuild equal a full one, checked where it can be: partitions are
    known columns, and no incremental model reads the build's date, itself or through another model."""
    by_name = {model.name: model for model in ordered}
    dated: set[str] = set()
    for model in ordered:
        unknown = set(model.partition_by) - set(PARTITION_COLUMNS)
        assert not unknown, f"{model.name}: partition_by {sorted(unknown)} is not one of {PARTITION_COLUMNS}"
        assert model.materialized != "incremental" or model.partition_by, f"{model.name}: no partition_by"
        reads = model.references(set(by_name))
        if (model.layer != "staging" and "as_of" in model.sql) or reads & dated:
            dated.add(model.name)
        assert model.materialized != "incremental" or model.name not in dated, (
            f"{model.name} is incremental but depends on the build's date (as_of)"
        )


def _in_dependency_order(found: list[Model]) -> list[Model]:
    names = {model.name for model in found}
    ordered: list[Model] = []
    placed: set[str] = set()
    pending = list(found)
    while pending:
        ready = [model for model in pending if model.references(names) <= placed]
        assert ready, f"models reference each other in a cycle: {[m.name for m in pending]}"
        for model in ready:
            ordered.append(model)
            placed.add(model.name)
            pending.remove(model)
    return ordered


# --- Seeds: the reference data, as tables the models join ----------------------------------------


def seeds(reference: Reference, as_of: dt.date, timezone: str = DEFAULT_TIMEZONE) -> dict[str, pd.DataFrame]:
    agencies = pd.DataFrame(
        [(a.code, a.name, a.kind) for a in reference.agencies], columns=["code", "name", "kind"]
    )
    indicators = pd.DataFrame(
        [
            (
                i.code,
                i.sector,
                i.role,
                i.unit,
                i.name_es,
                i.name_en,
                i.pairs_with,
                i.frequency,
                i.sector_reach,
            )
            for i in reference.indicators
        ],
        columns=[
            "code",
            "sector",
            "role",
            "unit",
            "name_es",
            "name_en",
            "pairs_with",
            "frequency",
            "sector_reach",
        ],
    )
    sectors = pd.DataFrame(
        [(s.name, s.name_es, s.sensitive) for s in reference.sectors],
        columns=["name", "name_es", "sensitive"],
    )
    districts = pd.DataFrame(
        [(d.inei, d.reniec, d.name, d.province_inei, d.province_name) for d in reference.districts],
        columns=["inei", "reniec", "name", "province_inei", "province_name"],
    )
    calendar = pd.DataFrame(
        [
            (entry.agency, indicator, entry.frequency, entry.due_days, entry.since)
            for entry in reference.calendar
            for indicator in entry.indicators
        ],
        columns=["agency", "indicator", "frequency", "due_days", "since"],
    )
    department = reference.region.department
    name = dict(reference.departments)[department]
    build = pd.DataFrame(
        [(as_of, department, name, reference.region.first_period, timezone)],
        columns=["as_of", "department", "department_name", "first_period", "timezone"],
    )
    return {
        "ref_agencies": agencies,
        "ref_indicators": indicators,
        "ref_sectors": sectors,
        "ref_districts": districts,
        "ref_age_refinement": age_refinement(reference),
        "ref_groups": groups(reference),
        "ref_reporting_calendar": calendar,
        "ref_build": build,
    }


def age_refinement(reference: Reference) -> pd.DataFrame:
    """(parent, child): the child band is part of the parent (transitively: "total" holds "0-5")."""
    direct = {(b.total, part) for b in reference.breakdowns if b.column == "age_group" for part in b.parts}
    closure = set(direct)
    while True:
        wider = {(a, d) for a, b in closure for c, d in closure if b == c} - closure
        if not wider:
            break
        closure |= wider
    return pd.DataFrame(sorted(closure), columns=["parent", "child"])


def groups(reference: Reference) -> pd.DataFrame:
    """The population groups of the gap tables: the total, R4V's age-sex groups, population types,
    named in Spanish and English as the locales name them."""
    groups = reference.r4v
    rows: list[tuple[str, str, str | None, str | None, int]] = [("total", "total", None, None, 0)]
    rows += [
        (group, "age_sex", sex, age, order)
        for order, (group, (sex, age)) in enumerate(groups.age_sex_groups.items(), start=1)
    ]
    rows += [
        (population, "population_type", None, None, order)
        for order, population in enumerate(groups.population_types, start=10)
    ]
    return pd.DataFrame(
        [
            (code, kind, sex, age, text("es", f"groups.{code}"), text("en", f"groups.{code}"), order)
            for code, kind, sex, age, order in rows
        ],
        columns=["group_code", "group_kind", "sex", "coarse_age", "name_es", "name_en", "sort_order"],
    )


# --- Build ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The partitions a build recomputes: all of them, or those of the agency-period slices whose
    current submission changed since the last build. Either way they are in the temporary table
    build_partitions (agency, period, year) while the build runs."""

    full: bool = True
    slices: int = 0

    def where(self, columns: tuple[str, ...]) -> str:
        """A filter that keeps the rows of the partitions this build recomputes."""
        if self.full:
            return "true"
        listed = ", ".join(columns)
        return f"({listed}) in (select {listed} from build_partitions)"


FULL = Scope()


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
) -> BuildReport:
    """Build every model in one transaction; a failing model test rolls all of it back. `as_of` is
    the day the tables describe; `timezone` is the Mesa's, in which deadlines are days. Only the
    slices changed since the last build are recomputed, unless `full` or the fingerprint changed."""
    with connect(path) as connection:
        connection.begin()
        try:
            seed_frames = seeds(reference, as_of or clock.today(timezone), timezone)
            for name, frame in seed_frames.items():
                connection.register("seed_rows", frame)
                connection.execute(f"create or replace table {name} as select * from seed_rows")
                connection.unregister("seed_rows")
            fingerprint = _fingerprint(connection, seed_frames)
            scope = _stage_partitions(connection, full or not _can_resume(connection, fingerprint))
            for model in models():
                create_model(connection, model, scope)
            failures = [failure for model in models() for failure in test_model(connection, model, scope)]
            if failures:
                raise ModelTestError("; ".join(failures))
            rows = {
                model.name: int(connection.execute(f"select count(*) from {model.name}").fetchone()[0])  # type: ignore[index]
                for model in models()
                if model.materialized != "view"
            }
            run(connection, "record_build", {"fingerprint": fingerprint})
            connection.commit()
        except BaseException:
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
        f"comment on {kind} {model.name} is {_literal(_describe(model.description, model.grain))}"
    )
    for column, described in model.columns.items():
        connection.execute(f"comment on column {model.name}.{column} is {_literal(_describe(described))}")


def _replace_partitions(connection: duckdb.DuckDBPyConnection, model: Model, scope: Scope) -> None:
    if not scope.slices:
        return
    where = scope.where(model.partition_by)
    connection.execute(f"delete from {model.name} where {where}")
    connection.execute(f"insert into {model.name} select * from (\n{model.sql}\n) where {where}")


def _describe(text: dict[str, str], grain: str | None = None) -> str:
    described = f"{text['es'].strip()} / {text['en'].strip()}"
    return f"{described} Grano / grain: {grain.strip()}" if grain else described


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def test_model(connection: duckdb.DuckDBPyConnection, model: Model, scope: Scope = FULL) -> list[str]:
    """The model's declared tests, as queries that count offending rows; one message per failure.
    A partitioned model is tested on the partitions this build recomputed."""
    relation = model.name
    if model.partition_by and not scope.full:
        relation = f"(select * from {model.name} where {scope.where(model.partition_by)}) as {model.name}"
    failures = []
    for sql, what in _test_queries(model.tests, relation):
        offending = connection.execute(sql).fetchone()
        if offending is not None and offending[0]:
            failures.append(f"{model.name}: {what} ({offending[0]} rows)")
    return failures


def _test_queries(tests: dict[str, Any], name: str) -> list[tuple[str, str]]:
    queries = []
    if unique := tests.get("unique"):
        key = ", ".join(unique)
        queries.append(
            (
                f"select count(*) from (select {key} from {name} group by all having count(*) > 1)",
                f"{key} is not unique",
            )
        )
    for column in tests.get("not_null", []):
        queries.append((f"select count(*) from {name} where {column} is null", f"{column} has nulls"))
    for column, values in tests.get("accepted_values", {}).items():
        listed = ", ".join(_literal(str(value)) for value in values)
        queries.append(
            (
                f"select count(*) from {name} where {column} is not null and {column} not in ({listed})",
                f"{column} outside {values}",
            )
        )
    for expression in tests.get("expressions", []):
        queries.append(
            (
                f"select count(*) from {name} where not coalesce(({expression}), false)",
                f"not always {expression}",
            )
        )
    for column, target in tests.get("relationships", {}).items():
        other, key = target.split(".")
        queries.append(
            (
                f"select count(*) from {name} where {column} is not null"
                f" and {column} not in (select {key} from {other})",
                f"{column} not in {target}",
            )
        )
    return queries
