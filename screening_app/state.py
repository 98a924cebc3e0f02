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
from typing import Any

import sqlalchemy as sa
import streamlit as st

from review.project import ENV_PROJECT, Project, load_project
from review.store import open_store

SESSION_KEY = "reviewer"
STAGE_LABELS = {"title_abstract": "Title / abstract", "full_text": "Full text"}


@st.cache_resource(show_spinner=False)
def _project(project_env: str, cwd: str) -> Project:
    return load_project(project_env or None)


def project() -> Project:
    """The review project (``$REVIEW_PROJECT`` or found from the current folder)."""
    return _project(os.environ.get(ENV_PROJECT, ""), os.getcwd())


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
    return screening().criteria_from_config(project().config)


def screening_config() -> dict[str, Any]:
    section = project().section("screening")
    return section if isinstance(section, dict) else {}


def seed() -> int:
    try:
        return int(screening_config().get("seed", 0) or 0)
    except (TypeError, ValueError):
        return 0


def conflict_mode() -> str:
    """``lead`` (the lead resolves conflicts) or ``pair`` (the two reviewers together)."""
    mode = str(screening_config().get("conflict_resolution", "lead") or "lead").strip().lower()
    return "pair" if mode == "pair" else "lead"


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


def visible_conflicts(reviewer: Any, items: list[Any]) -> list[Any]:
    """The conflicts this reviewer's page lists: all for the lead; in pair mode a reviewer
    sees only the conflicts they voted in."""
    if reviewer.role == "lead":
        return list(items)
    return [c for c in items if any(v.reviewer == reviewer.name for v in c.votes)]
