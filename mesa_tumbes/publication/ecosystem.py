"""`mesa export` for the humanitarian ecosystem, beside the Parquet and CSV it writes: each table as a
CSV with an HXL hashtag row under its header (read by HDX, HXL Proxy, libhxl, OCHA's dashboards), a
wide table of people reached by group whose hashtags' attributes say who (+f +children...), a
Frictionless `datapackage.json` describing every table (types, descriptions in Spanish and English,
the suppression marker as a missing value), and the HDX dataset's metadata for the officer to upload.
Everything comes from the protected tables: what is hidden in the CSVs is hidden here too.

Hashtags and HDX metadata are data (hxl.yaml, hdx.yaml beside this module)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from mesa_tumbes.core import yamldata
from mesa_tumbes.core.boundaries import load_boundaries
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.publication.export import Exported, Protected, protected_marts, write_marts
from mesa_tumbes.publication.maps import gaps_by_district, gaps_geojson, latest_due_month
from mesa_tumbes.warehouse.catalog import common_columns, models

HERE = Path(__file__).parent
HXL_FOLDER = "hxl"
DATAPACKAGE = "datapackage.json"
HDX_METADATA = "hdx_dataset.json"
WIDE = "reached_by_group"
GEOJSON = "gap_territorial.geojson"
# A column's Frictionless type, from its pandas dtype's kind.
TYPES = {"i": "integer", "u": "integer", "f": "number", "b": "boolean", "M": "datetime"}


@cache
def hxl_tags() -> dict[str, Any]:
    tags: dict[str, Any] = yamldata.load((HERE / "hxl.yaml").read_text(encoding="utf-8"))
    return tags


def tag_of(column: str) -> str:
    """A column's HXL hashtag (an unlisted one is metadata: #meta+<column>)."""
    found: str | None = hxl_tags()["columns"].get(column)
    return found or f"#meta+{column.replace('_', '')}"


def write_hxl(name: str, shown: pd.DataFrame, out: Path) -> Path:
    """The table as published (hidden cells as the marker) with its hashtag row."""
    return _tagged_csv(out / HXL_FOLDER / f"{name}.csv", shown, [tag_of(column) for column in shown.columns])


def _tagged_csv(target: Path, shown: pd.DataFrame, tags: list[str]) -> Path:
    """A CSV with its hashtag row under the header."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(list(shown.columns))
        writer.writerow(tags)
        writer.writerows(shown.itertuples(index=False, name=None))
    return target


def write_reached_by_group(coverage: pd.DataFrame, out: Path) -> Path:
    """People reached per sector, area and period, one column per group (total, girls, boys, women,
    men, population types), each hashtag's attributes saying who."""
    groups: dict[str, str] = hxl_tags()["groups"]
    keys = ["sector", "area_pcode", "area_code", "area_name", "admin_level", "period"]
    # one row per sector, area and period (the mart's key less its group): each group a column
    wide = coverage.loc[coverage["group_code"].isin(list(groups))].pivot(
        index=keys, columns="group_code", values="people_reached"
    )
    wide = wide.reindex(columns=[group for group in groups if group in wide.columns]).reset_index()
    shown = wide.astype(object).where(wide.notna(), None)
    tags = [groups.get(column) or tag_of(column) for column in shown.columns]
    return _tagged_csv(out / HXL_FOLDER / f"{WIDE}.csv", shown, tags)


def shown_with_marker(protected: Protected, marker: str) -> pd.DataFrame:
    """The table as the CSV shows it: hidden cells as the marker, empty cells empty."""
    shown = protected.frame.astype(object).where(protected.frame.notna(), None)
    for column, mask in protected.hidden.items():
        shown.loc[mask.to_numpy(), column] = marker
    return shown


def write_geojson(marts: dict[str, Protected], out: Path) -> Path | None:
    """The territorial gaps of the latest month whose reports are due, district by district, as
    GeoJSON (the shapes' licence, MPL-2.0, is said in the data package). None without such a month."""
    period = latest_due_month(marts["dim_period"].frame)
    if period is None:
        return None
    boundaries = load_boundaries()
    figures = gaps_by_district(marts["gap_territorial"].frame, period, boundaries)
    collection = gaps_geojson(figures, boundaries, _hxl_name)
    target = out / GEOJSON
    target.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return target


def _hxl_name(column: str) -> str:
    """A GeoJSON property's name: the column's HXL hashtag where the HXL export has one."""
    found: str | None = hxl_tags()["columns"].get(column)
    return found or column


