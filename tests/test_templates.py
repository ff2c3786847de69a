"""The Mesa template agencies fill in (`mesa plantillas`): its lists hold what the intake reads back,
and a template filled as an agency would fill it loads as accepted with nothing to say about it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from mesa_tumbes.agency_templates.workbook import COLUMNS, DATA_ROWS, HEADER_ROW, LISTED, write_template
from mesa_tumbes.core.contract import TEMPLATE_MARK, TEMPLATE_VERSION
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.core.settings import resolve_settings
from mesa_tumbes.expectations.validate import SuiteRunner
from mesa_tumbes.pipeline.intake import take
from mesa_tumbes.reception.received import received_in_place


def lists_of(path: Path) -> dict[str, list[str]]:
    sheet = load_workbook(path).worksheets[2]  # Listas, Lists
    columns = list(sheet.iter_cols(min_row=3, values_only=True))
    return {name: [str(v) for v in columns[n] if v is not None] for n, name in enumerate(LISTED)}


def validations(sheet: Worksheet) -> dict[str, tuple[str, str | None, str | None]]:
    """Each validated column's title -> (type, operator, formula), for the data rows."""
    titles = {cell.column_letter: cell.value for cell in sheet[HEADER_ROW + 1]}
    found = {}
    for rule in sheet.data_validations.dataValidation:
        (cells,) = rule.sqref.ranges
        assert (cells.min_row, cells.max_row) == (HEADER_ROW + 2, HEADER_ROW + 1 + DATA_ROWS)
        letter = cells.coord.split(":")[0].rstrip("0123456789")
        found[str(titles[letter])] = (rule.type, rule.operator, rule.formula1)
    return found


def test_each_list_holds_the_values_the_intake_reads_back(tmp_path: Path, reference: Reference) -> None:
    path = write_template(tmp_path, reference, "DIRESA", "2026-10", "es")
    assert path.name == "plantilla-mesa-diresa-2026-10.xlsx"
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["Datos", "Instrucciones", "Listas"]
    assert workbook["Listas"].sheet_state == "hidden" and workbook.active.title == "Datos"
    lists = lists_of(path)

    # every district of the region, by INEI code and name, each read back as its code
    assert [reference.district_code(text) for text in lists["district"]] == [
        d.inei for d in reference.districts
    ]
    offered = zip(reference.districts, lists["district"], strict=True)
    assert all(d.inei in t and d.name in t for d, t in offered)
    # only the indicators DIRESA's calendar expects of it, each read back as its code
    expected = [code for e in reference.calendar if e.agency == "DIRESA" for code in e.indicators]
    assert [reference.indicator_code(text) for text in lists["indicator"]] == expected
    # every word of the coded columns, each read back as its code
    for column in ("sex", "age_group", "population_type"):
        codes = [reference.vocabulary_code(column, text) for text in lists[column]]  # type: ignore[arg-type]
        assert codes == list(reference.vocabularies[column]), column
    assert "Mujer" in lists["sex"] and "Comunidad de acogida" in lists["population_type"]

    data = workbook["Datos"]
    titles = [cell.value for cell in data[HEADER_ROW + 1]]
    assert titles == [c.title["es"] for field in COLUMNS for c in reference.columns if c.field == field]
    rules = validations(data)
    for column, title in (("district", "distrito"), ("indicator", "indicador"), ("sex", "sexo")):
        kind, _, formula = rules[title]
        letter = "ABCDE"[LISTED.index(column)]
        assert kind == "list" and formula == f"Listas!${letter}$3:${letter}${2 + len(lists[column])}"
    assert rules["valor"][:2] == ("whole", "greaterThanOrEqual") and rules["valor"][2] == "0"
    # the header is protected, the data cells are not; the period is filled in
    assert data.protection.sheet and data.cell(HEADER_ROW + 1, 1).protection.locked
    # (empty cells take their column's format, which is open for every column of the template)
    spans = [(d.min, d.max) for d in data.column_dimensions.values() if d.min and not d.protection.locked]
    assert all(any(low <= n <= high for low, high in spans) for n in range(1, len(COLUMNS) + 1))
    assert {data.cell(row, 1).value for row in range(HEADER_ROW + 2, HEADER_ROW + 2 + DATA_ROWS)} == {
        "2026-10"
    }
    # the version mark, where the intake looks for it
    assert [c.value for c in workbook["Listas"][1][:2]] == [TEMPLATE_MARK, TEMPLATE_VERSION]
    assert workbook.custom_doc_props[TEMPLATE_MARK].value == TEMPLATE_VERSION
    assert any("plantilla" in str(c.value).lower() for row in workbook["Instrucciones"] for c in row)


