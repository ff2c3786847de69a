"""Small-cell suppression: what is hidden in anything published, and that it stays hidden."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from mesa_tumbes.core.reference import Reference
from mesa_tumbes.publication.export import coverage_sets, export, protect_coverage
from mesa_tumbes.publication.suppression import CellSet
from tests.test_marts import Given, total

GBV = "Protection (GBV)"


def coverage_rows(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    """(area, admin_level, group, people reached) of one sector and month, as gap_coverage has them."""
    return pd.DataFrame(
        [
            {
                "sector": GBV,
                "area_code": area,
                "admin_level": level,
                "period": "2026-10",
                "period_kind": "month",
                "year": "2026",
                "group_code": group,
                "people_reached": value,
                "reached_basis": "period",
            }
            for area, level, group, value in rows
        ]
    )


def recoverable(frame: pd.DataFrame, column: str, hidden: pd.Series, sets: list[CellSet]) -> list[int]:
    """Hidden cells that the published ones determine: each set is an equation total = sum(parts);
    a hidden cell is recoverable when its unit vector lies in the span of the equations."""
    unknown = [row for row in frame.index if hidden[row]]
    position = {row: k for k, row in enumerate(unknown)}
    equations = []
    for cell_set in sets:
        coefficients = np.zeros(len(unknown))
        for row, sign in [(cell_set.total, 1.0), *((part, -1.0) for part in cell_set.parts)]:
            if hidden[row]:
                coefficients[position[row]] += sign
        if coefficients.any():
            equations.append(coefficients)
    if not equations:
        return []
    matrix = np.array(equations)
    rank = np.linalg.matrix_rank(matrix)
    return [
        row
        for row in unknown
        if np.linalg.matrix_rank(np.vstack([matrix, np.eye(len(unknown))[position[row]]])) == rank
    ]


def test_a_suppressed_cell_cannot_be_recovered_from_its_row_and_column_totals() -> None:
    frame = coverage_rows(
        [
            ("24", "department", "total", 33),
            ("2401", "province", "total", 20),
            ("2402", "province", "total", 13),
            ("240101", "district", "total", 3),
            ("240102", "district", "total", 8),
            ("240103", "district", "total", 9),
            ("240201", "district", "total", 6),
            ("240202", "district", "total", 7),
            ("240102", "district", "women", 6),
            ("240102", "district", "girls", 2),
        ]
    )
    hidden = protect_coverage(frame, {GBV}, threshold=5)["people_reached"]
    shown = dict(zip(frame["area_code"] + "/" + frame["group_code"], hidden, strict=True))
    # Primary: the 3 people in Tumbes district and the 2 girls in Corrales.
    assert shown["240101/total"] and shown["240102/girls"]
    # Secondary: Tumbes' 3 could be had from its province (20 - 8 - 9), so a second district is hidden;
    # the 2 girls could be had from Corrales' 8 (8 - 6), so Corrales' women go too.
    assert sum(hidden) >= 4
    sets = coverage_sets(frame, "people_reached")
    for cell_set in sets:
        assert sum(hidden[row] for row in cell_set.cells) != 1, cell_set
    assert recoverable(frame, "people_reached", hidden, sets) == []


def test_other_sectors_and_zeros_and_counts_at_the_threshold_are_shown() -> None:
    frame = coverage_rows([("24", "department", "total", 0), ("240101", "district", "total", 5)])
    health = frame.assign(sector="Health", people_reached=[2, 3])
    assert not protect_coverage(frame, {GBV}, threshold=5)["people_reached"].any()
    assert not protect_coverage(health, {GBV}, threshold=5)["people_reached"].any()


def test_export_writes_protected_parquet_and_csv_and_keeps_the_warehouse_true(
    tmp_path: Path, reference: Reference
) -> None:
    given = Given(tmp_path / "mesa.duckdb")
    given.need(
        [
            ("2026", "people_in_need", GBV, "total", None, 300),
            ("2026", "people_in_need", "Health", "total", None, 900),
        ]
    )
    given.values("MIMP", [total("2026-10", "240101", "VBG-02", 3), total("2026-10", "240302", "VBG-02", 40)])
    given.values("DIRESA", [total("2026-10", "240101", "SAL-01", 2)])
    given.build(reference, as_of=dt.date(2026, 11, 22))
    written = export(given.path, tmp_path / "out", reference, threshold=5)
    assert {entry.mart for entry in written} >= {"gap_coverage", "gap_referral", "dim_district"}

    csv = pd.read_csv(tmp_path / "out" / "gap_coverage.csv", dtype=str, keep_default_na=False)
    monthly = csv[(csv["period"] == "2026-10") & (csv["group_code"] == "total")].set_index(
        ["sector", "area_code"]
    )
    assert monthly.loc[(GBV, "240101"), "people_reached"] == "<5"
    assert monthly.loc[("Health", "240101"), "people_reached"] == "2.0"  # not a sensitive sector: shown

    # What is published gives no hidden cell away: the 3 in Tumbes could be had as the department's
    # 43 minus Zarumilla's 40, so more cells are hidden until none can be recomputed.
    published = duckdb.sql(f"select * from '{tmp_path / 'out' / 'gap_coverage.parquet'}'").df()
    hidden = published["people_reached_suppressed"]
    assert int(hidden.sum()) >= 2
    assert published.loc[hidden, "people_reached"].isna().all()
    assert (
        published.loc[hidden, "coverage_pct"].isna().all()
        and published.loc[hidden, "gap_people"].isna().all()
    )
    # (the intersector figure is the largest sector's, not a sum: no set of cells adds up to it)
    summed = published.loc[published["sector"] != "Intersector"]
    assert recoverable(summed, "people_reached", hidden, coverage_sets(summed, "people_reached")) == []
    # and its small value, here the survivors' count itself, is hidden as theirs is
    intersector = published.loc[
        (published["sector"] == "Intersector") & (published["area_code"] == "240101")
        & (published["period"] == "2026-10") & (published["group_code"] == "total")
    ]  # fmt: skip
    assert intersector["people_reached_suppressed"].all() and intersector["people_reached"].isna().all()
    # The warehouse keeps the true value.
    assert given.rows(
        "select people_reached from gap_coverage where sector = 'Protection (GBV)' and area_code = '240101'"
        " and period = '2026-10' and group_code = 'total'"
    ) == [(3.0,)]


def test_the_export_for_the_ecosystem_validates_reads_as_hxl_and_hides_the_same_cells(
    tmp_path: Path, reference: Reference
) -> None:
    import json
    import shutil
    import subprocess
    import sys

    import hxl

    from mesa_tumbes.publication.ecosystem import publish

    given = Given(tmp_path / "mesa.duckdb")
    given.need([("2026", "people_in_need", GBV, "total", None, 300)])
    given.values(
        "MIMP",
        [
            total("2026-10", "240101", "VBG-02", 3),
            total("2026-10", "240302", "VBG-02", 40),
            ("2026-10", "240302", "district", "VBG-02", "F", "6-11", "total", 12),
            ("2026-10", "240302", "district", "VBG-02", "M", "18-59", "total", 28),
        ],
    )
    given.build(reference, as_of=dt.date(2026, 11, 22))
    out = tmp_path / "out"
    publish(given.path, out, reference, threshold=5)

    # Frictionless: the data package validates, as its own command line says
    frictionless = shutil.which("frictionless", path=str(Path(sys.executable).parent))
    assert frictionless is not None
    checked = subprocess.run(
        [frictionless, "validate", "--json", "datapackage.json"], cwd=out, capture_output=True, text=True
    )
    report = json.loads(checked.stdout)
    assert checked.returncode == 0 and report["valid"], checked.stdout[-2000:]
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    coverage = next(r for r in package["resources"] if r["path"] == "gap_coverage.csv")
    assert "<5" in coverage["schema"]["missingValues"]
    described = {field["name"]: field["description"] for field in coverage["schema"]["fields"]}
    assert " / " in described["people_reached"]  # Spanish, then English

    # HXL: every table reads with libhxl, every column has a hashtag it recognises
    for path in sorted((out / "hxl").glob("*.csv")):
        dataset = hxl.data(str(path), hxl.InputOptions(allow_local=True))
        rows = list(dataset)
        assert all(column.tag for column in dataset.columns), path.name
        assert len(dataset.columns) == len(pd.read_csv(path, nrows=0).columns), path.name
        assert rows or path.name in ("gap_equity.csv", "gap_target.csv"), path.name  # no group need here
    by_group = hxl.data(str(out / "hxl" / "reached_by_group.csv"), hxl.InputOptions(allow_local=True))
    assert {"#reached+f+children", "#reached+m+adults"} <= {c.display_tag for c in by_group.columns}

    # Nothing hidden in the CSVs shows in their HXL twins
    for name in ("gap_coverage", "gap_referral", "gap_equity", "gap_target"):
        plain = pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False)
        twin = pd.read_csv(out / "hxl" / f"{name}.csv", dtype=str, keep_default_na=False).iloc[1:]
        assert (plain.to_numpy() == twin.reset_index(drop=True).to_numpy()).all(), name
    tumbes = pd.read_csv(out / "hxl" / "gap_coverage.csv", dtype=str, keep_default_na=False).iloc[1:]
    cell = tumbes.loc[
        (tumbes["sector"] == GBV) & (tumbes["area_code"] == "240101") & (tumbes["period"] == "2026-10")
        & (tumbes["group_code"] == "total"), "people_reached",
    ]  # fmt: skip
    assert list(cell) == ["<5"]
    assert "3" not in set(tumbes["people_reached"])
    metadata = json.loads((out / "hdx_dataset.json").read_text(encoding="utf-8"))
    assert {"title", "notes", "methodology", "caveats", "license_id", "tags", "dataset_date"} <= set(metadata)
    assert "«<5»" in metadata["caveats"]["es"] and "1 a 4" in metadata["caveats"]["es"]
