"""Pulling records from the systems partners already report in, over plain HTTP (httpx): R4V's 5W
form in ActivityInfo and a KoboToolbox form. Each pull asks only for what changed since the last one
and reads every page before anything is kept: a pull that stops halfway keeps nothing, and the next
run asks again from the same point. The raw pages are handed back as they came (they are archived by
their hash, like any file); the token is sent in a header and never logged nor kept.

ActivityInfo: `POST /resources/query/columns` (the R client's `queryTable`): the form as its row
source, the columns wanted (`_id`, `_lastEditTime` and the 5W fields), a filter on `_lastEditTime`,
sorted by it, read in windows of (offset, limit); the answer is a column set (`rows`, and per column
its storage: an `array` of values, a `constant` or `empty`). Authorization: `Bearer <token>`.

KoboToolbox: `GET /api/v2/assets/{uid}/data.json` with `limit` (at most 1,000 a page), sorted by
`_id`, following `next`. A record keeps its `_id` when it is edited (its `_uuid` changes) and Kobo
offers no time of the last edit to filter on, so every record is read and the caller keeps those
whose content changed. Authorization: `Token <key>`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from mesa_tumbes.core.tls import Trust

# At most this many records a page: what KoboToolbox allows since 2026; ActivityInfo's windows alike.
PAGE_RECORDS = 1_000
# A page over this size is refused (a server misconfigured, or not the one meant).
MAX_PAGE_BYTES = 50 * 2**20
TIMEOUT_SECONDS = 60
PullFault = Literal["unreachable", "token", "bad_answer", "too_large", "internal"]


class PullError(Exception):
    """A pull that could not be completed: `fault` says why (for the officer, in the locales), the
    detail is the server's own words (never the token)."""

    def __init__(self, fault: PullFault, detail: str = "") -> None:
        super().__init__(fault, detail)
        self.fault, self.detail = fault, detail

    def __str__(self) -> str:
        return f"{self.fault}: {self.detail}"


@dataclass(frozen=True)
class Page:
    """One page as the server sent it, and its records (field -> value, with the record's id)."""

    raw: bytes
    records: list[dict[str, Any]]


@dataclass(frozen=True)
class Pulled:
    """Every page of one pull, and where the next pull starts from."""

    pages: list[Page]
    cursor: str  # ActivityInfo: the latest _lastEditTime seen; Kobo: the largest _id seen

    @property
    def records(self) -> list[dict[str, Any]]:
        return [record for page in self.pages for record in page.records]


def activityinfo(
    url: str,
    form: str,
    token: str,
    columns: dict[str, str],
    since: str | None,
    page: int | None = None,
    trust: Trust | None = None,
) -> Pulled:
    """The form's records edited after `since` (a _lastEditTime, in seconds), with `columns`
    (name -> the form's field or expression), `_id` and `_lastEditTime` among them."""
    wanted = {"_id": "_id", "_lastEditTime": "_lastEditTime", **columns}
    body: dict[str, Any] = {
        "rowSources": [{"rootFormId": form}],
        "columns": [{"id": name, "expression": expression} for name, expression in wanted.items()],
        "truncateStrings": False,
        "sort": [{"dir": "ASC", "field": "_lastEditTime"}],
    }
    if since:
        body["filter"] = f"_lastEditTime > {float(since):.3f}"
    page = page or PAGE_RECORDS
    pages, cursor, offset = [], since or "", 0
    with _client(f"Bearer {token}", trust) as client:
        while True:
            raw = _send(
                client, "POST", f"{url}/resources/query/columns", json={**body, "window": [offset, page]}
            )
            records = _column_set(raw)
            pages.append(Page(raw, records))
            for record in records:
                edited = record.get("_lastEditTime")
                if edited is not None and (not cursor or float(edited) > float(cursor)):
                    cursor = str(edited)
            if len(records) < page:
                return Pulled(pages, cursor)
            offset += page


def kobo(url: str, asset: str, token: str, page: int | None = None, trust: Trust | None = None) -> Pulled:
    """Every submission of the asset (see the module's note on edits); the cursor is how many there
    are and the latest `_submission_time` (KoboMark), which a cheap look compares (kobo_mark)."""
    params: dict[str, Any] | None = {
        "limit": page or PAGE_RECORDS,
        "format": "json",
        "sort": json.dumps({"_id": 1}),
    }
    pages = []
    following: str | None = f"{url}/api/v2/assets/{asset}/data.json"
    with _client(f"Token {token}", trust) as client:
        while following:
            if not following.startswith(url):
                raise PullError("bad_answer", f"a next page outside {url}")
            raw = _send(client, "GET", following, params=params)
            params = None  # `next` carries them on
            try:
                answer = json.loads(raw)
                records = [dict(record) for record in answer["results"]]
                following = answer.get("next")
            except (ValueError, KeyError, TypeError) as error:
                raise PullError("bad_answer", f"{type(error).__name__}: {error}") from error
            pages.append(Page(raw, records))
    every = [record for page in pages for record in page.records]
    latest = max((str(record.get(SUBMITTED) or "") for record in every), default="")
    return Pulled(pages, KoboMark(len(every), latest).cursor)


