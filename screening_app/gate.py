"""The sign-in gate in front of the Streamlit app (ASGI middleware and two routes).

Streamlit itself cannot set an HttpOnly cookie (its pages talk over a websocket), so the
sign-in is done by the server before Streamlit sees the browser:

- ``GET /auth/signin`` serves a plain sign-in form (no script, nothing from a CDN);
  ``POST /auth/signin`` checks the token, starts a session (``review.screening.sessions``)
  and sets the session cookie: HttpOnly, SameSite=Strict, Path=/, Secure under HTTPS.
- A sign-in link ``ADDRESS?token=TOKEN`` is exchanged on its first request: the answer is
  a redirect to the same address without the token (with the cookie), so the token stays
  in no history or navigation entry; ``Referrer-Policy: no-referrer`` throughout.
- ``GET /auth/signout`` ends the session and deletes the cookie.
- Without a live session: a page request is sent to the sign-in form, and the websocket,
  uploads and media are refused (403), so nothing is uploaded or run before sign-in.
- A failed sign-in is logged (an ``events`` row ``signin.failed`` and the server's log:
  time, address, what was wrong; never the token) and, after ``FREE_FAILURES`` from one
  address within ``FAILURE_WINDOW_S``, answered only after a growing delay.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import time
from collections import defaultdict, deque
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

COOKIE = "review_session"
SIGNIN_PATH = "/auth/signin"
SIGNOUT_PATH = "/auth/signout"
FULLTEXT_PATH = "/auth/fulltext"  # /auth/fulltext/<record id>: a stored PDF, streamed
GATE_ENV = "REVIEW_SIGNIN_GATE"  # set while the app runs behind this gate
FREE_FAILURES = 3
FAILURE_WINDOW_S = 15 * 60
MAX_DELAY_S = 30.0
OPEN_PREFIXES = ("/_stcore/health", "/_stcore/host-config", "/_stcore/script-health-check", "/static/", "/favicon")
GUARDED_PREFIXES = ("/_stcore/", "/media/", "/component/", "/_components/")

log = logging.getLogger("review.signin")


def failure_delay(recent_failures: int) -> float:
    """Seconds to wait before answering a sign-in from an address with ``recent_failures``
    failed sign-ins in the window: none for the first few (typos), then doubling."""
    if recent_failures < FREE_FAILURES:
        return 0.0
    return min(MAX_DELAY_S, 2.0 ** (recent_failures - FREE_FAILURES))


class Failures:
    """Failed sign-ins per address within the window (this server process)."""

    def __init__(self) -> None:
        self._at: dict[str, deque[float]] = defaultdict(deque)

    def recent(self, address: str, now: float | None = None) -> int:
        now = time.monotonic() if now is None else now
        times = self._at[address]
        while times and times[0] < now - FAILURE_WINDOW_S:
            times.popleft()
        return len(times)

    def add(self, address: str, now: float | None = None) -> None:
        self._at[address].append(time.monotonic() if now is None else now)


FAILURES = Failures()
_ENGINE: list[sa.Engine] = []


def _project():
    from review.project import load_project

    return load_project(os.environ.get("REVIEW_PROJECT") or None)


def engine() -> sa.Engine:
    """The project's store, opened once per server process."""
    if not _ENGINE:
        from review.store import open_store

        _ENGINE.append(open_store(_project().database_url))
    return _ENGINE[0]


def _session_hours() -> float:
    from review.screening import screening_settings

    return float(screening_settings(_project().config).session_hours)


def live_reviewer(session_id: str | None) -> Any | None:
    from review.screening.sessions import reviewer_for_session

    if not session_id:
        return None
    with engine().connect() as conn:
        return reviewer_for_session(conn, session_id)


def exchange_token(token: str) -> str | None:
    """A new session id for a valid token, else None."""
    from review.screening import NotAllowedError, authenticate
    from review.screening.sessions import start_session

    token = (token or "").strip()
    if not token or len(token) > 200:
        return None
    with engine().connect() as conn:
        reviewer = authenticate(conn, token)
    if reviewer is None or not reviewer.active:
        return None
    try:
        return start_session(engine(), reviewer, _session_hours())
    except NotAllowedError:
        return None


def log_failure(address: str, reason: str) -> None:
    """The failed sign-in in the server log and the store's events (no token kept)."""
    from review.screening.sessions import log_failed_signin

    log.warning("failed sign-in from %s: %s", address, reason)
    try:
        log_failed_signin(engine(), address, reason)
    except Exception:  # noqa: BLE001 - the log line above is written whatever the store does
        log.exception("could not store the failed sign-in")


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "") == "https"


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _with_cookie(response: Response, request: Request, session_id: str) -> Response:
    response.set_cookie(
        COOKIE, session_id, max_age=int(_session_hours() * 3600), path="/",
        httponly=True, samesite="strict", secure=_secure(request),
    )
    return _no_store(response)


def _safe_next(target: str | None) -> str:
    """A same-site path to return to after sign-in (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


FORM = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Screening — sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#1f2937}}
input{{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}}button{{margin-top:.8rem;padding:.5rem 1.2rem;font-size:1rem}}
.error{{color:#b91c1c}}</style></head>
<body><h1>Screening — sign in</h1>
<p>Sign in with the personal token your review lead gave you (<code>review reviewers add</code>).</p>
{message}
<form method="post" action="{action}">
<label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="off" autofocus required>
<input type="hidden" name="next" value="{next}">
<button type="submit">Sign in</button>
</form></body></html>"""


