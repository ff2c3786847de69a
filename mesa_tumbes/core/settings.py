"""Where things live and in which language people are addressed: flags, then MESA_* variables, then
the operations file (for the inboxes), then defaults that make an embedded setup in the working folder.

The one module that reads the environment (tests/test_settings_are_read_once.py holds every other
module to it) and that says where the files the officer edits are: the configuration folder
(MESA_CONFIG_DIR, else ./config when there is one), each file falling back to the one shipped inside
the package (mesa_tumbes/core/defaults, the repository's config/)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mesa_tumbes.core.config import (
    MAILBOX_PASSWORD_PREFIX,
    REVIEW_RULES,
    TASK_RUNNERS,
    Execution,
    Mail,
    Mailbox,
    Operations,
    Review,
    Source,
    load_operations,
)
from mesa_tumbes.core.contract import DEFAULT_LIMITS, ReadLimits
from mesa_tumbes.core.i18n import language, text
from mesa_tumbes.core.tls import Trust

# Every environment variable the project reads, and what it is for. docs/operador.md lists the MESA_
# ones (tests/test_operator_doc.py keeps the two in step); the others belong to the libraries.
VARIABLES: dict[str, str] = {
    "MESA_CONFIG_DIR": "the folder of the files the officer edits (default ./config)",
    "MESA_OPERATIONS": "the operations file, when not in the configuration folder",
    "MESA_CALENDAR": "the reporting calendar, when not in the configuration folder",
    "MESA_INBOX": "the inboxes (';' between several)",
    "MESA_WAREHOUSE": "the DuckDB file analysts open",
    "MESA_FEEDBACK": "where each submission's feedback is written",
    "MESA_ARCHIVE": "where the raw bytes of every file received are kept",
    "MESA_OUTBOX": "where reminders are written",
    "MESA_BULLETINS": "where the bulletins are written",
    "MESA_LANG": "the language people are addressed in (es, en)",
    "MESA_TIMEZONE": "the Mesa's time zone",
    "MESA_MAX_FILE_MB": "the largest file read",
    "MESA_MAX_WORKBOOK_MB": "the largest workbook once decompressed",
    "MESA_LOCK_WAIT_SECONDS": "how long a run waits for another writer",
    "MESA_INBOX_RETRIES": "attempts at a remote inbox that does not answer",
    "MESA_INBOX_RETRY_DELAY_SECONDS": "the first wait between those attempts",
    "MESA_NOTIFY_BLOCK": "the Prefect notification block for reminders",
    "MESA_MAX_ATTEMPTS": "runs that try a file the pipeline fails on",
    "MESA_SUPPRESSION_THRESHOLD": "counts below it are hidden in anything published",
    "MESA_TASK_RUNNER": "where per-file work runs",
    "MESA_WORKERS": "how many workers",
    "MESA_DASK_ADDRESS": "a Dask scheduler",
    "MESA_SMTP_URL": "the mail server for outgoing mail",
    "MESA_MAIL_FROM": "the sender of outgoing mail",
    "MESA_AUTHSERV_ID": "the receiving server whose Authentication-Results is believed",
    "MESA_SPACE_FACTOR": "free space needed per byte of new files",
    "MESA_AUTO_APPROVE": "what is approved on arrival",
    "MESA_CONSOLE_ACCOUNTS": "the console's accounts file",
    "MESA_LOG_FORMAT": "json: one JSON object per log line",
    "MESA_PREFECT_PORT": "the port of the Prefect server `mesa serve` starts",
    # Secrets: read when used, never kept in settings (which are flow parameters, and logged).
    "MESA_SMTP_PASSWORD": "the outgoing mail server's password",
    "MESA_IMAP_PASSWORD": "the mailboxes' password",
    "MESA_ACTIVITYINFO_TOKEN": "ActivityInfo's API token",
    "MESA_KOBO_TOKEN": "KoboToolbox's API token",
    "MESA_CONSOLE_PASSWORD": "the password of an account created without a prompt",
    "MESA_CONSOLE_SECRET": "what signs the console's session cookies",
    # The libraries' own, read or set for them.
    "PREFECT_API_URL": "a Prefect server already running",
    "PREFECT_HOME": "Prefect's folder",
}
# Variables named by the officer, one per thing configured: their prefix and what they are for.
VARIABLE_FAMILIES: dict[str, str] = {
    MAILBOX_PASSWORD_PREFIX: "a mailbox's own password (mail.mailboxes, `password: NAME`)",
}
CONFIG_FOLDER = "config"
# The files the officer edits, shipped with the package (mesa_tumbes/core/defaults is the
# repository's config/ folder): the operations file, the reporting calendar, the agencies.
SHIPPED_CONFIG = Path(__file__).parent / "defaults"
OPERATIONS_FILE, CALENDAR_FILE, AGENCIES_FILE = "operations.yaml", "reporting_calendar.yaml", "agencies.yaml"

DEFAULT_INBOX = "inbox"
DEFAULT_WAREHOUSE = "mesa.duckdb"
DEFAULT_FEEDBACK = "feedback"
DEFAULT_OUTBOX = "outbox"
DEFAULT_BULLETINS = "boletin"
# Times that agencies and the officer read are shown in the Mesa's own time zone.
DEFAULT_TIMEZONE = "America/Lima"
ARCHIVE_NEXT_TO_WAREHOUSE = "archive"
# The writer's own copy of the warehouse lives in this folder beside the published one.
WORKING_FOLDER = ".mesa-trabajo"
KEPT_CELLS_FOLDER = "celdas"  # in the working folder: files' cells kept for their annotated copy
MAIL_SPOOL_FOLDER = "correo"
UPLOAD_SPOOL_FOLDER = "subidas"
SOURCES_SPOOL_FOLDER = "fuentes"
VALIDATIONS_FOLDER = "validaciones"
# MESA_INBOX may name several inboxes, separated like this (";" never appears in a URL's host or a
# folder name an officer would choose, unlike ":" and ",").
INBOX_SEPARATOR = ";"
# What single commands write in the working folder unless told otherwise (--out, --feedback).
DRY_RUN_FEEDBACK = "validacion"  # mesa validate: trial feedback, apart from the real one agencies read
EXPORT_FOLDER = "exportacion"  # mesa export
TEMPLATE_FOLDER = "plantillas"  # mesa plantillas
CONSOLE_SECRET_FILE = "consola.secret"  # beside the accounts, when MESA_CONSOLE_SECRET is not set


class SettingError(ValueError):
    """A MESA_* variable that cannot be used; `describe` says which, what it says and what to write,
    in the officer's language."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key, self.params = key, params

    def describe(self, lang: str) -> str:
        return text(lang, f"settings.{self.key}", **self.params)


