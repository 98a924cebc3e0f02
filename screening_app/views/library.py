"""Records library (the lead): every record with its source databases, duplicates, imports,
each stage's status and labels, filtered and paged (``review.screening.library``); labels on
a record; the resolved conflicts, each of which can be reopened with a note
(``review.screening.decide.reopen_resolution``).

Refused for anyone but the lead: the page is only in the lead's navigation, and the library
read itself raises NotAllowedError for anyone else, so a reviewer's session reaching this
script by any route gets the refusal and nothing of the records.
"""

import streamlit as st

from review.screening import labels as labels_lib
from review.screening import library as lib
from review.screening.decide import reopen_resolution, resolved_conflicts
from screening_app import state, ui
from screening_app.render import esc

PAGE_SIZE = 50
MAX_RESOLVED = 25
STATUS_LABELS = {"include": "Include", "exclude": "Exclude", "conflict": "Conflict", "pending": "Pending",
                 "not_retrieved": "Not retrieved", "": "—"}

reviewer = state.require_reviewer()
rules = state.screening()
engine = state.engine()


def refuse(message: str) -> None:
    st.error(message)
    st.stop()


if reviewer.role != "lead":
    refuse("Only the review lead opens the records library: it shows every final decision.")
try:
    with engine.connect() as conn:
        facets = lib.library_facets(conn, reviewer.name)
except rules.NotAllowedError as exc:  # revoked or demoted since the page was drawn
    refuse(str(exc))

st.title("Records library")
records_tab, resolved_tab = st.tabs(["Records", "Resolved conflicts"])


def status_text(s) -> str:
    text = STATUS_LABELS.get(s.status, s.status)
    if s.reason:
        text += f": {s.reason}"
    if s.how == "resolution":
        text += " (resolved)"
    return text


def any_of(label: str, options: list, key: str, fmt=None):
    return st.selectbox(label, [None, *options], key=key,
                        format_func=lambda v: "Any" if v is None else (fmt(v) if fmt else str(v)))


with records_tab:
    row1 = st.columns(4)
    with row1[0]:
        stage = st.selectbox("Stage", [None, *rules.STAGES], key="lib-stage",
                             format_func=lambda s: "Either stage" if s is None else state.STAGE_LABELS[s])
    with row1[1]:
        decision = any_of("Decision", list(lib.STATUSES), "lib-decision", STATUS_LABELS.get)
    with row1[2]:
        reason = any_of("Exclusion reason", facets.reasons, "lib-reason")
    with row1[3]:
        label = any_of("Label", facets.labels, "lib-label")
    row2 = st.columns([1, 1, 2])
    with row2[0]:
        database = any_of("Database", facets.databases, "lib-database")
    with row2[1]:
        import_names = dict(facets.imports)
        import_id = any_of("Import", list(import_names), "lib-import", import_names.get)
    with row2[2]:
        text = st.text_input("Search titles", key="lib-search", placeholder="words in the title, a PMID, DOI or record id")
    filters = lib.LibraryFilters(stage=stage, decision=decision, reason=reason, database=database,
                                 import_id=import_id, label=label, text=text)
    with engine.connect() as conn:
        page, number, pages = ui.paged(
            lambda offset: lib.records_library(conn, reviewer.name, filters, limit=PAGE_SIZE, offset=offset),
            "lib-page", PAGE_SIZE,
        )
    total = page.total

    def export_csv() -> str:
        with engine.connect() as conn:
            return lib.library_csv(lib.records_library(conn, reviewer.name, filters, limit=None))

    head = st.columns([3, 1])
    head[0].caption(
        (f"{page.offset + 1}–{page.offset + len(page.rows)} of {total} record(s)" if page.rows else "No records match.")
        + (f" · page {number} of {pages}" if pages > 1 else "")
        + " · one row per record left after deduplication; its removed duplicates are counted in it."
    )
    head[1].download_button("Download CSV", data=export_csv, file_name="records-library.csv", mime="text/csv",
                            key="lib-csv", icon=":material/download:", disabled=not total)
    if page.rows:
        st.dataframe(
            [
                {"Record": f"#{r.record_id}", "Title": r.title,
                 "Title/abstract": status_text(r.title_abstract), "Full text": status_text(r.full_text),
                 "Labels": "; ".join(f"{x.label} ({x.reviewer})" for x in r.labels),
                 "Databases": "; ".join(r.databases),
                 "Duplicates": ", ".join(f"#{d}" for d in r.duplicates),
                 "Imports": ", ".join(f"#{i}" for i in r.imports),
                 "Year": "" if r.year is None else str(r.year), "PMID": r.pmid}
                for r in page.rows
            ],
            hide_index=True,
            width="stretch",
            column_config={"Title": st.column_config.TextColumn(width="large"),
                           "Record": st.column_config.TextColumn(width="small")},
        )

        st.subheader("Labels")
        by_id = {r.record_id: r for r in page.rows}
        rid = st.selectbox("Record", list(by_id), key="lib-label-record",
                           format_func=lambda i: f"#{i} · {by_id[i].title[:90]}")
        current = by_id[rid].labels
        if current:
            for x in current:
                cols = st.columns([4, 1])
                cols[0].html(f"<span>{esc(x.label)}</span> <span style='color:#6b7280'>· {esc(x.reviewer)} · "
                             f"{esc(x.at)}</span>")
                if cols[1].button("Remove", key=f"lib-label-remove-{rid}-{x.reviewer}-{x.label}"):
                    labels_lib.remove_label(engine, rid, x.label, by=reviewer.name, owner=x.reviewer)
                    st.rerun()
        else:
            st.caption("No labels on this record.")
        with st.form(f"lib-label-add-{rid}", clear_on_submit=True):
            new = st.text_input("New label", key=f"lib-label-text-{rid}",
                                placeholder="e.g. background, check reference list")
            if st.form_submit_button("Add label", key=f"lib-label-add-button-{rid}"):
                try:
                    labels_lib.add_label(engine, reviewer.name, rid, new)
                except rules.ScreeningError as exc:
                    st.error(str(exc))
                else:
                    st.rerun()

        def labels_export() -> str:
            with engine.connect() as conn:
                return labels_lib.labels_csv(conn, reviewer.name)

        st.download_button("Download every label (CSV)", data=labels_export, file_name="labels.csv",
                           mime="text/csv", key="lib-labels-csv")


