"""E-mail in and out, against real servers on loopback: pymap (IMAP, in-memory) holds the Mesa's
mailbox, aiosmtpd (SMTP) receives what the pipeline sends. Files sent as attachments by an agency's
address load as that agency's; its feedback goes to its addresses only; a rerun sends and loads
nothing; what cannot be loaded is answered and recorded for the officer."""

from __future__ import annotations

import imaplib
import subprocess
import sys
import time
from base64 import b64encode
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from mesa_tumbes.core.settings import Settings, resolve_settings
from mesa_tumbes.reception.archive import archive_path
from mesa_tumbes.reception.mailbox import safe_name
from mesa_tumbes.warehouse.mail_log import deliveries, mail_files, mail_notices
from mesa_tumbes.warehouse.store import connect
from tests.builders import free_port, template_csv

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
    put(port, message)


def put(port: int, message: EmailMessage | bytes) -> None:
    """A message into the Mesa's folder, as the mail server would file it."""
    raw = message if isinstance(message, bytes) else message.as_bytes()
    with imaplib.IMAP4("127.0.0.1", port, timeout=10) as imap:
        imap.login(IMAP_USER, IMAP_PASSWORD)
        kind, _ = imap.append(FOLDER, "", imaplib.Time2Internaldate(time.time()), raw)
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
    from mesa_tumbes.flows.intake import run_intake

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
    assert str(message["Subject"]) == "Re: Reporte octubre"  # a reply in the agency's thread
    body = message.get_body(preferencelist=("plain",))
    assert body is not None and "rechazadas: 1" in body.get_content()
    assert "Aceptado parcialmente" in body.get_content() and "«reporte-octubre.csv»" in body.get_content()
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
    from mesa_tumbes.flows.intake import run_intake

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
        [sys.executable, "-m", "mesa_tumbes", "status", "--warehouse", str(settings.warehouse), "--json"],
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

    from mesa_tumbes.flows.intake import run_intake

    deliver(imap_port, DIRESA, "Reporte", {"reporte.csv": report_rows()})
    closed = free_port()  # no server listens there yet
    settings = settings_for(tmp_path, imap_port, closed, monkeypatch)
    # the mailbox's password from a Prefect Secret block, where the environment has none
    monkeypatch.delenv("MESA_IMAP_PASSWORD")
    Secret(value=IMAP_PASSWORD).save("mesa-imap-password", overwrite=True)
    succeeded, report = run_intake(settings)
    assert succeeded and [e.status for e in report.submissions] == ["partially_accepted"]
    assert report.mail == [report.submissions[0].shown]  # as the agency named it
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


# --- Messages as ordinary mail clients write them --------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # a signature logo's bytes: never read


