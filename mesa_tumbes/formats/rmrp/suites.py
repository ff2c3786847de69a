"""The RMRP people-in-need and target figures' rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesa_tumbes.core.reference import Reference
from mesa_tumbes.expectations.suite import Expectations

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation


def suites(reference: Reference) -> dict[str, list[Expectation]]:
    return {"rmrp_need": need_expectations(reference)}


def need_expectations(reference: Reference) -> list[Expectation]:
    """The RMRP need and target figures: a known department and sector, whole non-negative numbers."""
    build = Expectations()
    build.department(reference)
    build.add(
        "domain.sector_unknown",
        "subsector",
        "ExpectColumnValuesToBeInSet",
        column="sector",
        value_set=[sector.name for sector in reference.sectors],
    )
    build.number(None, "value", "value_text", column_from="source_field")
    return build.items
