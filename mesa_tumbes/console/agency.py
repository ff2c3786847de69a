"""Each agency's own page, served by the console's application under /institucion/: the files it sent
(their feedback, annotated copies and problems to download), what waits for the Mesa's review and
why, what the officers told it, what is due and what is late, its published figures over twelve
months, the template, and a form to send a corrected file.

The way in is the link of its latest mail (core/agency_links.py): the link opens a session of the
agency's own (a server-side session, as the officers' are, bound to the generation of the agency's
links: revoking them ends it) and every query is scoped by that session's agency, never by anything
the request says. An expired, revoked or forged link opens a page that says so and how to get a new
one; bad links are throttled per address, as failed logins are.
"""

from __future__ import annotations

import functools
import secrets
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
from jinja2 import Environment
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from mesa_tumbes.console.accounts import Account
from mesa_tumbes.console.sessions import Sessions
from mesa_tumbes.core import agency_links, clock
from mesa_tumbes.core.i18n import strings, text
from mesa_tumbes.core.reference import load_reference
from mesa_tumbes.core.settings import Settings
from mesa_tumbes.reception.uploads import UploadRefusedError, deliver
from mesa_tumbes.warehouse import review
from mesa_tumbes.warehouse.bookkeeping import reporting_status
from mesa_tumbes.warehouse.store import connect, query

HOME = "/institucion/"
SESSION_KEY = "agency_sid"
# How far back the page shows figures and reports.
MONTHS = 12
# Statuses of an expected report the page lists as something to do.
OWED = ("not_yet_due", "missing_overdue", "received_not_valid", "received_failed")
AgencyPage = Callable[["AgencyPages", Request, str], Awaitable[Response]]


class Throttled(Protocol):
    def blocked(self, *keys: str) -> bool: ...
    def failed(self, *keys: str) -> None: ...


