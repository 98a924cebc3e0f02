"""My labels on the record being screened ("background", "check reference list"): shown and
added or removed under the record card. Only the reviewer's own labels are read here
(``review.screening.labels``: a partner's label could hint at their vote); the lead sees
everyone's in the Records library."""

from __future__ import annotations

import sqlalchemy as sa
import streamlit as st

from review.screening import labels as labels_lib
from screening_app.render import esc
from screening_app.ui import rerun_fragment

SUGGESTED = ("background", "check reference list")


def labels_panel(engine: sa.Engine, reviewer_name: str, record_id: int) -> None:
    with engine.connect() as conn:
        mine = [x for x in labels_lib.labels_on(conn, reviewer_name, [record_id]).get(record_id, [])
                if x.reviewer == reviewer_name]
        known = labels_lib.label_names(conn, reviewer_name)
    title = "My labels" + (f": {', '.join(x.label for x in mine)}" if mine else "")
    with st.expander(title, icon=":material/label:"):
        for x in mine:
            cols = st.columns([4, 1])
            cols[0].html(f"<span>{esc(x.label)}</span>")
            if cols[1].button("Remove", key=f"label-remove-{record_id}-{x.label}"):
                labels_lib.remove_label(engine, record_id, x.label, by=reviewer_name)
                rerun_fragment()
        options = sorted({*SUGGESTED, *known} - {x.label for x in mine}, key=str.lower)
        cols = st.columns([2, 2, 1], vertical_alignment="bottom")
        pick = cols[0].selectbox("Label", [""] + options, key=f"label-pick-{record_id}",
                                 format_func=lambda v: v or "—")
        typed = cols[1].text_input("or a new one", key=f"label-new-{record_id}")
        if cols[2].button("Add", key=f"label-add-{record_id}", icon=":material/add:"):
            try:
                labels_lib.add_label(engine, reviewer_name, record_id, typed or pick)
            except labels_lib.ScreeningError as exc:
                st.error(str(exc))
            else:
                rerun_fragment()
        st.caption("Labels are yours to sort records by; they are not votes. Your partners do not see them.")


def labels_line(conn: sa.Connection, viewer: str, record_id: int) -> None:
    """The labels on a record that ``viewer`` may see, read-only, with who put them (the lead:
    everyone's; a reviewer: their own)."""
    found = labels_lib.labels_on(conn, viewer, [record_id]).get(record_id, [])
    if found:
        st.html("<div style='color:#6b7280;font-size:0.9rem'>Labels: "
                + "; ".join(f"{esc(x.label)} ({esc(x.reviewer)})" for x in found) + "</div>")
