"""The review console: the month, the review queue, a submission, the follow-up of flagged values and
the audit trail, as server-rendered pages (no JavaScript), for officers (who decide) and Mesa members
(who read).

Security, as a real service: accounts with scrypt-hashed passwords under one password rule
(console/accounts.py); sessions kept on the server (console/sessions.py: the signed cookie holds a
random id, revoked at logout, after an idle hour or eight hours, and when the account's password or role
changes), the cookie HttpOnly, SameSite=Strict, Secure beyond localhost (where TLS must sit in front),
signed with a key kept out of git (core/secret.py; console/keys.py refuses to start when git could take
it); a CSRF token in every form, checked on every POST; login attempts throttled per address and
account; a Content-Security-Policy without scripts, X-Frame-Options and no sniffing; every text escaped
by the templates (agencies' file names and officers' comments included); error pages in the console's
frame, never a trace. Readers (Mesa members) see small counts of sensitive sectors suppressed as `mesa
export` suppresses them. Pages read the analysts' published copy; a decision goes through
pipeline.review (the writer's lock, one transaction, audit), a batch of approvals too (one transaction,
one audit line each, one publish).
"""

from __future__ import annotations

import functools
import hmac
import json
import re
import secrets
import threading
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import duckdb
import pandas as pd
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from mesa_tumbes.console.accounts import Account, authenticate, load_accounts
from mesa_tumbes.console.agency import AgencyPages
from mesa_tumbes.console.sessions import Sessions, sessions_path
from mesa_tumbes.core import clock, templating
from mesa_tumbes.core.boundaries import load_boundaries
from mesa_tumbes.core.i18n import number, strings, text
from mesa_tumbes.core.reference import load_reference
from mesa_tumbes.core.settings import Settings
from mesa_tumbes.followup.status import default_period, headline, pending_text, summarise
from mesa_tumbes.pipeline import review as deciding
from mesa_tumbes.pipeline.review import decided_text
from mesa_tumbes.publication.maps import drawn, gap_classes, gaps_by_district
from mesa_tumbes.publication.suppression import primary
from mesa_tumbes.warehouse import review
from mesa_tumbes.warehouse.bookkeeping import reporting_status
from mesa_tumbes.warehouse.store import connect, query

HERE = Path(__file__).parent
SESSION_COOKIE = "mesa_consola"
SESSION_HOURS = 8
# The month page's map of the districts, in SVG user units (it scales with the page).
MAP_WIDTH, MAP_HEIGHT = 360, 400
DISTRICT = re.compile(r"\A24\d{4}\Z")
# Login: this many failures for one address or one account within the window, then a wait.
MAX_FAILURES, FAILURE_WINDOW_SECONDS = 5, 15 * 60
# Files an agency's page may send within the same window (each one counts, taken or refused).
MAX_UPLOADS = 10
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
SUBMISSION = re.compile(r"^[0-9a-z_]{1,64}$")
SLICE_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$")
AGENCY = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
# The files of a feedback folder the console serves (the summary links them), by their suffix.
FEEDBACK_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".xlsx": None,
    ".html": None,
}
FEEDBACK_NAME = re.compile(r"^[\w][\w.-]{0,200}$")
# No script runs anywhere; the console's own pages take styles from its stylesheet only. The
# feedback and bulletin pages it shows keep their inline styles.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
CSP_DOCUMENTS = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"


