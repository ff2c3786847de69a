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
    write_workbook(path, [("Reporte", [*title_rows, header, *rows])])


def write_workbook(path: Path, sheets: list[tuple[str, list[list[object]]]]) -> None:
    """A workbook with one sheet per (title, rows), with reproducible bytes."""
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
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
    for write in (diresa, mimp, pnp, migraciones, cancilleria, mtpe, dre, acnur, gtrm):
        write(inbox)
    return sorted(path for path in inbox.rglob("*") if path.is_file())


FIVE_W_HEADER = [
    "Country", "Admin1", "Admin2", "Appealing_org", "Implementation", "Implementing_partner", "Month",
    "Subsector", "Indicator", "Activity_Name", "Total_monthly", "New_beneficiaries", "IN_DESTINATION",
    "IN_TRANSIT", "Host_Communities", "PENDULARS", "Returnees", "Girls", "Boys", "Women", "Men",
    "Other_under", "Other_above",
]  # fmt: skip
UNHCR = "United Nations High Commissioner for Refugees (UNHCR)"
PROTECTION = "# of refugees and migrants who received protection-related assistance and specialized services"
HEALTH = "# of refugees and migrants benefiting from primary health care consultations"
CASH = "# of individuals benefitting from multipurpose cash transfers (MPC)"


def acnur(inbox: Path) -> None:
    """The R4V 5W export UNHCR already sends to the platform: Tumbes by province (name or P-code) or
    for the whole department, plus rows of other regions and an indicator the Mesa does not track."""
    activities = [
        # (Admin1, Admin2, Subsector, Indicator, activity),
        # (total monthly, new, destination, transit, host community, girls, boys, women, men)
        (("Tumbes", "Zarumilla", "Protection (General)", PROTECTION, "Orientación legal en el CEBAF"),
         (97, 84, 60, 24, 0, 10, 12, 35, 27)),
        (("Tumbes", "PE2401", "Health", HEALTH, "Atención primaria con socio"),
         (52, 41, 41, 0, 0, 6, 5, 18, 12)),
        (("Tumbes", "", "Multipurpose Cash Assistance (MPC)", CASH, "Transferencias multipropósito"),
         (120, 120, 110, 0, 10, 30, 28, 34, 28)),
        (("Piura", "Piura", "Protection (General)", PROTECTION, "Orientación legal"),
         (40, 38, 38, 0, 0, 4, 4, 15, 15)),
        (("Lima", "Lima", "Health", HEALTH, "Atención primaria"),
         (300, 250, 250, 0, 0, 40, 40, 90, 80)),
        (("Tumbes", "Zarumilla", "Common Services (Communication)", "# of communication products published",
          "Afiches"), (0, 0, 0, 0, 0, 0, 0, 0, 0)),
    ]  # fmt: skip
    table: list[list[object]] = []
    for (admin1, admin2, subsector, indicator, activity), figures in activities:
        total, new, destination, transit, host, girls, boys, women, men = figures
        where = ["Peru", admin1, admin2, UNHCR, "Yes", "", PERIOD, subsector, indicator, activity]
        table.append([*where, total, new, destination, transit, host, 0, 0, girls, boys, women, men, 0, 0])
    write_xlsx(inbox / "ACNUR" / "acnur_5w_octubre_2026.xlsx", [], FIVE_W_HEADER, table)


# RMRP 2026 people in need in Tumbes by sector (figures invented for the example): girls, boys,
# women, men, in destination; and the share of it that is the target.
NEED_2026 = {
    "Health": ((700, 720, 2950, 3500, 5250), 0.7),
    "Protection (General)": ((470, 490, 2000, 2380, 4600), 0.9),
    "Protection (GBV)": ((710, 190, 2040, 150, 2250), 0.2),
    "Protection (Human Trafficking and Smuggling)": ((350, 360, 1480, 1760, 2600), 0.3),
    "Protection (Child Protection)": ((630, 530, 140, 150, 540), 0.5),
    "Education": ((880, 920, 1570, 1360, 4230), 0.4),
    "Integration": ((740, 770, 3170, 3770, 5660), 0.5),
    "Multipurpose Cash Assistance (MPC)": ((800, 830, 1870, 1370, 4820), 1.0),
    "Intersector": ((1190, 1160, 3530, 4200, 6260), 0.9),
}


def gtrm(inbox: Path) -> None:
    """The RMRP people in need and targets for 2026, as R4V publishes them: one sheet per measure,
    one row per country x department x sector, plus a department outside the region."""
    sheets = []
    for measure, title in (("PiN", "PiN 2026"), ("Target", "Target")):
        header = [f"{measure} Platform", f"{measure} Country", f"{measure} Admin1", "Subsector"]
        header += [f"{measure} 2026 Total {group}" for group in ("Girls", "Boys", "Women")]
        header += [f"{measure} Total Men", f"{measure} Total", f"{measure} Dest Total", f"{measure} HC Total"]
        rows: list[list[object]] = [header]
        for sector, (figures, share) in NEED_2026.items():
            girls, boys, women, men, destination = (
                round(n * (share if measure == "Target" else 1)) for n in figures
            )
            total = girls + boys + women + men
            rows.append(
                [
                    "Peru",
                    "Peru",
                    "Tumbes",
                    sector,
                    girls,
                    boys,
                    women,
                    men,
                    total,
                    destination,
                    total - destination,
                ]
            )
        rows.append(["Peru", "Peru", "Piura", "Health", 1100, 1100, 4200, 4000, 10400, 9000, 1400])
        sheets.append((title, rows))
    write_workbook(inbox / "GTRM" / "rmrp_2026_necesidades_y_metas.xlsx", sheets)


def main() -> None:
    for path in write_examples(INBOX):
        print(path.relative_to(INBOX.parent))


if __name__ == "__main__":
    main()
