"""`mesa export`: the analysts' tables as Parquet and CSV for publication, small cells suppressed.

The warehouse keeps the true values; only what leaves it is protected (see suppression.py).
In Parquet a hidden cell is NULL with a `<column>_suppressed` flag beside it; in CSV it is the marker
(`<5` for the default threshold).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mesa_tumbes.core.reference import Reference, load_reference
from mesa_tumbes.publication.suppression import CellSet, additive_sets, primary, secondary
from mesa_tumbes.warehouse.store import connect, table

EXPORTED = (
    "dim_agency", "dim_indicator", "dim_district", "dim_area", "dim_period", "dim_population_group",
    "dim_label",
    "gap_coverage", "gap_target", "gap_referral", "gap_territorial", "gap_equity", "gap_reporting",
)  # fmt: skip
Hidden = dict[str, pd.Series]
INTERSECTOR = "Intersector"


@dataclass(frozen=True)
class Exported:
    mart: str
    rows: int
    hidden_cells: int
    files: tuple[Path, ...]


def sensitive_sectors(reference: Reference) -> set[str]:
    return {sector.name for sector in reference.sectors if sector.sensitive}


# --- What each mart hides ------------------------------------------------------------------------


def protect_coverage(frame: pd.DataFrame, sensitive: set[str], threshold: int) -> Hidden:
    """People reached in sensitive sectors; the coverage and gap that would reveal them too. The
    intersector figure is the largest sector's (R4V's proxy): where a survivors' count is the only
    one of an area, it is that count, so its small values are hidden as a sensitive sector's. Being
    a largest figure, not a sum, no other cell adds up to it: it needs no secondary suppression."""
    is_intersector = frame["sector"].eq(INTERSECTOR)
    is_sensitive = frame["sector"].isin(sensitive) | is_intersector
    hidden = {"people_reached": primary(frame, "people_reached", is_sensitive, threshold)}
    hidden = secondary(frame, hidden, coverage_sets(frame.loc[~is_intersector], "people_reached"))
    return {**hidden, "coverage_pct": hidden["people_reached"], "gap_people": hidden["people_reached"]}


def coverage_sets(frame: pd.DataFrame, column: str) -> list[CellSet]:
    """Where figures add up: groups to their total, districts to their province, provinces to the
    department, and a year's new beneficiaries to its months."""
    group = frame["group_code"]
    is_total = group.eq("total")
    groups = load_reference().r4v
    sets = additive_sets(
        frame, column, ["sector", "area_code", "period"], is_total, group.isin(list(groups.age_sex_groups))
    )
    sets += additive_sets(
        frame, column, ["sector", "area_code", "period"], is_total, group.isin(list(groups.population_types))
    )
    sets += area_sets(frame, column, ["sector", "period", "group_code"])
    if "reached_basis" in frame:
        yearly = frame["period_kind"].eq("year_to_date") & frame["reached_basis"].eq(
            "new_beneficiaries_year_to_date"
        )
        monthly = frame["period_kind"].eq("month")
        sets += additive_sets(frame, column, ["sector", "area_code", "group_code", "year"], yearly, monthly)
    return sets


def _of_years(connection: Any, name: str, years: tuple[str, ...] | None) -> str:
    """A where clause keeping the mart's rows of `years` (by its year, else its period's)."""
    if years is None:
        return ""
    columns = {row[0] for row in connection.execute(f"describe {name}").fetchall()}
    listed = ", ".join(f"'{int(year):04d}'" for year in years)  # years are numbers: safe in the statement
    if "year" in columns:
        return f" where cast(year as varchar) in ({listed})"
    if "period" in columns:
        return f" where left(cast(period as varchar), 4) in ({listed})"
    return ""


def area_sets(frame: pd.DataFrame, column: str, keys: list[str]) -> list[CellSet]:
    """Where areas add up within `keys`: districts to their province (the first four digits of
    their INEI code), provinces to the department."""
    level = frame["admin_level"]
    with_province = frame.assign(_province=frame["area_code"].astype(str).str[:4])
    return additive_sets(
        with_province.loc[level.isin(["district", "province"])],
        column,
        [*keys, "_province"],
        level.eq("province"),
        level.eq("district"),
    ) + additive_sets(
        frame.loc[level.isin(["province", "department"])],
        column,
        keys,
        level.eq("department"),
        level.eq("province"),
    )


def protect_referral(frame: pd.DataFrame, sensitive_indicators: set[str], threshold: int) -> Hidden:
    """Identified and attended counts of sensitive pairs; the percentage and difference they make."""
    is_sensitive = frame["attended_indicator"].isin(sensitive_indicators)
    hidden: Hidden = {}
    sets: list[CellSet] = []
    for column in ("people_identified", "people_attended"):
        hidden[column] = primary(frame, column, is_sensitive, threshold)
        sets += area_sets(frame, column, ["identified_indicator", "period"])
    hidden = secondary(frame, hidden, sets)
    either = hidden["people_identified"] | hidden["people_attended"]
    return {**hidden, "attended_pct": either, "not_attended_people": either}


