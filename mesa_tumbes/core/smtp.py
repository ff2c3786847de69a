"""E-mail out, as a transport only: one SMTP session for the messages of a run (`smtp://` with
STARTTLS, `smtps://` over TLS; the certificate and host name checked, core/tls.py), logged in when
the URL names a user (the password from MESA_SMTP_PASSWORD, never from a file). A server reached
over a network that does not offer STARTTLS is refused before anything is sent (a downgrade); only a
server on this machine (a loopback address) is spoken to in the clear. What the messages say is
written where they are composed (agency_feedback/replies.py, followup/)."""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy as email_policy
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any
from urllib.parse import unquote, urlsplit

from mesa_tumbes.core.settings import variable
from mesa_tumbes.core.tls import Trust, on_this_machine

PASSWORD_VARIABLE = "MESA_SMTP_PASSWORD"
TIMEOUT_SECONDS = 60
# What a failed send raises: the server refused, went away, or could not be reached (a certificate
# that fails its check is an ssl.SSLError, an OSError).
SEND_ERRORS: tuple[type[Exception], ...] = (smtplib.SMTPException, OSError)


# One message id: <left@right>, the left part possibly a quoted string holding spaces (RFC 5322's
# obsolete syntax, which servers still write).
MESSAGE_ID = re.compile(r'<(?:"(?:[^"\\]|\\.)*"|[^<>"\s])*>')
# RFC 5322: a line is at most 998 characters; 78 is what a line should keep to when it can.
LINE_LIMIT, LINE_WISH = 998, 78


class MessageIdList(BaseHeader):
    """`In-Reply-To` and `References` as identifiers, never as text: written as the ids they are
    (Python's `email` treats them as unstructured text, and folds a long id, such as Exchange
    Online's 80 characters, into RFC 2047 encoded words, which mail clients do not thread on), folded
    only between ids, one id never broken whatever its length."""

    max_count = 1

    @classmethod
    def parse(cls, value: object, kwds: dict[str, Any]) -> None:
        written = " ".join(str(value).split())
        kwds["decoded"] = " ".join(MESSAGE_ID.findall(written)) or written
        kwds["parse_tree"] = None

    def fold(self, *, policy: email_policy.Policy) -> str:
        """One line while the ids fit in LINE_WISH, then one id per folded line; an id that does not
        fit beside the header's name (up to RFC 5322's 998 characters) starts on the next line."""
        name = f"{self.name}:"
        lines, line = [], name
        for identifier in MESSAGE_ID.findall(str(self)) or [str(self)]:
            limit = LINE_LIMIT if line == name else LINE_WISH
            if len(line) + 1 + len(identifier) > limit:
                lines.append(line)
                line = ""
            line += f" {identifier}"
        lines.append(line)
        return policy.linesep.join(lines) + policy.linesep


def _registry() -> HeaderRegistry:
    registry = HeaderRegistry()
    for name in ("in-reply-to", "references"):
        registry.map_to_type(name, MessageIdList)
    return registry


# The policy every message the Mesa writes is composed with: the standard one, with threading
# headers written as message ids.
MAIL_POLICY = email_policy.default.clone(header_factory=_registry())


def new_message() -> EmailMessage:
    """An empty message composed with MAIL_POLICY."""
    return EmailMessage(policy=MAIL_POLICY)


class NoTlsError(smtplib.SMTPException):
    """A server reached over a network that does not offer STARTTLS: nothing is sent in the clear."""


class Outgoing:
    """An open SMTP session: `send` one message at a time; each raises SEND_ERRORS on its own."""

    def __init__(self, client: smtplib.SMTP, sender: str) -> None:
        self.client, self.sender = client, sender

    def send(self, message: EmailMessage) -> str:
        """Send one message; its Message-ID (given one here when it has none)."""
        if "From" not in message:
            message["From"] = self.sender
        if "Message-ID" not in message:
            message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        self.client.send_message(message)
        return str(message["Message-ID"])


@contextmanager
def outgoing(
    url: str, sender: str, password: str | None = None, trust: Trust | None = None
) -> Iterator[Outgoing]:
    """A session with the server at `url`, its certificate checked against `trust` (the system's
    trust store by default); raises SEND_ERRORS when it cannot be opened."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    context: ssl.SSLContext = (trust or Trust()).context()
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
        elif parts.scheme == "smtp" and not on_this_machine(host):
            raise NoTlsError(f"{host} does not offer STARTTLS")
        if parts.username:
            client.login(unquote(parts.username), password or variable(PASSWORD_VARIABLE) or "")
        yield Outgoing(client, sender)
    finally:
        try:
            client.quit()
        except SEND_ERRORS:
            client.close()
