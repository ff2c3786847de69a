"""The R4V 5W export's mapping, kept as data beside its format: the columns it reads and how R4V
names them (columns.yaml), and which of its indicators are the Mesa's, under which catalogue code
(indicators.csv)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from mesa_tumbes.core import yamldata
from mesa_tumbes.core.text import fold

HERE = Path(__file__).parent


@dataclass(frozen=True)
class FiveWMapping:
    required: tuple[str, ...]  # a header row is a 5W header when it names every one of these
    columns: dict[str, tuple[str, ...]]  # our field name -> R4V's titles for it
    known: tuple[str, ...]  # R4V's columns that are not read (and not warned about)
    indicators: dict[tuple[str, str], str]  # (folded subsector, folded indicator) -> catalogue code

    def indicator_code(self, subsector: str, indicator: str) -> str | None:
        """The catalogue code an R4V 5W indicator maps to, if the Mesa tracks it."""
        return self.indicators.get((fold(subsector), fold(indicator)))


@cache
def load_mapping() -> FiveWMapping:
    """Read the format's mapping once per process."""
    with (HERE / "columns.yaml").open(encoding="utf-8") as stream:
        columns = yamldata.load(stream)
    with (HERE / "indicators.csv").open(encoding="utf-8", newline="") as stream:
        indicators = {
            (fold(row["subsector"]), fold(row["indicator"])): row["code"] for row in csv.DictReader(stream)
        }
    return FiveWMapping(
        required=tuple(columns["required"]),
        columns={name: tuple(titles) for name, titles in columns["columns"].items()},
        known=tuple(columns["known"]),
        indicators=indicators,
    )
