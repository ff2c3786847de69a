"""The review console: the month, the review queue, a submission, the follow-up of flagged values and
the audit trail, as server-rendered pages (no JavaScript), for officers (who decide) and Mesa members
(who read).

Security, as a real service: accounts with scrypt-hashed passwords (console/accounts.py); a signed
session cookie (HttpOnly, SameSite=Strict, Secure beyond localhost, where TLS must sit in front); a
CSRF token in every form, checked on every POST; login attempts throttled per address and account;
a Content-Security-Policy without scripts, X-Frame-Options and no sniffing; every text escaped by
the templates (agencies' file names and officers' comments included). Pages read the analysts'
published copy; a decision goes through pipeline.review (the writer's lock, one transaction, audit).
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
from typing import Any

import duckdb
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from mesa_tumbes.console.accounts import Account, authenticate, load_accounts
from mesa_tumbes.core import clock, templating
from mesa_tumbes.core.i18n import number, strings, text
from mesa_tumbes.core.settings import Settings
from mesa_tumbes.followup.status import default_period, headline, pending_text, summarise
from mesa_tumbes.pipeline import review as deciding
from mesa_tumbes.pipeline.review import decided_text
from mesa_tumbes.warehouse import review
from mesa_tumbes.warehouse.bookkeeping import reporting_status
from mesa_tumbes.warehouse.store import connect, query

HERE = Path(__file__).parent
SESSION_COOKIE = "mesa_consola"
SESSION_HOURS = 8
# Login: this many failures for one address or one account within the window, then a wait.
MAX_FAILURES, FAILURE_WINDOW_SECONDS = 5, 15 * 60
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
SUBMISSION = re.compile(r"^[0-9a-z_]{1,64}$")
# No script runs anywhere; the console's own pages take styles from its stylesheet only. The
# feedback and bulletin pages it shows keep their inline styles.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
CSP_DOCUMENTS = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"


class Throttle:
    """Failed logins per key (an address, an account) in a sliding window."""

    def __init__(self) -> None:
        self._failures: dict[str, list[float]] = defaultdict(list)
        self._lock = threading.Lock()

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._failures[key] = [t for t in self._failures[key] if now - t < FAILURE_WINDOW_SECONDS]
            return any(len(self._failures[key]) >= MAX_FAILURES for key in keys)

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
    routes = [
        Route("/entrar", console.login_page, methods=["GET"]),
        Route("/entrar", console.login, methods=["POST"]),
        Route("/salir", console.logout, methods=["POST"]),
        Route("/", console.month, methods=["GET"]),
        Route("/revision", console.queue, methods=["GET"]),
        Route("/revision", console.decide, methods=["POST"]),
        Route("/envio/{submission_id}", console.submission, methods=["GET"]),
        Route("/envio/{submission_id}/retroalimentacion", console.feedback_page, methods=["GET"]),
        Route("/seguimiento", console.follow_up, methods=["GET"]),
        Route("/auditoria", console.audit, methods=["GET"]),
        Route("/boletin/{period}", console.bulletin, methods=["GET"]),
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
        exception_handlers={duckdb.CatalogException: console.before_review},
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
        self.pages = templating.pages(HERE / "templates")

    async def before_review(self, request: Request, error: Exception) -> Response:
        """A published copy from before review (the first run of this version has not happened)."""
        page = text(self.lang, "review_cli.before_review", path=self.settings.warehouse)
        return self.render(request, "message", status=503, message=page)

    # --- sessions, accounts, forms -------------------------------------------------------------

    def account(self, request: Request) -> Account | None:
        name = request.session.get("user")
        return load_accounts(Path(self.settings.review.accounts)).get(name) if name else None

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
            user=getattr(request.state, "account", None) or self.account(request),
            csrf=self.csrf(request),
            flash=request.session.pop("flash", None),
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
        request.session.clear()  # a new session for the account: no fixation
        request.session.update({"user": account.name, "csrf": secrets.token_urlsafe(32)})
        return RedirectResponse("/", status_code=303)

    async def logout(self, request: Request) -> Response:
        if await self.form(request) is not None:
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
        return self.render(
            request,
            "month",
            period=period,
            periods=periods,
            rows=rows,
            headline=headline(summaries, self.lang) if summaries else "",
            counts=counts,
            rule=self.settings.review.auto_approve,
            bulletin=period is not None and (self.settings.bulletins / period / "boletin.html").is_file(),
        )

    @signed_in
    async def queue(self, request: Request) -> Response:
        rows = review.slices(self.settings.warehouse).to_dict("records")
        return self.render(request, "queue", rows=rows, rule=self.settings.review.auto_approve)

    @signed_in
    async def decide(self, request: Request) -> Response:
        account: Account = request.state.account
        form = await self.form(request)
        if form is None:
            return self.refused(request, "csrf_refused")
        if not account.decides:
            return self.refused(request, "read_only")
        action = form.get("accion", "")
        if action not in review.ACTIONS or not SUBMISSION.match(form.get("envio", "")):
            return self.refused(request, "bad_request", 400)
        try:
            version = int(form.get("version", ""))
        except ValueError:
            return self.refused(request, "bad_request", 400)
        decision = review.Decision(
            action=action,
            agency=form.get("institucion", ""),
            period=form.get("periodo", ""),
            submission_id=form["envio"],
            version=version,
            officer=account.name,
            comment=form.get("comentario", "")[:2000],
        )
        decided = deciding.decide(self.settings, decision)
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
        reviews = review.slices(self.settings.warehouse, review.STATES)
        reviews = reviews[reviews["submission_id"] == submission_id].to_dict("records")
        return self.render(
            request,
            "submission",
            record=record,
            details=details,
            reviews=reviews,
            history=history.to_dict("records"),
            has_feedback=self._feedback_file(str(record["feedback_path"])) is not None,
            timezone=self.settings.timezone,
        )

    @signed_in
    async def feedback_page(self, request: Request) -> Response:
        submission_id = request.path_params["submission_id"]
        if not SUBMISSION.match(submission_id):
            return self.refused(request, "not_found", 404)
        with connect(self.settings.warehouse, read_only=True) as connection:
            found = connection.execute(query("feedback_path_of"), {"submission_id": submission_id}).fetchone()
        page = self._feedback_file(str(found[0])) if found else None
        if page is None:
            return self.refused(request, "not_found", 404)
        return FileResponse(page, media_type="text/html", headers={"Content-Security-Policy": CSP_DOCUMENTS})

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
        page = self.settings.bulletins / period / "boletin.html"
        if not PERIOD.match(period) or not page.is_file():
            return self.refused(request, "not_found", 404)
        return FileResponse(page, media_type="text/html", headers={"Content-Security-Policy": CSP_DOCUMENTS})

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
