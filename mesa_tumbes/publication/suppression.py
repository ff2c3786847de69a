"""Small-cell suppression for anything published outside the warehouse.

In sensitive sectors (GBV, trafficking, child protection) a count of people between 1 and the
threshold minus one can identify a person in a small district: it is hidden (primary suppression).
Where a total and its parts are published together, a single hidden cell could be recovered by
subtraction, so another cell of the same set is hidden too (secondary suppression), until no set
has exactly one hidden cell. Sets are approximate sums (a part may be unknown), which only makes the
protection more conservative. No published threshold exists for aggregate counts (OCHA's guidance
on statistical disclosure control leaves it to the context): 5 is this project's default.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

DEFAULT_THRESHOLD = 5


@dataclass(frozen=True)
class CellSet:
    """Rows of one column that add up: `total` (a row's position label) and its `parts`."""

    column: str
    total: int
    parts: tuple[int, ...]

    @property
    def cells(self) -> tuple[int, ...]:
        return (self.total, *self.parts)


def primary(frame: pd.DataFrame, column: str, sensitive: pd.Series, threshold: int) -> pd.Series:
    """Cells small enough to identify someone: sensitive rows with 0 < count < threshold."""
    values = pd.to_numeric(frame[column], errors="coerce")
    return sensitive & values.gt(0) & values.lt(threshold)


def secondary(
    frame: pd.DataFrame, hidden: dict[str, pd.Series], sets: Iterable[CellSet]
) -> dict[str, pd.Series]:
    """Hide more cells until no set has exactly one hidden cell; prefer the smallest part."""
    masks = {column: dict(zip(frame.index, mask.to_numpy(), strict=True)) for column, mask in hidden.items()}
    numbers = {
        column: dict(
            zip(frame.index, pd.to_numeric(frame[column], errors="coerce").fillna(0).to_numpy(), strict=True)
        )
        for column in hidden
    }
    sets = list(sets)
    changed = True
    while changed:
        changed = False
        for cell_set in sets:
            mask = masks[cell_set.column]
            if sum(mask[row] for row in cell_set.cells) != 1:
                continue
            candidate = _next_to_hide(numbers[cell_set.column], mask, cell_set)
            if candidate is not None:
                mask[candidate] = True
                changed = True
    return {
        column: pd.Series(mask, dtype=bool).reindex(frame.index, fill_value=False)
        for column, mask in masks.items()
    }


def _next_to_hide(numbers: dict[Any, float], mask: dict[Any, bool], cell_set: CellSet) -> int | None:
    """The smallest visible non-zero part (a zero reveals nothing); the total only when no part is left."""
    visible = [row for row in cell_set.parts if not mask[row] and numbers[row] > 0]
    if visible:
        return min(visible, key=lambda row: numbers[row])
    return cell_set.total if not mask[cell_set.total] and numbers[cell_set.total] > 0 else None


def additive_sets(
    frame: pd.DataFrame, column: str, by: Sequence[str], total: pd.Series, parts: pd.Series
) -> list[CellSet]:
    """Within each group of rows sharing `by`: the one row where `total` holds, and its parts."""
    sets = []
    for _, rows in frame.groupby(list(by), sort=False, dropna=False):
        totals = rows.index[total[rows.index].to_numpy()]
        members = rows.index[parts[rows.index].to_numpy()]
        if len(totals) == 1 and len(members):
            sets.append(CellSet(column, int(totals[0]), tuple(int(row) for row in members)))
    return sets
