"""The intake flow: every new file in the inboxes is archived, validated, answered and loaded.

The flow only wires tasks; what each step does is pipeline/intake.py. One submission the pipeline
fails on never stops the others: its agency is answered, the run reports it and ends in a Failed
state, and the file is retried on the next runs, then set aside. An inbox that does not answer is
retried with backoff, then reported; the run fails only if no inbox could be read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

from prefect import Task, flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE
from prefect.futures import PrefectFuture
from prefect.states import Completed, Failed
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from mesa_tumbes.core import smtp
from mesa_tumbes.core.config import SOURCE_TOKENS, Source
from mesa_tumbes.core.faults import MachineError, interrupted, keep_trace, machine_fault
from mesa_tumbes.core.i18n import text
from mesa_tumbes.core.locations import is_mailbox
from mesa_tumbes.core.reference import load_reference
from mesa_tumbes.core.settings import Settings, resolve_settings
from mesa_tumbes.flows.common import (
    IMAP_SECRET,
    SMTP_SECRET,
    busy_holder,
    busy_state,
    run_once,
    secret,
    update_marts,
    writing_run,
)
from mesa_tumbes.flows.execution import workers
from mesa_tumbes.flows.progress import Progress
from mesa_tumbes.followup.status import machine_text
from mesa_tumbes.formats import submission
from mesa_tumbes.formats.outcome import Outcome
from mesa_tumbes.pipeline import intake, mail_round, sources
from mesa_tumbes.pipeline.intake import Fault
from mesa_tumbes.pipeline.pending import nothing_new
from mesa_tumbes.pipeline.report import Entry, RunReport
from mesa_tumbes.pipeline.space import missing_megabytes, space_problem
from mesa_tumbes.reception import inbox as inbox_reader
from mesa_tumbes.reception import mailbox
from mesa_tumbes.reception.inbox import InboxFile
from mesa_tumbes.reception.mailbox import public_url
from mesa_tumbes.reception.received import Received
from mesa_tumbes.warehouse import store
from mesa_tumbes.warehouse.bookkeeping import failures
from mesa_tumbes.warehouse.lock import WarehouseBusyError
from mesa_tumbes.warehouse.store import WarehouseInUseError

ARTIFACT_KEY = "mesa-intake-run"
# The name of a run's final state when it found nothing to take (Prefect's UI shows it).
NOTHING_NEW = "NothingNew"
T = TypeVar("T")


@task(cache_policy=NONE, task_run_name="list {location}")
def list_inbox(location: str, lang: str) -> list[inbox_reader.InboxFile]:
    return inbox_reader.discover(location, load_reference(), lang)


@task(cache_policy=NONE)
def seen_files(settings: Settings) -> set[tuple[str, str, int, dt.datetime]]:
    return store.seen_files(settings.working)


@task(cache_policy=NONE)
def remember_seen(received: Received, settings: Settings) -> None:
    file = received.file
    store.remember_seen(
        settings.working,
        file.channel,
        file.relative_path,
        file.size_bytes,
        file.received_at,
        received.submission_id,
    )


@task(cache_policy=NONE, retries=2, retry_delay_seconds=[2, 10], task_run_name="archive {count} files")
def archive_files(files: list[InboxFile], settings: Settings, count: int) -> list[Received] | MachineError:
    return intake.archive_all(files, settings.archive)


@task(cache_policy=NONE, retries=2, retry_delay_seconds=[2, 10], task_run_name="archive {file.label}")
def archive_file(file: InboxFile, settings: Settings) -> list[Received] | MachineError:
    return intake.archive_all([file], settings.archive)


@task(cache_policy=NONE)
def screen_submissions(received: list[Received], settings: Settings) -> list[Outcome | None]:
    return intake.screen_many(received, settings)


@task(cache_policy=NONE, task_run_name="read {count} files")
def read_submissions(
    received: Sealed[list[Received]], settings: Settings, count: int
) -> list[intake.Read | Fault | MachineError]:
    return intake.read_all(received.value, settings)


@task(cache_policy=NONE, task_run_name="validate {count} submissions together")
def validate_round(batch: list[intake.Read], settings: Settings, count: int) -> list[Outcome]:
    return intake.judge(batch, settings)


@task(cache_policy=NONE, task_run_name="feedback on {count} submissions")
def answer_submissions(
    outcomes: Sealed[list[Outcome]], settings: Settings, count: int
) -> list[Path | Fault | MachineError]:
    return intake.answer_all(outcomes.value, settings)


@task(cache_policy=NONE, task_run_name="prepare loading {count} submissions")
def prepare_loads(outcomes: list[Outcome], settings: Settings, count: int) -> list[store.ToLoad | Fault]:
    return intake.prepare_loads(outcomes, settings)


@task(cache_policy=NONE, task_run_name="load {count} submissions")
def load_submissions(
    outcomes: list[Outcome],
    settings: Settings,
    count: int,
    prepared: list[store.ToLoad | Fault] | None = None,
) -> list[Fault | MachineError | None]:
    return intake.load_all(outcomes, settings, prepared)


@task(cache_policy=NONE, task_run_name="answer the failure on {fault.received.file.label}")
def answer_failure(fault: Fault, settings: Settings) -> Entry:
    entry = intake.answer_failure(fault, settings)
    key = "log.set_aside" if entry.status == "set_aside" else "log.failed"
    attempts = next(
        (f.attempts for f in failures(settings.working) if f.submission_id == entry.submission_id), 1
    )
    label = fault.received.file.label
    get_run_logger().error(text(settings.lang, key, file=label, attempts=attempts, step=fault.step))
    return entry


@task(cache_policy=NONE)
def publish_run_summary(submissions: list[Entry], lang: str) -> None:
    columns = ["file", "agency", "status", "rows_read", "rows_loaded", "rows_rejected", "rows_warned"]
    create_table_artifact(
        key=ARTIFACT_KEY,
        table=[{text(lang, f"artifact.{c}"): getattr(entry, c) for c in columns} for entry in submissions],
        description=text(lang, "artifact.description"),
    )


def list_inboxes(settings: Settings, report: RunReport) -> list[InboxFile]:
    """Every file of every inbox; the inboxes that could not be read after the retries, and what each
    partner source gave (or why it could not), go into `report`. A mailbox's new messages first land
    in the spool, which is then listed as an inbox of its own; so do partners' changed months."""
    retries = settings.inbox_retries
    options: dict[str, Any] = {
        "retries": retries.attempts,
        "retry_delay_seconds": [retries.delay_seconds * 2**n for n in range(retries.attempts)],
    }
    lister = list_inbox.with_options(**options)
    collector = collect_mailbox.with_options(**options, retry_condition_fn=_worth_retrying)
    files: list[InboxFile] = []
    unreachable = report.unreachable
    folders = [location for location in settings.inboxes if not is_mailbox(location)]
    for location in settings.inboxes:
        if is_mailbox(location):
            collecting = collector(location, settings, return_state=True)
            if not collecting.is_completed():
                why = mail_round.why_unreachable(collecting.result(raise_on_failure=False), settings.lang)
                get_run_logger().error(
                    text(settings.lang, "log.mailbox_unreachable", inbox=public_url(location), why=why)
                )
                unreachable.append(text(settings.lang, "cli.inbox_why", inbox=public_url(location), why=why))
            if str(settings.mail_spool) not in folders:
                settings.mail_spool.mkdir(parents=True, exist_ok=True)
                folders.append(str(settings.mail_spool))
    for source in settings.sources:
        pulled = pull_source(source, settings)
        log = get_run_logger().info if pulled.fault is None else get_run_logger().error
        log(pulled.said)
        (report.sources if pulled.fault is None else report.sources_failed).append(pulled.said)
    if settings.sources:
        settings.sources_spool.mkdir(parents=True, exist_ok=True)
        folders.append(str(settings.sources_spool))
    if settings.upload_spool.is_dir():
        folders.append(str(settings.upload_spool))
    for location in folders:
        state = lister(location, settings.lang, return_state=True)
        if state.is_completed():
            files += state.result()
        else:
            _unreachable(settings, location, state.message, unreachable)
    return mail_round.with_names(files, settings)


