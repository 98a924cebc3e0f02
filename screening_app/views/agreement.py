"""Agreement page: Cohen's kappa (95% CI), percent agreement and PABAK per stage and pair."""

import pandas as pd
import streamlit as st

from screening_app import state
from screening_app.render import md_escape

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
hidden = []
with state.engine().connect() as conn:
    for stage in rules.STAGES:
        if not rules.sees_outcomes(conn, reviewer.name, stage):  # blind until the stage is finished
            hidden.append(state.STAGE_LABELS.get(stage, stage))
            continue
        for a in rules.agreement(conn, stage):
            ci = a.kappa_ci
            rows.append(
                {
                    "Stage": state.STAGE_LABELS.get(stage, stage),
                    "Reviewers": " & ".join(a.pair),
                    "Records": a.n,
                    "Agreement %": fmt(a.percent, 1),
                    "Cohen's κ": fmt(a.kappa),
                    "κ 95% CI": rules.format_ci(ci),
                    "PABAK": fmt(a.pabak),
                }
            )
if rows:
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
elif not hidden:
    st.info("No two reviewers have voted on the same record yet.")
if hidden:
    st.info(
        f"Agreement at {' and '.join(hidden)} is shown to the lead until every record of the stage has "
        "its two votes: screening is blind, and agreement moves with your partners' decisions."
    )


def pilot_section(size: int) -> None:
    """The pilot round: its size, each reviewer's progress (counts only) and, once at least
    two reviewers have screened every pilot record, the agreement between those who have."""
    with state.engine().connect() as conn:
        status = rules.pilot_status(conn, size, state.seed())
        pairs = rules.pilot_agreement(conn, size, state.seed()) if status.agreement_ready else []
    pairs = rules.completed_pairs(status, pairs)
    st.subheader("Pilot round")
    st.caption(
        f"The first {status.records} title/abstract records of the random order (screening.pilot: {size}), "
        "screened by every reviewer before the rest, as the JBI Manual for scoping reviews recommends: "
        "compare agreement, then refine the criteria. Only counts and figures are shown, never anyone's votes."
    )
    st.dataframe(
        pd.DataFrame([
            {"Reviewer": name, "Pilot records screened": f"{n} of {status.records}",
             "Complete": "yes" if name in status.complete else "no"}
            for name, n in status.voted.items()
        ]),
        hide_index=True,
        width="stretch",
    )
    if not status.agreement_ready:
        st.info("The pilot's agreement is shown once at least two reviewers have screened every pilot record.")
        return
    st.dataframe(
        pd.DataFrame([
            {
                "Reviewers": " & ".join(a.pair),
                "Records": a.n,
                "Agreement %": fmt(a.percent, 1),
                "Cohen's κ": fmt(a.kappa),
                "κ 95% CI": rules.format_ci(a.kappa_ci),
                "PABAK": fmt(a.pabak),
            }
            for a in pairs
        ]),
        hide_index=True,
        width="stretch",
    )
    for a in pairs:
        verdict = "reaches" if rules.reaches_jbi(a) else "is below"
        st.markdown(
            f"{md_escape(a.pair[0])} and {md_escape(a.pair[1])}: {a.percent:.1f}% agreement {verdict} the "
            f"{rules.JBI_AGREEMENT:.0f}% the JBI Manual suggests before screening the rest "
            "(for information; screening is not held back)."
        )


def stopping_section() -> None:
    """Each reviewer's buscar stopping estimate at title/abstract (the lead sees everyone's;
    a reviewer only their own, so nobody learns a partner's counts) and, with a
    pre-registered rule, the lead's button that ends the stage by it."""
    rule = state.settings().stop
    recall, confidence = (rule.recall, rule.confidence) if rule else (0.95, 0.95)
    with state.engine().connect() as conn:
        found = rules.estimates(conn, "title_abstract", recall, confidence)
        stop = rules.stop_record(conn)
        may, why, _ = rules.stop_check(conn, rule) if reviewer.role == "lead" else (False, "", [])
    if reviewer.role != "lead":
        found = [e for e in found if e.reviewer == reviewer.name]
    st.subheader("When can we stop?")
    st.caption(
        "The stopping rule of Callaghan & Müller-Hansen (2020, \"buscar\"): from each reviewer's own "
        "title/abstract votes in the order cast, how sure we can be that the relevant records (include "
        "or maybe) found so far are at least the recall target of all there are. Never below 1,000 "
        "records or before 10% of them are screened; tested only when 10%, 15%, ..., 95% of the records "
        "are screened, with a Bonferroni correction over those tests (so looking often does not weaken it). "
        + (f"Pre-registered rule: recall {recall:g}, confidence {confidence:g}." if rule else
           "No rule is pre-registered (screening.stop in review.yaml): this is information only.")
    )
    if stop is not None:
        st.success(
            f"Title/abstract screening was ended by the stopping rule on {stop.at[:10]} ({md_escape(stop.by)}): "
            f"{stop.excluded:,} of {stop.total:,} records were not screened and are excluded by the rule."
        )
    if found:
        st.dataframe(
            pd.DataFrame([
                {"Reviewer": e.reviewer, "Screened": f"{e.screened:,} of {e.total:,}", "Relevant": e.relevant,
                 "p": f"{e.p_value:.3g}", "Safe to stop": "yes" if e.can_stop else "not yet"}
                for e in found
            ]),
            hide_index=True,
            width="stretch",
        )
        for e in found:
            st.markdown(md_escape(e.sentence()))
    if reviewer.role != "lead" or stop is not None or rule is None:
        return
    if not may:
        st.caption(f"The lead may end title/abstract screening once every reviewer's estimate says stop: {md_escape(why)}")
        return
    if st.button("End title/abstract screening by the stopping rule", key="stop-stage", type="primary"):
        try:
            done = rules.stop_stage(state.engine(), rule, by=reviewer.name)
        except rules.ScreeningError as exc:
            st.error(str(exc))
        else:
            st.success(
                f"Ended: {done.excluded:,} records nobody had voted on are excluded by the rule; "
                f"{done.one_vote:,} records with one vote still need their second."
            )


stopping_section()

if state.pilot_size():
    pilot_section(state.pilot_size())
