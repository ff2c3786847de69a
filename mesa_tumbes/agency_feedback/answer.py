"""Write an agency's feedback for one submission: an HTML summary, the problems as CSV, and JSON.

Everything goes to feedback/<AGENCY>/<submission folder>/ and mentions only that submission.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import NotRequired, TypedDict, cast

from jinja2 import Environment

from mesa_tumbes.agency_feedback.annotated import write_annotated_copy
from mesa_tumbes.agency_feedback.problems import PROBLEM_COLUMNS, ProblemRow, ordered, problem_rows
from mesa_tumbes.agency_templates.workbook import file_name as template_name
from mesa_tumbes.agency_templates.workbook import is_current_template, write_template
from mesa_tumbes.core import templating
from mesa_tumbes.core.checks import check, checks
from mesa_tumbes.core.clock import local_time
from mesa_tumbes.core.files import write_file, write_folder
from mesa_tumbes.core.i18n import strings, text
from mesa_tumbes.core.reference import load_reference
from mesa_tumbes.core.text import slug
from mesa_tumbes.formats.outcome import Outcome
from mesa_tumbes.reception.received import Received

TEMPLATES_DIR = Path(__file__).parent / "templates"
# The HTML lists this many rows per check; the CSV always lists every one.
HTML_ROWS_PER_CHECK = 200
# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Folder names stay well under file-system limits whatever the agency called its file.
MAX_SLUG_CHARACTERS = 80
# A trial's feedback folder (`mesa validate`) ends so: never the folder of a real submission.
TRIAL_SUFFIX = "--prueba"
# One cause that makes at least this share of the rows read fail is said first, in one sentence.
LEADING_SHARE = 0.5
# Feedback with rows to fix hands the agency its template (`mesa plantillas`), beside its folders.
TEMPLATE_FOR = ("rejected", "partially_accepted")


def folder_name(relative_path: str, sha256: str) -> str:
    """Readable and unique: the file's name as a slug plus the start of its fingerprint."""
    return f"{slug(relative_path)[:MAX_SLUG_CHARACTERS].rstrip('-')}--{sha256[:8]}"


def feedback_path(outcome: Outcome, trial: bool = False) -> str:
    """The submission's feedback folder, relative to the feedback root: <AGENCY>/<folder>."""
    return received_path(outcome.received, trial)


def received_path(received: Received, trial: bool = False) -> str:
    """A received file's feedback folder, relative to the feedback root: <AGENCY>/<folder>."""
    folder = folder_name(received.file.relative_path, received.archived.sha256)
    return f"{received.agency}/{folder}{TRIAL_SUFFIX if trial else ''}"


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


@dataclass(frozen=True)
class CheckGroup:
    """The problems of one check, for the HTML summary."""

    check_id: str
    title: str
    severity: str
    count: int
    rows: list[ProblemRow]


class FeedbackDetails(TypedDict):
    """Everything the agency is told about one file, as data: the feedback folder's JSON
    (resumen.json, submission contract) and the page's input."""

    submission_id: str
    agency: str
    agency_name: str
    file: str
    sha256: str
    size_bytes: int
    received_at: str  # ISO, UTC
    processed_at: str
    received_local: str  # in the Mesa's time zone, as people read it
    processed_local: str
    status: str
    status_label: str
    rows_read: int  # the row counts, core.contract.ROW_COUNTS
    rows_loaded: int
    rows_rejected: int
    rows_warned: int
    rows_excluded: int
    format: str | None
    sheet: str | None
    header_row: int | None
    periods: list[str]
    indicators: list[dict[str, str]]  # code, name
    sectors: list[str]
    duplicate_of: dict[str, str] | None  # the earlier submission with the same bytes
    not_evaluated: list[str]  # titles of the rules that could not be evaluated
    trial: bool
    cause: str | None
    problems_total: int
    problems_by_check: dict[str, int]
    problems: list[ProblemRow]  # up to HTML_ROWS_PER_CHECK per rule
    every_problem: NotRequired[list[ProblemRow]]  # all of them, for the CSV (not in the JSON)
    review: NotRequired[list[str]]  # what happens to its figures when they wait for the Mesa's review
    next_steps: NotRequired[str]  # what to do now, where it differs from the status's usual words
    template: NotRequired[str | None]  # the handed-out template, when rows are to fix
    annotated: NotRequired[str | None]
    technical: NotRequired[str]


