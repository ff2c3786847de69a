"""Reading bytes into text cells: encodings, delimiters, workbooks, and files that are not tables."""

from __future__ import annotations

import codecs
import datetime as dt
from pathlib import Path

import pytest

from mesa_tumbes.transforms.read import (
    UnreadableFileError,
    UnsupportedFormatError,
    cell_text,
    decode,
    read_tables,
    sniff_delimiter,
)
from tests.builders import csv_bytes, xlsx_bytes

ROWS = [["Periodo", "Distrito", "Tipo de población", "Valor"], ["2026-10", "Aguas Verdes", "tránsito", "12"]]


def only_table(name: str, content: bytes) -> list[list[str]]:
    (table,) = list(read_tables(name, content))
    return table.rows


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("cp1252", b""), ("latin-1", b""), ("utf-16", b"")],
)
def test_csv_in_the_encodings_agencies_use(encoding: str, prefix: bytes) -> None:
    content = prefix + csv_bytes(ROWS, delimiter=";", encoding=encoding)
    assert only_table("f.csv", content) == ROWS


def test_windows_1252_punctuation_is_decoded_not_mangled() -> None:
    # Curly quotes and the dash exist in Windows-1252 but not in Latin-1.
    text, encoding = decode("“Población” – niñas".encode("cp1252"))
    assert text == "“Población” – niñas"
    assert encoding == "cp1252"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_detected(delimiter: str) -> None:
    text = csv_bytes([*ROWS, ["2026-10", "Tumbes", "destino", "1,5"]], delimiter=delimiter).decode()
    assert sniff_delimiter(text) == delimiter


def test_semicolon_file_with_decimal_commas_is_not_split_on_commas() -> None:
    content = csv_bytes([["periodo", "valor", "observación"], ["2026-10", "1,5", "a, b"]], delimiter=";")
    assert only_table("f.csv", content)[1] == ["2026-10", "1,5", "a, b"]


def test_csv_row_numbers_count_every_line_as_excel_does() -> None:
    content = b"Titulo\n\nperiodo,valor\n2026-10,3\n"
    (table,) = list(read_tables("f.csv", content))
    assert table.row_numbers == [1, 2, 3, 4]
    assert table.rows[1] == []


def test_xlsx_keeps_excel_row_numbers_and_reads_every_sheet() -> None:
    content = xlsx_bytes(
        ("Notas", [["Instrucciones"]]),
        (
            "Datos",
            [
                ["REPORTE DIRESA"],
                [],
                ["Periodo", "Valor"],
                [dt.datetime(2026, 10, 1), 12.0],
                [],
                ["2026-10", 3.5],
            ],
        ),
    )
    notes, data = list(read_tables("reporte.xlsx", content))
    assert notes.sheet == "Notas" and notes.rows == [["Instrucciones"]]
    assert data.sheet == "Datos"
    numbered = dict(zip(data.row_numbers, data.rows, strict=True))
    assert numbered[3] == ["Periodo", "Valor"]
    assert numbered[4] == ["2026-10-01", "12"]
    assert numbered[6] == ["2026-10", "3.5"]
    assert not any(numbered[5])


def test_format_comes_from_the_bytes_not_the_name() -> None:
    content = xlsx_bytes(("Hoja1", ROWS))
    (table,) = list(read_tables("renamed.csv", content))
    assert table.rows == ROWS


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (12.0, "12"),
        (0.1 + 0.2, "0.3"),
        (7, "7"),
        (dt.datetime(2026, 10, 1), "2026-10-01"),
        (dt.datetime(2026, 10, 1, 8, 30), "2026-10-01 08:30:00"),
        ("  Tumbes ", "Tumbes"),
    ],
)
def test_cells_become_the_text_a_person_reads(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_damaged_workbook_is_unreadable() -> None:
    content = xlsx_bytes(("Hoja1", ROWS))
    with pytest.raises(UnreadableFileError):
        list(read_tables("f.xlsx", content[: len(content) // 2]))


def test_xlsx_name_with_text_inside_is_unreadable() -> None:
    with pytest.raises(UnreadableFileError):
        list(read_tables("f.xlsx", b"periodo,valor\n2026-10,1\n"))


def test_binary_data_named_csv_is_unreadable() -> None:
    with pytest.raises(UnreadableFileError):
        list(read_tables("f.csv", b"%PDF-1.4\x00\x01\x02binary"))


def test_formats_outside_the_contract_are_unsupported() -> None:
    with pytest.raises(UnsupportedFormatError):
        list(read_tables("informe.pdf", b"%PDF-1.4 ..."))


def test_an_ole2_file_that_is_not_a_workbook_is_unreadable() -> None:
    # Word documents and password-protected workbooks are OLE2 containers too.
    with pytest.raises(UnreadableFileError, match="not_xls"):
        list(read_tables("legacy.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)))


@pytest.mark.realdata
def test_real_hxl_files_in_latin1_semicolon_and_tab(realdata: Path) -> None:
    folder = realdata / "libhxl-python"
    latin1 = only_table("x.csv", (folder / "input-valid-latin1.csv").read_bytes())
    assert any("Qué" in cell for cell in latin1[0])
    semicolon = only_table("x.ssv", (folder / "input-valid.ssv").read_bytes())
    tab = only_table("x.tsv", (folder / "input-valid.tsv").read_bytes())
    assert semicolon[1][:3] == tab[1][:3] == latin1[1][:3]


@pytest.mark.realdata
def test_real_workbook_with_broken_styles_is_read(realdata: Path) -> None:
    """libhxl's "broken" workbook has a styles part that openpyxl refuses; its cells are intact, and
    an agency whose spreadsheet program wrote such styles still gets its figures read."""
    content = (realdata / "libhxl-python" / "input-broken.xlsx").read_bytes()
    (table,) = read_tables("input-broken.xlsx", content)
    assert table.rows[0][:3] == ["ISO3", "Name", "Year"]
    assert table.rows[2][:4] == ["AB9", "Abyei Area", "2018", "2018-07-01"]
