"""A mailbox inbox (`imaps://user@server/INBOX`): each new message's spreadsheets become files of the
agency its sender's address belongs to (agencies.yaml, `emails`), written into a local spool,
<spool>/<AGENCY>/<date>-<uid>-<name>, that the intake then takes as it takes any inbox.

Only what the person attached as a table is taken: the images and inline parts mail clients add
(signature logos, pasted pictures: `image001.png` with a Content-ID) are decoration and never become
submissions; a file attached that is not a table (a PDF, a Word document) is named in the reply; a
forwarded message (`.eml`) is read for the files inside it. Each message taken is handed to a
`record` callback (its id, subject and thread, the names its files had) before it counts as taken:
the one reply to it covers every file it brought, in its thread, under the names the agency gave.

A message is taken once: the mailbox's UIDVALIDITY and the UIDs taken are kept beside the spool, and
an attachment taken twice is the same bytes (the intake answers it as a duplicate). Messages are
read without being marked as read and never deleted unless the operations file says so, and then
only those taken (UID EXPUNGE); a message a person marked deleted is left to that person.

The server is spoken to through IMAPClient: over TLS whose certificate and host name are checked
(core/tls.py) before the password is sent, folder names in IMAP's modified UTF-7. What cannot
become a submission (a sender of no agency, no table attached, an attachment over the size limit,
an encrypted message) becomes a notice: the sender is answered and the officer is shown it.
"""

from __future__ import annotations

import datetime as dt
import email
import email.header
import email.policy
import email.utils
import hashlib
import imaplib
import io
import json
import logging
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import unquote, urlsplit

from mesa_tumbes.core.config import Mailbox
from mesa_tumbes.core.contract import TABLE_SUFFIXES
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.core.settings import variable
from mesa_tumbes.core.tls import certificate_problem, on_this_machine
from mesa_tumbes.reception.archive import archive_stream

if TYPE_CHECKING:
    from imapclient import IMAPClient

log = logging.getLogger(__name__)

PASSWORD_VARIABLE = "MESA_IMAP_PASSWORD"
TIMEOUT_SECONDS = 60
DELETED = b"\\Deleted"
# What talking to a mailbox raises: the network's and TLS's errors, and imapclient's (imaplib's).
READ_ERRORS: tuple[type[Exception], ...] = (OSError, imaplib.IMAP4.error)
MailboxFault = Literal["unreachable", "certificate", "no_tls", "ca", "login", "folder"]
T = TypeVar("T")
NoticeKind = Literal[
    "unknown_sender", "no_attachment", "attachment_too_large", "encrypted", "not_a_table"
]  # fmt: skip
# Parts that sign a message or are its body: never submissions.
SIGNATURE_TYPES = {
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
    "application/pgp-signature",
}
ENCRYPTED_TYPES = {"application/pkcs7-mime", "application/x-pkcs7-mime", "multipart/encrypted"}
# A forwarded message attached as a file rather than as a message part.
FORWARDED_SUFFIX = ".eml"
# How deep forwarded messages inside forwarded messages are opened.
MAX_FORWARD_DEPTH = 3
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
    message_id: str = ""  # the message's Message-ID: the answer is a reply in its thread
    references: str = ""  # its References header (the thread before it)
    raw_sha256: str = ""  # the message as received, in the archive (empty: not downloaded)

    @property
    def key(self) -> str:
        """Stable id: a notice is recorded, and its sender answered, once."""
        raw = f"{self.mailbox}\n{self.uid}\n{self.kind}\n{self.detail}"
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class TakenMessage:
    """A message whose tables were saved to the spool: what its reply needs to thread it, and the
    names the agency gave its files."""

    key: str  # UIDVALIDITY:UID in the mailbox
    mailbox: str
    sender: str
    subject: str
    message_id: str
    references: str
    agency: str
    received_at: dt.datetime
    files: tuple[tuple[str, str], ...]  # (path in the spool, relative to the agency folder; the name as sent)
    not_tables: tuple[str, ...] = ()  # files attached that are not tables (a PDF...): said in the reply
    raw_sha256: str = ""  # the message as received, in the archive
    sender_verified: bool = False  # the receiving server authenticated the From domain (sender_verified)


