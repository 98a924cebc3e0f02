"""Streamlit pieces shared by the pages: stage selector, progress, record card, criteria.

Drawing only: every rule (queues, blinding, conflicts, what a vote needs) is in
``review.screening``; errors it raises are shown as they are written.
"""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from review.dedup.state import merged_record
from review.records import Record
from screening_app import state
from screening_app.render import Highlighter, criteria_html, legend_html, local_time, md_escape, record_card_html

DECISION_LABELS = {"include": "Include", "exclude": "Exclude", "maybe": "Maybe"}


NOTICE_KEY = "notice"


def notify(message: str, kind: str = "success") -> None:
    """Say what just happened (plain text, escaped when shown), shown by ``show_notice`` on the
    next run where the page puts it (beside the buttons, never over the criteria panel, as a
    corner toast would be)."""
    st.session_state[NOTICE_KEY] = (kind, message)


NOTICE_ICONS = {"success": ":material/check_circle:", "info": ":material/info:"}


def show_notice() -> None:
    """The last ``notify`` message, once, where this is called: one quiet grey line (a vote
    to exclude is not a "success", and no colour should compete with the buttons)."""
    kind, message = st.session_state.pop(NOTICE_KEY, (None, None))
    if message:
        st.caption(f"{NOTICE_ICONS.get(kind, NOTICE_ICONS['info'])} {md_escape(message)}")


# Once a choice is made in a select box (an exclusion reason), the page takes the focus back
# from it, so the shortcut keys (I, E, M, U) vote again instead of typing into the box.
# Our own constant script, no record data in it.
KEYS_AFTER_CHOOSING = """<script>
(() => {
  const doc = window.parent && window.parent.document ? window.parent.document : document;
  if (doc.reviewKeysAfterChoosing) return;
  doc.reviewKeysAfterChoosing = true;
  const release = () => setTimeout(() => {
    const el = doc.activeElement;
    if (el && el.closest && el.closest('[data-testid="stSelectbox"]')) el.blur();
  }, 60);
  doc.addEventListener('click', (e) => {
    if (e.target.closest && e.target.closest('[role="option"]')) release();
  }, true);
  doc.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target.closest &&
        e.target.closest('[data-testid="stSelectbox"]')) release();
  }, true);
})();
</script>"""


def keys_after_choosing() -> None:
    """Give the shortcut keys back after a select box choice (see ``KEYS_AFTER_CHOOSING``)."""
    st.html(KEYS_AFTER_CHOOSING, unsafe_allow_javascript=True)


def when(stamp: object) -> str:
    """A stored time in the reviewer's own time zone (the browser's, ``st.context.timezone``)."""
    return local_time(stamp, st.context.timezone)


def keep_choice_label(key: str) -> None:
    """Before drawing the select box ``key``: store its choice again, so that the label shown
    follows its ``format_func`` when the chosen option's label changed since it was drawn
    (Streamlit otherwise keeps showing the old label, e.g. "[missing]" after a PDF is attached)."""
    if key in st.session_state:
        st.session_state[key] = st.session_state[key]


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


def paged(read: Any, key: str, size: int) -> tuple[Any, int, int]:
    """(page, its number, number of pages) of a paged library read ``read(offset)`` (a result
    with ``.total``), with a page number box (``key``) when there is more than one page. The
    number asked for is clamped to the pages there are now (filters may have changed)."""
    asked = max(1, int(st.session_state.get(key) or 1))
    page = read((asked - 1) * size)
    pages = max(1, math.ceil(page.total / size))
    if asked > pages:  # past the end after a filter change: the last page instead
        asked = pages
        page = read((asked - 1) * size)
    if pages > 1:
        st.session_state[key] = asked
        asked = int(st.number_input(f"Page (of {pages})", min_value=1, max_value=pages, step=1, key=key))
    else:
        st.session_state.pop(key, None)
    return page, asked, pages


def highlighter(criteria: Any) -> Highlighter:
    return Highlighter.of(list(criteria.include_terms or []), list(criteria.exclude_terms or []))


def load_record(conn, record_id: int) -> Record:
    """The record as screened: the kept record of its duplicate cluster, gaps filled."""
    return merged_record(conn, record_id)


def record_card(record: Record, criteria: Any, record_id: int | None = None) -> None:
    st.html(record_card_html(record, highlighter(criteria), record_id=record_id))


def origin_note(engine: Any, record_id: int) -> None:
    """Where citation searching found the record (``review.chase.found_by``), under the card."""
    from review.chase import found_by

    with engine.connect() as conn:
        lines = found_by(conn, record_id)
    for line in lines:
        st.caption(f":material/link: {md_escape(line)}")


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


def fulltext_summary(fulltext: Any, project_root, *, show_pdf: bool = True,
                     where: str = " (see the Full text page)") -> None:
    """What is known about a record's full text (a link, a stored PDF, or not retrieved);
    a stored PDF is shown in the page (``show_pdf``) so it can be read beside the vote.
    ``where``: where a missing full text is attached ("" on the Full text page itself)."""
    if fulltext is None:
        st.info(f"No full text attached yet{where}.")
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
