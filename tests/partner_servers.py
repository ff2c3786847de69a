"""Small servers on loopback for the partners' APIs the intake pulls, implementing what it uses of
them, as documented: ActivityInfo's column query (`POST /resources/query/columns`: a Bearer token,
the form as row source, columns by expression, a filter on `_lastEditTime`, windows of offset and
limit, the answer as a column set) and KoboToolbox's data endpoint (`GET
/api/v2/assets/{uid}/data.json`: a Token, pages of at most `limit` records, `next` links). Each holds
records a test edits, and can answer a page with an error or refuse an expired token."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

OIM = "International Organization for Migration (IOM)"

FILTER = re.compile(r"^_lastEditTime > ([0-9.]+)$")


@dataclass
class PartnerApi:
    """What a server holds and how it behaves; tests change it between runs."""

    token: str
    form: str
    records: list[dict[str, Any]] = field(default_factory=list)
    fail_page: int | None = None  # answer this page (0-based) with HTTP 500
    requests: list[str] = field(default_factory=list)  # what was asked, for the tests to read
    url: str = ""


class ActivityInfoHandler(BaseHTTPRequestHandler):
    api: PartnerApi

    def do_POST(self) -> None:
        api = self.api
        if self.headers.get("Authorization") != f"Bearer {api.token}":
            return self._send(401, {"message": "Invalid or expired token"})
        if self.path != "/resources/query/columns":
            return self._send(404, {"message": "not found"})
        query = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        if query["rowSources"] != [{"rootFormId": api.form}]:
            return self._send(404, {"message": "no such form"})
        offset, limit = query.get("window", [0, 10_000])
        api.requests.append(json.dumps(query))
        if api.fail_page is not None and offset // max(limit, 1) == api.fail_page:
            return self._send(500, {"message": "internal error"})
        since = FILTER.match(query.get("filter", "")) if query.get("filter") else None
        rows = [r for r in api.records if since is None or r["_lastEditTime"] > float(since.group(1))]
        rows.sort(key=lambda record: record["_lastEditTime"])
        rows = rows[offset : offset + limit]
        columns = {
            column["id"]: {
                "type": "STRING",
                "storage": "array",
                "values": [row.get(column["expression"]) for row in rows],
            }
            for column in query["columns"]
        }
        return self._send(200, {"rows": len(rows), "columns": columns})

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return


class KoboHandler(ActivityInfoHandler):
    def do_GET(self) -> None:
        api = self.api
        if self.headers.get("Authorization") != f"Token {api.token}":
            return self._send(401, {"detail": "Invalid token."})
        parts = urlsplit(self.path)
        if parts.path != f"/api/v2/assets/{api.form}/data.json":
            return self._send(404, {"detail": "Not found."})
        params = {key: values[0] for key, values in parse_qs(parts.query).items()}
        limit = min(int(params.get("limit", 100)), 1000)
        start = int(params.get("start", 0))
        api.requests.append(self.path)
        if api.fail_page is not None and start // limit == api.fail_page:
            return self._send(500, {"detail": "Server error."})
        rows = sorted(api.records, key=lambda record: record["_id"])
        page = rows[start : start + limit]
        page_after = urlencode({"limit": limit, "start": start + limit})
        following = (
            f"{api.url}/api/v2/assets/{api.form}/data.json?{page_after}"
            if start + limit < len(rows)
            else None
        )
        return self._send(200, {"count": len(rows), "next": following, "previous": None, "results": page})


@contextmanager
def serving(api: PartnerApi, handler: type[ActivityInfoHandler]) -> Iterator[PartnerApi]:
    """The API on 127.0.0.1 (a free port), for the length of the block."""
    bound = type(handler.__name__, (handler,), {"api": api})
    server = ThreadingHTTPServer(("127.0.0.1", 0), bound)
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()


def five_w(
    record_id: str, edited: float, beneficiaries: int, partner: str = OIM, admin2: str = "PE2401"
) -> dict[str, Any]:
    """A 5W record as ActivityInfo holds it (field codes as R4V's export names them)."""
    women, men = beneficiaries // 2, beneficiaries - beneficiaries // 2
    return {
        "_id": record_id,
        "_lastEditTime": edited,
        "Country": "Peru",
        "Admin1": "Tumbes",
        "Admin2": admin2,
        "Appealing_org": partner,
        "Month": "2026-10",
        "Subsector": "Health",
        "Indicator": "# of refugees and migrants benefiting from primary health care consultations",
        "New_beneficiaries": float(beneficiaries),
        "IN_DESTINATION": float(beneficiaries),
        "IN_TRANSIT": 0.0,
        "Host_Communities": 0.0,
        "PENDULARS": 0.0,
        "Returnees": 0.0,
        "Girls": 0.0,
        "Boys": 0.0,
        "Women": float(women),
        "Men": float(men),
        "Other_under": 0.0,
        "Other_above": 0.0,
    }


def kobo_submission(record_id: int, district: str, value: str, **changes: str) -> dict[str, Any]:
    """A submission as KoboToolbox's API returns it: the form's answers by question name (choice
    names for lists) and Kobo's own metadata."""
    return {
        "_id": record_id,
        "_uuid": f"uuid-{record_id}",
        "formhub/uuid": "f0f0",
        "start": "2026-11-03T09:00:00.000-05:00",
        "end": "2026-11-03T09:05:00.000-05:00",
        "agencia": "DIRESA",
        "periodo": "2026-10",
        "distrito": district,
        "indicador": "SAL-01",
        "sexo": "F",
        "grupo_edad": "18-59",
        "tipo_poblacion": "in_destination",
        "valor": value,
        "__version__": "vKobo1",
        "meta/instanceID": f"uuid:{record_id}",
        "_xform_id_string": "mesa_tumbes_plantilla",
        "_submission_time": "2026-11-03T14:05:00",
        "_status": "submitted_via_web",
        "_submitted_by": None,
        **changes,
    }
