"""The bulletin written out: one self-contained HTML page (charts as inline SVG, no file or network
needed to open it), the same page laid out for A4 as PDF, and each table as a sheet of a workbook.

Charts are Vega-Altair specifications rendered to SVG by vl-convert (no browser, no internet); the
PDF is WeasyPrint's rendering of the same HTML; the workbook is written by XlsxWriter. None of them
is drawn or laid out by hand here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment
from markupsafe import Markup

from mesa_tumbes.core import templating
from mesa_tumbes.core.boundaries import load_boundaries
from mesa_tumbes.core.files import write_folder
from mesa_tumbes.core.i18n import strings, text
from mesa_tumbes.publication.bulletin import Bulletin, Section, Suppressed, number
from mesa_tumbes.publication.maps import DistrictFigures, gaps_chart, reach_chart

TEMPLATES_DIR = Path(__file__).parent / "templates"
CHART_WIDTH = 420
# Sector names are long ("Transferencias Multipropósito"): their labels may take this many pixels.
LABEL_LIMIT = 240
# The page's font (Debian's fonts-dejavu, which WeasyPrint and the charts both find).
FONT = "DejaVu Sans"
BAR_HEIGHT = 22
# Columns the workbook keeps and the page leaves to the section's glossary: an agency's full name
# would make a row five lines high and push the table past the paper's edge.
PAGE_LEAVES_OUT = {"agency_name"}


@dataclass(frozen=True)
class BulletinFiles:
    folder: Path
    html: Path
    pdf: Path
    xlsx: Path


def write_bulletin(bulletin: Bulletin, root: Path) -> BulletinFiles:
    """root/<period>/boletin.{html,pdf,xlsx} (names in the reader's language), written into a
    temporary folder that then takes the period's name: the three appear together or not at all."""
    names = strings(bulletin.lang)["bulletin"]["files"]

    def write(folder: Path) -> None:
        page = render_html(bulletin)
        (folder / names["html"]).write_text(page, encoding="utf-8")
        write_pdf(page, folder / names["pdf"])
        write_workbook(bulletin, folder / names["xlsx"])

    target = write_folder(root / bulletin.period, write)
    return BulletinFiles(target, target / names["html"], target / names["pdf"], target / names["xlsx"])


# --- Charts --------------------------------------------------------------------------------------


def svg(chart: Any, lang: str) -> Markup:
    """A chart as inline SVG, rendered without a browser or the internet; its text measured in the
    font the page is set in (so that WeasyPrint's rendering keeps the labels inside), its numbers
    written as the reader writes them."""
    import vl_convert

    locale = {
        "decimal": text(lang, "bulletin.decimal"),
        "thousands": text(lang, "bulletin.thousands"),
        "grouping": [3],
        "currency": ["", ""],
    }
    spec = chart.configure(font=FONT).to_dict()
    return Markup(vl_convert.vegalite_to_svg(spec, format_locale=locale))


def coverage_chart(rows: pd.DataFrame, lang: str) -> Markup | None:
    if rows.empty:
        return None
    import altair as alt

    base = alt.Chart(rows).encode(
        y=alt.Y("sector_label:N", sort="x", title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
        x=alt.X("coverage_pct:Q", title=text(lang, "bulletin.charts.coverage_axis")),
    )
    bars = base.mark_bar(color="#2f6f9f")
    labels = base.mark_text(align="left", dx=3).encode(text=alt.Text("coverage_pct:Q", format=".1f"))
    return svg((bars + labels).properties(width=CHART_WIDTH, height=BAR_HEIGHT * len(rows)), lang)


def target_chart(rows: pd.DataFrame, lang: str) -> Markup | None:
    if rows.empty:
        return None
    import altair as alt

    base = alt.Chart(rows).encode(
        y=alt.Y("sector_label:N", sort="x", title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT))
    )
    bars = base.mark_bar(color="#4c9a6a").encode(
        x=alt.X("target_pct:Q", title=text(lang, "bulletin.charts.target_axis"))
    )
    expected = base.mark_tick(color="#b44d12", thickness=3, size=BAR_HEIGHT).encode(x="expected_pct:Q")
    labels = base.mark_text(align="left", dx=3).encode(
        x="target_pct:Q", text=alt.Text("target_pct:Q", format=".1f")
    )
    return svg((bars + expected + labels).properties(width=CHART_WIDTH, height=BAR_HEIGHT * len(rows)), lang)


def trend_chart(rows: pd.DataFrame, lang: str) -> Markup | None:
    return month_lines(
        rows, lang, ("people_reached", "bulletin.charts.reached_axis"), "sector_label", (CHART_WIDTH, 240), 2
    )


def month_lines(
    rows: pd.DataFrame,
    lang: str,
    figure: tuple[str, str],
    series: str,
    size: tuple[int, int],
    legend_columns: int | None = None,
) -> Markup | None:
    """A line per `series`, month by month (`period`): `figure` is the column drawn and the locales'
    key of its axis title; `size` the width and height. None when there is nothing to draw."""
    if rows.empty:
        return None
    import altair as alt

    column, title = figure
    legend = (
        alt.Legend(orient="bottom", columns=legend_columns) if legend_columns else alt.Legend(orient="bottom")
    )
    chart = (
        alt.Chart(rows)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:O", title=text(lang, "bulletin.charts.month_axis")),
            y=alt.Y(f"{column}:Q", title=text(lang, title)),
            color=alt.Color(f"{series}:N", title=None, legend=legend),
        )
        .properties(width=size[0], height=size[1])
    )
    return svg(chart, lang)


