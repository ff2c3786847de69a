"""Where inboxes may be: local folders, or remote ones reached through fsspec (SFTP, S3). The rule
that tells a usable location from one that is not is written here once: the operations file, the
command line and the settings all ask it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

# Remote protocols the officer may configure; each needs its fsspec implementation installed.
REMOTE_PROTOCOLS = ("sftp", "s3")
# Mailboxes: each message's attachments are submissions of the agency its sender belongs to.
MAIL_PROTOCOLS = ("imaps", "imap")
SMTP_PROTOCOLS = ("smtps", "smtp")


def is_remote(location: str) -> bool:
    return "://" in location and not location.startswith("file://")


def is_mailbox(location: str) -> bool:
    return urlsplit(location).scheme in MAIL_PROTOCOLS


def location_problem(location: str) -> tuple[str, dict[str, object]] | None:
    """Why an inbox location cannot be used, as a text key and its parameters; None if it can.
    A remote server is not contacted here: being unreachable is a matter for the run (retried)."""
    location = location.strip()
    if not location:
        return "inbox_empty", {}
    if not is_remote(location):
        folder = Path(location.removeprefix("file://")).expanduser()
        if not folder.is_dir():
            return "inbox_missing_folder", {"path": folder.resolve()}
        return None
    parts = urlsplit(location)
    if parts.scheme not in (*REMOTE_PROTOCOLS, *MAIL_PROTOCOLS):
        choices = ", ".join((*REMOTE_PROTOCOLS, *MAIL_PROTOCOLS))
        return "inbox_protocol", {"protocol": parts.scheme, "choices": choices}
    if not parts.hostname:
        return "inbox_no_host", {"protocol": parts.scheme}
    if parts.password:
        # Flow parameters and logs would keep it: credentials go in the environment or an SSH key.
        return "inbox_password", {"protocol": parts.scheme}
    if parts.scheme in MAIL_PROTOCOLS:
        return None if parts.username else ("inbox_no_user", {"protocol": parts.scheme})
    import fsspec

    try:
        fsspec.get_filesystem_class(parts.scheme)
    except ImportError as error:
        return "inbox_library", {"protocol": parts.scheme, "error": error}
    return None


def smtp_problem(location: str) -> tuple[str, dict[str, object]] | None:
    """Why an SMTP server's URL cannot be used, as a text key and its parameters; None if it can."""
    parts = urlsplit(location.strip())
    if parts.scheme not in SMTP_PROTOCOLS:
        return "inbox_protocol", {"protocol": parts.scheme, "choices": ", ".join(SMTP_PROTOCOLS)}
    if not parts.hostname:
        return "inbox_no_host", {"protocol": parts.scheme}
    if parts.password:
        return "inbox_password", {"protocol": parts.scheme}
    return None
