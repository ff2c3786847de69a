"""Read a submission and turn it into parts of its format: the entry point of the transforms."""

from __future__ import annotations

from core.contract import DEFAULT_LIMITS, ReadLimits
from core.problems import Problem
from core.reference import Reference
from transforms.header import HeaderSpec, find_headers, five_w_spec, template_spec
from transforms.model import Parsed
from transforms.r4v import five_w_part
from transforms.read import TooLargeError, UnreadableFileError, UnsupportedFormatError, read_tables
from transforms.rmrp import RmrpSpec, rmrp_parts
from transforms.template import template_part
from transforms.values import MojibakeRepair


def parse_submission(
    file_name: str, content: bytes, channel: str, reference: Reference, limits: ReadLimits = DEFAULT_LIMITS
) -> Parsed:
    """Read and normalise one file. Never raises for bad input: what is wrong becomes problems."""
    if not content.strip():
        return Parsed(None, [], [Problem("structure.empty_file")])
    if len(content) > limits.max_file_bytes:
        return Parsed(None, [], [too_large(len(content), limits.max_file_bytes)])
    repair = MojibakeRepair()
    # The 5W comes first: its Indicator and Value columns would also pass for a Mesa template header.
    specs: list[HeaderSpec] = [five_w_spec(reference), RmrpSpec(), template_spec(reference)]
    try:
        headers = find_headers(repair.tables(read_tables(file_name, content, limits)), specs)
    except UnsupportedFormatError as error:
        return Parsed(None, [], [Problem("structure.unsupported_format", detail=str(error) or file_name)])
    except UnreadableFileError as error:
        return Parsed(None, [], [Problem("structure.unreadable_file", detail=error.detail)])
    except TooLargeError as error:
        return Parsed(None, [], [too_large(error.size, error.limit)])
    if not headers:
        expected = ", ".join(c.title["es"] for c in reference.columns if c.required)
        return Parsed(
            None, [], [*repair.problems(), Problem("structure.header_not_found", expected=expected)]
        )
    encoding = headers[0].table.encoding
    kind = headers[0].format
    if kind == "rmrp_need":
        parts, problems = rmrp_parts(headers, reference)
    else:
        part, problems = (
            five_w_part(headers[0], reference)
            if kind == "r4v_5w"
            else template_part(headers[0], channel, reference)
        )
        parts = [] if part is None else [part]
    return Parsed(kind, parts, [*repair.problems(), *problems], encoding)


def too_large(size: int, limit: int) -> Problem:
    return Problem("structure.file_too_large", detail=f"{size / 2**20:.1f} MB > {limit / 2**20:.0f} MB")
