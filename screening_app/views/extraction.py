"""The extraction (data charting) page: the included sources, one form each, autosave, progress.

Run as the app's page (Streamlit runs a page script as ``__main__``) it draws the page for the
signed-in reviewer; ``render(project, engine, reviewer)`` draws it for any ``reviewer``
(``.name``, ``.role``: a ``review.screening.Reviewer``). It holds no rules: values are checked and stored by ``review.extraction``
(every change is saved as soon as a field is left), and what counts as a disagreement or a
final value is decided there too.

Several reports of one study: the lead links an included source to the study another included
source stands for with the "Report of study" select beside the source; the rules (and the
refusals, shown as errors) are ``review.studies``'. Everyone sees "report of study #N" on a
linked source.

Fields the record already knows (first author, year, title, journal, DOI, full reference) start
pre-filled and say so ("from the record"); ``review.extraction`` decides which and stores them
as the reviewer's own once they save a field of that source. A stored PDF of the source is
shown beside the form.

Dual mode: each reviewer fills their own form. Once a second reviewer has charted a source, the
fields on which the reviewers differ are listed side by side, and a consensus value can be
recorded for each. Before that, a reviewer sees only their own values
(``review.extraction.may_see_others``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import streamlit as st

from review import extraction as ex
from review import studies
from screening_app import state as app_state
from screening_app.render import doi_link, pmid_link

ERRORS_KEY = "extract-errors"
RECORD_KEY = "extract-record"
EMPTY_CHOICE = "—"
OWN_STUDY = 0  # the "Report of study" choice meaning no link (record ids start at 1)
OWN_STUDY_LABEL = "— its own study —"


def _widget_key(record_id: int, field_id: str) -> str:
    return f"ex-{record_id}-{field_id}"


def _consensus_key(record_id: int, field_id: str) -> str:
    return f"exc-{record_id}-{field_id}"


def _study_key(record_id: int) -> str:
    return f"study-{record_id}"


def _save_study(engine: sa.Engine, record_id: int, by: str) -> None:
    """Link or unlink ``record_id`` as chosen in its "Report of study" select (its on_change)."""
    choice = st.session_state.get(_study_key(record_id), OWN_STUDY)
    errors = st.session_state.setdefault(ERRORS_KEY, {})
    try:
        if choice == OWN_STUDY:
            studies.unlink_report(engine, record_id, by=by)
        else:
            studies.link_report(engine, record_id, int(choice), by=by)
    except studies.StudiesError as exc:
        errors[("study", record_id)] = str(exc)
    else:
        errors.pop(("study", record_id), None)


def _study_note(record_id: int, study_of: dict[int, int]) -> str:
    """" · report of study #N" for a linked source, else ""."""
    study = study_of.get(record_id)
    return f" · report of study #{study}" if study is not None else ""


def _study_select(engine: sa.Engine, record_id: int, ids: list[int], labels: dict[int, str],
                  study_of: dict[int, int], by: str) -> None:
    """The lead's "Report of study" select for ``record_id``; it always shows the stored link."""
    key = _study_key(record_id)
    st.session_state[key] = study_of.get(record_id, OWN_STUDY)  # the store, not a refused choice
    options = [OWN_STUDY, *(rid for rid in ids if rid != record_id)]
    st.selectbox(
        "Report of study", options, key=key,
        format_func=lambda r: OWN_STUDY_LABEL if r == OWN_STUDY else labels[r],
        help="Link this source as a further report of the study another included source stands for "
             "(PRISMA counts studies and reports apart).",
        on_change=_save_study, args=(engine, record_id, by),
    )
    error = st.session_state.get(ERRORS_KEY, {}).get(("study", record_id))
    if error:
        st.error(error)


def _countries() -> list[str]:
    import pycountry

    return sorted({c.name for c in pycountry.countries} | set(ex.COUNTRY_ALIASES.values()))


def _widget_value(f: ex.Field, key: str) -> Any:
    """The value a widget holds, in the form ``review.extraction.normalise_value`` takes."""
    value = st.session_state.get(key)
    if value == EMPTY_CHOICE:
        return None
    return value


