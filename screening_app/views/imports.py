"""Import (the lead): upload database exports, preview them, store them; the imports so far.

Each uploaded file is kept by ``review.uploads.keep_upload`` (size limit, name a label only,
bytes under ``data/uploads/<sha256>``), read for a preview by ``review.uploads.preview``
(records read, skipped with reasons and lines, warnings, per-database counts, "imported
already"), and stored by ``review.importing.import_file``, the function ``review import``
calls, in one transaction: a failure stores nothing. Withdrawing is ``review.imports
.withdraw_import`` (``review import withdraw N``), refused while the import's records carry votes.
"""

from datetime import date

import streamlit as st

from review import importing, imports, uploads
from review.formats import FormatError
from review.formats.tabular import MAPPABLE_FIELDS, columns
from screening_app import state
from screening_app.lead import require_lead

FILES_KEY = "imp-files"  # [{"label", "path"}] kept uploads waiting to be imported
AUTO = "(recognised by its name)"
FORMATS = {"Detect from the content": None, "CSV / TSV / XLSX (choose the columns)": "tabular"}
MAPPED_FIRST = ("title", "abstract", "authors", "year", "doi", "journal", "pmid", "source_database")

lead = require_lead()
engine = state.engine()
project = state.project()


def labelled(message: str, files: list[dict]) -> str:
    """An error message with each kept file's path replaced by the name it was uploaded as."""
    for f in files:
        message = message.replace(f["path"], f["label"])
    return message.replace("with --database", "in the Database field").replace("--database", "Database ")


def stored_so_far(bar, label: str, total: int, before: int, files: int):
    """A progress callback for ``import_file`` (it reports each batch's size)."""
    done = [0]

    def step(batch: int) -> None:
        done[0] += batch
        share = (before + done[0] / max(total, 1)) / files
        bar.progress(min(1.0, share), text=f"{label}: {done[0]} of {total} records stored")

    return step


st.title("Import")
st.write(
    "Upload the exports of your searches: RIS (Ovid, Embase, Scopus, Web of Science), PubMed "
    ".nbib/MEDLINE, PubMed XML, EndNote XML, or CSV/TSV/XLSX. The format is read from the "
    f"content. Up to {uploads.max_upload_mb()} MB per file. You see a preview before anything is stored."
)

if "imp-done" in st.session_state:  # what the last Import stored, and what it refused
    for kind, line in st.session_state.pop("imp-done"):
        (st.error if kind == "error" else st.success)(line)

nonce = st.session_state.setdefault("imp-nonce", 0)
chosen = st.file_uploader("Export files", accept_multiple_files=True, key=f"imp-upload-{nonce}")
cols = st.columns(3)
database = cols[0].text_input("Database", placeholder="e.g. Embase (empty: the records name it)",
                              help="the database searched; Ovid multi-database files name each record's own")
interface = cols[1].text_input("Interface", placeholder="e.g. Ovid", help="the platform the database was searched on")
searched = cols[2].date_input("Date searched", value=date.today(), max_value=date.today(), format="YYYY-MM-DD")
strategy_text = st.text_area("Search strategy as run (pasted from the database's search history)", height=100)
fmt_label = st.radio("Format", list(FORMATS), horizontal=True)
fmt = FORMATS[fmt_label]

kept: list[dict] = []
problems: list[str] = []
for item in chosen or []:
    try:
        path = uploads.keep_upload(project.data_dir, item.name, item.getvalue())
    except (uploads.UploadError, OSError) as exc:
        problems.append(str(exc))
        continue
    kept.append({"label": uploads.display_name(item.name), "path": str(path)})
for message in problems:
    st.error(message)

mapping: dict[str, str] = {}
if kept and fmt == "tabular":
    st.subheader("Columns")
    st.caption("Which column holds each field; fields left as they are use the columns named "
               "like them (Title, Abstract, Authors, ...).")
    try:
        header = columns(kept[0]["path"])
    except FormatError as exc:
        st.error(labelled(str(exc), kept))
        header = []
    fields = list(MAPPED_FIRST) + [f for f in MAPPABLE_FIELDS if f not in MAPPED_FIRST]
    grid = st.columns(4)
    for n, name in enumerate(f for f in fields if f in MAPPABLE_FIELDS):
        picked = grid[n % 4].selectbox(name, [AUTO, *header], key=f"imp-map-{name}")
        if picked != AUTO:
            mapping[name] = picked

