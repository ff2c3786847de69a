"""Where the gaps are, district by district: the figures a map shows, the maps of the bulletin
(Vega-Altair geoshapes, rendered offline like every chart of the bulletin), the console's map (the
same shapes and colours as server-rendered SVG paths, so that each district links within the
console's page), and the territorial gaps as GeoJSON for `mesa export`.

A map never says more than the tables it comes from: its figures are the protected marts' (a hidden
count is drawn as the suppression class, never as a colour of the scale or a label), and a district
whose reports cannot tell is drawn as such, never as a district without gaps.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from mesa_tumbes.core.boundaries import Boundaries, Shape
from mesa_tumbes.core.i18n import number as written_number
from mesa_tumbes.core.i18n import text
from mesa_tumbes.publication.export import INTERSECTOR, Protected

# Statuses of gap_territorial that say whether a sector has a service in a district; the others
# (not_due_yet, not_reported) cannot tell.
TELLING = ("service_in_district", "service_in_wider_area", "no_service")
# ColorBrewer's Oranges and Blues (sequential, print-safe, darker in grey as they grow); a district
# whose reports cannot tell is light grey, and a protected count the grey of the marker.
ORANGES = ("#fee6ce", "#fdd0a2", "#fdae6b", "#fd8d3c", "#f16913", "#d94801", "#a63603", "#7f2704")
BLUES = ("#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")
UNKNOWN = "#d9d9d9"
HIDDEN = "#969696"
MAP_WIDTH = 380
MAP_HEIGHT = 400


State = Literal["value", "hidden", "unknown"]


@dataclass(frozen=True)
class District:
    """A district's figure on a map: its value, or why there is none (`hidden`: the published tables
    hide it; `unknown`: its reports cannot tell)."""

    district: str
    district_name: str
    value: int | None
    state: State
    sectors: tuple[str, ...] = ()  # the gaps map: the sectors without service
    not_reported: tuple[str, ...] = ()  # the gaps map: the sectors whose reports cannot tell


@dataclass(frozen=True)
class DistrictFigures:
    """One map's figures: the month's districts, and the names of those without a shape."""

    period: str
    rows: tuple[District, ...]
    unmapped: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.rows

    def codes(self) -> list[str]:
        return [row.district for row in self.rows]


def gaps_by_district(territorial: pd.DataFrame, period: str, boundaries: Boundaries) -> DistrictFigures:
    """Per district of the month: how many sectors with need had no service reported in it nor for
    its province or the department (gap_territorial's is_service_desert), or `unknown` when none
    of its sectors' reports can tell yet."""
    month = territorial.loc[territorial["period"] == period]
    rows = []
    for (district, name), sectors in month.groupby(["district", "district_name"], sort=True):
        telling = sectors["gap_status"].isin(TELLING)
        deserts = sectors.loc[sectors["is_service_desert"].astype(bool), "sector"]
        known = bool(telling.any())
        rows.append(
            District(
                district=str(district),
                district_name=str(name),
                value=len(deserts) if known else None,
                state="value" if known else "unknown",
                sectors=tuple(sorted(str(sector) for sector in deserts)),
                not_reported=tuple(sorted(str(s) for s in sectors.loc[~telling, "sector"])),
            )
        )
    return DistrictFigures(period, tuple(rows), _unmapped(rows, boundaries))


def reached_by_district(
    coverage: Protected, gaps: DistrictFigures, period: str, boundaries: Boundaries
) -> DistrictFigures:
    """Per district of the month: people reached in it (R4V's intersector figure: the largest
    sector), `hidden` where the published tables hide it, 0 where its reports are in and nobody
    reported reaching anyone in it, `unknown` where they cannot tell."""
    frame = coverage.frame
    chosen = frame.loc[
        (frame["sector"] == INTERSECTOR)
        & (frame["admin_level"] == "district")
        & (frame["group_code"] == "total")
        & (frame["period"] == period)
    ]
    hidden = coverage.is_hidden("people_reached").loc[chosen.index]
    reached: dict[str, tuple[float, bool]] = {
        str(code): (float(value), bool(is_hidden))
        for code, value, is_hidden in zip(chosen["area_code"], chosen["people_reached"], hidden, strict=True)
    }
    rows = []
    for district in gaps.rows:
        value, is_hidden = reached.get(district.district, (math.nan, False))
        shown: int | None
        state: State
        if is_hidden:
            shown, state = None, "hidden"
        elif not math.isnan(value):
            shown, state = round(value), "value"
        elif district.state == "value":
            shown, state = 0, "value"
        else:
            shown, state = None, "unknown"
        rows.append(District(district.district, district.district_name, shown, state))
    return DistrictFigures(period, tuple(rows), gaps.unmapped)


def _unmapped(rows: list[District], boundaries: Boundaries) -> tuple[str, ...]:
    missing = set(boundaries.mismatch(row.district for row in rows).missing)
    return tuple(sorted(row.district_name for row in rows if row.district in missing))


# --- Colours -------------------------------------------------------------------------------------


def shade(palette: tuple[str, ...], value: float, top: float) -> str:
    """The palette's colour of `value` on a scale from 0 to `top` (classes of equal width)."""
    if top <= 0:
        return palette[0]
    return palette[min(len(palette) - 1, math.floor(value / top * (len(palette) - 1) + 0.5))]


def colours(figures: DistrictFigures, palette: tuple[str, ...]) -> dict[str, str]:
    """Each district's fill: its value's shade, or the grey of its state."""
    top = float(max((row.value for row in figures.rows if row.value is not None), default=0))
    return {
        row.district: shade(palette, float(row.value), top)
        if row.value is not None
        else (HIDDEN if row.state == "hidden" else UNKNOWN)
        for row in figures.rows
    }


def label(row: District, lang: str) -> str:
    """What the map writes under a district's name: its value, the marker, or a dash."""
    if row.state == "hidden":
        return text(lang, "maps.hidden_label")
    if row.value is None:
        return "—"
    return written_number(float(row.value), lang, 0)


# --- The bulletin's maps (Vega-Altair) -----------------------------------------------------------


def _d3_rings(geometry: dict[str, Any]) -> dict[str, Any]:
    """The shape with its rings wound as d3-geo (Vega's projection) reads them: clockwise outside,
    the opposite of RFC 7946, or a ring would fill the whole plane."""
    wound = [[list(reversed(ring)) for ring in polygon] for polygon in _polygons(geometry)]
    return {"type": "MultiPolygon", "coordinates": wound}


def _features(
    figures: DistrictFigures, shapes: tuple[Shape, ...], extra: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    by_district = {shape.district: shape for shape in shapes}
    return [
        {
            "type": "Feature",
            "geometry": _d3_rings(by_district[row.district].geometry),
            "properties": {
                "district": row.district,
                "district_name": row.district_name,
                "value": row.value,
                "state": row.state,
                **extra.get(row.district, {}),
            },
        }
        for row in figures.rows
        if row.district in by_district
    ]


def is_dark(colour: str) -> bool:
    """Whether text on this fill reads better in white (relative luminance, sRGB approximated)."""
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    luminance: float = 0.2126 * red**2.2 + 0.7152 * green**2.2 + 0.0722 * blue**2.2
    return luminance < 0.25


def _labels(
    figures: DistrictFigures, shapes: tuple[Shape, ...], lang: str, dark: set[str]
) -> list[dict[str, Any]]:
    by_district = {shape.district: shape for shape in shapes}
    return [
        {
            "lon": by_district[row.district].label_lon,
            "lat": by_district[row.district].label_lat,
            "lines": [row.district_name, label(row, lang)],
            "ink": "#ffffff" if row.district in dark else "#1f2933",
        }
        for row in figures.rows
        if row.district in by_district
    ]


def _inline(values: list[dict[str, Any]]) -> dict[str, Any]:
    """Values written into the chart's specification (no file, no network)."""
    return {"values": values}


def _title(lang: str, key: str, month: str, notes: list[str]) -> Any:
    import altair as alt

    return alt.TitleParams(
        text=text(lang, f"maps.{key}_title", month=month),
        subtitle=[*notes, text(lang, "maps.source")],
        anchor="start",
        fontSize=12,
        subtitleFontSize=9,
        subtitleColor="#52606d",
    )


def gap_classes(figures: DistrictFigures, lang: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The gaps map's classes, for the bulletin's chart and the console's map alike: each district's
    (its count, or that its reports cannot tell), and the legend's, in order, with their colours."""
    unknown = text(lang, "maps.unknown")
    fills = colours(figures, ORANGES)
    classes = {row.district: str(row.value) if row.value is not None else unknown for row in figures.rows}
    palette = {classes[district]: fill for district, fill in fills.items()}
    counted = sorted((name for name in palette if name != unknown), key=int)
    return classes, [(name, palette[name]) for name in [*counted, *([unknown] if unknown in palette else [])]]


def gaps_chart(figures: DistrictFigures, boundaries: Boundaries, lang: str, month: str) -> Any:
    """A choropleth of the sectors without service per district: one class per count, named in the
    legend, and a class for districts whose reports cannot tell."""
    import altair as alt

    shapes = boundaries.of(figures.codes())
    classes, legend = gap_classes(figures, lang)
    extra = {district: {"class": klass} for district, klass in classes.items()}
    shapes_layer = (
        alt.Chart(_inline(_features(figures, shapes, extra)))
        .mark_geoshape(stroke="#1f2933", strokeWidth=0.6)
        .encode(
            color=alt.Color(
                "properties.class:N",
                scale=alt.Scale(domain=[name for name, _ in legend], range=[fill for _, fill in legend]),
                legend=alt.Legend(title=text(lang, "maps.gaps_legend"), orient="right", labelLimit=200),
            )
        )
    )
    fills = dict(legend)
    dark = {district for district, klass in classes.items() if is_dark(fills[klass])}
    return _with_labels(shapes_layer, figures, shapes, lang, dark, _title(lang, "gaps", month, []))


def reach_chart(
    figures: DistrictFigures, boundaries: Boundaries, lang: str, month: str, notes: list[str]
) -> Any:
    """A choropleth of people reached per district: a blue scale for the counts, and the marker's
    grey (a protected count) and the light grey (reports that cannot tell) as classes apart."""
    import altair as alt

    shapes = boundaries.of(figures.codes())
    states = {"hidden": text(lang, "maps.hidden"), "unknown": text(lang, "maps.unknown")}
    extra = {row.district: {"class": states.get(row.state, "")} for row in figures.rows}
    features = _features(figures, shapes, extra)
    counted = [feature for feature in features if feature["properties"]["state"] == "value"]
    apart = [feature for feature in features if feature["properties"]["state"] != "value"]
    top = max([feature["properties"]["value"] for feature in counted] or [0])
    layers = []
    if counted:
        layers.append(
            alt.Chart(_inline(counted))
            .mark_geoshape(stroke="#1f2933", strokeWidth=0.6)
            .encode(
                color=alt.Color(
                    "properties.value:Q",
                    # five classes of equal width, named in the legend (a gradient does not print)
                    scale=alt.Scale(
                        type="quantize", domain=[0, max(top, 5)], range=list(BLUES[1::2]), nice=True
                    ),
                    legend=alt.Legend(title=text(lang, "maps.reach_legend"), orient="right", format=",d"),
                )
            )
        )
    if apart:
        domain = [value for value in states.values() if any(f["properties"]["class"] == value for f in apart)]
        layers.append(
            alt.Chart(_inline(apart))
            .mark_geoshape(stroke="#1f2933", strokeWidth=0.6)
            .encode(
                color=alt.Color(
                    "properties.class:N",
                    scale=alt.Scale(
                        domain=domain, range=[HIDDEN if d == states["hidden"] else UNKNOWN for d in domain]
                    ),
                    legend=alt.Legend(title=None, orient="right", labelLimit=200),
                )
            )
        )
    drawn = alt.layer(*layers).resolve_scale(color="independent")
    # the scale runs from the lightest blue to the darkest: past about half, names are written white
    dark = {f["properties"]["district"] for f in counted if f["properties"]["value"] > 0.5 * top}
    return _with_labels(drawn, figures, shapes, lang, dark, _title(lang, "reach", month, notes))


def _with_labels(
    drawn: Any,
    figures: DistrictFigures,
    shapes: tuple[Shape, ...],
    lang: str,
    dark: set[str],
    title: Any,
) -> Any:
    import altair as alt

    names = (
        alt.Chart(_inline(_labels(figures, shapes, lang, dark)))
        .mark_text(fontSize=7, lineHeight=9)
        .encode(longitude="lon:Q", latitude="lat:Q", text="lines:N", color=alt.Color("ink:N", scale=None))
    )
    return (
        alt.layer(drawn, names)
        .project("mercator")
        .properties(width=MAP_WIDTH, height=MAP_HEIGHT, title=title)
        .configure_view(stroke=None)
    )


# --- Published for the ecosystem (GeoJSON) -------------------------------------------------------


def latest_due_month(periods: pd.DataFrame) -> str | None:
    """The month a map of the territorial gaps shows by default: the latest whose reports are due
    (dim_period), as the bulletin's default month."""
    due = periods.loc[
        periods["is_complete"].astype(bool) & periods["is_reporting_due"].astype(bool), "period"
    ]
    return str(due.max()) if len(due) else None


def gaps_geojson(
    figures: DistrictFigures, boundaries: Boundaries, tag: Callable[[str], str]
) -> dict[str, Any]:
    """The month's territorial gaps as a GeoJSON FeatureCollection: each district's shape (RFC 7946)
    with its figures (the count is empty where the reports cannot tell), each property named by its
    HXL hashtag (`tag`)."""
    by_district = {shape.district: shape for shape in boundaries.of(figures.codes())}
    features = []
    for row in figures.rows:
        shape = by_district.get(row.district)
        if shape is None:
            continue
        columns = {
            "district_pcode": f"PE{row.district}",
            "district": row.district,
            "district_name": row.district_name,
            "province_pcode": f"PE{shape.province}",
            "province": shape.province,
            "period": figures.period,
            "sectors_without_service": row.value,
            "sectors_unserved": "; ".join(row.sectors),
            "sectors_not_reported": "; ".join(row.not_reported),
        }
        features.append(
            {
                "type": "Feature",
                "id": f"PE{row.district}",
                "geometry": shape.geometry,
                "properties": {tag(column): value for column, value in columns.items()},
            }
        )
    return {"type": "FeatureCollection", "features": features}


# --- The console's map (server-rendered SVG) -----------------------------------------------------


@dataclass(frozen=True)
class DrawnDistrict:
    """One district as the console draws it: its outline as an SVG path, where its name goes, its
    fill and ink, and what it is (its figure and sectors, for the link and the hover text)."""

    row: District
    path: str
    x: float
    y: float
    fill: str
    ink: str


def drawn(figures: DistrictFigures, boundaries: Boundaries, width: int, height: int) -> list[DrawnDistrict]:
    """The districts projected into a `width` x `height` box: longitude scaled by the cosine of the
    middle latitude (at 4 degrees south, indistinguishable from the bulletin's Mercator), north up.
    The console's map is drawn here and not by Vega so that each district is a link relative to the
    console (Vega's renderer resolves links against its own base) and its colours stay attributes
    the console's Content-Security-Policy allows."""
    shapes = {shape.district: shape for shape in boundaries.of(figures.codes())}
    points = [
        point
        for shape in shapes.values()
        for polygon in _polygons(shape.geometry)
        for ring in polygon
        for point in ring
    ]
    if not points:
        return []
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    stretch = math.cos(math.radians((south + north) / 2))
    scale = min(width / ((east - west) * stretch), height / (north - south))

    def project(lon: float, lat: float) -> tuple[float, float]:
        return round((lon - west) * stretch * scale, 1), round((north - lat) * scale, 1)

    fills = colours(figures, ORANGES)
    result = []
    for row in figures.rows:
        shape = shapes.get(row.district)
        if shape is None:
            continue
        rings = [ring for polygon in _polygons(shape.geometry) for ring in polygon]
        path = " ".join(
            "M" + " L".join(f"{x},{y}" for x, y in (project(*point) for point in ring)) + " Z"
            for ring in rings
        )
        x, y = project(shape.label_lon, shape.label_lat)
        fill = fills[row.district]
        result.append(DrawnDistrict(row, path, x, y, fill, "#ffffff" if is_dark(fill) else "#1f2933"))
    return result


def _polygons(geometry: dict[str, Any]) -> list[Any]:
    return list(geometry["coordinates"]) if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
