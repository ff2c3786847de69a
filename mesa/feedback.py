"""Write an agency's feedback for one submission: an HTML summary, the problems as CSV, and JSON.

Everything goes to feedback/<AGENCY>/<submission folder>/ and mentions only that submission.
"""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from expectations.problems import Problem
from expectations.registry import check, checks
from mesa.annotated import write_annotated_copy
from mesa.clock import local_time
from mesa.i18n import strings, text
from mesa.intake import Outcome
from mesa.reference import load_reference
from mesa.text import slug

TEMPLATES_DIR = Path(__file__).parent / "templates"
# The HTML lists this many rows per check; the CSV always lists every one.
HTML_ROWS_PER_CHECK = 200
# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Appended columns keep the earlier ones where agencies' spreadsheets expect them.
PROBLEM_COLUMNS = ["row_number", "column", "value", "check_id", "severity", "message", "suggestion", "sheet"]
# Folder names stay well under file-system limits whatever the agency called its file.
MAX_SLUG_CHARACTERS = 80


def folder_name(relative_path: str, sha256: str) -> str:
    """Readable and unique: the file's name as a slug plus the start of its fingerprint."""
    return f"{slug(relative_path)[:MAX_SLUG_CHARACTERS].rstrip('-')}--{sha256[:8]}"


def feedback_path(outcome: Outcome) -> str:
    """The submission's feedback folder, relative to the feedback root: <AGENCY>/<folder>."""
    received = outcome.received
    return f"{received.agency}/{folder_name(received.file.relative_path, received.archived.sha256)}"


def spreadsheet_safe(value: object) -> str:
    """Text that a spreadsheet shows as written and never evaluates as a formula."""
    cell = "" if value is None else str(value)
    if cell.startswith(FORMULA_PREFIXES) and not _is_plain_number(cell):
        return "'" + cell
    return cell


def _is_plain_number(cell: str) -> bool:
    try:
        float(cell.replace(",", "."))
    except ValueError:
        return False
    return True


def ordered(problems: list[Problem]) -> list[Problem]:
    """File-level problems first, then by row, then in registry order."""
    rank = {check_id: position for position, check_id in enumerate(checks())}
    return sorted(problems, key=lambda p: (p.sheet or "", p.row_number or 0, rank[p.check_id]))


def problem_rows(problems: list[Problem], lang: str) -> list[dict[str, Any]]:
    """The feedback rows, with the severity and message in `lang`."""
    return [
        {
            "row_number": problem.row_number,
            "column": problem.column_label(lang),
            "value": problem.value,
            "check_id": problem.check_id,
            "severity": text(lang, f"severity.{problem.severity}"),
            "message": problem.message(lang),
            "suggestion": problem.suggestion,
            "sheet": problem.sheet,
        }
        for problem in ordered(problems)
    ]


@dataclass(frozen=True)
class CheckGroup:
    """The problems of one check, for the HTML summary."""

    check_id: str
    title: str
    severity: str
    count: int
    rows: list[dict[str, Any]]


def grouped(rows: list[dict[str, Any]], lang: str) -> list[CheckGroup]:
    by_check: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_check[row["check_id"]].append(row)
    return [
        CheckGroup(
            check_id=check_id,
            title=check(check_id).title[lang],
            severity=check(check_id).severity,
            count=len(members),
            rows=members[:HTML_ROWS_PER_CHECK],
        )
        for check_id in checks()
        if (members := by_check.get(check_id))
    ]


