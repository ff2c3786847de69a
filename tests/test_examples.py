"""The bundled examples are what their generator writes, byte for byte."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_committed_examples_match_their_generator(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_examples", ROOT / "examples" / "make_examples.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    written = generator.write_examples(tmp_path / "inbox")
    committed = sorted(p for p in (ROOT / "examples" / "inbox").rglob("*") if p.is_file())
    assert [p.relative_to(tmp_path / "inbox") for p in written] == [
        p.relative_to(ROOT / "examples" / "inbox") for p in committed
    ]
    for new, old in zip(written, committed, strict=True):
        assert new.read_bytes() == old.read_bytes(), f"{old} differs from what make_examples.py writes"
