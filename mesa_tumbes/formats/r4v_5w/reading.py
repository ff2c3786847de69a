"""The R4V 5W export (ActivityInfo): what UN agencies and NGOs already report to the R4V platform.

A 5W row is one activity of one partner in one month and place. Rows outside the region and
indicators the Mesa does not track are left out (and reported); the rest is validated as it was
written (wide), then becomes the warehouse's long rows: the total, each population type and each
R4V age-sex group, at province level (R4V's Admin2) or for the whole department.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from mesa_tumbes.core.contract import COVER_COLUMNS, KEY_COLUMNS
from mesa_tumbes.core.problems import Problem
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.formats.r4v_5w.mapping import load_mapping
from mesa_tumbes.transforms.columns import column_problems, formula_problems, personal_data
from mesa_tumbes.transforms.header import AliasSpec, Header
from mesa_tumbes.transforms.model import Part
from mesa_tumbes.transforms.values import (
    cell,
    normalise_period,
    number_columns,
    resolver,
    total_word,
    with_period_columns,
)

LABEL_FIELDS = ("country", "admin1", "subsector", "indicator")
VALUE_FIELD = "new_beneficiaries"
# The people reached in the month (R4V's "Monthly Total Beneficiaries"), beside the new ones (its
# "Consolidated"): kept with each row; an older export without it falls back to the new ones.
MONTHLY_FIELD = "total_monthly"
CVA_VALUE_FIELD = "cva_value"
# A 5W row as kept whole in the warehouse (five_w_rows): the fields as written and the figures read.
DETAIL_TEXT = (
    "country", "admin1", "admin2", "appealing_org", "implementing_partner", "subsector", "activity_name",
    "rmrp_activity", "delivery_mechanism",
)  # fmt: skip
DETAIL_COLUMNS = [
    "row_number", "agency", "period", "district", "admin_level", "indicator", "r4v_indicator", *DETAIL_TEXT,
    "cva", CVA_VALUE_FIELD, MONTHLY_FIELD, VALUE_FIELD, "in_destination", "in_transit", "host_community",
    "pendular", "returnee", "girls", "boys", "women", "men", "other_under_18", "other_over_18",
]  # fmt: skip
# How a 5W column is named where a template field is reported: feedback quotes the agency's column.
SOURCE_FIELDS = {"agency": "appealing_org", "period": "month", "district": "admin2", "value": VALUE_FIELD}
LONG_COLUMNS = ["row_number", *KEY_COLUMNS, "admin_level", "r4v_group", "value", "value_text"]


def five_w_spec(reference: Reference) -> AliasSpec:
    """The R4V 5W export: recognised only when every one of its required columns is there."""
    spec = load_mapping()
    keys = {
        reference.header_key(alias): (name, rank)
        for name, aliases in spec.columns.items()
        for rank, alias in enumerate((*aliases, name))
    }
    return AliasSpec(
        "r4v_5w",
        keys,
        reference,
        required=frozenset(spec.required),
        min_fields=len(spec.required),
        known=frozenset(reference.header_key(title) for title in spec.known),
        needed=frozenset(spec.required),
    )


def breakdown_fields(reference: Reference) -> tuple[list[str], list[str]]:
    groups = reference.r4v
    return list(groups.population_types), list(groups.age_sex_groups)


def five_w_part(header: Header, reference: Reference) -> tuple[Part | None, list[Problem]]:
    """The in-region, tracked 5W rows as written plus parsed helpers; what was left out, reported."""
    columns, sheet = header.columns, header.table.sheet
    data = header.data()
    privacy = personal_data(columns, [cells for _, cells in data], loaded=())
    problems = column_problems(columns, said=privacy.titles)
    records, numbers = [], []
    outside: Counter[str] = Counter()
    untracked: Counter[str] = Counter()
    read_fields, indicator_code = _all_fields(reference), load_mapping().indicator_code
    for number, cells in data:
        fields = {
            name: cell(cells, columns.positions[name]) if name in columns.positions else ""
            for name in read_fields
        }
        total = total_word([fields[name] for name in LABEL_FIELDS], cells)
        if total is not None:
            problems.append(Problem("structure.total_row", row_number=number, value=total, sheet=sheet))
        elif not reference.may_be_in_region(fields["country"], fields["admin1"]):
            outside[" / ".join(part for part in (fields["country"], fields["admin1"]) if part)] += 1
        elif indicator_code(fields["subsector"], fields["indicator"]) is None:
            untracked[fields["indicator"]] += 1
        else:
            records.append(fields)
            numbers.append(number)
    problems += privacy.problems
    problems += formula_problems(header, numbers)
    if outside:
        places = ", ".join(f"{place} ({count})" for place, count in outside.most_common())
        problems.append(Problem("structure.outside_region", rows=str(outside.total()), detail=places))
    problems += [
        Problem("structure.indicator_not_tracked", value=indicator, rows=str(count))
        for indicator, count in untracked.most_common()
    ]
    rows_read = len(records) + outside.total() + untracked.total()
    if not rows_read:
        return None, [*problems, Problem("structure.no_data_rows")]
    source = pd.DataFrame(
        records, index=pd.Index(numbers, name="row_number"), columns=_all_fields(reference), dtype=object
    )
    # Every row may have been left out: the part still says how many rows it read.
    frame = wide_frame(source, reference) if records else pd.DataFrame(columns=["row_number"])
    part = Part(
        sheet,
        header.row_number,
        columns.titles,
        frame,
        source,
        rows_read=rows_read,
        rows_excluded=outside.total() + untracked.total(),
        positions=columns.positions,
        personal=privacy.positions,
        covers=covers(source, reference),
    )
    return part, problems


def covers(source: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """The month and catalogue indicator each tracked, in-region 5W row reports, valid or not."""
    indicator_code = load_mapping().indicator_code
    return pd.DataFrame(
        {
            "row_number": source.index,
            "period": source["month"].map(normalise_period).to_numpy(),
            "indicator": [
                indicator_code(s, i) for s, i in zip(source["subsector"], source["indicator"], strict=True)
            ],
        },
        columns=COVER_COLUMNS,
    )


def _all_fields(reference: Reference) -> list[str]:
    return list(load_mapping().columns)


def wide_frame(source: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """The rows as written plus what the 5W suite checks: areas resolved, numbers parsed, and the
    breakdown sums (NaN when a breakdown cell is not a number: that cell is reported instead), each
    beside the figure it is compared with: New_beneficiaries, or Total_monthly when it adds up to
    that instead (R4V flags a breakdown that adds up to neither)."""
    frame = pd.DataFrame(index=source.index)
    frame["admin1_key"] = source["admin1"].map(lambda text: reference.department_code(text) or text or None)
    frame["admin2_key"] = source["admin2"].map(lambda text: reference.province_code(text) or text or None)
    populations, groups = breakdown_fields(reference)
    for name in [VALUE_FIELD, MONTHLY_FIELD, CVA_VALUE_FIELD, *populations, *groups]:
        frame[name], frame[f"{name}_text"] = number_columns(source[name])
    for total, parts in (("population_sum", populations), ("age_sex_sum", groups)):
        written = source[parts].map(bool)  # a filled cell, number or not
        filled = written.any(axis=1)
        broken = (written & frame[parts].isna()).any(axis=1)
        frame[total] = frame[parts].fillna(0).sum(axis=1).where(filled & ~broken)
        frame[f"{total}_reference"] = frame[VALUE_FIELD].where(
            frame[total] != frame[MONTHLY_FIELD], frame[MONTHLY_FIELD]
        )
    frame[f"{MONTHLY_FIELD}_said"] = frame[f"{MONTHLY_FIELD}_text"].fillna("—")
    return frame.reset_index()


def _base(wide: pd.DataFrame, source: pd.DataFrame, channel: str, reference: Reference) -> pd.DataFrame:
    """What every long row of a 5W row shares: its agency, month, indicator and area."""
    rows = source.loc[wide["row_number"]]
    indicator_code = load_mapping().indicator_code
    base = pd.DataFrame(
        {
            "row_number": wide["row_number"].to_numpy(),
            "agency": rows["appealing_org"].map(resolver(reference.agency_code, empty=channel)).to_numpy(),
            "period": rows["month"].map(normalise_period).to_numpy(),
            "indicator": [
                indicator_code(s, i) for s, i in zip(rows["subsector"], rows["indicator"], strict=True)
            ],
        }
    )
    province = wide["admin2_key"].where(wide["admin2_key"].isin(list(reference.provinces)))
    base["district"] = province.fillna(reference.region.department).to_numpy()
    base["admin_level"] = province.notna().map({True: "province", False: "department"}).to_numpy()
    return base


def details(wide: pd.DataFrame, source: pd.DataFrame, channel: str, reference: Reference) -> pd.DataFrame:
    """Each 5W row as kept whole beside its values (five_w_rows): where and whose, the partner that
    implemented it, the activity, cash assistance and its value, both of R4V's monthly figures and
    the breakdowns, as R4V's consolidation reads them."""
    if wide.empty:
        return pd.DataFrame(columns=DETAIL_COLUMNS)
    rows = source.loc[wide["row_number"]]
    kept = _base(wide, source, channel, reference)
    kept["r4v_indicator"] = rows["indicator"].to_numpy()
    for name in DETAIL_TEXT:
        kept[name] = rows[name].to_numpy()
    kept["cva"] = rows["cva"].map(lambda text: _yes(text)).to_numpy()
    populations, groups = breakdown_fields(reference)
    for name in [CVA_VALUE_FIELD, MONTHLY_FIELD, VALUE_FIELD, *populations, *groups]:
        kept[name] = wide[name].to_numpy()
    return kept[DETAIL_COLUMNS].astype({name: object for name in DETAIL_TEXT})


