"""Full text page: for every record included at title/abstract, attach the PDF (stored under
the project's ``data/``, name sanitised by the rules module) or a link, or record that it
could not be retrieved and why. Full-text votes are cast on the Screen page.
"""

import pandas as pd
import streamlit as st

from screening_app import state, ui
from screening_app.render import short_label

reviewer = state.require_reviewer()
rules = state.screening()
engine = state.engine()
project = state.project()
criteria = state.criteria()

st.title("Full text")
st.caption(
    "Records included at title/abstract. Attach each one's full text, or say why it could not "
    "be retrieved (PRISMA: reports not retrieved). Vote on the Screen page, stage Full text: "
    "an exclusion there needs one reason from the fixed list."
)

with engine.connect() as conn:
    finals = rules.final_decisions(conn, "title_abstract")
    sought = sorted(r for r, d in finals.items() if d.decision == "include")
    texts = {r: rules.fulltext_of(conn, r) for r in sought}
    records = {r: ui.load_record(conn, r) for r in sought}

if not sought:
    st.info("No record has been included at title/abstract yet.")
    st.stop()

STATUS = {None: "missing", "pdf": "PDF", "link": "link", "not_retrieved": "not retrieved"}


def status_of(record_id: int) -> str:
    ft = texts.get(record_id)
    return STATUS.get(ft.kind if ft else None, ft.kind if ft else "missing")


UPLOAD_NONCE = "fulltext-upload-nonce"  # a new uploader (empty) once a PDF is stored


def store(action, message) -> None:
    """Run a store action: its error under the form, or a notice and a fresh page (with an
    empty uploader, so the PDF just stored is not offered for attaching again)."""
    try:
        result = action()
    except rules.ScreeningError as exc:
        st.error(str(exc))
        return
    ui.notify(message(result))
    st.session_state[UPLOAD_NONCE] = st.session_state.get(UPLOAD_NONCE, 0) + 1
    st.rerun()


counts = pd.Series([status_of(r) for r in sought]).value_counts()
cols = st.columns(4)
for col, (status, label) in zip(
    cols, (("PDF", "PDF"), ("link", "Link"), ("not retrieved", "Not retrieved"), ("missing", "Missing"))
):
    col.metric(label, int(counts.get(status, 0)))

ui.keep_choice_label("fulltext-record")  # its label says the record's full-text status
selected = st.selectbox(
    "Record",
    sought,
    format_func=lambda r: f"[{status_of(r)}] {short_label(records[r], r)}",
    key="fulltext-record",
)

left, right = st.columns([3, 2], gap="large")
with left:
    ui.record_card(records[selected], criteria, selected)
with right:
    ui.show_notice()
    st.markdown("**Current full text**")
    ui.fulltext_summary(texts.get(selected), project.root, show_pdf=False, where="")
    pdf_tab, link_tab, missing_tab = st.tabs(["Upload PDF", "Link", "Not retrieved"])
    with pdf_tab:
        upload = st.file_uploader("PDF file", type=["pdf"], key=f"pdf-upload-{selected}-{st.session_state.get(UPLOAD_NONCE, 0)}")
        if st.button("Attach PDF", key=f"attach-pdf-{selected}", disabled=upload is None):
            store(lambda: rules.attach_pdf(engine, project.data_dir, selected, upload.name, upload.getvalue(),
                                           by=reviewer.name),
                  lambda ft: f"PDF stored as {ft.location}")
    with link_tab:
        url = st.text_input("URL (https://…)", key=f"link-{selected}")
        if st.button("Save link", key=f"save-link-{selected}"):
            store(lambda: rules.attach_link(engine, selected, url.strip(), by=reviewer.name),
                  lambda _: "Link saved.")
    with missing_tab:
        reason = st.text_input(
            "Why it could not be retrieved", key=f"nr-reason-{selected}",
            placeholder="e.g. not held by the library; author did not reply",
        )
        if st.button("Mark not retrieved", key=f"mark-nr-{selected}"):
            store(lambda: rules.mark_not_retrieved(engine, selected, reason.strip(), by=reviewer.name),
                  lambda _: "Marked as not retrieved.")

# the stored PDF, full width under the record and the forms
current = texts.get(selected)
if current is not None and current.kind == "pdf" and (project.root / current.location).is_file():
    st.markdown("**The PDF**")
    ui.pdf_viewer(ui.pdf_source(project.root / current.location, selected), selected)
