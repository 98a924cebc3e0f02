"""What every page needs: the project, its store, the criteria, and who is signed in.

The project comes from ``REVIEW_PROJECT`` (default: the project holding the current folder),
its store from ``review.store.open_store``; both are cached per process with
``st.cache_resource``, keyed by where they come from.

Sign-in: a reviewer proves who they are with their personal token (``review reviewers add``);
the session keeps only the reviewer's name, and every run checks that name is still an active
reviewer (a revoked token signs the session out). No name is ever read from the URL.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import streamlit as st

from review.project import CONFIG_NAME, ENV_PROJECT, Project, find_project_root, load_project
from review.store import open_store

SESSION_KEY = "reviewer"
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
    """The project's store (migrated on first open), one Engine per process."""
    return _engine(project().database_url)


def screening():
    """The rules module (``review.screening``), imported where it is used."""
    import review.screening as screening_rules

    return screening_rules


def criteria() -> Any:
    """The project's criteria (include terms from the search strategy when it has them)."""
    return screening().criteria_for_project(project())


def settings() -> Any:
    """The checked ``screening:`` section (seed, conflict_resolution)."""
    return screening().screening_settings(project().config)


def seed() -> int:
    return int(settings().seed)


def conflict_mode() -> str:
    """``lead`` (the lead resolves conflicts) or ``pair`` (the reviewers who voted, too)."""
    return str(settings().conflict_resolution)


def sees_conflicts(reviewer: Any) -> bool:
    """Whether the conflicts page is offered: to the lead, or to everyone in pair mode.

    The rules module decides whether a resolution is allowed; this only picks the pages.
    """
    return reviewer.role == "lead" or conflict_mode() == "pair"


# --- sign-in -------------------------------------------------------------------------------


def current_reviewer() -> Any | None:
    """The signed-in, still active reviewer, or None (a stale session is signed out)."""
    name = st.session_state.get(SESSION_KEY)
    if not name:
        return None
    with engine().connect() as conn:
        found = next(
            (r for r in screening().list_reviewers(conn) if r.name == name and r.active), None
        )
    if found is None:
        sign_out()
    return found


def sign_in(token: str) -> Any | None:
    """Check ``token``; on success remember only the reviewer's name in the session."""
    token = (token or "").strip()
    if not token:
        return None
    with engine().connect() as conn:
        reviewer = screening().authenticate(conn, token)
    if reviewer is None or not reviewer.active:
        return None
    st.session_state[SESSION_KEY] = reviewer.name
    return reviewer


def sign_out() -> None:
    """Forget the reviewer and every per-session widget value."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def take_token_from_url() -> bool | None:
    """Handle a ``?token=`` sign-in link: sign in, and remove the token from the URL.

    Returns None when the URL holds no token, else whether the token was accepted.
    """
    if "token" not in st.query_params:
        return None
    token = st.query_params.get("token", "")
    del st.query_params["token"]
    if st.session_state.get(SESSION_KEY):
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

