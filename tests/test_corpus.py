"""The nasty corpus through the real flow: what loads, what is rejected, what the feedback says.

tests/corpus/inbox holds the committed files (made by make_corpus.py); an oversized file and a link
out of the inbox are added at test time. The flow runs once over all of them.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from mesa_tumbes.core.contract import ReadLimits
from mesa_tumbes.core.settings import Settings, resolve_settings
from mesa_tumbes.reception.archive import archive_path
from mesa_tumbes.warehouse.store import connect

pytestmark = pytest.mark.e2e

CORPUS = Path(__file__).parent / "corpus"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
LIMITS = ReadLimits(max_file_bytes=200_000, max_workbook_expanded_bytes=2 * 2**20)
SAME_INSTANT = 1_793_000_000
# What intake must survive (issue: "every item above has at least one" file).
CAPABILITIES = {
    "encoding", "delimiter", "header_matching", "header_below_titles", "blank_rows", "total_row",
    "ragged_rows", "xlsx_sheet_with_header", "legacy_xls", "merged_cells", "excel_dates",
    "district_inei_code", "district_name", "district_reniec_code", "district_suggestion", "age_sex_groups",
    "mojibake", "r4v_5w",
    "r4v_region", "r4v_mapping", "r4v_breakdowns", "r4v_admin_names", "rmrp_need", "personal_data",
    "broken_file", "xlsx_expansion_limit", "file_size_limit", "links", "file_names", "agency_channel",
    "duplicates",
    # Seen in the first month of real use (what agencies really send).
    "hidden_list_sheet", "libreoffice_ods", "months_across_columns", "formula_without_value",
    "dates_in_period", "nul_padding", "mixed_line_endings", "database_headers", "conflicting_columns",
    "library_messages", "total_above_parts",
}  # fmt: skip
GENERATED = {"file_size_limit": "DIRESA/28_demasiado_grande.csv", "links": "DIRESA/29_enlace.csv"}


@pytest.fixture(scope="module")
def corpus_run(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, dict[str, Any]]:
    from mesa_tumbes.flows.intake import run_intake

    root = tmp_path_factory.mktemp("corpus")
    inbox = root / "inbox"
    shutil.copytree(CORPUS / "inbox", inbox)
    big = "periodo,ubigeo,indicador,valor\r\n" + "2026-10,240101,SAL-01,1\r\n" * 10_000
    (inbox / GENERATED["file_size_limit"]).write_text(big, encoding="utf-8")
    outside = root / "fuera_del_buzon.csv"
    outside.write_text("periodo,ubigeo,indicador,valor\r\n2026-10,240101,SAL-01,999\r\n", encoding="utf-8")
    (inbox / GENERATED["links"]).symlink_to(outside)
    for path in inbox.rglob("*"):
        os.utime(path, (SAME_INSTANT, SAME_INSTANT), follow_symlinks=False)
    settings = replace(
        resolve_settings(
            inbox=str(inbox), warehouse=str(root / "mesa.duckdb"), feedback=str(root / "feedback")
        ),
        limits=LIMITS,
    )
    succeeded, report = run_intake(settings)
    assert succeeded, report.failed
    return settings, {entry["file"]: entry for entry in report.as_json()["submissions"]}


def sql(settings: Settings, query: str) -> list[tuple[Any, ...]]:
    with connect(settings.warehouse, read_only=True) as connection:
        return connection.execute(query).fetchall()


def feedback(entry: dict[str, Any]) -> dict[str, Any]:
    summary: dict[str, Any] = json.loads(
        (Path(entry["feedback"]) / "resumen.json").read_text(encoding="utf-8")
    )
    return summary


def test_every_capability_has_a_file() -> None:
    covered = {capability for entry in EXPECTED.values() for capability in entry["covers"]}
    assert covered | set(GENERATED) == CAPABILITIES


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_file_gives_what_is_expected(corpus_run: tuple[Settings, dict[str, Any]], name: str) -> None:
    settings, results = corpus_run
    expected, entry = EXPECTED[name], results[name]
    assert entry["status"] == expected["status"]
    counts = {key: entry[f"rows_{key}"] for key in ("read", "loaded", "rejected", "excluded")}
    assert counts == expected["rows"]
    assert counts["read"] == counts["loaded"] + counts["rejected"] + counts["excluded"]
    problems = feedback(entry)["problems"]
    assert [
        {key: problem[key] for key in wanted}
        for problem, wanted in zip(problems, expected["problems"], strict=False)
    ] == expected["problems"]
    assert len(problems) == len(expected["problems"]), [p["check_id"] for p in problems]
    assert archive_path(settings.archive, entry["sha256"]).exists()
    folder = Path(entry["feedback"]).resolve()
    assert (
        folder.parent == (settings.feedback / name.split("/")[0]).resolve()
    )  # names never leave the agency's folder


def test_oversized_files_are_refused_unread_and_links_are_not_followed(
    corpus_run: tuple[Settings, dict[str, Any]],
) -> None:
    settings, results = corpus_run
    big = results[GENERATED["file_size_limit"]]
    assert big["status"] == "rejected"
    assert [p["check_id"] for p in feedback(big)["problems"]] == ["structure.file_too_large"]
    assert archive_path(settings.archive, big["sha256"]).exists()  # refused, but kept
    assert GENERATED["links"] not in results
    assert sql(settings, "select count(*) from observations where value = 999") == [(0,)]


def test_what_loads_through_sql(corpus_run: tuple[Settings, dict[str, Any]]) -> None:
    settings, results = corpus_run
    # Cells merged down several rows count for every row they span.
    assert sql(
        settings,
        "select district, sex, value from indicator_values where agency = 'GORE' order by district, sex",
    ) == [
        ("240101", "F", 40.0),
        ("240101", "M", 31.0),
        ("240101", "X", 1.0),
        ("240301", "F", 12.0),
        ("240301", "M", 9.0),
    ]
    # Legacy .xls and a header on the second sheet, with periods typed as dates.
    assert sql(
        settings, "select sex, value from indicator_values where indicator = 'PRO-01' order by sex"
    ) == [("F", 2.0), ("M", 4.0)]
    assert sql(settings, "select distinct period from indicator_values where indicator = 'SAL-04'") == [
        ("2026-04",)  # typed in Excel as a date, 2026-04-01
    ]
    # Sex and age words map to R4V groups, keeping the finer band.
    groups = sql(
        settings,
        "select sex, age_group, population_type, r4v_group from indicator_values "
        "where agency = 'DIRESA' and period = '2026-05' and district = '240302' order by value",
    )
    assert groups == [
        ("X", "<18", "host_community", "other_under_18"),
        ("M", "6-11", "in_transit", "boys"),
        ("F", "0-5", "in_transit", "girls"),
        ("F", "60+", "in_destination", "women"),
        ("total", "total", "total", None),
    ]
    # RENIEC codes never load; a RENIEC code that is another INEI code (230101 is Tacna) least of all.
    assert sql(settings, "select count(*) from observations where district like '23%'") == [(0,)]
    # 5W: by province (two activities add up), by P-code, and for the whole department.
    five_w = sql(
        settings,
        "select district, admin_level, indicator, value from indicator_values where agency = 'ACNUR' "
        "and sex = 'total' and population_type = 'total' order by district",
    )
    assert five_w == [
        ("24", "department", "ALI-01", 30.0),
        ("2401", "province", "SAL-01", 12.0),
        ("2403", "province", "SAL-01", 68.0),  # 30 + 8 + 30 (the last warned, loaded as R4V loads it)
    ]
    assert sql(
        settings,
        "select r4v_group, value from indicator_values where agency = 'ACNUR' and district = '2403'"
        " and r4v_group is not null order by r4v_group",
    ) == [
        ("boys", 12.0),
        ("girls", 12.0),
        ("men", 22.0),
        ("other_over_18", 0.0),
        ("other_under_18", 0.0),
        ("women", 22.0),
    ]
    # RMRP denominators for Tumbes only, with R4V's sector names.
    assert sql(
        settings,
        "select measure, sector, value from need_values where population_type = 'total' and r4v_group is null"
        " order by measure, sector",
    ) == [
        ("people_in_need", "Health", 7856.0),
        ("people_in_need", "Protection (GBV)", 3092.0),
        ("target", "Health", 5388.0),
        ("target", "Multipurpose Cash Assistance", 4868.0),
    ]
    assert sql(settings, "select distinct year, area from need_values") == [("2026", "24")]
    # Personal data is never stored: not the DNI numbers, not the phones.
    assert sql(
        settings, "select count(*) from observations where value in (45871236, 40125587, 987654321)"
    ) == [(0,)]
    assert results["DIRESA/zz_copia_del_01.csv"]["status"] == "duplicate"


def test_workbooks_that_are_not_excel_s_own_come_back_annotated_as_xlsx_and_personal_data_never_does(
    corpus_run: tuple[Settings, dict[str, Any]],
) -> None:
    from openpyxl import load_workbook

    _, results = corpus_run
    # accepted without a cell to mark: no copy (tests/test_annotated.py marks an ODS with problems)
    ods = Path(results["MIMP/31_libreoffice.ods"]["feedback"]) / "planilla_revisada.xlsx"
    assert not ods.exists()
    people = Path(results["DIRESA/18_datos_personales.csv"]["feedback"]) / "planilla_revisada.xlsx"
    cells = [
        str(cell.value) for row in load_workbook(people)["Datos"].iter_rows() for cell in row if cell.value
    ]
    assert "Nombres y apellidos" in cells and "Contacto" in cells  # the titles stay, with a note
    assert not [cell for cell in cells if "Pérez" in cell or "Ramírez" in cell or "987654321" in cell]