@dataclass(frozen=True)
class Retries:
    """How a remote inbox that does not answer is retried before it is reported as unreachable."""

    attempts: int = 3
    delay_seconds: float = 10.0  # doubled after each attempt


@dataclass(frozen=True)
class Settings:
    inboxes: tuple[str, ...]  # local folders (absolute) or URLs; each holds <AGENCY>/<files>
    warehouse: Path  # the DuckDB file analysts open: a read-only copy, published after each build
    feedback: Path  # feedback/<AGENCY>/<submission>/
    archive: Path  # raw bytes of every file received, by SHA-256
    lang: str
    timezone: str = DEFAULT_TIMEZONE
    limits: ReadLimits = DEFAULT_LIMITS
    outbox: Path = field(default_factory=lambda: Path(DEFAULT_OUTBOX).resolve())  # reminders
    lock_wait_seconds: float = 0.0  # how long a run waits for another one to finish writing
    inbox_retries: Retries = Retries()
    notify_block: str | None = None  # a Prefect notification block for reminders, "{agency}" allowed
    max_attempts: int = 3  # runs that try a file the pipeline fails on, before it is set aside
    bulletins: Path = field(default_factory=lambda: Path(DEFAULT_BULLETINS).resolve())  # <period>/boletin.*
    suppression_threshold: int = 5  # in anything published: counts of 1 to this minus 1 are hidden
    execution: Execution = field(
        default_factory=Execution
    )  # where per-file work runs (processes, threads, a Dask cluster)
    mail: Mail = field(default_factory=Mail)  # e-mail out (SMTP) and what mailboxes do with messages
    # A run needs about this many times the bytes of its new files free beside the warehouse (the
    # archive's copy, the feedback, validation results and rows: measured on the bundled examples),
    # plus a copy of the warehouse for the publish; 0 leaves the check out.
    space_factor: float = 6.0
    sources: tuple[Source, ...] = ()  # partners' systems pulled by each run (operations.yaml)
    review: Review = field(default_factory=Review)  # what is approved on arrival; the console
    tls: Trust = field(default_factory=Trust)  # the CA servers' certificates are checked against
    intersector: str = "max_sector"  # how the intersector figure is made (operations.yaml, gaps)

    @property
    def mail_spool(self) -> Path:
        """Where the attachments of the mailboxes' messages land, <AGENCY>/<file>, before the intake
        takes them as it takes any inbox's files (beside the warehouse, never under version control)."""
        return self.warehouse.parent / MAIL_SPOOL_FOLDER

    @property
    def upload_spool(self) -> Path:
        """Where the files agencies send from their own page land, <AGENCY>/<file>, for the intake to
        take them as it takes any inbox's (beside the warehouse, never under version control)."""
        return self.warehouse.parent / UPLOAD_SPOOL_FOLDER

    @property
    def sources_spool(self) -> Path:
        """Where what is pulled from partners' systems becomes files, <AGENCY>/<source>-<period>.csv,
        that the intake then takes as it takes any inbox's (beside the warehouse)."""
        return self.warehouse.parent / SOURCES_SPOOL_FOLDER

    @property
    def working(self) -> Path:
        """The DuckDB file the pipeline writes, private to the writer: analysts and read-only
        commands open the published copy (`warehouse`), which replaces itself after each build."""
        return self.warehouse.parent / WORKING_FOLDER / self.warehouse.name

    @property
    def kept_cells(self) -> Path:
        """Where a run keeps the cells of the files it read, by SHA-256, until their annotated copy
        is written (transforms/kept.py): private to the writer, emptied when the run ends."""
        return self.warehouse.parent / WORKING_FOLDER / KEPT_CELLS_FOLDER

    @property
    def console_secret(self) -> Path:
        """The key that signs the console's session cookies when MESA_CONSOLE_SECRET is not set:
        with the operator's private configuration (beside the accounts file), readable by its owner
        only; never in a git work tree unless ignored (`mesa consola` refuses to start otherwise)."""
        return Path(self.review.accounts).parent / CONSOLE_SECRET_FILE

    @property
    def validations(self) -> Path:
        """Great Expectations' results of each submission, for the technical reader: beside the raw
        archive, never in an agency's feedback."""
        return self.archive / VALIDATIONS_FOLDER

    def mailbox(self, location: str) -> Mailbox:
        """The options of the mailbox at `location`: its CA (else the operations file's `tls`), its
        password's name, its trash folder."""
        return self.mail.mailbox(location, self.tls)

    @property
    def inbox(self) -> str:
        """The first inbox: the one a single-inbox setup has."""
        return self.inboxes[0]


