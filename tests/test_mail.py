"""E-mail in and out, against real servers on loopback: pymap (IMAP, in-memory) holds the Mesa's
mailbox, aiosmtpd (SMTP) receives what the pipeline sends. Files sent as attachments by an agency's
address load as that agency's; its feedback goes to its addresses only; a rerun sends and loads
nothing; what cannot be loaded is answered and recorded for the officer."""

from __future__ import annotations

import imaplib
import subprocess
import sys
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from core.settings import Settings, resolve_settings
from reception.mailbox import safe_name
from tests.builders import free_port, template_csv
from warehouse.operations import deliveries, mail_notices
from warehouse.store import connect

pytestmark = pytest.mark.e2e

IMAP_USER, IMAP_PASSWORD, FOLDER = "demouser", "demopass", "Mesa"
DIRESA = "diresa@mesa-tumbes.example"
MESA = "mesa@mesa-tumbes.example"
# pymap's command, installed beside the interpreter by the project's set-up (requirements.lock).
PYMAP = str(Path(sys.executable).parent / "pymap")


@pytest.fixture
def imap_port() -> Iterator[int]:
    """pymap's in-memory server, with its demo user, and an empty folder for the Mesa."""
    port = free_port()
    server = subprocess.Popen(
        [PYMAP, "--host", "127.0.0.1", "--port", str(port), "--no-tls", "dict", "--demo-data"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with imaplib.IMAP4("127.0.0.1", port, timeout=5) as imap:
                    imap.login(IMAP_USER, IMAP_PASSWORD)
                    imap.create(FOLDER)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


class Received:
    """What the SMTP server was handed: each message with its envelope's recipients."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.original_content or b""
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Received]]:
    received = Received()
    port = free_port()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


def deliver(
    port: int, sender: str, subject: str, attachments: dict[str, bytes], body: str = "Adjunto."
) -> None:
    """A message as an agency's mail client sends it, put into the Mesa's folder."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, MESA, subject
    message["Date"] = "Mon, 02 Nov 2026 09:00:00 -0500"
    message.set_content(body)
    for name, content in attachments.items():
        message.add_attachment(content, maintype="application", subtype="octet-stream", filename=name)
    with imaplib.IMAP4("127.0.0.1", port, timeout=10) as imap:
        imap.login(IMAP_USER, IMAP_PASSWORD)
        kind, _ = imap.append(FOLDER, "", imaplib.Time2Internaldate(time.time()), message.as_bytes())
        assert kind == "OK"


def settings_for(
    tmp_path: Path, imap: int, smtp: int, monkeypatch: pytest.MonkeyPatch, **environ: str
) -> Settings:
    monkeypatch.setenv("MESA_IMAP_PASSWORD", IMAP_PASSWORD)
    return resolve_settings(
        inbox=[f"imap://{IMAP_USER}@127.0.0.1:{imap}/{FOLDER}"],
        warehouse=str(tmp_path / "mesa.duckdb"),
        feedback=str(tmp_path / "feedback"),
        environ={
            "MESA_SMTP_URL": f"smtp://127.0.0.1:{smtp}",
            "MESA_MAIL_FROM": MESA,
            "MESA_INBOX_RETRIES": "1",
            "MESA_INBOX_RETRY_DELAY_SECONDS": "0.1",
            **environ,
        },
    )


def attached(message: EmailMessage) -> dict[str, bytes]:
    return {
        str(part.get_filename()): part.get_payload(decode=True)  # type: ignore[misc]
        for part in message.iter_attachments()
    }


def report_rows() -> bytes:
    return template_csv(
        ["DIRESA", "2026-10", "240101", "SAL-01", "F", "18-59", "in_destination", "12"],
        ["DIRESA", "2026-10", "240101", "SAL-01", "M", "18-59", "in_destination", "doce"],
    )


def test_an_agency_file_sent_by_mail_loads_and_its_feedback_goes_to_its_addresses_once(
    prefect_api: str,
    tmp_path: Path,
    imap_port: int,
    smtp: tuple[int, Received],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flows.intake import run_intake

    smtp_port, received = smtp
    deliver(
        imap_port,
        f"Estadística DIRESA <{DIRESA.upper()}>",
        "Reporte octubre",
        {"reporte-octubre.csv": report_rows()},
    )
    settings = settings_for(tmp_path, imap_port, smtp_port, monkeypatch)

    succeeded, report = run_intake(settings)
    assert succeeded, report
    (entry,) = report.submissions
    assert (
        entry.agency == "DIRESA"
        and entry.file.startswith("DIRESA/")
        and entry.file.endswith("-reporte-octubre.csv")
    )
    assert (entry.status, entry.rows_loaded, entry.rows_rejected) == ("partially_accepted", 1, 1)

    # exactly one e-mail, to DIRESA's addresses only, the summary in the body and the problems attached
    ((to, message),) = received.messages
    assert to == [DIRESA] and message["To"] == DIRESA and message["From"] == MESA
    assert "Aceptado parcialmente" in str(message["Subject"])
    body = message.get_body(preferencelist=("plain",))
    assert body is not None and "rechazadas: 1" in body.get_content()
    files = attached(message)
    assert {"resumen.html", "problemas.csv", "plantilla-mesa-diresa.xlsx"} <= set(files)
    assert "doce" in files["problemas.csv"].decode("utf-8-sig")
    (delivery,) = deliveries(settings.warehouse)
    assert delivery.delivered_at is not None and delivery.recipients == DIRESA

    # the same run again: nothing loaded, nothing sent
    succeeded, again = run_intake(settings)
    assert succeeded and again.submissions == [] and len(received.messages) == 1
    with connect(settings.warehouse, read_only=True) as connection:
        assert connection.execute("select count(*) from indicator_values").fetchone() == (1,)


def test_an_unknown_sender_a_message_without_attachment_and_one_too_large_are_answered_and_shown(
    prefect_api: str,
    tmp_path: Path,
    imap_port: int,
    smtp: tuple[int, Received],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flows.intake import run_intake

    smtp_port, received = smtp
    stranger = "alguien@correo.example"
    deliver(imap_port, stranger, "Cifras", {"cifras.csv": report_rows()})
    deliver(imap_port, DIRESA, "Reporte en el cuerpo", {}, body="SAL-01 Tumbes 12 mujeres")
    deliver(
        imap_port, DIRESA, "Reporte grande", {"grande.csv": b"periodo,valor\n" + b"2026-10,1\n" * 150_000}
    )
    settings = settings_for(tmp_path, imap_port, smtp_port, monkeypatch, MESA_MAX_FILE_MB="1")

    succeeded, report = run_intake(settings)
    assert succeeded and report.submissions == []
    notices = {n.kind: n for n in mail_notices(settings.warehouse)}
    assert set(notices) == {"unknown_sender", "no_attachment", "attachment_too_large"}
    assert notices["unknown_sender"].sender == stranger and notices["unknown_sender"].agency is None
    assert notices["attachment_too_large"].detail.startswith("grande.csv (1.4 MB)")
    assert all(n.answered_at is not None for n in notices.values())

    answers = {to[0]: message for to, message in received.messages}
    assert len(received.messages) == 3 and set(answers) == {stranger, DIRESA}
    to_stranger = answers[stranger].get_body(preferencelist=("plain",))
    assert to_stranger is not None and "no está registrada" in to_stranger.get_content()
    assert attached(answers[stranger]) == {}  # nothing of anyone's data goes back to a stranger
    said = [
        m.get_body(preferencelist=("plain",)).get_content() for to, m in received.messages if to == [DIRESA]
    ]  # type: ignore[union-attr]
    assert any("no traía ningún archivo" in text for text in said) and any("1 MB" in text for text in said)

    # nothing is answered twice, nothing is loaded
    succeeded, again = run_intake(settings)
    assert succeeded and again.submissions == [] and len(received.messages) == 3

    status = subprocess.run(
        [sys.executable, "-m", "mesa", "status", "--warehouse", str(settings.warehouse), "--json"],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "MESA_LANG": "es", "PREFECT_HOME": str(tmp_path / "prefect")},
    )
    assert stranger in status.stdout and "unknown_sender" in status.stdout


def test_a_delivery_that_fails_is_retried_on_the_next_run_and_shown(
    prefect_api: str, tmp_path: Path, imap_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.blocks.system import Secret

    from flows.intake import run_intake

    deliver(imap_port, DIRESA, "Reporte", {"reporte.csv": report_rows()})
    closed = free_port()  # no server listens there yet
    settings = settings_for(tmp_path, imap_port, closed, monkeypatch)
    # the mailbox's password from a Prefect Secret block, where the environment has none
    monkeypatch.delenv("MESA_IMAP_PASSWORD")
    Secret(value=IMAP_PASSWORD).save("mesa-imap-password", overwrite=True)
    succeeded, report = run_intake(settings)
    assert succeeded and [e.status for e in report.submissions] == ["partially_accepted"]
    assert report.mail == [report.submissions[0].file]
    (pending,) = deliveries(settings.warehouse)
    assert pending.delivered_at is None and pending.last_error

    received = Received()
    controller = Controller(received, hostname="127.0.0.1", port=closed)
    controller.start()
    try:
        succeeded, again = run_intake(settings)
    finally:
        controller.stop()
    assert succeeded and again.submissions == [] and again.mail == []
    assert [to for to, _ in received.messages] == [[DIRESA]]
    (done,) = deliveries(settings.warehouse)
    assert done.delivered_at is not None and done.attempts == 2


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("/tmp/reporte.xlsx", "reporte.xlsx"),
        ("C:\\Users\\ana\\reporte octubre.xlsx", "reporte octubre.xlsx"),
        (".oculto.csv", "oculto.csv"),
        ("..", "adjunto-3"),
        ("reporte\x00;rm -rf.csv", "reporte_rm -rf.csv"),
    ],
)
def test_an_attachment_name_never_leaves_the_agency_folder(written: str, kept: str) -> None:
    assert safe_name(written, 3) == kept
