"""Text keys used to match what people type against reference lists."""

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_SPACE = re.compile(r"\s+")
_DASHES = str.maketrans({"–": "-", "—": "-", "‐": "-", "−": "-"})


def strip_accents(text: str) -> str:
    """Remove diacritics: "Aguas Verdés" -> "Aguas Verdes"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# Submissions repeat the same few codes and names thousands of times: keys are computed once each.
@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Key that ignores case, accents, spaces and punctuation: "Código de distrito" -> "codigodedistrito"."""
    return _NOT_ALNUM.sub("", strip_accents(text).casefold())


@lru_cache(maxsize=1 << 16)
def vocabulary_key(text: str) -> str:
    """Key that ignores case, accents and spaces but keeps symbols: "60 a más" -> "60amas", "<18" -> "<18"."""
    return _SPACE.sub("", strip_accents(text).casefold().translate(_DASHES))


_WORDS = re.compile(r"[0-9a-z]+")


def header_key(text: str, connecting: frozenset[str], abbreviations: Mapping[str, str]) -> str:
    """A column title's words without case, accents, punctuation or connecting words, abbreviations
    spelled out, run together: "Cód._Distrito" -> "codigodistrito"."""
    words = (abbreviations.get(word, word) for word in _WORDS.findall(strip_accents(text).casefold()))
    return "".join(word for word in words if word not in connecting)


def slug(text: str) -> str:
    """A file-system-safe, readable name: "Reporte DIRESA (oct).xlsx" -> "reporte-diresa-oct-xlsx"."""
    return re.sub(r"[^0-9a-z]+", "-", strip_accents(text).casefold()).strip("-") or "archivo"
