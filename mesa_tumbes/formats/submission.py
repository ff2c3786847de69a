"""A submission through its format: which format it is in (by its header), its parts, the suites they
go through, and what loads. The one place that knows every format; adding one is adding it to
FORMATS."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Generator
from dataclasses import dataclass, replace
from functools import cache, partial
from typing import TYPE_CHECKING, cast

import pandas as pd

from mesa_tumbes.core import clock
from mesa_tumbes.core.contract import DEFAULT_LIMITS, Format, ReadLimits
from mesa_tumbes.core.problems import Problem
from mesa_tumbes.core.reference import Reference, load_reference
from mesa_tumbes.core.settings import DEFAULT_TIMEZONE
from mesa_tumbes.expectations.derived import Batched, comparisons_many, plausibility_many
from mesa_tumbes.expectations.suite import shared_expectations
from mesa_tumbes.expectations.triage import Verdict, triage
from mesa_tumbes.expectations.validate import (
    Checked,
    History,
    Request,
    SuiteRunner,
    Validation,
    parameters,
    said_once,
)
from mesa_tumbes.formats import r4v_5w, rmrp, template
from mesa_tumbes.formats.base import Checking, Context, PartCheck, SubmissionFormat
from mesa_tumbes.formats.template.reading import handed_out_version
from mesa_tumbes.transforms.header import find_headers
from mesa_tumbes.transforms.model import Parsed, Part, ToNormalise
from mesa_tumbes.transforms.read import (
    Table,
    TooLargeError,
    UnreadableFileError,
    UnsupportedFormatError,
    read_tables,
    too_large,
)
from mesa_tumbes.transforms.values import MojibakeRepair

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

# In the order headers are tried: the 5W first (its Indicator and Value columns would also pass for
# a Mesa template header), then the RMRP need, then the Mesa template.
FORMATS: dict[Format, SubmissionFormat] = {
    fmt.name: fmt for fmt in (r4v_5w.FORMAT, rmrp.FORMAT, template.FORMAT)
}


def format_of(name: Format | None) -> SubmissionFormat:
    """A format by name; a file in no format is answered as the Mesa template's."""
    return FORMATS[name or "mesa_template"]


def read(
    file_name: str, content: bytes, channel: str, reference: Reference, limits: ReadLimits = DEFAULT_LIMITS
) -> Parsed:
    """Read one file into the parts of its format. Never raises for bad input: what is wrong
    becomes problems."""
    return alone(begin(reading(file_name, content, channel, reference, limits)))


def reading(
    file_name: str,
    content: bytes,
    channel: str,
    reference: Reference,
    limits: ReadLimits = DEFAULT_LIMITS,
    keep: Callable[[list[Table]], None] | None = None,
) -> Generator[list[ToNormalise], list[pd.DataFrame], Parsed]:
    """`read` in steps: the cells its format wants normalised are yielded (see Reading), so that
    many files' are normalised together (`begin`, `normalised`, `Suspended.resume`). `keep` is
    handed the cells as the agency wrote them, of a file whose format was found."""
    if not content.strip():
        return Parsed(None, [], [Problem("structure.empty_file")])
    if len(content) > limits.max_file_bytes:
        return Parsed(None, [], [too_large(len(content), limits.max_file_bytes)])
    repair = MojibakeRepair()
    specs = [fmt.header_spec(reference) for fmt in FORMATS.values()]
    try:
        written = list(read_tables(file_name, content, limits))
        tables = list(repair.tables(written))
        headers = find_headers(tables, specs)
    except UnsupportedFormatError as error:
        return Parsed(None, [], [Problem("structure.unsupported_format", detail=str(error) or file_name)])
    except UnreadableFileError as error:
        return Parsed(None, [], [Problem("structure.unreadable_file", detail=error.detail)])
    except TooLargeError as error:
        return Parsed(None, [], [too_large(error.size, error.limit)])
    if not headers:
        return Parsed(None, [], [*repair.problems(), Problem("structure.header_not_found")])
    if keep is not None:
        keep(written)
    kind, encoding = headers[0].format, headers[0].table.encoding
    old = handed_out_version(tables) if kind == "mesa_template" else None
    steps = FORMATS[kind].read(headers, channel, reference)
    del content, written, tables, headers  # the cells go once read: a chunk's files wait together
    parts, problems = yield from steps
    if old is not None:
        problems.insert(0, old)
    return Parsed(kind, parts, [*repair.problems(), *problems], encoding)