previews = []
if kept:
    st.subheader("Preview")
    for f in kept:
        with st.container(border=True):
            st.markdown(f"**{f['label']}**")
            try:
                p = uploads.preview(engine, f["path"], database=database.strip(), fmt=fmt, mapping=mapping or None)
            except FormatError as exc:
                st.error(labelled(str(exc), kept))
                continue
            previews.append((f, p))
            line = (f"{p.records_read} record(s) read as {p.format}; {len(p.report.skipped)} skipped; "
                    f"stored under: {p.database or '(not known)'}")
            st.write(line)
            if p.imported_already:
                prev = p.imported_already
                st.warning(f"Imported already (import #{prev['id']}, {prev['file_name']}, {prev['created_at']}); "
                           "it will not be imported again.")
            if p.database_problem:
                st.error(labelled(p.database_problem, kept))
            if p.per_database:
                st.dataframe([{"Database": k, "Records": v} for k, v in sorted(p.per_database.items())],
                             hide_index=True)
            for w in p.report.warnings:
                st.warning(labelled(w, kept))
            if p.report.skipped:
                st.dataframe([{"Line": s.line or "", "Record": s.position or "", "Reason": s.reason}
                              for s in p.report.skipped[:200]], hide_index=True)

ready = [(f, p) for f, p in previews if not p.imported_already and not p.database_problem]
if kept:
    if st.button(f"Import {len(ready)} file(s)", type="primary", disabled=not ready, key="imp-store",
                 icon=":material/upload:"):
        done, refused = [], []
        bar = st.progress(0.0, text="Storing ...")
        for n, (f, p) in enumerate(ready, 1):
            try:
                summary = importing.import_file(
                    engine, f["path"], database=database.strip(), interface=interface.strip(),
                    searched=searched.isoformat() if searched else "", fmt=fmt, mapping=mapping or None,
                    strategy_text=strategy_text.strip(), by=lead.name, file_name=f["label"],
                    progress=stored_so_far(bar, f["label"], p.records_read, n - 1, len(ready)),
                )
            except (FormatError, importing.AlreadyImportedError, ValueError) as exc:
                refused.append(("error", f"{f['label']}: nothing stored: {labelled(str(exc), kept)}"))
                continue
            done.append(("success", f"{f['label']}: import #{summary.import_id}, {summary.records_stored} "
                                    f"record(s) stored under {summary.database}."))
        if done:  # a fresh page (an empty uploader) that still says what was refused
            st.session_state["imp-done"] = done + refused + [
                ("success", "Next: run deduplication on the Duplicates page.")]
            st.session_state["imp-nonce"] = nonce + 1
            st.rerun()
        for _, line in refused:  # nothing stored: the files stay for another try
            st.error(line)

st.subheader("Imports so far")
report = importing.status(engine)
rows = [{"#": i["id"], "File": i["file_name"] or i["kind"], "Database": i["database"], "Interface": i["interface"],
         "Searched": i["searched_on"], "Records": i["records"], "Skipped": i["skipped"],
         "Imported": i["imported_at"], "Withdrawn": (i["withdrawn"] or {}).get("at", "")}
        for i in report["imports"]]
if not rows:
    st.write("No imports yet.")
else:
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption(f"{report['totals']['records']} record(s) in {report['totals']['imports']} import(s) that count.")
    live = [i["id"] for i in report["imports"] if not i["withdrawn"]]
    with st.expander("Withdraw an import"):
        with st.form("imp-withdraw"):
            which = st.selectbox("Import", live, index=None, format_func=lambda i: f"#{i}")
            reason = st.text_input("Why (kept in the log)")
            if st.form_submit_button("Withdraw"):
                if which is None or not reason.strip():
                    st.error("Choose the import and say why it is withdrawn.")
                else:
                    try:
                        out = imports.withdraw_import(engine, int(which), by=lead.name, reason=reason.strip())
                    except imports.ImportChangeError as exc:
                        st.error(str(exc))
                    else:
                        st.session_state["imp-done"] = [("success", f"Import #{which} withdrawn ({out}).")]
                        st.rerun()