def _save(engine: sa.Engine, form: ex.Form, record_id: int, field_id: str, reviewer: str) -> None:
    """Autosave one field (the widget's on_change); the first save also keeps the pre-filled
    values as shown (``review.extraction.save_field``)."""
    f = form.field(field_id)
    errors = st.session_state.setdefault(ERRORS_KEY, {})
    try:
        ex.save_field(engine, form, record_id, field_id, _widget_value(f, _widget_key(record_id, field_id)), reviewer)
    except ex.ExtractionError as exc:
        errors[(record_id, field_id)] = str(exc)
    else:
        errors.pop((record_id, field_id), None)


def _save_consensus(engine: sa.Engine, form: ex.Form, record_id: int, field_id: str, by: str) -> None:
    f = form.field(field_id)
    errors = st.session_state.setdefault(ERRORS_KEY, {})
    try:
        ex.set_consensus(engine, form, record_id, field_id, _widget_value(f, _consensus_key(record_id, field_id)), by=by)
    except ex.ExtractionError as exc:
        errors[("consensus", record_id, field_id)] = str(exc)
    else:
        errors.pop(("consensus", record_id, field_id), None)


PREFILLED_MARK = " · from the record"
PREFILLED_HELP = "Pre-filled from the source's record (as imported). Overwrite it if the paper says otherwise."


def _input(f: ex.Field, key: str, current: Any, *, label: str | None = None, on_change=None, args=(),
           prefilled: bool = False) -> None:
    """One widget for field ``f`` prefilled with ``current`` (marked when it is the record's)."""
    label = label or (f.label + (" *" if f.required else "") + (PREFILLED_MARK if prefilled else ""))
    help_text = "\n\n".join(t for t in (f.help, PREFILLED_HELP if prefilled else "") if t)
    common = dict(key=key, help=help_text or None, on_change=on_change, args=args)
    if f.type == "long_text":
        st.text_area(label, value=ex.display(current), height=90, **common)
    elif f.type in ("short_text", "number", "year"):
        st.text_input(label, value=ex.display(current), **common)
    elif f.type in ("single_choice", "checklist"):
        options = [EMPTY_CHOICE, *f.options]
        index = options.index(current) if current in options else 0
        if f.type == "checklist":
            st.radio(label, options, index=index, horizontal=True, **common)
        else:
            st.selectbox(label, options, index=index, **common)
    elif f.type == "multiple_choice":
        chosen = [c for c in (current or []) if c in f.options]
        st.multiselect(label, list(f.options), default=chosen, **common)
    elif f.type == "country":
        options = [EMPTY_CHOICE, *_countries()]
        index = options.index(current) if current in options else 0
        st.selectbox(label, options, index=index, **common)


def _record_card(conn: sa.Connection, record_id: int, study_of: dict[int, int] | None = None) -> None:
    from review.dedup.state import merged_record

    rec = merged_record(conn, record_id)
    st.markdown(f"**{_md(rec.title) or '(no title)'}**")
    bits = [", ".join(rec.authors[:6]) + (" et al." if len(rec.authors) > 6 else ""),
            " ".join(str(b) for b in (rec.journal, rec.year or "") if b)]
    st.caption(_md(" · ".join(b for b in bits if b) + f" · record #{record_id}"
                   + _study_note(record_id, study_of or {})))
    links = [link for link in (pmid_link(rec.pmid), doi_link(rec.doi)) if link]
    if links:  # escaped links to PubMed and doi.org (screening_app.render)
        st.html(" · ".join(links))


def _md(text: str) -> str:
    """Text shown as Markdown with its markup characters escaped."""
    out = str(text)
    for ch in "\\`*_{}[]()<>#+-.!|~$":
        out = out.replace(ch, "\\" + ch)
    return out


def _progress(conn: sa.Connection, form: ex.Form, reviewer: str, ids: list[int]) -> None:
    p = ex.progress(conn, form, reviewer, ids)
    st.progress(p.mine_complete / p.total if p.total else 0.0)
    text = f"You have charted {p.mine_complete} of {p.total} included sources · {p.finished} final"
    if form.mode == "dual":
        text += f" · {p.open_disagreements} open disagreement(s)"
    st.caption(text)


