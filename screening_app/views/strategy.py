"""Strategy page (the lead and each reviewer the lead allows): build the search strategy as concept blocks, see every database's version.

The draft is the project's strategy YAML (``strategy:`` in review.yaml) held in the session;
each action is one ``review.strategy.edit`` operation (refused in the YAML loader's words,
shown beside the term or block it concerns), "Undo" takes back the last one, "Save" writes the
file (comments and order kept) and stores it as a new version (``review.strategy.versions``),
exactly as ``review query save`` does, with the signed-in reviewer as author. Who may
open the page and save is ``review.strategy.editors``; the save checks it again in its
transaction. The page shows the strategy, its counts and versions, never screening data.
"""

from __future__ import annotations

import streamlit as st

from review.strategy import edit
from review.strategy import parse_ovid, parse_pubmed
from review.screening.model import NotAllowedError
from review.strategy.builder import TERM_FORM_KINDS, database_views, draft_from_pasted, form_of_term, term_from_form
from review.strategy.model import DATABASE_NAMES, OvidSyntaxError
from review.strategy.model import VOCABULARY_NAMES, StrategyError
from review.strategy.summary import describe
from review.strategy.versions import StaleDraftError, diff_texts, latest_version, list_versions, save_version, strategy_key
from screening_app import state

KIND_NAMES = {**{k: f"{VOCABULARY_NAMES[k]} heading" for k in VOCABULARY_NAMES}, "text": "Free text", "near": "Proximity"}

reviewer = state.require_reviewer()
if not state.may_edit_strategy(reviewer):  # checked again in the write path when saving (review.strategy.editors)
    st.error("Only the review lead and the reviewers the lead allows (on the Team page) build the search strategy.")
    st.stop()

project = state.project()
engine = state.engine()
configured = project.config.get("strategy") or "queries/strategy.yaml"
path = project.path(configured)
key = strategy_key(project.root, path)

st.title("Search strategy")


def _load_draft() -> None:
    with engine.connect() as conn:
        latest = latest_version(conn, key)
    if path.is_file():
        text = path.read_text(encoding="utf-8")
    else:
        text = edit.EMPTY_STRATEGY.format(title=project.config.get("title") or "Search strategy", block="concept1",
                                          label="First concept", word="change-me")
    try:
        st.session_state["sb-draft"] = edit.new_draft(text, key)
        st.session_state["sb-file-was"] = text if path.is_file() else None
        st.session_state.pop("sb-broken", None)
    except StrategyError as exc:
        st.session_state["sb-broken"] = str(exc)
        st.session_state.pop("sb-draft", None)
    st.session_state["sb-based-on"] = latest.version if latest and latest.text == text else (latest.version if latest else None)


if "sb-draft" not in st.session_state and "sb-broken" not in st.session_state:
    _load_draft()
if "sb-broken" in st.session_state:
    st.error(f"The strategy file does not load, so it cannot be edited here until it is fixed: "
             f"{st.session_state['sb-broken']}")
    if st.button("Read the file again", key="sb-reload-broken"):
        _load_draft()
        st.rerun()
    st.stop()

draft: edit.Draft = st.session_state["sb-draft"]


def apply(operation, *args, where: tuple | None = None, **kwargs) -> None:
    """Run one edit; a refusal is kept beside ``where`` (a block name or (block, term index))."""
    try:
        st.session_state["sb-draft"] = operation(st.session_state["sb-draft"], *args, **kwargs)
        st.session_state.pop("sb-refused", None)
        st.session_state["sb-done"] = True
    except StrategyError as exc:
        st.session_state["sb-refused"] = (where, getattr(exc, "message", str(exc)))
        return
    st.rerun()


def refusal(where) -> None:
    refused = st.session_state.get("sb-refused")
    if refused and refused[0] == where:
        st.error(refused[1], icon=":material/block:")


