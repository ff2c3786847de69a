"""A file's cells as read, kept for the length of a run, so that its annotated copy (written later,
on whichever worker answers it) need not read the file again: reading a workbook costs ~8 ms per
1,000 rows (calamine unzipping and parsing its XML), loading its kept cells a tenth of that.

The cells are written with `marshal`, Python's own format for its basic types (lists, strings,
numbers): the fastest to write and load, and sufficient, because the same interpreter writes and
reads them within one run, in the writer's private folder. Anything unexpected (no file, another
interpreter's, a cell of another type) means the file is read again, as before."""

from __future__ import annotations

import marshal
from pathlib import Path

from mesa_tumbes.core.files import write_file
from mesa_tumbes.transforms.read import Table

# Below these sizes reading the file again costs about what keeping its cells does (writing them
# while reading, loading them): a text file reads ~5 times faster than a workbook.
WORKBOOK_ROWS_WORTH_KEEPING = 500
TEXT_ROWS_WORTH_KEEPING = 2_000
# What the kept cells are: a change of their shape makes older ones unreadable, not wrong.
SHAPE = "cells-1"


def worth_keeping(tables: list[Table]) -> bool:
    """Whether reading these tables again would cost more than keeping them."""
    rows = sum(len(table.rows) for table in tables)
    text = all(table.delimiter is not None for table in tables)
    return rows > (TEXT_ROWS_WORTH_KEEPING if text else WORKBOOK_ROWS_WORTH_KEEPING)


def keep_cells(tables: list[Table], target: Path) -> None:
    """Write the tables' sheets, row numbers and cells to `target` (whole or not at all). Failing
    to is not an error: the annotated copy then reads the file again."""
    try:
        data = marshal.dumps((SHAPE, [(table.sheet, table.row_numbers, table.rows) for table in tables]))
        write_file(target, lambda staging: _written(staging / target.name, data))
    except (OSError, ValueError):  # a full disk (said where the feedback is written), a cell
        pass  # marshal does not know: the copy reads the file again, which is all it costs


def _written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def kept_cells(source: Path) -> list[Table] | None:
    """The tables kept at `source` (sheet, row numbers and cells only), or None."""
    try:
        shape, tables = marshal.loads(source.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if shape != SHAPE:
        return None
    return [Table(rows=rows, row_numbers=numbers, sheet=sheet) for sheet, numbers, rows in tables]
