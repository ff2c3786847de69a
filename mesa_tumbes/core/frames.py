"""Frames of many submissions asked about at once: one concatenation, each row tagged with its own."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def stacked(
    numbered: Sequence[tuple[int, pd.DataFrame]], tag: str, columns: list[str] | None = None
) -> pd.DataFrame:
    """The frames one under the other (only `columns`, when given), each row with its frame's number
    in `tag`. One concatenation for the round: selecting and tagging each frame on its own cost a few
    milliseconds a frame, seconds for a round of a thousand small files."""
    if not numbered:
        return pd.DataFrame(columns=[*(columns or []), tag])
    rows = pd.concat([frame for _, frame in numbered], ignore_index=True)
    if columns is not None:
        rows = rows[columns]
    return rows.assign(**{tag: np.repeat([number for number, _ in numbered], [len(f) for _, f in numbered])})
