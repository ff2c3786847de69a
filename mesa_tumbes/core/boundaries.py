"""The districts' limits (reference_data/tumbes_districts.geojson, INEI's, under MPL-2.0: see the
README beside it), for maps: one shape per district, where the map writes its name, and what does
not match the list of districts a map is drawn for."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from mesa_tumbes.core.reference import REFERENCE_DIR

BOUNDARIES = REFERENCE_DIR / "tumbes_districts.geojson"


@dataclass(frozen=True)
class Shape:
    district: str  # INEI ubigeo, 6 digits
    district_name: str
    province: str
    label_lon: float
    label_lat: float
    geometry: dict[str, Any]  # a GeoJSON Polygon or MultiPolygon, rings as RFC 7946 winds them


@dataclass(frozen=True)
class Mismatch:
    """What keeps the shapes from matching a list of districts one to one."""

    missing: tuple[str, ...]  # districts of the list without a shape
    repeated: tuple[str, ...]  # districts with more than one shape
    unknown: tuple[str, ...]  # shapes of no district of the list

    def __bool__(self) -> bool:
        return bool(self.missing or self.repeated or self.unknown)


@dataclass(frozen=True)
class Boundaries:
    shapes: tuple[Shape, ...]
    source: str
    license: str

    def mismatch(self, districts: Iterable[str]) -> Mismatch:
        listed = set(districts)
        counted = Counter(shape.district for shape in self.shapes)
        return Mismatch(
            missing=tuple(sorted(listed - set(counted))),
            repeated=tuple(sorted(code for code, count in counted.items() if count > 1)),
            unknown=tuple(sorted(set(counted) - listed)),
        )

    def name_of(self, district: str) -> str | None:
        return next((shape.district_name for shape in self.shapes if shape.district == district), None)

    def of(self, districts: Iterable[str]) -> tuple[Shape, ...]:
        """The first shape of each listed district (a repeated one is drawn once)."""
        listed, seen, kept = set(districts), set(), []
        for shape in self.shapes:
            if shape.district in listed and shape.district not in seen:
                seen.add(shape.district)
                kept.append(shape)
        return tuple(kept)


def read_boundaries(path: Path) -> Boundaries:
    collection = json.loads(path.read_text(encoding="utf-8"))
    shapes = tuple(
        Shape(
            district=str(feature["properties"]["district"]),
            district_name=str(feature["properties"]["district_name"]),
            province=str(feature["properties"]["province"]),
            label_lon=float(feature["properties"]["label_lon"]),
            label_lat=float(feature["properties"]["label_lat"]),
            geometry=feature["geometry"],
        )
        for feature in collection["features"]
    )
    return Boundaries(shapes, str(collection.get("source", "")), str(collection.get("license", "")))


@cache
def load_boundaries() -> Boundaries:
    """The shipped shapes, read once per process."""
    return read_boundaries(BOUNDARIES)
