"""The sign-in gate in front of the app, over HTTP against a real ``review screen``: token
links exchanged and dropped from the address, an HttpOnly SameSite=Strict cookie set by the
server, failed sign-ins logged and slowed, nothing but the sign-in form (no websocket, no
upload) before sign-in."""

from __future__ import annotations

import asyncio
import http.client
import json
import time
from urllib.parse import urlencode, urlparse

import pytest
import sqlalchemy as sa
from app_helpers import seed_project
from serve import review_screen

from review.store import open_store
from review.store.schema import events
from screening_app import gate


def _request(url: str, method: str = "GET", path: str = "/", body: bytes | None = None, headers=None):
    parsed = urlparse(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp, data


def _ws_refused(url: str, cookie: str = "") -> bool:
    import websockets

    async def attempt() -> bool:
        headers = {"Cookie": cookie} if cookie else {}
        try:
            async with websockets.connect(
                url.replace("http", "ws") + "_stcore/stream", additional_headers=headers, open_timeout=10
            ) as ws:
                try:  # an accepted stream waits for the browser's first message
                    await asyncio.wait_for(ws.recv(), 3)
                except TimeoutError:
                    pass
                return False
        except websockets.exceptions.InvalidStatus:
            return True
        except websockets.exceptions.ConnectionClosed as exc:
            return exc.rcvd is not None and exc.rcvd.code == 4403
        except TimeoutError:
            return False

    return asyncio.run(attempt())


@pytest.fixture
def served(project, tmp_path):
    tokens = seed_project(project)
    with review_screen(project.root, tmp_path / "screen.log") as (url, _proc):
        yield project, tokens, url


def test_token_link_is_exchanged_for_an_httponly_cookie_and_dropped(served):
    project, tokens, url = served
    resp, _ = _request(url, path=f"/screen?token={tokens['alice']}&x=1")
    assert resp.status == 303
    assert resp.getheader("Location") == "/screen?x=1"  # the same page, without the token
    cookie = resp.getheader("Set-Cookie")
    assert cookie.startswith("review_session=") and tokens["alice"] not in cookie
    attrs = {a.strip().lower() for a in cookie.split(";")}
    assert {"httponly", "samesite=strict", "path=/"} <= attrs
    assert "secure" not in attrs  # plain http here; Secure under https (X-Forwarded-Proto)
    assert resp.getheader("Referrer-Policy") == "no-referrer"
    session = cookie.split(";")[0]
    page, body = _request(url, headers={"Cookie": session})
    assert page.status == 200 and b"<title>" in body and b"/auth/signin" not in body  # the app itself
    # behind a TLS proxy the cookie is Secure
    resp, _ = _request(url, path=f"/?token={tokens['bob']}", headers={"X-Forwarded-Proto": "https"})
    assert "secure" in {a.strip().lower() for a in resp.getheader("Set-Cookie").split(";")}
    # signing out deletes the cookie and ends the session
    resp, _ = _request(url, path="/auth/signout", headers={"Cookie": session})
    assert resp.status == 303 and "review_session=" in resp.getheader("Set-Cookie")
    assert "max-age=0" in resp.getheader("Set-Cookie").lower()
    page, _ = _request(url, headers={"Cookie": session})
    assert page.status == 303 and page.getheader("Location").startswith("/auth/signin")


def test_the_sign_in_form_posts_to_the_server(served):
    project, tokens, url = served
    form = urlencode({"token": tokens["carol"], "next": "/conflicts"}).encode()
    resp, _ = _request(url, "POST", "/auth/signin", form, {"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status == 303 and resp.getheader("Location") == "/conflicts"
    assert "httponly" in resp.getheader("Set-Cookie").lower()
    evil = urlencode({"token": tokens["carol"], "next": "//evil.example/"}).encode()
    resp, _ = _request(url, "POST", "/auth/signin", evil, {"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.getheader("Location") == "/"  # never sent to another site


def test_nothing_before_sign_in(served):
    project, tokens, url = served
    resp, _ = _request(url, path="/screen")
    assert resp.status == 303 and resp.getheader("Location") == "/auth/signin?next=%2Fscreen"
    form, body = _request(url, path="/auth/signin")
    assert form.status == 200 and b'type="password"' in body and b"http" not in body.split(b"<body>")[1]
    # no upload: Streamlit's upload endpoint answers 403 before reading a byte of the file
    resp, _ = _request(url, "PUT", "/_stcore/upload_file/some-session/some-file", b"%PDF-1.4" + b"x" * 1000,
                       {"Content-Type": "application/octet-stream"})
    assert resp.status == 403
    assert _ws_refused(url)
    assert _ws_refused(url, "review_session=made-up")
    resp, _ = _request(url, path=f"/?token={tokens['alice']}")
    assert not _ws_refused(url, resp.getheader("Set-Cookie").split(";")[0])


def test_failed_sign_ins_are_logged_and_slowed(served, monkeypatch):
    project, tokens, url = served
    for _ in range(2):
        resp, _ = _request(url, path="/?token=not-a-token")
        assert resp.status == 303 and resp.getheader("Location") == "/auth/signin?failed=1"
    form = urlencode({"token": "wrong"}).encode()
    resp, body = _request(url, "POST", "/auth/signin", form, {"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status == 401 and b"Unknown or revoked token." in body
    engine = open_store(project.database_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(events).where(events.c.kind == "signin.failed")).all()
    engine.dispose()
    assert len(rows) == 3
    payload = rows[0].payload if isinstance(rows[0].payload, dict) else json.loads(rows[0].payload)
    assert payload["address"] == "127.0.0.1" and payload["at"] and "not-a-token" not in str(payload)
    # the fourth failure from this address within the window is answered after a delay
    start = time.monotonic()
    resp, _ = _request(url, path="/?token=still-wrong")
    assert resp.status == 303 and time.monotonic() - start >= gate.failure_delay(3)


def test_failure_delay_grows_after_a_few():
    assert [gate.failure_delay(n) for n in range(6)] == [0, 0, 0, 1, 2, 4]
    assert gate.failure_delay(50) == gate.MAX_DELAY_S
    failures = gate.Failures()
    for t in (0, 1, 2):
        failures.add("10.0.0.1", now=t)
    assert failures.recent("10.0.0.1", now=3) == 3 and failures.recent("10.0.0.2", now=3) == 0
    assert failures.recent("10.0.0.1", now=gate.FAILURE_WINDOW_S + 5) == 0  # the window passed


def test_a_stored_pdf_is_streamed_to_signed_in_reviewers_only(served):
    from pdf_sample import minimal_pdf

    import review.screening as rules

    project, tokens, url = served
    engine = open_store(project.database_url)
    with engine.connect() as conn:
        rid = rules.stage_record_ids(conn, "title_abstract")[0]
    for who in ("alice", "bob"):
        rules.cast_vote(engine, who, rid, "title_abstract", "include")
    pdf = minimal_pdf("streamed")
    rules.attach_pdf(engine, project.data_dir, rid, "paper.pdf", pdf, by="carol")
    engine.dispose()
    resp, _ = _request(url, path=f"/auth/fulltext/{rid}")
    assert resp.status == 403
    session = _request(url, path=f"/?token={tokens['alice']}")[0].getheader("Set-Cookie").split(";")[0]
    resp, body = _request(url, path=f"/auth/fulltext/{rid}", headers={"Cookie": session})
    assert resp.status == 200 and body == pdf and resp.getheader("Content-Type") == "application/pdf"
    resp, body = _request(url, path=f"/auth/fulltext/{rid}", headers={"Cookie": session, "Range": "bytes=0-7"})
    assert resp.status == 206 and body == pdf[:8]  # the viewer fetches parts of a large PDF
    resp, _ = _request(url, path=f"/auth/fulltext/{rid}?download=1", headers={"Cookie": session})
    assert resp.getheader("Content-Disposition").startswith("attachment")
    assert _request(url, path="/auth/fulltext/999999", headers={"Cookie": session})[0].status == 404
