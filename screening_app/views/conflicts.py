"""Conflicts page: the two votes side by side, and the final decision with its reason.

Offered to the lead, or to the reviewers themselves when ``screening.conflict_resolution``
is ``pair`` (then each sees only the conflicts they voted in). The original votes are never
changed: a resolution is recorded beside them.
"""

import streamlit as st

from screening_app import state, ui
from screening_app.labels_panel import labels_line
from screening_app.render import esc

MAX_SHOWN = 25

reviewer = state.require_reviewer()
rules = state.screening()
if not state.sees_conflicts(reviewer):
    st.error("Only the review lead resolves conflicts in this project.")
    st.stop()

st.title("Conflicts")
stage = ui.stage_selector("conflicts-stage")
criteria = state.criteria()
engine = state.engine()
mode = state.conflict_mode()

with engine.connect() as conn:
    items = rules.conflicts_for(conn, reviewer.name, stage, mode)
    shown = items[:MAX_SHOWN]
    records = {c.record_id: ui.load_record(conn, c.record_id) for c in shown}

if not items:
    st.success("No open conflicts at this stage.")
    st.stop()
st.caption(
    f"{len(items)} open conflict(s)"
    + (f"; the first {MAX_SHOWN} are shown" if len(items) > MAX_SHOWN else "")
    + ". A maybe counts as a disagreement; at full text so does a different exclusion reason."
)
ui.show_notice()


def vote_html(vote) -> str:
    rows = [
        f'<div style="font-weight:600">{esc(vote.reviewer)}: '
        f"{esc(ui.DECISION_LABELS.get(vote.decision, vote.decision))}</div>"
    ]
    if vote.reason:
        rows.append(f"<div>Reason: {esc(vote.reason)}</div>")
    if vote.note:
        rows.append(f'<div>Note: <span style="white-space:pre-wrap">{esc(vote.note)}</span></div>')
    rows.append(f'<div style="color:#6b7280;font-size:0.85rem">{esc(ui.when(vote.at))} · criteria v{esc(vote.criteria_version)}</div>')
    return "".join(rows)


for conflict in shown:
    rid = conflict.record_id
    with st.container(border=True):
        card, side = st.columns([3, 2], gap="large")
        with card:
            ui.record_card(records[rid], criteria, rid)
            with engine.connect() as conn:
                labels_line(conn, reviewer.name, rid)
        with side:
            st.markdown("**Votes**")
            cols = st.columns(max(len(conflict.votes), 1))
            for col, vote in zip(cols, conflict.votes):
                with col:
                    st.html(vote_html(vote))
            with st.form(f"resolve-{stage}-{rid}"):
                decision = st.radio(  # nothing chosen until the lead chooses
                    "Final decision", ["include", "exclude"], horizontal=True, index=None,
                    format_func=ui.DECISION_LABELS.get, key=f"decision-{stage}-{rid}",
                )
                reason = st.selectbox(
                    "Reason" + (" (required to exclude)" if stage == "full_text" else ""),
                    [""] + list(criteria.exclusion_reasons),
                    format_func=lambda r: r or "—", key=f"final-reason-{stage}-{rid}",
                )
                note = st.text_input("Note", key=f"final-note-{stage}-{rid}")
                if st.form_submit_button("Record final decision", type="primary"):
                    try:
                        rules.resolve_conflict(
                            engine, rid, stage, decision or "", by=reviewer.name, reason=reason or "",
                            note=note or "", mode=mode, criteria=criteria,
                        )
                    except rules.ScreeningError as exc:
                        st.error(str(exc))
                    else:
                        ui.notify(f"Record #{rid}: final decision {decision}.")
                        st.rerun()
