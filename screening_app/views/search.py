"""Search (the lead): the PRISMA-S search log of every PubMed run and import, as a table with
Markdown and CSV downloads, built by ``review.pubmed.log`` exactly as ``review report search-log``
builds it; and "Run in PubMed": ``review search`` for the project's strategy, started as a
process of its own by ``review.search_job`` (it survives a reload or a closed tab, and a stopped
run resumes from the cache when started again), its progress polled every two seconds.
"""

import streamlit as st

from review import search_job
from review.pubmed.log import SUMMARY_HEADERS, render_csv, render_markdown, search_log, summary_row
from screening_app import state
from screening_app.lead import require_lead

require_lead()
project = state.project()
entries = search_log(state.engine())

st.title("Search")
st.write("The PRISMA-S search log: every PubMed run and every imported export, with its database, "
         "interface, date and strategy as run.")
PHASE_LABELS = {"lines": "strategy lines counted", "slices": "PMIDs collected", "records": "records fetched"}


@st.fragment(run_every=2.0)
def run_panel() -> None:
    job = search_job.status(project)
    state_ = job["state"]
    if state_ == "running":
        st.info(f"Searching PubMed (started {job.get('started')}); you can leave this page, the run goes on.",
                icon=":material/hourglass_top:")
        for phase, label in PHASE_LABELS.items():
            p = job["progress"].get(phase)
            if p:
                total = p.get("total") or 0
                share = min(1.0, p["done"] / total) if total else 0.0
                st.progress(share, text=f"{p['done']:,} of {total:,} {label}" if total else f"{p['done']:,} {label}")
        return
    if state_ == "done":
        st.success("The last PubMed run is stored: " + " ".join(job.get("output", [])[-1:]))
    elif state_ == "failed":
        st.error("The last PubMed run failed; nothing of it was stored:\n\n" + "\n".join(job.get("output", [])[-4:]))
    elif state_ == "stopped":
        st.warning("The last PubMed run was stopped before it ended; run it again to continue from the cache.")
    if st.button("Run in PubMed", key="search-run", type="primary", icon=":material/travel_explore:",
                 help="review search with the project's strategy (needs NCBI_EMAIL or pubmed.email)"):
        try:
            search_job.start(project)
        except search_job.SearchJobError as exc:
            st.error(str(exc))
        st.rerun()


st.subheader("Run in PubMed")
run_panel()
st.subheader("Search log (PRISMA-S)")
if not entries:
    st.info("No searches or imports yet. Upload your exports on the Import page; "
            "`review search` runs the project's strategy in PubMed.")
    st.stop()
st.dataframe([dict(zip(SUMMARY_HEADERS, summary_row(e), strict=True)) for e in entries],
             hide_index=True, width="stretch")
from review.strategy.pasted import project_markdown  # noqa: E402

markdown = render_markdown(entries, title=str(project.config.get("title") or project.name),
                           strategies=project_markdown(project))
cols = st.columns(2)
cols[0].download_button("Search log (Markdown)", markdown, "search-log.md", "text/markdown", key="search-md",
                        icon=":material/download:")
cols[1].download_button("Search log (CSV)", render_csv(entries), "search-log.csv", "text/csv", key="search-csv",
                        icon=":material/download:")
with st.expander("The full log"):
    st.markdown(markdown)