def _yes(text: object) -> bool | None:
    """R4V's Yes/No columns (CVA): True, False, or None when empty."""
    written = str(text or "").strip().lower()
    if not written:
        return None
    return written in ("yes", "sí", "si", "true", "1")


def to_long(wide: pd.DataFrame, source: pd.DataFrame, channel: str, reference: Reference) -> pd.DataFrame:
    """Each 5W row as the warehouse's rows: the total, each population type and each age-sex group
    that was filled in. Rows are not summed here: the suite and triage see each 5W row."""
    if wide.empty:
        return with_period_columns(pd.DataFrame(columns=LONG_COLUMNS))
    base = _base(wide, source, channel, reference)
    populations, _ = breakdown_fields(reference)
    pieces = [_long_piece(base, wide, VALUE_FIELD, sex="total", age="total", population="total", group=None)]
    pieces += [
        _long_piece(base, wide, name, sex="total", age="total", population=name, group=None)
        for name in populations
    ]
    for group, (sex, age) in reference.r4v.age_sex_groups.items():
        pieces.append(_long_piece(base, wide, group, sex=sex, age=age, population="total", group=group))
    long = pd.concat(pieces, ignore_index=True)
    long = long[LONG_COLUMNS].astype({c: object for c in LONG_COLUMNS if c not in ("row_number", "value")})
    return with_period_columns(long)