def term_form(prefix: str, initial: dict) -> dict | None:
    """A term's fields; returns the YAML term mapping. The widgets' keys carry the draft's
    generation, so after any change every form shows the draft as it is now."""
    prefix = f"{prefix}-g{len(st.session_state['sb-draft'].history)}-{abs(hash(st.session_state['sb-draft'].text)) % 10**6}"
    kind_default = initial.get("kind") or "text"
    cols = st.columns([2, 4, 2])
    kind = cols[0].selectbox("Kind", TERM_FORM_KINDS, index=TERM_FORM_KINDS.index(kind_default),
                             format_func=KIND_NAMES.get, key=f"{prefix}-kind")
    hint = {"near": "words, commas between them (alternatives: medical|medicine)", "text": "word or phrase, * truncates"}
    value = cols[1].text_input("Heading" if kind in VOCABULARY_NAMES else "Words", value=initial.get("value", ""),
                               key=f"{prefix}-value", help=hint.get(kind, "the heading's exact name"))
    if kind in VOCABULARY_NAMES:
        explode = cols[2].checkbox("Explode", value=initial.get("explode", False), key=f"{prefix}-explode")
        major = cols[2].checkbox("Major topic", value=initial.get("major", False), key=f"{prefix}-major")
        subs = st.text_input("Subheadings (two-letter codes, commas)", value=initial.get("subheadings", ""),
                             key=f"{prefix}-subs")
        return term_from_form(kind, value, explode=explode, major=major, subheadings=subs)
    fields = cols[2].text_input("Fields", value=initial.get("fields", ""), key=f"{prefix}-fields",
                                help="Ovid field codes, e.g. ti, ab, kw; blank: the block's fields")
    adj = 0
    if kind == "near":
        adj = st.number_input("Within N words (Ovid adjN; 0: next to each other, in order)", min_value=0,
                              value=int(initial.get("adj") or 0), key=f"{prefix}-adj")
    return term_from_form(kind, value, fields=fields, adj=adj or None)


# --- header: undo, save, file -------------------------------------------------------------

based_on = st.session_state.get("sb-based-on")
st.caption(f"File: {configured} · " + (f"editing from saved version {based_on}" if based_on else "not saved yet")
           + (" · unsaved changes" if draft.can_undo else ""))
top = st.columns([1, 1, 3, 1])
if top[0].button("Undo", key="sb-undo", icon=":material/undo:", disabled=not draft.can_undo):
    apply(edit.undo)
note = top[2].text_input("Note for this version", key="sb-note", label_visibility="collapsed",
                         placeholder="What changed and why (kept with the version)")
if top[1].button("Save", key="sb-save", icon=":material/save:", type="primary"):
    try:
        version = save_version(engine, key, draft.text, editor=reviewer.name, note=note or "", based_on=based_on,
                               path=path, file_was=st.session_state.get("sb-file-was"))
    except NotAllowedError as exc:
        st.error(f"Not saved: {exc}")
    except StaleDraftError as exc:
        st.error(str(exc))
    except StrategyError as exc:
        st.error(str(exc))
    else:
        st.session_state["sb-draft"] = edit.Draft(draft.text, key)
        st.session_state["sb-based-on"] = version.version
        st.session_state["sb-file-was"] = draft.text
        st.session_state["sb-saved"] = f"Saved as version {version.version}."
        st.rerun()
if top[3].button("Reload", key="sb-reload", help="Discard unsaved changes and read the file again"):
    _load_draft()
    st.rerun()
if "sb-saved" in st.session_state:
    st.success(st.session_state.pop("sb-saved"))
refusal(None)

strategy = draft.strategy()
blocks = edit.blocks_of(draft)


def count_all() -> None:
    """Count every PubMed term, block and line (cached per line text and day)."""
    from datetime import date

    from review.pubmed.eutils import EutilsError
    from review.strategy import counts

    day = date.today().isoformat()
    try:
        with st.spinner("Counting every line in PubMed (at most 3 requests a second without an API key) ..."):
            result = counts.count_strategy(counts.count_client(project, day), strategy, day=day)
    except EutilsError as exc:
        st.error(f"PubMed could not be asked: {exc}")
        return
    known = st.session_state.setdefault("sb-counted", {})
    known.update(counts.flat(result))
    st.session_state["sb-counted-day"] = day


def shown_count(query: str | None, where) -> None:
    """The count of ``query`` (when counted) and NCBI's flags about it, at ``where``."""
    counted = st.session_state.get("sb-counted", {}).get(query) if query else None
    if counted is None:
        return
    where.caption(f"PubMed: {counted.count:,}",
                  help=f"PubMed searched it as: {counted.translation}" if counted.translation else None)
    for flag in counted.flags:
        where.warning(flag, icon=":material/report:")


if st.button("Count in PubMed", key="sb-count", icon=":material/functions:",
             help="Counts every term, block and the combination in PubMed (cached per line and day)"):
    count_all()
if st.session_state.get("sb-counted-day"):
    st.caption(f"Counts from PubMed on {st.session_state['sb-counted-day']}; a changed line shows its count after "
               "the next count.")
names = [b["name"] for b in blocks]
tab_blocks, tab_dbs, tab_history, tab_import = st.tabs(["Blocks", "Every database", "History", "Import"])

# --- blocks -------------------------------------------------------------------------------

