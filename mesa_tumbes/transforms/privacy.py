"""Recognise columns that hold personal data, by their header or by what their cells look like.

Indicators are aggregates: a column of names, DNI numbers, phones or e-mail addresses must never
reach the warehouse, whatever its header says.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from mesa_tumbes.core.text import strip_accents
from mesa_tumbes.core.words import intake_words

# Header words that name personal data -> the kind reported to the agency, and words that make a
# header about something else ("nombre del indicador"): core/reference_data/intake_words.yaml.
HEADER_WORDS = intake_words().personal_headers
OTHER_SUBJECTS = intake_words().other_subjects
# Cell shapes: a column is personal data when most of its filled cells have one of them.
CELL_PATTERNS = {
    "identity_document": re.compile(r"^\d{8}$"),  # DNI
    "phone": re.compile(r"^(?:\+?51)?9\d{8}$"),  # Peruvian mobile
    "email": re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE),
}
MAJORITY = 0.5
WORD = re.compile(r"[a-z0-9]+")


def kind_by_header(title: str) -> str | None:
    words = set(WORD.findall(strip_accents(title).casefold()))
    if words & OTHER_SUBJECTS:
        return None
    return next((HEADER_WORDS[word] for word in sorted(words) if word in HEADER_WORDS), None)


def kind_by_cells(cells: Sequence[str]) -> str | None:
    """Each distinct cell looked at once, weighed by how often it is written."""
    filled = Counter(cell.replace(" ", "") for cell in cells if cell.strip())
    total = sum(filled.values())
    if not total:
        return None
    for kind, pattern in CELL_PATTERNS.items():
        if sum(count for cell, count in filled.items() if pattern.match(cell)) / total >= MAJORITY:
            return kind
    return None


def personal_data_kind(title: str, cells: Sequence[str]) -> str | None:
    """The kind of personal data a column holds, or None."""
    return kind_by_header(title) or kind_by_cells(cells)