def signin_page(message: str = "", next_path: str = "/", status: int = 200) -> HTMLResponse:
    body = FORM.format(
        message=f'<p class="error" role="alert">{html.escape(message)}</p>' if message else "",
        action=SIGNIN_PATH, next=html.escape(_safe_next(next_path), quote=True),
    )
    return _no_store(HTMLResponse(body, status_code=status))


async def _failed(request: Request, reason: str) -> None:
    address = _address(request)
    delay = failure_delay(FAILURES.recent(address))
    FAILURES.add(address)
    await run_in_threadpool(log_failure, address, reason)
    if delay:
        await asyncio.sleep(delay)


async def signin(request: Request) -> Response:
    if request.method == "GET":
        message = "That sign-in link is not valid (unknown or revoked token)." if request.query_params.get("failed") else ""
        return signin_page(message, request.query_params.get("next", "/"))
    form = await request.form()
    token = str(form.get("token", ""))
    next_path = _safe_next(str(form.get("next", "/")))
    session_id = await run_in_threadpool(exchange_token, token)
    if session_id is None:
        await _failed(request, "unknown or revoked token" if token.strip() else "empty token")
        return signin_page("Unknown or revoked token.", next_path, status=401)
    return _with_cookie(RedirectResponse(next_path, status_code=303), request, session_id)


async def signout(request: Request) -> Response:
    from review.screening.sessions import end_session

    session_id = request.cookies.get(COOKIE)
    if session_id:
        await run_in_threadpool(end_session, engine(), session_id)
    response = RedirectResponse(SIGNIN_PATH, status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
    return _no_store(response)


def stored_pdf(record_id: int) -> Path | None:
    """The stored PDF of ``record_id``'s current full text (None: none, or not a stored PDF)."""
    from review.screening import fulltext_of

    with engine().connect() as conn:
        found = fulltext_of(conn, record_id)
    if found is None or found.kind != "pdf":
        return None
    root = _project().root.resolve()
    path = (root / found.location).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


async def fulltext(request: Request) -> Response:
    """A record's stored PDF to a signed-in reviewer, streamed from disk in chunks (byte
    ranges too, so the viewer fetches what it shows) instead of read whole on every rerun."""
    if await run_in_threadpool(live_reviewer, request.cookies.get(COOKIE)) is None:
        return PlainTextResponse("Sign in first.", status_code=403)
    path = await run_in_threadpool(stored_pdf, int(request.path_params["record_id"]))
    if path is None:
        return PlainTextResponse("No stored PDF for this record.", status_code=404)
    how = "attachment" if request.query_params.get("download") else "inline"
    response = FileResponse(path, media_type="application/pdf", filename=path.name, content_disposition_type=how)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def routes() -> list[Route]:
    return [
        Route(SIGNIN_PATH, signin, methods=["GET", "POST"]),
        Route(SIGNOUT_PATH, signout, methods=["GET"]),
        Route(FULLTEXT_PATH + "/{record_id:int}", fulltext, methods=["GET"]),
    ]


class SignInGate:
    """ASGI middleware: exchange ``?token=`` links, and let only live sessions past."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        if path in (SIGNIN_PATH, SIGNOUT_PATH) or path.startswith(OPEN_PREFIXES) or path.startswith(FULLTEXT_PATH + "/"):
            return await self.app(scope, receive, send)
        request = Request(scope) if scope["type"] == "http" else None
        if request is not None and "token" in request.query_params:
            response = await self._link(request)
            return await response(scope, receive, send)
        cookies = _cookies(scope)
        reviewer = await run_in_threadpool(live_reviewer, cookies.get(COOKIE))
        if reviewer is not None:
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4403, "reason": "sign in first"})
            return None
        if path.startswith(GUARDED_PREFIXES):  # uploads, media, components: nothing before sign-in
            return await PlainTextResponse("Sign in first.", status_code=403)(scope, receive, send)
        query = urlencode({"next": path}) if path not in ("", "/") else ""
        target = SIGNIN_PATH + (f"?{query}" if query else "")
        response = RedirectResponse(target, status_code=303)
        if cookies.get(COOKIE):  # a dead session's cookie: drop it
            response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
        return await _no_store(response)(scope, receive, send)

    async def _link(self, request: Request) -> Response:
        """A sign-in link: exchange the token, and send the browser on without it."""
        token = request.query_params.get("token", "")
        rest = [(k, v) for k, v in parse_qsl(request.url.query, keep_blank_values=True) if k != "token"]
        clean = request.url.path + (f"?{urlencode(rest)}" if rest else "")
        session_id = await run_in_threadpool(exchange_token, token)
        if session_id is None:
            await _failed(request, "sign-in link with an unknown or revoked token")
            return _no_store(RedirectResponse(f"{SIGNIN_PATH}?failed=1", status_code=303))
        return _with_cookie(RedirectResponse(clean, status_code=303), request, session_id)


def _cookies(scope) -> dict[str, str]:
    from http.cookies import SimpleCookie

    jar = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed cookie header: no cookies
                return {}
    return {k: m.value for k, m in jar.items()}
