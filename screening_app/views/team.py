"""Team (the lead): add a reviewer or a lead, revoke one, see who is active.

Adding calls ``review.screening.add_reviewer`` (as ``review reviewers add NAME --role R``
does) and shows the new sign-in link once, with a copy button: only the token's hash is
stored, so the link cannot be shown again (revoke and add again for a new one). Revoking calls
``revoke_reviewer``; their sessions end at once and their votes stay. The lead lets a reviewer
edit the search strategy (``review.strategy.editors``, as ``review reviewers allow-strategy``
does) and withdraws it again.
"""

import streamlit as st

from review.screening.first_lead import team
from review.screening.model import ROLES
from review.strategy.editors import allow_strategy, disallow_strategy, strategy_editors
from screening_app import state
from screening_app.lead import require_lead

LINK_KEY = "team-new-link"

lead = require_lead()
rules = state.screening()
engine = state.engine()


def app_address() -> str:
    """This app's address as the lead's browser sees it (for the sign-in link)."""
    try:
        url = str(st.context.url or "")
    except Exception:  # noqa: BLE001 - no browser (a bare script run)
        url = ""
    base = url.split("?", 1)[0]
    for suffix in ("/team",):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    return base.rstrip("/") + "/" if base else "http://localhost:8501/"


st.title("Team")

new = st.session_state.pop(LINK_KEY, None)  # shown on this run only
if new:
    name, role, link = new
    st.success(f"{name} is a {role} now. Send them this sign-in link privately; it is shown only "
               "this once (the store keeps only its hash).")
    st.code(link, language=None)  # the code block's copy button copies the link

with st.form("team-add", clear_on_submit=True):
    st.subheader("Add a reviewer or lead")
    cols = st.columns([3, 1])
    name = cols[0].text_input("Name", placeholder="e.g. alice")
    role = cols[1].selectbox("Role", ROLES)
    if st.form_submit_button("Add", type="primary", icon=":material/person_add:"):
        try:
            token = rules.add_reviewer(engine, name, role)
        except rules.ScreeningError as exc:
            st.error(str(exc))
        else:
            st.session_state[LINK_KEY] = (name.strip(), role, f"{app_address()}?token={token}")
            st.rerun()

with engine.connect() as conn:
    members = team(conn)
    editors = strategy_editors(conn)
st.subheader("Members")
if not members:
    st.write("Nobody yet.")
else:
    st.dataframe(
        [{"Name": m["name"], "Role": m["role"], "Active": "yes" if m["active"] else f"revoked {m['revoked']}",
          "Signed in now": "yes" if m["signed_in"] else "", "Last vote": m["last_vote"], "Added": m["added"],
          "Edits the strategy": "lead" if m["role"] == "lead" else ("yes" if m["name"] in editors else "")}
         for m in members],
        hide_index=True, width="stretch",
    )
    active = [m["name"] for m in members if m["active"]]
    st.subheader("Revoke")
    with st.form("team-revoke"):
        who = st.selectbox("Member", active, index=None, placeholder="Choose who to revoke")
        sure = st.checkbox("Their sign-in link stops working and their sessions end now; their votes stay")
        if st.form_submit_button("Revoke", icon=":material/person_remove:"):
            if not who or not sure:
                st.error("Choose the member and tick the box to revoke.")
            else:
                try:
                    rules.revoke_reviewer(engine, who)
                except rules.ScreeningError as exc:
                    st.error(str(exc))
                else:
                    st.session_state["team-last"] = f"{who} is revoked."
                    st.rerun()
    if "team-last" in st.session_state:
        st.success(st.session_state.pop("team-last"))

    reviewers = [m["name"] for m in members if m["active"] and m["role"] != "lead"]
    st.subheader("Search strategy")
    st.caption("A lead always edits the search strategy; allow a reviewer (e.g. the librarian) to open the "
               "Strategy page and save versions. It shows no screening data.")
    with st.form("team-strategy"):
        who = st.selectbox("Reviewer", reviewers, index=None, placeholder="Choose a reviewer",
                           format_func=lambda n: f"{n} (may edit it now)" if n in editors else n)
        cols = st.columns(2)
        grant = cols[0].form_submit_button("Allow to edit the strategy", icon=":material/edit_note:")
        withdraw = cols[1].form_submit_button("Withdraw", icon=":material/edit_off:")
        if grant or withdraw:
            if not who:
                st.error("Choose the reviewer first.")
            else:
                try:
                    (allow_strategy if grant else disallow_strategy)(engine, who, by=lead.name)
                except rules.ScreeningError as exc:
                    st.error(str(exc))
                else:
                    st.session_state["team-strategy-last"] = (
                        f"{who} may edit the search strategy now." if grant else f"{who} may no longer edit the search strategy.")
                    st.rerun()
    if "team-strategy-last" in st.session_state:
        st.success(st.session_state.pop("team-strategy-last"))
