"""Write tests/corpus/inbox/: nasty submission files in the spirit of what agencies really send.

Each file exercises one thing intake must survive (encodings, delimiters, title rows, totals rows,
merged cells, legacy .xls, RENIEC codes, mojibake, R4V 5W exports, the RMRP need file, personal
data, broken and hostile files...). What each must give is in expected.yaml, next to this script;
tests/test_corpus.py runs the real flow over them. Regenerate with
`python -m tests.corpus.make_corpus` from the repository's root: the bytes are reproducible (a test
checks it).
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

from tests.builders import csv_bytes, ods_bytes, reproducible_zip, xlsx_bytes

INBOX = Path(__file__).parent / "inbox"
P = "2026-10"  # for agencies that send one file here, and for the R4V files


def month(number: int) -> str:
    """A month of 2026: an agency's files here each cover their own month, so none revises another."""
    return f"2026-{number:02d}"


HEALTH = "# of refugees and migrants benefiting from primary health care consultations"
FOOD = "# of refugees, migrants and members of affected host communities that receive food assistance"
COMMUNICATION = "# of communication products published"
UNHCR = "United Nations High Commissioner for Refugees (UNHCR)"
IOM = "International Organization for Migration (IOM)"
FIVE_W = [
    "Country", "Admin1", "Admin2", "Appealing_org", "Implementation", "Implementing_partner", "Month",
    "Subsector", "Indicator", "Activity_Name", "Activity_Description", "RMRPActivity", "CVA", "Value",
    "Delivery_mechanism", "Quantity_output", "Total_monthly", "New_beneficiaries", "IN_DESTINATION",
    "IN_TRANSIT", "Host_Communities", "PENDULARS", "Returnees", "Girls", "Boys", "Women", "Men",
    "Other_under", "Other_above",
]  # fmt: skip


# --- Writers -----------------------------------------------------------------------------------


def csv_text(rows: list[list[object]], delimiter: str = ",") -> str:
    return csv_bytes(rows, delimiter).decode("utf-8")


def write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def xlsx(sheets: list[tuple[str, list[list[object]]]], merges: dict[str, list[str]] | None = None) -> bytes:
    return xlsx_bytes(*sheets, merges=merges)


