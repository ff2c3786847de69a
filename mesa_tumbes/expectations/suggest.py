"""Suggested values: what the agency probably meant, for the checks where that can be inferred."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from rapidfuzz import fuzz, process

from mesa_tumbes.core.reference import Reference
from mesa_tumbes.core.text import fold
from mesa_tumbes.transforms.values import written_period

# Below these similarity scores (0-100) a guess would mislead more than help.
NAME_CUTOFF = 75
CODE_CUTOFF = 60

THOUSANDS = re.compile(r"^\d{1,3}(?:[.,]\d{3})+$")
DIGITS = re.compile(r"\d+")


def closest(text: str, choices: Mapping[str, str], cutoff: int) -> str | None:
    """The choice whose folded key is most similar to the folded text, above `cutoff`."""
    if not fold(text):
        return None
    found = process.extractOne(fold(text), choices, scorer=fuzz.WRatio, score_cutoff=cutoff)
    return None if found is None else found[2]


def number(text: str) -> str | None:
    """The figure inside a cell such as "25 personas"; None when there is not exactly one."""
    runs = DIGITS.findall(text)
    return runs[0] if len(runs) == 1 else None


def whole_number(text: str) -> str | None:
    """1.234 or 1,234 probably meant one thousand two hundred thirty-four."""
    return re.sub(r"[.,]", "", text) if THOUSANDS.match(text.strip()) else None


Suggester = Callable[[str], str | None]


def suggesters(reference: Reference) -> dict[tuple[str, str | None], Suggester]:
    """(check id, field) -> function from the cell as written to a suggested value; a field of None
    serves every field of that check."""
    district_names = {d.name: fold(d.name) for d in reference.districts}
    indicator_codes = {code: fold(code) for code in reference.indicator_codes}
    departments = {name: fold(name) for _, name in reference.departments}
    provinces = {name: fold(name) for name in reference.provinces.values()}
    sectors = {sector.name: fold(sector.name) for sector in reference.sectors}

    def vocabulary(column: str) -> Callable[[str], str | None]:
        words = {
            alias: fold(alias)
            for canonical, aliases in reference.vocabularies[column].items()
            for alias in (canonical, *aliases)
        }
        return lambda text: closest(text, words, NAME_CUTOFF)

    return {
        ("domain.period_format", None): written_period,
        ("domain.district_in_region", None): lambda text: (
            None if text.strip().isdigit() else closest(text, district_names, NAME_CUTOFF)
        ),
        ("domain.district_reniec_code", None): lambda text: (
            district.inei if (district := reference.reniec_codes.get(text.strip())) else None
        ),
        ("domain.indicator_in_catalogue", None): lambda text: closest(text, indicator_codes, CODE_CUTOFF),
        ("domain.sex_in_list", None): vocabulary("sex"),
        ("domain.age_group_in_list", None): vocabulary("age_group"),
        ("domain.population_type_in_list", None): vocabulary("population_type"),
        ("domain.value_is_number", None): number,
        ("domain.value_whole", None): whole_number,
        ("domain.admin_area_unknown", "admin1"): lambda text: closest(text, departments, NAME_CUTOFF),
        ("domain.admin_area_unknown", "admin2"): lambda text: closest(text, provinces, NAME_CUTOFF),
        ("domain.sector_unknown", None): lambda text: closest(text, sectors, NAME_CUTOFF),
    }