@task(cache_policy=NONE, task_run_name="pull {source.name}")
def pull_source(source: Source, settings: Settings) -> sources.Pulled:
    """A partner's system pulled (only what changed, or all of it on its schedule), its changed
    months written to the spool; asked again while it does not answer. Never fails: what could not be
    pulled is said in one sentence (a traceback, if any, goes to the trace file)."""
    variable, block = SOURCE_TOKENS[source.kind]
    return sources.attempt(settings, source, secret(variable, block), variable)


def _worth_retrying(task: Any, run: Any, state: Any) -> bool:
    """A password refused, a certificate that fails its check: asking again will not change them."""
    error = state.result(raise_on_failure=False)
    return not isinstance(error, mailbox.MailboxError) or error.worth_retrying


def _unreachable(settings: Settings, location: str, message: str | None, unreachable: list[str]) -> None:
    get_run_logger().error(text(settings.lang, "log.inbox_unreachable", inbox=location, error=message or ""))
    unreachable.append(location)


@task(cache_policy=NONE, task_run_name="mailbox {location}")
def collect_mailbox(location: str, settings: Settings) -> int:
    """A mailbox's new messages into the spool; how many files it brought."""
    options = settings.mailbox(location)
    password = secret(
        options.password_variable or mailbox.PASSWORD_VARIABLE, options.password_secret or IMAP_SECRET
    )
    collected = mail_round.collect_mailbox(location, settings, password)
    logger = get_run_logger()
    logger.info(
        text(
            settings.lang,
            "log.mail_collected",
            mailbox=public_url(location),
            messages=collected.messages,
            files=len(collected.saved),
        )
    )
    return len(collected.saved)


