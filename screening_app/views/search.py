"""Search (the lead): the PRISMA-S search log of every PubMed run and import, as a table with
Markdown and CSV downloads, built by ``review.pubmed.log`` exactly as ``review search --log``
builds it. (Running the strategy in PubMed from the page is not here yet: ``review search``.)
"""

import streamlit as st

from review.pubmed.log import SUMMARY_HEADERS, render_csv, render_markdown, search_log, summary_row
from screening_app import state
from screening_app.lead import require_lead

require_lead()
project = state.project()
entries = search_log(state.engine())

st.title("Search")
st.write("The PRISMA-S search log: every PubMed run and every imported export, with its database, "
         "interface, date and strategy as run.")
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
