"""Whether a run has anything to do, known without starting Prefect: `mesa run` asks first, and says
"nothing new" in about a second when every file of every inbox was already taken, every mailbox
holds no message not taken before, no e-mail waits to be sent again and the analysts' tables are
up to date with what is loaded."""

from __future__ import annotations

import datetime as dt

from mesa_tumbes.core.config import SOURCE_TOKENS, Source
from mesa_tumbes.core.locations import is_mailbox
from mesa_tumbes.core.reference import load_reference
from mesa_tumbes.core.settings import Settings, variable
from mesa_tumbes.pipeline.report import RunReport
from mesa_tumbes.reception import inbox, mailbox, partners
from mesa_tumbes.warehouse import store
from mesa_tumbes.warehouse.bookkeeping import failures
from mesa_tumbes.warehouse.mail_log import mail_waiting
from mesa_tumbes.warehouse.sources import source_cursor

# The check gives up on a warehouse held by another process after this long and lets the run decide.
WAIT_SECONDS = 1.0


def nothing_new(settings: Settings) -> RunReport | None:
    """The report of a run with nothing to take, or None when there may be something. Only when it
    is certain: both warehouse files exist, every inbox could be listed (a mailbox asked whether it
    holds a message not taken: one search, nothing fetched), each file in them is one the warehouse
    registered (or set aside) with the same size and time, and no e-mail waits for a retry. Anything
    uncertain (an inbox that does not answer, a warehouse in use) is left to the run, which retries,
    reports and keeps its history."""
    if not (settings.working.exists() and settings.warehouse.exists()):
        return None
    if any(source_may_have_changed(settings, source) for source in settings.sources):
        return None  # a partner's system changed (or may have: a run asks, and says why it could not)
    mailboxes = [location for location in settings.inboxes if is_mailbox(location)]
    folders = [location for location in settings.inboxes if not is_mailbox(location)]
    if mailboxes and settings.mail_spool.is_dir():
        folders.append(str(settings.mail_spool))
    if settings.upload_spool.is_dir():
        folders.append(str(settings.upload_spool))
    reference = load_reference()
    try:
        if any(
            mailbox.has_new(location, settings.mail_spool, options=settings.mailbox(location)) is not False
            for location in mailboxes
        ):
            return None
        if settings.mail.sends and mail_waiting(settings.working, WAIT_SECONDS):
            return None
        files = [file for location in folders for file in inbox.discover(location, reference, settings.lang)]
        seen = store.seen_files(settings.working, wait_seconds=WAIT_SECONDS)
        if not all(file.seen_key in seen for file in files):
            return None
        if store.tables_behind(settings.working, settings.warehouse, WAIT_SECONDS):
            return None  # a build or its publication failed last time: the run makes them again
        set_aside = [f.label for f in failures(settings.working, WAIT_SECONDS) if f.set_aside]
    except (OSError, store.WarehouseInUseError):
        return None
    return RunReport(skipped=len(files), set_aside=set_aside)


def source_may_have_changed(settings: Settings, source: Source) -> bool:
    """Whether a partner's system may hold something a run would take, asked cheaply (one record):
    ActivityInfo, a record edited since the last pull; Kobo, a count or a newest submission unlike the
    last pull's. True also when it cannot tell: no token in the environment (a Prefect Secret is only
    read by the run), a full pull due (deletions are only seen reading it whole), the server not
    answering or refusing (the run asks again and says why)."""
    token = variable(SOURCE_TOKENS[source.kind][0])
    if not token:
        return True
    try:
        cursor = source_cursor(settings.working, source.name)
        if cursor.full_pulled_at is None or dt.datetime.now(dt.UTC) - cursor.full_pulled_at >= dt.timedelta(
            hours=source.full_pull_hours
        ):
            return True
        trust = source.trust.over(settings.tls)
        if source.kind == "activityinfo":
            return partners.activityinfo_changed(source.url, source.form, token, cursor.since, trust)
        kept = partners.KoboMark.of(cursor.since)
        return kept is None or partners.kobo_mark(source.url, source.form, token, trust) != kept
    except (partners.PullError, OSError, store.WarehouseInUseError):
        return True
