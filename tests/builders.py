"""Build submission files in memory for tests, with reproducible bytes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import socket
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from openpyxl import Workbook

if TYPE_CHECKING:
    from mesa_tumbes.core.settings import Settings
    from mesa_tumbes.warehouse.store import SubmissionRecord

# Workbooks carry this time in their zip entries and properties, so the same content gives the same bytes.
FIXED_TIME = dt.datetime(2026, 11, 3, 8, 0, 0)


def xlsx_bytes(
    *sheets: tuple[str, Sequence[Sequence[object]]], merges: dict[str, list[str]] | None = None
) -> bytes:
    """A workbook with one sheet per (title, rows); a row of [] is left empty; `merges` lists the
    ranges to merge per sheet title ("A2:A6")."""
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for number, row in enumerate(rows, start=1):
            for column, value in enumerate(row, start=1):
                sheet.cell(row=number, column=column, value=value)
        for cells in (merges or {}).get(title, []):
            sheet.merge_cells(cells)
    workbook.properties.creator = "Mesa Tumbes tests"
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)
    return reproducible_zip(buffer.getvalue())


def reproducible_zip(content: bytes, replace: dict[str, bytes] | None = None) -> bytes:
    """The same zip with fixed entry times and modification property (and any entries replaced)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    output = io.BytesIO()
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = (replace or {}).get(item.filename) or source.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp + rb"\g<2>",
                    data,
                )
            entry = zipfile.ZipInfo(item.filename, date_time=FIXED_TIME.timetuple()[:6])
            # An OpenDocument file's first entry, its mimetype, is stored uncompressed.
            entry.compress_type = zipfile.ZIP_STORED if item.filename == "mimetype" else zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    return output.getvalue()


def csv_bytes(rows: Iterable[Sequence[object]], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


HEADER = ["agencia", "periodo", "ubigeo", "indicador", "sexo", "grupo de edad", "tipo de población", "valor"]


def template_csv(*rows: list[object], header: list[str] | None = None, **options: str) -> bytes:
    """A Mesa-template CSV with the given data rows under the standard header."""
    return csv_bytes([header or HEADER, *rows], **options)


FIVE_W_HEADER = [
    "Country", "Admin1", "Admin2", "Appealing_org", "Implementing_partner", "Month", "Subsector", "Indicator",
    "Activity_Name", "Total_monthly", "New_beneficiaries", "IN_DESTINATION", "IN_TRANSIT", "Host_Communities",
    "PENDULARS", "Returnees", "Girls", "Boys", "Women", "Men", "Other_under", "Other_above",
]  # fmt: skip
HEALTH = "# of refugees and migrants benefiting from primary health care consultations"
UNHCR = "United Nations High Commissioner for Refugees (UNHCR)"


def five_w_row(**changes: object) -> list[object]:
    """A valid UNHCR 5W row for Zarumilla, October 2026: 30 new people, breakdowns that add up."""
    row: dict[str, object] = {
        "Country": "Peru", "Admin1": "Tumbes", "Admin2": "Zarumilla", "Appealing_org": UNHCR,
        "Implementing_partner": "", "Month": "2026-10", "Subsector": "Health", "Indicator": HEALTH,
        "Activity_Name": "Atención primaria", "Total_monthly": 40, "New_beneficiaries": 30,
        "IN_DESTINATION": 20, "IN_TRANSIT": 10, "Host_Communities": 0, "PENDULARS": 0, "Returnees": 0,
        "Girls": 5, "Boys": 5, "Women": 10, "Men": 10, "Other_under": 0, "Other_above": 0,
    }  # fmt: skip
    row.update({key.replace("__", " "): value for key, value in changes.items()})
    return [row[column] for column in FIVE_W_HEADER]


def five_w_csv(*rows: list[object]) -> bytes:
    return csv_bytes([FIVE_W_HEADER, *rows])


NEED_HEADER = [
    "PiN Platform", "PiN Country", "PiN Admin1", "Subsector", "PiN 2026 Total Girls", "PiN 2026 Total Boys",
    "PiN 2026 Total Women", "PiN Total Men", "PiN Total", "PiN Dest Total", "PiN HC Total",
]  # fmt: skip


def need_xlsx(*rows: list[object], sheet: str = "PiN 2026", header: list[str] | None = None) -> bytes:
    return xlsx_bytes((sheet, [header or NEED_HEADER, *rows]))


def need_row(subsector: str = "Health", admin1: str = "Tumbes", country: str = "Peru") -> list[object]:
    """Girls 10, boys 10, women 40, men 40: total 100, of whom 70 in destination and 30 host community."""
    return ["Peru", country, admin1, subsector, 10, 10, 40, 40, 100, 70, 30]


def ods_bytes(*sheets: tuple[str, Sequence[Sequence[object]]]) -> bytes:
    """An OpenDocument spreadsheet (LibreOffice Calc's .ods) with one sheet per (title, rows)."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    for title, rows in sheets:
        sheet = Table(name=title)
        for row in rows:
            cells = TableRow()
            for value in row:
                number = isinstance(value, int | float) and not isinstance(value, bool)
                cell = TableCell(valuetype="float", value=value) if number else TableCell(valuetype="string")
                cell.addElement(P(text=str(value)))
                cells.addElement(cell)
            sheet.addElement(cells)
        document.spreadsheet.addElement(sheet)
    buffer = io.BytesIO()
    document.write(buffer)
    # odfpy writes namespace declarations in an order that changes between runs: canonical XML
    # (sorted declarations) gives the same bytes for the same content.
    content = buffer.getvalue()
    archive = zipfile.ZipFile(io.BytesIO(content))
    canonical = {
        name: ElementTree.canonicalize(archive.read(name).decode("utf-8")).encode("utf-8")
        for name in archive.namelist()
        if name.endswith(".xml")
    }
    return reproducible_zip(content, replace=canonical)


def settings_under(root: Path, lang: str = "es") -> Settings:
    """Settings whose every place is under `root`: the published warehouse root/mesa.duckdb (the
    pipeline writes settings.working beside it), feedback, archive and inbox."""
    from mesa_tumbes.core.settings import resolve_settings

    return resolve_settings(
        inbox=str(root),
        warehouse=str(root / "mesa.duckdb"),
        feedback=str(root / "feedback"),
        archive=str(root / "archive"),
        lang=lang,
    )


def accepted_record(
    submission_id: str,
    agency: str,
    rows: int,
    received: dt.datetime,
    file_name: str,
    fmt: str = "mesa_template",
) -> SubmissionRecord:
    """The registry row of a submission every row of which was accepted, for loading by hand (the
    marts' tests and the benchmark's seeded history)."""
    from mesa_tumbes.warehouse.store import SubmissionRecord

    return SubmissionRecord(
        submission_id=submission_id,
        agency=agency,
        file_name=file_name,
        sha256=submission_id.ljust(64, "0"),
        size_bytes=1,
        received_at=received,
        processed_at=received,
        status="accepted",
        rows_read=rows,
        rows_loaded=rows,
        rows_rejected=0,
        rows_warned=0,
        duplicate_of=None,
        feedback_path=f"{agency}/{submission_id}",
        format=fmt,
    )


def free_port() -> int:
    """A port nothing listens on, for a server a test starts on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
