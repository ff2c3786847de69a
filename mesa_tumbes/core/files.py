"""Writing what people open so that they never see it half written: a folder (or a file) is written
apart, beside its place, and then takes its name, complete or not at all."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

STAGING_PREFIX = ".writing-"


def write_folder(target: Path, write: Callable[[Path], None]) -> Path:
    """The folder `target`, written by `write` into a temporary folder that then takes its name: it
    appears complete or not at all, and replaces what was there."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=STAGING_PREFIX))
    try:
        write(staging)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def write_file(target: Path, write: Callable[[Path], Path]) -> Path:
    """The file `target`, written by `write` into a temporary folder beside it (write returns the
    file it wrote) and then moved into place: two writers at once never mix bytes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=STAGING_PREFIX))
    try:
        write(staging).replace(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