@dataclass(frozen=True)
class Attached:
    """A part of a message the person attached: a table to take, or a file that is not one."""

    name: str  # as written in the message (decoded), for people
    content: bytes
    is_table: bool


@dataclass
class Collected:
    """What one pass over a mailbox did."""

    saved: list[Path] = field(default_factory=list)
    notices: list[MailNotice] = field(default_factory=list)
    messages: int = 0
    taken: list[TakenMessage] = field(default_factory=list)
    left: list[int] = field(default_factory=list)  # UIDs to delete that the server could not remove alone


def public_url(location: str) -> str:
    """The mailbox's URL as logs and notices show it (it never holds a password: see locations)."""
    parts = urlsplit(location)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.username}@{parts.hostname}{port}{parts.path}"


class MailboxError(ConnectionError):
    """A mailbox that could not be read, and why (`fault`, said to the officer through the locales,
    `mail.fault.<fault>`): `unreachable` (no answer; retried), `certificate` (the server's
    certificate failed the check: expired, self-signed, another name, an unknown CA), `no_tls` (a
    server reached over a network that does not offer STARTTLS: the password is never sent in the
    clear), `ca` (the CA file or folder configured cannot be read), `login` (the user or password
    refused), `folder` (no such folder)."""

    def __init__(self, fault: MailboxFault, detail: str = "") -> None:
        super().__init__(fault, detail)
        self.fault, self.detail = fault, detail

    def __str__(self) -> str:
        return f"{self.fault}: {self.detail}"

    @property
    def worth_retrying(self) -> bool:
        """Only a server that did not answer may answer on the next attempt."""
        return self.fault == "unreachable"


def collect(
    location: str,
    spool: Path,
    reference: Reference,
    max_bytes: int,
    password: str | None = None,
    delete_taken: bool = False,
    record: Callable[[TakenMessage], None] | None = None,
    archive: Path | None = None,
    authserv_id: str | None = None,
    options: Mailbox | None = None,
) -> Collected:
    """Take every message of the mailbox not taken before (and not marked deleted by a person);
    `record` is called with each message whose files were saved, before the message counts as
    taken. Each message read whole is first kept, as received, in `archive` (by its SHA-256, like
    any file): only such a message is removed from the server when `delete_taken`, and only it (UID
    EXPUNGE, or a move to the mailbox's `trash`). Raises MailboxError when the server cannot be
    reached, fails the certificate check or refuses the login: the flow retries what may change,
    then reports the inbox as unreachable, saying why."""
    options = options or Mailbox(location)
    password = password if password is not None else mailbox_password(options) or ""
    state_path = _state_path(spool, location)
    collected = Collected()
    with _session(location, password, options) as (client, validity):
        state = _read_state(state_path, validity)
        kept_uids = []
        for uid in _new_uids(client, state):
            notices, taken, kept = _take(
                client, uid, validity, location, spool, reference, max_bytes, archive, authserv_id
            )
            if taken is not None and record is not None:
                record(taken)
            collected.notices += notices
            collected.saved += [spool / taken.agency / path for path, _ in taken.files] if taken else []
            collected.taken += [taken] if taken else []
            collected.messages += 1
            state["taken"].append(uid)
            _write_state(state_path, state)  # after each message: a crash never retakes the ones done
            kept_uids += [uid] if kept else []
        if delete_taken and kept_uids:
            collected.left = _remove(client, kept_uids, options.trash)
    return collected


def mailbox_password(options: Mailbox) -> str | None:
    """The mailbox's password from the environment: its own variable when the operations file names
    one (MESA_IMAP_PASSWORD_<NAME>), else MESA_IMAP_PASSWORD."""
    return variable(options.password_variable or PASSWORD_VARIABLE)


