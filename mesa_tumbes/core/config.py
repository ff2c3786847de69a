"""The data officer's configuration files, read with the line of every value so that a mistake is
reported as "file, line N: what is wrong and how to fix it" before anything runs.

Two files: the reporting calendar (who reports what, how often, due how many days after the period,
and when reminders go out) and the operations file (where the inboxes are and when `mesa serve`
runs each flow, in the Mesa's time zone, MESA_TIMEZONE). Both are YAML; both are validated whole,
every problem listed at once.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from mesa_tumbes.core.contract import FREQUENCIES, MONTH_PERIOD
from mesa_tumbes.core.i18n import DEFAULT_LANGUAGE, text
from mesa_tumbes.core.tls import Trust

DEPLOYMENTS = ("intake", "marts", "calendar", "bulletin")
SUGGESTION_CUTOFF = 60


# --- Problems -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfigProblem:
    """One mistake in a configuration file: where it is and a text key saying what to do."""

    path: Path
    line: int | None
    key: str  # under `config.` in the locale files
    params: Mapping[str, object] = field(default_factory=dict)

    def describe(self, lang: str = DEFAULT_LANGUAGE) -> str:
        params = dict(self.params)
        if "what" in params:
            params["what"] = text(lang, f"config.what.{params['what']}")
        message = text(lang, f"config.{self.key}", **params)
        if self.line is None:
            return text(lang, "config.at_file", path=self.path, message=message)
        return text(lang, "config.at_line", path=self.path, line=self.line, message=message)


class ConfigError(ValueError):
    """A configuration file that cannot be used; every problem found in it, in file order."""

    def __init__(self, problems: Iterable[ConfigProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (str(p.path), p.line or 0))
        super().__init__(self.describe())

    def describe(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return "\n".join(problem.describe(lang) for problem in self.problems)


# --- YAML with lines ----------------------------------------------------------------------------


class LineDict(dict[str, Any]):
    """A YAML mapping that remembers its own line and the line of each key."""

    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A YAML sequence that remembers its own line and the line of each item."""

    line: int
    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    """Safe YAML whose mappings and sequences carry line numbers (1-based); repeated keys are kept
    aside so that they can be reported instead of silently taking the last one."""


def _mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    repeated: list[tuple[str, int]] = []
    for key_node, value_node in node.value:
        key = str(loader.construct_object(key_node, deep=True))
        if key in result:
            repeated.append((key, key_node.start_mark.line + 1))
            continue
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    if repeated:
        result.key_lines.update({f"\0repeated:{key}": line for key, line in repeated})
    return result