def xls(rows: list[list[object]], merges: list[tuple[int, int, int, int]] = ()) -> bytes:  # type: ignore[assignment]
    """A legacy Excel 97-2003 workbook; merges are (first row, last row, first col, last col), 0-based."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Hoja1")
    merged = {(r, c) for r1, r2, c1, c2 in merges for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    for r1, r2, c1, c2 in merges:
        sheet.write_merge(r1, r2, c1, c2, rows[r1][c1])
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if (r, c) not in merged:
                sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- Files -------------------------------------------------------------------------------------


def mesa_template_variants(inbox: Path) -> None:
    """Encodings, delimiters and headers as Excel and agencies' systems write them."""
    header = ["PERÍODO", "Código de Distrito", "INDICADOR", "Sexo", "Grupo de Edad", "Cantidad"]
    rows = [
        [month(1), "240101", "SAL-01", "F", "18-59", 120],
        [month(1), "240101", "SAL-01", "M", "18-59", 95],
        [month(1), "240302", "SAL-01", "F", "18-59", 61],
    ]
    write(
        inbox / "DIRESA" / "01_utf8_bom_punto_y_coma.csv",
        b"\xef\xbb\xbf" + csv_text([header, *rows], ";").encode("utf-8"),
    )
    latin = [
        ["periodo", "distrito", "indicador", "sexo", "valor"],
        [month(2), "Zarumilla", "SAL-02", "F", 14],
        [month(2), "San Juan de la Virgen", "SAL-02", "F", 3],
        [month(2), "PAMPAS DE HOSPITAL", "SAL-02", "M", 2],
    ]
    write(inbox / "DIRESA" / "02_latin1_nombres.csv", csv_text(latin).encode("latin-1"))
    quotes = [
        [
            "Institución",
            "Periodo",
            "Distrito",
            "Indicador",
            "Sexo",
            "Grupo de edad",
            "Valor",
            "Observaciones",
        ],
        [
            "MIMP",
            month(3),
            "Tumbes",
            "VBG-02",
            "Mujer",
            "18-59",
            8,
            "Atención en el “CEM Tumbes” – turno mañana",
        ],
        ["MIMP", month(3), "Aguas Verdes", "VBG-02", "Mujer", "18-59", 3, "Derivación desde el CEBAF"],
    ]
    write(inbox / "MIMP" / "03_windows1252_comillas.csv", csv_text(quotes, ";").encode("cp1252"))
    tab = [
        ["agencia", "periodo", "ubigeo", "indicador", "sexo", "valor"],
        ["PNP", month(4), "240101", "VBG-01", "F", 11],
        ["PNP", month(4), "240301", "VBG-01", "F", 2],
    ]
    write(inbox / "PNP" / "04_utf16_tabulaciones.txt", csv_text(tab, "\t").encode("utf-16"))
    pipe = [
        ["Period", "District", "Indicator", "Sex", "Value"],
        [P, "240101", "INT-01", "F", 7],
        [P, "240101", "INT-01", "M", 5],
    ]
    write(inbox / "MTPE" / "05_barras_ingles.csv", csv_text(pipe, "|").encode("utf-8"))
    titled = [
        ["DIRECCIÓN REGIONAL DE SALUD TUMBES"],
        ["Atenciones en salud mental - octubre 2026"],
        [],
        ["periodo", "ubigeo", "indicador", "sexo", "grupo de edad", "valor"],
        [month(6), "240101", "SAL-03", "F", "18-59", 9],
        [],
        [month(6), "240101", "SAL-03", "M", "18-59", 4],
        [month(6), "240302", "SAL-03", "F", "18-59", 2],
        ["", "", "", "", "", ""],
        [month(6), "240301", "SAL-03", "F", "18-59", 1],
        ["TOTAL", "", "", "", "", 16],
    ]
    write(inbox / "DIRESA" / "06_titulos_filas_vacias_total.csv", csv_text(titled).encode("utf-8"))
    ragged = (
        "periodo,ubigeo,indicador,sexo,valor,,\r\n"
        "2026-10,240101,EDU-01,F,210,,\r\n"  # trailing empty fields
        "2026-10,240101,EDU-01,M,198\r\n"
        "2026-10,240301,EDU-01\r\n"  # cut short: no sex (total) and no value (reported)
    )
    write(inbox / "DRE" / "07_filas_desiguales.csv", ragged.encode("utf-8"))


def workbooks(inbox: Path) -> None:
    """Header on a second sheet, a legacy .xls, cells merged down several rows."""
    data = [
        ["Reporte mensual DIRESA"],
        ["Periodo", "Ubigeo", "Indicador", "Sexo", "Valor"],
        [dt.datetime(2026, 4, 1), 240101, "SAL-04", "F", 18],
        [dt.datetime(2026, 4, 1), 240302, "SAL-04", "F", 6],
    ]
    instructions = [["Instrucciones"], ["Complete la hoja Datos con una fila por indicador y distrito."]]
    write(
        inbox / "DIRESA" / "08_encabezado_en_segunda_hoja.xlsx",
        xlsx([("Instrucciones", instructions), ("Datos", data)]),
    )
    legacy = [
        ["agencia", "periodo", "ubigeo", "indicador", "sexo", "valor"],
        ["MIMP", month(9), "240101", "PRO-01", "F", 2],
        ["MIMP", month(9), "240101", "PRO-01", "M", 4],
    ]
    write(inbox / "MIMP" / "09_excel_97.xls", xls(legacy))
    merged = [
        ["Periodo", "Distrito", "Indicador", "Sexo", "Valor"],
        [month(10), "Tumbes", "SAL-01", "F", 40],
        [None, None, None, "M", 31],
        [None, None, None, "X", 1],
        [None, "Zarumilla", "SAL-01", "F", 12],
        [None, None, None, "M", 9],
    ]
    write(
        inbox / "GORE" / "10_celdas_combinadas.xlsx",
        xlsx([("Hoja1", merged)], {"Hoja1": ["A2:A6", "B2:B4", "C2:C4", "B5:B6", "C5:C6"]}),
    )


