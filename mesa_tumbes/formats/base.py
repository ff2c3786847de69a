"""What a submission format is: how its header is recognised, how its rows are read, which suites
they go through and what loads. Each format lives in its own folder (formats/<name>/) and hands the
rest of the pipeline an object of this shape: adding a format is adding a folder and a line in
formats/__init__.py, never an `if format == ...` elsewhere."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import pandas as pd

from mesa_tumbes.core.contract import Format, Loads
from mesa_tumbes.core.problems import Problem
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.expectations.derived import Batched, comparisons, plausibility
from mesa_tumbes.expectations.validate import Checked, History, Request
from mesa_tumbes.transforms.header import Header, HeaderSpec
from mesa_tumbes.transforms.model import Part, Reading

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation


@dataclass(frozen=True)
class Context:
    """What checking a part needs besides the part: the reference data, the agency whose folder the
    file came from, the series' history (None: not judged), and the derivations of the rules that
    compare rows (computed for a whole round at once when the round gives them)."""

    reference: Reference
    channel: str
    history: History | None = None
    compared: Batched | None = None  # totals against parts, attended against identified
    judged: Batched | None = None  # each row against its series' usual range

    def comparisons(self, frame: pd.DataFrame) -> pd.DataFrame:
        return self.compared(frame) if self.compared is not None else comparisons(frame, self.reference)

    def plausibility(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Only where there is a history (see `history`)."""
        if self.judged is not None and self.judged.knows(frame):
            return self.judged(frame)
        assert self.history is not None, "plausibility is judged only against a history"
        return plausibility(frame, self.history(frame))

    def request(
        self, suite: str, frame: pd.DataFrame, part: Part, sources: dict[str, str] | None = None
    ) -> Request:
        return Request(suite, frame, part, self.channel, sources or {})


@dataclass(frozen=True)
class PartCheck:
    """What the suites found on one part, and its rows in the shape they load in (before triage)."""

    checked: list[Checked]
    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)  # found by the format itself, beside the suites
    details: pd.DataFrame | None = None  # rows kept whole beside their values (R4V 5W), by row_number


# A format checks a part in steps: it yields the suites' requests of a step, receives what they found
# (in the same order) and returns the part's check. Many submissions' steps then run in bulk, one
# validation per suite (formats/submission.py).
Checking = Generator[list[Request], list[Checked], PartCheck]


class SubmissionFormat(Protocol):
    """One format of the submission contract."""

    @property
    def name(self) -> Format: ...

    @property
    def loads(self) -> Loads:
        """Where its rows go: indicator values, or need and targets."""
        ...

    @property
    def revises(self) -> bool:
        """Whether a later file of the agency for a period replaces this one's figures (the
        contract's revisions): its feedback then says what a revision stops counting."""
        ...

    def header_spec(self, reference: Reference) -> HeaderSpec: ...

    def read(self, headers: list[Header], channel: str, reference: Reference) -> Reading:
        """The parts under its headers, and what reading found wrong, in steps (see Reading)."""
        ...

    def suites(self, reference: Reference) -> dict[str, list[Expectation]]:
        """Its own Great Expectations suites, by name."""
        ...

    def check(self, part: Part, context: Context) -> Checking:
        """The part through its suites, in steps (see Checking)."""
        ...

    def to_load(self, accepted: pd.DataFrame) -> pd.DataFrame:
        """The accepted rows as they load (R4V 5W: one partner's activities under one indicator,
        place and month add up)."""
        ...
