"""What every page needs: the project, its store, the criteria, and who is signed in.

The project comes from ``REVIEW_PROJECT`` (default: the project holding the current folder),
its store from ``review.store.open_store``; both are cached per process with
``st.cache_resource``, keyed by where they come from.

Sign-in: a reviewer proves who they are with their personal token (``review reviewers add``);
that starts a server-side session (``review.screening.sessions``) whose random id the browser
keeps in a cookie (set by a small script, never in the URL), so a refresh or a new tab of the
same browser stays signed in. Every run looks the session up again: an ended (signed out),
expired (``screening.session_hours``) or revoked reviewer's session signs the page out at
once. The token itself is never kept. No name is ever read from the URL.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import streamlit as st

from review.project import CONFIG_NAME, ENV_PROJECT, Project, find_project_root, load_project
from review.store import open_store

SESSION_KEY = "reviewer"
SESSION_ID_KEY = "session_id"
CLEAR_COOKIE_KEY = "clear_session_cookie"
COOKIE = "review_session"
STAGE_LABELS = {"title_abstract": "Title / abstract", "full_text": "Full text"}


@st.cache_resource(show_spinner=False, max_entries=8)
def _project(project_env: str, cwd: str, config_stamp: float) -> Project:
    return load_project(project_env or None)


def _config_stamp(project_env: str) -> float:
    """The config file's modification time (an edited review.yaml is read again)."""
    root = Path(project_env) if project_env else find_project_root(Path.cwd())
    try:
        return (root / CONFIG_NAME).stat().st_mtime if root else 0.0
    except OSError:
        return 0.0


def project() -> Project:
    """The review project (``$REVIEW_PROJECT`` or found from the current folder), read again
    when its review.yaml changes (criteria versions, settings)."""
    env = os.environ.get(ENV_PROJECT, "")
    return _project(env, os.getcwd(), _config_stamp(env))


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> sa.Engine:
    return open_store(url)


def engine() -> sa.Engine:
    """The project's store (migrated on first open), one Engine per process.

    Every write made through it from this browser session is checked, inside the write's
    transaction, against this session's sign-in (``review.screening.sessions.session_guard``):
    after a sign-out, an expiry or a revoked token a write raises ``SessionEndedError``."""
    from review.screening.sessions import session_guard
    from review.store.transaction import set_write_guard

    set_write_guard(session_guard(st.session_state.get(SESSION_ID_KEY)))
    return _engine(project().database_url)