def resolve_settings(
    inbox: str | Sequence[str] | None = None,
    warehouse: str | None = None,
    feedback: str | None = None,
    archive: str | None = None,
    lang: str | None = None,
    timezone: str | None = None,
    environ: Mapping[str, str] = os.environ,
) -> Settings:
    """Absolute paths; the archive sits next to the warehouse unless told otherwise."""
    environ = _Declared(environ)
    operations = load_operations(operations_path(environ))  # read once: inboxes, execution, mail
    warehouse_path = _path(warehouse, environ.get("MESA_WAREHOUSE"), DEFAULT_WAREHOUSE)
    return Settings(
        inboxes=_inboxes(inbox, environ, operations),
        warehouse=warehouse_path,
        feedback=_path(feedback, environ.get("MESA_FEEDBACK"), DEFAULT_FEEDBACK),
        archive=_path(
            archive, environ.get("MESA_ARCHIVE"), str(warehouse_path.parent / ARCHIVE_NEXT_TO_WAREHOUSE)
        ),
        lang=language(lang or environ.get("MESA_LANG")),
        timezone=_timezone(timezone or environ.get("MESA_TIMEZONE") or DEFAULT_TIMEZONE),
        limits=ReadLimits(
            max_file_bytes=_megabytes(environ, "MESA_MAX_FILE_MB", DEFAULT_LIMITS.max_file_bytes),
            max_workbook_expanded_bytes=_megabytes(
                environ, "MESA_MAX_WORKBOOK_MB", DEFAULT_LIMITS.max_workbook_expanded_bytes
            ),
        ),
        outbox=_path(None, environ.get("MESA_OUTBOX"), DEFAULT_OUTBOX),
        lock_wait_seconds=_number(environ, "MESA_LOCK_WAIT_SECONDS", 0.0, "600"),
        inbox_retries=Retries(
            attempts=int(_number(environ, "MESA_INBOX_RETRIES", Retries.attempts, "3", whole=True)),
            delay_seconds=_number(environ, "MESA_INBOX_RETRY_DELAY_SECONDS", Retries.delay_seconds, "10"),
        ),
        notify_block=environ.get("MESA_NOTIFY_BLOCK") or None,
        max_attempts=max(1, int(_number(environ, "MESA_MAX_ATTEMPTS", 3, "3", whole=True))),
        bulletins=_path(None, environ.get("MESA_BULLETINS"), DEFAULT_BULLETINS),
        suppression_threshold=_threshold(environ),
        execution=_execution(environ, operations),
        mail=_mail(environ, operations),
        space_factor=_factor(environ, "MESA_SPACE_FACTOR", Settings.space_factor),
        sources=operations.sources,
        review=_review(environ, operations),
        tls=operations.tls,
        intersector=operations.intersector,
    )


