"""The e-mails agencies receive: each submission's feedback (a summary in the body; the summary page,
the problems, the annotated copy and, for a file with rows to fix, the template attached), and the
answer to a mailbox message that could not become a submission. Only ever to the agency's own
addresses, or to the sender being answered."""

from __future__ import annotations

import json
import mimetypes
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from core.i18n import strings, text
from core.reference import load_reference

# What a feedback e-mail attaches from the feedback folder, in this order, when it is there.
ATTACHED = ("summary", "problems", "annotated")


def recipients(agency: str) -> list[str]:
    """The agency's addresses (agencies.yaml, `emails`)."""
    found = next((a for a in load_reference().agencies if a.code == agency), None)
    return list(found.emails) if found else []


def feedback_message(folder: Path, to: list[str], lang: str) -> EmailMessage:
    """The e-mail of one submission's feedback folder, addressed to `to` (its agency's addresses)."""
    names = strings(lang)["files"]
    data: dict[str, Any] = json.loads((folder / names["details"]).read_text(encoding="utf-8"))
    status = data["status"]
    said = strings(lang)
    next_steps = data.get("next_steps") or said["next_steps"].get(status, "")
    attached = [folder / names[key] for key in ATTACHED if (folder / names[key]).is_file()]
    if data.get("template"):
        template = (folder / data["template"]).resolve()
        if template.is_file():
            attached.append(template)
    counts = (
        text(
            lang,
            "mail.feedback_counts",
            read=data["rows_read"],
            loaded=data["rows_loaded"],
            rejected=data["rows_rejected"],
            warned=data["rows_warned"],
        )
        if "rows_read" in data
        else ""
    )
    body = text(
        lang,
        "mail.feedback_body",
        agency=data.get("agency_name") or data["agency"],
        file=data["file"],
        received=data["received_local"],
        status=data["status_label"],
        counts=counts,
        cause=data.get("cause") or "",
        next_steps=next_steps,
        attachments="\n".join(f"- {path.name}" for path in attached),
    )
    message = EmailMessage()
    message["To"] = ", ".join(to)
    message["Subject"] = text(lang, "mail.feedback_subject", status=data["status_label"], file=data["file"])
    message.set_content(_tidy(body))
    for path in attached:
        _attach(message, path)
    return message


def notice_answer(
    kind: str, sender: str, subject: str, detail: str, limit_mb: float, lang: str
) -> EmailMessage:
    """The polite answer to a message that did not become a submission: why, and what to do."""
    message = EmailMessage()
    message["To"] = sender
    message["Subject"] = text(lang, "mail.notice_subject", subject=subject or "—")
    reason = text(lang, f"mail.notice.{kind}", sender=sender, detail=detail, limit=f"{limit_mb:g}")
    message.set_content(_tidy(text(lang, "mail.notice_body", subject=subject or "—", reason=reason)))
    return message


def _attach(message: EmailMessage, path: Path) -> None:
    kind, _ = mimetypes.guess_type(path.name)
    main, _, sub = (kind or "application/octet-stream").partition("/")
    message.add_attachment(path.read_bytes(), maintype=main, subtype=sub, filename=path.name)


def _tidy(body: str) -> str:
    """No run of blank lines where a part was empty."""
    lines = body.splitlines()
    kept = [line for n, line in enumerate(lines) if line.strip() or (n and lines[n - 1].strip())]
    return "\n".join(kept).strip() + "\n"
