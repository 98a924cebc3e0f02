"""Duplicates page (the lead): run deduplication, then the uncertain pairs it left for a person.

"Run deduplication" calls ``review.dedup.run.run_dedup`` (what ``review dedup`` runs) with a
progress bar naming the phase it is in, then shows its summary: records, duplicates merged,
unique records, pairs waiting.

Each pending pair is shown side by side (``screening_app.pairs``); "Same paper" merges the
two records (``review.dedup.run.confirm``), "Different papers" keeps them apart from now on
(``reject``), exactly as ``review dedup confirm/reject PAIR`` do, with the lead's name
and note logged. The buttons carry the pair id in their key, so a click decides only the pair
it was drawn with.
"""

import streamlit as st

from review.dedup import queue, run
from review.store.api import get_record
from screening_app import state
from screening_app.lead import require_lead
from screening_app.pairs import pair_html

MAX_SHOWN = 20
# What each phase of ``run.RUN_PHASES`` (reported by ``run_dedup``'s progress) does.
PHASE_LABELS = {
    "loading": "reading the stored records",
    "normalising": "normalising titles, authors and addresses",
    "blocking": "finding candidate pairs",
    "scoring": "comparing candidate pairs",
    "clustering": "clustering duplicates",
    "storing": "storing clusters, history and the review queue",
}

reviewer = require_lead()

st.title("Duplicates")
engine = state.engine()

if st.button("Run deduplication", key="dup-run", type="primary", icon=":material/join_inner:",
             help="cluster every stored record again, as `review dedup` does; decisions made here are kept"):
    bar = st.progress(0.0, text="Deduplicating every stored record ...")
    shown_at: list[tuple[str, int]] = []

    def show(done: int, total: int, phase: str) -> None:
        """The run's phase and how far it is (redrawn only when the percentage moves)."""
        percent = 100 * done // total if total else 100
        if shown_at and shown_at[-1] == (phase, percent):
            return
        shown_at.append((phase, percent))
        step = run.RUN_PHASES.index(phase) + 1 if phase in run.RUN_PHASES else 0
        count = f" ({done:,} of {total:,})" if total > 1 else ""
        bar.progress(percent / 100,
                     text=f"Step {step} of {len(run.RUN_PHASES)}: {PHASE_LABELS.get(phase, phase)}{count}")

    try:
        summary = run.run_dedup(engine, by=reviewer.name, progress=show)
    except run.DedupError as exc:
        bar.empty()
        st.error(f"Deduplication failed; nothing was changed. {exc}")
    else:
        bar.progress(1.0, text=f"Deduplication done: {len(run.RUN_PHASES)} of {len(run.RUN_PHASES)} steps "
                               f"in {summary.seconds:.1f} s")
        st.session_state["dup-summary"] = (
            f"{summary.records} records: {summary.duplicates_removed} duplicates merged, "
            f"{summary.unique_records} unique records to screen; {summary.pending} uncertain "
            f"pair(s) wait for you ({summary.seconds:.1f} s)."
        )
if "dup-summary" in st.session_state:
    st.success(st.session_state["dup-summary"])
st.subheader("Possible duplicates")


def decide(pair_id: str, same: bool, note: str) -> None:
    action = run.confirm if same else run.reject
    try:
        action(engine, pair_id, by=reviewer.name, note=note or "")
    except (run.DedupError, queue.PairError) as exc:
        st.error(str(exc))
        return
    st.session_state["dup-last"] = (
        f"Pair {pair_id}: " + ("same paper, merged." if same else "different papers, kept apart.")
    )
    st.rerun()


with engine.connect() as conn:
    pending = queue.pending_pairs(conn)
    shown = [(p, get_record(conn, p.record_a), get_record(conn, p.record_b)) for p in pending[:MAX_SHOWN]]

if "dup-last" in st.session_state:
    st.success(st.session_state.pop("dup-last"))  # built from record ids only
if not pending:
    st.info("No uncertain pairs wait for a person. Run deduplication after each import.")
    st.stop()
st.caption(
    f"{len(pending)} pair(s) wait for a decision, most likely duplicates first"
    + (f"; the first {MAX_SHOWN} are shown" if len(pending) > MAX_SHOWN else "")
    + ". Same paper merges the two records; different papers keeps them apart in every later run."
)

for pair, rec_a, rec_b in shown:
    with st.container(border=True):
        st.html(pair_html(pair.id, (pair.record_a, rec_a), (pair.record_b, rec_b), pair.confidence, pair.reason))
        cols = st.columns([1, 1, 2])
        note = cols[2].text_input("Note (optional)", key=f"dup-note-{pair.id}", label_visibility="collapsed",
                                  placeholder="Note (optional)")
        if cols[0].button("Same paper", key=f"dup-same-{pair.id}", type="primary", icon=":material/join:",
                          width="stretch"):
            decide(pair.id, True, note)
        if cols[1].button("Different papers", key=f"dup-diff-{pair.id}", icon=":material/call_split:",
                          width="stretch"):
            decide(pair.id, False, note)
