"""Pulls from partners' systems become files the intake takes as it takes any inbox's: each agency's
month, from all of the records the source holds for it, written as a CSV in the format the source
reports in (ActivityInfo's 5W form as the R4V 5W export; a Kobo form made from the Mesa template as
the Mesa template) under <spool>/<AGENCY>/<source>-<month>.csv. The same rules, feedback and
exactly-once load as a file sent by hand: a month whose records changed is written again, and loads
as a revision of its slice; an unchanged pull writes nothing, so nothing is loaded.

A pull is kept only when every page of it arrived (reception/partners.py): its raw pages are
archived by their hash first, then its records and its cursor in one transaction."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mesa_tumbes.agency_templates.kobo import KOBO_FIELDS, codes_of_choices
from mesa_tumbes.core.config import Source
from mesa_tumbes.core.faults import interrupted, keep_trace, machine_fault
from mesa_tumbes.core.i18n import text
from mesa_tumbes.core.reference import Reference, load_reference
from mesa_tumbes.core.settings import Settings
from mesa_tumbes.formats.r4v_5w.mapping import load_mapping
from mesa_tumbes.reception import partners
from mesa_tumbes.reception.archive import archive_stream
from mesa_tumbes.transforms.values import written_period
from mesa_tumbes.warehouse.sources import (
    SourceRecord,
    group_records,
    keep_pull,
    record_pull_failure,
    source_cursor,
)

log = logging.getLogger(__name__)

# The 5W form's fields that say who reported and when (their first title in formats/r4v_5w/columns.yaml).
PARTNER_FIELD, MONTH_FIELD = "appealing_org", "month"


@dataclass
class PullReport:
    """What one pull did."""

    source: str
    records: int = 0
    files: list[Path] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)  # partners of no agency: reported, not loaded
    new: int = 0
    edited: int = 0
    withdrawn: int = 0  # deleted at the source (seen by a full pull): withdrawn from their months
    full: bool = False  # every record read (Kobo always; ActivityInfo on its schedule)


@dataclass(frozen=True)
class Pulled:
    """A source asked in a run: what it gave, or why it could not (said for the officer)."""

    source: str
    report: PullReport | None
    said: str  # one sentence in the officer's language
    fault: str | None = None  # partners.PullFault, or "internal" (a fault of the Mesa's code)


def attempt(settings: Settings, source: Source, token: str | None, variable: str) -> Pulled:
    """Pull the source, asking again (with backoff, as an inbox) while it does not answer; never
    raises for the source's faults: a pull that cannot be completed keeps nothing and is said in one
    sentence (the detail for the technical reader, a fault of the Mesa's own code with its traceback
    in the trace file beside the warehouse)."""
    if not token:
        return failed(settings, source, partners.PullError("token", variable))
    retries = settings.inbox_retries
    for number in range(retries.attempts + 1):
        try:
            report = pull(settings, source, token)
        except partners.PullError as error:
            if error.fault != "unreachable" or number == retries.attempts:
                return failed(settings, source, error)
            time.sleep(retries.delay_seconds * 2**number)
        except Exception as error:
            if interrupted(error) or machine_fault(error) is not None:
                raise
            trace = keep_trace(settings.working.parent, f"pull {source.name}", error)
            return failed(
                settings, source, partners.PullError("internal", f"{type(error).__name__}; {trace}")
            )
        else:
            return Pulled(source.name, report, pulled_text(report, settings.lang))
    raise AssertionError("unreachable: the loop returns")


def pulled_text(report: PullReport, lang: str) -> str:
    """One pull's result for the officer: "kobo_mesa: 12 registros nuevos, 1 editado"."""
    return text(
        lang,
        "log.source_pulled",
        source=report.source,
        new=report.new,
        edited=report.edited,
        withdrawn=report.withdrawn,
        files=len(report.files),
    )


