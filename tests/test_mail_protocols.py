"""Mail as real servers and clients do it, against real servers on loopback with certificates of a
throwaway authority: pymap (always) and Dovecot (Debian's dovecot-imapd, installed by `make browser`
as CI does; skipped where it is absent on a developer's machine, never in CI).

- The mailbox's password goes only to the server the certificate proves: an unknown authority, an
  expired certificate, another host's name, a server that drops STARTTLS are refused before LOGIN
  (the server's own log shows no login); the authority named in the operations file is trusted.
- A folder is named as IMAP names it (modified UTF-7), so an accented folder is read.
- With `delete_taken`, only the messages taken are removed (UID EXPUNGE): a message a person had
  marked deleted in a shared mailbox stays for that person to expunge.
- A reply threads in Outlook: `In-Reply-To` and `References` are written as message ids on the
  wire, never as RFC 2047 encoded words, whatever the ids' length (read on the raw bytes sent).
"""

from __future__ import annotations

import os
import re
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from mesa_tumbes.agency_feedback.replies import Thread, notice_answer, review_message
from mesa_tumbes.core.config import Mailbox
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.core.settings import resolve_settings
from mesa_tumbes.core.smtp import NoTlsError, outgoing
from mesa_tumbes.core.tls import Trust
from mesa_tumbes.reception.mailbox import MailboxError, collect, has_new
from tests.builders import free_port, template_csv
from tests.mail_servers import (
    Authority,
    Server,
    dovecot,
    dovecot_available,
    make_authority,
    pymap,
)

