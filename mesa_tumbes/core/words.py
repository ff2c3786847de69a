"""The words the intake matches against in what agencies write (reference_data/intake_words.yaml),
read once: totals rows, month names, personal-data headers, and how a true/false cell reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from mesa_tumbes.core import yamldata

WORDS_FILE = Path(__file__).parent / "reference_data" / "intake_words.yaml"


@dataclass(frozen=True)
class IntakeWords:
    totals: frozenset[str]
    months: Mapping[str, int]  # a month's name or abbreviation -> its number
    personal_headers: Mapping[str, str]  # a header word -> the kind of personal data it names
    other_subjects: frozenset[str]
    true_text: str
    false_text: str


@cache
def intake_words() -> IntakeWords:
    with WORDS_FILE.open(encoding="utf-8") as stream:
        data = yamldata.load(stream)
    return IntakeWords(
        totals=frozenset(data["totals"]),
        months={str(word): int(number) for number, words in data["months"].items() for word in words},
        personal_headers={str(word): kind for kind, words in data["personal_data"].items() for word in words},
        other_subjects=frozenset(data["other_subjects"]),
        true_text=str(data["booleans"][True]),
        false_text=str(data["booleans"][False]),
    )
