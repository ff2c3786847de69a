"""The agency's own spreadsheet, returned with the cells to fix highlighted and commented, and the
technical report, from a real validation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import cast

import pytest
from openpyxl import load_workbook
from openpyxl.styles import Font

from mesa_tumbes.agency_feedback import annotated
from mesa_tumbes.agency_feedback.answer import keep_validation_results, write_feedback
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.expectations.validate import SuiteRunner
from mesa_tumbes.formats.outcome import Outcome
from mesa_tumbes.pipeline.intake import Read, answer, judge, kept_cells_of, read_all, take
from mesa_tumbes.reception.received import received_in_place
from mesa_tumbes.transforms import kept
from mesa_tumbes.transforms.read import Table
from tests.builders import ods_bytes, settings_under, template_csv, xlsx_bytes

ROOT = Path(__file__).resolve().parent.parent


def outcome_for(path: Path, agency: str, reference: Reference, runner: SuiteRunner) -> Outcome:
    return take(received_in_place(path, agency, agency), settings_under(path.parent), runner, trial=True)


def test_a_csv_comes_back_as_a_workbook_with_its_problems_marked(
    tmp_path: Path, reference: Reference, runner: SuiteRunner
) -> None:
    source = tmp_path / "mimp.csv"
    shutil.copyfile(ROOT / "examples" / "inbox" / "MIMP" / "mimp_cem_upe_octubre.csv", source)
    folder = write_feedback(
        outcome_for(source, "MIMP", reference, runner), tmp_path / "feedback", "es", "America/Lima"
    )
    workbook = load_workbook(folder / "planilla_revisada.xlsx")
    assert workbook.sheetnames[0] == "Problemas"
    data = workbook.worksheets[1]
    district, value = data.cell(row=4, column=3), data.cell(row=8, column=7)  # Aguas Verde; -2
    assert (district.value, value.value) == ("Aguas Verde", "-2")
    assert district.fill.fgColor.rgb.endswith("FFC7CE") and value.fill.fgColor.rgb.endswith("FFC7CE")
    assert district.comment is not None and "Aguas Verdes" in district.comment.text
    assert value.comment is not None and "negativo" in value.comment.text
    assert data.cell(row=2, column=3).comment is None  # a correct cell is left alone
    problems = workbook["Problemas"]
    assert [c.value for c in problems[1]][:3] == ["fila", "columna", "valor"]
    assert problems.max_row == 3
    assert 'href="planilla_revisada.xlsx"' in (folder / "resumen.html").read_text(encoding="utf-8")


def test_formulas_in_agency_text_stay_text(tmp_path: Path, reference: Reference, runner: SuiteRunner) -> None:
    source = tmp_path / "f.csv"
    source.write_bytes(
        template_csv(["DIRESA", "2026-10", '=HYPERLINK("http://x","y")', "SAL-01", "F", "", "", "1"])
    )
    folder = write_feedback(
        outcome_for(source, "DIRESA", reference, runner), tmp_path / "feedback", "es", "America/Lima"
    )
    data = load_workbook(folder / "planilla_revisada.xlsx").worksheets[1]
    cell = data.cell(row=2, column=3)
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x","y")', "s")


def test_an_xlsx_keeps_its_own_formatting(tmp_path: Path, reference: Reference, runner: SuiteRunner) -> None:
    source = tmp_path / "reporte.xlsx"
    source.write_bytes(
        xlsx_bytes(
            ("Portada", [["Reporte"]]),
            (
                "Datos",
                [
                    ["Periodo", "Ubigeo", "Indicador", "Valor"],
                    ["2026-10", "240101", "SAL-01", 5],
                    ["2026-10", "230304", "SAL-01", 3],
                ],
            ),
        )
    )
    workbook = load_workbook(source)
    workbook["Datos"]["A1"].font = Font(bold=True)
    workbook.save(source)
    folder = write_feedback(
        outcome_for(source, "DIRESA", reference, runner), tmp_path / "feedback", "es", "America/Lima"
    )
    copy = load_workbook(folder / "planilla_revisada.xlsx")
    assert copy.sheetnames == ["Problemas", "Portada", "Datos"]
    assert copy["Datos"]["A1"].font.bold
    marked = copy["Datos"].cell(row=3, column=2)
    assert marked.value == "230304" and marked.comment is not None and "240302" in marked.comment.text


def test_agencies_get_no_great_expectations_page_and_the_officer_keeps_its_results(
    tmp_path: Path, reference: Reference, runner: SuiteRunner
) -> None:
    source = tmp_path / "pnp.csv"
    shutil.copyfile(ROOT / "examples" / "inbox" / "PNP" / "pnp_denuncias_2026_10.csv", source)
    outcome = outcome_for(source, "PNP", reference, runner)
    folder = write_feedback(outcome, tmp_path / "feedback", "en", "America/Lima")
    assert {p.name for p in folder.iterdir()} == {
        "summary.html",
        "problems.csv",
        "summary.json",
        "annotated_spreadsheet.xlsx",
    }
    assert 'href="summary.json"' in (folder / "summary.html").read_text(encoding="utf-8")
    kept = keep_validation_results(outcome, tmp_path / "validations")
    assert kept is not None and kept.parent == tmp_path / "validations" / "PNP"
    results = json.loads(kept.read_text(encoding="utf-8"))
    assert "mesa_template" in {
        result["suite_name"] for result in results
    }  # the suite that ran, and the values it found unexpected
    assert "230304" in kept.read_text(encoding="utf-8") and "TRA-1" in kept.read_text(encoding="utf-8")


def test_a_libreoffice_workbook_comes_back_as_xlsx_marked_and_a_clean_file_gets_no_copy(
    tmp_path: Path, reference: Reference, runner: SuiteRunner
) -> None:
    header = ["periodo", "distrito", "indicador", "valor"]
    source = tmp_path / "mimp.ods"
    source.write_bytes(
        ods_bytes(("Hoja1", [header, ["2026-10", "Tumbes", "VBG-02", 4], ["2026-10", "Tumbez", "VBG-02", 3]]))
    )
    folder = write_feedback(
        outcome_for(source, "MIMP", reference, runner), tmp_path / "feedback", "es", "America/Lima"
    )
    workbook = load_workbook(folder / "planilla_revisada.xlsx")
    assert workbook.sheetnames == ["Problemas", "Hoja1"]
    marked = workbook["Hoja1"].cell(row=3, column=2)
    assert marked.value == "Tumbez" and marked.comment is not None and "Tumbes" in marked.comment.text

    clean = tmp_path / "limpio.ods"
    clean.write_bytes(ods_bytes(("Hoja1", [header, ["2026-10", "Tumbes", "VBG-02", 4]])))
    folder = write_feedback(
        outcome_for(clean, "MIMP", reference, runner), tmp_path / "feedback", "es", "America/Lima"
    )
    assert {p.name for p in folder.iterdir()} == {"resumen.html", "problemas.csv", "resumen.json"}


def test_unreadable_files_get_no_copy(tmp_path: Path, reference: Reference, runner: SuiteRunner) -> None:
    source = tmp_path / "vacio.csv"
    source.write_bytes(b"")
    folder = write_feedback(
        outcome_for(source, "DIRESA", reference, runner), tmp_path / "feedback", "es", "America/Lima"
    )
    assert {p.name for p in folder.iterdir()} == {"resumen.html", "problemas.csv", "resumen.json"}


def test_a_large_xlsx_is_streamed_from_its_cells_with_the_same_marks(
    tmp_path: Path, reference: Reference, runner: SuiteRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(annotated, "KEEP_FORMATTING_ROWS", 1)  # as if the workbook were large
    source = tmp_path / "reporte.xlsx"
    rows = [["Periodo", "Ubigeo", "Indicador", "Valor"], ["2026-10", "240101", "SAL-01", 5]]
    source.write_bytes(
        xlsx_bytes(("Portada", [["Reporte"]]), ("Datos", [*rows, ["2026-10", "230304", "SAL-01", 3]]))
    )
    folder = write_feedback(
        outcome_for(source, "DIRESA", reference, runner), tmp_path / "feedback", "es", "America/Lima"
    )
    copy = load_workbook(folder / "planilla_revisada.xlsx")
    assert copy.sheetnames == ["Problemas", "Portada", "Datos"]
    assert copy["Datos"].cell(row=2, column=4).value == "5"  # every cell as text, where it was
    marked = copy["Datos"].cell(row=3, column=2)
    assert marked.value == "230304" and marked.comment is not None and "240302" in marked.comment.text
    assert marked.fill.fgColor.rgb.endswith("FFC7CE")


def test_a_streamed_copy_renames_a_sheet_called_like_the_problems_sheet(
    tmp_path: Path, reference: Reference, runner: SuiteRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(annotated, "KEEP_FORMATTING_ROWS", 0)  # streamed whatever its size
    source = tmp_path / "reporte.xlsx"
    rows = [["Periodo", "Ubigeo", "Indicador", "Valor"], ["2026-10", "230304", "SAL-01", 5]]
    source.write_bytes(xlsx_bytes(("Portada", [["Reporte"]]), ("problemas", rows)))
    folder = write_feedback(
        outcome_for(source, "DIRESA", reference, runner), tmp_path / "feedback", "es", "America/Lima"
    )
    copy = load_workbook(folder / "planilla_revisada.xlsx")
    assert copy.sheetnames == ["Problemas", "Portada", "problemas 2"]
    marked = copy["problemas 2"].cell(row=2, column=2)
    assert marked.comment is not None and "240302" in marked.comment.text


def test_text_that_looks_like_a_formula_stays_text_in_the_copy(
    tmp_path: Path, reference: Reference, runner: SuiteRunner
) -> None:
    source = tmp_path / "reporte.csv"
    source.write_text(
        'Periodo,Ubigeo,Indicador,Valor,Observaciones\n2026-10,230304,SAL-01,5,=HYPERLINK("http://x")\n',
        encoding="utf-8",
    )
    folder = write_feedback(
        outcome_for(source, "DIRESA", reference, runner), tmp_path / "feedback", "es", "America/Lima"
    )
    cell = load_workbook(folder / "planilla_revisada.xlsx")["Datos"].cell(row=2, column=5)
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")


def test_a_workbook_whose_styles_cannot_be_loaded_comes_back_from_its_cells(
    tmp_path: Path, reference: Reference, runner: SuiteRunner
) -> None:
    """Read fine (calamine reads the cells), but openpyxl cannot load its damaged styles part: the copy
    is written from the cells, and the agency gets ordinary feedback instead of a system failure."""
    import io
    import zipfile

    from tests.builders import reproducible_zip

    workbook = xlsx_bytes(
        ("Datos", [["Periodo", "Ubigeo", "Indicador", "Valor"], ["2026-10", "230304", "SAL-01", 3]])
    )
    styles = zipfile.ZipFile(io.BytesIO(workbook)).read("xl/styles.xml")
    damaged = styles.replace(
        b'<cellXfs count="1">', b'<cellXfs count="1"><xf numFmtId="general" fontId="x"/>'
    )
    assert damaged != styles
    source = tmp_path / "estilos_danados.xlsx"
    source.write_bytes(reproducible_zip(workbook, {"xl/styles.xml": damaged}))
    with pytest.raises(Exception):  # noqa: B017 (whatever openpyxl raises: the point is that it does)
        load_workbook(source)
    folder = write_feedback(
        outcome_for(source, "DIRESA", reference, runner), tmp_path / "feedback", "es", "America/Lima"
    )
    copy = load_workbook(folder / "planilla_revisada.xlsx")
    marked = copy["Datos"].cell(row=2, column=2)
    assert marked.value == "230304" and marked.comment is not None and "240302" in marked.comment.text


def test_a_large_file_comes_back_with_only_its_rows_to_fix_where_they_were(
    tmp_path: Path, reference: Reference, runner: SuiteRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(annotated, "EVERY_ROW_UP_TO", 2)  # as if the file were large
    source = tmp_path / "grande.csv"
    source.write_bytes(
        template_csv(
            ["DIRESA", "2026-10", "240101", "SAL-01", "F", "18-59", "in_destination", "5"],
            ["DIRESA", "2026-10", "240102", "SAL-01", "F", "18-59", "in_destination", "6"],
            ["DIRESA", "2026-10", "240103", "SAL-01", "F", "18-59", "in_destination", "-7"],
            ["DIRESA", "2026-10", "240104", "SAL-01", "F", "18-59", "in_destination", "8"],
        )
    )
    folder = write_feedback(
        outcome_for(source, "DIRESA", reference, runner), tmp_path / "feedback", "es", "America/Lima"
    )
    data = load_workbook(folder / "planilla_revisada.xlsx")["Datos"]
    assert data.cell(row=1, column=1).value == "agencia"  # the header, with a note on what is shown
    assert data.cell(row=1, column=1).comment is not None
    assert "solo las filas que tienen algo que corregir" in data.cell(row=1, column=1).comment.text
    assert [data.cell(row=n, column=3).value for n in (2, 3, 4, 5)] == [None, None, "240103", None]
    assert data.cell(row=4, column=8).comment is not None  # the row to fix, marked, where it was


def test_a_long_copy_streams_through_temporary_files_with_the_same_cells_and_marks(
    tmp_path: Path, reference: Reference, runner: SuiteRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A short copy is put together in memory, a long one row by row: what the agency opens is the
    same either way."""
    source = tmp_path / "mimp.csv"
    shutil.copyfile(ROOT / "examples" / "inbox" / "MIMP" / "mimp_cem_upe_octubre.csv", source)
    outcome = outcome_for(source, "MIMP", reference, runner)
    assert annotated.write_annotated_copy(outcome, tmp_path / "short.xlsx", "es")
    monkeypatch.setattr(annotated, "IN_MEMORY_UP_TO_ROWS", 0)  # as if the copy were long
    assert annotated.write_annotated_copy(outcome, tmp_path / "long.xlsx", "es")
    assert seen(tmp_path / "short.xlsx") == seen(tmp_path / "long.xlsx")
    assert any(comment for sheet in seen(tmp_path / "long.xlsx") for _, _, comment in sheet)


