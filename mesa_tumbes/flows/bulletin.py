"""The bulletin flow: after the reporting deadline, the Mesa's bulletin of the month is written from
the published warehouse, placed in the outbox for distribution, and its key messages published as a
Prefect artifact with where the files are."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TypedDict

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE

from mesa_tumbes.core.i18n import text
from mesa_tumbes.core.reference import load_reference
from mesa_tumbes.core.settings import Settings, resolve_settings
from mesa_tumbes.flows.common import run_once
from mesa_tumbes.followup.reminders import month_name
from mesa_tumbes.publication.bulletin import Bulletin, gather
from mesa_tumbes.publication.bulletin_render import BulletinFiles, write_bulletin

ARTIFACT_KEY = "mesa-boletin"
# The outbox folder for what goes to the whole Mesa (agencies' folders are their codes).
OUTBOX_FOLDER = "MESA"


@task(cache_policy=NONE)
def gather_bulletin(settings: Settings, period: str | None) -> Bulletin:
    return gather(settings.warehouse, load_reference(), period, settings.lang, settings.suppression_threshold)


@task(cache_policy=NONE, task_run_name="write the bulletin of {bulletin.period}")
def write(settings: Settings, bulletin: Bulletin) -> BulletinFiles:
    return write_bulletin(bulletin, settings.bulletins)


@task(cache_policy=NONE)
def place_in_outbox(settings: Settings, files: BulletinFiles) -> Path:
    """outbox/MESA/<period>/: the bulletin as it goes to the Mesa's members."""
    target = settings.outbox / OUTBOX_FOLDER / files.folder.name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(files.folder, target)
    return target


@task(cache_policy=NONE)
def publish_artifact(bulletin: Bulletin, files: BulletinFiles, placed: Path) -> None:
    lang = bulletin.lang
    month = month_name(bulletin.period, lang)
    lines = [f"# {text(lang, 'bulletin.artifact', month=month)}", ""]
    lines += [f"- {message}" for message in bulletin.key_messages]
    lines += ["", text(lang, "bulletin.artifact_files", folder=files.folder, outbox=placed)]
    create_markdown_artifact(key=ARTIFACT_KEY, markdown="\n".join(lines), description=lines[0][2:])


class BulletinWritten(TypedDict):
    """Which month's bulletin the flow wrote, where, and the copy placed in the outbox."""

    period: str
    folder: str
    outbox: str


@flow(name="mesa-boletin", log_prints=False)
def bulletin_flow(settings: Settings | None = None, period: str | None = None) -> BulletinWritten:
    """The bulletin of `period` (by default the latest month whose reporting deadline has passed)."""
    settings = settings or resolve_settings()
    bulletin = gather_bulletin(settings, period)
    files = write(settings, bulletin)
    placed = place_in_outbox(settings, files)
    publish_artifact(bulletin, files, placed)
    month = month_name(bulletin.period, settings.lang)
    get_run_logger().info(text(settings.lang, "log.bulletin_written", month=month, path=files.folder))
    return BulletinWritten(period=bulletin.period, folder=str(files.folder), outbox=str(placed))


def run_bulletin(settings: Settings, period: str | None = None) -> tuple[bool, BulletinWritten]:
    """Run the flow once; (succeeded, what it wrote)."""
    completed, written = run_once(bulletin_flow, settings, period)
    return completed, written
