"""Extract the 13 districts of Tumbes from INEI's district limits into the package's reference data.

Source: `juaneladio/peru-geojson`, file `peru_distrital_simple.geojson` (commit 3213eeb1, INEI 2007
district limits as published by MINAM's Geoservidor, simplified), under the Mozilla Public License 2.0.
The file written here is derived from it and stays under MPL-2.0 (see the README beside it).

What it does, and nothing else: keeps the features of department 24 (Tumbes), keeps the INEI ubigeo
and names them as the project's district list names them (with their accents), orients every ring
counterclockwise as RFC 7946 asks (the source winds them clockwise), rounds coordinates to 5
decimals (about a metre), and stores for each district a point inside it where a map writes its name.
Shapely (a development dependency) does the geometry.

    .venv/bin/python scripts/extract_district_boundaries.py \
        ../shared/realdata/peru-geojson/peru_distrital_simple.geojson
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

from shapely.geometry import mapping, shape
from shapely.geometry.polygon import orient

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "mesa_tumbes" / "core" / "reference_data"
TARGET = REFERENCE / "tumbes_districts.geojson"
DEPARTMENT = "24"
DECIMALS = 5
SOURCE = "juaneladio/peru-geojson@3213eeb1bbe537f88dead45a2aadaa276fa9451d:peru_distrital_simple.geojson"


def rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, DECIMALS)
    return [rounded(item) for item in value]


def district_names() -> dict[str, str]:
    with (REFERENCE / "districts.csv").open(encoding="utf-8") as stream:
        return {row["inei"]: row["name"] for row in csv.DictReader(stream)}


def extract(source: Path) -> dict[str, Any]:
    names = district_names()
    collection = json.loads(source.read_text(encoding="utf-8"))
    features = []
    for feature in collection["features"]:
        properties = feature["properties"]
        if properties["IDDPTO"] != DEPARTMENT:
            continue
        polygon = orient(shape(feature["geometry"]), sign=1.0)
        if not polygon.is_valid:
            raise SystemExit(f"{properties['IDDIST']}: the source polygon is not valid")
        inside = polygon.representative_point()
        geometry = mapping(polygon)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "district": properties["IDDIST"],
                    "district_name": names[properties["IDDIST"]],
                    "province": properties["IDPROV"],
                    "label_lon": round(inside.x, DECIMALS),
                    "label_lat": round(inside.y, DECIMALS),
                },
                "geometry": {"type": geometry["type"], "coordinates": rounded(geometry["coordinates"])},
            }
        )
    features.sort(key=lambda feature: feature["properties"]["district"])
    return {
        "type": "FeatureCollection",
        "source": SOURCE,
        "license": "MPL-2.0",
        "features": features,
    }


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit(__doc__)
    collection = extract(Path(argv[0]))
    TARGET.write_text(json.dumps(collection, ensure_ascii=False, indent=None) + "\n", encoding="utf-8")
    print(f"{TARGET.relative_to(ROOT)}: {len(collection['features'])} districts")


if __name__ == "__main__":
    main(sys.argv[1:])
