"""Where the gaps are, on a map: the districts' shapes (one per district, valid polygons, shipped
with their licence), each district's class on the bulletin's maps equal to the mart's value (read
from the charts' data, not the picture), a protected count that no colour or label gives away, a
shape file with a district missing or repeated, a month with no figures, the GeoJSON that `mesa
export` publishes, and the console's map linking each district to what it lacks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import shape

from mesa_tumbes.core.boundaries import BOUNDARIES, load_boundaries, read_boundaries
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.publication.bulletin import gather
from mesa_tumbes.publication.bulletin_render import render_html, svg
from mesa_tumbes.publication.maps import gaps_by_district, gaps_chart, reach_chart
from mesa_tumbes.warehouse.store import connect
from tests.test_bulletin import AS_OF, NEED, ON_TIME, calendar_of
from tests.test_marts import Given, total

CHILD_PROTECTION = "Protection (Child Protection)"


@pytest.fixture
def month(given: Given, reference: Reference) -> tuple[Given, Reference]:
    """October: Health in Tumbes (200) and Aguas Verdes (100); child protection in Tumbes (3) and in
    San Juan de la Virgen (2), the only figure of that district: its intersector figure is a
    survivors' count, to protect."""
    calendar = calendar_of(reference)
    given.need(NEED)
    given.values(
        "DIRESA", [total("2026-10", "240101", "SAL-01", 200), total("2026-10", "240302", "SAL-01", 100)],
        received=ON_TIME,
    )  # fmt: skip
    given.values(
        "MIMP",
        [total("2026-10", "240101", "PRO-01", 3), total("2026-10", "240106", "PRO-01", 2)],
        received=ON_TIME,
    )
    given.values("PNP", [total("2026-10", "240101", "VBG-01", 10)], received=ON_TIME)
    given.build(calendar, AS_OF)
    return given, calendar


