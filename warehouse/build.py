"""Build the analysts' tables: reference data as seed tables, then every model in dependency order,
in one transaction, documented and tested before it commits.

Models live in warehouse/models/<layer>/<name>.sql (staging: renames and casts, 1:1 with a source;
intermediate: business rules; marts: what analysts query), each with <name>.yml beside it: its
grain, how it is materialised, its description and columns in Spanish and English, and its tests.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import duckdb
import pandas as pd
import yaml

from mesa.reference import Reference
from mesa.settings import DEFAULT_TIMEZONE
from warehouse.store import connect

MODELS_DIR = Path(__file__).parent / "models"
LAYERS = ("staging", "intermediate", "marts")
Materialized = Literal["view", "table"]


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
            meta = yaml.safe_load(sql.with_suffix(".yml").read_text(encoding="utf-8"))
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
                )
            )
    return tuple(_in_dependency_order(found))


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
    """The population groups of the gap tables: the total, R4V's age-sex groups, population types."""
    names_es = {
        "total": "Total", "girls": "Niñas", "boys": "Niños", "women": "Mujeres", "men": "Hombres",
        "other_under_18": "Otro sexo, menores de 18", "other_over_18": "Otro sexo, 18 y más",
        "in_destination": "En destino", "in_transit": "En tránsito", "host_community": "Comunidad de acogida",
        "pendular": "Pendular", "returnee": "Retornados",
    }  # fmt: skip
    rows: list[tuple[str, str, str | None, str | None, str, str, int]] = [
        ("total", "total", None, None, "Total", "Total", 0)
    ]
    for order, (group, (sex, age)) in enumerate(reference.five_w.age_sex_groups.items(), start=1):
        rows.append(
            (group, "age_sex", sex, age, names_es[group], group.replace("_", " ").capitalize(), order)
        )
    for order, population in enumerate(reference.five_w.population_types, start=10):
        rows.append(
            (
                population,
                "population_type",
                None,
                None,
                names_es[population],
                population.replace("_", " ").capitalize(),
                order,
            )
        )
    return pd.DataFrame(
        rows, columns=["group_code", "group_kind", "sex", "coarse_age", "name_es", "name_en", "sort_order"]
    )


# --- Build ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildReport:
    models: list[str]
    rows: dict[str, int]  # rows of each table model


def build(
    path: Path, reference: Reference, as_of: dt.date | None = None, timezone: str = DEFAULT_TIMEZONE
) -> BuildReport:
    """Rebuild every model in one transaction; a failing model test rolls all of it back. `as_of` is
    the day the tables describe; `timezone` is the Mesa's, in which deadlines are days."""
    with connect(path) as connection:
        connection.begin()
        try:
            for name, frame in seeds(reference, as_of or dt.date.today(), timezone).items():
                connection.register("seed_rows", frame)
                connection.execute(f"create or replace table {name} as select * from seed_rows")
                connection.unregister("seed_rows")
            for model in models():
                create_model(connection, model)
            failures = [failure for model in models() for failure in test_model(connection, model)]
            if failures:
                raise ModelTestError("; ".join(failures))
            rows = {
                model.name: int(connection.execute(f"select count(*) from {model.name}").fetchone()[0])  # type: ignore[index]
                for model in models()
                if model.materialized == "table"
            }
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
    return BuildReport([model.name for model in models()], rows)


def create_model(connection: duckdb.DuckDBPyConnection, model: Model) -> None:
    kind = "view" if model.materialized == "view" else "table"
    other = "table" if kind == "view" else "view"
    existing = connection.execute(
        "select table_type from information_schema.tables where table_name = ?", [model.name]
    ).fetchone()
    if existing is not None and existing[0] == ("VIEW" if other == "view" else "BASE TABLE"):
        connection.execute(f"drop {other} {model.name}")
    connection.execute(f"create or replace {kind} {model.name} as\n{model.sql}")
    connection.execute(
        f"comment on {kind} {model.name} is {_literal(_describe(model.description, model.grain))}"
    )
    for column, text in model.columns.items():
        connection.execute(f"comment on column {model.name}.{column} is {_literal(_describe(text))}")


def _describe(text: dict[str, str], grain: str | None = None) -> str:
    described = f"{text['es'].strip()} / {text['en'].strip()}"
    return f"{described} Grano / grain: {grain.strip()}" if grain else described


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def test_model(connection: duckdb.DuckDBPyConnection, model: Model) -> list[str]:
    """The model's declared tests, as queries that count offending rows; one message per failure."""
    failures = []
    for query, what in _test_queries(model):
        offending = connection.execute(query).fetchone()
        if offending is not None and offending[0]:
            failures.append(f"{model.name}: {what} ({offending[0]} rows)")
    return failures


def _test_queries(model: Model) -> list[tuple[str, str]]:
    tests, name = model.tests, model.name
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
