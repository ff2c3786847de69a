"""The real public files of ../shared/realdata through the real flow: none crashes the run, every row
is accounted for, and the RMRP figures for Tumbes load as published. Skipped when the folder is
absent; nothing from it is copied into the repository."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from mesa_tumbes.core.settings import Settings, resolve_settings
from mesa_tumbes.warehouse.store import connect

pytestmark = [pytest.mark.e2e, pytest.mark.realdata]
# The R4V platform's files come through its channel; the rest through an agency's.
CHANNELS = {"r4v_R4RMRP2022": "GTRM", "r4v_R4VRMRP2023": "GTRM", "r4v_Reached_per_organisation": "GTRM"}


@pytest.fixture(scope="module")
def realdata_run(
    prefect_api: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Settings, dict[str, Any]]:
    from tests.conftest import REALDATA

    if not REALDATA.is_dir():
        pytest.skip(f"real data folder {REALDATA} is absent")
    from mesa_tumbes.flows.intake import run_intake

    root = tmp_path_factory.mktemp("realdata")
    for source in sorted(path for path in REALDATA.rglob("*") if path.is_file()):
        relative = source.relative_to(REALDATA)
        channel = CHANNELS.get(relative.parts[0], "DIRESA") if len(relative.parts) > 1 else "DIRESA"
        target = root / "inbox" / channel / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    settings = resolve_settings(
        inbox=str(root / "inbox"), warehouse=str(root / "mesa.duckdb"), feedback=str(root / "feedback")
    )
    succeeded, report = run_intake(settings)
    assert succeeded, f"the pipeline failed on {report.failed}"
    files = {str(path.relative_to(root / "inbox")) for path in (root / "inbox").rglob("*") if path.is_file()}
    return settings, {"files": files, **{entry["file"]: entry for entry in report.as_json()["submissions"]}}


def sql(settings: Settings, query: str) -> list[tuple[Any, ...]]:
    with connect(settings.warehouse, read_only=True) as connection:
        return connection.execute(query).fetchall()


def checks(entry: dict[str, Any]) -> set[str]:
    summary = json.loads((Path(entry["feedback"]) / "resumen.json").read_text(encoding="utf-8"))
    return {problem["check_id"] for problem in summary["problems"]}


def test_every_file_ends_as_a_submission_with_every_row_accounted_for(
    realdata_run: tuple[Settings, dict[str, Any]],
) -> None:
    _, results = realdata_run
    assert set(results) - {"files"} == results["files"]
    for name in results["files"]:
        entry = results[name]
        assert entry["rows_read"] == entry["rows_loaded"] + entry["rows_rejected"] + entry["rows_excluded"], (
            name
        )
        assert Path(entry["feedback"]).is_dir(), name


def test_rmrp_need_and_targets_for_tumbes_load_as_published(
    realdata_run: tuple[Settings, dict[str, Any]],
) -> None:
    settings, results = realdata_run
    proportions = results["GTRM/r4v_R4RMRP2022/Proportions.xlsx"]
    assert proportions["status"] == "accepted" and proportions["format"] == "rmrp_need"
    assert proportions["rows_loaded"] == 13 + 12  # Tumbes rows: 13 in PiN 2022, 12 in Target
    figures = dict(
        ((measure, sector), value)
        for measure, sector, value in sql(
            settings,
            "select measure, sector, value from need_values"
            " where year = '2022' and population_type = 'total' and r4v_group is null",
        )
    )
    assert figures[("people_in_need", "Health")] == 7856
    assert figures[("target", "Health")] == 5388
    assert figures[("people_in_need", "Intersector")] == 10080
    assert figures[("target", "Intersector")] == 9445


def test_real_5w_exports_from_other_countries_are_reported_not_loaded(
    realdata_run: tuple[Settings, dict[str, Any]],
) -> None:
    _, results = realdata_run
    for name, rows in (
        ("GTRM/r4v_R4RMRP2022/Activities_5W_2022.xlsx", 125),
        ("GTRM/r4v_R4VRMRP2023/Activities_5W_2023.xlsx", 50),
    ):
        entry = results[name]
        assert (entry["format"], entry["rows_read"], entry["rows_excluded"], entry["rows_loaded"]) == (
            "r4v_5w",
            rows,
            rows,
            0,
        )
        assert {"structure.outside_region", "structure.mojibake_repaired"} <= checks(entry)


def test_broken_and_foreign_real_files_are_rejected_with_a_reason(
    realdata_run: tuple[Settings, dict[str, Any]],
) -> None:
    _, results = realdata_run
    # Its styles are broken but its cells are read (tests/test_read.py): a table of another country's
    # figures, with no column the Mesa's templates know.
    assert checks(results["DIRESA/libhxl-python/input-broken.xlsx"]) == {"structure.header_not_found"}
    assert checks(results["DIRESA/dhis2-core/dataValueSetJ.json"]) == {"structure.unsupported_format"}
    assert (
        results["DIRESA/onpe-revocatoria/Resultados por mesa de la Revocatoria_Distrital.csv"]["status"]
        == "rejected"
    )


def test_rmrp_tumbes_figures_reach_the_gap_tables(realdata_run: tuple[Settings, dict[str, Any]]) -> None:
    settings, _ = realdata_run
    assert sql(
        settings,
        "select people_in_need, reason from gap_coverage where sector = 'Health' and area_code = '24'"
        " and period = '2022' and group_code = 'total'",
    ) == [(7856.0, "not_reported")]  # 2022's months are due, and no report of them came
    assert sql(
        settings,
        "select target_people, status from gap_target"
        " where sector = 'Health' and year = '2022' and group_code = 'total'",
    ) == [(5388.0, "no_service_reported")]