@task(cache_policy=NONE)
def deliver_mail(settings: Settings, entries: list[Entry]) -> mail_round.Sent:
    """Each submission's feedback e-mailed to its agency; the failed ones of earlier runs again."""
    return mail_round.deliver(settings, entries, secret(smtp.PASSWORD_VARIABLE, SMTP_SECRET))


def log_outcome(outcome: Outcome, lang: str) -> None:
    logger = get_run_logger()
    label, verdict = outcome.received.file.label, outcome.verdict
    if outcome.duplicate_of is not None:
        logger.info(text(lang, "log.duplicate", file=label, original=outcome.duplicate_of.file_name))
        return
    logger.info(
        text(
            lang,
            "log.submission",
            file=label,
            status=text(lang, f"status.{verdict.status}"),
            read=verdict.rows_read,
            loaded=verdict.rows_loaded,
            rejected=verdict.rows_rejected,
            warned=verdict.rows_warned,
        )
    )


def take_files(settings: Settings, files: list[InboxFile], report: RunReport) -> None:
    """The new files archived, then taken in batches of bounded size: screened, read (in parallel,
    on the task runner), validated with the others of their round (one Great Expectations
    validation per suite), answered (in parallel) and loaded (one writer, one transaction each). A
    submission the pipeline fails on at any step is answered, reported and left for the next run;
    the others go on."""
    run = Taking(settings, report, Progress(len(files), settings.lang))
    received = run.receive([file for file in files if not run.seen(file)])
    if not received:
        run.progress.close()
        return
    size = sum(item.archived.size_bytes for item in received)
    with workers(settings.execution, size) as runner:
        run.runner = runner
        batches = intake.batches(received)
        reading = run.start_reading(batches[0])
        try:
            for number, batch in enumerate(batches):
                screened = screen_submissions(batch, settings)
                run.finish([answer for answer in screened if answer is not None])
                read = run.read(
                    reading, [item for item, answer in zip(batch, screened, strict=True) if answer is None]
                )
                # the workers read the next batch while this one is validated (here) and loaded
                reading = run.start_reading(batches[number + 1]) if number + 1 < len(batches) else Reading()
                for round_ in intake.rounds(read):
                    run.finish(run.validate(round_))
        finally:
            intake.forget_kept_cells(settings)
    run.progress.close()