def follow_coverage(
    frame: pd.DataFrame, coverage: pd.DataFrame, hidden: Hidden, columns: dict[str, list[str]]
) -> Hidden:
    """Hide in another mart what is hidden in gap_coverage for the same sector, area, period and
    group: `columns` maps a coverage column to the columns of this mart that show or reveal it."""
    keys = ["sector", "area_code", "period", "group_code"]
    period = frame["period"] if "period" in frame else frame["year"]
    lookup = coverage[keys].assign(**{f"_{c}": hidden[c] for c in columns}).set_index(keys)
    joined = pd.DataFrame(
        {
            "sector": frame["sector"],
            "area_code": frame["area_code"],
            "period": period,
            "group_code": frame["group_code"],
        }
    )
    follows: Hidden = {}
    for source, targets in columns.items():
        found = joined.join(lookup[f"_{source}"], on=keys)[f"_{source}"].fillna(False).astype(bool)
        for target in targets:
            follows[target] = follows.get(target, pd.Series(False, index=frame.index)) | found.to_numpy()
    return follows


def total_hidden(frame: pd.DataFrame, coverage: pd.DataFrame, hidden: Hidden) -> pd.Series:
    """Whether the group's total (group 'total' of the same sector, area and period) is hidden."""
    totals = frame.assign(group_code="total")
    return follow_coverage(totals, coverage, hidden, {"people_reached": ["total"]})["total"]


# --- Export --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Protected:
    """A mart as published: its rows, and per column the cells hidden (primary and secondary)."""

    frame: pd.DataFrame
    hidden: Hidden

    def shown(self) -> pd.DataFrame:
        """The rows with every hidden cell emptied (NaN): what anything published may show."""
        shown = self.frame.copy()
        for column, mask in self.hidden.items():
            shown[column] = shown[column].astype(object)
            shown.loc[mask.to_numpy(), column] = None
        return shown

    def is_hidden(self, column: str) -> pd.Series:
        return self.hidden.get(column, pd.Series(False, index=self.frame.index))


def protected_marts(
    warehouse: Path,
    reference: Reference,
    threshold: int,
    names: tuple[str, ...] = EXPORTED,
    years: tuple[str, ...] | None = None,
) -> dict[str, Protected]:
    """The marts as they may be published, the same rules for every output (`mesa export`, the
    bulletin): small counts in sensitive sectors hidden, and the cells that would let them be
    recomputed from totals. Only the rows of `years` when given (what a bulletin shows: the sets of
    cells that add up never span two years, so what is hidden is the same as over every year). The
    warehouse is only read."""
    with connect(warehouse, read_only=True) as connection:
        marts = {
            name: table(connection, f"select * from {name}{_of_years(connection, name, years)}")
            for name in dict.fromkeys((*names, "gap_coverage"))
        }
    sensitive = sensitive_sectors(reference)
    sensitive_indicators = {i.code for i in reference.indicators if i.sector in sensitive}
    coverage = marts["gap_coverage"]
    coverage_hidden = protect_coverage(coverage, sensitive, threshold)
    protections: dict[str, Callable[[pd.DataFrame], Hidden]] = {
        "gap_coverage": lambda _: coverage_hidden,
        "gap_target": lambda frame: follow_coverage(
            frame, coverage, coverage_hidden, {"people_reached": ["people_reached", "target_pct"]}
        ),
        "gap_equity": lambda frame: {
            **follow_coverage(
                frame,
                coverage,
                coverage_hidden,
                {"people_reached": ["people_reached", "share_of_reached_pct", "gap_pct_points"]},
            ),
            "people_reached_total": total_hidden(frame, coverage, coverage_hidden),
        },
        "gap_referral": lambda frame: protect_referral(frame, sensitive_indicators, threshold),
    }
    return {
        name: Protected(marts[name], protections.get(name, nothing_hidden)(marts[name])) for name in names
    }


def export(
    warehouse: Path, out: Path, reference: Reference, threshold: int, marker: str | None = None
) -> list[Exported]:
    """Write every exported mart as Parquet and CSV under `out`, protected; the warehouse is only read."""
    return write_marts(protected_marts(warehouse, reference, threshold), out, marker or f"<{threshold}")


def write_marts(marts: dict[str, Protected], out: Path, marker: str) -> list[Exported]:
    """Each protected mart as Parquet and CSV under `out`."""
    out.mkdir(parents=True, exist_ok=True)
    return [
        write_mart(name, protected.frame, protected.hidden, out, marker) for name, protected in marts.items()
    ]


def nothing_hidden(frame: pd.DataFrame) -> Hidden:
    """Marts without counts of people (dimensions, territorial and reporting gaps)."""
    return {}


def write_mart(name: str, frame: pd.DataFrame, hidden: Hidden, out: Path, marker: str) -> Exported:
    import duckdb

    parquet = frame.copy()
    as_text = frame.astype(object).where(frame.notna(), None)
    for column, mask in hidden.items():
        parquet.loc[mask.to_numpy(), column] = None
        parquet[f"{column}_suppressed"] = mask.to_numpy()
        as_text.loc[mask.to_numpy(), column] = marker
    files = (out / f"{name}.parquet", out / f"{name}.csv")
    with duckdb.connect() as connection:
        connection.register("protected_rows", parquet)
        connection.execute(f"copy protected_rows to '{files[0]}' (format parquet)")
    as_text.to_csv(files[1], index=False, encoding="utf-8-sig")
    cells = int(
        sum(
            mask.sum()
            for column, mask in hidden.items()
            if column in ("people_reached", "people_identified", "people_attended")
        )
    )
    return Exported(name, len(frame), cells, files)
