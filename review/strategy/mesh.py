"""MeSH suggestions for the strategy builder, from NCBI's MeSH database through E-utilities.

``suggest(client, "mentor")`` runs ``esearch db=mesh`` then ``esummary db=mesh`` (through the
project's ``EutilsClient``: rate-limited, retried and cached like every E-utilities call) and
returns each matching heading with its scope note, entry terms (``DS_MeshTerms``: the heading
first, then its entry terms), tree numbers (``DS_IdxLinks``/``TreeNum``), whether it explodes to
narrower headings (a tree position with children) and its allowable subheadings
(``DS_Subheading``). Both of NCBI's shapes are read: the version 2.0 XML ``DocumentSummary``
and ``retmode=json``.

Emtree has no public API: ``emtree_hint`` says that the MeSH heading's name often exists in
Emtree too, flagged unverified, for the student to check in Embase before relying on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lxml import etree

from review.pubmed.eutils import EutilsBadResponse

__all__ = ["MeshHeading", "suggest", "lookup_client", "parse_esummary_xml", "parse_esummary_json", "emtree_hint", "heading_term",
           "entry_terms_as_text"]


@dataclass(frozen=True)
class MeshHeading:
    uid: str  # NCBI's MeSH database uid
    ui: str  # the MeSH Unique ID, D......
    name: str
    entry_terms: tuple[str, ...] = ()
    scope_note: str = ""
    tree_numbers: tuple[str, ...] = ()
    narrower: int = 0  # how many narrower headings sit under its tree positions
    subheadings: tuple[str, ...] = ()

    @property
    def explodes(self) -> bool:
        """True when exploding it adds narrower headings (a tree position with children)."""
        return self.narrower > 0


def _local(tag: Any) -> str:
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def _child(el: Any, name: str) -> Any:
    for c in el:
        if _local(c.tag) == name.lower():
            return c
    return None


def _texts(el: Any) -> tuple[str, ...]:
    if el is None:
        return ()
    items = [(c.text or "").strip() for c in el if isinstance(c.tag, str)]
    if not items and (el.text or "").strip():
        items = [el.text.strip()]
    return tuple(t for t in items if t)


def parse_esummary_xml(body: bytes) -> list[MeshHeading]:
    """MeSH headings from an esummary (version 2.0) body; summaries with an error are skipped."""
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise EutilsBadResponse(f"esummary db=mesh: {exc}") from exc
    out = []
    for doc in root.iter():
        if _local(doc.tag) != "documentsummary" or _child(doc, "error") is not None:
            continue
        terms = _texts(_child(doc, "DS_MeshTerms"))
        if not terms:
            continue
        trees, narrower = [], 0
        links = _child(doc, "DS_IdxLinks")
        for link in (links if links is not None else []):
            tree = _child(link, "TreeNum")
            if tree is not None and (tree.text or "").strip():
                trees.append(tree.text.strip())
            narrower += len(_texts(_child(link, "Children")))
        ui = _child(doc, "DS_MeSHUI")
        note = _child(doc, "DS_ScopeNote")
        out.append(MeshHeading(uid=doc.get("uid", ""), ui=(ui.text or "").strip() if ui is not None else "",
                               name=terms[0], entry_terms=terms[1:],
                               scope_note=" ".join((note.text or "").split()) if note is not None else "",
                               tree_numbers=tuple(trees), narrower=narrower,
                               subheadings=_texts(_child(doc, "DS_Subheading"))))
    return out


def parse_esummary_json(body: bytes) -> list[MeshHeading]:
    """MeSH headings from an esummary ``retmode=json`` body, in the order of ``result.uids``."""
    try:
        result = json.loads(body)["result"]
    except (ValueError, KeyError, TypeError) as exc:
        raise EutilsBadResponse(f"esummary db=mesh (json): {exc}") from exc
    out = []
    for uid in result.get("uids", []):
        rec = result.get(uid) or {}
        terms = tuple(str(t) for t in rec.get("ds_meshterms") or [])
        if not terms or rec.get("error"):
            continue
        links = rec.get("ds_idxlinks") or []
        out.append(MeshHeading(uid=str(uid), ui=str(rec.get("ds_meshui", "")), name=terms[0], entry_terms=terms[1:],
                               scope_note=" ".join(str(rec.get("ds_scopenote", "")).split()),
                               tree_numbers=tuple(str(ln.get("treenum")) for ln in links if ln.get("treenum")),
                               narrower=sum(len(ln.get("children") or []) for ln in links),
                               subheadings=tuple(str(s) for s in rec.get("ds_subheading") or [])))
    return out


def suggest(client: Any, word: str, *, limit: int = 8, retmode: str = "xml") -> list[MeshHeading]:
    """MeSH headings matching ``word`` (esearch db=mesh, then esummary on the ids found)."""
    word = " ".join(word.split())
    if not word:
        return []
    found = client.esearch(word, db="mesh", retmax=limit)
    if not found.ids:
        return []
    parse = parse_esummary_json if retmode == "json" else parse_esummary_xml
    return client.esummary(found.ids[:limit], db="mesh", retmode=retmode, parse=parse)


def heading_term(h: MeshHeading, *, explode: bool | None = None) -> dict[str, Any]:
    """The YAML term that adds ``h`` as a heading (exploded when it has narrower headings)."""
    return {"mesh": h.name, "explode": h.explodes if explode is None else explode}


def entry_terms_as_text(h: MeshHeading) -> list[dict[str, Any]]:
    """The heading's name and entry terms as free-text terms (for records not yet indexed),
    each once whatever its case; inverted forms ("Schools, Medical") are left out."""
    seen, out = set(), []
    for t in (h.name, *h.entry_terms):
        if "," in t or t.lower() in seen:
            continue
        seen.add(t.lower())
        out.append({"text": t.lower()})
    return out


def emtree_hint(h: MeshHeading) -> dict[str, Any]:
    """The Emtree term to try for Embase: the MeSH heading's name, lower-cased as Emtree writes
    its terms, marked unverified (Emtree has no public API to check it against)."""
    return {"emtree": h.name.lower(), "explode": h.explodes, "unverified": True,
            "why": f'"{h.name.lower()}" is the MeSH heading\'s name; Emtree often has the same term, '
                   "but check it in Embase's Emtree browser before relying on it"}


def lookup_client(project: Any, cache: str = "lookups") -> Any:
    """An E-utilities client for look-ups from the app (MeSH, counts): the project's NCBI
    settings, the process's shared rate limiter, answers cached under data/cache/eutils/lookups/CACHE.
    Raises MissingEmailError (saying how to set one) without an NCBI email."""
    from review.pubmed.cache import ResponseCache, cache_root
    from review.pubmed.eutils import EutilsClient, settings_from

    settings = settings_from(project.section("pubmed") or {})
    return EutilsClient(settings, cache=ResponseCache(cache_root(project.data_dir) / "lookups" / cache))
