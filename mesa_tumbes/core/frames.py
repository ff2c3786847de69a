"""Frames of many submissions asked about at once: one concatenation, each row tagged with its own."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

# A row's place in its own frame (0 for the first), where rows of a frame are named apart from it.
POSITION = "position"


def stacked(
    numbered: Sequence[tuple[int, pd.DataFrame]], tag: str, columns: list[str] | None = None
) -> pd.DataFrame:
    """The frames one under the other (only `columns`, which each must have, when given), each row
    with its frame's number in `tag`. Tagged once for the round: dropping and tagging each frame on
    its own cost a few milliseconds a frame, seconds for a round of a thousand small files. The
    columns are chosen before concatenating: a round's whole frames side by side would cost memory;
    a frame that has those columns only, in that order, is not chosen from (a copy per frame)."""
    if not numbered:
        return pd.DataFrame(columns=[*(columns or []), tag])
    frames = [
        frame if columns is None or frame.columns.tolist() == columns else frame[columns]
        for _, frame in numbered
    ]
    rows = pd.concat(frames, ignore_index=True)
    return rows.assign(**{tag: np.repeat([number for number, _ in numbered], [len(f) for _, f in numbered])})


def unstacked(rows: pd.DataFrame, tag: str, count: int, columns: list[str]) -> list[pd.DataFrame]:
    """Rows of many frames tagged as `stacked` tags them, back to each number below `count`: its rows
    (`columns` only, in their order), or an empty frame of those columns. Slices of one sorted
    frame, not a selection per frame."""
    empty = pd.DataFrame(columns=columns)
    if rows.empty:
        return [empty for _ in range(count)]
    ordered = rows.sort_values(tag, kind="stable")
    tags, body = ordered[tag].to_numpy(), ordered[columns]
    numbers = np.arange(count)
    starts, ends = np.searchsorted(tags, numbers, "left"), np.searchsorted(tags, numbers, "right")
    return [
        body.iloc[start:end].reset_index(drop=True) if end > start else empty
        for start, end in zip(starts, ends, strict=True)
    ]


def sliced(rows: pd.DataFrame, lengths: Sequence[int]) -> list[pd.DataFrame]:
    """`rows` in consecutive pieces of these lengths: the frames they were concatenated from, in
    order (slices, not copies)."""
    ends = np.cumsum(lengths, dtype="int64")
    return [rows.iloc[end - length : end] for length, end in zip(lengths, ends, strict=True)]
