"""Mutated versions of the corpus files (truncated, bytes flipped, lines and cells shuffled, sheets
hidden, workbook parts damaged) through reading and normalising: whatever the bytes, the answer is
the project's own (problems, "unreadable" among them), never an exception.

Hypothesis runs a bounded number of cases, derandomized: a failure replays on every run, and
Hypothesis prints the smallest case it found.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mesa_tumbes.core.contract import ReadLimits
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.formats.submission import read as parse_submission
from mesa_tumbes.transforms.model import Parsed

CORPUS = Path(__file__).parent / "corpus" / "inbox"
FILES = sorted(path for path in CORPUS.rglob("*") if path.is_file())
LIMITS = ReadLimits(max_file_bytes=2 * 2**20, max_workbook_expanded_bytes=8 * 2**20)
EXAMPLES = 1000


def truncated(content: bytes, rng: random.Random) -> bytes:
    return content[: rng.randrange(len(content) + 1)]


def flipped(content: bytes, rng: random.Random) -> bytes:
    data = bytearray(content)
    for _ in range(rng.randint(1, 16)):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def shuffled_lines(content: bytes, rng: random.Random) -> bytes:
    lines = content.split(b"\n")
    rng.shuffle(lines)
    return b"\n".join(lines)


def shuffled_cells(content: bytes, rng: random.Random) -> bytes:
    """The cells of a text file moved between rows and columns (delimiters kept where they were)."""
    for delimiter in (b";", b",", b"\t", b"|"):
        if delimiter in content:
            cells = [line.split(delimiter) for line in content.split(b"\n")]
            flat = [cell for row in cells for cell in row]
            rng.shuffle(flat)
            it = iter(flat)
            return b"\n".join(delimiter.join(next(it) for _ in row) for row in cells)
    return content


def in_workbook(content: bytes, rng: random.Random, change: str) -> bytes:
    """A workbook (any zip) with one of its parts damaged, or a sheet hidden, or its cells shuffled."""
    try:
        source = zipfile.ZipFile(io.BytesIO(content))
        names = source.namelist()
    except zipfile.BadZipFile:
        return flipped(content, rng)
    parts = {name: source.read(name) for name in names}
    if change == "hide_sheet" and "xl/workbook.xml" in parts:
        parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b"<sheet ", b'<sheet state="hidden" ', 1)
    elif change == "shuffle_cells":
        for name in [n for n in names if n.startswith("xl/worksheets/")]:
            values = parts[name].split(b"<v>")
            head, rest = values[0], values[1:]
            rng.shuffle(rest)
            parts[name] = b"<v>".join([head, *rest])
    else:
        name = rng.choice(names)
        parts[name] = truncated(parts[name], rng) if change == "truncate_part" else flipped(parts[name], rng)
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return output.getvalue()


MUTATIONS = {
    "truncate": truncated,
    "flip": flipped,
    "shuffle_lines": shuffled_lines,
    "shuffle_cells": shuffled_cells,
    "hide_sheet": lambda c, r: in_workbook(c, r, "hide_sheet"),
    "shuffle_workbook_cells": lambda c, r: in_workbook(c, r, "shuffle_cells"),
    "truncate_part": lambda c, r: in_workbook(c, r, "truncate_part"),
    "flip_part": lambda c, r: in_workbook(c, r, "flip_part"),
}


@st.composite
def mutated_files(draw: st.DrawFn) -> tuple[str, bytes, str]:
    path = draw(st.sampled_from(FILES))
    mutation = draw(st.sampled_from(sorted(MUTATIONS)))
    rng = random.Random(draw(st.integers(min_value=0, max_value=2**32)))
    return path.name, MUTATIONS[mutation](path.read_bytes(), rng), mutation


@pytest.mark.parametrize("path", FILES, ids=[str(path.relative_to(CORPUS)) for path in FILES])
def test_every_corpus_file_as_it_is_is_answered(reference: Reference, path: Path) -> None:
    assert isinstance(parse_submission(path.name, path.read_bytes(), "DIRESA", reference, LIMITS), Parsed)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=mutated_files())
def test_mutated_corpus_files_get_the_project_s_own_answer(
    reference: Reference, case: tuple[str, bytes, str]
) -> None:
    name, content, _ = case
    parsed = parse_submission(name, content, "DIRESA", reference, LIMITS)
    assert isinstance(parsed, Parsed)
    assert parsed.parts or parsed.problems  # something to tell the agency, always