def details(outcome: Outcome, lang: str, timezone: str) -> dict[str, Any]:
    """Everything the agency is told, as data (also the input of the HTML template)."""
    received, verdict = outcome.received, outcome.verdict
    reference = load_reference()
    agency = next((a for a in reference.agencies if a.code == received.agency), None)
    names = {i.code: i.name_es if lang == "es" else i.name_en for i in reference.indicators}
    sectors = {s.name: s.name_es if lang == "es" else s.name for s in reference.sectors}
    original = outcome.duplicate_of
    return {
        "submission_id": received.submission_id,
        "agency": received.agency,
        "agency_name": agency.name if agency else None,
        "file": received.file.relative_path,
        "sha256": received.archived.sha256,
        "size_bytes": received.archived.size_bytes,
        "received_at": received.file.received_at.isoformat(timespec="seconds"),
        "processed_at": outcome.processed_at.isoformat(timespec="seconds"),
        "received_local": local_time(received.file.received_at, timezone),
        "processed_local": local_time(outcome.processed_at, timezone),
        "status": verdict.status,
        "status_label": text(lang, f"status.{verdict.status}"),
        **verdict.counts,
        "format": outcome.format,
        "sheet": outcome.sheet,
        "header_row": outcome.header_row,
        "periods": outcome.periods,
        "indicators": [{"code": code, "name": names.get(code, code)} for code in outcome.indicators],
        "sectors": [sectors.get(name, name) for name in outcome.sectors],
        "duplicate_of": None
        if original is None
        else {
            "submission_id": original.submission_id,
            "file": original.file_name,
            "received_at": original.received_at.isoformat(timespec="seconds"),
            "received_local": local_time(original.received_at, timezone),
            "status": original.status,
        },
        "not_evaluated": [check(check_id).title[lang] for check_id in dict.fromkeys(outcome.not_evaluated)],
        "problems": problem_rows(outcome.problems, lang),
    }


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_summary(data: dict[str, Any], lang: str) -> str:
    template = _environment().get_template("summary.html.j2")
    return template.render(
        lang=lang,
        t=strings(lang),
        data=data,
        groups=grouped(data["problems"], lang),
        html_rows_per_check=HTML_ROWS_PER_CHECK,
        with_sheets=any(problem["sheet"] for problem in data["problems"]),
    )


def write_problems_csv(path: Path, rows: list[dict[str, Any]], lang: str) -> None:
    """UTF-8 with a BOM so that Excel shows accents; every cell safe from formula injection."""
    headers = strings(lang)["problems_columns"]
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow([headers[column] for column in PROBLEM_COLUMNS])
        for row in rows:
            writer.writerow([spreadsheet_safe(row[column]) for column in PROBLEM_COLUMNS])


def technical_report(results: list[Any]) -> str | None:
    """Great Expectations' own rendering of this submission's validation results, as one page for
    the technical reader (rendered from the results alone: no Data Docs site, which would gather
    every agency's results)."""
    if not results:
        return None
    from great_expectations.render.renderer import ValidationResultsPageRenderer
    from great_expectations.render.view import DefaultJinjaPageView

    renderer = ValidationResultsPageRenderer()
    document = renderer.render(results[0])
    document.sections = [s for result in results for s in renderer.render(result).sections]
    page: str = DefaultJinjaPageView().render(document)  # type: ignore[no-untyped-call]
    return page


def write_feedback(outcome: Outcome, feedback_root: Path, lang: str, timezone: str) -> Path:
    """Write the submission's feedback folder and return it. The folder appears complete or not at
    all: files are written to a temporary folder that then takes the final name."""
    target = feedback_root / feedback_path(outcome)
    target.parent.mkdir(parents=True, exist_ok=True)
    data = details(outcome, lang, timezone)
    names = strings(lang)["files"]
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".writing-"))
    try:
        data["annotated"] = (
            names["annotated"] if write_annotated_copy(outcome, staging / names["annotated"], lang) else None
        )
        report = technical_report(outcome.results)
        if report is not None:
            (staging / names["technical"]).write_text(report, encoding="utf-8")
        data["technical"] = names["technical"] if report is not None else None
        (staging / names["summary"]).write_text(render_summary(data, lang), encoding="utf-8")
        write_problems_csv(staging / names["problems"], data["problems"], lang)
        (staging / names["details"]).write_text(
            json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
        )
        if target.exists():  # a rerun after an interrupted load rewrites the same folder
            shutil.rmtree(target)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