@dataclass(frozen=True)
class Suspended:
    """A file's reading waiting for the cells it asked to be normalised."""

    steps: Generator[list[ToNormalise], list[pd.DataFrame], Parsed]
    asked: list[ToNormalise]

    def resume(self, frames: list[pd.DataFrame]) -> Parsed | Suspended:
        """On with the frames asked for (in the order asked), to the next request or the end."""
        return _step(self.steps, frames)


def begin(steps: Generator[list[ToNormalise], list[pd.DataFrame], Parsed]) -> Parsed | Suspended:
    """A file's reading up to what it first asks (see `reading`), or to its end."""
    return _step(steps, None)


def _step(
    steps: Generator[list[ToNormalise], list[pd.DataFrame], Parsed], frames: list[pd.DataFrame] | None
) -> Parsed | Suspended:
    """One step of a reading (as `_advance` steps a check): started (None), or sent what it asked."""
    try:
        return Suspended(steps, next(steps) if frames is None else steps.send(frames))
    except StopIteration as finished:
        return cast(Parsed, finished.value)


def alone(state: Parsed | Suspended) -> Parsed:
    """A reading to its end, what it asks normalised on its own."""
    while isinstance(state, Suspended):
        state = state.resume(normalised(state.asked))
    return state


def normalised(asked: list[ToNormalise]) -> list[pd.DataFrame]:
    """The frame of each request, in order: the requests one function normalises, together."""
    together: dict[Callable[[list[ToNormalise]], list[pd.DataFrame]], list[int]] = {}
    for number, request in enumerate(asked):
        together.setdefault(request.many, []).append(number)
    frames: dict[int, pd.DataFrame] = {}
    for many, numbers in together.items():
        frames.update(zip(numbers, many([asked[number] for number in numbers]), strict=True))
    return [frames[number] for number in range(len(asked))]


@dataclass(frozen=True)
class ToValidate:
    """A submission read, to validate: its parts, the agency whose folder it came from, and its
    series' earlier values (None: plausibility not judged)."""

    parsed: Parsed
    channel: str
    history: History | None = None


def validate(
    parsed: Parsed,
    channel: str,
    runner: SuiteRunner | None = None,
    today: dt.date | None = None,
    history: History | None = None,
) -> Validation:
    """Feedback rows for every rule each part breaks, after the problems found while reading.
    `today` decides which periods have not begun yet (by default, today in Tumbes); `history` gives
    the earlier values of the rows' series, against which they are judged plausible."""
    return validate_many([ToValidate(parsed, channel, history)], runner, today)[0]


def validate_many(
    submissions: list[ToValidate], runner: SuiteRunner | None = None, today: dt.date | None = None
) -> list[Validation]:
    """`validate` for many submissions at once: each format checks its parts in steps, and every
    step of every part runs together, one Great Expectations validation per suite. Each
    submission's validation holds only what concerns it."""
    reference = load_reference()
    runner = runner or suite_runner()
    suite_parameters = parameters(today or clock.today(DEFAULT_TIMEZONE))
    compared, judged = derivations(submissions, reference)
    checkings: list[tuple[int, Part, Checking]] = [
        (
            number,
            part,
            format_of(item.parsed.format).check(
                part,
                Context(
                    reference,
                    item.channel,
                    item.history,
                    compared,
                    judged if item.history is not None else None,
                ),
            ),
        )
        for number, item in enumerate(submissions)
        for part in item.parsed.parts
    ]
    done: dict[int, PartCheck] = {}
    pending: dict[int, list[Request]] = {}
    for position, (_, _, checking) in enumerate(checkings):
        _advance(position, checking, None, pending, done)
    while pending:
        asked = [(position, request) for position, requests in pending.items() for request in requests]
        found = runner.check_many([request for _, request in asked], suite_parameters)
        answers: dict[int, list[Checked]] = {position: [] for position in pending}
        for (position, _), checked in zip(asked, found, strict=True):
            answers[position].append(checked)
        stepping, pending = pending, {}
        for position in stepping:
            _advance(position, checkings[position][2], answers[position], pending, done)
    return [
        _validation(
            item.parsed,
            [
                (part, done[position])
                for position, (owner, part, _) in enumerate(checkings)
                if owner == number
            ],
        )
        for number, item in enumerate(submissions)
    ]