def mesh_panel() -> None:
    """Type a word, get MeSH headings (NCBI's MeSH database), add one to a block."""
    from review.pubmed.eutils import EutilsError
    from review.strategy import mesh

    with st.expander("MeSH suggestions", expanded=bool(st.session_state.get("sb-mesh-found"))):
        cols = st.columns([3, 2, 1])
        word = cols[0].text_input("Word or phrase", key="sb-mesh-word", placeholder="e.g. mentor")
        target = cols[1].selectbox("Add to block", names, key="sb-mesh-block")
        if cols[2].button("Find headings", key="sb-mesh-find", icon=":material/search:"):
            try:
                st.session_state["sb-mesh-found"] = mesh.suggest(mesh.lookup_client(project), word)
                st.session_state["sb-mesh-asked"] = word
            except EutilsError as exc:
                st.error(f"MeSH could not be searched: {exc}")
        found = st.session_state.get("sb-mesh-found")
        if found is not None and not found:
            st.info(f"No MeSH heading matches {st.session_state.get('sb-mesh-asked')!r}.")
        for k, h in enumerate(found or []):
            with st.container(border=True, key=f"sb-mesh-{k}"):
                narrower = (f"explodes to {h.narrower} narrower heading{'s' if h.narrower != 1 else ''}"
                            if h.explodes else "no narrower headings")
                st.markdown(f"**{h.name}** ({h.ui}) · tree {', '.join(h.tree_numbers) or '-'} · {narrower}")
                if h.scope_note:
                    st.caption(h.scope_note)
                if h.entry_terms:
                    st.markdown("Entry terms: " + "; ".join(h.entry_terms))
                hint = mesh.emtree_hint(h)
                b = st.columns(3)
                explode = b[0].checkbox("Explode", value=h.explodes, key=f"sb-mesh-explode-{k}-{h.ui}",
                                        help="Also search its narrower headings (Ovid exp, PubMed [mh])")
                if b[0].button("Add as heading", key=f"sb-mesh-add-{k}"):
                    apply(edit.add_term, target, mesh.heading_term(h, explode=explode), where=(target, "new"))
                if b[1].button("Add its entry terms as free text", key=f"sb-mesh-entry-{k}"):
                    texts = mesh.entry_terms_as_text(h)
                    d = st.session_state["sb-draft"]
                    try:
                        for t in texts:
                            d = edit.add_term(d, target, t)
                    except StrategyError as exc:
                        st.session_state["sb-refused"] = ((target, "new"), getattr(exc, "message", str(exc)))
                    else:
                        st.session_state["sb-draft"] = edit.Draft(d.text, d.source, (*st.session_state["sb-draft"].history,
                                                                                     st.session_state["sb-draft"].text))
                        st.rerun()
                if b[2].button(f"Add Emtree \"{hint['emtree']}\" (unverified)", key=f"sb-mesh-emtree-{k}",
                               help=hint["why"]):
                    apply(edit.add_term, target, {"emtree": hint["emtree"], "explode": hint["explode"]},
                          where=(target, "new"))


