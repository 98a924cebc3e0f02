"""Extraction page slot: drawn by ``screening_app.extraction_page.render(project, engine, reviewer)``
when that module is installed; otherwise says extraction is not available.

``reviewer`` is the signed-in ``review.screening.Reviewer`` (``.name``, ``.role``).
"""

import importlib

import streamlit as st

from screening_app import state

reviewer = state.require_reviewer()
try:
    extraction_page = importlib.import_module("screening_app.extraction_page")
except ImportError as exc:
    st.title("Extraction")
    st.info("Extraction is not available in this installation.")
    st.caption(f"screening_app.extraction_page could not be imported: {exc}")
else:
    extraction_page.render(state.project(), state.engine(), reviewer)
