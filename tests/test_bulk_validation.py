"""Many submissions validated at once (one Great Expectations validation per suite) find, for each,
exactly what validating it alone finds, and nothing of the others'."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from mesa_tumbes.core.reference import Reference
from mesa_tumbes.expectations.validate import SuiteRunner, Validation
from mesa_tumbes.formats import submission
from mesa_tumbes.formats.submission import ToValidate

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 22)


def inbox_files() -> list[tuple[Path, str]]:
    """Every file of the examples and of the corpus of real-world shapes, with its agency folder."""
    found = []
    for inbox in (ROOT / "examples" / "inbox", ROOT / "tests" / "corpus" / "inbox"):
        for path in sorted(inbox.rglob("*")):
            if path.is_file():
                found.append((path, path.relative_to(inbox).parts[0]))
    return found


def comparable(validation: Validation) -> tuple[object, ...]:
    return (validation.problems, validation.not_evaluated, [part.sheet for part, _ in validation.frames])


def test_validating_many_together_finds_for_each_what_it_finds_alone(
    reference: Reference, runner: SuiteRunner
) -> None:
    files = inbox_files()
    # The same police file also sent from the health directorate's folder: only that copy is told
    # that its agency column does not match its folder.
    police = ROOT / "examples" / "inbox" / "PNP" / "pnp_denuncias_2026_10.csv"
    files.append((police, "DIRESA"))
    items = [
        ToValidate(submission.read(path.name, path.read_bytes(), channel, reference), channel)
        for path, channel in files
    ]
    assert sum(bool(item.parsed.parts) for item in items) >= 20  # most were read: their rows validate

    together = submission.validate_many(items, runner, TODAY)
    alone = [submission.validate(item.parsed, item.channel, runner, TODAY) for item in items]

    assert len(together) == len(items)
    for (path, channel), bulk, single in zip(files, together, alone, strict=True):
        assert comparable(bulk) == comparable(single), f"{channel}/{path.name}"
        for (_, bulk_frame), (_, single_frame) in zip(bulk.frames, single.frames, strict=True):
            pd.testing.assert_frame_equal(bulk_frame, single_frame)
        # GX's results kept for the officer concern this submission's rows only
        for result in bulk.results:
            for record in result["results"]:
                assert all("request" not in item for item in record["unexpected_index_list"])

    mismatch = [p.check_id for p in together[-1].problems].count("domain.agency_matches_channel")
    original = [p.check_id for p in together[files.index((police, "PNP"))].problems]
    assert mismatch > 0 and "domain.agency_matches_channel" not in original


def test_a_file_without_a_required_column_does_not_make_the_others_fail(
    reference: Reference, runner: SuiteRunner
) -> None:
    complete = "institucion,periodo,distrito,indicador,sexo,grupo_edad,valor\n"
    complete += "DIRESA,2026-09,240101,SAL-1,F,18-29,4\n"
    without_district = "institucion,periodo,indicador,sexo,grupo_edad,valor\nDIRESA,2026-09,SAL-1,F,18-29,4\n"
    items = [
        ToValidate(submission.read(name, text.encode(), "DIRESA", reference), "DIRESA")
        for name, text in (("a.csv", complete), ("b.csv", without_district), ("c.csv", complete))
    ]
    first, second, third = submission.validate_many(items, runner, TODAY)
    assert "structure.required_column" in {p.check_id for p in second.problems}
    assert first.problems == third.problems
    assert "structure.required_column" not in {p.check_id for p in first.problems}


def test_a_run_validates_in_rounds_that_keep_revisions_and_duplicates_after_what_they_follow(
    tmp_path: Path,
) -> None:
    from mesa_tumbes.core.settings import resolve_settings
    from mesa_tumbes.pipeline.intake import batches, read, rounds
    from mesa_tumbes.reception.received import received_in_place

    settings = resolve_settings(inbox=str(tmp_path), warehouse=str(tmp_path / "mesa.duckdb"))
    header = "institucion,periodo,distrito,indicador,sexo,grupo_edad,valor\n"

    def sent(name: str, agency: str, periods: list[str], value: int = 4) -> Path:
        path = tmp_path / name
        rows = "".join(f"{agency},{period},240101,SAL-1,F,18-29,{value}\n" for period in periods)
        path.write_text(header + rows, encoding="utf-8")
        return path

    files = [
        (sent("diresa_sep.csv", "DIRESA", ["2026-09"]), "DIRESA"),
        (sent("diresa_oct.csv", "DIRESA", ["2026-10"]), "DIRESA"),
        (sent("mimp_sep.csv", "MIMP", ["2026-09"]), "MIMP"),
        (sent("diresa_sep_corregido.csv", "DIRESA", ["2026-09", "2026-08"], value=5), "DIRESA"),
        (sent("copia_de_diresa_sep.csv", "DIRESA", ["2026-09"]), "DIRESA"),
        (sent("diresa_jul.csv", "DIRESA", ["2026-07"]), "DIRESA"),
    ]
    items = [read(received_in_place(path, agency, agency), settings) for path, agency in files]
    names = [[item.received.file.relative_path for item in round_] for round_ in rounds(items)]
    assert names == [
        ["diresa_sep.csv", "diresa_oct.csv", "mimp_sep.csv", "diresa_jul.csv"],
        ["diresa_sep_corregido.csv"],  # revises September: after the file it revises is loaded
        ["copia_de_diresa_sep.csv"],  # the same bytes as the first, and September again
    ]
    received = [item.received for item in items]
    sizes = [item.archived.size_bytes for item in received]
    limit = sizes[0] * 2  # two one-row files; the corrected file has two rows
    assert [len(batch) for batch in batches(received, limit)] == [2, 1, 1, 2]
    assert [item for batch in batches(received, limit) for item in batch] == received
    assert [len(batch) for batch in batches(received, 1)] == [1] * 6  # a larger file goes alone
    assert batches([], 10) == []