def test_an_agency_without_a_calendar_entry_gets_every_indicator_and_english_works(
    tmp_path: Path, reference: Reference
) -> None:
    path = write_template(tmp_path, reference, "DEFENSORIA", None, "en")
    assert path.name == "mesa-template-defensoria.xlsx"
    lists = lists_of(path)
    assert [reference.indicator_code(t) for t in lists["indicator"]] == [i.code for i in reference.indicators]
    assert "Female" in lists["sex"]
    assert load_workbook(path).sheetnames == ["Data", "Instructions", "Lists"]


def fill(path: Path, rows: list[list[object]]) -> None:
    """As an agency would: open the template, write rows (choices from the lists), save."""
    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    for number, row in enumerate(rows, start=HEADER_ROW + 2):
        for column, value in enumerate(row, start=2):  # the period is already there
            sheet.cell(number, column).value = value
    workbook.save(path)


def filled_rows(path: Path) -> list[list[object]]:
    lists = lists_of(path)
    rows: list[list[object]] = []
    for n, indicator in enumerate(lists["indicator"]):
        for m, sex in enumerate(lists["sex"][:2]):
            rows.append(
                [
                    lists["district"][n],
                    indicator,
                    sex,
                    lists["age_group"][m + 3],
                    lists["population_type"][n % 2],
                    10 + n + m,
                    "",
                ]
            )
    rows.append([lists["district"][0], lists["indicator"][0], "Total", "Total", "Total", 40, "revisado"])
    return rows


def test_a_filled_template_is_read_as_the_mesa_template_without_a_word_about_the_template(
    tmp_path: Path, reference: Reference, runner: SuiteRunner
) -> None:
    path = write_template(tmp_path / "DIRESA", reference, "DIRESA", "2026-10", "es")
    rows = filled_rows(path)
    fill(path, rows)
    settings = resolve_settings(inbox=str(tmp_path), warehouse=str(tmp_path / "mesa.duckdb"))
    outcome = take(received_in_place(path, "DIRESA", "DIRESA"), settings, runner, trial=True)
    assert outcome.format == "mesa_template"
    assert outcome.problems == [] and outcome.status == "accepted"
    assert outcome.verdict.rows_read == outcome.verdict.rows_loaded == len(rows)
    assert set(outcome.verdict.accepted["period"]) == {"2026-10"}


def test_an_old_template_is_read_all_the_same_and_the_agency_told_to_use_the_new_one(
    tmp_path: Path, reference: Reference, runner: SuiteRunner
) -> None:
    path = write_template(tmp_path, reference, "DIRESA", "2026-10", "es")
    fill(path, filled_rows(path))
    workbook = load_workbook(path)
    workbook["Listas"]["B1"] = "2025.01"
    workbook.save(path)
    settings = resolve_settings(inbox=str(tmp_path), warehouse=str(tmp_path / "mesa.duckdb"))
    outcome = take(received_in_place(path, "DIRESA", "DIRESA"), settings, runner, trial=True)
    assert [p.check_id for p in outcome.problems] == ["structure.old_template"]
    assert outcome.verdict.rows_loaded == outcome.verdict.rows_read
    said = outcome.problems[0].message("es")
    assert "2025.01" in said and TEMPLATE_VERSION in said


@pytest.mark.e2e
def test_a_filled_template_round_trips_through_a_run_and_a_rejected_file_links_to_it(
    prefect_api: str, tmp_path: Path, reference: Reference
) -> None:
    from mesa_tumbes.flows.intake import run_intake

    inbox = tmp_path / "inbox"
    path = write_template(inbox / "DIRESA", reference, "DIRESA", "2026-10", "es")
    rows = filled_rows(path)
    fill(path, rows)
    (inbox / "PNP").mkdir()
    (inbox / "PNP" / "reporte.csv").write_text("distrito;valor\nAtlantida;uno\n", encoding="utf-8")
    settings = resolve_settings(
        inbox=str(inbox), warehouse=str(tmp_path / "mesa.duckdb"), feedback=str(tmp_path / "feedback")
    )
    succeeded, report = run_intake(settings)
    assert succeeded
    by_file = {entry.file: entry for entry in report.submissions}
    template = by_file[f"DIRESA/{path.name}"]
    assert (template.status, template.rows_loaded, template.rows_rejected) == ("accepted", len(rows), 0)
    summary = json.loads((Path(template.feedback) / "resumen.json").read_text(encoding="utf-8"))
    assert summary["status"] == "accepted" and summary["problems"] == []

    rejected = by_file["PNP/reporte.csv"]
    assert rejected.status == "rejected"
    page = (Path(rejected.feedback) / "resumen.html").read_text(encoding="utf-8")
    assert 'href="../plantilla-mesa-pnp.xlsx"' in page
    handed = settings.feedback / "PNP" / "plantilla-mesa-pnp.xlsx"
    assert [reference.indicator_code(t) for t in lists_of(handed)["indicator"]] == [
        code for e in reference.calendar if e.agency == "PNP" for code in e.indicators
    ]
