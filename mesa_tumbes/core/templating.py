"""The Jinja environments every part that writes for people uses: pages escape what agencies wrote
(autoescape), plain texts (e-mails, reminders) keep it as written. One per templates folder."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape


@cache
def pages(folder: Path) -> Environment:
    """HTML templates under `folder`: every value escaped."""
    return Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def plain_texts(folder: Path) -> Environment:
    """Plain-text templates under `folder` (never shown as HTML); a missing value is an error."""
    return Environment(
        loader=FileSystemLoader(folder),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