def has_new(
    location: str, spool: Path, password: str | None = None, options: Mailbox | None = None
) -> bool | None:
    """Whether the mailbox holds a message not taken before: one login and one search, nothing
    fetched or marked. None when it cannot tell (no password at hand, the server not answering or
    refused): the run then asks, retries and reports why."""
    options = options or Mailbox(location)
    password = password if password is not None else mailbox_password(options)
    if not password:
        return None
    try:
        with _session(location, password, options, readonly=True) as (client, validity):
            return bool(_new_uids(client, _read_state(_state_path(spool, location), validity)))
    except READ_ERRORS:
        return None


def _state_path(spool: Path, location: str) -> Path:
    """Where the UIDs taken from this mailbox are kept, beside the spool."""
    return spool / f".mailbox-{hashlib.sha256(public_url(location).encode()).hexdigest()[:12]}.json"


@contextmanager
def _session(
    location: str, password: str, options: Mailbox, readonly: bool = False
) -> Iterator[tuple[IMAPClient, str]]:
    """Logged in, over TLS whose certificate and host name were checked, with the URL's folder
    selected (its name sent in IMAP's modified UTF-7, whatever its letters); the folder's
    UIDVALIDITY. The password is sent only once TLS holds (or to a loopback address)."""
    from imapclient import IMAPClient

    parts = urlsplit(location)
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    host = parts.hostname or ""
    try:
        context = options.trust.context()
    except OSError as error:
        raise MailboxError("ca", str(error)) from error
    client = _guarded(
        lambda: IMAPClient(
            host,
            parts.port or (993 if parts.scheme == "imaps" else 143),
            ssl=parts.scheme == "imaps",
            ssl_context=context,
            timeout=TIMEOUT_SECONDS,
        )
    )
    client.normalise_times = False  # INTERNALDATE as the server gives it, with its offset
    try:
        if parts.scheme == "imap":
            if _guarded(lambda: client.has_capability("STARTTLS")):
                _guarded(lambda: client.starttls(context))
            elif not on_this_machine(host):
                raise MailboxError("no_tls", host)
        _guarded(lambda: client.login(unquote(parts.username or ""), password))
        selected = _guarded(lambda: _select(client, folder, readonly))
        yield client, str(selected.get(b"UIDVALIDITY") or "0")
    finally:
        with suppress(*READ_ERRORS):
            client.logout()


def _select(client: IMAPClient, folder: str, readonly: bool) -> dict[bytes, Any]:
    from imapclient.exceptions import IMAPClientError

    try:
        selected: dict[bytes, Any] = client.select_folder(folder, readonly=readonly)
    except IMAPClientError:
        if not client.folder_exists(folder):
            raise MailboxError("folder", folder) from None
        raise
    return selected


def _guarded(step: Callable[[], T]) -> T:
    """An exchange with the server, its failure said as a MailboxError of the right fault."""
    from imapclient.exceptions import IMAPClientError, LoginError

    try:
        return step()
    except MailboxError:
        raise
    except LoginError as error:
        raise MailboxError("login", _text(error)) from error
    except OSError as error:
        problem = certificate_problem(error)
        if problem is not None:
            raise MailboxError("certificate", problem) from error
        raise MailboxError("unreachable", f"{type(error).__name__}: {error}") from error
    except IMAPClientError as error:
        raise MailboxError("unreachable", f"IMAP: {_text(error)}") from error


def _remove(client: IMAPClient, uids: list[int], trash: str | None) -> list[int]:
    """The messages taken removed from the server, and only they: UID EXPUNGE (RFC 4315) where the
    server offers UIDPLUS (a plain EXPUNGE would also remove what a person marked deleted in a
    shared mailbox), else moved to `trash` where the server offers MOVE. Those left, when it can do
    neither (they stay, marked as nothing: the officer is told)."""
    if client.has_capability("UIDPLUS"):
        client.add_flags(uids, [DELETED])
        client.uid_expunge(uids)
        return []
    if trash and client.has_capability("MOVE"):
        client.move(uids, trash)
        return []
    return uids


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


def _new_uids(client: IMAPClient, state: dict[str, Any]) -> list[int]:
    """The messages not taken before, leaving alone those a person marked deleted."""
    taken = {int(uid) for uid in state["taken"]}
    found = _guarded(lambda: client.search(["UNDELETED"]))
    return sorted(int(uid) for uid in found if int(uid) not in taken)


