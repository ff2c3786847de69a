"""Frames derived from a submission for the rules that compare rows with each other."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from mesa_tumbes.core.contract import KEY_COLUMNS, SERIES
from mesa_tumbes.core.frames import POSITION, stacked, unstacked
from mesa_tumbes.core.reference import Reference

# One row per comparison: `row_number` is the row the feedback points at; the rule is a >= b, and
# a == b for a complete total. kind: total (a total and some of its parts) | complete_total (and all
# of them) | known_total (all of them but the one for "not recorded": a > b is people not recorded)
# | pair (a = identified, b = attended). `difference` is a - b.
COMPARISON_COLUMNS = ["row_number", "kind", "a", "b", "difference"]


# In frames derived for many submissions at once: which one (its place in the list) a row is of.
REQUEST = "derived_for"


class Batched:
    """A derivation asked of many frames (a round's parts) one at a time, computed for all of them
    together the first time one is asked: `many` takes the frames and returns what each derives, in
    order. A frame it was not built with is derived on its own."""

    def __init__(self, frames: list[pd.DataFrame], many: Callable[[list[pd.DataFrame]], list[pd.DataFrame]]):
        self.frames, self.many = frames, many
        self.positions = {id(frame): number for number, frame in enumerate(frames)}
        self.found: list[pd.DataFrame] | None = None

    def knows(self, frame: pd.DataFrame) -> bool:
        number = self.positions.get(id(frame))
        return number is not None and self.frames[number] is frame

    def __call__(self, frame: pd.DataFrame) -> pd.DataFrame:
        number = self.positions.get(id(frame))
        if number is None or self.frames[number] is not frame:
            return self.many([frame])[0]
        if self.found is None:
            self.found = self.many(self.frames)
        return self.found[number]


def comparisons(frame: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """Totals against their parts, and attended against identified, within one submission. A frame
    without the columns to compare (a required column missing: reported already) compares nothing."""
    return comparisons_many([frame], reference)[0]


def comparisons_many(frames: list[pd.DataFrame], reference: Reference) -> list[pd.DataFrame]:
    """`comparisons` of each frame (each its own submission's rows: rows are compared within their
    own only), computed over all of them at once."""
    empty = pd.DataFrame(columns=COMPARISON_COLUMNS)
    compared = ["row_number", "value", *KEY_COLUMNS]
    usable = [(number, frame) for number, frame in enumerate(frames) if set(compared) <= set(frame.columns)]
    if not usable:
        return [empty for _ in frames]
    rows = stacked(usable, REQUEST, compared).dropna(subset=["value", *KEY_COLUMNS])
    coded = _Coded(rows)
    pieces = [*_totals(rows, reference, coded), *_pairs(rows, reference, coded)]
    if not pieces:
        return [empty for _ in frames]
    derived = pd.concat(pieces, ignore_index=True)
    return _split(derived, len(frames), COMPARISON_COLUMNS)


def _split(derived: pd.DataFrame, count: int, columns: list[str]) -> list[pd.DataFrame]:
    """Rows derived for many frames, back to each frame (in their order), with `columns`."""
    return unstacked(derived, REQUEST, count, columns)


class _Coded:
    """Which rows of a frame hold some values in a text column, each column coded once: a round's
    frame is matched against every breakdown's total and parts and every pair's indicators, and
    comparing text row by row each time cost more than the rest of the comparisons."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.coded: dict[str, tuple[np.ndarray, pd.Index]] = {}

    def rows(self, column: str, values: list[str]) -> np.ndarray:
        if column not in self.coded:
            codes, uniques = pd.factorize(self.frame[column])
            self.coded[column] = (codes, pd.Index(uniques))
        codes, uniques = self.coded[column]
        wanted = uniques.get_indexer(pd.Index(values))
        return np.isin(codes, wanted[wanted >= 0])


def _totals(frame: pd.DataFrame, reference: Reference, coded: _Coded) -> list[pd.DataFrame]:
    pieces = []
    for breakdown in reference.breakdowns:
        others = [REQUEST, *(column for column in KEY_COLUMNS if column != breakdown.column)]
        totals = frame.loc[coded.rows(breakdown.column, [breakdown.total]), [*others, "row_number", "value"]]
        among_parts = coded.rows(breakdown.column, list(breakdown.parts))
        parts = frame.loc[among_parts]
        if totals.empty or parts.empty:
            continue
        summed = parts.groupby(others, sort=False).agg(
            b=("value", "sum"), present=(breakdown.column, "nunique")
        )
        if breakdown.unknown is not None:
            recorded = coded.rows(breakdown.column, [p for p in breakdown.parts if p != breakdown.unknown])
            known = parts.loc[recorded[among_parts]].groupby(others, sort=False)[breakdown.column].nunique()
            summed = summed.join(known.rename("known"))
        joined = totals.merge(summed.reset_index(), on=others)
        kind = pd.Series("total", index=joined.index)
        if "known" in joined:
            all_known = (joined["known"] == len(breakdown.parts) - 1) & (joined["present"] == joined["known"])
            kind = kind.mask(all_known, "known_total")
        kind = kind.mask(joined["present"] == len(breakdown.parts), "complete_total")
        pieces.append(
            pd.DataFrame(
                {
                    REQUEST: joined[REQUEST],
                    "row_number": joined["row_number"],
                    "kind": kind,
                    "a": joined["value"],
                    "b": joined["b"],
                    "difference": joined["value"] - joined["b"],
                }
            )
        )
    return pieces


def _pairs(frame: pd.DataFrame, reference: Reference, coded: _Coded) -> list[pd.DataFrame]:
    others = [REQUEST, *(column for column in KEY_COLUMNS if column != "indicator")]
    pieces = []
    for indicator in reference.indicators:
        if indicator.pairs_with is None:
            continue
        attended = frame.loc[coded.rows("indicator", [indicator.code]), [*others, "row_number", "value"]]
        identified = frame.loc[coded.rows("indicator", [indicator.pairs_with]), [*others, "value"]]
        joined = attended.merge(identified, on=others, suffixes=("", "_identified"))
        if joined.empty:
            continue
        pieces.append(
            pd.DataFrame(
                {
                    REQUEST: joined[REQUEST],
                    "row_number": joined["row_number"],
                    "kind": "pair",
                    "a": joined["value_identified"],
                    "b": joined["value"],
                    "difference": joined["value_identified"] - joined["value"],
                }
            )
        )
    return pieces


# Plausibility against a series' own history (modified z-score on median and MAD, Iglewicz and
# Hoaglin): a value further than THRESHOLD scales from the median of the series' other periods is
# unusual. The scale is the largest of the MAD-based and mean-deviation-based estimates of the
# spread, sqrt(median) (counts vary like that by chance) and 1, so that a series of zeros or of one
# repeated value does not make every change unusual. Series with fewer than MIN_PERIODS earlier
# periods are not judged.
THRESHOLD = 3.5
MIN_PERIODS = 4
MAD_TO_SIGMA = 0.6745
MEAN_DEVIATION_TO_SIGMA = 1.2533
PLAUSIBILITY_COLUMNS = ["row_number", "value", "low", "high", "usual"]


def plausibility(frame: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """Each row with a judged history, and the range its series usually stays in. `history`: the
    rows whose series has one, by their `position` in `frame` (warehouse.store.series_history)."""
    return plausibility_many([frame], [history])[0]


def plausibility_many(frames: list[pd.DataFrame], histories: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """`plausibility` of each frame against its own rows' histories, computed for all at once."""
    empty = pd.DataFrame(columns=PLAUSIBILITY_COLUMNS)
    judged = ["row_number", "value", *SERIES]
    usable = [  # a required column missing: reported already
        number for number, frame in enumerate(frames) if set(judged) <= set(frame.columns)
    ]
    if not usable:
        return [empty for _ in frames]
    rows = stacked([(n, frames[n]) for n in usable], REQUEST, ["row_number", "value"])
    history = stacked([(n, histories[n]) for n in usable], REQUEST)
    history = history.loc[history["periods"] >= MIN_PERIODS]
    starts = np.cumsum([0, *(len(frames[n]) for n in usable)])[:-1]
    first_row = pd.Series(starts, index=usable)
    at = history[POSITION].to_numpy(dtype="int64") + first_row.loc[history[REQUEST]].to_numpy()
    joined = pd.concat(
        [rows.iloc[at].reset_index(drop=True), history.drop(columns=REQUEST).reset_index(drop=True)], axis=1
    ).dropna(subset=["value"])
    if joined.empty:
        return [empty for _ in frames]
    median = joined["median_value"].astype("float64")
    scale = pd.concat(
        [
            joined["mad_value"].astype("float64") / MAD_TO_SIGMA,
            joined["mean_deviation"].astype("float64") * MEAN_DEVIATION_TO_SIGMA,
            median.clip(lower=0) ** 0.5,
            pd.Series(1.0, index=joined.index),
        ],
        axis=1,
    ).max(axis=1)
    low = (median - THRESHOLD * scale).clip(lower=0)
    high = median + THRESHOLD * scale
    usual = _ranges(low.to_numpy(), high.to_numpy())
    derived = pd.DataFrame(
        {
            REQUEST: joined[REQUEST],
            "row_number": joined["row_number"],
            "value": joined["value"],
            "low": low,
            "high": high,
            "usual": usual,
        }
    )
    return _split(derived, len(frames), PLAUSIBILITY_COLUMNS)


def _ranges(low: np.ndarray, high: np.ndarray) -> list[str]:
    """The range "low–high" in whole people: the first whole number at or above `low`, the last at or below
    `high`. Whole numbers go through integers (a third of formatting each float), the rest as floats."""
    first, last = np.ceil(low), np.floor(high)
    exact = (np.abs(first) < 2**53) & (np.abs(last) < 2**53)
    if exact.all():
        first, last = first.astype("int64"), last.astype("int64")
        return [f"{a}–{b}" for a, b in zip(first.tolist(), last.tolist(), strict=True)]
    return [f"{a:.0f}–{b:.0f}" for a, b in zip(first.tolist(), last.tolist(), strict=True)]
