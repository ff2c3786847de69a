"""The modified z-score rule on hand-built histories."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mesa_tumbes.expectations.derived import plausibility

SERIES = {
    "agency": "PNP",
    "indicator": "TRA-01",
    "district": "240302",
    "sex": "F",
    "age_group": "18+",
    "population_type": "total",
}


def judge(value: float, periods: int, median: float, mad: float, mean_deviation: float) -> pd.DataFrame:
    frame = pd.DataFrame([{**SERIES, "row_number": 2, "value": value}])
    history = pd.DataFrame(
        [
            {
                "position": 0,
                "periods": periods,
                "median_value": median,
                "mad_value": mad,
                "mean_deviation": mean_deviation,
            }
        ]
    )
    return plausibility(frame, history)


@pytest.mark.parametrize(
    ("history", "usual"),
    [
        ((6, 20.0, 2.0, 2.0), "5–35"),  # sqrt(20) is the widest scale: counts vary like that by chance
        ((6, 200.0, 40.0, 45.0), "0–407"),  # a spread-out series: the MAD and mean deviation dominate
        ((8, 0.0, 0.0, 0.0), "0–3"),  # a series of zeros: a few people is not unusual, ten is
        ((5, 7.0, 0.0, 0.0), "0–16"),  # one value repeated: the scale does not collapse to zero
    ],
)
def test_the_usual_range_comes_from_median_and_robust_spread(
    history: tuple[int, float, float, float], usual: str
) -> None:
    judged = judge(1.0, *history)
    assert list(judged["usual"]) == [usual]


def test_values_inside_the_range_pass_and_outside_fail() -> None:
    range_of = judge(0.0, 8, 0.0, 0.0, 0.0)
    low, high = float(range_of["low"].iloc[0]), float(range_of["high"].iloc[0])
    assert (low, high) == (0.0, 3.5)
    assert low <= 3 <= high and not high >= 10


def test_short_histories_and_rows_without_one_are_not_judged() -> None:
    assert judge(500.0, 3, 20.0, 2.0, 2.0).empty
    frame = pd.DataFrame([{**SERIES, "row_number": n, "value": 500.0} for n in (2, 3)])
    history = pd.DataFrame(
        [{"position": 1, "periods": 6, "median_value": 20.0, "mad_value": 2.0, "mean_deviation": 2.0}]
    )
    judged = plausibility(frame, history)
    assert list(judged["row_number"]) == [3]  # the history given is the second row's only
    assert plausibility(frame, history.iloc[:0]).empty


def test_whole_ranges_are_written_as_whole_numbers_however_large() -> None:
    assert list(judge(1.0, 6, 2.0**60, 0.0, 0.0)["usual"]) == [
        f"{math.ceil(2.0**60 - 3.5 * 2.0**30):.0f}–{math.floor(2.0**60 + 3.5 * 2.0**30):.0f}"
    ]