def _stale_links(conn) -> None:
    """Studies whose linked records no longer agree at full text (``review studies check``)."""
    problems = studies.link_disagreements(conn)
    if not problems:
        return
    st.warning(
        f"{len(problems)} linked stud{'y has' if len(problems) == 1 else 'ies have'} records with different "
        "full-text decisions: the links no longer match the screening. The lead fixes them "
        "below (Report of study) or with `review studies check`."
    )
    with st.expander("Which studies, and how to fix them"):
        st.text("\n".join(line for d in problems for line in studies.disagreement_lines(d)))


def render(project: Any, engine: sa.Engine, reviewer: Any) -> None:
    """Draw the extraction page for the signed-in ``reviewer`` (``.name``, ``.role``)."""
    st.title("Extraction")
    try:
        form = ex.form_from_config(project.config)
    except ex.ExtractionError as exc:
        st.error(f"The extraction form in review.yaml cannot be used: {exc}")
        return
    name = reviewer.name
    with engine.connect() as conn:
        ids = ex.included_record_ids(conn)
        if not ids:
            st.info("No sources are included at full text yet: charting starts once full-text screening includes one.")
            return
        st.caption(
            "Dual extraction: two reviewers chart each source independently; differences are settled by consensus."
            if form.mode == "dual"
            else "Single extraction: one reviewer charts each source."
        )
        _progress(conn, form, name, ids)
        _stale_links(conn)
        mine_missing = {
            rid: ex.missing_required(form, ex.values_of(conn, rid, name)) for rid in ids
        }
        from review.dedup.state import merged_record

        plain = {rid: f"#{rid} {merged_record(conn, rid).label()}" for rid in ids}
        study_of = studies.study_of(conn)
        labels = {}
        for rid in ids:
            done = "✓ " if not mine_missing[rid] else ""
            labels[rid] = f"{done}{plain[rid]}{_study_note(rid, study_of)}"
    if st.session_state.get(RECORD_KEY) not in ids:
        todo = [rid for rid in ids if mine_missing[rid]]
        st.session_state[RECORD_KEY] = todo[0] if todo else ids[0]
    else:  # the label follows the source's ✓ once its form is complete
        st.session_state[RECORD_KEY] = st.session_state[RECORD_KEY]
    record_id = st.selectbox("Source", ids, format_func=lambda r: labels[r], key=RECORD_KEY)

    is_lead = getattr(reviewer, "role", "") == "lead"
    card, link_col = st.columns([3, 1]) if is_lead else (st.container(), None)
    with card, engine.connect() as conn:
        _record_card(conn, record_id, study_of)
    if link_col is not None:
        with link_col:
            _study_select(engine, record_id, ids, plain, study_of, name)
    with engine.connect() as conn:
        mine = ex.values_of(conn, record_id, name)  # stored: what blinding goes by
        shown = ex.form_values(conn, form, record_id, name)  # with the record's pre-fill
        state = ex.states_of(conn, form, [record_id])[record_id]
        fulltext = _fulltext(conn, record_id)
    errors = st.session_state.setdefault(ERRORS_KEY, {})

    form_col, pdf_col = st.columns([1, 1], gap="medium") if fulltext is not None else (st.container(), None)
    if pdf_col is not None:
        with pdf_col:
            _fulltext_panel(project, fulltext)
    with form_col:
        _form_tabs(engine, form, record_id, name, reviewer, mine, shown, state, errors)


def _fulltext(conn: sa.Connection, record_id: int) -> Any:
    """The source's full text when it is a stored PDF or a link (else None)."""
    from review import screening

    ft = screening.fulltext_of(conn, record_id)
    return ft if ft is not None and ft.kind in ("pdf", "link") else None


def _fulltext_panel(project: Any, fulltext: Any) -> None:
    """The full text beside the form: the PDF in the page, or the link to it."""
    from screening_app import ui

    st.markdown("**Full text**")
    if fulltext.kind == "pdf" and (project.root / fulltext.location).is_file():
        ui.pdf_viewer((project.root / fulltext.location).read_bytes(), fulltext.record_id, height=900)
    else:
        ui.fulltext_summary(fulltext, project.root, show_pdf=False)


