"""The intake gives the same answers whatever its core does inside: the bundled examples, the nasty
corpus and a sample of the benchmark's generated files (50,000 rows, with its planted mistakes)
through the real flow give the same warehouse tables, the same statuses and counts, and the same
problems (rule, row, column, value, suggestion, severity, sheet) as the stored snapshot.

The snapshot (tests/equivalence/*.json) is what the pipeline answered when it was taken. It is
regenerated only on purpose, after a change of behaviour has been decided and reviewed:

    MESA_REGENERATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_equivalence.py
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES_INBOX

pytestmark = pytest.mark.e2e

SNAPSHOTS = Path(__file__).parent / "equivalence"
CORPUS_INBOX = Path(__file__).parent / "corpus" / "inbox"
SAME_INSTANT = 1_793_000_000
REGENERATE = os.environ.get("MESA_REGENERATE_SNAPSHOTS") == "1"
# What loads, without what changes from run to run (times, the run's own ids); a submission is named
# by its agency folder and file, never by an id computed from anything else.
TABLES = {
    "submissions": (
        "select channel, file_name, agency, sha256, size_bytes, status, rows_read, rows_loaded, "
        "rows_rejected, rows_warned, rows_excluded, format, named_period, feedback_path, "
        "(select d.file_name from submissions d where d.submission_id = s.duplicate_of) as duplicate_of "
        "from submissions s"
    ),
    "observations": (
        "select s.channel, s.file_name, o.* exclude (submission_id) "
        "from observations o join submissions s using (submission_id)"
    ),
    "need_targets": (
        "select s.channel, s.file_name, n.* exclude (submission_id) "
        "from need_targets n join submissions s using (submission_id)"
    ),
    "submission_coverage": (
        "select s.channel, s.file_name, c.* exclude (submission_id) "
        "from submission_coverage c join submissions s using (submission_id)"
    ),
    "current_slices": (
        "select s.channel, s.file_name, c.agency, c.period "
        "from current_slices c join submissions s using (submission_id)"
    ),
}
PROBLEM_COLUMNS = ["fila", "columna", "valor", "regla", "severidad", "valor_sugerido", "hoja"]


def digest(rows: list[tuple[Any, ...]]) -> str:
    lines = sorted(json.dumps([str(value) for value in row], ensure_ascii=False) for row in rows)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def answers(
    inbox: Path, root: Path, max_file_bytes: int | None = None, problems_digest: bool = False
) -> dict[str, Any]:
    """What the real flow answers for every file of `inbox`: tables (row counts and digests), and
    each file's status, counts and problems (each one, or their count and digest when there are
    thousands)."""
    from dataclasses import replace

    from mesa_tumbes.core.contract import ReadLimits
    from mesa_tumbes.core.settings import resolve_settings
    from mesa_tumbes.flows.intake import run_intake
    from mesa_tumbes.warehouse.store import connect

    for path in inbox.rglob("*"):
        os.utime(path, (SAME_INSTANT, SAME_INSTANT), follow_symlinks=False)
    # every figure approved on arrival (`all`), as before review existed: the snapshot is the intake
    # core's answer; what review holds back is tests/test_review.py's
    settings = resolve_settings(
        inbox=str(inbox),
        warehouse=str(root / "mesa.duckdb"),
        feedback=str(root / "feedback"),
        environ={"MESA_AUTO_APPROVE": "all"},
    )
    if max_file_bytes is not None:
        settings = replace(settings, limits=ReadLimits(max_file_bytes, 2 * 2**20))
    succeeded, report = run_intake(settings)
    assert succeeded, report.failed
    tables = {}
    with connect(settings.warehouse, read_only=True) as connection:
        for name, query in TABLES.items():
            rows = connection.execute(query).fetchall()
            tables[name] = {"rows": len(rows), "digest": digest(rows)}
    files = {}
    for entry in sorted(report.submissions, key=lambda e: e.file):
        problems_csv = Path(entry.feedback) / "problemas.csv"
        with problems_csv.open(encoding="utf-8-sig", newline="") as stream:
            problems = [[row[column] for column in PROBLEM_COLUMNS] for row in csv.DictReader(stream)]
        files[entry.file] = {
            "status": entry.status,
            "counts": [
                entry.rows_read,
                entry.rows_loaded,
                entry.rows_rejected,
                entry.rows_warned,
                entry.rows_excluded,
            ],
            "format": entry.format,
            "problems": {"rows": len(problems), "digest": digest([tuple(p) for p in problems])}
            if problems_digest
            else problems,
        }
    return {"tables": tables, "files": files}


def compare(name: str, found: dict[str, Any]) -> None:
    path = SNAPSHOTS / f"{name}.json"
    if REGENERATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(json.dumps(found, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        pytest.skip(f"snapshot {path.name} regenerated: review its diff before committing it")
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert sorted(found["files"]) == sorted(expected["files"])
    for file, answer in expected["files"].items():
        got = found["files"][file]
        assert (got["status"], got["counts"], got["format"]) == (
            answer["status"],
            answer["counts"],
            answer["format"],
        ), file
        assert got["problems"] == answer["problems"], file
    assert found["tables"] == expected["tables"]


def test_the_examples_answer_as_the_snapshot(prefect_api: str, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    shutil.copytree(EXAMPLES_INBOX, inbox)
    compare("examples", answers(inbox, tmp_path))


def test_the_corpus_answers_as_the_snapshot(prefect_api: str, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    shutil.copytree(CORPUS_INBOX, inbox)
    compare("corpus", answers(inbox, tmp_path, max_file_bytes=200_000))


def test_a_bench_sample_of_50000_rows_answers_as_the_snapshot(prefect_api: str, tmp_path: Path) -> None:
    from bench.generate import Scale, write_inbox

    inventory, _ = write_inbox(
        tmp_path / "inbox", Scale(files=10, rows_per_file=5_000, first_month="2022-01")
    )
    assert inventory.rows == 50_000
    found = answers(tmp_path / "inbox", tmp_path)
    assert sum(1 for answer in found["files"].values() for _ in answer["problems"]) > 100  # mistakes planted
    compare("bench", found)


def test_a_noisy_bench_sample_answers_as_the_snapshot(prefect_api: str, tmp_path: Path) -> None:
    """A noisy month (issue #32): 50,000 rows, about 7 % of them warned (attended above identified),
    beside the planted mistakes: what a faster core must still answer, problem by problem."""
    from bench.generate import Scale, write_inbox

    noisy = Scale(files=10, rows_per_file=5_000, first_month="2022-01", warning_rate=0.07)
    inventory, _ = write_inbox(tmp_path / "inbox", noisy)
    assert inventory.rows == 50_000
    found = answers(tmp_path / "inbox", tmp_path, problems_digest=True)
    warned = sum(answer["counts"][3] for answer in found["files"].values())
    assert 0.05 * inventory.rows <= warned <= 0.09 * inventory.rows, warned
    compare("bench_noisy", found)
