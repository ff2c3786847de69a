"""The models analysts query, as the warehouse/models folder declares them: each <layer>/<name>.sql
(staging: renames and casts, 1:1 with a source; intermediate: business rules; marts: what analysts
query) with <name>.yml beside it (grain, materialisation, descriptions in Spanish and English, tests,
partitions, the columns that hold codes named in dim_label), found and put in dependency order; and
the partitions a build recomputes (Scope)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from mesa_tumbes.core import yamldata

MODELS_DIR = Path(__file__).parent / "models"
LAYERS = ("staging", "intermediate", "marts")
Materialized = Literal["view", "table", "incremental"]
PARTITION_COLUMNS = ("agency", "period", "year")


class ModelDefinitionError(ValueError):
    """A model declared in a way the build cannot keep (an unknown partition, an incremental model
    without partitions or reading the build's date, models reading each other in a cycle)."""


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
    codes: dict[str, str] = field(default_factory=dict)  # column -> kind of code in dim_label

    def references(self, names: set[str]) -> set[str]:
        """The other models this one reads from."""
        code = re.sub(r"--[^\n]*", "", self.sql)
        return {name for name in names if name != self.name and re.search(rf"\b{name}\b", code)}


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
                    codes=meta.get("codes", {}),
                )
            )
    ordered = _in_dependency_order(found)
    _check_partitions(ordered)
    return tuple(ordered)


@cache
def common_columns() -> dict[str, dict[str, str]]:
    """The columns many models share, described once (models/common_columns.yml): a model's own
    description of a column comes first."""
    loaded: dict[str, dict[str, str]] = yamldata.load(
        (MODELS_DIR / "common_columns.yml").read_text(encoding="utf-8")
    )
    return loaded


def _check_partitions(ordered: list[Model]) -> None:
    """What makes an incremental rebuild equal a full one, checked where it can be: partitions are
    known columns, and no incremental model reads the build's date, itself or through another model."""
    by_name = {model.name: model for model in ordered}
    dated: set[str] = set()
    for model in ordered:
        unknown = set(model.partition_by) - set(PARTITION_COLUMNS)
        if unknown:
            raise ModelDefinitionError(
                f"{model.name}: partition_by {sorted(unknown)} is not one of {PARTITION_COLUMNS}"
            )
        if model.materialized == "incremental" and not model.partition_by:
            raise ModelDefinitionError(f"{model.name}: an incremental model needs partition_by")
        reads = model.references(set(by_name))
        if (model.layer != "staging" and "as_of" in model.sql) or reads & dated:
            dated.add(model.name)
        if model.materialized == "incremental" and model.name in dated:
            raise ModelDefinitionError(f"{model.name} is incremental but depends on the build's date (as_of)")


def _in_dependency_order(found: list[Model]) -> list[Model]:
    names = {model.name for model in found}
    ordered: list[Model] = []
    placed: set[str] = set()
    pending = list(found)
    while pending:
        ready = [model for model in pending if model.references(names) <= placed]
        if not ready:
            raise ModelDefinitionError(f"models reference each other in a cycle: {[m.name for m in pending]}")
        for model in ready:
            ordered.append(model)
            placed.add(model.name)
            pending.remove(model)
    return ordered


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


LABELS = "dim_label"


def labeled_view(model: Model) -> str:
    """The <mart>_labeled view: the mart with <column>_es and <column>_en beside each code column,
    named as dim_label names it."""
    joins = [
        f"left join {LABELS} as label_{n}"
        f" on label_{n}.kind = {sql_literal(kind)} and label_{n}.code = m.{column}"
        for n, (column, kind) in enumerate(model.codes.items())
    ]
    named = [
        f"label_{n}.label_{lang} as {column}_{lang}"
        for n, column in enumerate(model.codes)
        for lang in ("es", "en")
    ]
    return f"select m.*, {', '.join(named)}\nfrom {model.name} as m\n" + "\n".join(joins)


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