@dataclass(frozen=True)
class Map:
    """A map as the page shows it: the drawing (None when there is nothing to draw) and what is
    said under it (a district without limits, a month without figures)."""

    key: str
    drawing: Markup | None
    notes: list[str]


def maps(bulletin: Bulletin, month: str) -> list[Map]:
    """The month's two maps: sectors without service, and people reached, per district."""
    gaps, reach = bulletin.district_gaps, bulletin.district_reach
    if gaps is None or reach is None:
        return []
    lang, boundaries = bulletin.lang, load_boundaries()
    if gaps.empty:
        return [Map("gaps", None, [text(lang, "maps.no_data", month=month)])]
    return [
        Map("gaps", svg(gaps_chart(gaps, boundaries, lang, month), lang), _notes(gaps, lang, "gaps_note")),
        Map(
            "reach",
            svg(reach_chart(reach, boundaries, lang, month, bulletin.reach_notes), lang),
            _notes(reach, lang, "reach_note"),
        ),
    ]


def _notes(figures: DistrictFigures, lang: str, key: str) -> list[str]:
    """What is said under a map: what it shows, and the districts it could not draw."""
    notes = [text(lang, f"maps.{key}")]
    if figures.unmapped:
        notes.append(text(lang, "maps.unmapped", districts=", ".join(figures.unmapped)))
    return notes


# --- HTML and PDF --------------------------------------------------------------------------------


def _environment() -> Environment:
    return templating.pages(TEMPLATES_DIR)


def render_html(bulletin: Bulletin) -> str:
    lang = bulletin.lang
    t = strings(lang)["bulletin"]
    month = text(
        lang,
        "reminder.month",
        month=strings(lang)["reminder"]["months"][int(bulletin.period[5:]) - 1],
        year=bulletin.year,
    )
    return (
        _environment()
        .get_template("bulletin.html.j2")
        .render(
            lang=lang,
            t=t,
            say=partial(text, lang),
            b=bulletin,
            month=month,
            as_of=bulletin.as_of.strftime(text(lang, "reminder.date_format")),
            cell=lambda value, column: cell(value, column, lang),
            printed=printed,
            maps=maps(bulletin, month),
            charts={
                "coverage": coverage_chart(bulletin.coverage_chart_rows, lang),
                "target": target_chart(bulletin.target_chart_rows, lang),
                "trend": trend_chart(bulletin.trend, lang),
            },
            title=text(lang, "bulletin.title", month=month),
            method=[
                text(lang, f"bulletin.method.{key}", threshold=bulletin.threshold, year=bulletin.year)
                for key in t["method"]
            ],
        )
    )


# Columns shown with decimals (percentages and percentage points); the others are whole numbers.
DECIMAL_COLUMNS = {
    "coverage_pct",
    "target_pct",
    "expected_pct",
    "attended_pct",
    "share_reached",
    "share_need",
    "gap_points",
}


def printed(section: Section) -> list[int]:
    """The positions of the section's columns that the page shows."""
    return [index for index, column in enumerate(section.columns) if column not in PAGE_LEAVES_OUT]


def cell(value: object, column: str, lang: str) -> str:
    """A table cell as the page shows it."""
    if isinstance(value, Suppressed):
        return str(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    return number(value, lang, 1 if column in DECIMAL_COLUMNS else 0)


def write_pdf(page: str, target: Path) -> None:
    """The same page laid out for A4 (the template's print styles), by WeasyPrint."""
    from weasyprint import HTML

    HTML(string=page, base_url=str(TEMPLATES_DIR)).write_pdf(target)


# --- Workbook ------------------------------------------------------------------------------------


def write_workbook(bulletin: Bulletin, target: Path) -> None:
    """Each table as a sheet, with the reader's headers and labels (names, not codes), figures as
    numbers and hidden cells as the marker."""
    import xlsxwriter

    lang = bulletin.lang
    t = strings(lang)["bulletin"]
    workbook = xlsxwriter.Workbook(str(target), {"strings_to_formulas": False, "strings_to_urls": False})
    bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#f0f4f8"})
    whole = workbook.add_format({"num_format": "#,##0"})
    decimal = workbook.add_format({"num_format": "0.0"})
    messages = workbook.add_worksheet(t["sheets"]["messages"])
    messages.write_string(0, 0, text(lang, "bulletin.key_messages"), bold)
    for row, message in enumerate(bulletin.key_messages, start=1):
        messages.write_string(row, 0, message)
    messages.set_column(0, 0, 120)
    for section in bulletin.sections.values():
        sheet = workbook.add_worksheet(t["sheets"][section.key])
        for column, key in enumerate(section.columns):
            sheet.write_string(0, column, t["columns"][key], bold)
            sheet.set_column(column, column, 14 if column else 34)
        for row, values in enumerate(section.rows, start=1):
            for column, value in enumerate(values):
                _write(
                    sheet,
                    row,
                    column,
                    value,
                    decimal if section.columns[column] in DECIMAL_COLUMNS else whole,
                )
        for offset, note in enumerate([*section.warnings, *section.notes], start=len(section.rows) + 2):
            sheet.write_string(offset, 0, note)
    workbook.close()


def _write(sheet: Any, row: int, column: int, value: object, style: Any) -> None:
    if value is None:
        return
    if isinstance(value, Suppressed | bool) or not isinstance(value, int | float):
        sheet.write_string(row, column, str(value))
    elif not pd.isna(value):
        sheet.write_number(row, column, float(value), style)