def districts_and_groups(inbox: Path) -> None:
    """RENIEC codes, misspelt names, and the words agencies use for sex and age."""
    reniec = [
        ["periodo", "ubigeo", "indicador", "sexo", "valor"],
        [month(11), "230304", "TRA-01", "F", 2],
        [month(11), "230302", "TRA-01", "F", 1],
        [month(11), "230101", "TRA-01", "F", 1],
    ]
    write(inbox / "PNP" / "11_codigos_reniec.csv", csv_text(reniec).encode("utf-8"))
    names = [
        ["periodo", "distrito", "indicador", "sexo", "valor"],
        [month(6), "Aguas Verde", "VBG-02", "F", 2],
        [month(6), "Zarumila", "VBG-02", "F", 1],
        [month(6), "TUMBES", "VBG-02", "F", 6],
        [month(6), "pampas de hospital", "VBG-02", "F", 1],
    ]
    write(inbox / "MIMP" / "12_nombres_con_errores.csv", csv_text(names).encode("utf-8"))
    words = [
        ["periodo", "ubigeo", "indicador", "sexo", "grupo de edad", "tipo de población", "valor"],
        [month(5), "240302", "SAL-01", "Mujer", "0 a 5 años", "Tránsito", 4],
        [month(5), "240302", "SAL-01", "Hombre", "6-11", "tránsito", 3],
        [month(5), "240302", "SAL-01", "Femenino", "60 a más", "Destino", 5],
        [month(5), "240302", "SAL-01", "Otro", "menores de 18", "comunidad de acogida", 1],
        [month(5), "240302", "SAL-01", "", "", "", 13],
    ]
    write(inbox / "DIRESA" / "13_palabras_edad_sexo.csv", csv_text(words).encode("utf-8"))
    mojibake = [
        ["periodo", "distrito", "indicador", "sexo", "tipo de poblaciÃ³n", "valor"],
        [P, "Tumbes", "DOC-01", "F", "trÃ¡nsito", 6],
        [P, "Tumbes", "DOC-01", "M", "trÃ¡nsito", 4],
    ]
    write(inbox / "CANCILLERIA" / "14_mojibake.csv", csv_text(mojibake).encode("utf-8"))


def five_w(**fields: object) -> list[object]:
    row: dict[str, object] = {
        "Country": "Peru", "Admin1": "Tumbes", "Admin2": "Zarumilla", "Appealing_org": UNHCR,
        "Implementation": "Yes", "Implementing_partner": "", "Month": P, "Subsector": "Health",
        "Indicator": HEALTH,
        "Activity_Name": "Atención primaria", "Activity_Description": "", "RMRPActivity": "Yes", "CVA": "No",
        "Value": "", "Delivery_mechanism": "", "Quantity_output": "", "Total_monthly": 40,
        "New_beneficiaries": 30,
        "IN_DESTINATION": 20, "IN_TRANSIT": 10, "Host_Communities": 0, "PENDULARS": 0, "Returnees": 0,
        "Girls": 5, "Boys": 5, "Women": 10, "Men": 10, "Other_under": 0, "Other_above": 0,
    }  # fmt: skip
    row.update(fields)
    return [row[column] for column in FIVE_W]


