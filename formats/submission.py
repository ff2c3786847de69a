"""A submission through its format: which format it is in (by its header), its parts, the suites they
go through, and what loads. The one place that knows every format; adding one is adding it to
FORMATS."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING

from core import clock
from core.contract import DEFAULT_LIMITS, Format, ReadLimits
from core.problems import Problem
from core.reference import Reference, load_reference
from core.settings import DEFAULT_TIMEZONE
from expectations.suite import shared_expectations
from expectations.triage import Verdict, triage
from expectations.validate import History, SuiteRunner, Validation, parameters, said_once
from formats import r4v_5w, rmrp, template
from formats.base import Context, SubmissionFormat
from transforms.header import find_headers
from transforms.model import Parsed
from transforms.read import TooLargeError, UnreadableFileError, UnsupportedFormatError, read_tables, too_large
from transforms.values import MojibakeRepair

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
    if not content.strip():
        return Parsed(None, [], [Problem("structure.empty_file")])
    if len(content) > limits.max_file_bytes:
        return Parsed(None, [], [too_large(len(content), limits.max_file_bytes)])
    repair = MojibakeRepair()
    specs = [fmt.header_spec(reference) for fmt in FORMATS.values()]
    try:
        headers = find_headers(repair.tables(read_tables(file_name, content, limits)), specs)
    except UnsupportedFormatError as error:
        return Parsed(None, [], [Problem("structure.unsupported_format", detail=str(error) or file_name)])
    except UnreadableFileError as error:
        return Parsed(None, [], [Problem("structure.unreadable_file", detail=error.detail)])
    except TooLargeError as error:
        return Parsed(None, [], [too_large(error.size, error.limit)])
    if not headers:
        return Parsed(None, [], [*repair.problems(), Problem("structure.header_not_found")])
    kind = headers[0].format
    parts, problems = FORMATS[kind].read(headers, channel, reference)
    return Parsed(kind, parts, [*repair.problems(), *problems], headers[0].table.encoding)


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
    reference = load_reference()
    fmt = format_of(parsed.format)
    context = Context(
        runner or suite_runner(),
        reference,
        channel,
        parameters(channel, today or clock.today(DEFAULT_TIMEZONE)),
        history,
    )
    problems, not_evaluated, frames, results = [], [], [], []
    for part in parsed.parts:
        checked = fmt.check(part, context)
        problems += checked.problems
        for found in checked.checked:
            problems += found.problems
            not_evaluated += found.not_evaluated
            results += [found.result] if found.result is not None else []
        frames.append((part, checked.frame))
    return Validation(said_once(parsed.problems, problems), not_evaluated, frames, results)


def verdict(parsed: Parsed, validation: Validation) -> Verdict:
    """The status and the rows that load, as they load."""
    fmt = format_of(parsed.format)
    judged = triage(fmt.loads, validation.frames, validation.problems)
    return replace(judged, accepted=fmt.to_load(judged.accepted))


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
class Checked:
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
) -> Checked:
    """Read -> validate -> triage, one way: what a submission is, before anything is stored."""
    parsed = read(file_name, content, channel, load_reference(), limits)
    validation = validate(parsed, channel, runner, today, history)
    return Checked(parsed, validation, verdict(parsed, validation))
