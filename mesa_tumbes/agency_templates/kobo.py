"""The Mesa template as a KoboToolbox form (`mesa plantillas --kobo`): an XLSForm (survey, choices
and settings sheets) with the template's fields and choice lists, labels in the reader's language,
so that an agency can report in Kobo Collect or Enketo. Each submission is one row of the template;
the intake pulls them (pipeline/sources.py) and reads each agency's month as a template file.

A choice's name is the code the intake reads back (an INEI code, a catalogue code, a vocabulary
code); its label is what the agency reads."""

from __future__ import annotations

import re
from pathlib import Path

from mesa_tumbes.core.contract import TEMPLATE_VERSION
from mesa_tumbes.core.i18n import strings
from mesa_tumbes.core.reference import Reference

# The template's fields -> the form's question names (what Kobo's API returns), in the file's order.
KOBO_FIELDS = {
    "agency": "agencia",
    "period": "periodo",
    "district": "distrito",
    "indicator": "indicador",
    "sex": "sexo",
    "age_group": "grupo_edad",
    "population_type": "tipo_poblacion",
    "value": "valor",
    "notes": "observaciones",
}
LISTED = ("agency", "district", "indicator", "sex", "age_group", "population_type")
# A choice name must be an XML name-like token: what is not is spelled with underscores.
NOT_IN_NAME = re.compile(r"[^A-Za-z0-9_.\-]")


def choice_name(code: str) -> str:
    """The choice's name for a code: the code itself where it is a valid name ("SAL-01", "240101");
    otherwise its characters made safe ("<18" -> "lt18"). Read back by `reference.*_code`."""
    return NOT_IN_NAME.sub("_", code.replace("<", "lt").replace("+", "plus"))


def write_xlsform(folder: Path, reference: Reference, lang: str) -> Path:
    """Write the XLSForm into `folder`; returns its path."""
    import xlsxwriter

    said = strings(lang)["template"]["kobo"]
    titles = {column.field: column.title[lang] for column in reference.columns}
    required = {column.field for column in reference.columns if column.required} | {"agency"}
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / str(said["file"])
    workbook = xlsxwriter.Workbook(str(target), {"strings_to_numbers": False, "strings_to_formulas": False})
    survey = workbook.add_worksheet("survey")
    choices = workbook.add_worksheet("choices")
    settings = workbook.add_worksheet("settings")
    label = f"label::{said['language']}"
    survey.write_row(0, 0, ["type", "name", label, f"hint::{said['language']}", "required", "constraint",
                            f"constraint_message::{said['language']}"])  # fmt: skip
    row = 1
    for field_name, question in KOBO_FIELDS.items():
        kind = f"select_one {field_name}" if field_name in LISTED else "text"
        constraint, message = "", ""
        if field_name == "period":
            constraint, message = r"regex(., '^[0-9]{4}-(0[1-9]|1[0-2])$')", said["period_message"]
        elif field_name == "value":
            kind, constraint, message = "decimal", ". >= 0", said["value_message"]
        hint = said["hints"].get(field_name, "")
        survey.write_row(
            row,
            0,
            [kind, question, titles[field_name].capitalize(), hint, "yes" if field_name in required else "",
             constraint, message],
        )  # fmt: skip
        row += 1
    choices.write_row(0, 0, ["list_name", "name", label])
    row = 1
    for field_name, entries in _lists(reference, lang).items():
        for code, shown in entries:
            choices.write_row(row, 0, [field_name, choice_name(code), shown])
            row += 1
    settings.write_row(0, 0, ["form_title", "form_id", "version", "default_language"])
    settings.write_row(1, 0, [said["title"], "mesa_tumbes_plantilla", TEMPLATE_VERSION, said["language"]])
    workbook.close()
    return target


def _lists(reference: Reference, lang: str) -> dict[str, list[tuple[str, str]]]:
    """(code, label) of each listed field's choices."""
    labels = strings(lang)["template"]["choices"]
    return {
        "agency": [(agency.code, f"{agency.code} - {agency.name}") for agency in reference.agencies],
        "district": [(district.inei, district.choice) for district in reference.districts],
        "indicator": [(indicator.code, indicator.choice(lang)) for indicator in reference.indicators],
        **{
            column: [
                (code, labels.get(column, {}).get(code, code)) for code in reference.vocabularies[column]
            ]
            for column in ("sex", "age_group", "population_type")
        },
    }


def codes_of_choices(reference: Reference) -> dict[str, dict[str, str]]:
    """Per listed field, each choice's name -> the code it stands for (what the intake reads)."""
    return {
        field_name: {choice_name(code): code for code, _ in entries}
        for field_name, entries in _lists(reference, "es").items()
    }