class UnknownVariableError(LookupError):
    """A variable read that VARIABLES does not list: every one is declared there, once. (Not a
    KeyError: `Mapping.get` would take it for an unset variable and hide the mistake.)"""


class _Declared(Mapping[str, str]):
    """An environment of which only the variables VARIABLES lists may be read."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def __getitem__(self, name: str) -> str:
        if not declared(name):
            raise UnknownVariableError(name)
        return self._environ[name]

    def __iter__(self) -> Iterator[str]:
        return (name for name in self._environ if declared(name))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def declared(name: str) -> bool:
    """Whether VARIABLES lists `name`, or it is one of a family VARIABLE_FAMILIES lists."""
    return name in VARIABLES or any(
        name.startswith(prefix) and len(name) > len(prefix) for prefix in VARIABLE_FAMILIES
    )


def variable(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The environment variable `name` (None when unset); it must be one VARIABLES lists."""
    return _Declared(os.environ if environ is None else environ).get(name)


def chosen_language(explicit: str | None = None) -> str:
    """The language asked for (flag, then MESA_LANG), else Spanish. Unknown codes raise ValueError."""
    return language(explicit or variable("MESA_LANG"))


def set_defaults(values: Mapping[str, str]) -> None:
    """Libraries' variables set for them (before they are imported), unless the officer set them."""
    for name, value in values.items():
        os.environ.setdefault(name, value)


def export(name: str, value: str) -> None:
    """A library's variable set for the rest of the process (the Prefect server `mesa serve` started)."""
    os.environ[name] = value


def environment(**changes: str | None) -> dict[str, str]:
    """This process's environment for a process it starts, with `changes` (None removes one)."""
    copied = dict(os.environ)
    for name, value in changes.items():
        if value is None:
            copied.pop(name, None)
        else:
            copied[name] = value
    return copied


def config_folder(environ: Mapping[str, str] | None = None) -> Path:
    """The folder of the files the officer edits: MESA_CONFIG_DIR, else ./config."""
    written = variable("MESA_CONFIG_DIR", environ)
    return Path(written or CONFIG_FOLDER).expanduser().resolve()


def config_file(name: str, environ: Mapping[str, str] | None = None) -> Path:
    """A file the officer edits: the configuration folder's when it is there, else the one shipped
    with the package."""
    written = config_folder(environ) / name
    return written if written.is_file() else SHIPPED_CONFIG / name


def operations_path(environ: Mapping[str, str] | None = None) -> Path:
    """The operations file: MESA_OPERATIONS, else the configuration folder's."""
    written = variable("MESA_OPERATIONS", environ)
    return Path(written).expanduser().resolve() if written else config_file(OPERATIONS_FILE, environ)


def calendar_path(environ: Mapping[str, str] | None = None) -> Path:
    """The reporting calendar: MESA_CALENDAR, else the configuration folder's."""
    written = variable("MESA_CALENDAR", environ)
    return Path(written).expanduser().resolve() if written else config_file(CALENDAR_FILE, environ)


def agencies_path(environ: Mapping[str, str] | None = None) -> Path:
    """The agencies of the Mesa, their codes, names and addresses: the configuration folder's."""
    return config_file(AGENCIES_FILE, environ)


def _inboxes(
    flags: str | Sequence[str] | None, environ: Mapping[str, str], operations: Operations
) -> tuple[str, ...]:
    """--inbox flags, else MESA_INBOX (";" between several), else the operations file's list, else
    ./inbox. Local folders are made absolute; URLs are kept as written."""
    if isinstance(flags, str):
        flags = [flags]
    written = [f for f in flags or () if f.strip()]
    if not written and environ.get("MESA_INBOX"):
        written = [part for part in environ["MESA_INBOX"].split(INBOX_SEPARATOR) if part.strip()]
    if not written:
        written = list(operations.inboxes)
    return tuple(_location(entry.strip()) for entry in written or [DEFAULT_INBOX])