DIRESA = "diresa@mesa-tumbes.example"
ACCENTED = "Envíos Mesa"
SHIPPED_OPERATIONS = Path(__file__).resolve().parents[1] / "config" / "operations.yaml"
# An Exchange Online Message-ID as Outlook writes it: about 80 characters.
EXCHANGE_ID = (
    "<MN2PR01MB51230C2B8E5A4F1D9C7B2A3E4F5A6B7C8D9E0F1A2B3C4D5E6F@MN2PR01MB5123.namprd01.prod.outlook.com>"
)


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    return make_authority(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def stranger(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    """Another authority: what a machine in the middle would present."""
    return make_authority(tmp_path_factory.mktemp("other-ca"), name="Someone else's CA")


SERVERS = ["pymap", "dovecot"]


@pytest.fixture(params=SERVERS)
def server(request: pytest.FixtureRequest, tmp_path: Path, authority: Authority) -> Iterator[Server]:
    """An IMAP server with STARTTLS, its certificate signed by `authority`."""
    yield from _server(request.param, tmp_path, authority)


def _server(kind: str, tmp_path: Path, authority: Authority) -> Iterator[Server]:
    if kind == "dovecot" and not dovecot_available():
        if os.environ.get("CI") == "true":
            pytest.fail("dovecot-imapd must be installed in CI (make browser installs it)")
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd, or make browser)")
    start = dovecot if kind == "dovecot" else pymap
    with start(tmp_path / kind, authority, ("Mesa", ACCENTED, "Papelera")) as running:
        yield running


def message_from(sender: str, subject: str, files: dict[str, bytes]) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "mesa@mesa-tumbes.example", subject
    message["Message-ID"] = f"<{subject.replace(' ', '-')}@diresa.example>"
    message.set_content("Adjunto.")
    for name, content in files.items():
        message.add_attachment(content, maintype="application", subtype="octet-stream", filename=name)
    return message.as_bytes()


def put(server: Server, folder: str, raw: bytes, flags: tuple[bytes, ...] = ()) -> None:
    client = server.client()
    client.append(folder, raw, flags=flags)  # type: ignore[attr-defined]
    client.logout()  # type: ignore[attr-defined]


def in_folder(server: Server, folder: str) -> list[tuple[int, tuple[bytes, ...]]]:
    """The messages of a folder, each with its flags, as the mailbox's owner sees them."""
    client = server.client()
    client.select_folder(folder, readonly=True)  # type: ignore[attr-defined]
    uids = client.search("ALL")  # type: ignore[attr-defined]
    flags = client.get_flags(uids) if uids else {}  # type: ignore[attr-defined]
    client.logout()  # type: ignore[attr-defined]
    return sorted((uid, tuple(flags[uid])) for uid in uids)


def report() -> bytes:
    return template_csv(["DIRESA", "2026-10", "240101", "SAL-01", "F", "18-59", "in_destination", "12"])


def take(
    server: Server, tmp_path: Path, reference: Reference, location: str, trust: Trust, **options: object
) -> object:
    return collect(
        location,
        tmp_path / "correo",
        reference,
        5 * 2**20,
        password=server.password,
        archive=tmp_path / "archive",
        options=Mailbox(location, trust, trash=options.pop("trash", None)),  # type: ignore[arg-type]
        **options,  # type: ignore[arg-type]
    )


# --- The certificate, before any password --------------------------------------------------------


def test_a_server_whose_certificate_an_unknown_authority_signed_never_receives_the_password(
    server: Server, tmp_path: Path, reference: Reference, stranger: Authority
) -> None:
    put(server, "Mesa", message_from(DIRESA, "Reporte octubre", {"reporte.csv": report()}))
    before = server.logins()
    location = f"imap://{server.user}@127.0.0.1:{server.port}/Mesa"
    for trust in (Trust(), Trust(ca_file=str(stranger.ca))):  # the system's store; another CA
        with pytest.raises(MailboxError) as refused:
            take(server, tmp_path, reference, location, trust)
        assert refused.value.fault == "certificate" and not refused.value.worth_retrying
        assert has_new(location, tmp_path / "correo", server.password, Mailbox(location, trust)) is None
    assert server.logins() == before  # the server's own log: no LOGIN reached it
    assert not (tmp_path / "correo" / "DIRESA").exists()


@pytest.mark.parametrize("flaw", ["expired", "another host's name"], ids=["expired", "name-mismatch"])
def test_an_expired_certificate_and_one_for_another_host_are_refused(
    flaw: str, tmp_path: Path, reference: Reference
) -> None:
    if flaw == "expired":
        bad = make_authority(tmp_path / "ca", expired=True)
    else:
        bad = make_authority(tmp_path / "ca", hosts=("correo.ministerio.example",))
    with pymap(tmp_path / "pymap", bad, ("Mesa",)) as running:
        before = running.logins()
        location = f"imap://{running.user}@127.0.0.1:{running.port}/Mesa"
        with pytest.raises(MailboxError) as refused:
            take(running, tmp_path, reference, location, Trust(ca_file=str(bad.ca)))
        assert refused.value.fault == "certificate"
        word = "expired" if flaw == "expired" else "mismatch"
        assert word in refused.value.detail.lower()
        assert running.logins() == before


def test_a_server_that_drops_starttls_is_refused_before_the_password(
    tmp_path: Path, reference: Reference, authority: Authority
) -> None:
    """A machine in the middle strips STARTTLS from the capabilities: the client must not carry on
    in the clear. (Only a server named by a loopback address, on this very machine, may.)"""
    with pymap(tmp_path / "pymap", None, ("Mesa",)) as plain:
        before = plain.logins()
        location = f"imap://{plain.user}@localhost:{plain.port}/Mesa"  # a name: it is looked up
        with pytest.raises(MailboxError) as refused:
            take(plain, tmp_path, reference, location, Trust(ca_file=str(authority.ca)))
        assert refused.value.fault == "no_tls"
        assert plain.logins() == before
        # the same server by its loopback address: on this machine, nothing crosses a network
        collected = take(
            plain, tmp_path, reference, f"imap://{plain.user}@127.0.0.1:{plain.port}/Mesa", Trust()
        )
        assert collected.messages == 0  # type: ignore[attr-defined]


def test_dovecot_refuses_the_handshake_and_logs_no_authentication_attempt(
    tmp_path: Path, reference: Reference, authority: Authority, stranger: Authority
) -> None:
    """Dovecot's log, as its administrator reads it, after a Mesa that distrusts its certificate
    connected over IMAPS and over STARTTLS."""
    for server in _server("dovecot", tmp_path, authority):
        assert server.tls_port is not None
        before = server.logins()
        for location in (
            f"imaps://{server.user}@127.0.0.1:{server.tls_port}/Mesa",
            f"imap://{server.user}@127.0.0.1:{server.port}/Mesa",
        ):
            with pytest.raises(MailboxError):
                take(server, tmp_path, reference, location, Trust(ca_file=str(stranger.ca)))
        # the login process writes its line as the connection closes: wait for it (a busy machine
        # took more than half a second)
        deadline = time.monotonic() + 15
        log = server.log.read_text(encoding="utf-8")
        while log.count("no auth attempts") < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            log = server.log.read_text(encoding="utf-8")
        assert log.count("no auth attempts") >= 2 and "unknown ca" in log
        assert server.logins() == before


# --- The authority named in the operations file, any folder name ----------------------------------


def operations_with(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "operations.yaml"
    path.write_text(SHIPPED_OPERATIONS.read_text(encoding="utf-8") + "\n" + extra, encoding="utf-8")
    return path


def test_the_authority_named_in_the_operations_file_is_trusted_and_an_accented_folder_is_read(
    server: Server, tmp_path: Path, reference: Reference, authority: Authority
) -> None:
    put(server, ACCENTED, message_from(DIRESA, "Reporte octubre", {"reporte-octubre.csv": report()}))
    location = f"imap://{server.user}@127.0.0.1:{server.port}/Env%C3%ADos%20Mesa"
    operations = operations_with(tmp_path, f"tls:\n  ca_file: {authority.ca}\n")
    settings = resolve_settings(
        inbox=[location],
        warehouse=str(tmp_path / "mesa.duckdb"),
        environ={"MESA_OPERATIONS": str(operations)},
    )
    options = settings.mailbox(location)
    assert options.trust.ca_file == str(authority.ca)

    assert has_new(location, tmp_path / "correo", server.password, options) is True
    collected = collect(
        location, tmp_path / "correo", reference, 5 * 2**20, password=server.password, options=options
    )
    assert [path.name.endswith("-reporte-octubre.csv") for path in collected.saved] == [True]
    assert collected.saved[0].parent.name == "DIRESA" and collected.saved[0].read_bytes() == report()
    assert has_new(location, tmp_path / "correo", server.password, options) is False


def test_a_folder_that_does_not_exist_is_said_as_such(
    server: Server, tmp_path: Path, reference: Reference, authority: Authority
) -> None:
    location = f"imap://{server.user}@127.0.0.1:{server.port}/Env%C3%ADos"
    with pytest.raises(MailboxError) as refused:
        take(server, tmp_path, reference, location, Trust(ca_file=str(authority.ca)))
    assert (refused.value.fault, refused.value.detail) == ("folder", "Envíos")


def test_each_mailbox_may_have_its_own_password_and_authority(
    tmp_path: Path, authority: Authority, monkeypatch: pytest.MonkeyPatch
) -> None:
    location = "imaps://mesa@correo.gob.example/Env%C3%ADos%20Mesa"
    operations = operations_with(
        tmp_path,
        "mail:\n  mailboxes:\n"
        f'    "imaps://mesa@correo.gob.example/Envíos Mesa":\n'
        f"      password: gore\n      ca_file: {authority.ca}\n      trash: Papelera\n",
    )
    settings = resolve_settings(inbox=[location], environ={"MESA_OPERATIONS": str(operations)})
    options = settings.mailbox(location)
    assert (options.password_variable, options.password_secret) == (
        "MESA_IMAP_PASSWORD_GORE",
        "mesa-imap-password-gore",
    )
    assert options.trust.ca_file == str(authority.ca) and options.trash == "Papelera"
    from mesa_tumbes.reception.mailbox import mailbox_password

    monkeypatch.setenv("MESA_IMAP_PASSWORD", "the-default")
    monkeypatch.setenv("MESA_IMAP_PASSWORD_GORE", "gore-own")
    assert mailbox_password(options) == "gore-own"
    # another mailbox, with nothing of its own: the single variable, and the system's trust store
    other = settings.mailbox("imaps://mesa@otro.example/INBOX")
    assert mailbox_password(other) == "the-default" and other.trust == Trust()


# --- Deleting only what was taken -----------------------------------------------------------------


def test_delete_taken_removes_only_the_messages_taken_and_leaves_a_persons_deleted_one(
    server: Server, tmp_path: Path, reference: Reference, authority: Authority
) -> None:
    """A shared mailbox: a colleague marked a message deleted (and will expunge it when she decides);
    the Mesa takes DIRESA's report and removes it, and only it."""
    put(server, "Mesa", message_from("colega@mesa-tumbes.example", "Borrador", {}), flags=(b"\\Deleted",))
    put(server, "Mesa", message_from(DIRESA, "Reporte octubre", {"reporte.csv": report()}))
    (persons, _), (agencys, _) = in_folder(server, "Mesa")
    location = f"imap://{server.user}@127.0.0.1:{server.port}/Mesa"

    collected = take(
        server, tmp_path, reference, location, Trust(ca_file=str(authority.ca)), delete_taken=True
    )
    assert collected.messages == 1 and collected.left == []  # type: ignore[attr-defined]
    assert in_folder(server, "Mesa") == [(persons, (b"\\Deleted",))]
    assert agencys not in [uid for uid, _ in in_folder(server, "Mesa")]
    assert (tmp_path / "archive").is_dir()  # the message removed was kept as it came


# --- Replies that thread, read on the raw bytes ---------------------------------------------------


class RawMessages:
    def __init__(self) -> None:
        self.raw: list[bytes] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.raw.append(envelope.original_content or b"")
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, RawMessages]]:
    received, port = RawMessages(), free_port()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


