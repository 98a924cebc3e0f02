"""Criteria and settings (the lead): the inclusion and exclusion criteria, the full-text
exclusion reasons, the highlight terms, the screening order and the pilot size, saved into
review.yaml by ``review.config_edit.save_settings`` (comments and layout kept, the criteria
version bumped when the criteria change, a bad value refused with the CLI's message).
"""

import streamlit as st

from review.config_edit import current, save_settings
from review.screening.model import ScreeningError
from review.screening.queue import ORDERS
from screening_app import state
from screening_app.lead import require_lead

require_lead()
project = state.project()
values = current(project.config)
version = (project.config.get("criteria") or {}).get("version", 1)


def lines(value) -> str:
    return "\n".join(str(v) for v in (value or []))


def as_list(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


st.title("Criteria and settings")
st.caption(f"Saved into {project.root.name}/review.yaml (its comments stay). Criteria version {version}: "
           "changing the criteria makes it the next version; votes keep the version they were cast under.")
if "crit-saved" in st.session_state:
    st.success(st.session_state.pop("crit-saved"))

with st.form("criteria"):
    cols = st.columns(2)
    include = cols[0].text_area("Inclusion criteria (one per line)", lines(values["include"]), height=200)
    exclude = cols[1].text_area("Exclusion criteria (one per line)", lines(values["exclude"]), height=200)
    reasons = st.text_area("Full-text exclusion reasons (one per line; a full-text exclusion picks one)",
                           lines(values["exclusion_reasons"]), height=150)
    cols = st.columns(2)
    inc_terms = cols[0].text_area("Highlight as inclusion terms (one per line; * for any ending)",
                                  lines(values["include_terms"]), height=120)
    exc_terms = cols[1].text_area("Highlight as exclusion terms", lines(values["exclude_terms"]), height=120)
    cols = st.columns(2)
    order_now = values["order"] or "random"
    order = cols[0].selectbox("Screening order", list(ORDERS), index=list(ORDERS).index(order_now)
                              if order_now in ORDERS else 0)
    pilot = cols[1].number_input("Pilot round size (0: none)", min_value=0, value=int(values["pilot"] or 0), step=1)
    if st.form_submit_button("Save", type="primary", icon=":material/save:"):
        changes = {"include": as_list(include), "exclude": as_list(exclude), "exclusion_reasons": as_list(reasons),
                   "include_terms": as_list(inc_terms), "exclude_terms": as_list(exc_terms),
                   "order": order, "pilot": int(pilot)}
        # a field the file never had and the form leaves empty is not written
        changes = {k: v for k, v in changes.items() if not (values[k] is None and v in ([], 0, "random"))}
        try:
            result = save_settings(project.root, changes)
        except (ScreeningError, ValueError, OSError) as exc:
            st.error(f"Not saved: {exc}")
        else:
            if not result.changed:
                st.session_state["crit-saved"] = "Nothing changed."
            else:
                st.session_state["crit-saved"] = (
                    f"Saved: {', '.join(result.changed)}."
                    + (f" The criteria are version {result.criteria_version} now." if result.version_bumped else ""))
            st.rerun()