def _sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(item, deep=True) for item in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [item.start_mark.line + 1 for item in node.value]
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def read_yaml(path: Path) -> tuple[Any, list[ConfigProblem]]:
    """The file's content with lines, and the problems of reading it (missing, not YAML, repeated keys)."""
    try:
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [ConfigProblem(path, None, "missing_file")]
    except UnicodeDecodeError:
        return None, [ConfigProblem(path, None, "not_utf8")]
    try:
        data = yaml.load(content, Loader=_LineLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        return None, [ConfigProblem(path, line, "not_yaml", {"error": error.problem or error})]
    return data, _repeated_keys(path, data)


def _repeated_keys(path: Path, node: Any) -> list[ConfigProblem]:
    problems = []
    if isinstance(node, LineDict):
        for name, line in node.key_lines.items():
            if name.startswith("\0repeated:"):
                problems.append(ConfigProblem(path, line, "repeated_key", {"key": name.split(":", 1)[1]}))
        for value in node.values():
            problems += _repeated_keys(path, value)
    elif isinstance(node, LineList):
        for item in node:
            problems += _repeated_keys(path, item)
    return problems


class _Checker:
    """Collects the problems of one file while its values are read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[ConfigProblem] = []

    def add(self, line: int | None, message: str, /, **params: object) -> None:
        self.problems.append(ConfigProblem(self.path, line, message, params))

    def mapping(self, node: Any, line: int | None, what: str, allowed: Iterable[str]) -> LineDict | None:
        if not isinstance(node, LineDict):
            self.add(line, "not_a_mapping", what=what)
            return None
        allowed = tuple(allowed)
        for key in node:
            if key not in allowed:
                self.add(node.line_of(key), "unknown_key", key=key, what=what, allowed=", ".join(allowed))
        return node

    def whole_number(self, node: LineDict, key: str, default: int | None, low: int, high: int) -> int | None:
        value = node.get(key, default)
        if value is None:
            self.add(node.line, "missing_key", key=key)
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.add(node.line_of(key), "bad_number", key=key, value=value, low=low, high=high)
            return None
        return value

    def period(self, node: LineDict, key: str, default: str | None, earliest: str) -> str | None:
        value = node.get(key, default)
        if value is None:
            self.add(node.line, "missing_key", key=key)
            return None
        if not MONTH_PERIOD.match(str(value)) or str(value) < earliest:
            self.add(node.line_of(key), "bad_period", key=key, value=value, earliest=earliest)
            return None
        return str(value)

    def code(self, line: int, value: Any, known: tuple[str, ...], what: str) -> str | None:
        if isinstance(value, str) and value in known:
            return value
        from rapidfuzz import process

        guess = process.extractOne(str(value), known, score_cutoff=SUGGESTION_CUTOFF)
        if guess is not None:
            self.add(line, "unknown_code_guess", what=what, value=value, guess=guess[0])
        else:
            self.add(line, "unknown_code", what=what, value=value)
        return None


# --- The reporting calendar ---------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarEntry:
    """An agency is expected to report these indicators every period, by `due_days` after it ends."""

    agency: str
    indicators: tuple[str, ...]
    frequency: str
    due_days: int
    since: str  # first period expected (YYYY-MM)
    line: int = 0  # where it is written, for messages


@dataclass(frozen=True)
class ReminderPolicy:
    """When reminders go out: `days_before` a deadline to agencies that have not sent, and on each
    of `days_after` the deadline while the report is missing or was not valid."""

    days_before: int = 3
    days_after: tuple[int, ...] = (1, 7)


@dataclass(frozen=True)
class Calendar:
    entries: tuple[CalendarEntry, ...]
    reminders: ReminderPolicy


CALENDAR_KEYS = ("default_due_days", "since", "reminders", "entries")
ENTRY_KEYS = ("agency", "indicators", "frequency", "due_days", "since")


def load_calendar(
    path: Path, agencies: tuple[str, ...], indicators: tuple[str, ...], first_period: str
) -> Calendar:
    """The reporting calendar, or ConfigError listing every mistake with its line."""
    data, problems = read_yaml(path)
    check = _Checker(path)
    check.problems += problems
    root = check.mapping(data, None, "calendar", CALENDAR_KEYS) if data is not None else None
    entries: list[CalendarEntry] = []
    reminders = ReminderPolicy()
    if root is not None:
        # A wrong default is reported once, here; entries then fall back so as not to repeat it.
        written_due = check.whole_number(root, "default_due_days", 10, 0, 366)
        default_due = 10 if written_due is None else written_due
        since = check.period(root, "since", first_period, first_period) or first_period
        reminders = _reminders(check, root.get("reminders"), root.line_of("reminders"))
        listed = root.get("entries")
        if not isinstance(listed, LineList) or not listed:
            check.add(root.line_of("entries"), "no_entries")
        else:
            for item, line in zip(listed, listed.item_lines, strict=True):
                entry = _calendar_entry(
                    check, item, line, agencies, indicators, default_due, since, first_period
                )
                if entry is not None:
                    entries.append(entry)
        _repeated_entries(check, entries)
    if check.problems:
        raise ConfigError(check.problems)
    return Calendar(tuple(entries), reminders)


def _calendar_entry(
    check: _Checker,
    item: Any,
    line: int,
    agencies: tuple[str, ...],
    indicators: tuple[str, ...],
    default_due: int,
    default_since: str,
    first_period: str,
) -> CalendarEntry | None:
    node = check.mapping(item, line, "entry", ENTRY_KEYS)
    if node is None:
        return None
    agency = check.code(node.line_of("agency"), node.get("agency"), agencies, "agency")
    codes = node.get("indicators")
    chosen: list[str | None] = []
    if not isinstance(codes, LineList) or not codes:
        check.add(node.line_of("indicators"), "no_indicators")
    else:
        chosen = [
            check.code(item_line, code, indicators, "indicator")
            for code, item_line in zip(codes, codes.item_lines, strict=True)
        ]
    frequency = node.get("frequency", "monthly")
    if frequency not in FREQUENCIES:
        check.add(node.line_of("frequency"), "bad_choice", key="frequency", value=frequency,
                  choices=", ".join(FREQUENCIES))  # fmt: skip
    due_days = check.whole_number(node, "due_days", default_due, 0, 366)
    since = check.period(node, "since", default_since, first_period)
    if agency is None or not chosen or None in chosen or due_days is None or since is None:
        return None
    if frequency not in FREQUENCIES:
        return None
    return CalendarEntry(agency, tuple(c for c in chosen if c), frequency, due_days, since, line)


def _reminders(check: _Checker, node: Any, line: int) -> ReminderPolicy:
    if node is None:
        return ReminderPolicy()
    mapping = check.mapping(node, line, "reminders", ("days_before", "days_after"))
    if mapping is None:
        return ReminderPolicy()
    before = check.whole_number(mapping, "days_before", ReminderPolicy.days_before, 0, 60)
    after = mapping.get("days_after", list(ReminderPolicy.days_after))
    valid = isinstance(after, list) and all(
        isinstance(day, int) and not isinstance(day, bool) and 1 <= day <= 366 for day in after
    )
    if not valid:
        check.add(mapping.line_of("days_after"), "bad_days_after", value=after)
        return ReminderPolicy()
    return ReminderPolicy(before if before is not None else 3, tuple(sorted(set(after))))


def _repeated_entries(check: _Checker, entries: list[CalendarEntry]) -> None:
    first: dict[tuple[str, str, str], int] = {}
    for entry in entries:
        for indicator in entry.indicators:
            key = (entry.agency, indicator, entry.frequency)
            if key in first:
                check.add(entry.line, "repeated_entry", agency=entry.agency, indicator=indicator,
                          first=first[key])  # fmt: skip
            else:
                first[key] = entry.line


# --- The operations file ------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """When Prefect runs one deployment: a cron expression in the Mesa's time zone."""

    cron: str
    active: bool = True


TASK_RUNNERS = ("auto", "processes", "threads", "dask")
# Starting worker processes costs a few seconds (each imports Prefect and pandas): `auto` uses them
# when a run brings at least this much to read, and the flow's own threads below it.
PROCESSES_FROM_BYTES = 8 * 2**20


@dataclass(frozen=True)
class Execution:
    """Where a run's per-file work (reading files, writing feedback) runs: this machine's processes
    (its cores), threads, or a Dask cluster (`dask_address`, else a temporary local one); `auto`
    (the default) chooses processes for a large run and threads for a small one. Loading into the
    warehouse always stays with the one writer."""

    runner: str = "auto"
    workers: int | None = None  # how many; None: one per core (a cluster: its own)
    dask_address: str | None = None  # tcp://scheduler:8786

    @property
    def chunks(self) -> int:
        """In how many pieces a batch's files are handed to the workers: two per worker, so that
        one slow file does not hold the others back, and few because each piece is a task, and a
        task costs a worker process ~0.1 s of Prefect's own (its settings and an API client, with
        an SSL context, built again per task). Four per worker cost ~1 s more over 600,000 rows."""
        return 2 * (self.workers or os.cpu_count() or 1)

    def for_run(self, size_bytes: int) -> str:
        """The runner for a run that brings `size_bytes` to read."""
        if self.runner != "auto":
            return self.runner
        return "processes" if size_bytes >= PROCESSES_FROM_BYTES else "threads"


# A mailbox's own password is read from MESA_IMAP_PASSWORD_<NAME> (else the Prefect Secret block
# mesa-imap-password-<name>), NAME being its `password` in the operations file.
MAILBOX_PASSWORD_PREFIX, MAILBOX_SECRET_PREFIX = "MESA_IMAP_PASSWORD_", "mesa-imap-password-"
MAILBOX_NAME = re.compile(r"^[a-z0-9_]{1,40}$")


@dataclass(frozen=True)
class Mailbox:
    """What one mailbox (an `imaps://` or `imap://` inbox) needs besides its URL: whose certificate
    it presents (`trust`: its CA, else the operations file's `tls`, else the system's), its own
    password (`password`: a name, see MAILBOX_PASSWORD_PREFIX; without it, MESA_IMAP_PASSWORD), and
    where a taken message goes when `delete_taken` and the server cannot expunge by UID (`trash`)."""

    url: str = ""
    trust: Trust = field(default_factory=Trust)
    password: str | None = None
    trash: str | None = None

    @property
    def password_variable(self) -> str | None:
        return f"{MAILBOX_PASSWORD_PREFIX}{self.password.upper()}" if self.password else None

    @property
    def password_secret(self) -> str | None:
        return f"{MAILBOX_SECRET_PREFIX}{self.password.replace('_', '-')}" if self.password else None


@dataclass(frozen=True)
class Mail:
    """E-mail out: the SMTP server feedback, answers and reminders go through (`smtp://host:587`
    with STARTTLS, or `smtps://host:465`; the user in the URL, the password in MESA_SMTP_PASSWORD),
    and the address they come from. Without a server nothing is sent. Mailboxes (`imaps://` inboxes)
    keep every message unless `delete_taken`; each may have options of its own (`mailboxes`)."""

    smtp: str | None = None
    sender: str | None = None
    delete_taken: bool = False
    # The receiving server whose Authentication-Results header is believed (its authserv-id, e.g.
    # "mx.gob.pe"): only mail it authenticated (DMARC, or DKIM/SPF aligned with From) is approved on
    # arrival. Without it no message counts as authenticated.
    authserv_id: str | None = None
    mailboxes: tuple[Mailbox, ...] = ()

    @property
    def sends(self) -> bool:
        return bool(self.smtp and self.sender)

    def mailbox(self, location: str, trust: Trust | None = None) -> Mailbox:
        """The options of the mailbox at `location` (its URL as written among the inboxes), with the
        trust it ends up with: its own CA, else `trust` (the operations file's)."""
        found = next((m for m in self.mailboxes if same_mailbox(m.url, location)), Mailbox(location))
        return replace(found, url=location, trust=found.trust.over(trust or Trust()))


def same_mailbox(one: str, other: str) -> bool:
    """Whether two URLs name the same mailbox (scheme, user, host, port and folder), however the
    folder is written (`Envíos Mesa` or `Env%C3%ADos%20Mesa`)."""

    def key(url: str) -> tuple[object, ...]:
        parts = urlsplit(url.strip())
        folder = unquote(parts.path.lstrip("/")) or "INBOX"
        return (
            parts.scheme,
            unquote(parts.username or ""),
            (parts.hostname or "").lower(),
            parts.port,
            folder,
        )

    return key(one) == key(other)


# The partners' systems the intake pulls from, and the format their records are read in.
SOURCE_KINDS = ("activityinfo", "kobo")
# Where each kind's token is looked for: the environment, else a Prefect Secret block of this name.
SOURCE_TOKENS = {
    "activityinfo": ("MESA_ACTIVITYINFO_TOKEN", "mesa-activityinfo-token"),
    "kobo": ("MESA_KOBO_TOKEN", "mesa-kobo-token"),
}


@dataclass(frozen=True)
class Source:
    """A system a partner already reports in, pulled by the intake: ActivityInfo (R4V's 5W form,
    read as the 5W export) or KoboToolbox (a form made from the Mesa template, `mesa plantillas
    --kobo`). Its token comes from the environment or a Prefect Secret block, never from a file."""

    name: str  # its key in the operations file: names its spool folder and its progress
    kind: str  # activityinfo or kobo
    url: str  # the server: https://www.activityinfo.org, https://kf.kobotoolbox.org
    form: str  # ActivityInfo: the form's id; Kobo: the asset's uid
    fields: tuple[tuple[str, str], ...] = ()  # ActivityInfo: 5W column -> the form's field, where it differs
    # whose certificate it presents: its own CA, else the operations file's `tls`
    trust: Trust = field(default_factory=Trust)
    full_pull_hours: int = 24  # ActivityInfo: read whole this often, to see records deleted there


# How figures become published: `clean` approves on arrival a file accepted with no warning (from a
# sender the mail server authenticated) and holds revisions of approved slices; `all` approves every
# file on arrival (revisions too) except unauthenticated mail; `none` leaves every decision to the officer.
REVIEW_RULES = ("clean", "all", "none")


@dataclass(frozen=True)
class Review:
    """Review and approval: the rule that approves on arrival, and where the console listens (the
    officers' accounts are in their own file, `accounts`, beside operations.yaml)."""

    auto_approve: str = "clean"
    host: str = "127.0.0.1"
    port: int = 8770
    accounts: str = "consola.yaml"
    # Where agencies reach the console (https://..., behind TLS): each mail then carries a link to the
    # agency's own page, valid `link_days` days. Without it, mails carry no link.
    public_url: str = ""
    link_days: int = 30

    @property
    def approves_revisions(self) -> bool:
        return self.auto_approve == "all"


@dataclass(frozen=True)
class Operations:
    inboxes: tuple[str, ...]  # as written: local folders or URLs; empty means the default inbox
    schedules: dict[str, Schedule]
    path: Path
    inbox_lines: tuple[int, ...] = ()
    execution: Execution = Execution()
    mail: Mail = Mail()
    sources: tuple[Source, ...] = ()
    review: Review = Review()
    # the CA every server's certificate is checked against, unless the system's
    tls: Trust = field(default_factory=Trust)
    intersector: str = "max_sector"  # gaps.intersector: INTERSECTOR_MODELS


OPERATIONS_KEYS = ("inboxes", "schedules", "execution", "mail", "sources", "review", "tls", "gaps")
# How the intersector figure (people reached by any sector) is made from the sectors' figures, which
# aggregates cannot deduplicate: R4V's "max sector" (the largest sector: a floor) or its "sum" (every
# sector added up: a ceiling, a person served by two sectors counts twice).
INTERSECTOR_MODELS = ("max_sector", "sum")
TRUST_KEYS = ("ca_file", "ca_path")


def load_operations(path: Path) -> Operations:
    """The operations file, or ConfigError listing every mistake with its line."""
    data, problems = read_yaml(path)
    check = _Checker(path)
    check.problems += problems
    root = check.mapping(data, None, "operations", OPERATIONS_KEYS) if data is not None else None
    if root is None:
        raise ConfigError(check.problems)
    inboxes = _inboxes(check, root.get("inboxes"), root.line_of("inboxes"))
    schedules = _schedules(check, root.get("schedules"), root.line_of("schedules"))
    execution = _execution(check, root.get("execution"), root.line_of("execution"))
    mail = _mail(check, root.get("mail"), root.line_of("mail"), path.parent)
    sources = _sources(check, root.get("sources"), root.line_of("sources"), path.parent)
    review = _review(check, root.get("review"), root.line_of("review"))
    tls = _trust(check, root, "tls", path.parent)
    intersector = _intersector(check, root.get("gaps"), root.line_of("gaps"))
    if check.problems:
        raise ConfigError(check.problems)
    lines = tuple(n for _, n in inboxes)
    return Operations(
        tuple(i for i, _ in inboxes),
        schedules,
        path,
        lines,
        execution,
        mail,
        sources,
        review,
        tls,
        intersector,
    )


def _intersector(check: _Checker, node: Any, line: int) -> str:
    if node is None:
        return Operations.intersector
    mapping = check.mapping(node, line, "gaps", ("intersector",))
    if mapping is None:
        return Operations.intersector
    model = str(mapping.get("intersector", Operations.intersector))
    if model not in INTERSECTOR_MODELS:
        check.add(mapping.line_of("intersector"), "bad_choice", key="intersector", value=model,
                  choices=", ".join(INTERSECTOR_MODELS))  # fmt: skip
        return Operations.intersector
    return model


def _trust(check: _Checker, node: LineDict, key: str, folder: Path) -> Trust:
    """The CA file or folder of the mapping under `key` (`tls: {ca_file, ca_path}`)."""
    if node.get(key) is None:
        return Trust()
    mapping = check.mapping(node.get(key), node.line_of(key), key, TRUST_KEYS)
    return Trust() if mapping is None else _trust_of(check, mapping, folder)


def _trust_of(check: _Checker, mapping: LineDict, folder: Path) -> Trust:
    """`ca_file` and `ca_path` of a mapping already checked; each must exist (a path relative to the
    operations file's folder is read from there)."""
    found: dict[str, str | None] = {}
    for name in TRUST_KEYS:
        written = str(mapping.get(name) or "").strip()
        path = (folder / written).expanduser() if written else None
        if path is not None and not (path.is_dir() if name == "ca_path" else path.is_file()):
            check.add(mapping.line_of(name), "missing_ca", key=name, path=path)
        found[name] = str(path.resolve()) if path is not None else None
    return Trust(found["ca_file"], found["ca_path"])


def _review(check: _Checker, node: Any, line: int) -> Review:
    if node is None:
        return Review()
    mapping = check.mapping(
        node, line, "review", ("auto_approve", "host", "port", "accounts", "public_url", "link_days")
    )
    if mapping is None:
        return Review()
    rule = str(mapping.get("auto_approve", Review.auto_approve))
    if rule not in REVIEW_RULES:
        check.add(mapping.line_of("auto_approve"), "bad_choice", key="auto_approve", value=rule,
                  choices=", ".join(REVIEW_RULES))  # fmt: skip
        rule = Review.auto_approve
    port = check.whole_number(mapping, "port", Review.port, 1, 65535) or Review.port
    host = str(mapping.get("host") or Review.host).strip()
    public_url = str(mapping.get("public_url") or "").strip().rstrip("/")
    if public_url and not public_url.startswith(("https://", "http://")):
        check.add(mapping.line_of("public_url"), "bad_public_url", value=public_url)
        public_url = ""
    days = check.whole_number(mapping, "link_days", Review.link_days, 1, 365) or Review.link_days
    return Review(rule, host, port, str(mapping.get("accounts") or Review.accounts), public_url, days)


def _sources(check: _Checker, node: Any, line: int, folder: Path) -> tuple[Source, ...]:
    if node is None:
        return ()
    mapping = check.mapping(
        node, line, "sources", [str(key) for key in node] if isinstance(node, dict) else []
    )
    if mapping is None:
        return ()
    found = []
    for name in mapping:
        spec = check.mapping(
            mapping[name],
            mapping.line_of(name),
            f"source_{name}",
            ("kind", "url", "form", "fields", *TRUST_KEYS),
        )
        if spec is None:
            continue
        kind = str(spec.get("kind", ""))
        if kind not in SOURCE_KINDS:
            check.add(spec.line_of("kind") or mapping.line_of(name), "bad_choice", key="kind", value=kind,
                      choices=", ".join(SOURCE_KINDS))  # fmt: skip
            continue
        url, form = str(spec.get("url") or "").strip(), str(spec.get("form") or "").strip()
        if not url.startswith(("https://", "http://")) or not form:
            check.add(spec.line_of("url") or mapping.line_of(name), "bad_source", name=name)
            continue
        fields = spec.get("fields") or {}
        if not isinstance(fields, dict):
            check.add(spec.line_of("fields"), "not_a_mapping", what="source_fields")
            continue
        pairs = tuple((str(column), str(field)) for column, field in fields.items())
        trust = _trust_of(check, spec, folder)
        every = check.whole_number(spec, "full_pull_hours", Source.full_pull_hours, 1, 24 * 31)
        found.append(
            Source(str(name), kind, url.rstrip("/"), form, pairs, trust, every or Source.full_pull_hours)
        )
    return tuple(found)


def _mail(check: _Checker, node: Any, line: int, folder: Path) -> Mail:
    from mesa_tumbes.core.locations import smtp_problem

    if node is None:
        return Mail()
    mapping = check.mapping(node, line, "mail", ("smtp", "from", "delete_taken", "authserv_id", "mailboxes"))
    if mapping is None:
        return Mail()
    smtp = str(mapping.get("smtp") or "").strip() or None
    if smtp is not None and (problem := smtp_problem(smtp)) is not None:
        check.add(mapping.line_of("smtp"), problem[0], value=smtp, **problem[1])
    sender = str(mapping.get("from") or "").strip() or None
    authserv = str(mapping.get("authserv_id") or "").strip() or None
    mailboxes = _mailboxes(check, mapping, folder)
    return Mail(smtp, sender, bool(mapping.get("delete_taken", False)), authserv, mailboxes)


def _mailboxes(check: _Checker, mail: LineDict, folder: Path) -> tuple[Mailbox, ...]:
    """`mail.mailboxes`: each mailbox's URL (as among the inboxes) -> its CA, password name, trash."""
    from mesa_tumbes.core.locations import is_mailbox

    node = mail.get("mailboxes")
    if node is None:
        return ()
    listed = check.mapping(
        node, mail.line_of("mailboxes"), "mailboxes", list(node) if isinstance(node, dict) else []
    )
    if listed is None:
        return ()
    found = []
    for url in listed:
        line = listed.line_of(url)
        if not is_mailbox(str(url)):
            check.add(line, "not_a_mailbox", value=url)
            continue
        spec = check.mapping(listed[url], line, "mailbox", ("password", "trash", *TRUST_KEYS))
        if spec is None:
            continue
        password = str(spec.get("password") or "").strip().lower() or None
        if password is not None and not MAILBOX_NAME.match(password):
            check.add(spec.line_of("password"), "bad_mailbox_password", value=password)
            password = None
        trash = str(spec.get("trash") or "").strip() or None
        found.append(Mailbox(str(url).strip(), _trust_of(check, spec, folder), password, trash))
    return tuple(found)


def _execution(check: _Checker, node: Any, line: int) -> Execution:
    if node is None:
        return Execution()
    mapping = check.mapping(node, line, "execution", ("runner", "workers", "dask_address"))
    if mapping is None:
        return Execution()
    runner = mapping.get("runner", Execution.runner)
    if runner not in TASK_RUNNERS:
        check.add(
            mapping.line_of("runner"),
            "bad_choice",
            key="runner",
            value=runner,
            choices=", ".join(TASK_RUNNERS),
        )
        runner = Execution.runner
    workers = (
        check.whole_number(mapping, "workers", None, 1, 1024) if mapping.get("workers") is not None else None
    )
    address = mapping.get("dask_address")
    return Execution(str(runner), workers, str(address) if address else None)


def _inboxes(check: _Checker, listed: Any, line: int) -> list[tuple[str, int]]:
    """(location, line) of each inbox that can be used; the others are reported."""
    from mesa_tumbes.core.locations import location_problem

    if listed is None:
        return []
    if not isinstance(listed, LineList):
        check.add(line, "bad_inboxes")
        return []
    found = []
    for inbox, item_line in zip(listed, listed.item_lines, strict=True):
        problem = location_problem(inbox) if isinstance(inbox, str) else ("inbox_not_text", {})
        if problem is not None:
            check.add(item_line, problem[0], value=inbox, **problem[1])
        else:
            found.append((inbox.strip(), item_line))
    return found


def _schedules(check: _Checker, node: Any, line: int) -> dict[str, Schedule]:
    from cronsim import CronSim, CronSimError

    mapping = check.mapping(node, line, "schedules", DEPLOYMENTS)
    if mapping is None:
        return {}
    schedules = {}
    for name in DEPLOYMENTS:
        if name not in mapping:
            check.add(line, "missing_key", key=name)
            continue
        spec = check.mapping(mapping.get(name), mapping.line_of(name), f"schedule_{name}", ("cron", "active"))
        if spec is None:
            continue
        cron = str(spec.get("cron", ""))
        try:
            CronSim(cron, dt.datetime(2026, 1, 1))
        except (CronSimError, ValueError) as error:
            check.add(spec.line_of("cron"), "bad_cron", value=cron, error=error)
            continue
        active = spec.get("active", True)
        if not isinstance(active, bool):
            check.add(spec.line_of("active"), "bad_choice", key="active", value=active, choices="true, false")
            continue
        schedules[name] = Schedule(cron, active)
    return schedules
