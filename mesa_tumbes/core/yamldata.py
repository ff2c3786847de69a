"""YAML data files read with libyaml's C parser when PyYAML has it (about ten times faster than the
pure-Python one: the locales and reference data are read by every process and worker)."""

from __future__ import annotations

from typing import IO, Any

import yaml

SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(source: str | IO[str]) -> Any:
    """The data of a YAML document (safe: plain values, lists and mappings only)."""
    return yaml.load(source, Loader=SAFE_LOADER)
