"""The R4V 5W export's own rules (R4V's): admin names exist, figures are numbers, breakdowns add up."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesa_tumbes.core.reference import Reference
from mesa_tumbes.expectations.suite import Expectations, value_expectations
from mesa_tumbes.formats.r4v_5w.reading import MONTHLY_FIELD, VALUE_FIELD, breakdown_fields

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation


def suites(reference: Reference) -> dict[str, list[Expectation]]:
    """5W rows as written (wide), and as loaded (long: the indicator values' rules, whose repeated
    keys are several activities that add up, not an error)."""
    return {
        "r4v_5w": five_w_expectations(reference),
        "r4v_5w_long": value_expectations(reference, duplicates=False),
    }


def five_w_expectations(reference: Reference) -> list[Expectation]:
    """R4V's own rules on 5W rows as written: admin names exist, figures, breakdowns add up."""
    from great_expectations.expectations.row_conditions import Column

    build = Expectations()
    build.department(reference)
    build.add(
        "domain.admin_area_unknown",
        "admin2",
        "ExpectColumnValuesToBeInSet",
        column="admin2_key",
        value_set=list(reference.provinces),
        row_condition=Column("admin1_key") == reference.region.department,
    )
    build.add(
        "domain.value_missing", VALUE_FIELD, "ExpectColumnValuesToNotBeNull", column=f"{VALUE_FIELD}_text"
    )
    populations, groups = breakdown_fields(reference)
    for field in [VALUE_FIELD, MONTHLY_FIELD, *populations, *groups]:
        build.number(field, field, f"{field}_text")
    # R4V's quality check: the breakdowns add up to New_beneficiaries (or to Total_monthly, where a
    # partner broke that down); one that adds up to neither is flagged for review and loads as R4V
    # consolidates it (a warning naming both figures).
    for check_id, total in (
        ("consistency.population_breakdown", "population_sum"),
        ("consistency.age_sex_breakdown", "age_sex_sum"),
    ):
        build.add(
            check_id,
            VALUE_FIELD,
            "ExpectColumnPairValuesToBeEqual",
            column_A=f"{total}_reference",
            column_B=total,
            ignore_row_if="either_value_is_missing",
            expected_from=total,
            detail_from=f"{MONTHLY_FIELD}_said",
        )
    # The people new this month are among those reached this month.
    build.add(
        "consistency.monthly_below_new",
        MONTHLY_FIELD,
        "ExpectColumnPairValuesAToBeGreaterThanB",
        column_A=MONTHLY_FIELD,
        column_B=VALUE_FIELD,
        or_equal=True,
        ignore_row_if="either_value_is_missing",
        expected_from=f"{VALUE_FIELD}_text",
    )
    return build.items