def vote_line(vote) -> str:
    text = f"{esc(vote.reviewer)}: {esc(ui.DECISION_LABELS.get(vote.decision, vote.decision))}"
    if vote.reason:
        text += f" ({esc(vote.reason)})"
    return f"<div>{text} <span style='color:#6b7280'>· {esc(vote.at)}</span></div>"


with resolved_tab:
    rstage = ui.stage_selector("lib-resolved-stage")
    with engine.connect() as conn:
        resolved = resolved_conflicts(conn, reviewer.name, rstage, state.conflict_mode())
        shown = resolved[:MAX_RESOLVED]
        cards = {r.record_id: ui.load_record(conn, r.record_id) for r in shown}
    if "lib-reopened" in st.session_state:
        st.success(st.session_state.pop("lib-reopened"))
    if not resolved:
        st.info("No resolved conflicts at this stage.")
    else:
        st.caption(f"{len(resolved)} resolved conflict(s), newest first"
                   + (f"; the first {MAX_RESOLVED} are shown" if len(resolved) > MAX_RESOLVED else "")
                   + ". Reopening keeps the resolution on record and puts the record back among the conflicts.")
    for res in shown:
        with st.container(border=True):
            card, side = st.columns([3, 2], gap="large")
            with card:
                ui.record_card(cards[res.record_id], state.criteria(), res.record_id)
            with side:
                final = ui.DECISION_LABELS.get(res.decision, res.decision) + (f": {res.reason}" if res.reason else "")
                st.html(f"<div style='font-weight:600'>Resolved: {esc(final)}</div>"
                        f"<div style='color:#6b7280'>by {esc(res.resolver)} · {esc(res.at)}</div>"
                        + (f"<div>Note: {esc(res.note)}</div>" if res.note else "")
                        + "<div style='margin-top:0.5rem;font-weight:600'>Votes now</div>"
                        + "".join(vote_line(v) for v in res.votes))
                if res.changed_since:
                    st.warning("A vote was changed after this resolution.", icon=":material/history:")
                with st.form(f"reopen-{res.stage}-{res.record_id}"):
                    note = st.text_input("Why reopen it (required)", key=f"reopen-note-{res.stage}-{res.record_id}")
                    if st.form_submit_button("Reopen", key=f"reopen-{res.stage}-{res.record_id}-go",
                                             icon=":material/undo:"):
                        try:
                            outcome = reopen_resolution(engine, res.record_id, res.stage, note, by=reviewer.name,
                                                        mode=state.conflict_mode())
                        except rules.ScreeningError as exc:
                            st.error(str(exc))
                        else:
                            where = {"conflict": "it is back on the Conflicts page",
                                     "final": "its votes agree now, so they decide it",
                                     "pending": "it waits for a second vote"}[outcome]
                            st.session_state["lib-reopened"] = f"Record #{res.record_id} reopened: {where}."
                            st.rerun()
