"""Overview (the lead's home): where the review stands and what waits for the lead.

Counts only: each stage's progress per reviewer (how many records each has voted on, never
how), the conflicts and uncertain duplicate pairs waiting, the pilot round, and the PRISMA 2020
diagram as the store stands (marked DRAFT by ``review.reporting.diagram`` until screening ends), all read
with the library functions ``review status``, ``review conflicts``, ``review dedup`` and
``review prisma --draft`` use.
"""

import streamlit as st

from review.dedup import queue as pair_queue
from review.reporting.diagram import render_svg
from review.reporting.prisma import check_arithmetic, draft_note, prisma_counts
from screening_app import state
from screening_app.lead import next_steps, require_lead

require_lead()
rules = state.screening()
engine = state.engine()
project = state.project()

with engine.connect() as conn:
    reviewers = [r for r in rules.list_reviewers(conn) if r.active]
    rows, totals, conflicts = [], {}, {}
    for stage in rules.STAGES:
        conflicts[stage] = len(rules.conflicts(conn, stage))
        for r in reviewers:
            p = rules.progress(conn, r.name, stage)
            totals[stage] = p.total
            rows.append({"Stage": state.STAGE_LABELS.get(stage, stage), "Reviewer": r.name,
                         "Role": r.role, "Voted on": p.mine, "Records in stage": p.total})
        if not reviewers:
            totals[stage] = len(rules.stage_record_ids(conn, stage))
    pending = len(pair_queue.pending_pairs(conn))
    pilot = rules.pilot_status(conn, state.pilot_size(), state.seed()) if state.pilot_size() > 0 else None
    counts = prisma_counts(conn)

st.title("Overview")
st.caption(project.config.get("title") or project.name)
screeners = [r for r in reviewers if r.role == "reviewer"] or reviewers
pilot_missing = (sum(pilot.records - pilot.voted.get(r.name, 0) for r in screeners) if pilot else 0)
screened_all = bool(totals.get("title_abstract")) and all(
    row["Voted on"] >= row["Records in stage"] for row in rows if row["Role"] == "reviewer")
steps = next_steps(records=totals.get("title_abstract", 0) or int(counts.any_identified),
                   pending_pairs=pending, conflicts=conflicts, reviewers=len(screeners),
                   pilot_left=max(pilot_missing, 0), screened_all=screened_all)
st.subheader("Next step")
for line in steps:
    st.info(line, icon=":material/arrow_forward:")

cols = st.columns(4)
cols[0].metric("Title/abstract records", totals.get("title_abstract", 0))
cols[1].metric("Conflicts waiting", sum(conflicts.values()))
cols[2].metric("Duplicate pairs waiting", pending)
cols[3].metric("Active team members", len(reviewers))

st.subheader("Progress per reviewer")
if rows:
    st.dataframe(rows, hide_index=True, width="stretch")
else:
    st.write("No reviewers yet: add them on the Team page.")

st.subheader("Pilot round")
if pilot is None:
    st.write("No pilot round (screening.pilot is 0 in review.yaml).")
else:
    done = ", ".join(pilot.complete) or "nobody yet"
    st.write(f"{pilot.records} pilot record(s); complete: {done}.")
    st.dataframe([{"Reviewer": name, "Pilot records voted on": n} for name, n in sorted(pilot.voted.items())],
                 hide_index=True)

st.subheader("PRISMA 2020 flow diagram")
try:
    checked = check_arithmetic(counts, draft=True)
except Exception as exc:  # noqa: BLE001 - a store whose numbers do not add up: say which box
    st.error(f"The diagram cannot be drawn: {exc}")
else:
    note = draft_note(checked)
    if note:
        st.warning(note, icon=":material/edit_note:")
    st.image(render_svg(checked, title=project.config.get("title") or ""), width="stretch")