class Throttle:
    """Failed logins per key (an address, an account) in a sliding window; `limit` of them block the
    key until the oldest leaves the window."""

    def __init__(self, limit: int = MAX_FAILURES) -> None:
        self._failures: dict[str, list[float]] = defaultdict(list)
        self._lock = threading.Lock()
        self.limit = limit

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._failures[key] = [t for t in self._failures[key] if now - t < FAILURE_WINDOW_SECONDS]
            return any(len(self._failures[key]) >= self.limit for key in keys)

    def failed(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures[key].append(time.monotonic())


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cache-Control"] = "no-store"
        return response


def create_app(settings: Settings, secret_key: str, secure_cookies: bool = False) -> Starlette:
    """The console for these settings; `secret_key` signs the session cookies."""
    console = Console(settings)
    agency = AgencyPages(console)
    routes = [
        Route("/entrar", console.login_page, methods=["GET"]),
        Route("/entrar", console.login, methods=["POST"]),
        Route("/salir", console.logout, methods=["POST"]),
        Route("/", console.month, methods=["GET"]),
        Route("/revision", console.queue, methods=["GET"]),
        Route("/revision", console.decide, methods=["POST"]),
        Route("/revision/lote", console.decide_batch, methods=["POST"]),
        Route("/envio/{submission_id}", console.submission, methods=["GET"]),
        Route("/envio/{submission_id}/retroalimentacion", console.feedback_moved, methods=["GET"]),
        Route("/envio/{submission_id}/retroalimentacion/", console.feedback_page, methods=["GET"]),
        Route("/envio/{submission_id}/retroalimentacion/{name}", console.feedback_file, methods=["GET"]),
        Route("/envio/{submission_id}/{name}", console.agency_file, methods=["GET"]),
        Route("/distrito/{district}", console.district, methods=["GET"]),
        Route("/seguimiento", console.follow_up, methods=["GET"]),
        Route("/auditoria", console.audit, methods=["GET"]),
        Route("/boletin/{period}", console.bulletin, methods=["GET"]),
        Route("/boletin/{period}", console.rebuild_bulletin, methods=["POST"]),
        Route("/institucion/entrar/{token}", agency.enter, methods=["GET"]),
        Route("/institucion/", agency.page, methods=["GET"]),
        Route("/institucion/salir", agency.leave, methods=["POST"]),
        Route("/institucion/enviar", agency.upload, methods=["POST"]),
        Route("/institucion/plantilla", agency.template, methods=["GET"]),
        Route("/institucion/envio/{submission_id}/retroalimentacion/", agency.feedback_page, methods=["GET"]),
        Route(
            "/institucion/envio/{submission_id}/retroalimentacion/{name}",
            agency.feedback_file,
            methods=["GET"],
        ),
        Route("/institucion/envio/{submission_id}/{name}", agency.agency_file, methods=["GET"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [
        Middleware(
            SessionMiddleware,
            secret_key=secret_key,
            session_cookie=SESSION_COOKIE,
            max_age=SESSION_HOURS * 3600,
            same_site="strict",
            https_only=secure_cookies,
        ),
        Middleware(SecurityHeaders),
    ]
    return Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={
            duckdb.CatalogException: console.before_review,
            HTTPException: console.http_error,
            Exception: console.server_error,
        },
    )


Page = Callable[["Console", Request], Awaitable[Response]]


def signed_in(page: Page) -> Page:
    """A page for accounts only: without a session, the login page; with one, its account (read
    from the accounts file once per request) is request.state.account."""

    @functools.wraps(page)
    async def guarded(console: Console, request: Request) -> Response:
        account = console.account(request)
        if account is None:
            return console.to_login()
        request.state.account = account
        return await page(console, request)

    return guarded


class Console:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lang = settings.lang
        self.throttle = Throttle()
        self.uploads = Throttle(MAX_UPLOADS)  # files sent from agencies' pages, per agency and address
        self.pages = templating.pages(HERE / "templates")
        self.sessions = Sessions(sessions_path(Path(settings.review.accounts)))

    async def before_review(self, request: Request, error: Exception) -> Response:
        """A published copy from before review (the first run of this version has not happened)."""
        page = text(self.lang, "review_cli.before_review", path=self.settings.warehouse)
        return self.render(request, "message", status=503, message=page)

    async def http_error(self, request: Request, error: Exception) -> Response:
        """404 and 405 (and any other refusal Starlette raises) as a page of the console, in words."""
        status = error.status_code if isinstance(error, HTTPException) else 400
        key = {404: "not_found", 405: "method_not_allowed"}.get(status, "bad_request")
        return self.bare(key, status)

    async def server_error(self, request: Request, error: Exception) -> Response:
        """A fault of the console itself: said in words, never a trace (the trace goes to the log)."""
        return self.bare("server_error", 500)

    def bare(self, key: str, status: int) -> HTMLResponse:
        """A message page that needs no session (an error may come before or outside it)."""
        page = self.pages.get_template("message.html.j2").render(
            t=strings(self.lang)["console"], lang=self.lang, user=None, csrf="", flash=None,
            message=text(self.lang, f"console.{key}"),
        )  # fmt: skip
        return HTMLResponse(page, status_code=status)

    # --- sessions, accounts, forms -------------------------------------------------------------

    def account(self, request: Request) -> Account | None:
        """The account of the request's session, if it is still one (sessions.py), once a request."""
        if not hasattr(request.state, "account"):
            accounts = load_accounts(Path(self.settings.review.accounts))
            request.state.account = self.sessions.find(request.session.get("sid"), accounts)
        found: Account | None = request.state.account
        return found

    def csrf(self, request: Request) -> str:
        token = request.session.get("csrf")
        if not token:
            token = request.session["csrf"] = secrets.token_urlsafe(32)
        return str(token)

    async def form(self, request: Request) -> dict[str, str] | None:
        """The POSTed form, when its CSRF token is this session's; else None."""
        form = await request.form()
        sent, expected = str(form.get("csrf", "")), str(request.session.get("csrf", ""))
        if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            return None
        return {key: str(value) for key, value in form.items()}

    def render(self, request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
        t = strings(self.lang)["console"]
        page = self.pages.get_template(f"{name}.html.j2").render(
            t=t,
            lang=self.lang,
            num=functools.partial(number, lang=self.lang),
            user=self.account(request),
            csrf=self.csrf(request),
            flash=request.session.pop("flash", None),
            statuses=strings(self.lang)["status"],
            threshold=self.settings.suppression_threshold,
            **values,
        )
        return HTMLResponse(page, status_code=status)

    def refused(self, request: Request, key: str, status: int = 403) -> HTMLResponse:
        return self.render(request, "message", status=status, message=text(self.lang, f"console.{key}"))

    def to_login(self) -> RedirectResponse:
        return RedirectResponse("/entrar", status_code=303)

    # --- login ---------------------------------------------------------------------------------

    async def login_page(self, request: Request) -> Response:
        return self.render(request, "login")

    async def login(self, request: Request) -> Response:
        form = await self.form(request)
        if form is None:
            return self.refused(request, "csrf_refused")
        name, password = form.get("usuario", "").strip(), form.get("clave", "")
        keys = (f"ip:{request.client.host if request.client else '?'}", f"user:{name.lower()}")
        if self.throttle.blocked(*keys):
            return self.render(request, "login", status=429, error=text(self.lang, "console.login_throttled"))
        accounts = load_accounts(Path(self.settings.review.accounts))
        account = authenticate(accounts, name, password)
        if account is None:
            self.throttle.failed(*keys)
            return self.render(request, "login", status=401, error=text(self.lang, "console.login_failed"))
        self.sessions.forget_expired()
        self.sessions.end(request.session.get("sid"))  # a new session for the account: no fixation
        request.session.clear()
        request.session.update({"sid": self.sessions.start(account), "csrf": secrets.token_urlsafe(32)})
        return RedirectResponse("/", status_code=303)

    async def logout(self, request: Request) -> Response:
        if await self.form(request) is not None:
            self.sessions.end(request.session.get("sid"))  # a copy of the cookie opens nothing now
            request.session.clear()
        return self.to_login()

    # --- pages ---------------------------------------------------------------------------------

    @signed_in
    async def month(self, request: Request) -> Response:
        path = self.settings.warehouse
        if not path.exists():
            return self.refused(request, "no_warehouse", 503)
        day = clock.today(self.settings.timezone)
        reports = reporting_status(path, day)
        chosen = request.query_params.get("periodo", "")
        period = chosen if PERIOD.match(chosen) else default_period(reports, day)
        periods = sorted({r.period for r in reports}, reverse=True)
        summaries = summarise(reports, period) if period else []
        states = review.slices(path, ("pending", "approved", "returned", "held"))
        in_period = states[states["period"] == period] if period else states.iloc[0:0]
        by_agency = {agency: rows for agency, rows in in_period.groupby("agency")}
        rows = [
            {
                "summary": summary,
                "pending": pending_text(summary, self.lang),
                "reviews": by_agency[summary.agency].to_dict("records")
                if summary.agency in by_agency
                else [],
            }
            for summary in summaries
        ]
        counts = in_period["state"].value_counts().to_dict()
        with connect(path, read_only=True) as connection:
            files = connection.execute(query("console_month_files"), {"period": period or ""}).df()
            territorial = connection.execute(
                query("console_month_territorial"), {"period": period or ""}
            ).df()
        files["received_at"] = [clock.local_minute(m, self.settings.timezone) for m in files["received_at"]]
        boundaries = load_boundaries()
        gaps = gaps_by_district(territorial, period or "", boundaries)
        return self.render(
            request,
            "month",
            gaps=gaps,
            districts=drawn(gaps, boundaries, MAP_WIDTH, MAP_HEIGHT),
            map_size=(MAP_WIDTH, MAP_HEIGHT),
            legend=gap_classes(gaps, self.lang)[1],
            sector_names={
                sector.name: sector.name_es if self.lang == "es" else sector.name
                for sector in load_reference().sectors
            },
            period=period,
            periods=periods,
            rows=rows,
            headline=headline(summaries, self.lang) if summaries else "",
            counts=counts,
            rule=self.settings.review.auto_approve,
            files=files.to_dict("records"),
            bulletin=self.bulletin_state(period) if period else None,
            timezone=self.settings.timezone,
        )

    def bulletin_page(self, period: str) -> Path:
        name: str = strings(self.lang)["bulletin"]["files"]["html"]
        return self.settings.bulletins / period / name

    def bulletin_state(self, period: str) -> str | None:
        """The month's bulletin: None (there is none), "current", or "stale" when a decision changed
        what is published for the month after it was written."""
        page = self.bulletin_page(period)
        if not page.is_file():
            return None
        with connect(self.settings.warehouse, read_only=True) as connection:
            (last,) = connection.execute(query("console_last_change"), {"period": period}).fetchone() or (
                None,
            )
        written = pd.Timestamp(page.stat().st_mtime, unit="s", tz="UTC")
        return "stale" if last is not None and pd.Timestamp(last) > written else "current"

    @signed_in
    async def queue(self, request: Request) -> Response:
        rows = self.protected_slices(request, review.slices(self.settings.warehouse))
        return self.render(request, "queue", rows=rows, rule=self.settings.review.auto_approve)

    def protected_slices(self, request: Request, slices: pd.DataFrame) -> list[dict[str, Any]]:
        """The review rows, their figures as the account may see them: a reader sees a sensitive
        sector's small counts as the export's marker, an officer the true values."""
        rows = cast(list[dict[str, Any]], slices.to_dict("records"))
        if self.account(request) is None or self.account(request).decides:  # type: ignore[union-attr]
            return rows
        threshold, marker = self.settings.suppression_threshold, f"<{self.settings.suppression_threshold}"
        for row in rows:
            listed = row.get("figures")
            figures = [dict(f) for f in (listed if listed is not None else [])]
            for figure in figures:
                if figure.get("sensitive"):
                    for key in ("figure", "published", "previous"):
                        value = figure.get(key)
                        if value is not None and 0 < value < threshold:
                            figure[key] = marker
            row["figures"] = figures
        return rows

    @signed_in
    async def decide(self, request: Request) -> Response:
        account: Account = request.state.account
        form = await self.form(request)
        if form is None:
            return self.refused(request, "csrf_refused")
        if not account.decides:
            return self.refused(request, "read_only")
        action = form.get("accion", "")
        if action not in review.ACTIONS:
            return self.refused(request, "bad_request", 400)
        decision = _decision(
            action, form.get("institucion", ""), form.get("periodo", ""), form.get("envio", ""),
            form.get("version", ""), account.name, form.get("comentario", ""),
        )  # fmt: skip
        if decision is None:
            return self.refused(request, "bad_request", 400)
        decided = await run_in_threadpool(deciding.decide, self.settings, decision)
        if not decided.applied:
            current = review.slices(self.settings.warehouse, (*review.OPEN_STATES, "approved"))
            mine = current[
                (current["agency"] == decision.agency)
                & (current["period"] == decision.period)
                & (current["submission_id"] == decision.submission_id)
            ].to_dict("records")
            return self.render(
                request,
                "refused",
                status=409,
                reason=text(self.lang, f"console.refusal.{decided.refusal}"),
                rows=mine,
            )
        request.session["flash"] = decided_text(decided, self.lang)
        back = form.get("volver", "/revision")
        return RedirectResponse(
            back if back.startswith("/") and not back.startswith("//") else "/revision", 303
        )

    @signed_in
    async def decide_batch(self, request: Request) -> Response:
        """Approve the slices ticked in the queue in one decision: one transaction, one audit line
        each, one publish. A slice that changed since the page was loaded is refused and shown; the
        others are approved."""
        account: Account = request.state.account
        raw = await request.form()
        form = await self.form(request)
        if form is None:
            return self.refused(request, "csrf_refused")
        if not account.decides:
            return self.refused(request, "read_only")
        decisions = []
        for ticked in raw.getlist("tramo"):
            parts = str(ticked).split("|")
            decision = None
            if len(parts) == 4:
                agency, period, submission_id, version = parts
                decision = _decision("approve", agency, period, submission_id, version, account.name, "")
            if decision is None:
                return self.refused(request, "bad_request", 400)
            decisions.append(decision)
        if not decisions:
            request.session["flash"] = text(self.lang, "console.batch_none")
            return RedirectResponse("/revision", 303)
        results = await run_in_threadpool(deciding.decide_many, self.settings, decisions)
        applied = [decided for decided in results if decided.applied]
        refused = [decided for decided in results if not decided.applied]
        said = text(self.lang, "console.batch_done", applied=len(applied), refused=len(refused))
        if not refused:
            request.session["flash"] = said
            return RedirectResponse("/revision", 303)
        current = review.slices(self.settings.warehouse, (*review.OPEN_STATES, "approved"))
        keys = {(d.decision.agency, d.decision.period, d.decision.submission_id) for d in refused}
        mine = current[
            [
                key in keys
                for key in zip(current["agency"], current["period"], current["submission_id"], strict=True)
            ]
        ]
        reasons = sorted({text(self.lang, f"console.refusal.{d.refusal}") for d in refused})
        return self.render(
            request, "refused", status=409, reason=" ".join([said, *reasons]),
            rows=self.protected_slices(request, mine),
        )  # fmt: skip

    @signed_in
    async def submission(self, request: Request) -> Response:
        submission_id = request.path_params["submission_id"]
        if not SUBMISSION.match(submission_id):
            return self.refused(request, "not_found", 404)
        with connect(self.settings.warehouse, read_only=True) as connection:
            found = connection.execute(query("console_submission"), {"submission_id": submission_id}).df()
            if found.empty:
                return self.refused(request, "not_found", 404)
            history = connection.execute(query("console_history"), {"submission_id": submission_id}).df()
        record = found.to_dict("records")[0]
        record["received_local"] = clock.local_time(record["received_at"], self.settings.timezone)
        history["received_at"] = [
            clock.local_minute(m, self.settings.timezone) for m in history["received_at"]
        ]
        details = self._details(str(record["feedback_path"]))
        states = review.slices(self.settings.warehouse, review.STATES)
        reviews = self.protected_slices(request, states[states["submission_id"] == submission_id])
        return self.render(
            request,
            "submission",
            record=record,
            details=details,
            reviews=reviews,
            figures=self.figures(request, submission_id, details),
            history=history.to_dict("records"),
            has_feedback=self._feedback_file(str(record["feedback_path"])) is not None,
            timezone=self.settings.timezone,
        )

    def figures(self, request: Request, submission_id: str, details: dict[str, Any]) -> list[dict[str, Any]]:
        """What approving the submission publishes: its figures by indicator, area and group (the
        marts' own rule), the agency's published figure of the month before beside each, and the
        warnings of the rows behind each indicator and area (why it is flagged). A reader sees small
        counts of sensitive sectors as `mesa export` shows them."""
        with connect(self.settings.warehouse, read_only=True) as connection:
            frame = connection.execute(
                query("console_submission_figures"), {"submission_id": submission_id}
            ).df()
            placed = connection.execute(
                "select row_number, indicator, district, period from observations where submission_id = ?",
                [submission_id],
            ).fetchall()
        where = {int(row): (indicator, area, period) for row, indicator, area, period in placed}
        flagged: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        for problem in details.get("problems", []):
            row = problem.get("row_number")
            if problem.get("severity_id") == "warning" and row is not None and int(row) in where:
                flagged[where[int(row)]].append(str(problem.get("message", "")))
        frame = frame.reset_index(drop=True)
        account = self.account(request)
        if account is not None and not account.decides:
            frame = self._suppressed(frame)
        rows = cast(list[dict[str, Any]], frame.to_dict("records"))
        for row in rows:
            row["flags"] = flagged.get((row["indicator"], row["area_code"], row["period"]), [])
        return rows

    def _suppressed(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Small counts of sensitive sectors hidden for a reader, never less than `mesa export` hides:
        where one cell of an indicator's month is small (primary suppression), every cell of that
        indicator's month is hidden, so that no subtraction within the page or against a published
        total of the area, its province or its groups gives it back (the export, which sees every
        agency's figures, hides fewer; the console shows one agency's, and hides these all)."""
        threshold, marker = self.settings.suppression_threshold, f"<{self.settings.suppression_threshold}"
        shown = frame.astype({"people": object, "previous": object})
        sensitive = frame["is_sensitive"].astype(bool)
        for column in ("people", "previous"):
            small = primary(frame, column, sensitive, threshold)
            touched = small.groupby([frame["indicator"], frame["period"]]).transform("any")
            values = pd.to_numeric(frame[column], errors="coerce")
            shown.loc[(touched & sensitive & values.gt(0)).to_numpy(), column] = marker
        return shown

    async def feedback_moved(self, request: Request) -> Response:
        """The feedback page lives in its folder's URL, so that the links it has to its files work."""
        return RedirectResponse(f"{request.url.path}/", status_code=308)

    @signed_in
    async def feedback_page(self, request: Request) -> Response:
        """The agency's feedback page as the agency reads it, with a way back to the submission."""
        submission_id = request.path_params["submission_id"]
        folder = self.feedback_folder_of(submission_id)
        page = self._feedback_file(str(folder)) if folder is not None else None
        if page is None:
            return self.refused(request, "not_found", 404)
        back = self.pages.get_template("_back.html.j2").render(
            t=strings(self.lang)["console"], submission_id=submission_id
        )
        html = page.read_text(encoding="utf-8")
        opened = re.search(r"<body[^>]*>", html)
        html = html[: opened.end()] + back + html[opened.end() :] if opened else back + html
        return HTMLResponse(html, headers={"Content-Security-Policy": CSP_DOCUMENTS})

    @signed_in
    async def feedback_file(self, request: Request) -> Response:
        """A file of the submission's feedback folder (its CSV, JSON, annotated copy)."""
        folder = self.feedback_folder_of(request.path_params["submission_id"])
        return self.served_file(request, folder, request.path_params["name"])

    @signed_in
    async def agency_file(self, request: Request) -> Response:
        """A file of the agency's feedback folder the page links (its blank template)."""
        folder = self.feedback_folder_of(request.path_params["submission_id"])
        return self.served_file(
            request, folder.parent if folder is not None else None, request.path_params["name"]
        )

    def served_file(self, request: Request, folder: Path | None, name: str) -> Response:
        path = folder / name if folder is not None and FEEDBACK_NAME.match(name) else None
        if path is None or path.suffix not in FEEDBACK_TYPES or not path.is_file() or path.is_symlink():
            return self.refused(request, "not_found", 404)
        if path.suffix == ".html":
            return FileResponse(
                path, media_type="text/html", headers={"Content-Security-Policy": CSP_DOCUMENTS}
            )
        return FileResponse(path, media_type=FEEDBACK_TYPES[path.suffix], filename=path.name)

    def feedback_folder_of(self, submission_id: str, agency: str | None = None) -> Path | None:
        """The submission's feedback folder; with `agency`, only when the submission is its."""
        if not SUBMISSION.match(submission_id):
            return None
        with connect(self.settings.warehouse, read_only=True) as connection:
            found = connection.execute(
                query("feedback_path_of"), {"submission_id": submission_id, "agency": agency}
            ).fetchone()
        return self._folder(str(found[0])) if found and found[0] is not None else None

    @signed_in
    async def district(self, request: Request) -> Response:
        """What a district lacks in a month (each sector with need, and whether a service was
        reported there) and who reports there: the page each district of the month's map opens."""
        code = request.path_params["district"]
        chosen = request.query_params.get("periodo", "")
        if not DISTRICT.match(code) or not PERIOD.match(chosen):
            raise HTTPException(404)
        path = self.settings.warehouse
        if not path.exists():
            return self.refused(request, "no_warehouse", 503)
        with connect(path, read_only=True) as connection:
            sectors = connection.execute(query("console_month_territorial"), {"period": chosen}).df()
            agencies = connection.execute(
                query("console_district_agencies"), {"district": code, "period": chosen}
            ).df()
        sectors = sectors.loc[sectors["district"] == code]
        name = load_boundaries().name_of(code) if sectors.empty else str(sectors["district_name"].iloc[0])
        if name is None:
            raise HTTPException(404)
        return self.render(
            request,
            "district",
            district=code,
            district_name=name,
            period=chosen,
            sectors=sectors.to_dict("records"),
            agencies=agencies.to_dict("records"),
            gap_statuses=strings(self.lang)["labels"]["gap_status"],
        )

    @signed_in
    async def follow_up(self, request: Request) -> Response:
        waiting = review.slices(self.settings.warehouse, ("pending", "held"))
        items = []
        for row in waiting.to_dict("records"):
            details = self._details(str(row["feedback_path"]))
            warnings = [
                problem for problem in details.get("problems", []) if problem.get("severity_id") == "warning"
            ]
            if warnings:
                items.append({"slice": row, "warnings": warnings})
        return self.render(request, "follow_up", items=items)

    @signed_in
    async def audit(self, request: Request) -> Response:
        rows = review.audit(self.settings.warehouse).to_dict("records")
        for row in rows:  # in the Mesa's time, as every time the officer reads
            row["decided_at"] = clock.local_minute(row["decided_at"], self.settings.timezone)
        return self.render(request, "audit", rows=rows, timezone=self.settings.timezone)

    @signed_in
    async def bulletin(self, request: Request) -> Response:
        period = request.path_params["period"]
        if not PERIOD.match(period) or not self.bulletin_page(period).is_file():
            return self.refused(request, "not_found", 404)
        return FileResponse(
            self.bulletin_page(period),
            media_type="text/html",
            headers={"Content-Security-Policy": CSP_DOCUMENTS},
        )

    @signed_in
    async def rebuild_bulletin(self, request: Request) -> Response:
        """Write the month's bulletin again from what is published now (officers)."""
        account: Account = request.state.account
        if await self.form(request) is None:
            return self.refused(request, "csrf_refused")
        if not account.decides:
            return self.refused(request, "read_only")
        period = request.path_params["period"]
        if not PERIOD.match(period):
            return self.refused(request, "not_found", 404)
        await run_in_threadpool(self._write_bulletin, period)
        request.session["flash"] = text(self.lang, "console.bulletin_rebuilt", period=period)
        return RedirectResponse(f"/?periodo={period}", 303)

    def _write_bulletin(self, period: str) -> None:
        from mesa_tumbes.core.reference import load_reference
        from mesa_tumbes.publication.bulletin import gather
        from mesa_tumbes.publication.bulletin_render import write_bulletin

        bulletin = gather(
            self.settings.warehouse, load_reference(), period, self.lang, self.settings.suppression_threshold
        )
        write_bulletin(bulletin, self.settings.bulletins)

    # --- the feedback folders --------------------------------------------------------------------

    def _folder(self, relative: str) -> Path | None:
        root = self.settings.feedback.resolve()
        folder = (root / relative).resolve()
        return folder if folder.is_relative_to(root) and folder.is_dir() else None

    def _details(self, relative: str) -> dict[str, Any]:
        folder = self._folder(relative)
        name = strings(self.lang)["files"]["details"]
        if folder is None or not (folder / name).is_file():
            return {}
        loaded: dict[str, Any] = json.loads((folder / name).read_text(encoding="utf-8"))
        return loaded

    def _feedback_file(self, relative: str) -> Path | None:
        folder = self._folder(relative)
        page = folder / strings(self.lang)["files"]["summary"] if folder else None
        return page if page is not None and page.is_file() else None


def _decision(
    action: str, agency: str, period: str, submission_id: str, version: str, officer: str, comment: str
) -> review.Decision | None:
    """A decision as a form states it, or None when the form does not hold one."""
    if (
        not PERIOD.match(period)
        or not SUBMISSION.match(submission_id)
        or not re.match(r"^[A-Z0-9_]{1,40}$", agency)
    ):
        return None
    try:
        seen = int(version)
    except ValueError:
        return None
    return review.Decision(action, agency, period, submission_id, seen, officer, comment[:2000])  # type: ignore[arg-type]
