"""A mailbox inbox (`imaps://user@server/INBOX`): each new message's attachments become files of the
agency its sender's address belongs to (agencies.yaml, `emails`), written into a local spool,
<spool>/<AGENCY>/<date>-<uid>-<name>, that the intake then takes as it takes any inbox.

A message is taken once: the mailbox's UIDVALIDITY and the UIDs taken are kept beside the spool, and
an attachment taken twice is the same bytes (the intake answers it as a duplicate). Messages are
read without being marked as read and never deleted unless the operations file says so. What cannot
become a submission (a sender of no agency, no usable attachment, an attachment over the size limit,
an encrypted message) becomes a notice: the sender is answered and the officer is shown it.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import hashlib
import imaplib
import json
import logging
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path, PurePath
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from core.reference import Reference

log = logging.getLogger(__name__)

PASSWORD_VARIABLE = "MESA_IMAP_PASSWORD"
NoticeKind = Literal["unknown_sender", "no_attachment", "attachment_too_large", "encrypted"]
# Parts that sign a message or are its body: never submissions.
SIGNATURE_TYPES = {
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
    "application/pgp-signature",
}
ENCRYPTED_TYPES = {"application/pkcs7-mime", "application/x-pkcs7-mime", "multipart/encrypted"}
# What an attachment's name keeps: letters, digits and a few signs; never a folder.
UNSAFE_NAME = re.compile(r"[^\w.\- ()]+")
MAX_NAME = 120
# A message this much larger than the file limit is not even downloaded (headers only).
MESSAGE_OVERHEAD = 2


@dataclass(frozen=True)
class MailNotice:
    """A message (or one attachment of it) that did not become a submission: why, and who sent it."""

    kind: NoticeKind
    mailbox: str  # the mailbox's URL, without credentials
    uid: str  # UIDVALIDITY:UID, unique in the mailbox
    sender: str
    subject: str
    received_at: dt.datetime
    agency: str | None = None
    detail: str = ""  # the attachment's name and size, where one is concerned

    @property
    def key(self) -> str:
        """Stable id: a notice is recorded, and its sender answered, once."""
        raw = f"{self.mailbox}\n{self.uid}\n{self.kind}\n{self.detail}"
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


@dataclass
class Collected:
    """What one pass over a mailbox did."""

    saved: list[Path] = field(default_factory=list)
    notices: list[MailNotice] = field(default_factory=list)
    messages: int = 0


def public_url(location: str) -> str:
    """The mailbox's URL as logs and notices show it (it never holds a password: see locations)."""
    parts = urlsplit(location)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.username}@{parts.hostname}{port}{parts.path}"


def collect(
    location: str,
    spool: Path,
    reference: Reference,
    max_bytes: int,
    password: str | None = None,
    delete_taken: bool = False,
) -> Collected:
    """Take every message of the mailbox not taken before. Raises OSError (imaplib.IMAP4.error is
    turned into ConnectionError) when the server cannot be reached or refuses the login: the flow
    retries, then reports the inbox as unreachable."""
    password = password if password is not None else os.environ.get(PASSWORD_VARIABLE, "")
    state_path = spool / f".mailbox-{hashlib.sha256(public_url(location).encode()).hexdigest()[:12]}.json"
    collected = Collected()
    with _session(location, password) as (imap, validity):
        state = _read_state(state_path, validity)
        for uid in _new_uids(imap, state):
            notices, saved = _take(imap, uid, validity, location, spool, reference, max_bytes)
            collected.notices += notices
            collected.saved += saved
            collected.messages += 1
            state["taken"].append(uid)
            _write_state(state_path, state)  # after each message: a crash never retakes the ones done
            if delete_taken:
                imap.uid("STORE", str(uid), "+FLAGS", "(\\Deleted)")
        if delete_taken and collected.messages:
            imap.expunge()
    return collected


@contextmanager
def _session(location: str, password: str) -> Iterator[tuple[imaplib.IMAP4, str]]:
    parts = urlsplit(location)
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    try:
        if parts.scheme == "imaps":
            imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(parts.hostname or "", parts.port or 993, timeout=60)
        else:
            imap = imaplib.IMAP4(parts.hostname or "", parts.port or 143, timeout=60)
            if "STARTTLS" in imap.capabilities:
                imap.starttls()
        imap.login(unquote(parts.username or ""), password)
        kind, data = imap.select(_quoted(folder), readonly=False)
        if kind != "OK":
            raise ConnectionError(f"cannot open the folder {folder}: {data!r}")
        _, validity = imap.response("UIDVALIDITY")
    except imaplib.IMAP4.error as error:
        raise ConnectionError(f"IMAP: {error}") from error
    try:
        yield imap, _text(validity[0]) if validity and validity[0] else "0"
    finally:
        with suppress(OSError, imaplib.IMAP4.error):
            imap.logout()


def _quoted(folder: str) -> str:
    return f'"{folder}"' if " " in folder else folder