def grouped(rows: list[ProblemRow], counts: dict[str, int], lang: str) -> list[CheckGroup]:
    """The rows by rule, in registry order; `counts`: how many rows each rule has in all."""
    by_check: dict[str, list[ProblemRow]] = defaultdict(list)
    for row in rows:
        by_check[row["check_id"]].append(row)
    return [
        CheckGroup(
            check_id=check_id,
            title=check(check_id).title(lang),
            severity=check(check_id).severity,
            count=counts.get(check_id, len(members)),
            rows=members[:HTML_ROWS_PER_CHECK],
        )
        for check_id in checks()
        if (members := by_check.get(check_id))
    ]


def agency_name(code: str) -> str | None:
    """The agency's name; None for a folder that belongs to no agency."""
    return next((a.name for a in load_reference().agencies if a.code == code), None)


def leading_cause(outcome: Outcome, lang: str) -> str | None:
    """One sentence on what made the file fail, when one cause explains most of it: a problem with
    the whole file, or one rule that at least half of the rows break (with, for repeated rows, the
    columns that were not recognised: the usual reason every row looks the same)."""
    problems, verdict = outcome.problems, outcome.verdict
    fatal = next((p for p in ordered(problems) if p.rejects_file), None)
    if fatal is not None:
        return text(lang, "summary.cause_file", message=fatal.message(lang))
    failing: dict[str, set[int]] = defaultdict(set)
    for problem in problems:
        if problem.severity == "error" and problem.row_number is not None:
            failing[problem.check_id].add(problem.row_number)
    if not failing or verdict.rows_read < 2:
        return None
    check_id, rows = max(failing.items(), key=lambda item: len(item[1]))
    if len(rows) < 2 or len(rows) < LEADING_SHARE * verdict.rows_read:
        return None
    first = next(p for p in ordered(problems) if p.check_id == check_id)
    unknown = [p.column for p in problems if p.check_id == "structure.unknown_column" and p.column]
    params = {"count": len(rows), "total": verdict.rows_read, "title": check(check_id).title(lang)}
    if check_id == "consistency.duplicate_key" and unknown:
        columns = ", ".join(f"«{column}»" for column in unknown)
        return text(lang, "summary.cause_unknown_columns", **params, columns=columns)
    return text(lang, "summary.cause_rows", **params, message=first.message(lang))


def details(outcome: Outcome, lang: str, timezone: str, trial: bool = False) -> FeedbackDetails:
    """Everything the agency is told, as data (also the input of the HTML template). The problems
    are listed up to HTML_ROWS_PER_CHECK per rule (`every_problem` has them all, for the CSV)."""
    received, verdict = outcome.received, outcome.verdict
    reference = load_reference()
    names = {i.code: i.name(lang) for i in reference.indicators}
    sectors = {s.name: s.name_es if lang == "es" else s.name for s in reference.sectors}
    original = outcome.duplicate_of
    rows = problem_rows(outcome.problems, lang)
    # The counts are spread in the order ROW_COUNTS gives them (defined once there).
    described: dict[str, object] = {
        "submission_id": received.submission_id,
        "agency": received.agency,
        "agency_name": agency_name(received.agency),
        "file": received.file.shown_name,
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
        "not_evaluated": [check(check_id).title(lang) for check_id in dict.fromkeys(outcome.not_evaluated)],
        "trial": trial,
        "cause": leading_cause(outcome, lang),
        "problems_total": len(rows),
        "problems_by_check": dict(Counter(row["check_id"] for row in rows)),
        "problems": bounded(rows),
        "every_problem": rows,
        **waiting(outcome, lang),
    }
    return cast("FeedbackDetails", described)


def waiting(outcome: Outcome, lang: str) -> dict[str, object]:
    """What the agency is told when its figures wait for the Mesa's review (pending, or a revision
    of a month already approved): a sentence per reason, naming its periods, and what to do now.
    Nothing when every period it loads is published at once."""
    periods: dict[str, list[str]] = defaultdict(list)
    for period, state, reason in outcome.review:
        if state != "approved":
            periods[reason].append(period)
    if not periods:
        return {}
    said = [
        text(lang, f"review_notice.{reason}", periods=", ".join(listed), count=len(listed))
        for reason, listed in periods.items()
    ]
    return {"review": said, "next_steps": text(lang, f"next_steps_waiting.{outcome.verdict.status}")}


def bounded(rows: list[ProblemRow]) -> list[ProblemRow]:
    """The first HTML_ROWS_PER_CHECK rows of each rule, in their order."""
    seen: Counter[str] = Counter()
    kept = []
    for row in rows:
        seen[row["check_id"]] += 1
        if seen[row["check_id"]] <= HTML_ROWS_PER_CHECK:
            kept.append(row)
    return kept


def _environment() -> Environment:
    return templating.pages(TEMPLATES_DIR)