def _take(
    client: IMAPClient,
    uid: int,
    validity: str,
    location: str,
    spool: Path,
    reference: Reference,
    max_bytes: int,
    archive: Path | None = None,
    authserv_id: str | None = None,
) -> tuple[list[MailNotice], TakenMessage | None, bool]:
    """One message: its tables saved under its agency's folder, and notices for what could not be;
    whether the message itself was kept in the archive."""
    envelope = _guarded(lambda: client.fetch([uid], ["RFC822.SIZE", "INTERNALDATE", "BODY.PEEK[HEADER]"]))
    size, received_at, header = _envelope(envelope.get(uid))
    message = _parse(header)
    sender = email.utils.parseaddr(str(message.get("From", "")))[1].strip()
    subject = _header(message, "Subject")[:200]
    message_id, references = _header(message, "Message-ID"), _header(message, "References")
    agency = reference.agency_of_address(sender) if sender else None

    def notice(kind: NoticeKind, detail: str = "") -> MailNotice:
        return MailNotice(
            kind,
            public_url(location),
            f"{validity}:{uid}",
            sender,
            subject,
            received_at,
            agency,
            detail,
            message_id,
            references,
            raw,
        )

    raw = ""
    if size > MESSAGE_OVERHEAD * max_bytes + 1_000_000:
        kind: NoticeKind = "unknown_sender" if agency is None else "attachment_too_large"
        return [notice(kind, "" if agency is None else _megabytes(size))], None, False
    whole = _part(_guarded(lambda: client.fetch([uid], ["BODY.PEEK[]"])).get(uid), b"BODY[]")
    if archive is not None:
        raw = archive_stream(io.BytesIO(whole), archive).sha256
    kept = archive is not None
    if agency is None:
        return [notice("unknown_sender")], None, kept
    message = _parse(whole)
    if message.get_content_type() in ENCRYPTED_TYPES or any(
        part.get_content_type() in ENCRYPTED_TYPES for part in message.walk()
    ):
        return [notice("encrypted")], None, kept
    notices, files, others = [], [], []
    for number, item in enumerate(attached_files(message), start=1):
        if not item.is_table:
            others.append(item.name)
            continue
        if len(item.content) > max_bytes:
            notices.append(notice("attachment_too_large", f"{item.name} ({_megabytes(len(item.content))})"))
            continue
        name = f"{received_at:%Y%m%d}-{uid}-{safe_name(item.name, number)}"
        _save(spool / agency, name, item.content, received_at)
        files.append((name, item.name or safe_name("", number)))
    if not files:
        if others:
            notices.append(notice("not_a_table", ", ".join(others)))
        elif not notices:
            notices.append(notice("no_attachment"))
        return notices, None, kept
    taken = TakenMessage(
        f"{validity}:{uid}",
        public_url(location),
        sender,
        subject,
        message_id,
        references,
        agency,
        received_at,
        tuple(files),
        tuple(others),
        raw,
        sender_verified(message, sender, authserv_id),
    )
    return notices, taken, kept


# A result of Authentication-Results (RFC 8601): method=result, then properties such as header.d=...
_RESULT = re.compile(r"\b(dmarc|dkim|spf)\s*=\s*(\w+)([^;]*)", re.IGNORECASE)
_PROPERTY = re.compile(
    r"\b(header\.from|header\.d|header\.i|smtp\.mailfrom|smtp\.from)\s*=\s*\"?([^\s;\"]+)", re.I
)


