"""E-mail out, as a transport only: one SMTP session for the messages of a run (`smtp://` with
STARTTLS when the server offers it, `smtps://` over TLS), logged in when the URL names a user (the
password from MESA_SMTP_PASSWORD, never from a file). What the messages say is written where they
are composed (agency_feedback/replies.py, followup/)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

from mesa_tumbes.core.settings import variable

PASSWORD_VARIABLE = "MESA_SMTP_PASSWORD"
TIMEOUT_SECONDS = 60
# What a failed send raises: the server refused, went away, or could not be reached.
SEND_ERRORS: tuple[type[Exception], ...] = (smtplib.SMTPException, OSError)


class Outgoing:
    """An open SMTP session: `send` one message at a time; each raises SEND_ERRORS on its own."""

    def __init__(self, client: smtplib.SMTP, sender: str) -> None:
        self.client, self.sender = client, sender

    def send(self, message: EmailMessage) -> None:
        if "From" not in message:
            message["From"] = self.sender
        if "Message-ID" not in message:
            message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        self.client.send_message(message)


@contextmanager
def outgoing(url: str, sender: str, password: str | None = None) -> Iterator[Outgoing]:
    """A session with the server at `url`; raises SEND_ERRORS when it cannot be opened."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    context = ssl.create_default_context()
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            host, parts.port or 465, timeout=TIMEOUT_SECONDS, context=context
        )
    else:
        client = smtplib.SMTP(host, parts.port or 587, timeout=TIMEOUT_SECONDS)
    try:
        client.ehlo()
        if parts.scheme == "smtp" and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
        if parts.username:
            client.login(unquote(parts.username), password or variable(PASSWORD_VARIABLE) or "")
        yield Outgoing(client, sender)
    finally:
        try:
            client.quit()
        except SEND_ERRORS:
            client.close()