class Console(Protocol):
    """What the agency's pages use of the console's application (app.py)."""

    settings: Settings
    lang: str
    sessions: Sessions
    pages: Environment

    @property
    def throttle(self) -> Throttled: ...

    @property
    def uploads(self) -> Throttled: ...

    async def form(self, request: Request) -> dict[str, str] | None: ...
    def render(self, request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse: ...
    def served_file(self, request: Request, folder: Path | None, name: str) -> Response: ...
    def feedback_folder_of(self, submission_id: str, agency: str | None = None) -> Path | None: ...


def as_agency(page: AgencyPage) -> Callable[[AgencyPages, Request], Awaitable[Response]]:
    """A page for an agency's session only: its code (from the session, never from the request) is
    handed to the page; without a session, the page that says how to get a link."""

    @functools.wraps(page)
    async def guarded(pages: AgencyPages, request: Request) -> Response:
        agency = pages.agency_of(request)
        if agency is None:
            return pages.refusal(request, "no_session", 401)
        return await page(pages, request, agency)

    return guarded


class AgencyPages:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.settings = console.settings
        self.lang = console.lang
        self.links = agency_links.AgencyLinks(agency_links.links_path(self.settings))

    # --- the way in ----------------------------------------------------------------------------

    def _accounts(self) -> dict[str, Account]:
        """Each agency as the sessions store knows it: its stamp moves with its links' generation."""
        generations = {state.agency: state.generation for state in self.links.states()}
        return {
            f"agency:{a.code}": Account(f"agency:{a.code}", "agency", f"g{generations.get(a.code, 0)}")
            for a in load_reference().agencies
        }

    def agency_of(self, request: Request) -> str | None:
        found = self.console.sessions.find(request.session.get(SESSION_KEY), self._accounts())
        return found.name.removeprefix("agency:") if found is not None and found.role == "agency" else None

    async def enter(self, request: Request) -> Response:
        """The mail's link: a session for its agency, then its page. The page is reached by a
        refresh from this one (a cookie set while arriving from a mail is only sent back by the
        browser on a navigation that starts here: SameSite=Strict)."""
        address = f"link:{request.client.host if request.client else '?'}"
        if self.console.throttle.blocked(address):
            return self.refusal(request, "throttled", 429)
        codes = {a.code for a in load_reference().agencies}
        agency, refused = agency_links.verify(self.settings, request.path_params["token"], codes)
        if agency is None:
            self.console.throttle.failed(address)
            return self.refusal(request, refused or "invalid", 403)
        sessions = self.console.sessions
        sessions.forget_expired()
        sessions.end(request.session.pop(SESSION_KEY, None))
        request.session[SESSION_KEY] = sessions.start(self._accounts()[f"agency:{agency}"])
        request.session.setdefault("csrf", secrets.token_urlsafe(32))
        self.links.used(agency)
        page = self.console.pages.get_template("agency_enter.html.j2").render(
            t=strings(self.lang)["console"]["agency"], lang=self.lang
        )
        return HTMLResponse(page)

    async def leave(self, request: Request) -> Response:
        if await self.console.form(request) is not None:
            self.console.sessions.end(request.session.pop(SESSION_KEY, None))
        return self.refusal(request, "left", 200)

    def refusal(self, request: Request, key: str, status: int) -> HTMLResponse:
        """Why the page does not open, and how to get a new link: nothing else."""
        t = strings(self.lang)["console"]["agency"]
        page = self.console.pages.get_template("agency_refused.html.j2").render(
            t=t, lang=self.lang, message=t["refused"][key], how=t["how_to_get_a_link"]
        )
        return HTMLResponse(page, status_code=status)

    # --- the page ------------------------------------------------------------------------------

    @as_agency
    async def page(self, request: Request, agency: str) -> Response:
        path = self.settings.warehouse
        if not path.exists():
            return self.refusal(request, "no_warehouse", 503)
        day = clock.today(self.settings.timezone)
        since = (pd.Period(day, freq="M") - MONTHS).strftime("%Y-%m")
        with connect(path, read_only=True) as connection:
            files = connection.execute(query("agency_files"), {"agency": agency}).df()
            messages = connection.execute(query("agency_messages"), {"agency": agency}).df()
            figures = connection.execute(query("agency_figures"), {"agency": agency, "since": since}).df()
        zone = self.settings.timezone
        files["received_at"] = [clock.local_minute(moment, zone) for moment in files["received_at"]]
        messages["recorded_at"] = [clock.local_minute(moment, zone) for moment in messages["recorded_at"]]
        waiting = review.slices(path, ("pending", "held"))
        owed = [
            report
            for report in reporting_status(path, day)
            if report.agency == agency and report.status in OWED and report.period >= since
        ]
        found = next(a for a in load_reference().agencies if a.code == agency)
        t = strings(self.lang)["console"]
        return self.console.render(
            request,
            "agency",
            agency=agency,
            agency_name=found.name,
            files=files.to_dict("records"),
            messages=messages.to_dict("records"),
            waiting=waiting.loc[waiting["agency"] == agency].to_dict("records"),
            owed=sorted(owed, key=lambda r: (r.period, r.indicator)),
            report_states=strings(self.lang)["labels"]["reporting_status"],
            table=self.figures_table(figures),
            chart=self.chart(figures),
            max_mb=self.settings.limits.max_file_bytes // 2**20,
            a=t["agency"],
            today=day,
        )

    def figures_table(self, figures: pd.DataFrame) -> dict[str, Any]:
        """Indicators by month: the published figure of each (a dash where none is)."""
        if figures.empty:
            return {"months": [], "rows": []}
        wide = figures.pivot_table(index="indicator", columns="period", values="people", aggfunc="sum")
        months = sorted(wide.columns)
        rows = [
            {"indicator": indicator, "values": [wide.at[indicator, m] for m in months]}
            for indicator in wide.index
        ]
        return {"months": months, "rows": rows}

    def chart(self, figures: pd.DataFrame) -> Any:
        """Each indicator's figure month by month, as the bulletin draws its charts (inline SVG)."""
        from mesa_tumbes.publication.bulletin_render import month_lines

        return month_lines(
            figures, self.lang, ("people", "console.agency.people_axis"), "indicator", (520, 220)
        )

    # --- what it downloads ---------------------------------------------------------------------

    def _own_folder(self, request: Request, agency: str) -> Path | None:
        """The feedback folder of the submission the address names, when it is the agency's."""
        return self.console.feedback_folder_of(request.path_params["submission_id"], agency)

    @as_agency
    async def feedback_page(self, request: Request, agency: str) -> Response:
        folder = self._own_folder(request, agency)
        if folder is None:
            return self.refusal(request, "not_yours", 404)
        return self.console.served_file(request, folder, strings(self.lang)["files"]["summary"])

    @as_agency
    async def feedback_file(self, request: Request, agency: str) -> Response:
        folder = self._own_folder(request, agency)
        if folder is None:
            return self.refusal(request, "not_yours", 404)
        return self.console.served_file(request, folder, request.path_params["name"])

    @as_agency
    async def agency_file(self, request: Request, agency: str) -> Response:
        """A file the feedback page links beside its folder (the blank template the agency was sent)."""
        folder = self._own_folder(request, agency)
        if folder is None:
            return self.refusal(request, "not_yours", 404)
        return self.console.served_file(request, folder.parent, request.path_params["name"])

    @as_agency
    async def template(self, request: Request, agency: str) -> Response:
        """The Mesa's template, made for the agency (its indicators and districts as lists)."""
        from mesa_tumbes.agency_templates.workbook import write_template

        with tempfile.TemporaryDirectory() as folder:
            written = write_template(Path(folder), load_reference(), agency, None, self.lang)
            content = written.read_bytes()
            name = written.name
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(
            content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )

    # --- sending a corrected file --------------------------------------------------------------

    @as_agency
    async def upload(self, request: Request, agency: str) -> Response:
        """The file lands in the agency's folder of the upload spool, archived first; the next run
        takes it and answers here and by mail."""
        keys = (f"upload:{agency}", f"upload-ip:{request.client.host if request.client else '?'}")
        if self.console.uploads.blocked(*keys):
            return self._after_upload(request, refused="throttled")
        self.console.uploads.failed(*keys)  # every file counts, taken or refused
        limit = self.settings.limits.max_file_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit + 64 * 1024:
            return self._after_upload(request, refused="too_large")
        async with request.form(max_files=1, max_fields=4) as form:
            sent, expected = str(form.get("csrf", "")), str(request.session.get("csrf", ""))
            if not expected or not secrets.compare_digest(sent.encode(), expected.encode()):
                return self.refusal(request, "csrf", 403)
            upload = form.get("archivo")
            if not isinstance(upload, UploadFile):
                return self._after_upload(request, refused="empty")
            content = await upload.read(limit + 1)
            name = upload.filename or ""
        try:
            delivered = deliver(
                self.settings.upload_spool, self.settings.archive, agency, name, content, limit
            )
        except UploadRefusedError as refused:
            return self._after_upload(request, refused=refused.key)
        said = text(self.lang, "console.agency.uploaded", file=delivered.path.name)
        return self._after_upload(request, said=said)

    def _after_upload(self, request: Request, said: str = "", refused: str = "") -> Response:
        if refused:
            max_mb = self.settings.limits.max_file_bytes // 2**20
            said = text(self.lang, f"console.agency.upload_refused.{refused}", max_mb=max_mb)
        request.session["flash"] = said
        return RedirectResponse(HOME, status_code=303)
