"""Frames of many submissions stacked into one and back: nothing moves from one to another."""

from __future__ import annotations

import pandas as pd

from mesa_tumbes.core.frames import sliced, stacked, unstacked


def frame(*values: int) -> pd.DataFrame:
    return pd.DataFrame({"row_number": list(range(2, 2 + len(values))), "value": list(values), "note": "x"})


def test_stacking_tags_each_row_with_its_frames_number_and_keeps_the_order() -> None:
    rows = stacked([(0, frame(5, 6)), (3, frame()), (7, frame(9))], "request", ["row_number", "value"])
    assert list(rows.columns) == ["row_number", "value", "request"]
    assert rows.to_dict("list") == {"row_number": [2, 3, 2], "value": [5, 6, 9], "request": [0, 0, 7]}
    assert list(stacked([], "request", ["value"]).columns) == ["value", "request"]


def test_frames_with_exactly_the_columns_are_stacked_as_they_are_and_left_alone() -> None:
    exact = frame(5, 6)[["row_number", "value"]]
    rows = stacked([(0, exact), (1, frame(9))], "request", ["row_number", "value"])
    assert rows.to_dict("list") == {"row_number": [2, 3, 2], "value": [5, 6, 9], "request": [0, 0, 1]}
    rows.loc[0, "value"] = 50
    assert exact["value"].tolist() == [5, 6]


def test_unstacking_gives_each_number_its_rows_in_order_and_the_others_an_empty_frame() -> None:
    derived = pd.DataFrame({"request": [2, 0, 2, 0], "value": [1, 2, 3, 4], "extra": 0})
    found = unstacked(derived, "request", 4, ["value"])
    assert [part["value"].tolist() for part in found] == [[2, 4], [], [1, 3], []]
    assert all(list(part.columns) == ["value"] for part in found)
    assert found[2].index.tolist() == [0, 1]
    assert [len(part) for part in unstacked(derived.iloc[0:0], "request", 2, ["value"])] == [0, 0]


def test_a_round_trip_returns_each_frame() -> None:
    frames = [frame(1, 2, 3), frame(), frame(4)]
    back = unstacked(stacked(list(enumerate(frames)), "n"), "n", len(frames), ["row_number", "value", "note"])
    for original, returned in zip(frames, back, strict=True):
        if original.empty:
            assert returned.empty
        else:
            pd.testing.assert_frame_equal(returned, original, check_dtype=False)


def test_slicing_by_lengths_gives_back_the_frames_concatenated() -> None:
    frames = [frame(5, 6), frame(9), frame(1, 2, 3)]
    pieces = sliced(pd.concat(frames), [len(f) for f in frames])
    assert len(pieces) == len(frames)
    for piece, original in zip(pieces, frames, strict=True):
        pd.testing.assert_frame_equal(piece, original)
    assert [len(piece) for piece in sliced(frame(1, 2), [0, 2, 0])] == [0, 2, 0]
    assert sliced(frame(), []) == []
