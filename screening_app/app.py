"""The screening app: ``review screen`` runs ``streamlit run screening_app/app.py``.

Before sign-in the only page is the sign-in page; after it, the pages the reviewer may use.
A ``?token=`` sign-in link signs in and the token is removed from the URL at once. A sign-in
lasts (a refresh keeps it) until "Sign out", ``screening.session_hours``, or a revoked token.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script by Streamlit: make this tree's ``screening_app`` and ``review`` the ones used.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from review.errors import ReviewError  # noqa: E402
from review.project import ProjectError  # noqa: E402
from screening_app import state  # noqa: E402
from screening_app.render import md_escape  # noqa: E402

VIEWS = Path(__file__).resolve().parent / "views"
ICON = Path(__file__).resolve().parent / "assets" / "favicon.png"


def page(name: str, title: str, icon: str, *, default: bool = False) -> st.Page:
    return st.Page(VIEWS / f"{name}.py", title=title, icon=icon, url_path=name, default=default)


def main() -> None:
    # a bundled icon: a material or emoji icon is fetched from a font CDN, and the app runs offline
    st.set_page_config(page_title="Screening", page_icon=str(ICON), layout="wide")
    try:
        state.project()
        state.engine()
        state.settings()
        # the first vote registers screening.stop; a changed rule afterwards is refused
        state.screening().check_stop_registration(state.engine(), state.settings().stop)
        state.criteria()
    except ReviewError as exc:
        message = str(exc)
        if not isinstance(exc, ProjectError):  # a setting: name the project's file and its line
            from review.project import CONFIG_NAME, locate_config_message

            message = locate_config_message(message, state.project().root / CONFIG_NAME)
        st.error(f"The review project cannot be opened: {message}")
        st.stop()

    link = state.take_token_from_url()
    reviewer = state.current_reviewer()
    if reviewer is None:
        if link is False:
            st.error("That sign-in link is not valid (unknown or revoked token).")
        state.sync_cookie()
        nav = st.navigation([page("signin", "Sign in", ":material/login:", default=True)], position="hidden")
        nav.run()
        return

    lead = reviewer.role == "lead"
    screening = [
        page("screen", "Screen", ":material/fact_check:", default=not lead),
        page("mine", "My decisions", ":material/history:"),
        page("fulltext", "Full text", ":material/picture_as_pdf:"),
    ]
    if state.sees_conflicts(reviewer):
        screening.append(page("conflicts", "Conflicts", ":material/call_split:"))
    screening += [
        page("agreement", "Agreement", ":material/balance:"),
        page("extraction", "Extraction", ":material/table_view:"),
    ]
    # the lead's pages in a section of their own, in the order a review runs; each of them
    # also refuses anyone else itself (screening_app.lead)
    pages: list | dict = {
        "The review": [
            page("overview", "Overview", ":material/dashboard:", default=True),
            page("strategy", "Strategy", ":material/manage_search:"),
            page("search", "Search", ":material/travel_explore:"),
            page("imports", "Import", ":material/upload_file:"),
            page("duplicates", "Duplicates", ":material/content_copy:"),
            page("team", "Team", ":material/group:"),
            page("criteria", "Criteria and settings", ":material/tune:"),
            page("library", "Records library", ":material/library_books:"),
            page("reports", "Reports", ":material/summarize:"),
        ],
        "Screening": screening,
    } if lead else screening
    with st.sidebar:
        st.markdown(f"Signed in as **{md_escape(reviewer.name)}** ({reviewer.role})")
        st.caption(state.project().config.get("title") or state.project().name)
        for warning in state.project().warnings:  # e.g. a misspelt key in review.yaml
            st.warning(warning, icon=":material/warning:")
        if st.button("Sign out", key="sign-out", icon=":material/logout:"):
            state.sign_out()
            st.rerun()
        state.sync_cookie()
    try:
        st.navigation(pages, expanded=True).run()  # every page listed, none behind 'View more'
    except state.screening().SessionEndedError:  # a write after the session ended: sign in again
        state.sign_out(end=False)
        st.rerun()
    except ReviewError as exc:  # one a page did not show itself: its message, not a traceback
        st.error(str(exc))


main()