def derivations(submissions: list[ToValidate], reference: Reference) -> tuple[Batched, Batched]:
    """The rules that compare rows derive their frames for every part of the round at once: totals
    against parts, and each row against its series' history (for the parts that have one)."""
    frames = [part.frame for item in submissions for part in item.parsed.parts]
    histories = {
        id(part.frame): item.history for item in submissions for part in item.parsed.parts if item.history
    }

    def judged_many(many: list[pd.DataFrame]) -> list[pd.DataFrame]:
        return plausibility_many(many, [histories[id(frame)](frame) for frame in many])

    compared = Batched(frames, partial(comparisons_many, reference=reference))
    judged = Batched([f for f in frames if id(f) in histories], judged_many)
    return compared, judged


def _advance(
    position: int,
    checking: Checking,
    answer: list[Checked] | None,
    pending: dict[int, list[Request]],
    done: dict[int, PartCheck],
) -> None:
    """One step of a part's check: its next requests go to `pending`, or its result to `done`."""
    try:
        pending[position] = next(checking) if answer is None else checking.send(answer)
    except StopIteration as finished:
        done[position] = finished.value


def _validation(parsed: Parsed, checks: list[tuple[Part, PartCheck]]) -> Validation:
    problems, not_evaluated, frames, results, details = [], [], [], [], []
    for part, checked in checks:
        details += [checked.details] if checked.details is not None else []
        problems += checked.problems
        for found in checked.checked:
            problems += found.problems
            not_evaluated += found.not_evaluated
            results += [found.result] if found.result is not None else []
        frames.append((part, checked.frame))
    return Validation(said_once(parsed.problems, problems), not_evaluated, frames, results, details)


def verdict(parsed: Parsed, validation: Validation) -> Verdict:
    """The status and the rows that load, as they load."""
    fmt = format_of(parsed.format)
    judged = triage(fmt.loads, validation.frames, validation.problems)
    kept = pd.concat(validation.details, ignore_index=True) if validation.details else None
    if kept is not None:  # the rows kept whole are those whose values load
        kept = kept[kept["row_number"].isin(judged.accepted["row_number"])].reset_index(drop=True)
    return replace(judged, accepted=fmt.to_load(judged.accepted), details=kept)


def expectations(reference: Reference) -> dict[str, list[Expectation]]:
    """Every suite: each format's own, and those they share."""
    found = shared_expectations()
    for fmt in FORMATS.values():
        found.update(fmt.suites(reference))
    return found


@cache
def suite_runner() -> SuiteRunner:
    """The process's runner: building a context and suites costs seconds, validating milliseconds."""
    reference = load_reference()
    return SuiteRunner(reference, expectations(reference))


@dataclass(frozen=True)
class Judged:
    """A submission read, validated and judged."""

    parsed: Parsed
    validation: Validation
    verdict: Verdict


def check(
    file_name: str,
    content: bytes,
    channel: str,
    runner: SuiteRunner | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
    today: dt.date | None = None,
    history: History | None = None,
) -> Judged:
    """Read -> validate -> triage, one way: what a submission is, before anything is stored."""
    parsed = read(file_name, content, channel, load_reference(), limits)
    validation = validate(parsed, channel, runner, today, history)
    return Judged(parsed, validation, verdict(parsed, validation))
