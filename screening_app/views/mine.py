"""My decisions: every vote of mine, newest first, filtered by stage, decision and title text,
a page at a time; any of them can be changed (``review.screening.mine.change_vote``: a new
vote superseding the old one, as on the Screen page).

Blind like the rest: only my own votes are read, never a partner's, and nothing says whether
a record is in conflict or decided (``review.screening.mine`` returns no such thing).
"""

import streamlit as st

from review.screening import mine
from screening_app import state, ui

PAGE_SIZE = 50

reviewer = state.require_reviewer()
rules = state.screening()
engine = state.engine()
criteria = state.criteria()

st.title("My decisions")
st.caption("Your own votes only, newest first. Changing one stores a new vote that replaces it; "
           "your partners' votes are never shown here.")

filters = st.columns([1, 1, 2])
stage = filters[0].selectbox(
    "Stage", [None, *rules.STAGES], format_func=lambda s: "Both stages" if s is None else state.STAGE_LABELS[s],
    key="mine-stage",
)
decision = filters[1].selectbox(
    "My vote", [None, *rules.DECISIONS], format_func=lambda d: "Any vote" if d is None else ui.DECISION_LABELS[d],
    key="mine-decision",
)
text = filters[2].text_input("Search titles", key="mine-search", placeholder="words in the title, a PMID, DOI or record id")

with engine.connect() as conn:
    page, number, pages = ui.paged(
        lambda offset: mine.my_decisions(conn, reviewer.name, stage, decision, text, limit=PAGE_SIZE, offset=offset),
        "mine-page", PAGE_SIZE,
    )
total = page.total

if "mine-last" in st.session_state:
    st.success(st.session_state.pop("mine-last"))
if not page.items:
    st.info("You have no votes matching these filters." if total == 0 and (stage or decision or text)
            else "You have not voted yet. Your votes appear here as you screen.")
    st.stop()

first = page.offset + 1
st.caption(f"{first}–{page.offset + len(page.items)} of {total} vote(s)"
           + (f" · page {number} of {pages}" if pages > 1 else ""))
st.dataframe(
    [
        {"Record": f"#{d.vote.record_id}", "Title": d.title, "Stage": state.STAGE_LABELS[d.vote.stage],
         "My vote": ui.DECISION_LABELS.get(d.vote.decision, d.vote.decision), "Reason": d.vote.reason,
         "Note": d.vote.note, "At": d.vote.at}
        for d in page.items
    ],
    hide_index=True,
    width="stretch",
)

st.subheader("Change a vote")
by_key = {f"{d.vote.stage}:{d.vote.record_id}": d for d in page.items}
picked = st.selectbox(
    "Vote to change", list(by_key),
    format_func=lambda k: (f"#{by_key[k].vote.record_id} · {state.STAGE_LABELS[by_key[k].vote.stage]} · "
                           f"{ui.DECISION_LABELS[by_key[k].vote.decision]} · {by_key[k].title[:70]}"),
    key="mine-pick",
)
item = by_key[picked]
vote = item.vote
with st.form(f"mine-change-{vote.stage}-{vote.record_id}"):
    new_decision = st.radio(
        "New vote", list(rules.DECISIONS), index=list(rules.DECISIONS).index(vote.decision), horizontal=True,
        format_func=ui.DECISION_LABELS.get, key=f"mine-new-decision-{vote.stage}-{vote.record_id}",
    )
    reasons = [""] + list(criteria.exclusion_reasons)
    if vote.reason and vote.reason not in reasons:
        reasons.append(vote.reason)
    new_reason = st.selectbox(
        "Exclusion reason" + (" (required to exclude)" if vote.stage == "full_text" else " (optional)"),
        reasons, index=reasons.index(vote.reason), format_func=lambda r: r or "—",
        key=f"mine-new-reason-{vote.stage}-{vote.record_id}",
    )
    new_note = st.text_input("Note (optional)", value=vote.note, key=f"mine-new-note-{vote.stage}-{vote.record_id}")
    if st.form_submit_button("Save changed vote", type="primary", key=f"mine-save-{vote.stage}-{vote.record_id}"):
        try:
            stored = mine.change_vote(
                engine, reviewer.name, vote.record_id, vote.stage, new_decision,
                reason=new_reason or "", note=new_note or "", criteria=criteria,
            )
        except rules.ScreeningError as exc:
            st.error(str(exc))
        else:
            st.session_state["mine-last"] = (
                f"Record #{vote.record_id}: your {state.STAGE_LABELS[vote.stage].lower()} vote is "
                f"{ui.DECISION_LABELS[stored.decision].lower()}"
                + (" (unchanged)." if stored.id == vote.id else " now.")
            )
            st.rerun()
with st.expander("The record"):
    with engine.connect() as conn:
        ui.record_card(ui.load_record(conn, vote.record_id), criteria, vote.record_id)
