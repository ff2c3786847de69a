"""The Great Expectations suite, generated from the catalogue and the reference data.

Every expectation carries `meta = {"check_id": ..., "column": ...}`: the check it implements (see
checks.yaml) and the template field it is about, which the adapter uses to build feedback rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mesa.reference import Reference
from transforms.normalise import KEY_COLUMNS

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite
    from great_expectations.expectations import Expectation
    from great_expectations.expectations.row_conditions import Condition

SUITE_NAME = "mesa_template"
# Filled per submission with the agency whose folder the file came from.
CHANNEL_PARAMETER = "channel"
PERIOD_PATTERN = r"^\d{4}-(?:0[1-9]|1[0-2])$"
NUMBER_PATTERN = r"^-?\d+(?:\.\d+)?$"
WHOLE_PATTERN = r"^-?\d+$"
# The suite validates `value_text` for required-ness and number format; `value` for its range.
GX_COLUMN = {"value": "value_text"}


def build_expectations(reference: Reference) -> list[Expectation]:
    """One expectation per (check, column), in the order feedback lists them."""
    import great_expectations.expectations as gxe

    expectations: list[Expectation] = []

    def add(check_id: str, field: str | None, kind: type[Expectation], **kwargs: Any) -> None:
        expectations.append(kind(meta={"check_id": check_id, "column": field}, **kwargs))

    required = [column.field for column in reference.columns if column.required]
    for field in required:
        add("structure.required_column", field, gxe.ExpectColumnToExist, column=field)
    for field in required:
        column = GX_COLUMN.get(field, field)
        add("domain.value_missing", field, gxe.ExpectColumnValuesToNotBeNull, column=column)
    add(
        "domain.agency_matches_channel",
        "agency",
        gxe.ExpectColumnValuesToBeInSet,
        column="agency",
        value_set={"$PARAMETER": CHANNEL_PARAMETER},
    )
    add(
        "domain.period_format",
        "period",
        gxe.ExpectColumnValuesToMatchRegex,
        column="period",
        regex=PERIOD_PATTERN,
    )
    reniec = sorted(reference.reniec_codes)
    add(
        "domain.district_reniec_code",
        "district",
        gxe.ExpectColumnValuesToNotBeInSet,
        column="district",
        value_set=reniec,
    )
    # RENIEC codes pass this one: the check above already says what to write instead.
    add(
        "domain.district_in_region",
        "district",
        gxe.ExpectColumnValuesToBeInSet,
        column="district",
        value_set=reference.inei_codes + reniec,
    )
    add(
        "domain.indicator_in_catalogue",
        "indicator",
        gxe.ExpectColumnValuesToBeInSet,
        column="indicator",
        value_set=reference.indicator_codes,
    )
    for coded in ("sex", "age_group", "population_type"):
        add(
            f"domain.{coded}_in_list",
            coded,
            gxe.ExpectColumnValuesToBeInSet,
            column=coded,
            value_set=list(reference.vocabularies[coded]),
        )
    add(
        "domain.value_is_number",
        "value",
        gxe.ExpectColumnValuesToMatchRegex,
        column="value_text",
        regex=NUMBER_PATTERN,
    )
    add("domain.value_non_negative", "value", gxe.ExpectColumnValuesToBeBetween, column="value", min_value=0)
    add(
        "domain.value_whole",
        "value",
        gxe.ExpectColumnValuesToMatchRegex,
        column="value_text",
        regex=WHOLE_PATTERN,
        row_condition=whole_number_condition(reference),
    )
    add("consistency.duplicate_key", None, gxe.ExpectCompoundColumnsToBeUnique, column_list=KEY_COLUMNS)
    return expectations


def whole_number_condition(reference: Reference) -> Condition:
    """Rows the whole-number rule applies to: numbers, of indicators that do not allow decimals."""
    from great_expectations.expectations.row_conditions import Column

    decimal_codes = [indicator.code for indicator in reference.indicators if indicator.decimals]
    is_number = Column("value").is_not_null()
    return is_number & Column("indicator").is_not_in(decimal_codes) if decimal_codes else is_number


def build_suite(reference: Reference) -> ExpectationSuite:
    import great_expectations as gx

    return gx.ExpectationSuite(name=SUITE_NAME, expectations=build_expectations(reference))
