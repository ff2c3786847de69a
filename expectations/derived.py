"""Frames derived from a submission for the rules that compare rows with each other."""

from __future__ import annotations

import pandas as pd

from mesa.reference import Reference
from transforms.template import KEY_COLUMNS

# One row per comparison: `row_number` is the row the feedback points at; the rule is a >= b, and
# a == b for a complete total. kind: total (a total and some of its parts) | complete_total (and all
# of them) | pair (a = identified, b = attended).
COMPARISON_COLUMNS = ["row_number", "kind", "a", "b"]


def comparisons(frame: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """Totals against their parts, and attended against identified, within one submission. A frame
    without the columns to compare (a required column missing: reported already) compares nothing."""
    if not {"value", *KEY_COLUMNS} <= set(frame.columns):
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    usable = frame.dropna(subset=["value", *KEY_COLUMNS])
    pieces = [*_totals(usable, reference), *_pairs(usable, reference)]
    if not pieces:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    return pd.concat(pieces, ignore_index=True)[COMPARISON_COLUMNS]


def _totals(frame: pd.DataFrame, reference: Reference) -> list[pd.DataFrame]:
    pieces = []
    for breakdown in reference.breakdowns:
        others = [column for column in KEY_COLUMNS if column != breakdown.column]
        totals = frame.loc[frame[breakdown.column] == breakdown.total, [*others, "row_number", "value"]]
        parts = frame.loc[frame[breakdown.column].isin(breakdown.parts)]
        if totals.empty or parts.empty:
            continue
        summed = parts.groupby(others, sort=False).agg(
            b=("value", "sum"), present=(breakdown.column, "nunique")
        )
        joined = totals.merge(summed.reset_index(), on=others)
        complete = joined["present"] == len(breakdown.parts)
        pieces.append(
            pd.DataFrame(
                {
                    "row_number": joined["row_number"],
                    "kind": complete.map({True: "complete_total", False: "total"}),
                    "a": joined["value"],
                    "b": joined["b"],
                }
            )
        )
    return pieces


def _pairs(frame: pd.DataFrame, reference: Reference) -> list[pd.DataFrame]:
    others = [column for column in KEY_COLUMNS if column != "indicator"]
    pieces = []
    for indicator in reference.indicators:
        if indicator.pairs_with is None:
            continue
        attended = frame.loc[frame["indicator"] == indicator.code, [*others, "row_number", "value"]]
        identified = frame.loc[frame["indicator"] == indicator.pairs_with, [*others, "value"]]
        joined = attended.merge(identified, on=others, suffixes=("", "_identified"))
        if joined.empty:
            continue
        pieces.append(
            pd.DataFrame(
                {
                    "row_number": joined["row_number"],
                    "kind": "pair",
                    "a": joined["value_identified"],
                    "b": joined["value"],
                }
            )
        )
    return pieces
