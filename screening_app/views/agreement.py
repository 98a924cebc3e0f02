"""Agreement page: Cohen's kappa (95% CI), percent agreement and PABAK per stage and pair."""

import pandas as pd
import streamlit as st

from screening_app import state

reviewer = state.require_reviewer()
rules = state.screening()

st.title("Agreement")
st.caption(
    "Between each pair of reviewers, over the records both have voted on (include / exclude / "
    "maybe as three categories). PABAK is the prevalence- and bias-adjusted kappa. Only the "
    "figures are shown here, never anyone's votes."
)


def fmt(value, digits=2):
    return "—" if value is None else f"{value:.{digits}f}"


rows = []
with state.engine().connect() as conn:
    for stage in rules.STAGES:
        for a in rules.agreement(conn, stage):
            ci = a.kappa_ci
            rows.append(
                {
                    "Stage": state.STAGE_LABELS.get(stage, stage),
                    "Reviewers": " & ".join(a.pair),
                    "Records": a.n,
                    "Agreement %": fmt(a.percent * 100 if a.percent <= 1 else a.percent, 1),
                    "Cohen's κ": fmt(a.kappa),
                    "κ 95% CI": "—" if ci is None else f"{ci[0]:.2f} to {ci[1]:.2f}",
                    "PABAK": fmt(a.pabak),
                }
            )
if rows:
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
else:
    st.info("No two reviewers have voted on the same record yet.")
