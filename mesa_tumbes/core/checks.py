"""The check registry (checks.yaml): every rule's id, group, severity, scope and what evaluates it,
defined once. What the agency reads of each rule, its title and message, is in locales/ under
`checks.<id>`, with the other texts people read."""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from mesa_tumbes.core import yamldata
from mesa_tumbes.core.i18n import fill, text

REGISTRY_FILE = Path(__file__).parent / "checks.yaml"
LANGUAGES = ("es", "en")
PLACEHOLDERS = {"column", "value", "expected", "rows", "detail", "field", "required"}

# error rejects the row (the file, for file-level checks); warning loads it; excluded leaves out a
# row that is outside what the Mesa collects (another region, an indicator it does not track).
Severity = Literal["error", "warning", "excluded"]
Group = Literal["structure", "domain", "consistency", "plausibility"]
Scope = Literal["file", "row"]
EvaluatedBy = Literal["reader", "suite", "warehouse"]


@dataclass(frozen=True)
class Check:
    id: str
    group: Group
    severity: Severity
    scope: Scope
    by: EvaluatedBy

    def title(self, lang: str) -> str:
        return text(lang, f"checks.{self.id}.title")

    def message(self, lang: str) -> str:
        """The message in `lang`, its placeholders not filled."""
        return text(lang, f"checks.{self.id}.message")

    def render(self, lang: str, **params: object) -> str:
        """The message in `lang` with its placeholders filled; a missing one renders as empty."""
        values = {name: "" if params.get(name) is None else str(params[name]) for name in PLACEHOLDERS}
        return fill(self.message(lang), values)

    def placeholders(self, lang: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(self.message(lang)) if name}


@cache
def checks() -> dict[str, Check]:
    """All checks by id, in registry order."""
    with REGISTRY_FILE.open(encoding="utf-8") as stream:
        entries = yamldata.load(stream)
    return {entry["id"]: Check(**entry) for entry in entries}


def check(check_id: str) -> Check:
    try:
        return checks()[check_id]
    except KeyError:
        raise KeyError(f"check {check_id!r} is not in {REGISTRY_FILE.name}") from None