@dataclass
class Reading:
    """A batch's files being read on the run's workers (those the screen lets through without the
    warehouse: a known agency, not too large), and the tasks reading them in chunks."""

    files: list[Received] = field(default_factory=list)
    futures: list[PrefectFuture[Any]] = field(default_factory=list)


class Taking:
    """The steps of take_files: the tasks each step submits, and what each reports."""

    def __init__(self, settings: Settings, report: RunReport, progress: Progress) -> None:
        self.settings, self.report, self.progress = settings, report, progress
        self.logger, self.lang = get_run_logger(), settings.lang
        self.known = store.registered_ids(settings.working)
        self.unchanged = seen_files(settings)
        self.chunks = settings.execution.chunks
        self.runner: TaskRunner[Any] = ThreadPoolTaskRunner()  # the run's own, set by take_files

    def seen(self, file: InboxFile) -> bool:
        """The same file, unchanged since it was processed: not even read."""
        if file.seen_key in self.unchanged:
            self.skip(file)
            return True
        return False

    def receive(self, files: list[InboxFile]) -> list[Received]:
        """Archive the files (together; one by one if that fails, to tell which could not be
        read); those whose bytes are registered already are remembered as seen and skipped. The
        archive that cannot be written (a full disk, no permission) stops the run."""
        state = archive_files(opaque(files), self.settings, len(files), return_state=True)
        archived = state.result() if state.is_completed() else self.receive_each(files)
        if isinstance(archived, MachineError):
            raise archived
        received: list[Received] = archived
        new = []
        for item in received:
            if item.submission_id in self.known:  # its bytes again, under a new time or in two inboxes
                remember_seen(item, self.settings)
                self.skip(item.file)
            else:
                self.known.add(item.submission_id)
                new.append(item)
        return new

    def receive_each(self, files: list[InboxFile]) -> list[Received]:
        received = []
        for file in files:
            state = archive_file(file, self.settings, return_state=True)
            if state.is_completed():
                archived = state.result()
                if isinstance(archived, MachineError):
                    raise archived
                received += archived
            else:  # the inbox could not give its bytes: nothing is known of the file yet
                self.logger.error(text(self.lang, "log.not_archived", file=file.label))
                self.report.failed.append(file.label)
                self.progress.advance(file.label)
        return received

    def skip(self, file: InboxFile) -> None:
        self.report.skipped += 1
        self.progress.advance(file.label)

    def start_reading(self, batch: list[Received]) -> Reading:
        """Start reading the batch's files in chunks on the task runner's workers, before the
        warehouse says which are duplicates (after the batches before it load): a duplicate's read
        is then dropped."""
        readable = [item for item in batch if intake.screen(item, self.settings, trial=True) is None]
        futures = [
            self.submit(read_submissions, received=Sealed(part), count=len(part))
            for part in split(readable, self.chunks)
        ]
        return Reading(readable, futures)

    def read(self, reading: Reading, received: list[Received]) -> list[intake.Read]:
        """What the workers read of `received` (files of `reading`); a file the pipeline failed
        on is answered and reported."""
        results = [item for future in reading.futures for item in future.result()]
        machine = next((item for item in results if isinstance(item, MachineError)), None)
        if machine is not None:  # every chunk has ended: nothing of this batch was written yet
            raise machine.located(str(self.settings.archive))
        wanted = {id(item) for item in received}
        read = []
        for item, result in zip(reading.files, results, strict=True):
            if id(item) not in wanted:  # a duplicate of a file loaded before: answered as such
                continue
            if isinstance(result, Fault):
                self.failed(result)
            elif isinstance(result, intake.Read):
                read.append(result)
        return read

    def validate(self, batch: list[intake.Read]) -> list[Outcome]:
        """The round together; if that fails, each on its own, so that only the submission the
        pipeline fails on is held back."""
        state = validate_round(opaque(batch), self.settings, len(batch), return_state=True)
        if state.is_completed():
            outcomes: list[Outcome] = state.result()
            return outcomes
        self.stop_on_machine(state.result(raise_on_failure=False), self.settings.working.parent)
        outcomes = []
        for item in batch:
            alone = validate_round([item], self.settings, 1, return_state=True)
            if alone.is_completed():
                outcomes += alone.result()
            else:
                error = alone.result(raise_on_failure=False)
                self.stop_on_machine(error, self.settings.working.parent)
                self.failed(Fault(item.received, "validate", f"{type(error).__name__}: {error}"))
        return outcomes

    def finish(self, outcomes: list[Outcome]) -> None:
        """Feedback for each (in chunks, on the workers), then each loaded in the order received."""
        if not outcomes:
            return
        parts = split(outcomes, self.chunks)
        futures = [
            self.submit(
                answer_submissions, outcomes=Sealed([o.for_feedback() for o in part]), count=len(part)
            )
            for part in parts
        ]
        # the loads are prepared (nothing written) while the workers answer: the one writer loads
        # only what was answered
        prepared = prepare_loads(opaque(outcomes), self.settings, len(outcomes))
        folders = [folder for future in futures for folder in future.result()]
        machine = next((folder for folder in folders if isinstance(folder, MachineError)), None)
        if machine is not None:  # every chunk has ended: no answer about files the next run takes
            intake.withdraw(outcomes, self.settings)
            raise machine.located(str(self.settings.feedback))
        answered, ready = [], []
        for outcome, folder, item in zip(outcomes, folders, prepared, strict=True):
            if isinstance(folder, Fault):
                self.failed(folder)
            else:
                answered.append((outcome, folder))
                ready.append(item)
        loaded = load_submissions(
            opaque([outcome for outcome, _ in answered]), self.settings, len(answered), opaque(ready)
        )
        for number, ((outcome, folder), result) in enumerate(zip(answered, loaded, strict=False)):
            if isinstance(result, MachineError):
                intake.withdraw([taken for taken, _ in answered[number:]], self.settings)
                raise result.located(str(self.settings.working.parent))
            if result is not None:
                self.failed(result)
                continue
            log_outcome(outcome, self.lang)
            self.report.submissions.append(intake.report_entry(outcome, folder))
            self.progress.advance(outcome.received.file.label)

    def submit(self, work: Task[..., Any], **parameters: Any) -> PrefectFuture[Any]:
        """A task on the run's task runner (processes, threads or a Dask cluster)."""
        future: PrefectFuture[Any] = self.runner.submit(work, {**parameters, "settings": self.settings})
        return future

    @staticmethod
    def stop_on_machine(error: object, where: Path) -> None:
        """Raise the machine fault behind a failed task (said of `where` when it does not say where),
        or the stop that ended it, so that the run stops; anything else is the step's own to handle."""
        if isinstance(error, BaseException) and interrupted(error):
            raise KeyboardInterrupt from error
        fault = machine_fault(error) if isinstance(error, BaseException) else None
        if fault is not None:
            raise fault.located(str(where))

    def failed(self, fault: Fault) -> None:
        label = fault.received.file.label
        self.logger.error(
            "%s\n%s",
            text(self.lang, "log.pipeline_error", file=label, step=fault.step),
            fault.trace or fault.error,
        )
        self.report.failed.append(label)
        self.report.submissions.append(answer_failure(fault, self.settings))
        self.progress.advance(label)


