"""Screen page: one record at a time from my queue, criteria beside it, include/exclude/maybe.

The record card is a fragment: a vote reruns only the card (one indexed query for the next
record), so the page stays quick on a large review. A vote is stored before the next record
is drawn; the buttons carry the record id in their key, so a click can only ever vote on the
record it was drawn with, and a rerun never casts a vote again.
"""

from contextlib import nullcontext

import streamlit as st

from screening_app import state, ui
from screening_app.labels_panel import labels_panel
from screening_app.render import short_label

reviewer = state.require_reviewer()
rules = state.screening()
state.ensure_rank_worker()  # relevance order: rankings are made outside the request

st.title("Screen")
ui.keys_after_choosing()
stage = ui.stage_selector("screen-stage")
st.caption(
    "Order: prioritised by relevance, learnt from your own decisions only (screening.order: relevance)."
    if state.queue_order() == "relevance" and stage == "title_abstract"
    else "Order: reproducible random (screening.seed)."
)


@state.fragment  # st.fragment; a dead session shows the sign-in page
def record_panel(stage: str, reviewer_name: str) -> None:
    engine = state.engine()
    criteria = state.criteria()
    pilot = state.pilot_size() if stage == "title_abstract" else 0
    with engine.connect() as conn:  # reads only: closed before the queue writes
        progress = state.progress(conn, reviewer_name, stage)
        pilot_total = len(rules.pilot_ids(conn, pilot, state.seed())) if pilot else 0
        pilot_left = len(rules.pilot_left(conn, reviewer_name, pilot, state.seed())) if pilot else 0
        ranking = (
            state.queue_order() == "relevance" and stage == "title_abstract" and not pilot_left
            and rules.ranking_due(conn, reviewer_name)
        )
    # the queue writes what it works out (the pilot set once frozen, the reviewer's ranking,
    # the claim) in its own transaction
    with st.spinner("Ranking your queue from your own decisions…") if ranking else nullcontext():
        record_id = pressed_card(stage)
        if record_id is None:
            record_id = rules.claim_next(
                engine, reviewer_name, stage, state.settings(), terms=list(criteria.include_terms),
                strategy=state.strategy() if state.queue_order() == "relevance" else None,
            )
    st.session_state[f"card-{stage}"] = record_id
    with engine.connect() as conn:
        undo_target = st.session_state.get(f"undo-target-{stage}")  # what U named when pressed
        last = rules.last_vote(conn, reviewer_name, stage)
        st.session_state[f"undo-target-{stage}"] = last.record_id if last else None
        record = ui.load_record(conn, record_id) if record_id is not None else None
        fulltext = (
            rules.fulltext_of(conn, record_id)
            if stage == "full_text" and record_id is not None
            else None
        )
    ui.progress_bar(progress)
    if st.session_state.get(f"refused-{stage}"):
        st.warning(st.session_state.pop(f"refused-{stage}"), icon=":material/block:")
    if pilot_left:
        st.caption(
            f"Pilot round: {pilot_left} of {pilot_total} pilot records left for you. Every reviewer "
            "screens these same records first; the team then compares agreement (Agreement page) "
            "and refines the criteria before screening the rest."
        )

    if record_id is None:
        ui.show_notice()
        if st.button("Undo last vote", key=f"undo-{stage}", shortcut="U", icon=":material/undo:"):
            undo_last(engine, reviewer_name, stage, undo_target)
        if not progress.total and not progress.mine:  # none (or not shown yet: blind full text) and none voted
            st.info(
                "No records at this stage yet."
                + (" Records come here once they are included at title/abstract."
                   if stage == "full_text" else " Import and deduplicate the search results first.")
            )
        else:
            st.success(
                "Your queue for this stage is empty: every record has your vote "
                "(or two votes already)."
            )
        recent_votes(engine, reviewer_name, stage)
        return

    card, side = st.columns([3, 1.25], gap="large")
    with side:
        ui.criteria_panel(criteria)
    with card:
        ui.show_notice()
        buttons = st.columns([1, 1, 1, 1.3])
        clicked = None
        if buttons[0].button("Include", key=f"include-{stage}-{record_id}", shortcut="I",
                             type="primary", icon=":material/check:", width="stretch"):
            clicked = "include"
        if buttons[1].button("Exclude", key=f"exclude-{stage}-{record_id}", shortcut="E",
                             icon=":material/close:", width="stretch"):
            clicked = "exclude"
        if buttons[2].button("Maybe", key=f"maybe-{stage}-{record_id}", shortcut="M",
                             icon=":material/help:", width="stretch"):
            clicked = "maybe"
        if buttons[3].button("Undo last vote", key=f"undo-{stage}", shortcut="U",
                             icon=":material/undo:", width="stretch"):
            undo_last(engine, reviewer_name, stage, undo_target)
        fields = st.columns(2)
        reason = fields[0].selectbox(
            "Exclusion reason" + (" (required to exclude)" if stage == "full_text" else " (optional)"),
            [""] + list(criteria.exclusion_reasons),
            format_func=lambda r: r or "—",
            key=f"reason-{stage}-{record_id}",
        )
        note = fields[1].text_input("Note (optional)", key=f"note-{stage}-{record_id}")
        if clicked:
            # the widgets above hold this run's reason and note; the vote is stored (one
            # transaction) before the card moves on to the next record
            try:
                rules.cast_vote(
                    engine, reviewer_name, record_id, stage, clicked,
                    reason=reason or "", note=note or "", criteria=criteria, settings=state.settings(),
                )
            except rules.VoteRefusedError as exc:
                st.session_state[f"refused-{stage}"] = f"{exc} — here is the next one."
                ui.rerun_fragment()
            except rules.ScreeningError as exc:
                st.error(str(exc))
            else:
                ui.notify(f"{ui.DECISION_LABELS[clicked]}: {short_label(record, record_id, 60)}")
                ui.rerun_fragment()
        st.caption("Keys: **I** include · **E** exclude · **M** maybe · **U** undo last vote"
                   + (f" (takes back your vote on #{last.record_id})" if last else ""))
        ui.record_card(record, criteria, record_id)
        ui.origin_note(engine, record_id)
        labels_panel(engine, reviewer_name, record_id)
        if stage == "full_text":
            ui.fulltext_summary(fulltext, state.project().root)
        recent_votes(engine, reviewer_name, stage)


