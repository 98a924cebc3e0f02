"""Rendering for CINAHL and ERIC (EBSCOhost), Scopus, Web of Science, the Cochrane Library and
Embase.com, driven by the ``platforms`` table of rules.yaml.

The model keeps Ovid's meaning (``Near.distance`` N = Ovid ``adjN``: at most N-1 words between,
any order). Each platform writes that with its own operator and its own way of counting: most
count the words *between* the terms (CINAHL ``N2``, Scopus ``W/2``, Web of Science ``NEAR/2``,
Cochrane ``NEAR/2`` = Ovid ``adj3``); Embase.com counts as Ovid does (``NEAR/3`` = ``adj3``).
Where a platform cannot say the same thing (alternatives or a phrase inside proximity where it
forbids them, truncation inside a quoted phrase, a field it lacks, a limit it has no typed form
for) the documented closest form is written and a warning says broader, narrower or different.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

from review.strategy import rules as R
from review.strategy.pubmed import has_top_level_operator
from review.strategy.model import (
    VOCABULARY_NAMES,
    BlockRef,
    Bool,
    Expr,
    Fielded,
    Heading,
    Limited,
    LimitItem,
    Near,
    Ref,
    StrategyError,
    Term,
    has_wildcard,
)

Warn = Callable[[str, str], None]
_RESERVED = re.compile(r"^(and|or|not|near(/\d+)?|next(/\d+)?|w/\d+|pre/\d+|n\d+|w\d+|same|adj\d*)$", re.I)
_MAX_EXPANSION = 24


def platform(target: str) -> dict[str, Any]:
    try:
        return R.rules()["platforms"][target]
    except KeyError:
        raise StrategyError(f"no rules for {target!r}") from None


PLATFORM_OPERATORS = re.compile(r" (AND|OR|NOT|N\d+|W\d+|W/\d+|PRE/\d+|NEAR/\d+|NEXT(/\d+)?) ")


def _top_level_operator(q: str) -> bool:
    """``has_top_level_operator`` with the platforms' operators and Scopus's ``{}`` phrases."""
    return has_top_level_operator(q, PLATFORM_OPERATORS, "()[]{}")


def wrap(q: str) -> str:
    return f"({q})" if _top_level_operator(q) else q


class PlatformRenderer:
    """Renders expressions for one platform (not Ovid, not PubMed), collecting warnings.

    ``refs`` maps an Ovid line number to what a reference to it is written as: the platform's
    line label (``S3``, ``#3``) or, for platforms whose lines are complete queries, the query."""

    def __init__(self, target: str, warn: Warn, source_database: str | None = None, searched: str | None = None):
        self.target = target
        self.p = platform(target)
        self.name = self.p["name"]
        self.warn = warn
        self.source = source_database
        self.searched = searched

    # -- expressions -------------------------------------------------------------------
    def expr(self, e: Expr, refs: dict[int, str], blocks: dict[str, str] | None = None) -> str:
        if isinstance(e, Fielded):
            return self.fielded(e.expr, self.fields_for(e.fields), refs, blocks)
        if isinstance(e, (Term, Near)):
            rule = self.p["fields"]["untagged"]
            self._warn_rule("untagged free text", rule)
            return self.fielded(e, list(rule["to"]), refs, blocks)
        if isinstance(e, Heading):
            return self.heading(e)
        if isinstance(e, Bool):
            return self.boolean(e, lambda o: self.expr(o, refs, blocks))
        if isinstance(e, Ref):
            if e.number not in refs:
                raise StrategyError(f"refers to line {e.number}, which does not exist")
            return refs[e.number]
        if isinstance(e, BlockRef):
            if not blocks or e.name not in blocks:
                raise StrategyError(f"no block named {e.name!r}")
            return blocks[e.name]
        if isinstance(e, Limited):
            base = self.expr(e.expr, refs, blocks)
            clauses = [c for c in (self.limit(item) for item in e.limits) if c]
            return self.join("AND", [base, *clauses])
        raise StrategyError(f"cannot render {e!r} for {self.name}")

    def join(self, op: str, parts: list[str]) -> str:
        parts = [p for p in parts if p]
        if len(parts) == 1:
            return parts[0]
        word = self.p["not"] if op == "NOT" else op
        return f" {word} ".join(wrap(p) for p in parts)

    def boolean(self, e: Bool, render_operand) -> str:
        return self.join(e.op.upper(), [render_operand(o) for o in e.operands])

    # -- fields ------------------------------------------------------------------------
    def _warn_rule(self, what: str, rule: dict[str, Any]) -> None:
        match = R.match_of(rule, self.source)
        if match != "exact":
            note = f" ({rule['note']})" if rule.get("note") else ""
            self.warn(f"{what} searched in {self.name} as {self._fields_shown(rule['to'])}{note}", match)

    def _fields_shown(self, fields: list[str]) -> str:
        if not fields:
            return "all text"
        style = self.p["style"]
        if style == "suffix":
            return ":" + ",".join(fields)
        if style == "wos":
            return ", ".join(f"{f}=" for f in fields)
        return ", ".join(fields)

    def fields_for(self, codes: tuple[str, ...]) -> list[str]:
        table = self.p["fields"]
        out: list[str] = []
        for code in codes:
            rule = table.get(code)
            if rule is None:
                rule = table["default"]
                self.warn(f".{code}. ({(R.field_rule(code) or {}).get('name', code)}) has no {self.name} field; "
                          f"searched as {self._fields_shown(rule['to'])}", R.match_of(rule, self.source))
            else:
                self._warn_rule(f".{code}.", rule)
            for f in rule["to"]:
                if f not in out:
                    out.append(f)
        if any(not table.get(c, table["default"])["to"] for c in codes):
            return []  # one of the fields is "all text": the whole group is
        return out

    def fielded(self, inner_expr: Expr, fields: list[str], refs, blocks) -> str:
        inner = self.free(inner_expr, refs, blocks)
        return self.apply_fields(inner, fields)

    def apply_fields(self, inner: str, fields: list[str]) -> str:
        style = self.p["style"]
        simple = not _top_level_operator(inner) and not inner.startswith("(")
        if not fields:
            return inner
        if style == "suffix":
            single = " " not in inner or (inner.startswith('"') and inner.endswith('"') and inner.count('"') == 2)
            return f"{inner if single else '(' + inner + ')'}:{','.join(fields)}"
        if style == "scopus":
            names = list(fields)
            for key, combined in self.p.get("combined_fields", {}).items():  # longest first in the table
                parts = key.split(",")
                if all(x in names for x in parts):
                    names = [combined] + [x for x in names if x not in parts]
                    break
            return self.join("OR", [f"{f}({inner})" for f in names])
        if style == "wos":
            return self.join("OR", [f"{f}=({inner})" for f in fields])
        # ebsco: TI x / TI (x OR y)
        body = inner if simple else f"({inner})"
        return self.join("OR", [f"{f} {body}" for f in fields])

    # -- free text ---------------------------------------------------------------------
    def free(self, e: Expr, refs, blocks) -> str:
        """Free text inside a field: terms, proximity, and Boolean over them."""
        if isinstance(e, Term):
            return self.term(e)
        if isinstance(e, Near):
            return self.near(e)
        if isinstance(e, Bool):
            return self.boolean(e, lambda o: self.free(o, refs, blocks))
        if isinstance(e, Fielded):  # a nested field suffix: the inner one wins
            return self.free(e.expr, refs, blocks)
        raise StrategyError(f"a field suffix applies to free text, not {e!r}")

    def word(self, w: str) -> str:
        """One Ovid word in this platform's wildcard notation."""
        wc = self.p["wildcards"]
        if (rule := self.p.get("min_stem")) and (m := re.search(r"[*?#]", w)) and m.start() < rule["length"]:
            self.warn(f"'{w}': {rule['note']}; {self.name} may refuse it", "check")
        if m := re.search(r"\*(\d)$", w):
            rule = wc["limited"]
            if rule["match"] != "exact":
                self.warn(f"'{w}': {self.name} has no limited truncation; written '{w[:m.start()]}{rule['to']}'", rule["match"])
            w = w[: m.start()] + rule["to"]
        out = []
        for k, ch in enumerate(w):
            if ch == "?":
                rule = wc["zero_or_one"]
            elif ch == "#":
                rule = wc["one"]
                if k == len(w) - 1 and rule.get("at_end"):
                    self.warn(f"'{w}': {self.name} drops a single-character wildcard at the end of a word; written '{rule['at_end']}'", "broader")
                    out.append(rule["at_end"])
                    continue
            else:
                out.append(ch)
                continue
            if rule["match"] != "exact":
                kind = "zero or one character" if ch == "?" else "exactly one character"
                note = f" ({rule['note']})" if rule.get("note") else ""
                self.warn(f"'{w}': Ovid {ch} ({kind}) written '{rule['to']}' in {self.name}{note}", rule["match"])
            out.append(rule["to"])
        return "".join(out)

    def term(self, t: Term) -> str:
        words = t.text.split(" ")
        if len(words) == 1:
            w = self.word(words[0])
            return f'"{w}"' if (t.quoted and not has_wildcard(w)) or _RESERVED.match(w) or re.search(r"[()\[\]{}:=/\"]", w) else w
        prox = self.p["proximity"]
        if any(has_wildcard(w) for w in words) and not prox["phrase_truncation"]:
            op = prox["adjacent"]  # the same meaning: next to each other, in order
            return f" {op} ".join(self.word(w) for w in words)
        return '"' + " ".join(self.word(w) for w in words) + '"'

    # -- proximity ---------------------------------------------------------------------
    def _alternatives(self, e: Expr) -> list[Term] | None:
        if isinstance(e, Term):
            return [e]
        if isinstance(e, Bool) and e.op == "or":
            out: list[Term] = []
            for o in e.operands:
                alts = self._alternatives(o)
                if alts is None:
                    return None
                out.extend(alts)
            return out
        return None

    def near_and(self, n: Near, label: str, why: str) -> str:
        self.warn(f"'{label}': {why}; searched with AND", "broader")
        return self.join("AND", [self.free(o, {}, None) for o in n.operands])

    def near(self, n: Near) -> str:
        prox = self.p["proximity"]
        label = (" adj" + ("" if n.distance is None else str(n.distance)) + " ").join(_short(o) for o in n.operands)
        alts = [self._alternatives(o) for o in n.operands]
        if any(a is None for a in alts):
            return self.near_and(n, label, f"{self.name} proximity cannot hold nested proximity or AND/NOT")
        phrases = any(len(t.text.split(" ")) > 1 for a in alts for t in a)  # type: ignore[union-attr]
        if phrases and not prox["phrase_operand"]:
            return self.near_and(n, label, f"{self.name} proximity does not take a quoted phrase as an operand")
        if not prox["phrase_truncation"] and any(len(t.text.split(" ")) > 1 and has_wildcard(t.text) for a in alts for t in a):  # type: ignore[union-attr]
            return self.near_and(n, label, f"{self.name} cannot truncate inside a phrase within proximity")
        if n.distance is None:  # Ovid adj: next to each other, in order (a phrase)
            op = prox["adjacent"]
            if all(len(a) == 1 for a in alts) and not phrases:  # type: ignore[arg-type]
                words = [a[0].text for a in alts]  # type: ignore[index]
                if prox["phrase_truncation"] or not any(has_wildcard(w) for w in words):
                    return '"' + " ".join(self.word(w) for w in words) + '"'
            if op.upper().startswith("NEAR"):
                self.warn(f"'{label}': {self.name} has no in-order proximity; written {op} (either order)", "broader")
        else:
            count = n.distance + prox["between"]
            if n.ordered and n.distance > 1:
                if prox["ordered"]:
                    op = prox["ordered"].format(n=count)
                else:
                    op = prox["near"].format(n=count)
                    self.warn(f"'{label}': {self.name} has no in-order proximity; written {op} (either order)", "broader")
            else:
                op = prox["near"].format(n=count)
        if prox["alternatives"]:
            return f" {op} ".join(self._operand(a) for a in alts)  # type: ignore[arg-type]
        combos = list(itertools.product(*alts))  # type: ignore[arg-type]
        if len(combos) > _MAX_EXPANSION:
            return self.near_and(n, label, f"{len(combos)} combinations of alternatives, more than {_MAX_EXPANSION}")
        pieces = [f" {op} ".join(self.term(t) for t in combo) for combo in combos]
        return " OR ".join(f"({p})" for p in pieces) if len(pieces) > 1 else pieces[0]

    def _operand(self, alts: list[Term]) -> str:
        if len(alts) == 1:
            return self.term(alts[0])
        return "(" + " OR ".join(self.term(t) for t in alts) + ")"

    # -- headings ----------------------------------------------------------------------
    def heading(self, h: Heading) -> str:
        vocab = self.p["vocabulary"]
        templates = self.p.get("headings")
        name = h.name
        if vocab and h.vocabulary != vocab:
            pair = R.heading_pair(name, h.vocabulary)
            if pair and pair.get(vocab):
                name = str(pair[vocab])
                match, note = R.translate_match(pair, h.vocabulary, vocab)
                if match != "exact":
                    self.warn(f"{VOCABULARY_NAMES[h.vocabulary]} heading '{h.name}' searched as {VOCABULARY_NAMES[vocab]} '{name}'"
                              + (f" ({note})" if note else ""), match)
            else:
                return self._heading_as_text(h, f"has no {VOCABULARY_NAMES[vocab]} pair in the table",
                                             f"look the concept up in {VOCABULARY_NAMES[vocab]}")
        if not vocab or not templates:
            return self._heading_as_text(h, f"cannot be searched as a heading: {self.name} has no thesaurus",
                                         "those fields hold the index terms of records indexed elsewhere, unexploded")
        key = {(False, True): "explode", (False, False): "noexp", (True, True): "major_explode", (True, False): "major"}[(h.major, h.explode)]
        out = templates[key].format(name=name)
        for flag, on in (("explode", h.explode), ("major", h.major)):
            if on and templates.get(f"{flag}_match"):
                note = templates.get(f"{flag}_note") or f"{self.name} cannot search this heading {'exploded' if flag == 'explode' else 'as a major topic'}"
                self.warn(f"heading '{name}': {note}", templates[f"{flag}_match"])
        if h.subheadings:
            self.warn(f"heading '{name}': subheadings /{','.join(h.subheadings)} have no {self.name} form here; the heading is searched without them", "broader")
        return out

    def _heading_as_text(self, h: Heading, why: str, advice: str) -> str:
        fields = list(self.p.get("heading_fields") or self.p["fields"]["untagged"]["to"])
        text = self.apply_fields('"' + h.name + '"' if " " in h.name or "," in h.name else h.name, fields)
        self.warn(f"{VOCABULARY_NAMES.get(h.vocabulary, h.vocabulary)} heading '{h.name}' {why}; searched as the words "
                  f"{text} ({advice})", "different")
        return text

    # -- limits ------------------------------------------------------------------------
    def limit(self, item: LimitItem) -> str:
        templates = self.p["limits"]
        if item.kind == "raw":
            self.warn(f"limit '{item.value}' has no {self.name} form in the table; left out — apply it by hand", "broader")
            return ""
        template = templates.get(item.kind)
        start = end = ""
        if item.kind in ("years", "entry_date"):
            start, end = item.value.split("-")
            if end == "current":
                end = self.searched[:4] if self.searched else ""
            start, end = start[:4], end[:4]
        if template is None or (item.kind == "years" and not end and "{end}" in template):
            hint = self.p.get("interface_limits", {}).get(item.kind, "")
            hint = hint.format(start=start, end=end or "the current year", value=item.value)
            self.warn(f"limit {_limit_shown(item)} has no typed {self.name} form; left out of the search — set {hint or 'it in the interface'}", "broader")
            return ""
        if item.kind == "years":
            after = f"{int(end) + 1}" if end else ""
            and_end = self.p["limits"].get("years_end", "").format(after=after) if end else ""
            return template.format(start=start, end=end, before=int(start) - 1, after=after, and_end=and_end)
        return template.format(value=item.value, Value=item.value.title(), start=start, end=end)


def _limit_shown(item: LimitItem) -> str:
    return {"language": f"language {item.value}", "humans": "humans", "years": f"years {item.value}",
            "pubtype": f"publication type {item.value}", "entry_date": f"entry date {item.value}"}.get(item.kind, item.value)


def _short(e: Expr) -> str:
    if isinstance(e, Term):
        return e.text
    if isinstance(e, Bool):
        return "(" + f" {e.op} ".join(_short(o) for o in e.operands) + ")"
    if isinstance(e, Near):
        return "(" + " adj ".join(_short(o) for o in e.operands) + ")"
    return "…"