def opaque(value: T) -> T:
    """A task parameter Prefect hands over without walking it: it visits every element of every
    collection a task receives (futures could hide anywhere), which costs seconds for a run's frames
    and problems. Typed as the value itself, which the task receives."""
    return cast("T", quote(value))


class Sealed(Generic[T]):
    """A large parameter of a task on the run's task runner, handed over unwalked. Prefect's own
    annotations (`opaque` above) are taken off before a parameter is pickled for a worker process or
    a Dask cluster, and the worker's task engine then walks every element again (seconds of a
    worker's time for a noisy round's problems); an object Prefect does not know it leaves whole."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value


def split(items: list[T], chunks: int) -> list[list[T]]:
    """`items` in at most `chunks` runs of consecutive items, of about the same length."""
    size = max(1, -(-len(items) // max(1, chunks)))
    return [items[start : start + size] for start in range(0, len(items), size)]


@flow(name="mesa-intake", log_prints=False)
def intake_flow(settings: Settings | None = None) -> Any:
    """Take every new file in the inboxes' <AGENCY>/ folders: archive, validate, give feedback, load,
    then rebuild the gap tables. Without settings (a scheduled run), they come from the environment."""
    settings = settings or resolve_settings()
    logger, lang = get_run_logger(), settings.lang
    unchanged = nothing_new(settings)  # a scheduled look every few minutes: most find nothing
    if unchanged is not None:
        logger.info(text(lang, "log.nothing_new"))
        return Completed(name=NOTHING_NEW, message=text(lang, "log.nothing_new"), data=unchanged)
    report = RunReport()
    try:
        with writing_run(settings, "intake") as run:
            files = list_inboxes(settings, report)
            check_space(settings, files)
            take_files(settings, files, report)
            sending = deliver_mail(settings, report.submissions, return_state=True)
            if sending.is_completed():
                report.mail = sending.result().failed
            else:  # loaded and answered on disk all the same: the e-mails wait for the next run
                logger.error(text(lang, "log.smtp_unreachable", error=sending.message or ""))
            report.set_aside = [f.label for f in failures(settings.working) if f.set_aside]
            processed, skipped, failed = len(report.submissions), report.skipped, report.failed
            logger.info(text(lang, "log.run_done", processed=processed, skipped=skipped, failed=len(failed)))
            publish_run_summary(report.submissions, lang)
            try:
                update_marts(settings)
                run.built = True
            except Exception as error:
                if machine_fault(error) is not None:
                    raise
                logger.error(text(lang, "log.marts_failed"))
                keep_trace(settings.working.parent, "update_marts", error)
                report.marts_failed = True
            no_inbox_read = len(report.unreachable) == len(settings.inboxes)
            run.processed, run.skipped, run.failed_files = processed, skipped, failed
            run.unreachable, run.failed = report.unreachable, no_inbox_read or report.marts_failed
    except (WarehouseBusyError, WarehouseInUseError) as busy:
        report.busy = busy_holder(busy)
        return busy_state(settings, busy, report)
    except Exception as error:
        fault = machine_fault(error)
        if fault is None:
            raise
        return stopped_state(settings, fault, report)
    if report.failed:
        return Failed(message=text(lang, "cli.failed", count=len(report.failed)), data=report)
    if report.marts_failed:
        return Failed(message=text(lang, "log.marts_failed"), data=report)
    if no_inbox_read:
        said = text(lang, "cli.no_inbox_read", inboxes="; ".join(report.unreachable))
        return Failed(message=said, data=report)
    return report


def check_space(settings: Settings, files: list[InboxFile]) -> None:
    """Refuse to start taking files the disk cannot hold (a MachineError, before anything is written)."""
    problem = space_problem(settings, files)
    if problem is not None:
        raise problem


def stopped_state(settings: Settings, fault: MachineError, report: RunReport) -> Any:
    """A run the machine stopped: what happened, where and what to do, for the officer (the log, the
    report the command line prints, the Failed state Prefect shows)."""
    where = fault.where or str(settings.working.parent)
    needed = fault.needed_mb or (missing_megabytes(settings, Path(where)) if fault.kind == "disk_full" else 0)
    located = fault.located(where, needed)
    message = machine_text(located, settings.lang)
    get_run_logger().error(message)
    report.machine, report.machine_kind = message, located.kind
    return Failed(message=message, data=report)


def run_intake(settings: Settings) -> tuple[bool, RunReport]:
    """Run the flow once; (succeeded, its report)."""
    succeeded, report = run_once(intake_flow, settings, meanwhile=submission.suite_runner)
    return succeeded and report.busy is None, report