def recent_votes(engine, reviewer_name: str, stage: str, limit: int = 20) -> None:
    """My own latest votes at this stage (read on demand; never anyone else's)."""
    if not st.toggle("Show my recent votes", key=f"recent-{stage}"):
        return
    with engine.connect() as conn:
        mine = rules.my_votes(conn, reviewer_name, stage)[-limit:][::-1]
        labels = {v.record_id: short_label(ui.load_record(conn, v.record_id), v.record_id, 80) for v in mine}
    if not mine:
        st.caption("You have not voted at this stage yet.")
        return
    st.dataframe(
        [
            {"Record": labels[v.record_id], "Vote": ui.DECISION_LABELS.get(v.decision, v.decision),
             "Reason": v.reason, "Note": v.note, "At": ui.when(v.at)}
            for v in mine
        ],
        hide_index=True,
        width="stretch",
    )


def pressed_card(stage: str) -> int | None:
    """The record that was on screen when one of its vote buttons was pressed (this run), so
    the vote goes to the record the reviewer saw, whatever the queue would draw now."""
    shown = st.session_state.get(f"card-{stage}")
    if shown is None:
        return None
    pressed = any(st.session_state.get(f"{d}-{stage}-{shown}") is True for d in ("include", "exclude", "maybe"))
    return int(shown) if pressed else None


def undo_last(engine, reviewer_name: str, stage: str, record_id: int | None) -> None:
    """Take back the vote on ``record_id``: the record U named when it was pressed."""
    if record_id is None:
        ui.notify("Nothing to undo.", "info")
    else:
        try:
            undone = rules.undo_vote(engine, reviewer_name, stage, record_id)
        except rules.NotAllowedError:
            raise
        except rules.ScreeningError as exc:
            ui.notify(str(exc), "warning")
        else:
            ui.notify(f"Undid your {undone.decision} vote on record #{undone.record_id}.", "info")
    ui.rerun_fragment()


record_panel(stage, reviewer.name)
