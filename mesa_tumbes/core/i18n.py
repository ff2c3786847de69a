"""Texts that agencies and the data officer read, in Spanish by default and English by a setting."""

from __future__ import annotations

import string
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from mesa_tumbes.core import yamldata

LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"


@cache
def strings(lang: str) -> dict[str, Any]:
    with (LOCALES_DIR / f"{lang}.yaml").open(encoding="utf-8") as stream:
        loaded: dict[str, Any] = yamldata.load(stream)
    return loaded


class Plurals(string.Formatter):
    """str.format with plurals: "{rows} {rows:fila|filas}" gives "1 fila" and "3 filas"."""

    def format_field(self, value: Any, format_spec: str) -> Any:
        if "|" in format_spec:
            one, other = format_spec.split("|", 1)
            return one if str(value).strip() == "1" else other
        return super().format_field(value, format_spec)


PLURALS = Plurals()


def fill(template: str, params: Mapping[str, object]) -> str:
    """A text's {placeholders} filled, with {count:one|other} plurals."""
    return PLURALS.vformat(template, (), params)


def text(lang: str, key: str, /, **params: object) -> str:
    """The text at a dotted key ("summary.title"), with its {placeholders} filled."""
    node: Any = strings(lang)
    for part in key.split("."):
        node = node[part]
    return fill(str(node), params) if params else str(node)


def number(value: object, lang: str, decimals: int = 0) -> str:
    """A figure as its reader writes it: thousands grouped, decimals with the language's mark; a dash
    for none (None, NaN, not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return "—"
    written = f"{float(value):,.{decimals}f}"
    thousands, decimal = text(lang, "bulletin.thousands"), text(lang, "bulletin.decimal")
    return written.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def language(explicit: str | None = None) -> str:
    """The language asked for, else Spanish (core/settings.chosen_language adds MESA_LANG). Unknown
    codes raise ValueError."""
    chosen = (explicit or DEFAULT_LANGUAGE).strip().lower()
    if chosen not in LANGUAGES:
        raise ValueError(
            text(DEFAULT_LANGUAGE, "cli.bad_language", value=chosen, choices=", ".join(LANGUAGES))
        )
    return chosen