def sender_verified(message: EmailMessage, sender: str, authserv_id: str | None) -> bool:
    """Whether the receiving server `authserv_id` authenticated the domain of the From address: its
    Authentication-Results says dmarc=pass for it, or dkim=pass or spf=pass for an aligned domain
    (the same or a parent/child of From's). Headers of any other server are ignored: anyone can write
    them. Without a server named, no message counts as authenticated."""
    if not authserv_id or "@" not in sender:
        return False
    domain = sender.rsplit("@", 1)[1].lower()
    for header in message.get_all("Authentication-Results", []) or []:
        value = " ".join(str(header).split())
        server, _, results = value.partition(";")
        if server.strip().split(" ")[0].lower() != authserv_id.lower():
            continue
        for method, result, properties in _RESULT.findall(results):
            if result.lower() != "pass":
                continue
            named = [v.rsplit("@", 1)[-1].lower() for _, v in _PROPERTY.findall(properties)]
            if method.lower() == "dmarc" and (not named or domain in named):
                return True
            if any(_aligned(domain, other) for other in named):
                return True
    return False


def _aligned(domain: str, other: str) -> bool:
    """Relaxed alignment, as DMARC's: the same domain, or one under the other."""
    return domain == other or domain.endswith("." + other) or other.endswith("." + domain)


def _header(message: EmailMessage, name: str) -> str:
    """A header as text, one line; empty when absent or unreadable."""
    try:
        value = message.get(name, "")
    except (ValueError, IndexError):  # a header the parser cannot make sense of
        return ""
    return " ".join(str(value).split())


def _envelope(data: dict[bytes, Any] | None) -> tuple[int, dt.datetime, bytes]:
    """The message's size, when the server received it, and its header, from a FETCH answer."""
    header = _part(data, b"BODY[HEADER]")
    assert data is not None  # _part refused an empty answer
    moment = data.get(b"INTERNALDATE")
    received = (
        moment.astimezone(dt.UTC)
        if isinstance(moment, dt.datetime) and moment.tzinfo is not None
        else dt.datetime.now(dt.UTC)
    )
    return int(data.get(b"RFC822.SIZE") or 0), received, header


def _part(data: dict[bytes, Any] | None, key: bytes) -> bytes:
    """One item of a FETCH answer, or the MailboxError of a server that did not give it."""
    value = (data or {}).get(key)
    if not isinstance(value, bytes):
        raise MailboxError("unreachable", f"IMAP: a FETCH answer without {key.decode()}: {data!r}")
    return value


def _parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def attached_files(message: EmailMessage, depth: int = 0) -> Iterator[Attached]:
    """The files a person attached to the message, also inside forwarded messages (as message parts
    or as `.eml` files). Never its text, its signatures, nor the decoration mail clients add: an
    image or any inline part shown in the body (it has a Content-ID or is marked inline) that is not
    named as a table. A table is told by its name's ending (CSV, Excel, OpenDocument, or none)."""
    for part in message.walk():
        if part.is_multipart() or part.get_content_type() in SIGNATURE_TYPES:
            continue
        name = _filename(part)
        disposition = part.get_content_disposition()
        if disposition != "attachment" and not name:
            continue  # the message's text, plain or HTML
        suffix = PurePath(name).suffix.lower() if name else None
        if suffix == FORWARDED_SUFFIX or part.get_content_type() == "message/rfc822":
            if depth < MAX_FORWARD_DEPTH:
                inner = part.get_payload(decode=True)
                if isinstance(inner, bytes):
                    yield from attached_files(_parse(inner), depth + 1)
            continue
        is_table = suffix is not None and suffix in TABLE_SUFFIXES
        if not is_table and _decoration(part, disposition):
            continue
        content = part.get_payload(decode=True)
        if isinstance(content, bytes):
            yield Attached(name or "", content, is_table)


def _filename(part: EmailMessage) -> str:
    """The part's file name as the person wrote it (RFC 2231 and encoded words decoded)."""
    try:
        name = part.get_filename() or ""
    except (ValueError, IndexError, LookupError):
        return ""
    if "=?" in name:  # an encoded word inside a quoted name, as some clients write it
        with suppress(ValueError, LookupError):
            name = str(email.header.make_header(email.header.decode_header(name)))
    return " ".join(name.split())


def _decoration(part: EmailMessage, disposition: str | None) -> bool:
    """What a mail client adds to the body: an inline part, one referenced by the HTML (Content-ID),
    or an image without a name."""
    return (
        disposition == "inline"
        or part.get("Content-ID") is not None
        or (part.get_content_maintype() == "image" and not part.get_filename())
    )


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