with tab_blocks:
    mesh_panel()
    for bi, (block, model_block) in enumerate(zip(blocks, strategy.blocks)):
        name = block["name"]
        with st.container(border=True, key=f"sb-block-{name}"):
            head = st.columns([6, 1, 1, 1])
            fields_note = f" · fields {', '.join(block['fields'])}" if block["fields"] else ""
            head[0].subheader(f"{bi + 1}. {model_block.title}")
            head[0].caption(f"Name in the combination: {name}{fields_note} · terms are ORed")
            if head[1].button("Up", key=f"sb-bup-{name}", disabled=bi == 0):
                apply(edit.move_block, name, bi - 1, where=(name,))
            if head[2].button("Down", key=f"sb-bdown-{name}", disabled=bi == len(blocks) - 1):
                apply(edit.move_block, name, bi + 1, where=(name,))
            if head[3].button("Remove", key=f"sb-bremove-{name}"):
                apply(edit.remove_block, name, where=(name,))
            with st.expander("Block name, label and fields"):
                g = f"g{len(draft.history)}-{abs(hash(draft.text)) % 10**6}"
                bcols = st.columns(3)
                b_name = bcols[0].text_input("Name", value=name, key=f"sb-bname-{name}-{g}")
                b_label = bcols[1].text_input("Label", value=block["label"], key=f"sb-blabel-{name}-{g}")
                b_fields = bcols[2].text_input("Default fields", value=", ".join(block["fields"]),
                                               key=f"sb-bfields-{name}-{g}")
                if st.button("Apply", key=f"sb-bapply-{name}"):
                    apply(edit.edit_block, name, new_name=b_name.strip(), label=b_label.strip(),
                          fields=[f.strip() for f in b_fields.split(",") if f.strip()], where=(name,))
            refusal((name,))
            from review.strategy.counts import term_query
            from review.strategy.render import search_lines

            block_line = next((ln.query for ln in search_lines(strategy, "pubmed") if ln.label == model_block.title), None) \
                if "pubmed" in strategy.databases else None
            shown_count(block_line, head[0])
            for ti, (raw, entry) in enumerate(zip(block["terms"], model_block.entries)):
                row = st.columns([5, 1, 1, 2, 1.4])  # wide enough for "Remove" in full
                only = "" if set(entry.databases) == set(strategy.databases) else " · " + ", ".join(sorted(entry.databases))
                row[0].markdown(f"{ti + 1}. {describe(entry.expr)}")
                if only:
                    row[0].caption(only.strip(" ·"))
                if row[1].button("Up", key=f"sb-up-{name}-{ti}", disabled=ti == 0):
                    apply(edit.move_term, name, ti, name, ti - 1, where=(name, ti))
                if row[2].button("Down", key=f"sb-down-{name}-{ti}", disabled=ti == len(block["terms"]) - 1):
                    apply(edit.move_term, name, ti, name, ti + 1, where=(name, ti))
                others = [n for n in names if n != name]
                if others:
                    to = row[3].selectbox("Move to", others, key=f"sb-to-{name}-{ti}", label_visibility="collapsed")
                    if row[3].button("Move", key=f"sb-move-{name}-{ti}"):
                        apply(edit.move_term, name, ti, to, where=(name, ti))
                if row[4].button("Remove", key=f"sb-remove-{name}-{ti}"):
                    apply(edit.remove_term, name, ti, where=(name, ti))
                refusal((name, ti))
                if "pubmed" in strategy.databases:
                    shown_count(term_query(strategy, name, ti), row[0])
                initial = form_of_term(raw)
                if initial["kind"] is not None:
                    with st.expander("Edit this term"):
                        term = term_form(f"sb-edit-{name}-{ti}", initial)
                        if st.button("Apply", key=f"sb-apply-{name}-{ti}"):
                            apply(edit.edit_term, name, ti, term, where=(name, ti))
            with st.expander("Add a term", expanded=st.session_state.get("sb-adding") == name):
                term = term_form(f"sb-new-{name}", {})
                if st.button("Add term", key=f"sb-add-{name}", icon=":material/add:"):
                    st.session_state["sb-adding"] = name  # keep the form open for the next term
                    apply(edit.add_term, name, term, where=(name, "new"))
            refusal((name, "new"))

    with st.expander("Add a concept block"):
        cols = st.columns(3)
        new_name = cols[0].text_input("Name (for the combination)", key="sb-nb-name")
        new_label = cols[1].text_input("Label", key="sb-nb-label")
        new_fields = cols[2].text_input("Default fields", value="ti, ab", key="sb-nb-fields")
        st.caption("Its first term:")
        first = term_form("sb-nb-term", {})
        if st.button("Add block", key="sb-nb-add", icon=":material/add_box:"):
            apply(edit.add_block, new_name.strip(), first, label=new_label.strip(),
                  fields=[f.strip() for f in new_fields.split(",") if f.strip()], where=("new-block",))
        refusal(("new-block",))

    settings = edit.settings_of(draft)
    with st.container(border=True):
        st.subheader("Combination and limits")
        # the field shows the draft's combination; when a change elsewhere alters it (a block
        # renamed, added or removed), the field is set again, or it would keep the old names
        shown = settings["combine"] or " AND ".join(names)
        if st.session_state.get("sb-combine-was") != shown:
            st.session_state["sb-combine"] = st.session_state["sb-combine-was"] = shown
        combine = st.text_input("Combination (block names with AND, OR, NOT and brackets)", key="sb-combine")
        if "pubmed" in strategy.databases:
            for ln in search_lines(strategy, "pubmed"):
                if ln.label not in [b.title for b in strategy.blocks]:
                    counted = st.session_state.get("sb-counted", {}).get(ln.query)
                    if counted is not None:
                        st.caption(f"{ln.label}: PubMed {counted.count:,}")
                        for flag in counted.flags:
                            st.warning(flag, icon=":material/report:")
        if st.button("Apply combination", key="sb-combine-apply"):
            apply(edit.set_combination, combine, where=("combine",))
        refusal(("combine",))
        limits = settings["limits"] or {}
        cols = st.columns([2, 2, 3, 1])
        langs = cols[0].text_input("Languages (commas)", value=", ".join(limits.get("languages") or []),
                                   key="sb-langs")
        years = cols[1].text_input("Years (e.g. 2008-current)", value=str(limits.get("years") or ""), key="sb-years")
        pubtypes = cols[2].text_input(
            "Publication types (commas)", value=", ".join(str(p) for p in limits.get("publication_types") or []),
            key="sb-pubtypes", placeholder="e.g. Randomized Controlled Trial",
            help="MEDLINE publication types as PubMed and Ovid name them: PubMed \"Review\"[pt], Ovid limit N to "
                 "review. Each type listed is a limit of its own, combined with AND like the other limits.")
        humans = cols[3].checkbox("Humans only", value=bool(limits.get("humans")), key="sb-humans")
        if st.button("Apply limits", key="sb-limits-apply"):
            apply(edit.set_limits, languages=[x.strip() for x in langs.split(",") if x.strip()], humans=humans,
                  years=years, publication_types=[x.strip() for x in pubtypes.split(",") if x.strip()],
                  where=("limits",))
        refusal(("limits",))

