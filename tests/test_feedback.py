"""What an agency receives: the feedback folder, its CSV and HTML, in Spanish or English."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from mesa_tumbes.agency_feedback.answer import feedback_path, folder_name, spreadsheet_safe, write_feedback
from mesa_tumbes.core.contract import LOADED_COLUMNS
from mesa_tumbes.core.problems import Problem
from mesa_tumbes.expectations.triage import Verdict
from mesa_tumbes.formats.outcome import Outcome
from mesa_tumbes.reception.archive import ArchivedFile
from mesa_tumbes.reception.inbox import InboxFile
from mesa_tumbes.reception.received import Received

RECEIVED_AT = dt.datetime(2026, 11, 5, 14, 30, tzinfo=dt.UTC)


def outcome(problems: list[Problem], status: str = "partially_accepted") -> Outcome:
    file = InboxFile("MIMP", "MIMP", "octubre/mimp oct.csv", Path("/dev/null"), 10, RECEIVED_AT)
    archived = ArchivedFile("ab" * 32, Path("/dev/null"), 10)
    accepted = pd.DataFrame(
        [[2, "MIMP", "2026-10", "240101", "VBG-02", "F", "18-59", "total", "district", "women", 9.0]],
        columns=LOADED_COLUMNS,
    )
    verdict = Verdict(status, accepted, rows_read=3, rows_loaded=1, rows_rejected=2, rows_warned=0)  # type: ignore[arg-type]
    return Outcome(Received(file, archived), verdict, problems, processed_at=RECEIVED_AT)


PROBLEMS = [
    Problem("domain.value_non_negative", row_number=4, column="Cantidad", value="-2", field="value"),
    Problem(
        "domain.district_in_region",
        row_number=3,
        column="Distrito",
        value="Aguas Verde",
        suggestion="Aguas Verdes",
        field="district",
    ),
    Problem("structure.unknown_column", column="Responsable"),
]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def test_feedback_folder_is_the_agency_s_own_and_names_the_file(tmp_path: Path) -> None:
    result = outcome(PROBLEMS)
    assert feedback_path(result) == "MIMP/octubre-mimp-oct-csv--abababab"
    folder = write_feedback(result, tmp_path, "es", "America/Lima")
    assert folder == tmp_path / "MIMP" / folder_name("octubre/mimp oct.csv", "ab" * 32)
    assert sorted(p.name for p in folder.iterdir()) == ["problemas.csv", "resumen.html", "resumen.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["MIMP"]


def test_problems_csv_in_spanish_ordered_with_row_numbers_and_suggestions(tmp_path: Path) -> None:
    folder = write_feedback(outcome(PROBLEMS), tmp_path, "es", "America/Lima")
    assert (folder / "problemas.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # Excel shows accents
    rows = read_csv(folder / "problemas.csv")
    assert list(rows[0]) == [
        "fila",
        "columna",
        "valor",
        "regla",
        "severidad",
        "mensaje",
        "valor_sugerido",
        "hoja",
    ]
    assert [(r["fila"], r["regla"]) for r in rows] == [
        ("", "structure.unknown_column"),
        ("3", "domain.district_in_region"),
        ("4", "domain.value_non_negative"),
    ]
    district = rows[1]
    assert (district["columna"], district["valor"], district["valor_sugerido"], district["severidad"]) == (
        "Distrito",
        "Aguas Verde",
        "Aguas Verdes",
        "Error",
    )
    assert "no es un distrito de la región Tumbes" in district["mensaje"]
    assert rows[0]["severidad"] == "Advertencia"


def test_english_setting_gives_english_feedback(tmp_path: Path) -> None:
    folder = write_feedback(outcome(PROBLEMS), tmp_path, "en", "America/Lima")
    assert sorted(p.name for p in folder.iterdir()) == ["problems.csv", "summary.html", "summary.json"]
    rows = read_csv(folder / "problems.csv")
    assert list(rows[0])[:3] == ["row", "column", "value"]
    assert "is not a district of the Tumbes region" in rows[1]["message"]
    assert "Partially accepted" in (folder / "summary.html").read_text(encoding="utf-8")


def test_summary_json_and_html_say_status_counts_and_local_time(tmp_path: Path) -> None:
    folder = write_feedback(outcome(PROBLEMS), tmp_path, "es", "America/Lima")
    data = json.loads((folder / "resumen.json").read_text(encoding="utf-8"))
    assert (data["status"], data["rows_read"], data["rows_loaded"], data["rows_rejected"]) == (
        "partially_accepted",
        3,
        1,
        2,
    )
    assert data["periods"] == ["2026-10"] and data["indicators"][0]["code"] == "VBG-02"
    assert data["received_local"] == "2026-11-05 09:30 (America/Lima)"
    html = (folder / "resumen.html").read_text(encoding="utf-8")
    assert "Aceptado parcialmente" in html and "2026-11-05 09:30 (America/Lima)" in html
    assert "envíe de nuevo el archivo completo del periodo" in html


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("-3", "-3"),
        ("-2,5", "-2,5"),
        ("Tumbes", "Tumbes"),
        (None, ""),
    ],
)
def test_cells_are_safe_from_formula_injection(cell: str | None, safe: str) -> None:
    assert spreadsheet_safe(cell) == safe


def test_agency_text_cannot_inject_html_or_formulas(tmp_path: Path) -> None:
    nasty = [
        Problem(
            "domain.district_in_region",
            row_number=2,
            column="<b>Distrito</b>",
            value="<script>alert(1)</script>",
            field="district",
        ),
        Problem(
            "domain.indicator_in_catalogue", row_number=3, column="Indicador", value="=1+1", field="indicator"
        ),
    ]
    folder = write_feedback(outcome(nasty), tmp_path, "es", "America/Lima")
    html = (folder / "resumen.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<b>Distrito</b>" not in html
    rows = read_csv(folder / "problemas.csv")
    assert rows[1]["valor"] == "'=1+1"


def test_rewriting_a_feedback_folder_replaces_it_whole(tmp_path: Path) -> None:
    write_feedback(outcome(PROBLEMS), tmp_path, "es", "America/Lima")
    folder = write_feedback(outcome([], status="accepted"), tmp_path, "es", "America/Lima")
    assert read_csv(folder / "problemas.csv") == []
    left = sorted(p.name for p in (tmp_path / "MIMP").iterdir())  # no staging folder left
    assert left == sorted([folder.name, "plantilla-mesa-mimp.xlsx"])  # the template the first one handed


def test_workbook_problems_name_their_sheet(tmp_path: Path) -> None:
    plain = write_feedback(outcome(PROBLEMS), tmp_path / "plain", "es", "America/Lima")
    assert "<th>Hoja</th>" not in (plain / "resumen.html").read_text(encoding="utf-8")
    in_sheets = [
        Problem("domain.sector_unknown", row_number=7, column="Subsector", value="Healt", sheet="PiN 2026")
    ]
    folder = write_feedback(outcome(in_sheets), tmp_path / "sheets", "es", "America/Lima")
    assert "<th>Hoja</th>" in (folder / "resumen.html").read_text(encoding="utf-8")
    assert read_csv(folder / "problemas.csv")[0]["hoja"] == "PiN 2026"


def test_one_cause_behind_many_failing_rows_is_said_first_and_the_list_stays_bounded(
    tmp_path: Path, reference: Any, runner: Any
) -> None:
    """A column the template does not know (here «segmento») makes 300 rows look the same: the
    summary names that column first, in one sentence; the page and the JSON list at most 200 rows
    of the rule, the CSV every one."""
    from mesa_tumbes.pipeline.intake import take
    from mesa_tumbes.reception.received import received_in_place
    from tests.builders import csv_bytes, settings_under

    rows = [["periodo", "ubigeo", "indicador", "segmento", "valor"]]
    rows += [["2026-10", "240101", "SAL-01", f"grupo {n}", str(n)] for n in range(300)]
    source = tmp_path / "atenciones.csv"
    source.write_bytes(csv_bytes(rows))
    result = take(received_in_place(source, "DIRESA", "DIRESA"), settings_under(tmp_path), runner, trial=True)
    assert result.status == "rejected"
    folder = write_feedback(result, tmp_path / "feedback", "es", "America/Lima")
    summary = json.loads((folder / "resumen.json").read_text(encoding="utf-8"))
    assert summary["cause"].startswith(
        "300 de 300 filas se rechazaron como repetidas porque no se reconocieron las columnas «segmento»"
    )
    assert summary["problems_by_check"]["consistency.duplicate_key"] == 300
    assert len([p for p in summary["problems"] if p["check_id"] == "consistency.duplicate_key"]) == 200
    assert len(read_csv(folder / "problemas.csv")) == 301  # every row, and the unknown column
    page = (folder / "resumen.html").read_text(encoding="utf-8")
    assert page.index('id="cause"') < page.index('id="next-steps"')
    assert "300 filas" in page and "Se muestran 200 de 300" in page
