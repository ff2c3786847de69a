"""The bundled examples and the test corpus are what their generators write, byte for byte."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load(script: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(script.stem, script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("script", "function", "committed"),
    [
        ("examples/make_examples.py", "write_examples", "examples/inbox"),
        ("tests/corpus/make_corpus.py", "write_corpus", "tests/corpus/inbox"),
    ],
)
def test_committed_files_match_their_generator(
    tmp_path: Path, script: str, function: str, committed: str
) -> None:
    written = getattr(load(ROOT / script), function)(tmp_path / "inbox")
    existing = sorted(p for p in (ROOT / committed).rglob("*") if p.is_file())
    assert [p.relative_to(tmp_path / "inbox") for p in written] == [
        p.relative_to(ROOT / committed) for p in existing
    ]
    for new, old in zip(written, existing, strict=True):
        assert new.read_bytes() == old.read_bytes(), f"{old} differs from what {script} writes"