def _long_piece(
    base: pd.DataFrame,
    wide: pd.DataFrame,
    column: str,
    sex: str,
    age: str,
    population: str,
    group: str | None,
) -> pd.DataFrame:
    filled = wide[f"{column}_text"].notna().to_numpy()
    piece = base.loc[filled].copy()
    piece["sex"], piece["age_group"], piece["population_type"], piece["r4v_group"] = (
        sex,
        age,
        population,
        group,
    )
    piece["value"] = wide.loc[filled, column].to_numpy()
    piece["value_text"] = wide.loc[filled, f"{column}_text"].to_numpy()
    return piece


def totals(long: pd.DataFrame) -> pd.DataFrame:
    """The long rows that hold a 5W row's New_beneficiaries (not its breakdowns)."""
    keep = (long["sex"] == "total") & (long["age_group"] == "total") & (long["population_type"] == "total")
    return long.loc[keep]


def aggregate(accepted: pd.DataFrame) -> pd.DataFrame:
    """Several activities of one partner under one indicator, place and month add up to one value
    (R4V's own consolidation); the row number kept is the first contributing 5W row."""
    if accepted.empty:
        return accepted
    keys = [*KEY_COLUMNS, "admin_level", "r4v_group"]
    summed = accepted.groupby(keys, dropna=False, sort=False).agg(
        row_number=("row_number", "min"), value=("value", "sum")
    )
    return summed.reset_index()[accepted.columns.tolist()]