def r4v_files(inbox: Path) -> None:
    """5W exports (XLSX and CSV) and the RMRP need and targets workbook."""
    unhcr = [
        FIVE_W,
        five_w(),  # Zarumilla
        five_w(
            Admin2="PE2401",
            New_beneficiaries=12,
            IN_DESTINATION=12,
            IN_TRANSIT=0,
            Girls=2,
            Boys=2,
            Women=4,
            Men=4,
        ),
        five_w(Admin2="", Subsector="Food Security", Indicator=FOOD, Activity_Name="OrientaciÃ³n y canasta"),
        five_w(
            Activity_Name="Segunda actividad de salud",
            New_beneficiaries=8,
            IN_DESTINATION=8,
            IN_TRANSIT=0,
            Girls=2,
            Boys=2,
            Women=2,
            Men=2,
        ),
        five_w(Admin1="Piura", Admin2="Piura"),
        five_w(Country="Ecuador", Admin1="El Oro", Admin2=""),
        five_w(Subsector="Common Services (Communication)", Indicator=COMMUNICATION),
        five_w(New_beneficiaries=30, IN_DESTINATION=20, IN_TRANSIT=5),  # breakdown adds up to 25
    ]
    write(inbox / "ACNUR" / "15_5w_acnur.xlsx", xlsx([("Sheet1", unhcr)]))
    iom = [
        FIVE_W,
        five_w(Appealing_org=IOM, Admin2="Zarumilla"),
        five_w(Appealing_org=IOM, Admin1="Tumbez", Admin2=""),
        five_w(Appealing_org=UNHCR),  # another agency's row in IOM's folder
    ]
    write(inbox / "OIM" / "16_5w_oim.csv", csv_text(iom).encode("utf-8"))
    titles = ["Platform", "Country", "Admin1", "Subsector"]
    groups = ["Total Girls", "Total Boys", "Total Women", "Total Men", "Total", "Dest Total", "HC Total"]
    pin = [
        [f"PiN {t}" if t != "Subsector" else t for t in titles]
        + [f"PiN 2026 {g}" if i < 3 else f"PiN {g}" for i, g in enumerate(groups)],
        ["Peru", "Peru", "Tumbes", "Health", 692, 716, 2943, 3505, 7856, 5213, 2643],
        ["Peru", "Peru", "Tumbes", "Protection (GBV)", 711, 186, 2041, 154, 3092, 2247, 845],
        ["Peru", "Peru", "Piura", "Health", 1000, 1000, 4000, 4000, 10000, 8000, 2000],
        ["Peru", "Peru", "Country level", "Health", 117484, 121000, 500000, 590000, 1328484, 900000, 428484],
        ["Ecuador", "Ecuador", "El Oro", "Health", 10, 10, 10, 10, 40, 40, 0],
    ]
    target = [
        [f"Target {t}" if t != "Subsector" else t for t in titles]
        + [f"Target 2026 {g}" if i < 3 else f"Target {g}" for i, g in enumerate(groups)],
        ["Peru", "Peru", "Tumbes", "Health", 578, 587, 2133, 2090, 5388, 4656, 732],
        [
            "Peru",
            "Peru",
            "Tumbes",
            "Multipurpose Cash Assistance (MPC)",
            799,
            830,
            1872,
            1367,
            4868,
            4816,
            52,
        ],
    ]
    write(
        inbox / "GTRM" / "17_rmrp_pin_metas.xlsx",
        xlsx([("PiN 2026", pin), ("pinproportions", [["Country", "Admin1"]]), ("Target", target)]),
    )


def personal_data(inbox: Path) -> None:
    """Columns of personal data next to the figures, and DNI numbers where the figures go."""
    people = [
        ["periodo", "ubigeo", "indicador", "sexo", "valor", "Nombres y apellidos", "Contacto"],
        [month(7), "240101", "SAL-03", "F", 1, "María Pérez Gómez", "987654321"],
        [month(7), "240101", "SAL-03", "M", 1, "José Ramírez", "912345678"],
    ]
    write(inbox / "DIRESA" / "18_datos_personales.csv", csv_text(people).encode("utf-8"))
    dni = [
        ["periodo", "ubigeo", "indicador", "sexo", "valor"],
        [month(8), "240101", "SAL-03", "F", "45871236"],
        [month(8), "240101", "SAL-03", "M", "40125587"],
    ]
    write(inbox / "DIRESA" / "19_dni_en_valores.csv", csv_text(dni).encode("utf-8"))


