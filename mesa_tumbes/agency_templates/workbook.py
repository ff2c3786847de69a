"""The Mesa template an agency fills in (`mesa plantillas`): an Excel workbook whose data sheet has the
template's columns with choice lists (district, the agency's own indicators, sex, age band,
population type) from a hidden lists sheet, whole numbers of 0 or more for values, the period filled
in, the header protected, instructions in the agency's language, and the version mark the intake
recognises when the file comes back.

Every list entry is one the intake reads back as its code (core/reference.py registers the same
labels): a filled template loads as the Mesa template with nothing to say about the template itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mesa_tumbes.core.contract import TEMPLATE_MARK, TEMPLATE_VERSION
from mesa_tumbes.core.i18n import strings, text
from mesa_tumbes.core.reference import Reference

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

# Rows ready for data under the header (the lists, the number rule and the period reach this far).
DATA_ROWS = 5_000
# The data sheet: a title, a line of guidance, then the header.
HEADER_ROW = 2  # 0-based: the third row
# The template's columns, in order; the agency is the folder (or e-mail address) it is sent from.
COLUMNS = ("period", "district", "indicator", "sex", "age_group", "population_type", "value", "notes")
LISTED = ("district", "indicator", "sex", "age_group", "population_type")
WIDTHS = {"period": 10, "district": 28, "indicator": 60, "value": 10, "notes": 40}


@dataclass(frozen=True)
class Choices:
    """What each listed column offers, as the agency sees it."""

    lists: dict[str, list[str]]
    decimals: bool  # one of the agency's indicators allows decimals


def choices(reference: Reference, agency: str, lang: str) -> Choices:
    """The lists of one agency's template: every district of the region (code and name), only the
    indicators its reporting calendar expects of it (every indicator when it has none), and the
    words of the coded columns."""
    expected = {code for entry in reference.calendar if entry.agency == agency for code in entry.indicators}
    indicators = [i for i in reference.indicators if not expected or i.code in expected]
    labels = strings(lang)["template"]["choices"]
    lists = {
        "district": [district.choice for district in reference.districts],
        "indicator": [indicator.choice(lang) for indicator in indicators],
        **{
            column: [labels.get(column, {}).get(code, code) for code in reference.vocabularies[column]]
            for column in ("sex", "age_group", "population_type")
        },
    }
    return Choices(lists, any(indicator.decimals for indicator in indicators))


def file_name(agency: str, period: str | None, lang: str) -> str:
    stem = text(lang, "template.file_stem")
    return f"{stem}-{agency.lower()}{f'-{period}' if period else ''}.xlsx"


def is_current_template(path: Path) -> bool:
    """Whether `path` is a template of the current version (its document properties say so), read
    without opening the workbook: an agency's template is written once, not for every file."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            properties = archive.read("docProps/custom.xml").decode("utf-8")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    return TEMPLATE_MARK in properties and f">{TEMPLATE_VERSION}<" in properties


def write_template(folder: Path, reference: Reference, agency: str, period: str | None, lang: str) -> Path:
    """Write the agency's template into `folder`; returns its path."""
    import xlsxwriter

    folder.mkdir(parents=True, exist_ok=True)
    target = folder / file_name(agency, period, lang)
    said = strings(lang)["template"]
    offered = choices(reference, agency, lang)
    workbook = xlsxwriter.Workbook(str(target), {"strings_to_numbers": False, "strings_to_formulas": False})
    workbook.set_properties({"title": said["title"].format(agency=agency), "company": said["author"]})
    workbook.set_custom_property(TEMPLATE_MARK, TEMPLATE_VERSION)
    data = workbook.add_worksheet(said["data_sheet"])
    instructions = workbook.add_worksheet(said["instructions_sheet"])
    lists = workbook.add_worksheet(said["lists_sheet"])
    ranges = _write_lists(lists, offered, agency, period, said)
    lists.hide()
    _write_data(workbook, data, reference, agency, period, lang, offered, ranges)
    _write_instructions(workbook, instructions, agency, period, lang)
    data.activate()
    workbook.close()
    return target


def _write_lists(
    sheet: Worksheet, offered: Choices, agency: str, period: str | None, said: dict[str, Any]
) -> dict[str, str]:
    """The hidden sheet: the version mark in its first row, then one list per column. Returns the
    range of each list, for the data sheet's validations."""
    from xlsxwriter.utility import quote_sheetname, xl_range_abs

    sheet.write_row(0, 0, [TEMPLATE_MARK, TEMPLATE_VERSION, agency, period or ""])
    ranges = {}
    for position, column in enumerate(LISTED):
        values = offered.lists[column]
        sheet.write_string(1, position, said["lists"][column])
        sheet.write_column(2, position, values)
        cells = xl_range_abs(2, position, 1 + len(values), position)
        ranges[column] = f"={quote_sheetname(sheet.name)}!{cells}"
    return ranges


def _write_data(
    workbook: Workbook,
    sheet: Worksheet,
    reference: Reference,
    agency: str,
    period: str | None,
    lang: str,
    offered: Choices,
    ranges: dict[str, str],
) -> None:
    said = strings(lang)["template"]
    titles = {column.field: column.title[lang] for column in reference.columns}
    bold = workbook.add_format({"bold": True, "font_size": 13})
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "locked": True})
    open_cell = workbook.add_format({"locked": False, "num_format": "@"})
    number = workbook.add_format({"locked": False})
    agency_name = next((a.name for a in reference.agencies if a.code == agency), agency)
    sheet.write_string(0, 0, said["title"].format(agency=agency_name))
    sheet.set_row(0, 20, bold)
    guidance = said["guidance_period"].format(period=period) if period else said["guidance"]
    sheet.write_string(1, 0, guidance)
    first, last = HEADER_ROW + 1, HEADER_ROW + DATA_ROWS
    for position, column in enumerate(COLUMNS):
        cell_format = number if column == "value" else open_cell
        sheet.set_column(position, position, WIDTHS.get(column, 16), cell_format)
        sheet.write_string(HEADER_ROW, position, titles[column], header)
        if column in ranges:
            sheet.data_validation(
                first,
                position,
                last,
                position,
                {
                    "validate": "list",
                    "source": ranges[column],
                    "input_title": titles[column],
                    "input_message": said["input"][column],
                    "error_title": titles[column],
                    "error_message": said["error_list"],
                },
            )
    value = COLUMNS.index("value")
    sheet.data_validation(
        first,
        value,
        last,
        value,
        {
            "validate": "decimal" if offered.decimals else "integer",
            "criteria": ">=",
            "value": 0,
            "input_title": titles["value"],
            "input_message": said["input"]["value"],
            "error_title": titles["value"],
            "error_message": said["error_value"],
        },
    )
    if period:
        sheet.write_column(first, COLUMNS.index("period"), [period] * DATA_ROWS, open_cell)
    sheet.freeze_panes(first, 0)
    sheet.protect("", {"insert_rows": True, "delete_rows": True, "sort": True, "autofilter": True})


def _write_instructions(
    workbook: Workbook, sheet: Worksheet, agency: str, period: str | None, lang: str
) -> None:
    said = strings(lang)["template"]
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    bold = workbook.add_format({"bold": True, "font_size": 13})
    sheet.set_column(0, 0, 110, wrap)
    sheet.write_string(0, 0, said["instructions_title"], bold)
    lines = [line.format(agency=agency, period=period or "AAAA-MM") for line in said["instructions"]]
    lines.append(said["version"].format(version=TEMPLATE_VERSION))
    for number, line in enumerate(lines, start=2):
        sheet.write_string(number, 0, line, wrap)
    sheet.protect()