def header_lines(raw: bytes, name: str) -> list[bytes]:
    """A header as written on the wire: its first line and its folded continuation lines."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    start = next(n for n, line in enumerate(head) if line.lower().startswith(name.lower().encode() + b":"))
    end = start + 1
    while end < len(head) and head[end][:1] in (b" ", b"\t"):
        end += 1
    return head[start:end]


def ids_on_wire(lines: list[bytes]) -> list[str]:
    value = b" ".join(line.split(b":", 1)[1] if n == 0 else line for n, line in enumerate(lines))
    return re.findall(r'<(?:"[^"]*"|[^<>"\s])*>', value.decode("ascii"))


def test_a_reply_to_an_exchange_message_id_carries_it_unencoded_on_the_wire(
    smtp_server: tuple[int, RawMessages],
) -> None:
    port, received = smtp_server
    assert len(EXCHANGE_ID) > 78
    thread = Thread("Reporte octubre", EXCHANGE_ID, "<hilo@gore.gob.example>")
    with outgoing(f"smtp://127.0.0.1:{port}", "mesa@mesa-tumbes.example") as session:
        session.send(
            review_message("GORE", [DIRESA], "ask", "reporte.xlsx", "2026-10", "¿Cifra?", "es", thread)
        )
    (raw,) = received.raw
    assert header_lines(raw, "In-Reply-To") == [b"In-Reply-To: " + EXCHANGE_ID.encode()]
    assert ids_on_wire(header_lines(raw, "References")) == ["<hilo@gore.gob.example>", EXCHANGE_ID]
    assert b"=?utf-8?" not in b"".join(header_lines(raw, "References"))


def test_replies_still_thread_with_a_998_character_id_a_quoted_local_part_and_fifty_references(
    smtp_server: tuple[int, RawMessages],
) -> None:
    port, received = smtp_server
    longest = "<" + "a" * (998 - len(" <@mx.example>") - 1) + "@mx.example>"
    quoted = '<"ana perez"@gob.example>'
    earlier = " ".join(f"<{n:02d}.{'x' * 40}@hilo.example>" for n in range(48))
    cases = [(longest, ""), (quoted, ""), (EXCHANGE_ID, f"{earlier} {quoted}")]
    with outgoing(f"smtp://127.0.0.1:{port}", "mesa@mesa-tumbes.example") as session:
        for message_id, references in cases:
            thread = Thread("Reporte", message_id, references)
            session.send(notice_answer("no_attachment", DIRESA, "Reporte", "", 10, "es", thread))
    for raw, (message_id, references) in zip(received.raw, cases, strict=True):
        in_reply_to, refs = header_lines(raw, "In-Reply-To"), header_lines(raw, "References")
        assert ids_on_wire(in_reply_to) == [message_id]
        assert ids_on_wire(refs) == [*re.findall(r'<(?:"[^"]*"|[^<>"\s])*>', references), message_id]
        assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
        assert b"=?" not in b"".join(in_reply_to + refs)
    assert len(ids_on_wire(header_lines(received.raw[2], "References"))) == 50


# --- The outgoing server's certificate ------------------------------------------------------------


@pytest.fixture
def smtp_with_tls(authority: Authority) -> Iterator[tuple[int, RawMessages]]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(authority.cert), str(authority.key))
    received, port = RawMessages(), free_port()
    controller = Controller(
        received, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True
    )
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


def test_the_outgoing_server_is_checked_as_the_mailboxes_are(
    smtp_with_tls: tuple[int, RawMessages], authority: Authority, stranger: Authority
) -> None:
    port, received = smtp_with_tls
    message = notice_answer("no_attachment", DIRESA, "Reporte", "", 10, "es")
    with (
        pytest.raises(ssl.SSLCertVerificationError),
        outgoing(f"smtp://127.0.0.1:{port}", "mesa@mesa-tumbes.example", trust=Trust(str(stranger.ca))) as s,
    ):
        s.send(message)
    with outgoing(
        f"smtp://127.0.0.1:{port}", "mesa@mesa-tumbes.example", trust=Trust(str(authority.ca))
    ) as s:
        s.send(message)
    assert len(received.raw) == 1


def test_an_outgoing_server_without_starttls_is_refused_beyond_this_machine(
    smtp_server: tuple[int, RawMessages],
) -> None:
    port, received = smtp_server
    with (
        pytest.raises(NoTlsError),
        outgoing(f"smtp://localhost:{port}", "mesa@mesa-tumbes.example") as session,
    ):
        session.send(notice_answer("no_attachment", DIRESA, "Reporte", "", 10, "es"))
    assert received.raw == []


# --- What the officer reads -----------------------------------------------------------------------


@pytest.mark.e2e
def test_a_run_whose_mailbox_fails_its_certificate_says_why_in_spanish_and_no_traceback(
    prefect_api: str, tmp_path: Path, authority: Authority, stranger: Authority
) -> None:
    with pymap(tmp_path / "pymap", authority, ("Mesa",)) as running:
        put(running, "Mesa", message_from(DIRESA, "Reporte octubre", {"reporte.csv": report()}))
        before = running.logins()
        operations = operations_with(tmp_path, f"tls:\n  ca_file: {stranger.ca}\n")
        result = subprocess.run(
            [sys.executable, "-m", "mesa_tumbes", "run", "--inbox",
             f"imap://{running.user}@127.0.0.1:{running.port}/Mesa",
             "--warehouse", str(tmp_path / "mesa.duckdb")],
            capture_output=True, text=True, timeout=300, cwd=tmp_path,
            env={**os.environ, "MESA_OPERATIONS": str(operations), "MESA_IMAP_PASSWORD": running.password,
                 "PREFECT_API_URL": prefect_api, "MESA_INBOX_RETRY_DELAY_SECONDS": "0.1"},
        )  # fmt: skip
        assert running.logins() == before
    said = result.stdout + result.stderr
    assert "el certificado del servidor no pasó la verificación" in said, said
    assert "Traceback" not in said