def outlook_message(subject: str, files: dict[str, bytes], message_id: str) -> EmailMessage:
    """As Outlook sends it: text and HTML bodies, the signature's logos inline in the HTML (with a
    Content-ID, named image001.png...), the agency's files attached, an earlier thread referenced."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = f"Ana Pérez <{DIRESA}>", MESA, subject
    message["Date"] = "Mon, 02 Nov 2026 09:00:00 -0500"
    message["Message-ID"] = message_id
    message["References"] = "<hilo-anterior@diresa.example>"
    message.set_content("Buenos días, adjunto el reporte.\n\nAna Pérez\nOficina de Estadística")
    message.add_alternative(
        '<p>Buenos días, adjunto el reporte.</p><p><img src="cid:image001.png@01DB2C"> Ana Pérez</p>'
        '<p><img src="cid:image002.jpg@01DB2C"></p>',
        subtype="html",
    )
    html = message.get_payload()[1]  # type: ignore[index]
    html.add_related(
        PNG, "image", "png", cid="<image001.png@01DB2C>", filename="image001.png", disposition="inline"
    )
    html.add_related(PNG, "image", "jpeg", cid="<image002.jpg@01DB2C>", filename="image002.jpg")
    for name, content in files.items():
        message.add_attachment(
            content,
            maintype="application",
            subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            if name.endswith(".xlsx")
            else "octet-stream",
            filename=name,
        )
    return message


def bodies(message: EmailMessage) -> tuple[str, str]:
    plain, html = message.get_body(preferencelist=("plain",)), message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    return plain.get_content(), html.get_content()


def test_an_outlook_message_gives_one_submission_and_one_threaded_reply_naming_the_file_and_its_problems(
    prefect_api: str,
    tmp_path: Path,
    imap_port: int,
    smtp: tuple[int, Received],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mesa_tumbes.flows.intake import run_intake

    smtp_port, received = smtp
    name = "reporte_de_atención octubre.csv"  # not ASCII: RFC 2231 in the header
    put(imap_port, outlook_message("Reporte octubre", {name: report_rows()}, "<m1@diresa.example>"))
    settings = settings_for(tmp_path, imap_port, smtp_port, monkeypatch)

    succeeded, report = run_intake(settings)
    assert succeeded and [e.status for e in report.submissions] == ["partially_accepted"]
    assert mail_notices(settings.warehouse) == []  # the logos were no file to answer for

    ((to, reply),) = received.messages
    assert to == [DIRESA] and str(reply["Subject"]) == "Re: Reporte octubre"
    assert reply["In-Reply-To"] == "<m1@diresa.example>"
    assert str(reply["References"]).split() == ["<hilo-anterior@diresa.example>", "<m1@diresa.example>"]
    plain, html = bodies(reply)
    for body in (plain, html):
        assert "reporte_de_atención octubre.csv" in body and "image001" not in body
        assert "20261" not in body  # the spool's name (a date, a message number) stays internal
        assert "Aceptado parcialmente" in body
    # the first problems are in the body: the row as Excel shows it, the column, the value
    assert "fila 3, columna «valor» («doce»)" in plain
    files = attached(reply)
    assert {"resumen.html", "problemas.csv", "reporte_de_atención octubre_revisada.xlsx"} <= set(files)
    assert not any(n.startswith("image") for n in files)
    page = (Path(report.submissions[0].feedback) / "resumen.html").read_text(encoding="utf-8")
    assert "reporte_de_atención octubre.csv" in page
    # the message itself is kept as it came, in the archive: nothing is lost if the mailbox is emptied
    ((_, brought),) = mail_files(settings.warehouse).items()
    kept = archive_path(settings.archive, brought.message.raw_sha256).read_bytes()
    assert b"Message-ID: <m1@diresa.example>" in kept and b"image001.png" in kept

    succeeded, again = run_intake(settings)
    assert succeeded and again.submissions == [] and len(received.messages) == 1


def test_one_message_with_two_files_and_a_pdf_gets_one_reply_covering_both_and_naming_the_pdf(
    prefect_api: str,
    tmp_path: Path,
    imap_port: int,
    smtp: tuple[int, Received],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mesa_tumbes.flows.intake import run_intake

    smtp_port, received = smtp
    september = template_csv(["DIRESA", "2026-09", "240101", "SAL-01", "F", "18-59", "in_destination", "9"])
    message = outlook_message(
        "RV: reportes",
        {"octubre.csv": report_rows(), "setiembre.csv": september, "oficio.pdf": b"%PDF-1.4 oficio"},
        "<m2@diresa.example>",
    )
    put(imap_port, message)
    settings = settings_for(tmp_path, imap_port, smtp_port, monkeypatch)

    succeeded, report = run_intake(settings)
    assert succeeded and sorted(e.status for e in report.submissions) == ["accepted", "partially_accepted"]
    ((to, reply),) = received.messages
    assert to == [DIRESA] and reply["In-Reply-To"] == "<m2@diresa.example>"
    assert str(reply["Subject"]) == "Re: RV: reportes"
    plain, _ = bodies(reply)
    assert "«octubre.csv»" in plain and "«setiembre.csv»" in plain
    assert "«oficio.pdf»" in plain and "no es una hoja de cálculo" in plain
    files = attached(reply)
    assert {"octubre - problemas.csv", "setiembre - problemas.csv"} <= set(files)

    succeeded, again = run_intake(settings)
    assert succeeded and again.submissions == [] and len(received.messages) == 1


def test_a_forwarded_eml_is_read_and_odd_messages_each_get_one_threaded_answer(
    prefect_api: str,
    tmp_path: Path,
    imap_port: int,
    smtp: tuple[int, Received],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mesa_tumbes.flows.intake import run_intake

    smtp_port, received = smtp
    inner = outlook_message("Reporte", {"reenviado.csv": report_rows()}, "<interno@diresa.example>")
    forward = EmailMessage()
    forward["From"], forward["To"], forward["Subject"] = DIRESA, MESA, "RV: Reporte"
    forward["Message-ID"] = "<reenvio@diresa.example>"
    forward.set_content("Les reenvío el reporte.")
    forward.add_attachment(
        inner.as_bytes(), maintype="application", subtype="octet-stream", filename="Reporte.eml"
    )
    put(imap_port, forward)
    only_logos = outlook_message("Solo firma", {}, "<logos@diresa.example>")
    put(imap_port, only_logos)
    empty = EmailMessage()
    empty["From"], empty["To"], empty["Message-ID"] = DIRESA, MESA, "<vacio@diresa.example>"
    put(imap_port, empty)
    pdf_only = outlook_message("Oficio", {"oficio.pdf": b"%PDF-1.4"}, "<pdf@diresa.example>")
    put(imap_port, pdf_only)
    # a name as some clients still write it: an encoded word inside the quoted parameter
    name, rows = b64encode("atención_dic.csv".encode()).decode(), b64encode(report_rows()).decode()
    encoded = (
        f"From: {DIRESA}\r\nTo: {MESA}\r\nSubject: =?utf-8?q?Atenci=C3=B3n?=\r\n"
        "Message-ID: <codificado@diresa.example>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nAdjunto\r\n"
        "--b\r\nContent-Type: text/csv\r\n"
        f'Content-Disposition: attachment; filename="=?utf-8?b?{name}?="\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{rows}\r\n--b--\r\n"
    ).encode()
    put(imap_port, encoded)
    settings = settings_for(tmp_path, imap_port, smtp_port, monkeypatch)

    succeeded, report = run_intake(settings)
    assert succeeded and len(report.submissions) == 2, report.submissions
    notices = {n.message_id: n.kind for n in mail_notices(settings.warehouse)}
    assert notices == {
        "<logos@diresa.example>": "no_attachment",
        "<vacio@diresa.example>": "no_attachment",
        "<pdf@diresa.example>": "not_a_table",
    }
    replies = {str(m["In-Reply-To"]): m for _, m in received.messages}
    assert len(received.messages) == 5 and set(replies) == {
        "<reenvio@diresa.example>", "<logos@diresa.example>", "<vacio@diresa.example>",
        "<pdf@diresa.example>", "<codificado@diresa.example>",
    }  # fmt: skip
    assert "«reenviado.csv»" in bodies(replies["<reenvio@diresa.example>"])[0]
    assert "«atención_dic.csv»" in bodies(replies["<codificado@diresa.example>"])[0]
    assert all(
        archive_path(settings.archive, n.raw_sha256).is_file() for n in mail_notices(settings.warehouse)
    )
    pdf_answer = replies["<pdf@diresa.example>"].get_body(preferencelist=("plain",))
    assert pdf_answer is not None and "oficio.pdf" in pdf_answer.get_content()

    succeeded, again = run_intake(settings)
    assert succeeded and again.submissions == [] and len(received.messages) == 5


# Runs `mesa run` in a fresh interpreter and says whether Prefect was ever imported by it.
WITHOUT_PREFECT = (
    "import sys; from mesa_tumbes.cli.main import main; code = main(['run']); "
    "print('PREFECT IMPORTED' if 'prefect' in sys.modules else 'NO PREFECT'); sys.exit(code)"
)


def test_an_unchanged_mailbox_is_polled_without_starting_prefect_and_a_new_message_is_seen(
    prefect_api: str,
    tmp_path: Path,
    imap_port: int,
    smtp: tuple[int, Received],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mesa_tumbes.flows.intake import run_intake
    from mesa_tumbes.pipeline.pending import nothing_new

    smtp_port, received = smtp
    deliver(imap_port, DIRESA, "Reporte", {"reporte.csv": report_rows()})
    settings = settings_for(tmp_path, imap_port, smtp_port, monkeypatch)
    succeeded, _ = run_intake(settings)
    assert succeeded and len(received.messages) == 1

    environment = {
        "PATH": "/usr/bin:/bin",
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "MESA_INBOX": settings.inbox,
        "MESA_WAREHOUSE": str(settings.warehouse),
        "MESA_FEEDBACK": str(settings.feedback),
        "MESA_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "MESA_MAIL_FROM": MESA,
        "MESA_IMAP_PASSWORD": IMAP_PASSWORD,
    }
    polled = subprocess.run(
        [sys.executable, "-c", WITHOUT_PREFECT], capture_output=True, text=True, env=environment, timeout=120
    )
    assert polled.returncode == 0, polled.stderr
    assert "NO PREFECT" in polled.stdout and "No hay archivos nuevos" in polled.stdout

    deliver(imap_port, DIRESA, "Otro reporte", {"otro.csv": report_rows()})
    assert nothing_new(settings) is None  # a message not taken: the run starts
