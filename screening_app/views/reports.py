"""Reports (the lead): every output ``review prisma`` and ``review report``/``export`` write,
as downloads, computed by the same library functions; while screening goes on each is the
draft those commands write with ``--draft``, marked DRAFT.
"""

import tempfile
from datetime import date
from pathlib import Path

import streamlit as st

from review import screening as rules
from review.extraction import form_from_config
from review.reporting.charting import export_extraction
from review.reporting.checklist import checklist_csv, checklist_markdown, checklist_rows, checklist_title, write_checklist_docx
from review.reporting.decisions import export_records
from review.reporting.diagram import png_bytes, render_svg
from review.reporting.methods import gather_methods_facts, methods_text
from review.reporting.prisma import PrismaArithmeticError, check_arithmetic, draft_note, prisma_counts, to_r_csv
from review.reporting.tables import ExportError
from screening_app import state
from screening_app.lead import require_lead

lead = require_lead()
engine = state.engine()
project = state.project()
title = project.config.get("title") or ""


def file_bytes(write, suffix: str) -> bytes:
    """What ``write(path)`` writes to a temporary file (the library writes DOCX/XLSX/PDF to files)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"out{suffix}"
        write(path)
        return path.read_bytes()


st.title("Reports")
with engine.connect() as conn:
    counts = prisma_counts(conn)
for lines in counts.study_link_warnings:
    st.warning(" ".join(lines))
try:
    counts = check_arithmetic(counts, draft=True)
except PrismaArithmeticError as exc:
    st.error(f"The PRISMA counts do not add up, so no report is drawn: {exc}")
    st.stop()
note = draft_note(counts)
tag = "-DRAFT" if note else ""
if note:
    st.warning(note, icon=":material/edit_note:")

st.subheader("PRISMA 2020 flow diagram")
svg = render_svg(counts, title=title)
st.image(svg, width="stretch")
cols = st.columns(4)
cols[0].download_button("SVG", svg, f"prisma{tag}.svg", "image/svg+xml", key="rep-svg", icon=":material/download:")
cols[3].download_button("R/Shiny CSV", to_r_csv(counts), f"prisma{tag}.csv", "text/csv", key="rep-rcsv",
                        icon=":material/download:", help="for the PRISMA2020 R package and Shiny app")
try:
    cols[1].download_button("PNG", png_bytes(svg), f"prisma{tag}.png", "image/png", key="rep-png",
                            icon=":material/download:")
    import cairosvg

    cols[2].download_button("PDF", cairosvg.svg2pdf(bytestring=svg.encode("utf-8")), f"prisma{tag}.pdf",
                            "application/pdf", key="rep-pdf", icon=":material/download:")
except (ImportError, OSError) as exc:  # no cairo library on this machine: SVG and CSV still work
    cols[1].caption(f"PNG/PDF need the cairo library ({exc})")

form = form_from_config(project.config)
with engine.connect() as conn:
    facts = gather_methods_facts(conn, project.config, project.root, counts=counts)
    checklist = checklist_rows(facts, counts, form)
    records_ris, n_records = export_records(conn, "ris")
    records_csv, _ = export_records(conn, "csv")
    votes = rules.export_decisions(conn)
    chart = export_extraction(conn, form, "csv", None, title=f"Data charting table: {title}")
    chart_csv, chart_rows = chart.text, chart.rows
    chart_title = f"Data charting table: {title or project.name}"
    try:
        chart_xlsx = file_bytes(lambda p: export_extraction(conn, form, "xlsx", p, title=chart_title), ".xlsx")
        chart_docx = file_bytes(lambda p: export_extraction(conn, form, "docx", p, title=chart_title), ".docx")
    except ExportError as exc:
        chart_xlsx = chart_docx = None
        st.error(str(exc))

st.subheader("Charting table")
st.caption(f"{len(chart_rows)} source(s) charted" + (
    f"; {sum(1 for r in chart_rows if r.open_fields)} with fields still open" if chart_rows else ""))
cols = st.columns(3)
cols[0].download_button("CSV", chart_csv or "", "charting.csv", "text/csv", key="rep-chart-csv", icon=":material/download:")
if chart_xlsx is not None:
    cols[1].download_button("XLSX", chart_xlsx, "charting.xlsx", key="rep-chart-xlsx", icon=":material/download:",
                            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    cols[2].download_button("DOCX", chart_docx, "charting.docx", key="rep-chart-docx", icon=":material/download:",
                            mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")

st.subheader("Methods (draft)")
st.caption("Generated from the store; the copy button is at the top right of the box.")
st.code(methods_text(facts), language="markdown", wrap_lines=True)

st.subheader("PRISMA-ScR checklist")
ck_title = checklist_title(facts)
with st.expander(f"{ck_title} ({len(checklist)} items)"):
    st.markdown(checklist_markdown(checklist, title=ck_title, draft=note))
cols = st.columns(2)
cols[0].download_button("Checklist CSV", checklist_csv(checklist), f"prisma-scr-checklist{tag}.csv", "text/csv",
                        key="rep-ck-csv", icon=":material/download:")
cols[1].download_button("Checklist DOCX", file_bytes(lambda p: write_checklist_docx(p, checklist, title=ck_title, draft=note), ".docx"),
                        f"prisma-scr-checklist{tag}.docx", key="rep-ck-docx", icon=":material/download:",
                        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")

st.subheader("Records and decisions")
cols = st.columns(3)
cols[0].download_button(f"Records with decisions (RIS, {n_records})", records_ris, "records.ris",
                        "application/x-research-info-systems", key="rep-rec-ris", icon=":material/download:")
cols[1].download_button("Records with decisions (CSV)", records_csv, "records.csv", "text/csv", key="rep-rec-csv",
                        icon=":material/download:")
cols[2].download_button(f"Decisions (CSV, {len(votes)} votes)", rules.decisions_csv(votes), "decisions.csv",
                        "text/csv", key="rep-decisions", icon=":material/download:")

st.subheader("Report pack")
st.caption("One Word document: the methods draft, Figure 1, the charting table and the checklist.")
if st.button("Build the report pack", key="rep-pack", icon=":material/description:"):
    from review.reporting.pack import gather_pack, write_pack

    with st.spinner("Building the report pack ..."):
        pack = gather_pack(engine, project, made_on=date.today().isoformat(), draft=True,
                           draft_command="the Reports page")
        st.session_state["rep-pack-bytes"] = (file_bytes(lambda p: write_pack(p, pack), ".docx"),
                                              "-DRAFT" if pack.draft else "")
if "rep-pack-bytes" in st.session_state:
    data, pack_tag = st.session_state["rep-pack-bytes"]
    st.download_button(f"Download the report pack{' (DRAFT)' if pack_tag else ''}", data,
                       f"report-pack{pack_tag}.docx", key="rep-pack-dl", icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
