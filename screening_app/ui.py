"""Streamlit pieces shared by the pages: stage selector, progress, record card, criteria.

Drawing only: every rule (queues, blinding, conflicts, what a vote needs) is in
``review.screening``; errors it raises are shown as they are written.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from review.dedup.state import merged_record
from review.records import Record
from screening_app import state
from screening_app.render import Highlighter, criteria_html, legend_html, record_card_html

DECISION_LABELS = {"include": "Include", "exclude": "Exclude", "maybe": "Maybe"}


def stage_selector(key: str) -> str:
    """Title/abstract or full text; remembered per page for the session."""
    stages = list(state.screening().STAGES)
    choice = st.segmented_control(
        "Stage",
        stages,
        format_func=lambda s: state.STAGE_LABELS.get(s, s),
        default=stages[0],
        required=True,
        key=key,
    )
    return choice or stages[0]


def highlighter(criteria: Any) -> Highlighter:
    return Highlighter.of(list(criteria.include_terms or []), list(criteria.exclude_terms or []))


def load_record(conn, record_id: int) -> Record:
    """The record as screened: the kept record of its duplicate cluster, gaps filled."""
    return merged_record(conn, record_id)


def record_card(record: Record, criteria: Any, record_id: int | None = None) -> None:
    st.html(record_card_html(record, highlighter(criteria), record_id=record_id))


def criteria_panel(criteria: Any) -> None:
    st.html(
        criteria_html(
            list(criteria.include),
            list(criteria.exclude),
            list(criteria.exclusion_reasons),
            criteria.version,
        )
    )
    st.html(legend_html())


def progress_bar(progress: Any) -> None:
    """Mine, my partners' counts (never their votes); open conflicts and decided only when
    the rules show them to this reviewer (``review.screening.visibility``)."""
    total = progress.total
    mine = int(progress.mine)
    cols = st.columns(4)
    cols[0].metric("My votes", f"{mine} / {total}" if total is not None else str(mine))
    partners = ", ".join(f"{name}: {n}" for name, n in sorted(progress.partner_counts.items()))
    cols[1].metric("Partners' votes", sum(progress.partner_counts.values()), help="counts only")
    if progress.open_conflicts is not None:
        cols[2].metric("Open conflicts", int(progress.open_conflicts))
        cols[3].metric("Decided", int(progress.decided))
    else:
        cols[2].caption("Conflicts and decisions are shown to the lead until every record of this stage "
                        "has its two votes (blind screening).")
    st.progress(min(mine / total, 1.0) if total else 0.0)
    if partners:
        st.caption(f"Partners (vote counts only): {partners}")


def fulltext_summary(fulltext: Any, project_root, *, show_pdf: bool = True) -> None:
    """What is known about a record's full text (a link, a stored PDF, or not retrieved);
    a stored PDF is shown in the page (``show_pdf``) so it can be read beside the vote."""
    if fulltext is None:
        st.info("No full text attached yet (see the Full text page).")
        return
    if fulltext.kind == "link":
        st.link_button("Open full text", fulltext.location)
        st.caption(f"Link added by {fulltext.by}")
    elif fulltext.kind == "pdf":
        path = project_root / fulltext.location
        if path.is_file() and state.behind_gate():
            # streamed by the server from disk, never read whole into this page's run
            url = pdf_url(fulltext.record_id)
            st.link_button("Download PDF", url + "?download=1")
            st.caption(f"PDF attached by {fulltext.by}")
            if show_pdf:
                pdf_viewer(url, fulltext.record_id)
        elif path.is_file():
            data = path.read_bytes()
            st.download_button(
                "Download PDF",
                data=data,
                file_name=path.name,
                mime="application/pdf",
                key=f"pdf-{fulltext.record_id}",
            )
            st.caption(f"PDF attached by {fulltext.by}")
            if show_pdf:
                pdf_viewer(data, fulltext.record_id)
        else:
            st.warning(f"The stored PDF is missing: {fulltext.location}")
            st.caption(f"PDF attached by {fulltext.by}")
    else:
        st.warning(f"Full text not retrieved: {fulltext.reason}")


def pdf_url(record_id: int) -> str:
    """The address the sign-in gate streams ``record_id``'s stored PDF from (this origin)."""
    from urllib.parse import urlsplit

    from screening_app.gate import FULLTEXT_PATH

    here = urlsplit(st.context.url or "http://localhost/")
    return f"{here.scheme}://{here.netloc}{FULLTEXT_PATH}/{int(record_id)}"


def pdf_source(path, record_id: int) -> bytes | str:
    """What the viewer shows for a stored PDF: its streamed address behind the sign-in gate,
    else (a bare ``streamlit run``) the file's bytes."""
    return pdf_url(record_id) if state.behind_gate() else path.read_bytes()


def pdf_viewer(data: bytes | str, record_id: int, height: int = 900) -> None:
    """The PDF in the page (Streamlit's PDF viewer, pdf.js bundled: works offline)."""
    from streamlit.errors import StreamlitAPIException

    try:
        st.pdf(data, height=height, key=f"pdf-view-{record_id}")
    except StreamlitAPIException as exc:  # streamlit-pdf missing from this environment
        st.caption(f"The PDF cannot be shown here ({exc}); use Download PDF.")


def rerun_fragment() -> None:
    """Rerun the fragment being drawn (the whole page when it runs as part of a full run)."""
    from streamlit.errors import StreamlitAPIException

    try:
        st.rerun(scope="fragment")
    except StreamlitAPIException:
        st.rerun()
