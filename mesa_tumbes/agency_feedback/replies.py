"""The e-mails agencies receive: the feedback on their files (the status, the leading cause and the
first problems in the body, as plain text and HTML; the summary page, the problems, the annotated copy
and, for a file with rows to fix, the template attached), and the answer to a mailbox message that
could not become a submission. A message that came by mail is answered once, in its thread, covering
every file it brought, under the names the agency gave them. Only ever to the agency's own
addresses, or to the sender being answered."""

from __future__ import annotations

import json
import mimetypes
import re
from dataclasses import dataclass
from email.message import EmailMessage
from functools import partial
from pathlib import Path, PurePath
from typing import cast

from mesa_tumbes.agency_feedback.answer import FeedbackDetails
from mesa_tumbes.agency_feedback.problems import problem_place
from mesa_tumbes.core import templating
from mesa_tumbes.core.i18n import strings, text
from mesa_tumbes.core.reference import load_reference
from mesa_tumbes.core.smtp import new_message

TEMPLATES_DIR = Path(__file__).parent / "templates"
# What a feedback e-mail attaches from the feedback folder, in this order, when it is there.
ATTACHED = ("summary", "problems", "annotated")
# The body names this many problems of each file; the attached CSV has every one.
BODY_PROBLEMS = 10
# A subject that already says it is a reply is not prefixed again ("Re:", "RE:", "Re[2]:", "AW:").
REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|vs)(\[\d+\])?\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class Thread:
    """The agency's message a reply answers: its subject and where it sits in the conversation."""

    subject: str
    message_id: str
    references: str
    not_tables: tuple[str, ...] = ()  # attached files that are not tables, named in the reply
    unverified_sender: str = ""  # the From the mail server could not authenticate: said to the agency


@dataclass(frozen=True)
class Answered:
    """One file's feedback as the e-mail tells it."""

    data: FeedbackDetails  # the feedback folder's JSON
    attachments: list[tuple[str, Path]]  # (name in the e-mail, file)
    problems: list[dict[str, object]]  # the first BODY_PROBLEMS, with where each is, said in words
    problems_name: str  # the attachment that lists every problem


def recipients(agency: str) -> list[str]:
    """The agency's addresses (agencies.yaml, `emails`)."""
    found = next((a for a in load_reference().agencies if a.code == agency), None)
    return list(found.emails) if found else []


def feedback_message(
    folders: list[Path], to: list[str], lang: str, thread: Thread | None = None, page: str | None = None
) -> EmailMessage:
    """The e-mail of the feedback folders of one message's files (or of one file that came by
    folder), addressed to `to` (its agency's addresses); a reply in `thread` when there is one."""
    answered = [_answered(folder, lang, many=len(folders) > 1) for folder in folders]
    first = answered[0].data
    said = {
        "lang": lang,
        "say": partial(text, lang),
        "t": strings(lang),
        "files": answered,
        "agency": first.get("agency_name") or first["agency"],
        "thread": thread,
        "attachments": [name for item in answered for name, _ in item.attachments],
        "page": page,  # the agency's own page (its files, what is due, its figures), when served
    }
    message = new_message()
    message["To"] = ", ".join(to)
    if thread is not None:
        message["Subject"] = reply_subject(thread.subject, lang)
        _thread(message, thread)
    else:
        message["Subject"] = text(
            lang, "mail.feedback_subject", status=first["status_label"], file=first["file"]
        )
    message.set_content(
        _tidy(templating.plain_texts(TEMPLATES_DIR).get_template("reply.txt.j2").render(said))
    )
    message.add_alternative(
        templating.pages(TEMPLATES_DIR).get_template("reply.html.j2").render(said), subtype="html"
    )
    for item in answered:
        for name, path in item.attachments:
            _attach(message, path, name)
    return message


def reply_subject(subject: str, lang: str) -> str:
    """ "Re: <their subject>", once."""
    if REPLY_PREFIX.match(subject):
        return subject
    return text(lang, "mail.reply_subject", subject=subject or "—")


def _thread(message: EmailMessage, thread: Thread) -> None:
    if thread.message_id:
        message["In-Reply-To"] = thread.message_id
        message["References"] = f"{thread.references} {thread.message_id}".strip()


def _answered(folder: Path, lang: str, many: bool) -> Answered:
    names = strings(lang)["files"]
    data = cast("FeedbackDetails", json.loads((folder / names["details"]).read_text(encoding="utf-8")))
    stem = PurePath(str(data["file"])).stem or str(data["file"])
    attachments = []
    problems_name = names["problems"]
    for key in ATTACHED:
        path = folder / names[key]
        if path.is_file():
            shown = text(lang, "files.annotated_named", stem=stem) if key == "annotated" else names[key]
            if many and key != "annotated":
                shown = text(lang, "files.of_file", stem=stem, name=shown)
            problems_name = shown if key == "problems" else problems_name
            attachments.append((shown, path))
    if handed := data.get("template"):
        template = (folder / handed).resolve()
        if template.is_file() and all(path != template for _, path in attachments):
            attachments.append((template.name, template))
    problems = [
        {**row, "where": problem_place(row, lang)} for row in (data.get("problems") or [])[:BODY_PROBLEMS]
    ]
    return Answered(data, attachments, problems, problems_name)


def notice_answer(
    kind: str,
    sender: str,
    subject: str,
    detail: str,
    limit_mb: float,
    lang: str,
    thread: Thread | None = None,
) -> EmailMessage:
    """The polite answer to a message that did not become a submission: why, and what to do; a
    reply in the message's thread when its id is known."""
    message = new_message()
    message["To"] = sender
    if thread is not None and thread.message_id:
        message["Subject"] = reply_subject(subject, lang)
        _thread(message, thread)
    else:
        message["Subject"] = text(lang, "mail.notice_subject", subject=subject or "—")
    reason = text(lang, f"mail.notice.{kind}", sender=sender, detail=detail, limit=f"{limit_mb:g}")
    message.set_content(_tidy(text(lang, "mail.notice_body", subject=subject or "—", reason=reason)))
    return message


def _attach(message: EmailMessage, path: Path, name: str) -> None:
    kind, _ = mimetypes.guess_type(path.name)
    main, _, sub = (kind or "application/octet-stream").partition("/")
    message.add_attachment(path.read_bytes(), maintype=main, subtype=sub, filename=name)


def _tidy(body: str) -> str:
    """No run of blank lines where a part was empty."""
    lines = body.splitlines()
    kept = [line for n, line in enumerate(lines) if line.strip() or (n and lines[n - 1].strip())]
    return "\n".join(kept).strip() + "\n"


def review_message(
    agency: str,
    to: list[str],
    what: str,
    file: str,
    period: str,
    comment: str,
    lang: str,
    thread: Thread | None = None,
    sender: str = "",
    page: str | None = None,
) -> EmailMessage:
    """What the officer's review tells the agency (`what`: return, decline or unverified), with the
    officer's comment as written; a reply in the thread of the file's message when it came by mail."""
    message = new_message()
    message["To"] = ", ".join(to)
    if thread is not None and thread.message_id:
        message["Subject"] = reply_subject(thread.subject, lang)
        _thread(message, thread)
    else:
        message["Subject"] = text(lang, "mail.review_subject", period=period, file=file)
    said = text(lang, f"mail.review.{what}", period=period, file=file, sender=sender)
    body = text(lang, "mail.review_body", agency=agency, what=said, comment=comment)
    if page:
        body = f"{body}\n\n{text(lang, 'mail.agency_page', url=page)}"
    message.set_content(_tidy(body))
    return message