# --- every database -----------------------------------------------------------------------

with tab_dbs:
    st.caption("Each database's version as you would paste it (the copy button is at the code's top right); "
               "each warning sits right under the line it concerns (a term's own line, or its block's line where "
               "the database searches a block in one line).")
    views = database_views(strategy)
    for row_start in range(0, len(views), 2):
        cols = st.columns(2)
        for col, view in zip(cols, views[row_start:row_start + 2]):
            with col.container(border=True, key=f"sb-db-{view.database}"):
                st.markdown(f"**{view.name}**")
                if view.error:
                    st.error(f"No {view.name} version: {view.error}", icon=":material/block:")
                    continue
                with st.expander("The whole search, to copy at once"):
                    st.code(view.text, language=None, wrap_lines=True)
                # line by line: each warning right under the line it concerns
                chunk: list[str] = []
                for line in view.lines:
                    chunk.append(f"{line.label} {line.query}".strip())
                    if line.warnings or line is view.lines[-1]:
                        st.code("\n".join(chunk), language=None, wrap_lines=True)
                        chunk = []
                    for w in line.warnings:
                        st.warning(f"{line.label or view.name} ({line.block}): {w}", icon=":material/warning:")
                for w in view.other_warnings:
                    st.warning(f"The whole search: {w}", icon=":material/warning:")

# --- history ------------------------------------------------------------------------------

with tab_history:
    with engine.connect() as conn:
        versions = list_versions(conn, key)
    if not versions:
        st.info("No saved versions yet: Save stores the first.")
    before = None
    for v in reversed(versions):
        with st.container(border=True):
            st.markdown(f"**{v.label}**" + (f": {v.note}" if v.note else ""))
            previous = next((p for p in versions if p.version == v.version - 1), None)
            changes = ["First saved version."] if previous is None else diff_texts(previous.text, v.text)
            for change in changes:
                st.markdown(f"- {change}")
    if versions and draft.text != versions[-1].text:
        st.markdown("**Unsaved changes** since the last saved version:")
        for change in diff_texts(versions[-1].text, draft.text):
            st.markdown(f"- {change}")

# --- import a pasted strategy ---------------------------------------------------------------

with tab_import:
    st.caption("Start from a published search: paste an Ovid strategy (numbered lines or not) or a PubMed "
               "query. Each OR of terms becomes a concept block; the current strategy is replaced "
               "(Undo brings it back; nothing is saved until Save).")
    source = st.selectbox("Written for", ("ovid-medline", "ovid-embase", "ovid-psycinfo", "pubmed"),
                          format_func=DATABASE_NAMES.get, key="sb-import-from")
    pasted_text = st.text_area("Strategy", key="sb-import-text", height=240)
    if st.button("Start from this strategy", key="sb-import", icon=":material/input:"):
        try:
            parsed = (parse_pubmed(pasted_text, source="pasted text") if source == "pubmed"
                      else parse_ovid(pasted_text, source, source="pasted text"))
            text, notes = draft_from_pasted(parsed)
            st.session_state["sb-draft"] = edit.replace_text(st.session_state["sb-draft"], text)
        except OvidSyntaxError as exc:
            st.error(f"Line {exc.line}, column {exc.column}: {exc.reason}")
            st.code(f"{exc.text}\n{' ' * (max(exc.column, 1) - 1)}^", language=None)
        except StrategyError as exc:
            st.error(str(exc))
        else:
            st.session_state["sb-saved"] = "Imported: " + (
                f"{len(edit.blocks_of(st.session_state['sb-draft']))} concept blocks" + "".join(f"; {n}" for n in notes))
            st.rerun()
