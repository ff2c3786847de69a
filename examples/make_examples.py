"""Write examples/inbox/: one month (October 2026) of submissions from several agencies.

The files look like what agencies in Tumbes send: an Excel sheet with title rows above the header,
semicolon CSV from Excel in Spanish (Windows-1252), district names instead of codes, and a few
deliberate mistakes, each described in examples/README.md. The output is byte-for-byte
reproducible: `python examples/make_examples.py` rewrites the same bytes (a test checks it).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import zipfile
from pathlib import Path

from openpyxl import Workbook

INBOX = Path(__file__).parent / "inbox"
PERIOD = "2026-10"
# Every file gets this timestamp, inside the XLSX zip and in the workbook properties.
FIXED_TIME = dt.datetime(2026, 11, 5, 9, 30, 0)

HEADER = ["Agencia", "Periodo", "Ubigeo", "Indicador", "Sexo", "Grupo de edad", "Tipo de población", "Valor"]

# DIRESA, people attended by district, sex and age (R4V-style groups), destination population.
DIRESA_ATTENDED = {
    "240101": {
        ("F", "18-59"): 184,
        ("M", "18-59"): 121,
        ("F", "<18"): 63,
        ("M", "<18"): 57,
        ("F", "60+"): 12,
    },
    "240302": {("F", "18-59"): 92, ("M", "18-59"): 71, ("F", "<18"): 41, ("M", "<18"): 36},
    "240301": {("F", "18-59"): 48, ("M", "18-59"): 39, ("F", "<18"): 17, ("M", "<18"): 15},
    "240102": {("F", "18-59"): 14, ("M", "18-59"): 9},
    "240201": {("F", "18-59"): 11, ("M", "18-59"): 8},
}
DIRESA_OTHER = [
    ("240101", "SAL-02", "F", "18-59", 58),
    ("240101", "SAL-02", "M", "18-59", 37),
    ("240302", "SAL-02", "F", "18-59", 22),
    ("240302", "SAL-02", "M", "18-59", 15),
    ("240101", "SAL-03", "F", "18-59", 13),
    ("240101", "SAL-03", "M", "18-59", 6),
    ("240302", "SAL-03", "F", "18-59", 4),
    ("240101", "SAL-04", "F", "18-59", 21),
    ("240302", "SAL-04", "F", "18-59", 9),
    ("240301", "SAL-04", "F", "18-59", 5),
]


def write_xlsx(
    path: Path, title_rows: list[list[object]], header: list[str], rows: list[list[object]]
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Reporte"
    for row in [*title_rows, header, *rows]:
        sheet.append(row)
    workbook.properties.creator = "Mesa Tumbes examples"
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_fixed_zip_times(buffer.getvalue()))


def _fixed_zip_times(content: bytes) -> bytes:
    """Rewrite a zip with fixed entry times and core properties, so the bytes are reproducible."""
    source = zipfile.ZipFile(io.BytesIO(content))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = _fixed_core_properties(data)
            entry = zipfile.ZipInfo(item.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    return output.getvalue()


def _fixed_core_properties(data: bytes) -> bytes:
    import re

    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(
        rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>", data
    )


def write_csv(path: Path, rows: list[list[object]], delimiter: str, encoding: str) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(encoding))


def diresa(inbox: Path) -> None:
    """Clean XLSX, title rows above the header; periods typed in Excel became dates (2026-10-01)."""
    month = dt.datetime(2026, 10, 1)
    rows: list[list[object]] = []
    for district, groups in DIRESA_ATTENDED.items():
        for (sex, age), value in groups.items():
            rows.append(["DIRESA", month, district, "SAL-01", sex, age, "destino", value])
    for district, indicator, sex, age, value in DIRESA_OTHER:
        rows.append(["DIRESA", month, district, indicator, sex, age, "destino", value])
    title = [
        ["DIRECCIÓN REGIONAL DE SALUD TUMBES"],
        ["Reporte mensual de atenciones a población refugiada y migrante - octubre 2026"],
        [],
    ]
    path = inbox / "DIRESA" / "diresa_atenciones_2026-10.xlsx"
    write_xlsx(path, title, HEADER, rows)
    # The same file sent again under another name: a duplicate, loaded once.
    shutil.copyfile(path, inbox / "DIRESA" / "reenvio_diresa_atenciones_2026-10.xlsx")


def mimp(inbox: Path) -> None:
    """Semicolon CSV in Windows-1252 with district names; a misspelt district and a negative value."""
    header = [
        "Institución",
        "Periodo",
        "Distrito",
        "Indicador",
        "Sexo",
        "Grupo de edad",
        "Cantidad",
        "Observaciones",
    ]
    rows: list[list[object]] = [
        ["MIMP", PERIOD, "Tumbes", "VBG-02", "Mujer", "18-59", 9, "CEM Tumbes"],
        ["MIMP", PERIOD, "Tumbes", "VBG-02", "Mujer", "12-17", 3, "CEM Tumbes"],
        ["MIMP", PERIOD, "Aguas Verde", "VBG-02", "Mujer", "18-59", 4, "CEM Aguas Verdes"],
        ["MIMP", PERIOD, "Zarumilla", "VBG-02", "Mujer", "18-59", 2, "CEM Zarumilla"],
        ["MIMP", PERIOD, "Aguas Verdes", "PRO-01", "Mujer", "12-17", 3, "UPE Tumbes"],
        ["MIMP", PERIOD, "Aguas Verdes", "PRO-01", "Hombre", "12-17", 5, "UPE Tumbes"],
        ["MIMP", PERIOD, "Tumbes", "PRO-01", "Hombre", "6-11", -2, "UPE Tumbes"],
        ["MIMP", PERIOD, "San Juan de la Virgen", "VBG-02", "Mujer", "18-59", 1, ""],
    ]
    write_csv(inbox / "MIMP" / "mimp_cem_upe_octubre.csv", [header, *rows], ";", "cp1252")


def pnp(inbox: Path) -> None:
    """UTF-8 CSV; two rows keyed on RENIEC codes (230304 is Aguas Verdes) and a misspelt indicator."""
    header = ["agencia", "periodo", "ubigeo", "indicador", "sexo", "grupo de edad", "valor"]
    rows: list[list[object]] = [
        ["PNP", PERIOD, "240101", "VBG-01", "F", "18+", 14],
        ["PNP", PERIOD, "240101", "VBG-01", "F", "<18", 4],
        ["PNP", PERIOD, "230304", "VBG-01", "F", "18+", 6],
        ["PNP", PERIOD, "240301", "VBG-01", "F", "18+", 3],
        ["PNP", PERIOD, "240102", "VBG-01", "F", "18+", 2],
        ["PNP", PERIOD, "230304", "TRA-01", "F", "18+", 2],
        ["PNP", PERIOD, "240302", "TRA-1", "F", "<18", 1],
        ["PNP", PERIOD, "240101", "TRA-01", "F", "18+", 1],
    ]
    write_csv(inbox / "PNP" / "pnp_denuncias_2026_10.csv", [header, *rows], ",", "utf-8")


def migraciones(inbox: Path) -> None:
    """Clean XLSX with an extra column that is not in the template (reported as a warning)."""
    header = [*HEADER, "Sede"]
    rows: list[list[object]] = [
        ["MIGRACIONES", PERIOD, "240101", "DOC-02", "F", "18+", "destino", 168, "Jefatura Zonal Tumbes"],
        ["MIGRACIONES", PERIOD, "240101", "DOC-02", "M", "18+", "destino", 142, "Jefatura Zonal Tumbes"],
        ["MIGRACIONES", PERIOD, "240101", "DOC-02", "F", "<18", "destino", 37, "Jefatura Zonal Tumbes"],
        ["MIGRACIONES", PERIOD, "240101", "DOC-02", "M", "<18", "destino", 33, "Jefatura Zonal Tumbes"],
        ["MIGRACIONES", PERIOD, "240302", "DOC-02", "F", "18+", "destino", 64, "CEBAF"],
        ["MIGRACIONES", PERIOD, "240302", "DOC-02", "M", "18+", "destino", 56, "CEBAF"],
        ["MIGRACIONES", PERIOD, "240301", "DOC-02", "F", "18+", "destino", 47, "Jefatura Zonal Tumbes"],
        ["MIGRACIONES", PERIOD, "240301", "DOC-02", "M", "18+", "destino", 38, "Jefatura Zonal Tumbes"],
    ]
    write_xlsx(inbox / "MIGRACIONES" / "migraciones_cpp_octubre2026.xlsx", [], header, rows)


def cancilleria(inbox: Path) -> None:
    """Comma CSV: one row attributed to another agency, one period written as Excel shows it."""
    header = ["agencia", "periodo", "distrito", "indicador", "sexo", "valor"]
    rows: list[list[object]] = [
        ["CANCILLERIA", PERIOD, "Tumbes", "DOC-01", "F", 13],
        ["CANCILLERIA", PERIOD, "Tumbes", "DOC-01", "M", 11],
        ["ACNUR", PERIOD, "Aguas Verdes", "DOC-01", "F", 6],
        ["CANCILLERIA", PERIOD, "Aguas Verdes", "DOC-01", "M", 5],
        ["CANCILLERIA", "oct-26", "Zarumilla", "DOC-01", "F", 3],
        ["CANCILLERIA", PERIOD, "Zarumilla", "DOC-01", "M", 2],
    ]
    write_csv(inbox / "CANCILLERIA" / "solicitudes_refugio_octubre.csv", [header, *rows], ",", "utf-8")


def mtpe(inbox: Path) -> None:
    """A clean, minimal CSV: only the required columns plus sex (age and population default to total)."""
    header = ["periodo", "ubigeo", "indicador", "sexo", "valor"]
    rows: list[list[object]] = [
        [PERIOD, "240101", "INT-01", "F", 10],
        [PERIOD, "240101", "INT-01", "M", 8],
        [PERIOD, "240301", "INT-01", "F", 3],
        [PERIOD, "240301", "INT-01", "M", 1],
    ]
    write_csv(inbox / "MTPE" / "mtpe_colocaciones_2026-10.csv", [header, *rows], ",", "utf-8")


def dre(inbox: Path) -> None:
    """Not the template at all: a narrative note saved as CSV. Rejected, with feedback that says why."""
    lines = [
        ["Informe de matrícula de estudiantes extranjeros - UGEL Tumbes"],
        ["Se adjunta el resumen de matrícula del mes de octubre."],
        ["Total de estudiantes venezolanos matriculados: 1 245"],
    ]
    write_csv(inbox / "DRE" / "informe_matricula_octubre.csv", lines, ",", "utf-8")


def write_examples(inbox: Path) -> list[Path]:
    """(Re)write every example under `inbox`; returns the files written."""
    if inbox.exists():
        shutil.rmtree(inbox)
    for write in (diresa, mimp, pnp, migraciones, cancilleria, mtpe, dre):
        write(inbox)
    return sorted(path for path in inbox.rglob("*") if path.is_file())


def main() -> None:
    for path in write_examples(INBOX):
        print(path.relative_to(INBOX.parent))


if __name__ == "__main__":
    main()