def geojson_resource(path: Path) -> dict[str, Any]:
    return {
        "name": "gap-territorial-map",
        "path": path.name,
        "profile": "data-resource",
        "format": "geojson",
        "mediatype": "application/geo+json",
        "encoding": "utf-8",
        "title": "gap_territorial (GeoJSON)",
        "description": _both(
            {
                "es": "Distritos sin servicio del último mes con reportes vencidos: el límite de cada "
                "distrito (INEI 2007) con el número de sectores con necesidad sin servicio, y cuáles.",
                "en": "Districts without service in the latest month whose reports are due: each "
                "district's limits (INEI 2007) with the number of sectors with need and no service.",
            }
        ),
        "licenses": [{"name": "MPL-2.0", "path": "https://www.mozilla.org/en-US/MPL/2.0/"}],
        "sources": [{"title": "INEI district limits (juaneladio/peru-geojson)"}],
    }


def write_datapackage(
    out: Path,
    tables: dict[str, Protected],
    descriptions: dict[str, dict[str, Any]],
    marker: str,
    extra: list[dict[str, Any]] | None = None,
) -> Path:
    """A Frictionless data package of the published CSVs (and their HXL twins), and `extra`
    resources (the map's GeoJSON)."""
    resources = []
    for name, protected in tables.items():
        meta = descriptions.get(name, {})
        fields = [_field(column, protected, meta, marker) for column in protected.frame.columns]
        schema = {"fields": fields, "missingValues": ["", marker]}
        resources.append(
            {
                "name": name.replace("_", "-"),
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8-sig",
                "title": name,
                "description": _both(meta.get("description", {})),
                "schema": schema,
            }
        )
    package = {
        "profile": "data-package",  # its CSVs are tabular resources; the GeoJSON is not
        "name": "mesa-tumbes-brechas",
        "title": "Mesa Tumbes: brechas de acceso a servicios / gaps in access to services",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "licenses": [{"name": "CC-BY-IGO-3.0", "path": "https://creativecommons.org/licenses/by/3.0/igo/"}],
        "resources": [*resources, *(extra or [])],
    }
    target = out / DATAPACKAGE
    target.write_text(json.dumps(package, ensure_ascii=False, indent=1), encoding="utf-8")
    return target


def _field(column: str, protected: Protected, meta: dict[str, Any], marker: str) -> dict[str, Any]:
    """A column's description; a hidden cell shows the marker, which the schema reads as missing."""
    return {
        "name": column,
        "type": TYPES.get(protected.frame[column].dtype.kind, "string"),
        "description": _both(meta.get("columns", {}).get(column, {})),
    }


def _both(said: dict[str, str]) -> str:
    """Spanish, then English, in one text (Frictionless has one description)."""
    return " / ".join(text for text in (said.get("es"), said.get("en")) if text)


def write_hdx_metadata(out: Path, threshold: int, marker: str, first: str | None, last: str | None) -> Path:
    """The HDX dataset's fields, in Spanish and English, for the officer to upload with the files."""
    meta: dict[str, Any] = yamldata.load((HERE / "hdx.yaml").read_text(encoding="utf-8"))
    caveats = {
        lang: text.format(below=threshold - 1, marker=marker) for lang, text in meta["caveats"].items()
    }
    document = {
        **meta,
        "caveats": caveats,
        "dataset_date": f"[{first or '*'} TO {last or '*'}]",
        "resources": sorted(path.name for pattern in ("*.csv", "*.geojson") for path in out.glob(pattern)),
    }
    target = out / HDX_METADATA
    target.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    return target


def publish(warehouse: Path, out: Path, reference: Reference, threshold: int) -> list[Exported]:
    """`mesa export`: the tables as Parquet and CSV, and for the ecosystem their HXL twins, the
    people reached by group, the data package and the HDX metadata; all from the protected marts."""
    marker = f"<{threshold}"
    marts = protected_marts(warehouse, reference, threshold)
    exported = write_marts(marts, out, marker)
    for name, protected in marts.items():
        write_hxl(name, shown_with_marker(protected, marker), out)
    write_reached_by_group(shown_with_marker(marts["gap_coverage"], marker), out)
    described = {
        model.name: {"description": model.description, "columns": {**common_columns(), **model.columns}}
        for model in models()
    }
    mapped = write_geojson(marts, out)
    write_datapackage(out, marts, described, marker, [geojson_resource(mapped)] if mapped else [])
    periods = marts["dim_period"].frame["period"].dropna().astype(str) if "dim_period" in marts else None
    first = periods.min() if periods is not None and len(periods) else None
    last = periods.max() if periods is not None and len(periods) else None
    write_hdx_metadata(out, threshold, marker, first, last)
    return exported
