"""Find the header row of a submission and which format it is in (Mesa template, R4V 5W, RMRP)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from mesa_tumbes.core.contract import Format
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.transforms.read import Table

# How far below the top of a sheet the header may sit (logos and title rows come first).
HEADER_SEARCH_ROWS = 30
# A title within this similarity (0-100) of a known one is read as it, with a note to the agency;
# titles shorter than GUESS_MIN_LENGTH (once reduced to their key) are never guessed.
GUESS_CUTOFF = 85
GUESS_MIN_LENGTH = 5


@dataclass(frozen=True)
class Repeated:
    """A second column that names a field already taken by another one."""

    position: int
    title: str  # the ignored column, as the agency wrote it
    used: str  # the column whose values are used
    field: str


@dataclass(frozen=True)
class ColumnMatch:
    """How a header row's titles map to a format's fields."""

    positions: dict[str, int]  # field -> column position
    titles: dict[str, str]  # field -> header as the agency wrote it
    unknown: list[tuple[int, str]] = field(default_factory=list)  # (position, title) outside the format
    repeated: list[Repeated] = field(default_factory=list)
    guessed: dict[str, str] = field(default_factory=dict)  # field -> title read as it by similarity
    complete: bool = True  # every field the format needs is named (see AliasSpec.needed)


class HeaderSpec(Protocol):
    """How one format's header row is recognised."""

    @property
    def format(self) -> Format: ...

    @property
    def spans_sheets(self) -> bool:
        """Whether the format's data is on several sheets (each with its own header)."""
        ...

    def match(self, cells: list[str]) -> ColumnMatch | None: ...


@dataclass(frozen=True)
class AliasSpec:
    """A format whose columns are recognised by their titles, compared by `key` (case, accents,
    punctuation, connecting words and abbreviations ignored).

    A row is the header when it names every `required` field and at least `min_fields` fields. When
    two columns name one field, the alias listed first wins and the other is reported. With `guess`,
    a title close to an alias of a field not yet named is read as that field (and reported).
    `needed`: the fields a complete header names; a sheet with a complete header is preferred.
    """

    format: Format
    keys: dict[str, tuple[str, int]]  # title key -> (field, rank)
    reference: Reference
    required: frozenset[str] = frozenset()
    min_fields: int = 2
    known: frozenset[str] = frozenset()  # keys of the format's columns that are not read
    guess: bool = False
    needed: frozenset[str] = frozenset()
    spans_sheets: bool = False

    def match(self, cells: list[str]) -> ColumnMatch | None:
        claims: dict[str, list[tuple[int, int, str]]] = {}  # field -> [(rank, position, title)]
        unknown: list[tuple[int, str]] = []
        for position, title in enumerate(cells):
            if not title:
                continue
            key = self.reference.header_key(title)
            match = self.keys.get(key)
            if match is not None:
                claims.setdefault(match[0], []).append((match[1], position, title))
            elif key not in self.known:
                unknown.append((position, title))
        guessed: dict[str, str] = {}
        if self.guess and len(claims) >= self.min_fields:
            unknown = self._guess(unknown, claims, guessed)
        if len(claims) < self.min_fields or not self.required <= set(claims):
            return None
        positions, titles, repeated = {}, {}, []
        for field_name, candidates in claims.items():
            (_, position, title), *others = sorted(candidates)
            positions[field_name], titles[field_name] = position, title
            repeated += [Repeated(other, other_title, title, field_name) for _, other, other_title in others]
        return ColumnMatch(positions, titles, unknown, repeated, guessed, self.needed <= set(positions))

    def _guess(
        self,
        unknown: list[tuple[int, str]],
        claims: dict[str, list[tuple[int, int, str]]],
        guessed: dict[str, str],
    ) -> list[tuple[int, str]]:
        """Read as a field the unknown titles that are a typing error away from one of its aliases."""
        from rapidfuzz import fuzz, process

        still_unknown = []
        for position, title in unknown:
            key = self.reference.header_key(title)
            open_fields = {alias: target for alias, (target, _) in self.keys.items() if target not in claims}
            found = (
                process.extractOne(key, list(open_fields), scorer=fuzz.ratio, score_cutoff=GUESS_CUTOFF)
                if len(key) >= GUESS_MIN_LENGTH
                else None
            )
            if found is None:
                still_unknown.append((position, title))
                continue
            target = open_fields[found[0]]
            claims[target] = [(len(self.keys), position, title)]
            guessed[target] = title
        return still_unknown


@dataclass(frozen=True)
class Header:
    table: Table
    index: int  # position of the header row in table.rows
    columns: ColumnMatch
    format: Format
    spans_sheets: bool = False

    @property
    def row_number(self) -> int:
        return self.table.row_numbers[self.index]

    def data(self) -> list[tuple[int, list[str]]]:
        """(row number, cells) of every non-blank row under the header."""
        below = zip(self.table.row_numbers[self.index + 1 :], self.table.rows[self.index + 1 :], strict=True)
        return [(number, cells) for number, cells in below if any(cells)]


def find_headers(tables: Iterable[Table], specs: list[HeaderSpec]) -> list[Header]:
    """The header of the sheet that holds the data: the first visible sheet whose header names every
    field its format needs, else the first visible sheet with a header (hidden sheets, such as the
    lists behind a template's choice lists, never hold the data). For a format that spans sheets
    (RMRP need and targets: its spec `spans_sheets`), the matching header of every later visible
    sheet too."""
    visible = [table for table in tables if not table.hidden]
    found: list[Header] = []
    partial: Header | None = None
    for table in visible:
        candidates = [spec for spec in specs if spec.format == found[0].format] if found else specs
        header = _first_header(table, candidates)
        if header is None:
            continue
        if header.spans_sheets:
            found.append(header)
        elif header.columns.complete:
            return [header]
        elif partial is None:
            partial = header
    return found or ([partial] if partial is not None else [])


def _first_header(table: Table, specs: list[HeaderSpec]) -> Header | None:
    for index, cells in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        for spec in specs:
            columns = spec.match(cells)
            if columns is not None:
                return Header(table, index, columns, spec.format, spec.spans_sheets)
    return None