def layer_values(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every datum the chart draws, from its specification (Altair moves inline values to datasets)."""
    values: list[dict[str, Any]] = []
    for dataset in spec.get("datasets", {}).values():
        values += dataset
    return values


def drawn_districts(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        datum["properties"]["district"]: datum["properties"]
        for datum in layer_values(spec)
        if datum.get("type") == "Feature"
    }


# --- The shapes ----------------------------------------------------------------------------------


def test_every_district_has_exactly_one_valid_shape_and_every_shape_a_district(
    given: Given, reference: Reference
) -> None:
    given.build(reference, AS_OF)
    in_warehouse = [code for (code,) in given.rows("select district from dim_district")]
    boundaries = load_boundaries()
    assert len(boundaries.shapes) == 13
    assert not boundaries.mismatch(in_warehouse), boundaries.mismatch(in_warehouse)
    assert not boundaries.mismatch(reference.inei_codes)
    for district in boundaries.shapes:
        polygon = shape(district.geometry)
        assert polygon.is_valid and polygon.geom_type == "Polygon", district.district
        assert polygon.exterior.is_ccw, f"{district.district}: RFC 7946 winds the outer ring counterclockwise"
        assert polygon.contains(
            shape({"type": "Point", "coordinates": [district.label_lon, district.label_lat]})
        )
    # shipped with its licence and its source said beside it
    readme = BOUNDARIES.with_suffix(".md").read_text(encoding="utf-8")
    assert "MPL-2.0" in readme and "juaneladio/peru-geojson" in readme
    assert "Mozilla Public License" in BOUNDARIES.with_suffix(".LICENSE").read_text(encoding="utf-8")


@pytest.mark.realdata
def test_the_shipped_shapes_are_the_shared_files_districts(realdata: Path) -> None:
    source = json.loads((realdata / "peru-geojson" / "peru_distrital_simple.geojson").read_text("utf-8"))
    tumbes = {f["properties"]["IDDIST"]: shape(f["geometry"]) for f in source["features"]
              if f["properties"]["IDDPTO"] == "24"}  # fmt: skip
    shipped = {d.district: shape(d.geometry) for d in load_boundaries().shapes}
    assert set(shipped) == set(tumbes)
    for code, polygon in shipped.items():
        assert polygon.symmetric_difference(tumbes[code]).area < 1e-3 * tumbes[code].area, (
            code
        )  # rounded to 5 decimals


def test_a_missing_or_repeated_shape_is_named_and_the_map_still_drawn(
    month: tuple[Given, Reference], tmp_path: Path
) -> None:
    given, reference = month
    collection = json.loads(BOUNDARIES.read_text(encoding="utf-8"))
    features = [f for f in collection["features"] if f["properties"]["district"] != "240302"]
    features.append(features[0])  # Tumbes twice, Aguas Verdes gone
    damaged = tmp_path / "damaged.geojson"
    damaged.write_text(json.dumps({**collection, "features": features}), encoding="utf-8")
    boundaries = read_boundaries(damaged)

    mismatch = boundaries.mismatch(reference.inei_codes)
    assert mismatch.missing == ("240302",) and mismatch.repeated == ("240101",) and mismatch

    bulletin = gather(given.path, reference, "2026-10", "es", threshold=5)
    with connect(given.path, read_only=True) as connection:
        territorial = connection.execute("select * from gap_territorial").df()
    figures = gaps_by_district(territorial, "2026-10", boundaries)
    assert figures.unmapped == ("Aguas Verdes",)
    chart = gaps_chart(figures, boundaries, "es", "octubre de 2026")
    assert len(drawn_districts(chart.to_dict())) == 12
    assert "<svg" in svg(chart, "es")
    assert bulletin.district_gaps is not None and bulletin.district_gaps.unmapped == ()


# --- The bulletin's maps ---------------------------------------------------------------------------


def test_each_districts_class_on_the_map_equals_the_marts_value(month: tuple[Given, Reference]) -> None:
    given, reference = month
    bulletin = gather(given.path, reference, "2026-10", "es", threshold=5)
    assert bulletin.district_gaps is not None and bulletin.district_reach is not None
    spec = gaps_chart(bulletin.district_gaps, load_boundaries(), "es", "octubre de 2026").to_dict()
    drawn = drawn_districts(spec)
    mart = dict(
        given.rows(
            "select district, count(*) filter (where is_service_desert) from gap_territorial"
            " where period = '2026-10' group by district"
        )
    )
    assert len(drawn) == 13 == len(mart)
    assert {code: d["class"] for code, d in drawn.items()} == {code: str(n) for code, n in mart.items()}
    # the legend names each class with its colour
    scale = next(layer["encoding"]["color"]["scale"] for layer in spec["layer"][0:1])
    assert sorted(scale["domain"], key=int) == sorted({str(n) for n in mart.values()}, key=int)

    reach = reach_chart(bulletin.district_reach, load_boundaries(), "es", "octubre de 2026", []).to_dict()
    people = drawn_districts(reach)
    assert people["240101"]["value"] == 200 and people["240302"]["value"] == 100
    assert people["240102"]["value"] == 0  # reports in, nobody reached anyone there


def test_a_protected_count_shows_in_no_colour_label_or_datum_of_the_map(
    month: tuple[Given, Reference],
) -> None:
    given, reference = month
    # the warehouse keeps the truth: San Juan de la Virgen's only figure is 2 children
    assert given.rows(
        "select people_reached from gap_coverage where sector = 'Intersector' and area_code = '240106'"
        " and period = '2026-10' and group_code = 'total'"
    ) == [(2.0,)]
    bulletin = gather(given.path, reference, "2026-10", "es", threshold=5)
    assert bulletin.district_reach is not None
    reach = reach_chart(bulletin.district_reach, load_boundaries(), "es", "octubre de 2026", [])
    spec = reach.to_dict()
    hidden = drawn_districts(spec)["240106"]
    assert hidden["value"] is None and hidden["state"] == "hidden"
    assert hidden["class"] == "Cifra protegida (sectores sensibles)"
    labels = [d for d in layer_values(spec) if "lines" in d]
    assert ["San Juan de la Virgen", "protegida"] in [d["lines"] for d in labels]
    # the quantitative scale draws only the shown counts: the hidden one has no colour of it
    counted = [
        layer for layer in spec["layer"][0]["layer"] if layer["encoding"]["color"]["type"] == "quantitative"
    ]
    assert counted and all(
        "240106" not in json.dumps(spec["datasets"][layer["data"]["name"]]) for layer in counted
    )
    page = render_html(bulletin)
    assert "Cifra protegida" in page and "San Juan de la Virgen" in page


def test_a_month_without_district_figures_says_so_instead_of_drawing_blank_districts(
    given: Given, reference: Reference
) -> None:
    given.values("DIRESA", [total("2026-10", "240101", "SAL-01", 200)], received=ON_TIME)
    given.build(calendar_of(reference), AS_OF)  # no need: no district has a gap to tell
    bulletin = gather(given.path, reference, "2026-10", "es", threshold=5)
    page = render_html(bulletin)
    assert "No hay cifras de distritos para octubre de 2026: no se dibuja el mapa" in page
    assert 'id="map-reach"' not in page


# --- Published: GeoJSON --------------------------------------------------------------------------


def test_the_geojson_export_holds_13_valid_districts_with_the_marts_values_and_reads_in_the_package(
    month: tuple[Given, Reference], tmp_path: Path
) -> None:
    from frictionless import Package

    from mesa_tumbes.publication.ecosystem import publish

    given, reference = month
    out = tmp_path / "out"
    publish(given.path, out, reference, threshold=5)
    collection = json.loads((out / "gap_territorial.geojson").read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 13
    mart = dict(
        given.rows(
            "select district, count(*) filter (where is_service_desert) from gap_territorial"
            " where period = '2026-10' group by district"
        )
    )
    for feature in collection["features"]:
        polygon = shape(feature["geometry"])
        assert polygon.is_valid and polygon.geom_type == "Polygon" and polygon.exterior.is_ccw
        properties = feature["properties"]
        code = properties["#adm3+code+inei"]
        assert properties["#adm3+code"] == f"PE{code}" and properties["#date+period"] == "2026-10"
        assert properties["#sector+unserved+num"] == mart[code], code

    package = Package(str(out / "datapackage.json"))
    resource = package.get_resource("gap-territorial-map")
    assert resource.mediatype == "application/geo+json"
    assert json.loads(resource.read_bytes()) == collection
    hdx = json.loads((out / "hdx_dataset.json").read_text(encoding="utf-8"))
    assert "gap_territorial.geojson" in hdx["resources"]