def pull(settings: Settings, source: Source, token: str) -> PullReport:
    """Pull the source, keep what changed, and write the months it changed. Raises
    partners.PullError when the source cannot be read whole (nothing is kept then). Kobo is read whole
    each time; ActivityInfo from its cursor, and whole once `full_pull_hours` have passed since it
    last was: a record deleted at the source is withdrawn from its month when it is read whole."""
    reference = load_reference()
    trust = source.trust.over(settings.tls)
    if source.kind == "activityinfo":
        columns = five_w_columns(reference, source)
        cursor = source_cursor(settings.working, source.name)
        full = cursor.full_pulled_at is None or (
            dt.datetime.now(dt.UTC) - cursor.full_pulled_at >= dt.timedelta(hours=source.full_pull_hours)
        )
        pulled = partners.activityinfo(
            source.url, source.form, token, columns, None if full else cursor.since, trust=trust
        )
        records = [five_w_record(record, columns, reference) for record in pulled.records]
        partner = load_mapping().columns[PARTNER_FIELD][0]
    else:
        full = True
        pulled = partners.kobo(source.url, source.form, token, trust=trust)
        records = [kobo_record(record, reference) for record in pulled.records]
        partner = KOBO_FIELDS["agency"]
    records = list({record.record_id: record for record in records}.values())  # a record paged twice: once
    for page in pulled.pages:  # as they came, before anything reads them
        archive_stream(io.BytesIO(page.raw), settings.archive)
    kept = keep_pull(settings.working, source.name, source.kind, records, pulled.cursor, full)
    report = PullReport(
        source.name, len(records), new=kept.new, edited=kept.edited, withdrawn=kept.withdrawn, full=full
    )
    for agency, period in sorted(kept.changed):
        written = write_month(settings, source, agency, period, reference)
        if written is not None:
            report.files.append(written)
    report.unmapped = sorted(
        {json.loads(record.fields).get(partner) or "?" for record in records if record.agency is None}
    )
    for partner in report.unmapped:
        log.warning(text(settings.lang, "log.source_unmapped", source=source.name, partner=partner))
    return report


def failed(settings: Settings, source: Source, error: partners.PullError) -> Pulled:
    """A pull that could not be completed, kept for `mesa status` and said for the officer."""
    record_pull_failure(settings.working, source.name, source.kind, error.fault, error.detail)
    said = text(settings.lang, f"log.source_{error.fault}", source=source.name, detail=error.detail)
    return Pulled(source.name, None, said, error.fault)


def five_w_columns(reference: Reference, source: Source) -> dict[str, str]:
    """The 5W export's columns asked of the form: header -> the form's field (its code, unless the
    operations file says otherwise)."""
    overrides = dict(source.fields)
    headers = [titles[0] for titles in load_mapping().columns.values()]
    return {header: overrides.get(header, header) for header in headers}


def five_w_record(record: dict[str, Any], columns: dict[str, str], reference: Reference) -> SourceRecord:
    fields = {header: _text(record.get(header)) for header in columns}
    titles = load_mapping().columns
    partner = fields.get(titles[PARTNER_FIELD][0], "")
    month = fields.get(titles[MONTH_FIELD][0], "")
    edited_at = _text(record.get("_lastEditTime")) or None
    return _source_record(record, fields, partner, month, reference, edited_at)


def kobo_record(record: dict[str, Any], reference: Reference) -> SourceRecord:
    codes = codes_of_choices(reference)
    answers = {field_name: _text(record.get(name)) for field_name, name in KOBO_FIELDS.items()}
    fields = {
        KOBO_FIELDS[field_name]: codes.get(field_name, {}).get(value, value)
        for field_name, value in answers.items()
    }
    agency = fields.get(KOBO_FIELDS["agency"], "")
    period = fields.get(KOBO_FIELDS["period"], "")
    return _source_record(record, fields, agency, period, reference)


def _source_record(
    record: dict[str, Any],
    fields: dict[str, str],
    agency: str,
    period: str,
    reference: Reference,
    edited_at: str | None = None,
) -> SourceRecord:
    """A record as kept: its agency and month as the partner wrote them, read as the intake reads them."""
    return SourceRecord(
        record_id=str(record.get("_id")),
        agency=reference.agency_code(agency) if agency else None,
        period=written_period(period) or period or None,
        fields=json.dumps(fields, ensure_ascii=False, sort_keys=True),
        content_sha256=_fingerprint(fields),
        edited_at=edited_at,
    )


def write_month(
    settings: Settings, source: Source, agency: str, period: str, reference: Reference
) -> Path | None:
    """The agency's month as a file, from every record the source holds for it; written only when its
    bytes change (the intake then takes it as a revision). None when nothing changed."""
    records = group_records(settings.working, source.name, agency, period)
    if source.kind == "activityinfo":
        headers = list(five_w_columns(reference, source))
        rows = [[record.get(header, "") for header in headers] for record in records]
    else:
        titles = {column.field: column.title["es"] for column in reference.columns}
        headers = [titles[name] for name in KOBO_FIELDS]
        rows = [[record.get(kobo, "") for kobo in KOBO_FIELDS.values()] for record in records]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    content = buffer.getvalue().encode("utf-8")
    target = settings.sources_spool / agency / f"{source.name}-{period}.csv"
    if target.exists() and target.read_bytes() == content:
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.writing")
    staging.write_bytes(content)
    staging.replace(target)
    return target


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _fingerprint(fields: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()
