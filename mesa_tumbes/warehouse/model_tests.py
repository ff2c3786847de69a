"""A model's declared tests (unique, not_null, accepted_values, expressions, relationships, and a
name in dim_label for every code of its code columns) as queries that count offending rows, run
before the build commits."""

from __future__ import annotations

from typing import Any

import duckdb

from mesa_tumbes.warehouse.catalog import FULL, LABELS, Model, Scope, sql_literal


class ModelTestError(Exception):
    """A model's declared test found rows that break it: the build is rolled back."""


def test_model(connection: duckdb.DuckDBPyConnection, model: Model, scope: Scope = FULL) -> list[str]:
    """The model's declared tests, as queries that count offending rows; one message per failure.
    A partitioned model is tested on the partitions this build recomputed."""
    relation = model.name
    if model.partition_by and not scope.full:
        relation = f"(select * from {model.name} where {scope.where(model.partition_by)}) as {model.name}"
    failures = []
    for sql, what in _test_queries(model.tests, relation) + _label_queries(model.codes, relation):
        offending = connection.execute(sql).fetchone()
        if offending is not None and offending[0]:
            failures.append(f"{model.name}: {what} ({offending[0]} rows)")
    return failures


def _label_queries(codes: dict[str, str], name: str) -> list[tuple[str, str]]:
    """Every code a mart shows has a name in dim_label, in both languages."""
    return [
        (
            f"select count(distinct {column}) from {name} where {column} is not null and {column} not in"
            f" (select code from {LABELS} where kind = {sql_literal(kind)}"
            " and label_es is not null and label_en is not null)",
            f"{column} has codes without a label of kind {kind}",
        )
        for column, kind in codes.items()
    ]


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
        listed = ", ".join(sql_literal(str(value)) for value in values)
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