def _read_state(path: Path, validity: str) -> dict[str, Any]:
    """The UIDs taken from the mailbox; a new UIDVALIDITY (the server renumbered it) starts over:
    what was taken is then taken again, and answered as duplicates, never loaded twice."""
    if path.exists():
        state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        if state.get("uidvalidity") == validity:
            return state
    return {"uidvalidity": validity, "taken": []}


def _write_state(path: Path, state: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.writing")
    staging.write_text(json.dumps(state), encoding="utf-8")
    staging.replace(path)


def _new_uids(imap: imaplib.IMAP4, state: dict[str, Any]) -> list[int]:
    taken = {int(uid) for uid in state["taken"]}
    _, data = imap.uid("SEARCH", "ALL")
    found = [int(uid) for uid in _text(data[0] or b"").split()]
    return sorted(uid for uid in found if uid not in taken)


def _take(
    imap: imaplib.IMAP4,
    uid: int,
    validity: str,
    location: str,
    spool: Path,
    reference: Reference,
    max_bytes: int,
) -> tuple[list[MailNotice], list[Path]]:
    """One message: its attachments saved under its agency's folder, or notices saying why not."""
    _, data = imap.uid("FETCH", str(uid), "(RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER])")
    size, received_at, header = _envelope(data)
    message = _parse(header)
    sender = email.utils.parseaddr(str(message.get("From", "")))[1].strip()
    subject = str(message.get("Subject", ""))[:200]
    agency = reference.agency_of_address(sender) if sender else None

    def notice(kind: NoticeKind, detail: str = "") -> MailNotice:
        return MailNotice(
            kind, public_url(location), f"{validity}:{uid}", sender, subject, received_at, agency, detail
        )

    if agency is None:
        return [notice("unknown_sender")], []
    if size > MESSAGE_OVERHEAD * max_bytes + 1_000_000:
        return [notice("attachment_too_large", _megabytes(size))], []
    _, data = imap.uid("FETCH", str(uid), "(BODY.PEEK[])")
    message = _parse(next(part[1] for part in data if isinstance(part, tuple)))
    if message.get_content_type() in ENCRYPTED_TYPES or any(
        part.get_content_type() in ENCRYPTED_TYPES for part in message.walk()
    ):
        return [notice("encrypted")], []
    notices, saved = [], []
    for number, part in enumerate(_attachments(message), start=1):
        name = safe_name(part.get_filename() or "", number)
        content = part.get_payload(decode=True)
        if not isinstance(content, bytes):
            continue
        if len(content) > max_bytes:
            notices.append(notice("attachment_too_large", f"{name} ({_megabytes(len(content))})"))
            continue
        saved.append(_save(spool / agency, f"{received_at:%Y%m%d}-{uid}-{name}", content, received_at))
    if not saved and not notices:
        notices.append(notice("no_attachment"))
    return notices, saved


def _envelope(data: list[object]) -> tuple[int, dt.datetime, bytes]:
    """The message's size, when the server received it, and its header, from a FETCH answer."""
    for item in data:
        if isinstance(item, tuple):
            meta, header = _text(item[0]), item[1]
            size = re.search(r"RFC822\.SIZE (\d+)", meta)
            moment = imaplib.Internaldate2tuple(item[0])  # local time, as time.localtime gives
            received = (
                dt.datetime.fromtimestamp(time.mktime(moment), tz=dt.UTC)
                if moment
                else dt.datetime.now(dt.UTC)
            )
            return int(size.group(1)) if size else 0, received, header
    raise ConnectionError(f"IMAP: unexpected FETCH answer {data!r}")


def _parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _attachments(message: EmailMessage) -> Iterator[EmailMessage]:
    """The parts that are files: attachments, and inline parts with a file name, without signatures.
    A message's text (plain or HTML) is never a submission."""
    for part in message.walk():
        if part.is_multipart() or part.get_content_type() in SIGNATURE_TYPES:
            continue
        if part.get_content_disposition() == "attachment" or part.get_filename():
            yield part


def safe_name(written: str, number: int) -> str:
    """An attachment's name as a file name in one folder: no folders (`../`, absolute paths, `\\`),
    no hidden names, nothing but ordinary characters, the extension kept."""
    base = PurePath(written.replace("\\", "/")).name
    cleaned = UNSAFE_NAME.sub("_", base).strip(" .")
    if not cleaned:
        return f"adjunto-{number}"
    stem, dot, suffix = cleaned.rpartition(".")
    if dot and len(suffix) <= 8:
        return f"{stem[: MAX_NAME - len(suffix) - 1]}.{suffix}"
    return cleaned[:MAX_NAME]


def _save(folder: Path, name: str, content: bytes, received_at: dt.datetime) -> Path:
    """Written apart and renamed (the intake never sees half a file); dated as the message."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    staging = folder / f".{name}.writing"
    staging.write_bytes(content)
    moment = received_at.timestamp()
    os.utime(staging, (moment, moment))
    staging.replace(target)
    return target


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.1f} MB"


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