def render_summary(data: FeedbackDetails, lang: str) -> str:
    template = _environment().get_template("summary.html.j2")
    return template.render(
        lang=lang,
        t=strings(lang),
        say=partial(text, lang),
        data=data,
        groups=grouped(data["problems"], data["problems_by_check"], lang),
        html_rows_per_check=HTML_ROWS_PER_CHECK,
        with_sheets=any(problem["sheet"] for problem in data["problems"]),
    )


def write_problems_csv(path: Path, rows: list[ProblemRow], lang: str) -> None:
    """UTF-8 with a BOM so that Excel shows accents; every cell safe from formula injection."""
    headers = strings(lang)["problems_columns"]
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow([headers[column] for column in PROBLEM_COLUMNS])
        for row in rows:
            writer.writerow([spreadsheet_safe(row[column]) for column in PROBLEM_COLUMNS])


def keep_validation_results(outcome: Outcome, folder: Path) -> Path | None:
    """Great Expectations' own results for this submission, as JSON, for the technical reader (the
    officer): `folder`/<agency>/<submission id>.json, outside what agencies receive. The values in
    them are the agency's cells as written: data, never rendered as a page."""
    if not outcome.results:
        return None
    target = folder / outcome.received.agency / f"{outcome.received.submission_id}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        json.dumps(outcome.results, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )
    return target


def write_failure_feedback(
    received: Received,
    attempts: int,
    max_attempts: int,
    set_aside: bool,
    feedback_root: Path,
    lang: str,
    timezone: str,
) -> Path:
    """The answer to an agency whose file the pipeline itself failed on: what happened in plain words,
    that nothing was lost and the team knows, and what comes next. Written apart from the regular
    feedback (a page and its JSON, nothing else), so that a fault in that writer still leaves the
    agency an answer; it replaces whatever feedback the file had."""
    status = "set_aside" if set_aside else "failed"
    now = dt.datetime.now(dt.UTC)
    data = {
        "submission_id": received.submission_id,
        "agency": received.agency,
        "agency_name": agency_name(received.agency),
        "file": received.file.shown_name,
        "sha256": received.archived.sha256,
        "received_at": received.file.received_at.isoformat(timespec="seconds"),
        "processed_at": now.isoformat(timespec="seconds"),
        "received_local": local_time(received.file.received_at, timezone),
        "processed_local": local_time(now, timezone),
        "status": status,
        "status_label": text(lang, f"status.{status}"),
        "attempts": attempts,
        "cause": text(lang, "failure.cause"),
        "next_steps": text(lang, f"failure.{status}", attempts=attempts, max_attempts=max_attempts),
    }
    page = _environment().get_template("failure.html.j2").render(lang=lang, t=strings(lang), data=data)
    names = strings(lang)["files"]

    def write(folder: Path) -> None:
        (folder / names["summary"]).write_text(page, encoding="utf-8")
        (folder / names["details"]).write_text(
            json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8"
        )

    return write_folder(feedback_root / received_path(received), write)


def write_feedback(
    outcome: Outcome,
    feedback_root: Path,
    lang: str,
    timezone: str,
    trial: bool = False,
    kept: Path | None = None,
) -> Path:
    """Write the submission's feedback folder and return it, whole or not at all (core/files.py). A
    trial's folder (`mesa validate`) has a name of its own: it never replaces a real submission's.
    `kept`: where the file's cells may have been kept when it was read (transforms/kept.py)."""
    data = details(outcome, lang, timezone, trial)
    names = strings(lang)["files"]
    data["template"] = hand_template(outcome, feedback_root, lang)

    def write(folder: Path) -> None:
        annotated = write_annotated_copy(outcome, folder / names["annotated"], lang, kept)
        data["annotated"] = names["annotated"] if annotated else None
        data["technical"] = names["details"]
        rows = data.pop("every_problem")
        (folder / names["summary"]).write_text(render_summary(data, lang), encoding="utf-8")
        write_problems_csv(folder / names["problems"], rows, lang)
        (folder / names["details"]).write_text(
            json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
        )

    return write_folder(feedback_root / feedback_path(outcome, trial), write)


def hand_template(outcome: Outcome, feedback_root: Path, lang: str) -> str | None:
    """For a file with rows to fix, the agency's template (its own indicators, choice lists) written
    beside its feedback folders, feedback/<AGENCY>/; returns its path as the summary links it."""
    if outcome.verdict.status not in TEMPLATE_FOR:
        return None
    agency = outcome.received.agency
    folder = feedback_root / agency
    name = template_name(agency, None, lang)
    if is_current_template(folder / name):  # written for an earlier file: the same workbook
        return f"../{name}"
    # Written apart and renamed: two submissions of one agency answered at once never mix bytes.
    write_file(folder / name, lambda staging: write_template(staging, load_reference(), agency, None, lang))
    return f"../{name}"