def _execution(environ: Mapping[str, str], operations: Operations) -> Execution:
    """The operations file's `execution`, each part overridden by MESA_TASK_RUNNER, MESA_WORKERS and
    MESA_DASK_ADDRESS (an address alone means the Dask runner)."""
    written = operations.execution
    address = environ.get("MESA_DASK_ADDRESS") or written.dask_address
    runner = environ.get("MESA_TASK_RUNNER") or (
        "dask" if environ.get("MESA_DASK_ADDRESS") else written.runner
    )
    if runner not in TASK_RUNNERS:
        raise SettingError(
            "bad_runner", name="MESA_TASK_RUNNER", value=runner, choices=", ".join(TASK_RUNNERS)
        )
    workers = int(_number(environ, "MESA_WORKERS", 0, "4", whole=True)) or written.workers
    return Execution(runner, workers, address)


def _mail(environ: Mapping[str, str], operations: Operations) -> Mail:
    """The operations file's `mail`, its server and sender overridden by MESA_SMTP_URL and
    MESA_MAIL_FROM. Passwords are never settings: they are read from the environment when used."""
    from mesa_tumbes.core.locations import smtp_problem

    written = operations.mail
    smtp = environ.get("MESA_SMTP_URL") or written.smtp
    if smtp and smtp_problem(smtp) is not None:
        raise SettingError("bad_smtp", name="MESA_SMTP_URL", value=smtp)
    sender = environ.get("MESA_MAIL_FROM") or written.sender
    authserv_id = environ.get("MESA_AUTHSERV_ID") or written.authserv_id
    return replace(written, smtp=smtp, sender=sender, authserv_id=authserv_id)


def _review(environ: Mapping[str, str], operations: Operations) -> Review:
    """The operations file's `review`, its rule overridden by MESA_AUTO_APPROVE; the accounts file
    is found beside the operations file, or in the configuration folder when that file is the one
    shipped with the package (never written inside the package)."""
    written = operations.review
    rule = environ.get("MESA_AUTO_APPROVE") or written.auto_approve
    if rule not in REVIEW_RULES:
        raise SettingError("bad_rule", name="MESA_AUTO_APPROVE", value=rule, choices=", ".join(REVIEW_RULES))
    beside = operations.path.parent
    folder = config_folder(environ) if beside == SHIPPED_CONFIG else beside
    accounts = environ.get("MESA_CONSOLE_ACCOUNTS") or str(folder / written.accounts)
    return Review(rule, written.host, written.port, accounts)


def _location(entry: str) -> str:
    from mesa_tumbes.core.locations import is_remote

    return entry if is_remote(entry) else str(Path(entry.removeprefix("file://")).expanduser().resolve())


def _megabytes(environ: Mapping[str, str], name: str, default: int) -> int:
    written = environ.get(name)
    if written is None:
        return default
    try:
        megabytes = float(written)
    except ValueError:
        megabytes = -1
    if megabytes <= 0:
        raise SettingError("bad_megabytes", name=name, value=written)
    return int(megabytes * 2**20)


def _number(
    environ: Mapping[str, str], name: str, default: float, example: str, whole: bool = False
) -> float:
    written = environ.get(name)
    if written is None or not written.strip():
        return default
    try:
        value = int(written) if whole else float(written)
    except ValueError:
        value = -1
    if value < 0:
        raise SettingError("bad_whole" if whole else "bad_seconds", name=name, value=written, example=example)
    return value


def _factor(environ: Mapping[str, str], name: str, default: float) -> float:
    written = environ.get(name)
    if written is None or not written.strip():
        return default
    try:
        value = float(written)
    except ValueError:
        value = -1
    if value < 0:
        raise SettingError("bad_factor", name=name, value=written, example=f"{default:g}")
    return value


def _threshold(environ: Mapping[str, str]) -> int:
    """MESA_SUPPRESSION_THRESHOLD: a whole number of people, 1 or more (default 5)."""
    written = environ.get("MESA_SUPPRESSION_THRESHOLD")
    threshold = int(_number(environ, "MESA_SUPPRESSION_THRESHOLD", 5, "5", whole=True))
    if threshold < 1:
        raise SettingError("bad_whole", name="MESA_SUPPRESSION_THRESHOLD", value=written, example="5")
    return threshold


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingError("bad_timezone", value=name, example=DEFAULT_TIMEZONE) from None
    return name


def _path(flag: str | None, variable: str | None, default: str) -> Path:
    return Path(flag or variable or default).expanduser().resolve()
