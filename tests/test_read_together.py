"""A chunk of files read together (their cells normalised in one pass of pandas) gives each file
exactly what reading it alone gives, and one file that breaks the pass is the only one to fail."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mesa_tumbes.core.reference import Reference
from mesa_tumbes.core.settings import Settings, resolve_settings
from mesa_tumbes.formats import submission
from mesa_tumbes.formats.template.reading import canonical_frame, canonical_frames
from mesa_tumbes.pipeline.intake import Fault, Read, read_all
from mesa_tumbes.reception.received import Received, received_in_place
from mesa_tumbes.transforms.model import Parsed, ToNormalise

from .test_bulk_validation import inbox_files


def settings_for(tmp_path: Path) -> Settings:
    return resolve_settings(inbox=str(tmp_path), warehouse=str(tmp_path / "mesa.duckdb"))


def assert_same_reading(together: Parsed, alone: Parsed, where: str) -> None:
    assert (together.format, together.problems, together.encoding) == (
        alone.format,
        alone.problems,
        alone.encoding,
    ), where
    assert len(together.parts) == len(alone.parts), where
    for bulk, single in zip(together.parts, alone.parts, strict=True):
        assert (bulk.sheet, bulk.header_row, bulk.titles, bulk.rows_read, bulk.positions) == (
            single.sheet,
            single.header_row,
            single.titles,
            single.rows_read,
            single.positions,
        ), where
        pd.testing.assert_frame_equal(bulk.frame, single.frame, obj=f"{where} frame")
        pd.testing.assert_frame_equal(bulk.source, single.source, obj=f"{where} source")
        pd.testing.assert_frame_equal(bulk.covers, single.covers, obj=f"{where} covers")


def test_a_chunk_read_together_gives_each_file_what_it_reads_alone(
    tmp_path: Path, reference: Reference
) -> None:
    files = inbox_files()
    # the same file from two folders: its agency column resolves against each folder's own
    police = next(path for path, agency in files if agency == "PNP")
    files.append((police, "DIRESA"))
    received = [received_in_place(path, agency, agency) for path, agency in files]

    together = read_all(received, settings_for(tmp_path))

    assert len(together) == len(received)
    assert sum(isinstance(item, Read) and item.parsed.format == "mesa_template" for item in together) >= 10
    for item, (path, agency) in zip(together, files, strict=True):
        assert isinstance(item, Read), f"{agency}/{path.name}: {item}"
        alone = submission.read(path.name, path.read_bytes(), agency, reference)
        assert_same_reading(item.parsed, alone, f"{agency}/{path.name}")


def test_canonical_frames_of_tables_with_other_columns_and_agencies_are_each_their_own(
    reference: Reference,
) -> None:
    def source(rows: list[dict[str, str]], first_row: int = 2) -> pd.DataFrame:
        frame = pd.DataFrame(rows, dtype=object)
        frame.index = pd.Index(range(first_row, first_row + len(rows)), name="row_number")
        return frame

    full = {"agency": "", "period": "oct-26", "district": "Zarumilla", "indicator": "SAL-1", "value": "4"}
    short = {"period": "2026-10", "district": "240101", "indicator": "SAL-1", "value": "1.234,5"}
    sources = [
        (source([full, {**full, "value": "x"}]), "DIRESA"),
        (source([short] * 3, first_row=5), "MIMP"),
        (source([{**full, "sex": "F", "age_group": "18-29"}]), "DIRESA"),
        (source([{**full, "district": "TOTAL"}] * 2, first_row=7), "DIRESA"),
        (source([short]), "MIMP"),
        (source([full]), "OIM"),  # the same columns, another agency: its own empty agency cells
    ]
    asked = [ToNormalise(cells, agency, reference, canonical_frames) for cells, agency in sources]

    together = canonical_frames(asked)

    for frame, (cells, agency) in zip(together, sources, strict=True):
        pd.testing.assert_frame_equal(frame, canonical_frame(cells, agency, reference))
    assert together[0]["agency"].tolist() == ["DIRESA", "DIRESA"]
    assert together[5]["agency"].tolist() == ["OIM"]


def received_text(tmp_path: Path, name: str, agency: str, text: str) -> Received:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return received_in_place(path, agency, agency)


def test_a_file_that_breaks_normalising_together_is_the_only_one_to_fail(
    tmp_path: Path, reference: Reference, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the chunk's pass fails, each file is normalised on its own: the one that fails then
    ends with its fault (and its own error), the others are read."""
    from mesa_tumbes.formats.template import reading

    header = "institucion,periodo,distrito,indicador,sexo,grupo_edad,valor\n"
    row = "DIRESA,2026-09,240101,SAL-1,F,18-29,{}\n"
    received = [
        received_text(tmp_path, f"{name}.csv", "DIRESA", header + row.format(value))
        for name, value in (("a", "4"), ("b", "66666"), ("c", "5"))
    ]
    real = reading.canonical_frame

    def failing_on_a_value(source: pd.DataFrame, channel: str, reference: Reference) -> pd.DataFrame:
        if "66666" in set(source["value"]):  # a bug only this file's cells meet
            raise ValueError("the cells of b.csv")
        return real(source, channel, reference)

    monkeypatch.setattr(reading, "canonical_frame", failing_on_a_value)

    first, second, third = read_all(received, settings_for(tmp_path))

    assert isinstance(first, Read) and isinstance(third, Read)
    assert isinstance(second, Fault)
    assert (second.step, second.error) == ("read", "ValueError: the cells of b.csv")
    assert second.received.file.relative_path == "b.csv"
    monkeypatch.undo()
    for item, path in ((first, "a.csv"), (third, "c.csv")):
        alone = submission.read(path, (tmp_path / path).read_bytes(), "DIRESA", reference)
        assert_same_reading(item.parsed, alone, path)
