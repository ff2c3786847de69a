"""The reference data as seed tables the models join (ref_*): agencies, indicators, sectors,
districts, age bands, population groups, the reporting calendar, and the build's own date and place."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from mesa_tumbes.core.i18n import LANGUAGES, strings, text
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.core.settings import DEFAULT_TIMEZONE


def seeds(
    reference: Reference, as_of: dt.date, timezone: str = DEFAULT_TIMEZONE, intersector: str = "max_sector"
) -> dict[str, pd.DataFrame]:
    agencies = pd.DataFrame(
        [(a.code, a.name, a.kind) for a in reference.agencies], columns=["code", "name", "kind"]
    )
    indicators = pd.DataFrame(
        [
            (
                i.code,
                i.sector,
                i.role,
                i.unit,
                i.name_es,
                i.name_en,
                i.pairs_with,
                i.frequency,
                i.sector_reach,
                i.r4v_type,
                i.reach_reason_es or text("es", "catalogue.counts_people_reached"),
                i.reach_reason_en or text("en", "catalogue.counts_people_reached"),
            )
            for i in reference.indicators
        ],
        columns=[
            "code",
            "sector",
            "role",
            "unit",
            "name_es",
            "name_en",
            "pairs_with",
            "frequency",
            "sector_reach",
            "r4v_type",
            "reach_reason_es",
            "reach_reason_en",
        ],
    )
    sectors = pd.DataFrame(
        [(s.name, s.name_es, s.sensitive, s.consolidated_name) for s in reference.sectors],
        columns=["name", "name_es", "sensitive", "r4v_name"],
    )
    districts = pd.DataFrame(
        [(d.inei, d.reniec, d.name, d.province_inei, d.province_name) for d in reference.districts],
        columns=["inei", "reniec", "name", "province_inei", "province_name"],
    )
    calendar = pd.DataFrame(
        [
            (entry.agency, indicator, entry.frequency, entry.due_days, entry.since)
            for entry in reference.calendar
            for indicator in entry.indicators
        ],
        columns=["agency", "indicator", "frequency", "due_days", "since"],
    )
    department = reference.region.department
    name = dict(reference.departments)[department]
    build = pd.DataFrame(
        [(as_of, department, name, reference.region.first_period, timezone, intersector)],
        columns=["as_of", "department", "department_name", "first_period", "timezone", "intersector_model"],
    )
    return {
        "ref_agencies": agencies,
        "ref_indicators": indicators,
        "ref_sectors": sectors,
        "ref_districts": districts,
        "ref_age_refinement": age_refinement(reference),
        "ref_groups": groups(reference),
        "ref_reporting_calendar": calendar,
        "ref_build": build,
        "ref_labels": labels(reference),
    }


# Codes named where they are defined, by kind: (the locales' section, the key inside it).
DEFINED_LABELS = {
    "status": ("status",),
    "format": ("formats",),
    "group_code": ("groups",),
    "review_state": ("console", "states"),
}


def labels(reference: Reference) -> pd.DataFrame:
    """Every code the marts show, named in Spanish and English (kind, code, label_es, label_en): the
    locales' `labels`, the codes named where they are defined, and the sectors (also as R4V's
    consolidated report names them)."""

    def section(lang: str, path: tuple[str, ...]) -> dict[str, str]:
        node = strings(lang)
        for key in path:
            node = node[key]
        return {str(code): str(label) for code, label in node.items()}

    kinds = {kind: (("labels", kind)) for kind in strings("es")["labels"]} | DEFINED_LABELS
    rows = []
    for kind, path in kinds.items():
        named = {lang: section(lang, path) for lang in LANGUAGES}
        rows += [
            (kind, code, named["es"][code], named["en"].get(code, named["es"][code])) for code in named["es"]
        ]
    rows += [("sector", s.name, s.name_es, s.name) for s in reference.sectors]
    rows += [
        ("r4v_subsector", s.consolidated_name, s.name_es, s.consolidated_name) for s in reference.sectors
    ]
    return pd.DataFrame(rows, columns=["kind", "code", "label_es", "label_en"])


def age_refinement(reference: Reference) -> pd.DataFrame:
    """(parent, child): the child band is part of the parent (transitively: "total" holds "0-5")."""
    direct = {(b.total, part) for b in reference.breakdowns if b.column == "age_group" for part in b.parts}
    closure = set(direct)
    while True:
        wider = {(a, d) for a, b in closure for c, d in closure if b == c} - closure
        if not wider:
            break
        closure |= wider
    return pd.DataFrame(sorted(closure), columns=["parent", "child"])


def groups(reference: Reference) -> pd.DataFrame:
    """The population groups of the gap tables: the total, R4V's age-sex groups, population types,
    named in Spanish and English as the locales name them."""
    groups = reference.r4v
    rows: list[tuple[str, str, str | None, str | None, int]] = [("total", "total", None, None, 0)]
    rows += [
        (group, "age_sex", sex, age, order)
        for order, (group, (sex, age)) in enumerate(groups.age_sex_groups.items(), start=1)
    ]
    rows += [
        (population, "population_type", None, None, order)
        for order, population in enumerate(groups.population_types, start=10)
    ]
    return pd.DataFrame(
        [
            (code, kind, sex, age, text("es", f"groups.{code}"), text("en", f"groups.{code}"), order)
            for code, kind, sex, age, order in rows
        ],
        columns=["group_code", "group_kind", "sex", "coarse_age", "name_es", "name_en", "sort_order"],
    )
