"""The same rules, written for the tools a data engineer would otherwise reach for.

Each peer validates clean UTF-8 twins of the benchmark's files (codes, comma-separated: the easiest
input there is; our pipeline gets the messy originals) against the rules every row of ours meets:
required columns, codes in their lists (district, indicator, sex, age group, population type), the
agency of the folder, a YYYY-MM period from 2018 on, a whole non-negative value, no repeated key.
Each returns the number of rows it found invalid, so that the benchmark can check they all see
the same file the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from bench.generate import AGES, POPULATIONS, SEXES
from mesa_tumbes.core.reference import load_reference

COLUMNS = ["agencia", "periodo", "ubigeo", "indicador", "sexo", "grupo de edad", "tipo de población", "valor"]
KEY = ["periodo", "ubigeo", "indicador", "sexo", "grupo de edad", "tipo de población"]
PERIOD_PATTERN = r"^(201[89]|20[2-9][0-9])-(0[1-9]|1[0-2])$"


@dataclass(frozen=True)
class Rules:
    districts: list[str]
    indicators: list[str]

    @classmethod
    def from_reference(cls) -> Rules:
        reference = load_reference()
        return cls([d.inei for d in reference.districts], [i.code for i in reference.indicators])

    def lists(self) -> dict[str, list[str]]:
        return {
            "ubigeo": self.districts,
            "indicador": self.indicators,
            "sexo": list(SEXES),
            "grupo de edad": list(AGES),
            "tipo de población": list(POPULATIONS),
        }


def agency_of(path: Path) -> str:
    return path.parent.name


def twin_frame(path: Path) -> pd.DataFrame:
    """A twin as pandas reads it for the pandas-based peers: text cells, the value as a number."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["valor"] = pd.to_numeric(frame["valor"], errors="coerce")
    return frame


def frictionless_validate(files: list[Path], rules: Rules) -> int:
    """frictionless-py: a Table Schema with enums, a pattern, a minimum and a primary key, per file."""
    from frictionless import Checklist, Resource, Schema, fields

    invalid = 0
    for path in files:
        schema = Schema(
            fields=[
                fields.StringField(name="agencia", constraints={"required": True, "enum": [agency_of(path)]}),
                fields.StringField(name="periodo", constraints={"required": True, "pattern": PERIOD_PATTERN}),
                *[
                    fields.StringField(name=name, constraints={"required": True, "enum": allowed})
                    for name, allowed in rules.lists().items()
                    if name in ("ubigeo", "indicador")
                ],
                *[
                    fields.StringField(name=name, constraints={"enum": allowed})
                    for name, allowed in rules.lists().items()
                    if name not in ("ubigeo", "indicador")
                ],
                fields.IntegerField(name="valor", constraints={"required": True, "minimum": 0}),
            ],
            primary_key=KEY,
        )
        schema.fields = sorted(schema.fields, key=lambda field: COLUMNS.index(field.name))
        resource = Resource(path=path.name, basepath=str(path.parent), schema=schema, encoding="utf-8")
        report = resource.validate(checklist=Checklist(), limit_errors=10**9)
        invalid += len({error.row_number for error in report.tasks[0].errors if hasattr(error, "row_number")})
    return invalid


def pandera_validate(files: list[Path], rules: Rules) -> int:
    """pandera: a DataFrameSchema per agency with isin, regex, ge and a unique key, lazy (all errors)."""
    import pandera.pandas as pa
    from pandera.errors import SchemaErrors

    invalid = 0
    for path in files:
        frame = twin_frame(path)
        schema = pa.DataFrameSchema(
            {
                "agencia": pa.Column(str, pa.Check.isin([agency_of(path)])),
                "periodo": pa.Column(str, pa.Check.str_matches(PERIOD_PATTERN)),
                **{name: pa.Column(str, pa.Check.isin(allowed)) for name, allowed in rules.lists().items()},
                "valor": pa.Column(float, [pa.Check.ge(0), pa.Check(lambda s: s % 1 == 0)], nullable=False),
            },
            unique=KEY,
            report_duplicates="all",
        )
        try:
            schema.validate(frame, lazy=True)
        except SchemaErrors as errors:
            cases = errors.failure_cases
            invalid += cases.loc[cases["index"].notna(), "index"].nunique()
    return invalid


def great_expectations_validate(files: list[Path], rules: Rules) -> int:
    """The naive loop: pandas reads each file, then a new GX context, datasource and suite per file."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    invalid = 0
    for path in files:
        frame = twin_frame(path)
        context: Any = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        source = context.data_sources.add_pandas(name=f"file_{path.stem}")
        asset = source.add_dataframe_asset(name="rows")
        batch = asset.add_batch_definition_whole_dataframe("all").get_batch(
            batch_parameters={"dataframe": frame}
        )
        suite = gx.ExpectationSuite(name="rows")
        suite.add_expectation(
            gx.expectations.ExpectColumnValuesToBeInSet(column="agencia", value_set=[agency_of(path)])
        )
        suite.add_expectation(
            gx.expectations.ExpectColumnValuesToMatchRegex(column="periodo", regex=PERIOD_PATTERN)
        )
        for name, allowed in rules.lists().items():
            suite.add_expectation(gx.expectations.ExpectColumnValuesToBeInSet(column=name, value_set=allowed))
        suite.add_expectation(gx.expectations.ExpectColumnValuesToBeBetween(column="valor", min_value=0))
        suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeNull(column="valor"))
        suite.add_expectation(gx.expectations.ExpectCompoundColumnsToBeUnique(column_list=KEY))
        result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
        rows: set[int] = set()
        for outcome in result.results:
            rows.update(outcome.result.get("unexpected_index_list") or [])
        invalid += len(rows)
    return invalid


PEERS = {
    "frictionless": frictionless_validate,
    "pandera": pandera_validate,
    "pandas + Great Expectations (naive loop)": great_expectations_validate,
}
