"""Verified TLS for every server the Mesa talks to: its mailboxes (IMAP), its outgoing mail server
(SMTP) and partners' systems (HTTPS). A server's certificate is checked against the system's trust
store, or against the CA file or folder the operations file names (a ministry's mail server often
has a private CA), and its host name against the certificate. Nothing turns the check off.

The one exception, said where it applies: a server named by a loopback address (127.0.0.1, ::1)
is on this machine, so nothing crosses a network and it may be spoken to without TLS. A host *name*
never counts as this machine, not even `localhost`: a name is looked up, and a lookup can be
answered by someone else."""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass


@dataclass(frozen=True)
class Trust:
    """Whom a server's certificate must be signed by: the system's trust store, or a CA file
    (PEM, one or more certificates) or a folder of them (as `c_rehash` leaves it)."""

    ca_file: str | None = None
    ca_path: str | None = None

    def context(self) -> ssl.SSLContext:
        """A client context that checks the certificate and the host name (Python's default);
        raises OSError when the CA file or folder cannot be read."""
        return ssl.create_default_context(cafile=self.ca_file, capath=self.ca_path)

    def over(self, default: Trust) -> Trust:
        """This trust where it names a CA, else `default`'s."""
        return self if (self.ca_file or self.ca_path) else default


def on_this_machine(host: str | None) -> bool:
    """Whether `host` is written as a loopback address: the only servers spoken to without TLS."""
    try:
        return ipaddress.ip_address((host or "").strip("[]")).is_loopback
    except ValueError:
        return False


def certificate_problem(error: BaseException) -> str | None:
    """What was wrong with a server's certificate (expired, self-signed, another name, an unknown
    CA), in OpenSSL's words; None when `error` is not about the certificate."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return str(error.verify_message or error.reason or error)
    if isinstance(error, ssl.SSLError):
        return str(error.reason or error)
    return None
