"""Building Great Expectations suites from the catalogue and the reference data: the builder every
format uses, and the rules of indicator values that several formats share.

Every expectation carries in `meta` the check it implements (`check_id`, see checks.yaml) and the
field of the submitted file it is about (`column`), which the adapter uses to quote the agency's
cell; `column_from` names a frame column that holds that field per row instead, `expected_from`
a frame column whose value the message quotes as what was expected, and `expected` a fixed one;
`detail_from` a frame column the message quotes as its detail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mesa_tumbes.core.contract import FREQUENCIES, KEY_COLUMNS, PERIOD_PATTERN
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.transforms.values import period_start

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite
    from great_expectations.expectations import Expectation
    from great_expectations.expectations.row_conditions import Condition

# Filled per validation with the month it runs in: periods may not start after it.
CURRENT_PERIOD_PARAMETER = "current_period_start"
NUMBER_PATTERN = r"^-?\d+(?:\.\d+)?$"
WHOLE_PATTERN = r"^-?\d+$"
# The template suite validates `value_text` for required-ness and number format; `value` for its range.
GX_COLUMN = {"value": "value_text"}


class Expectations:
    """A list of expectations being built, each tagged with its check and the field it is about."""

    def __init__(self) -> None:
        import great_expectations.expectations as gxe

        self.gxe = gxe
        self.items: list[Expectation] = []

    def add(self, check_id: str, field: str | None, kind: str, **kwargs: Any) -> None:
        meta = {"check_id": check_id, "column": field}
        for extra in ("column_from", "expected_from", "expected", "detail_from"):
            if extra in kwargs:
                meta[extra] = kwargs.pop(extra)
        self.items.append(getattr(self.gxe, kind)(meta=meta, **kwargs))

    def department(self, reference: Reference) -> None:
        """R4V's Admin1 names one of the country's departments (resolved into `admin1_key`)."""
        departments = [code for code, _ in reference.departments]
        self.add(
            "domain.admin_area_unknown",
            "admin1",
            "ExpectColumnValuesToBeInSet",
            column="admin1_key",
            value_set=departments,
        )

    def number(
        self, field: str | None, value: str, text: str, whole_when: Condition | None = None, **meta: str
    ) -> None:
        """A figure: written as a number, not negative, and whole (where `whole_when` holds)."""
        from great_expectations.expectations.row_conditions import Column

        is_number = Column(value).is_not_null()
        condition = is_number & whole_when if whole_when is not None else is_number
        self.add(
            "domain.value_is_number",
            field,
            "ExpectColumnValuesToMatchRegex",
            column=text,
            regex=NUMBER_PATTERN,
            **meta,
        )
        self.add(
            "domain.value_non_negative",
            field,
            "ExpectColumnValuesToBeBetween",
            column=value,
            min_value=0,
            **meta,
        )
        self.add(
            "domain.value_whole",
            field,
            "ExpectColumnValuesToMatchRegex",
            column=text,
            regex=WHOLE_PATTERN,
            row_condition=condition,
            **meta,
        )


def value_expectations(reference: Reference, duplicates: bool = True) -> list[Expectation]:
    """The rules of indicator values in the warehouse's shape (the Mesa template's columns), in the
    order feedback lists them: the Mesa template's rows, and an R4V 5W export's rows once long."""
    from great_expectations.expectations.row_conditions import Column

    build = Expectations()
    required = [column.field for column in reference.columns if column.required]
    for field in required:
        build.add("structure.required_column", field, "ExpectColumnToExist", column=field)
    for field in required:
        build.add(
            "domain.value_missing", field, "ExpectColumnValuesToNotBeNull", column=GX_COLUMN.get(field, field)
        )
    build.add(  # `channel`: the agency whose folder the file came from (a column of every frame)
        "domain.agency_matches_channel",
        "agency",
        "ExpectColumnPairValuesToBeEqual",
        column_A="agency",
        column_B="channel",
        ignore_row_if="either_value_is_missing",
        expected_from="channel",
    )
    build.add(
        "domain.period_format",
        "period",
        "ExpectColumnValuesToMatchRegex",
        column="period",
        regex=PERIOD_PATTERN,
    )
    for frequency in FREQUENCIES:
        codes = [indicator.code for indicator in reference.indicators if indicator.frequency == frequency]
        if codes:
            build.add(
                "domain.period_frequency",
                "period",
                "ExpectColumnValuesToBeInSet",
                column="period_kind",
                value_set=[frequency],
                row_condition=Column("indicator").is_in(codes),
            )
    build.add(
        "domain.period_in_future",
        "period",
        "ExpectColumnValuesToBeBetween",
        column="period_start",
        max_value={"$PARAMETER": CURRENT_PERIOD_PARAMETER},
    )
    build.add(
        "domain.period_before_programme",
        "period",
        "ExpectColumnValuesToBeBetween",
        column="period_start",
        min_value=period_start(reference.region.first_period),
        expected=reference.region.first_period,
    )
    # District rules apply to rows reported by district; R4V rows at province level are resolved on reading.
    by_district = Column("admin_level") == "district"
    reniec = sorted(reference.reniec_codes)
    build.add(
        "domain.district_reniec_code",
        "district",
        "ExpectColumnValuesToNotBeInSet",
        column="district",
        value_set=reniec,
        row_condition=by_district,
    )
    # RENIEC codes pass this one: the check above already says what to write instead.
    build.add(
        "domain.district_in_region",
        "district",
        "ExpectColumnValuesToBeInSet",
        column="district",
        value_set=reference.inei_codes + reniec,
        row_condition=by_district,
    )
    build.add(
        "domain.indicator_in_catalogue",
        "indicator",
        "ExpectColumnValuesToBeInSet",
        column="indicator",
        value_set=reference.indicator_codes,
    )
    for coded in ("sex", "age_group", "population_type"):
        build.add(
            f"domain.{coded}_in_list",
            coded,
            "ExpectColumnValuesToBeInSet",
            column=coded,
            value_set=list(reference.vocabularies[coded]),
        )
    build.number("value", "value", "value_text", whole_when=whole_indicators(reference))
    if duplicates:
        build.add(  # `request`: which submission's part a row belongs to, when many validate at once
            "consistency.duplicate_key",
            None,
            "ExpectCompoundColumnsToBeUnique",
            column_list=[*KEY_COLUMNS, "request"],
        )
    return build.items


def whole_indicators(reference: Reference) -> Condition | None:
    """Rows the whole-number rule applies to: indicators that do not allow decimals (None: all)."""
    from great_expectations.expectations.row_conditions import Column

    decimal_codes = [indicator.code for indicator in reference.indicators if indicator.decimals]
    return Column("indicator").is_not_in(decimal_codes) if decimal_codes else None


def comparison_expectations() -> list[Expectation]:
    """Rows against each other (expectations/derived.py): totals and their parts, attended and
    identified. Each comparison reads a >= b, and a == b for a total whose every part is there."""
    from great_expectations.expectations.row_conditions import Column

    build = Expectations()
    for check_id, condition, kind in (
        (
            "consistency.total_equals_parts",
            Column("kind").is_in(["total", "complete_total", "known_total"]),
            "ExpectColumnPairValuesAToBeGreaterThanB",
        ),
        (
            "consistency.total_equals_parts",
            Column("kind") == "complete_total",
            "ExpectColumnPairValuesToBeEqual",
        ),
        (
            "consistency.attended_within_identified",
            Column("kind") == "pair",
            "ExpectColumnPairValuesAToBeGreaterThanB",
        ),
    ):
        options = {"or_equal": True} if "GreaterThan" in kind else {}
        expected = "b" if check_id == "consistency.total_equals_parts" else "a"
        build.add(
            check_id,
            "value",
            kind,
            column_A="a",
            column_B="b",
            row_condition=condition,
            expected_from=expected,
            **options,
        )
    # A total above the parts that were recorded (all but "not recorded"): people whose sex, say,
    # was not recorded. Read b >= a: it fails only where the total is above.
    build.add(
        "consistency.total_above_parts",
        "value",
        "ExpectColumnPairValuesAToBeGreaterThanB",
        column_A="b",
        column_B="a",
        or_equal=True,
        row_condition=Column("kind") == "known_total",
        expected_from="b",
        detail_from="difference",
    )
    return build.items


def plausibility_expectations() -> list[Expectation]:
    """Values within the range their series usually stays in (expectations/derived.py)."""
    build = Expectations()
    for lower, upper in (("value", "low"), ("high", "value")):
        build.add(
            "plausibility.unusual_value",
            "value",
            "ExpectColumnPairValuesAToBeGreaterThanB",
            column_A=lower,
            column_B=upper,
            or_equal=True,
            expected_from="usual",
        )
    return build.items


def shared_expectations() -> dict[str, list[Expectation]]:
    """The suites that do not belong to one format: a value against its series' history."""
    return {"plausibility": plausibility_expectations()}


def suites_from(expectations: dict[str, list[Expectation]]) -> dict[str, ExpectationSuite]:
    import great_expectations as gx

    return {name: gx.ExpectationSuite(name=name, expectations=items) for name, items in expectations.items()}