# The time KoboToolbox received a submission (kept when it is edited).
SUBMITTED = "_submission_time"


@dataclass(frozen=True)
class KoboMark:
    """What tells a Kobo form unchanged: how many submissions it holds and the latest one's time."""

    count: int
    latest: str

    @property
    def cursor(self) -> str:
        return json.dumps({"count": self.count, "latest": self.latest})

    @classmethod
    def of(cls, cursor: str | None) -> KoboMark | None:
        """The mark a pull left (None when there is none, or it is from before marks were kept)."""
        try:
            kept = json.loads(cursor or "")
            return cls(int(kept["count"]), str(kept["latest"]))
        except (ValueError, KeyError, TypeError):
            return None


def kobo_mark(url: str, asset: str, token: str, trust: Trust | None = None) -> KoboMark:
    """The form's mark now, in one request of one record (the newest): a cheap look before a run."""
    params = {
        "limit": 1,
        "format": "json",
        "sort": json.dumps({SUBMITTED: -1}),
        "fields": json.dumps([SUBMITTED]),
    }
    with _client(f"Token {token}", trust) as client:
        raw = _send(client, "GET", f"{url}/api/v2/assets/{asset}/data.json", params=params)
    try:
        answer = json.loads(raw)
        newest = answer["results"][0].get(SUBMITTED) if answer["results"] else ""
        return KoboMark(int(answer["count"]), str(newest or ""))
    except (ValueError, KeyError, TypeError, IndexError) as error:
        raise PullError("bad_answer", f"{type(error).__name__}: {error}") from error


def activityinfo_changed(
    url: str, form: str, token: str, since: str | None, trust: Trust | None = None
) -> bool:
    """Whether any record of the form was edited after `since` (a _lastEditTime): one request of one
    row, before a run."""
    body: dict[str, Any] = {
        "rowSources": [{"rootFormId": form}],
        "columns": [{"id": "_id", "expression": "_id"}],
        "truncateStrings": True,
        "window": [0, 1],
    }
    if since:
        body["filter"] = f"_lastEditTime > {float(since):.3f}"
    with _client(f"Bearer {token}", trust) as client:
        raw = _send(client, "POST", f"{url}/resources/query/columns", json=body)
    return len(_column_set(raw)) > 0


def _client(authorization: str, trust: Trust | None) -> Any:
    """An HTTP client that checks the server's certificate against `trust` (the system's trust store
    by default), as every client of the Mesa does (core/tls.py)."""
    import httpx  # imported here: the command line does not need it to start

    try:
        context = (trust or Trust()).context()
    except OSError as error:
        raise PullError("unreachable", f"CA: {error}") from error
    return httpx.Client(
        headers={"Authorization": authorization, "Accept": "application/json"},
        timeout=TIMEOUT_SECONDS,
        follow_redirects=False,
        verify=context,
    )


def _send(client: Any, method: str, url: str, **options: Any) -> bytes:
    """One request's body (at most MAX_PAGE_BYTES), or the PullError that says why not."""
    import httpx

    try:
        with client.stream(method, url, **options) as response:
            if response.status_code in (401, 403):
                raise PullError("token", f"HTTP {response.status_code}")
            if response.status_code != 200:
                raise PullError("unreachable", f"HTTP {response.status_code}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_PAGE_BYTES:
                    raise PullError("too_large", f"> {MAX_PAGE_BYTES // 2**20} MB")
            return bytes(body)
    except httpx.HTTPError as error:
        raise PullError("unreachable", f"{type(error).__name__}: {error}") from error


def _column_set(raw: bytes) -> list[dict[str, Any]]:
    """ActivityInfo's column set as records: `rows`, and each column's values by its storage."""
    try:
        answer = json.loads(raw)
        rows = int(answer["rows"])
        columns = {name: _values(column, rows) for name, column in answer["columns"].items()}
    except (ValueError, KeyError, TypeError) as error:
        raise PullError("bad_answer", f"{type(error).__name__}: {error}") from error
    return [{name: values[row] for name, values in columns.items()} for row in range(rows)]


def _values(column: dict[str, Any], rows: int) -> list[Any]:
    storage = column.get("storage")
    if storage == "array":
        values = list(column["values"])
        if len(values) != rows:
            raise ValueError(f"a column of {len(values)} values in a set of {rows} rows")
        return values
    if storage == "constant":
        return [column.get("value")] * rows
    if storage == "empty":
        return [None] * rows
    raise ValueError(f"unknown storage {storage!r}")