def _form_tabs(engine: sa.Engine, form: ex.Form, record_id: int, name: str, reviewer: Any,
               mine: dict[str, Any], shown: ex.FormValues, state: dict[str, ex.FieldState],
               errors: dict) -> None:
    tabs = ["My form"] + (["Disagreements and consensus"] if form.mode == "dual" else ["Final values"])
    form_tab, other_tab = st.tabs(tabs)
    with form_tab:
        st.caption("Every field is saved as soon as you leave it. Fields marked * are required; "
                   "fields marked \"from the record\" start with the record's value (yours to overwrite).")
        for section in form.sections:
            st.subheader(section.name)
            for f in section.fields:
                _input(f, _widget_key(record_id, f.id), shown.values.get(f.id),
                       on_change=_save, args=(engine, form, record_id, f.id, name),
                       prefilled=f.id in shown.prefilled)
                if (record_id, f.id) in errors:
                    st.error(errors[(record_id, f.id)])
        missing = ex.missing_required(form, shown.values)
        if missing:
            st.warning("Still required: " + ", ".join(f.label for f in missing))
        else:
            st.success("Your form for this source is complete.")
    with other_tab:
        if form.mode == "dual":
            may_see = ex.may_see_others(mine, role=getattr(reviewer, "role", ""))
            _consensus_panel(engine, form, record_id, state, name, may_see=may_see)
        else:
            _final_values(form, state)


def _final_values(form: ex.Form, state: dict[str, ex.FieldState]) -> None:
    rows = [{"Field": f.label, "Value": ex.display(state[f.id].final)} for f in form.fields]
    st.dataframe(rows, hide_index=True, use_container_width=True)


def _consensus_panel(engine: sa.Engine, form: ex.Form, record_id: int, state: dict[str, ex.FieldState],
                     name: str, *, may_see: bool) -> None:
    reviewers = []
    for s in state.values():
        for r, v in s.by_reviewer.items():
            if v is not None and r not in reviewers:
                reviewers.append(r)
    if len(reviewers) < 2:
        st.info("Disagreements are shown once two reviewers have charted this source.")
        return
    if not may_see:
        # blind until you have charted it yourself (a lead who did not chart may look)
        st.info("Chart this source yourself first; then the other reviewer's values are shown.")
        return
    open_fields = [f for f in form.fields if state[f.id].status == "disagreement"]
    settled = [f for f in form.fields if state[f.id].status == "consensus"]
    st.caption(f"{len(open_fields)} field(s) differ · {len(settled)} settled by consensus")
    errors = st.session_state.setdefault(ERRORS_KEY, {})
    for f in open_fields:
        s = state[f.id]
        st.markdown(f"**{_md(f.label)}**")
        cols = st.columns(len(s.by_reviewer) + 1)
        for col, (r, v) in zip(cols, s.by_reviewer.items()):
            col.markdown(f"*{_md(r)}*")
            col.write(ex.display(v) or "(empty)")
        with cols[-1]:
            suggestion = next((v for v in s.by_reviewer.values() if v is not None), None)
            _input(f, _consensus_key(record_id, f.id), suggestion, label="Consensus value")
            if st.button("Record consensus", key=f"excb-{record_id}-{f.id}"):
                _save_consensus(engine, form, record_id, f.id, name)
                if ("consensus", record_id, f.id) not in errors:
                    st.rerun()
            if ("consensus", record_id, f.id) in errors:
                st.error(errors[("consensus", record_id, f.id)])
    if not open_fields:
        st.success("No open disagreements on this source.")
    if settled:
        with st.expander("Fields settled by consensus"):
            st.dataframe(
                [{"Field": f.label, **{r: ex.display(v) for r, v in state[f.id].by_reviewer.items()},
                  "Consensus": ex.display(state[f.id].consensus)} for f in settled],
                hide_index=True, use_container_width=True,
            )


if __name__ == "__main__":  # the app's page
    render(app_state.project(), app_state.engine(), app_state.require_reviewer())