def broken_and_hostile(inbox: Path) -> None:
    """Files that are broken, empty, not spreadsheets, oversized once unzipped, or oddly named."""
    good = xlsx([("Hoja1", [["periodo", "ubigeo", "indicador", "valor"], [P, "240101", "PRO-01", 1]])])
    write(inbox / "UNICEF" / "20_libro_danado.xlsx", good[: len(good) // 2])
    # A valid workbook whose one sheet expands to 3 MB (one huge cell): over the test's 2 MB limit.
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>' + b"x" * 3 * 2**20 + b"</t></is></c></row>"
        b"</sheetData></worksheet>"
    )
    write(
        inbox / "UNICEF" / "21_bomba_zip.xlsx",
        reproducible_zip(good, replace={"xl/worksheets/sheet1.xml": sheet}),
    )
    write(inbox / "MIGRACIONES" / "22_binario.csv", bytes(range(256)) * 8)
    write(inbox / "GORE" / "23_vacio.csv", b"")
    write(
        inbox / "GORE" / "24_solo_encabezados.csv",
        csv_text([["periodo", "ubigeo", "indicador", "valor"], ["", "", "", ""]]).encode("utf-8"),
    )
    write(inbox / "DIRESA" / "25_documento_word.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))
    write(inbox / "DIRESA" / "26_informe.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n")
    odd = [["periodo", "ubigeo", "indicador", "valor"], [month(10), "240102", "SAL-02", 3]]
    write(inbox / "DIRESA" / "-rf «versión final» (2) ñ.csv", csv_text(odd).encode("utf-8"))
    write(
        inbox / "DIRESA" / "2026" / "10" / "anidado.csv",
        csv_text([["periodo", "ubigeo", "indicador", "valor"], [month(3), "240103", "SAL-02", 1]]).encode(
            "utf-8"
        ),
    )
    write(inbox / "MUNICIPALIDAD" / "27_carpeta_desconocida.csv", csv_text(odd).encode("utf-8"))
    shutil.copyfile(
        inbox / "DIRESA" / "01_utf8_bom_punto_y_coma.csv", inbox / "DIRESA" / "zz_copia_del_01.csv"
    )


def previous_year(number: int) -> str:
    """A month of 2025, for the files added after the first corpus: no agency-month is reused."""
    return f"2025-{number:02d}"


def what_agencies_really_send(inbox: Path) -> None:
    """Ordinary files that broke the pipeline or got a wrong answer in its first month of real use:
    a hidden list sheet first, LibreOffice Calc, months across the columns, formulas without saved
    values, real dates, NUL padding, mixed line endings, headers as databases write them, two
    columns that disagree, a zip that is no workbook, a total above its rows by sex."""
    lists = [["distrito", "indicador"], ["Tumbes", "SAL-01"], ["Zarumilla", "SAL-02"]]
    data = [["periodo", "ubigeo", "indicador", "valor"], [previous_year(1), "240101", "SAL-01", 12]]
    workbook = xlsx([("Listas", lists), ("Datos", data)])
    write(inbox / "DIRESA" / "30_hoja_oculta_de_listas.xlsx", hide_sheet(workbook, "Listas"))
    write(
        inbox / "MIMP" / "31_libreoffice.ods",
        ods_bytes(
            (
                "Hoja1",
                [["periodo", "distrito", "indicador", "valor"], [previous_year(2), "Tumbes", "VBG-02", 4]],
            )
        ),
    )
    across = [["ubigeo", "indicador", "Agosto", "Setiembre", "Octubre"], ["240101", "SAL-01", 10, 12, 9]]
    write(inbox / "DIRESA" / "32_meses_en_columnas.xlsx", xlsx([("Reporte", across)]))
    formulas = [
        ["periodo", "ubigeo", "indicador", "sexo", "valor"],
        [previous_year(3), "240101", "SAL-01", "F", 7],
        [previous_year(3), "240101", "SAL-01", "M", "=3+4"],  # written by a script: no saved value
    ]
    write(inbox / "DIRESA" / "33_formulas_sin_valor.xlsx", xlsx([("Hoja1", formulas)]))
    dates = [
        ["periodo", "ubigeo", "indicador", "valor"],
        [dt.datetime(2025, 4, 15), "240101", "DOC-02", 30],  # a date in the month, not its first day
        [dt.datetime(2025, 4, 30, 18, 30), "240302", "DOC-02", 21],
    ]
    write(inbox / "MIGRACIONES" / "34_fechas_en_el_periodo.xlsx", xlsx([("Hoja1", dates)]))
    padded = csv_text(
        [["periodo", "ubigeo", "indicador", "valor"], [previous_year(5), "240101", "TRA-01", 2]]
    )
    write(inbox / "PNP" / "35_relleno_nulo.csv", padded.encode("utf-8") + b"\x00" * 2048)
    endings = (
        "periodo,ubigeo,indicador,valor\r\n"
        f"{previous_year(6)},240101,INT-01,5\n"  # Unix
        f"{previous_year(6)},240102,INT-01,3\r"  # old Mac
        f"{previous_year(6)},240103,INT-01,1\r\n"  # Windows
    )
    write(inbox / "MTPE" / "36_finales_de_linea_mezclados.csv", endings.encode("utf-8"))
    database = [
        ["periodo", "cod_ubigeo", "indicador", "sexo", "grupo_edad", "tipo_poblacion", "valor"],
        [previous_year(7), "240101", "SAL-02", "F", "18-59", "destino", 40],
        [previous_year(7), "240101", "SAL-02", "M", "18-59", "destino", 35],
        [previous_year(7), "240101", "SAL-02", "F", "18-59", "transito", 6],
    ]
    write(inbox / "DIRESA" / "37_encabezados_de_base_de_datos.csv", csv_text(database).encode("utf-8"))
    typo = [
        ["periodo", "ubigeo", "indicador", "sexo", "grupo de edd", "valor"],
        [previous_year(8), "240101", "SAL-02", "F", "60+", 4],
    ]
    write(inbox / "DIRESA" / "38_titulo_con_error.csv", csv_text(typo).encode("utf-8"))
    conflict = [
        ["periodo", "ubigeo", "distrito", "indicador", "valor"],
        [previous_year(9), "240101", "Tumbes", "EDU-01", 50],
        [previous_year(9), "240301", "Aguas Verdes", "EDU-01", 20],  # 240301 is Zarumilla
    ]
    write(inbox / "DRE" / "39_columnas_en_conflicto.csv", csv_text(conflict).encode("utf-8"))
    write(inbox / "GORE" / "40_documento_comprimido.xlsx", zipped_document())
    by_sex = [
        ["periodo", "ubigeo", "indicador", "sexo", "valor"],
        [previous_year(10), "240101", "DOC-01", "", 30],
        [previous_year(10), "240101", "DOC-01", "F", 11],
        [previous_year(10), "240101", "DOC-01", "M", 10],
    ]
    write(inbox / "CANCILLERIA" / "41_total_mayor_que_por_sexo.csv", csv_text(by_sex).encode("utf-8"))


def zipped_document() -> bytes:
    """A Word document (a zip, like a workbook) saved with the .xlsx extension."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in (
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", b"<document>Informe de octubre</document>"),
        ):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 11, 3, 8, 0, 0)), content)
    return buffer.getvalue()


def hide_sheet(workbook: bytes, sheet: str) -> bytes:
    """The workbook with one sheet hidden, as agencies' templates hide their lists."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(workbook))
    book[sheet].sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return reproducible_zip(buffer.getvalue())


WRITERS: list[Callable[[Path], None]] = [
    mesa_template_variants,
    workbooks,
    districts_and_groups,
    r4v_files,
    personal_data,
    broken_and_hostile,
    what_agencies_really_send,
]


def write_corpus(inbox: Path) -> list[Path]:
    """(Re)write the whole corpus under `inbox`; returns the files written."""
    if inbox.exists():
        shutil.rmtree(inbox)
    for writer in WRITERS:
        writer(inbox)
    return sorted(path for path in inbox.rglob("*") if path.is_file())


def main() -> None:
    for path in write_corpus(INBOX):
        print(path.relative_to(INBOX))


if __name__ == "__main__":
    main()