def test_a_copy_is_written_from_the_cells_kept_when_its_file_was_read(
    tmp_path: Path, reference: Reference, runner: SuiteRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large file's cells are kept when it is read, and its copy is written from them without
    reading the file again: the same copy; answering the file then lets them go."""
    monkeypatch.setattr(annotated, "KEEP_FORMATTING_ROWS", 1)  # as if the workbook were large
    monkeypatch.setattr(kept, "WORKBOOK_ROWS_WORTH_KEEPING", 1)
    source = tmp_path / "reporte.xlsx"
    rows = [["Periodo", "Ubigeo", "Indicador", "Valor"], ["2026-10", "240101", "SAL-01", 5]]
    source.write_bytes(
        xlsx_bytes(("Portada", [["Reporte"]]), ("Datos", [*rows, ["2026-10", "230304", "SAL-01", -3]]))
    )
    settings = settings_under(tmp_path)
    received = received_in_place(source, "DIRESA", "DIRESA")
    take(received, settings, runner, trial=True)
    cells = kept_cells_of(received, settings)
    assert not cells.exists()  # a trial (mesa validate) keeps nothing: it reads one file
    (outcome,) = judge(cast(list[Read], read_all([received], settings)), settings, runner, trial=True)
    assert cells.is_file() and cells.is_relative_to(settings.working.parent)
    assert annotated.write_annotated_copy(outcome, tmp_path / "read_again.xlsx", "es")
    assert (answer(outcome, settings, trial=True) / "planilla_revisada.xlsx").is_file()
    assert cells.is_file()  # a trial of the same bytes (mesa validate) leaves a run's kept cells alone

    def unread(*_: object) -> None:
        raise AssertionError("the file was read again")

    monkeypatch.setattr(annotated, "read_tables", unread)
    assert annotated.write_annotated_copy(outcome, tmp_path / "from_kept.xlsx", "es", cells)
    assert seen(tmp_path / "from_kept.xlsx") == seen(tmp_path / "read_again.xlsx")
    assert (
        sum(comment is not None for sheet in seen(tmp_path / "from_kept.xlsx") for *_, comment in sheet) == 2
    )
    folder = answer(outcome, settings)
    assert (folder / "planilla_revisada.xlsx").is_file() and not cells.exists()


def test_cells_kept_in_another_shape_are_not_used(tmp_path: Path) -> None:
    table = Table(rows=[["a", "b"], ["1", "2"]], row_numbers=[1, 2], sheet="Datos")
    kept.keep_cells([table], tmp_path / "cells")
    assert kept.kept_cells(tmp_path / "cells") == [table]
    (tmp_path / "cells").write_bytes(b"not cells")
    assert kept.kept_cells(tmp_path / "cells") is None
    assert kept.kept_cells(tmp_path / "missing") is None


def seen(path: Path) -> list[list[tuple[object, object, object]]]:
    """Every cell of every sheet of a copy: its text, its fill and its note."""
    workbook = load_workbook(path)
    return [
        [
            (cell.value, cell.fill.fgColor.rgb, cell.comment.text if cell.comment else None)
            for row in sheet.iter_rows()
            for cell in row
        ]
        for sheet in workbook.worksheets
    ]
