"""The guard every lead page runs first, and the overview's plain data.

A page is hidden from a reviewer by the navigation, but a hidden page is not a refused one: a
page script can be asked for by its URL path or run on its own. So each lead page starts with
``require_lead()``, which reads the signed-in reviewer's role from the store (the session is
looked up again on every run, ``state.current_reviewer``) and stops the page for anyone else.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from screening_app import state

REFUSED = "This page is for the review lead only. Ask your lead if you need something here."


def require_lead() -> Any:
    """The signed-in lead; anyone else gets one error and nothing of the page."""
    reviewer = state.require_reviewer()
    if reviewer.role != "lead":
        st.error(REFUSED)
        st.stop()
    return reviewer


def next_steps(*, records: int, pending_pairs: int, conflicts: dict[str, int], reviewers: int,
               pilot_left: int, screened_all: bool, dedup_due: bool = False) -> list[str]:
    """What the lead should do next, most pressing first, as short sentences."""
    steps: list[str] = []
    if records == 0:
        steps.append("No records yet: upload your database exports on the Import page.")
    if dedup_due:
        steps.append("Records were imported after the last deduplication: run it on the Duplicates page "
                     "before screening, so no one screens the same paper twice.")
    if pending_pairs:
        steps.append(f"{pending_pairs} uncertain duplicate pair(s) wait for you on the Duplicates page.")
    for stage, n in conflicts.items():
        if n:
            steps.append(f"{n} conflict(s) wait for you ({state.STAGE_LABELS.get(stage, stage)}) on the Conflicts page.")
    if records and reviewers < 2:
        steps.append("Dual screening needs two reviewers: add them on the Team page.")
    if pilot_left:
        steps.append(f"The pilot round is not complete: {pilot_left} pilot vote(s) are still missing.")
    if records and screened_all and not any(conflicts.values()) and not pending_pairs:
        steps.append("Screening is complete: the Reports page has the final PRISMA diagram and report pack.")
    return steps or ["Screening is under way; nothing waits for you."]
