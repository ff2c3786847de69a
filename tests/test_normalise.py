"""From text cells to the template's canonical columns."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mesa_tumbes.core.reference import Reference
from mesa_tumbes.formats.submission import read as parse_submission
from mesa_tumbes.transforms.model import Parsed
from mesa_tumbes.transforms.values import normalise_period, parse_number
from tests.builders import HEADER, csv_bytes, template_csv, xlsx_bytes


def checks_of(parsed: Parsed) -> list[str]:
    return [problem.check_id for problem in parsed.problems]


def frame_of(parsed: Parsed) -> pd.DataFrame:
    (part,) = parsed.parts
    return part.frame


def test_header_below_title_rows_and_headers_written_any_way(reference: Reference) -> None:
    content = xlsx_bytes(
        (
            "Reporte",
            [
                ["DIRECCIÓN REGIONAL DE SALUD TUMBES"],
                ["Reporte mensual - octubre 2026"],
                [],
                ["AGENCIA", "Período", "CÓDIGO DE DISTRITO", "Indicador", "SEXO", "Grupo_de_Edad", "Valor"],
                ["DIRESA", "2026-10", "240101", "SAL-01", "F", "18-59", 12],
            ],
        )
    )
    parsed = parse_submission("r.xlsx", content, "DIRESA", reference)
    assert parsed.problems == []
    assert parsed.header_row == 4 and parsed.sheet == "Reporte"
    assert parsed.parts[0].titles["district"] == "CÓDIGO DE DISTRITO"
    row = frame_of(parsed).iloc[0].to_dict()
    assert row["row_number"] == 5
    assert (row["district"], row["indicator"], row["sex"], row["age_group"], row["value"]) == (
        "240101",
        "SAL-01",
        "F",
        "18-59",
        12.0,
    )


def test_the_first_sheet_that_holds_the_header_is_read(reference: Reference) -> None:
    content = xlsx_bytes(
        ("Instrucciones", [["Llene la hoja Datos"]]),
        ("Datos", [["periodo", "ubigeo", "indicador", "valor"], ["2026-10", "240101", "SAL-01", 3]]),
    )
    parsed = parse_submission("r.xlsx", content, "DIRESA", reference)
    assert parsed.sheet == "Datos" and parsed.rows_read == 1


def test_names_words_and_defaults_resolve_to_codes(reference: Reference) -> None:
    content = csv_bytes(
        [
            ["periodo", "distrito", "indicador", "sexo", "edad", "tipo de poblacion", "cantidad"],
            ["2026-10", "aguas verdes", "sal 01", "Mujer", "60 a más", "Tránsito", "7"],
            ["2026-10", "SAN JUAN DE LA VIRGEN", "SAL-01", "", "", "", "1"],
        ]
    )
    frame = frame_of(parse_submission("f.csv", content, "DIRESA", reference))
    first, second = frame.to_dict("records")
    assert (first["agency"], first["district"], first["indicator"]) == ("DIRESA", "240302", "SAL-01")
    assert (first["sex"], first["age_group"], first["population_type"]) == ("F", "60+", "in_transit")
    assert (second["district"], second["sex"], second["age_group"], second["population_type"]) == (
        "240106",
        "total",
        "total",
        "total",
    )


def test_agency_cell_left_empty_is_the_channel_and_names_resolve(reference: Reference) -> None:
    content = template_csv(
        ["", "2026-10", "240101", "DOC-01", "F", "", "", "1"],
        ["Cancillería", "2026-10", "240101", "DOC-01", "M", "", "", "1"],
        ["ACNUR", "2026-10", "240101", "DOC-01", "X", "", "", "1"],
    )
    frame = frame_of(parse_submission("f.csv", content, "CANCILLERIA", reference))
    assert list(frame["agency"]) == ["CANCILLERIA", "CANCILLERIA", "ACNUR"]


def test_unresolved_text_is_kept_as_written_for_the_suite_to_report(reference: Reference) -> None:
    content = template_csv(["DIRESA", "10/2026", "Aguas Verde", "SAL-9", "q", "niños", "visitantes", "abc"])
    parsed = parse_submission("f.csv", content, "DIRESA", reference)
    row = frame_of(parsed).iloc[0].to_dict()
    assert (row["period"], row["district"], row["indicator"], row["sex"]) == (
        "10/2026",
        "Aguas Verde",
        "SAL-9",
        "q",
    )
    assert math.isnan(row["value"]) and row["value_text"] == "abc"


def test_blank_rows_are_skipped_and_numbering_is_kept(reference: Reference) -> None:
    content = csv_bytes(
        [
            HEADER,
            ["DIRESA", "2026-10", "240101", "SAL-01", "F", "", "", "1"],
            ["", "", ""],
            [],
            ["DIRESA", "2026-10", "240102", "SAL-01", "F", "", "", "2"],
        ]
    )
    frame = frame_of(parse_submission("f.csv", content, "DIRESA", reference))
    assert list(frame["row_number"]) == [2, 5]


def test_repeated_and_unknown_columns_are_reported(reference: Reference) -> None:
    content = csv_bytes(
        [
            ["Distrito", "Ubigeo", "Periodo", "Indicador", "Valor", "Responsable"],
            ["Aguas Verdes", "240302", "2026-10", "SAL-01", "1", "x"],
        ]
    )
    parsed = parse_submission("f.csv", content, "DIRESA", reference)
    assert parsed.parts[0].titles["district"] == "Ubigeo"  # a code beats a name
    assert frame_of(parsed).at[0, "district"] == "240302"
    problems = {(p.check_id, p.column, p.expected) for p in parsed.problems}
    assert problems == {
        ("structure.repeated_column", "Distrito", "Ubigeo"),
        ("structure.unknown_column", "Responsable", None),
    }


def test_two_columns_for_one_field_that_disagree_are_a_conflict(reference: Reference) -> None:
    content = csv_bytes(
        [
            ["Distrito", "Ubigeo", "Periodo", "Indicador", "Valor", "Total"],
            ["Aguas Verdes", "240302", "2026-10", "SAL-01", "1", "1"],
            ["Tumbes", "240302", "2026-10", "SAL-02", "2", "2"],
            ["Tumbes", "240101", "2026-10", "SAL-03", "3", "3,0"],
            ["Tumbes", "240101", "2026-10", "SAL-04", "4", "5"],
        ]
    )
    parsed = parse_submission("f.csv", content, "DIRESA", reference)
    conflicts = [
        (p.row_number, p.column, p.value, p.expected, p.detail)
        for p in parsed.problems
        if p.check_id == "consistency.conflicting_columns"
    ]
    assert conflicts == [(3, "Distrito", "Tumbes", "Ubigeo", "240302"), (5, "Total", "5", "Valor", "4")]


@pytest.mark.parametrize(
    ("content", "check_id"),
    [
        (b"", "structure.empty_file"),
        (b"  \r\n\r\n", "structure.empty_file"),
        (b"Informe de matricula\nTexto libre sin tabla\n", "structure.header_not_found"),
        (",".join(HEADER).encode() + b"\r\n,,,,\r\n", "structure.no_data_rows"),
    ],
)
def test_files_without_data_stop_with_one_file_level_problem(
    reference: Reference, content: bytes, check_id: str
) -> None:
    parsed = parse_submission("f.csv", content, "DIRESA", reference)
    assert parsed.parts == []
    assert checks_of(parsed) == [check_id]


def test_unsupported_and_unreadable_files_say_why(reference: Reference) -> None:
    pdf = parse_submission("informe.pdf", b"%PDF-1.4", "DIRESA", reference)
    assert checks_of(pdf) == ["structure.unsupported_format"] and pdf.problems[0].detail == ".pdf"
    broken = parse_submission("f.xlsx", xlsx_bytes(("H", [["a"]]))[:300], "DIRESA", reference)
    assert checks_of(broken) == ["structure.unreadable_file"] and broken.problems[0].detail


@pytest.mark.parametrize(
    ("text", "value", "canonical"),
    [
        ("25", 25.0, "25"),
        ("0007", 7.0, "7"),
        ("12,5", 12.5, "12.5"),
        ("12.50", 12.5, "12.5"),
        ("-3", -3.0, "-3"),
        ("1.234.567", 1234567.0, "1234567"),
        ("1,234.5", 1234.5, "1234.5"),
        ("1.234,5", 1234.5, "1234.5"),
        (" 1 200 ", 1200.0, "1200"),
        ("1.234", 1.234, "1.234"),  # ambiguous: kept as a decimal; the whole-number rule reports it
        ("abc", None, "abc"),
        ("1e5", None, "1e5"),
        ("", None, None),
    ],
)
def test_numbers_as_people_write_them(text: str, value: float | None, canonical: str | None) -> None:
    assert parse_number(text) == (value, canonical)


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("2026-10", "2026-10"),
        ("2026-10-01", "2026-10"),
        ("2026-10-15", "2026-10"),  # any day of the month is that month
        ("2026-10-15 13:45:00", "2026-10"),
        ("2026-02-30", "2026-02-30"),  # not a date: the suite reports it
        ("2026-T3", "2026-Q3"),
        ("", None),
    ],
)
def test_a_date_in_the_period_column_is_its_month(text: str, period: str | None) -> None:
    assert normalise_period(text) == period


def test_a_visible_list_sheet_before_the_data_is_passed_over_for_the_sheet_with_the_whole_header(
    reference: Reference,
) -> None:
    lists = [["distrito", "indicador"], ["Tumbes", "SAL-01"], ["Zarumilla", "SAL-02"]]
    data = [["periodo", "ubigeo", "indicador", "valor"], ["2026-10", "240101", "SAL-01", 4]]
    parsed = parse_submission("f.xlsx", xlsx_bytes(("Listas", lists), ("Datos", data)), "DIRESA", reference)
    assert (parsed.sheet, parsed.rows_read, parsed.problems) == ("Datos", 1, [])