def fragment(func):
    """``st.fragment`` whose run ends on the sign-in page when the session is no longer live
    (a write refused with ``SessionEndedError``), instead of an error in the card."""
    import functools

    @functools.wraps(func)
    def run(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except screening().SessionEndedError:
            sign_out(end=False)
            st.rerun(scope="app")

    return st.fragment(run)


def screening():
    """The rules module (``review.screening``), imported where it is used."""
    import review.screening as screening_rules

    return screening_rules


def criteria() -> Any:
    """The project's criteria (include terms from the search strategy when it has them)."""
    return screening().criteria_for_project(project())


@st.cache_resource(show_spinner=False, max_entries=4)
def _strategy(project_env: str, cwd: str, stamp: tuple[float, float]) -> Any:
    from review.screening.criteria import strategy_for_project

    return strategy_for_project(load_project(project_env or None))


def _strategy_stamp(project_env: str) -> tuple[float, float]:
    """(review.yaml's, the strategy file's) modification times: an edited strategy is read again."""
    config = _config_stamp(project_env)
    try:
        name = project().config.get("strategy")
        return config, (project().path(name).stat().st_mtime if name else 0.0)
    except OSError:
        return config, 0.0


def strategy() -> Any:
    """The project's search strategy (None without one, or when it does not load): what the
    relevance ranking's warm start ranks by."""
    env = os.environ.get(ENV_PROJECT, "")
    return _strategy(env, os.getcwd(), _strategy_stamp(env))


@st.cache_resource(show_spinner=False)
def _rank_worker(url: str, root: str) -> Any:
    from review.screening.rankworker import ProjectParams, RankWorker

    return RankWorker(_engine(url), ProjectParams(Path(root))).start()


def ensure_rank_worker() -> None:
    """In relevance order: this server process's ranking worker, started once
    (``review.screening.rankworker``), so a vote never waits for a retrain."""
    if queue_order() != "relevance":
        return
    _rank_worker(project().database_url, str(project().root))


def settings() -> Any:
    """The checked ``screening:`` section (seed, conflict_resolution)."""
    return screening().screening_settings(project().config)


def seed() -> int:
    return int(settings().seed)


def queue_order() -> str:
    """``random`` (default) or ``relevance`` (screening.order in review.yaml)."""
    return str(settings().order)


def pilot_size() -> int:
    """The pilot round's size (screening.pilot in review.yaml; 0: no pilot round)."""
    return int(settings().pilot)


def conflict_mode() -> str:
    """``lead`` (the lead resolves conflicts) or ``pair`` (the reviewers who voted, too)."""
    return str(settings().conflict_resolution)


def sees_conflicts(reviewer: Any) -> bool:
    """Whether the conflicts page is offered: to the lead, or to everyone in pair mode.

    The rules module decides whether a resolution is allowed; this only picks the pages.
    """
    return reviewer.role == "lead" or conflict_mode() == "pair"


def may_edit_strategy(reviewer: Any) -> bool:
    """Whether ``reviewer`` may open the Strategy page (a lead, or a reviewer the lead allowed)."""
    from review.strategy.editors import may_edit_strategy as allowed

    with engine().connect() as conn:
        return allowed(conn, reviewer.name)


def progress(conn: sa.Connection, reviewer: str, stage: str) -> Any:
    """``review.screening.progress``, reused in this browser session until the store changes
    (``screening_app.progress_cache``)."""
    from screening_app.progress_cache import ProgressCache

    cache = st.session_state.get("_progress_cache")
    if not isinstance(cache, ProgressCache):
        cache = st.session_state["_progress_cache"] = ProgressCache()
    return cache.get(conn, reviewer, stage)


# --- sign-in -------------------------------------------------------------------------------


def sessions():
    """The sign-in session functions (``review.screening.sessions``)."""
    import review.screening.sessions as screening_sessions

    return screening_sessions


def request_session_id() -> str | None:
    """The session id the browser sent with this page load (its cookie), if any."""
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # noqa: BLE001 - no browser (bare script run): no cookie
        return None
    return value or None


def current_reviewer() -> Any | None:
    """The signed-in reviewer of a live session, or None (a dead session is signed out).

    The session id is this browser session's, else the one its cookie brought (a refresh).
    """
    sid = st.session_state.get(SESSION_ID_KEY) or request_session_id()
    if not sid:
        return None
    with engine().connect() as conn:
        found = sessions().reviewer_for_session(conn, sid)
    if found is None:
        if st.session_state.get(SESSION_ID_KEY) or st.session_state.get(SESSION_KEY):
            sign_out(end=False)
        return None
    st.session_state[SESSION_ID_KEY] = sid
    st.session_state[SESSION_KEY] = found.name
    return found


def sign_in(token: str) -> Any | None:
    """Check ``token``; on success start a session and remember its id (and the reviewer's
    name) in this browser session. The token is not kept."""
    token = (token or "").strip()
    if not token:
        return None
    with engine().connect() as conn:
        reviewer = screening().authenticate(conn, token)
    if reviewer is None or not reviewer.active:
        return None
    try:
        sid = sessions().start_session(engine(), reviewer, settings().session_hours)
    except screening().NotAllowedError:  # revoked between the two steps
        return None
    st.session_state[SESSION_ID_KEY] = sid
    st.session_state[SESSION_KEY] = reviewer.name
    st.session_state.pop(CLEAR_COOKIE_KEY, None)
    return reviewer


def sign_out(*, end: bool = True) -> None:
    """End the session (when ``end``), forget every per-session value, and have the browser
    drop its session cookie on the next run."""
    sid = st.session_state.get(SESSION_ID_KEY) or request_session_id()
    if end and sid:
        sessions().end_session(engine(), sid)
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[CLEAR_COOKIE_KEY] = True


def cookie_script() -> str | None:
    """The script that keeps the browser's session cookie in step with this session: set it
    after a sign-in, delete it after a sign-out or a dead session; None when in step."""
    sid = st.session_state.get(SESSION_ID_KEY)
    sent = request_session_id()
    if sid:
        if sid == sent:
            return None
        max_age = int(float(settings().session_hours) * 3600)
        value = f"{COOKIE}={sid}; Max-Age={max_age}"
    elif sent or st.session_state.get(CLEAR_COOKIE_KEY):
        value = f"{COOKIE}=; Max-Age=0"
    else:
        return None
    cookie = json.dumps(value + "; Path=/; SameSite=Strict")
    return (
        "<script>document.cookie = " + cookie
        + " + (location.protocol === 'https:' ? '; Secure' : '');</script>"
    )


def behind_gate() -> bool:
    """Whether the app runs behind its sign-in gate (``review screen``: ``screening_app/server.py``):
    then the server sets and deletes the HttpOnly session cookie, never a page script."""
    from screening_app.gate import GATE_ENV

    return os.environ.get(GATE_ENV) == "1"


def sync_cookie() -> None:
    """Draw the cookie script when the cookie is out of step (runs in the page, no iframe);
    behind the sign-in gate the server keeps the cookie and nothing is drawn."""
    if behind_gate():
        return
    script = cookie_script()
    if script:
        st.html(script, unsafe_allow_javascript=True, width="content")


def take_token_from_url() -> bool | None:
    """Handle a ``?token=`` sign-in link: sign in, and remove the token from the URL.

    Returns None when the URL holds no token, else whether the token was accepted.
    """
    if "token" not in st.query_params:
        return None
    token = st.query_params.get("token", "")
    del st.query_params["token"]
    if st.session_state.get(SESSION_KEY) or request_session_id():
        sign_out()
    return sign_in(token) is not None


def require_reviewer() -> Any:
    """The signed-in reviewer; stops the page when there is none (pages are never shown
    before sign-in anyway, this guards a page run directly)."""
    reviewer = current_reviewer()
    if reviewer is None:
        st.warning("Sign in first.")
        st.stop()
    return reviewer

