"""Build submission files in memory for tests."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook


def xlsx_bytes(*sheets: tuple[str, list[list[object]]]) -> bytes:
    """A workbook with one sheet per (title, rows); a row of [] is left empty."""
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for number, row in enumerate(rows, start=1):
            for column, value in enumerate(row, start=1):
                sheet.cell(row=number, column=column, value=value)  # type: ignore[arg-type]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list[object]], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


HEADER = ["agencia", "periodo", "ubigeo", "indicador", "sexo", "grupo de edad", "tipo de población", "valor"]


def template_csv(*rows: list[object], header: list[str] | None = None, **options: str) -> bytes:
    """A Mesa-template CSV with the given data rows under the standard header."""
    return csv_bytes([header or HEADER, *rows], **options)
