"""Find the header row of a submission and which format it is in (Mesa template, R4V 5W, RMRP)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from mesa.reference import Reference
from mesa.text import fold
from transforms.model import Format
from transforms.read import Table

# How far below the top of a sheet the header may sit (logos and title rows come first).
HEADER_SEARCH_ROWS = 30


@dataclass(frozen=True)
class ColumnMatch:
    """How a header row's titles map to a format's fields."""

    positions: dict[str, int]  # field -> column position
    titles: dict[str, str]  # field -> header as the agency wrote it
    unknown: list[tuple[int, str]] = field(default_factory=list)  # (position, title) outside the format
    repeated: list[tuple[int, str, str]] = field(default_factory=list)  # (position, ignored, used title)


class HeaderSpec(Protocol):
    @property
    def format(self) -> Format: ...

    def match(self, cells: list[str]) -> ColumnMatch | None: ...


@dataclass(frozen=True)
class AliasSpec:
    """A format whose columns are recognised by their titles, ignoring case, accents and punctuation.

    A row is the header when it names every `required` field and at least `min_fields` fields. When
    two columns name one field, the alias listed first wins and the other is reported.
    """

    format: Format
    keys: dict[str, tuple[str, int]]  # folded title -> (field, rank)
    required: frozenset[str] = frozenset()
    min_fields: int = 2
    known: frozenset[str] = frozenset()  # folded titles of the format's columns that are not read

    def match(self, cells: list[str]) -> ColumnMatch | None:
        claims: dict[str, list[tuple[int, int, str]]] = {}  # field -> [(rank, position, title)]
        unknown: list[tuple[int, str]] = []
        for position, title in enumerate(cells):
            if not title:
                continue
            key = fold(title)
            match = self.keys.get(key)
            if match is not None:
                claims.setdefault(match[0], []).append((match[1], position, title))
            elif key not in self.known:
                unknown.append((position, title))
        if len(claims) < self.min_fields or not self.required <= set(claims):
            return None
        positions, titles, repeated = {}, {}, []
        for field_name, candidates in claims.items():
            (_, position, title), *others = sorted(candidates)
            positions[field_name], titles[field_name] = position, title
            repeated += [(other_position, other_title, title) for _, other_position, other_title in others]
        return ColumnMatch(positions, titles, unknown, repeated)


def template_spec(reference: Reference) -> AliasSpec:
    """The Mesa template: any two of its columns make a header (missing ones are then reported)."""
    keys: dict[str, tuple[str, int]] = {}
    for column in reference.columns:
        for rank, alias in enumerate((*column.aliases, column.field)):
            keys.setdefault(fold(alias), (column.field, rank))
    return AliasSpec("mesa_template", keys, min_fields=2)


def five_w_spec(reference: Reference) -> AliasSpec:
    """The R4V 5W export: recognised only when every one of its required columns is there."""
    spec = reference.five_w
    keys = {
        fold(alias): (name, rank)
        for name, aliases in spec.columns.items()
        for rank, alias in enumerate((*aliases, name))
    }
    return AliasSpec(
        "r4v_5w",
        keys,
        required=frozenset(spec.required),
        min_fields=len(spec.required),
        known=frozenset(fold(title) for title in spec.known),
    )


@dataclass(frozen=True)
class Header:
    table: Table
    index: int  # position of the header row in table.rows
    columns: ColumnMatch
    format: Format

    @property
    def row_number(self) -> int:
        return self.table.row_numbers[self.index]

    def data(self) -> list[tuple[int, list[str]]]:
        """(row number, cells) of every non-blank row under the header."""
        below = zip(self.table.row_numbers[self.index + 1 :], self.table.rows[self.index + 1 :], strict=True)
        return [(number, cells) for number, cells in below if any(cells)]


def find_headers(tables: Iterable[Table], specs: list[HeaderSpec]) -> list[Header]:
    """The header of the first sheet that has one, trying `specs` in order on each row; for a format
    that spans sheets (RMRP need and targets), the matching header of every later sheet too."""
    found: list[Header] = []
    for table in tables:
        candidates = [spec for spec in specs if spec.format == found[0].format] if found else specs
        header = _first_header(table, candidates)
        if header is not None:
            found.append(header)
            if header.format != "rmrp_need":
                break
    return found


def _first_header(table: Table, specs: list[HeaderSpec]) -> Header | None:
    for index, cells in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        for spec in specs:
            columns = spec.match(cells)
            if columns is not None:
                return Header(table, index, columns, spec.format)
    return None
