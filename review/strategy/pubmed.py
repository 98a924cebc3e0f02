"""PubMed rendering: every numbered line as a complete PubMed query (no ``#n`` references).

Boolean operators are upper case and every nested group is bracketed (PubMed reads left to
right with no precedence). Free text is always field-tagged, so Automatic Term Mapping never
fires. Where PubMed cannot say what Ovid says, the closest documented form is used and a
warning says whether the result is broader, narrower or different (rules.yaml has the table).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

from review.strategy import rules as R
from review.strategy.model import (
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
_PLAIN = re.compile(r"^[A-Za-z0-9*\-']+$")


PUBMED_OPERATORS = re.compile(r" (AND|OR|NOT) ")


def has_top_level_operator(q: str, operators: re.Pattern[str] = PUBMED_OPERATORS, brackets: str = "()[]") -> bool:
    """True if ``q`` has an operator (``operators``, matched at a space) outside quotes and
    outside the ``brackets`` pairs: then it needs brackets of its own to be combined. One
    scanner for every platform; each passes its own operators (and ``{}`` where a platform
    has them)."""
    opening, closing = brackets[0::2], brackets[1::2]
    depth, quote = 0, False
    for k, c in enumerate(q):
        if c == '"':
            quote = not quote
        elif quote:
            continue
        elif c in opening:
            depth += 1
        elif c in closing:
            depth -= 1
        elif depth == 0 and c == " " and operators.match(q, k):
            return True
    return False


def wrap(q: str) -> str:
    return f"({q})" if has_top_level_operator(q) else q


def join(op: str, parts: list[str]) -> str:
    parts = [p for p in parts if p]
    if len(parts) == 1:
        return parts[0]
    return f" {op} ".join(wrap(p) for p in parts)


class PubMedRenderer:
    """Renders expressions for PubMed; ``source_database`` is where the strategy was written
    (it decides e.g. whether ``.tw.`` lost drug trade names; for "pubmed", a field read from a
    PubMed tag renders back as that tag without a warning)."""

    def __init__(self, warn: Warn, source_database: str | None = None, searched: str | None = None):
        self.warn = warn
        self.source = source_database
        self.searched = searched
        self.rules = R.rules()

    # -- fields ------------------------------------------------------------------------
    def tags_for(self, fields: tuple[str, ...] | None) -> list[str]:
        if fields is None:
            rule = self.rules["untagged"]
            self.warn(f"untagged free text: {rule['note']}", rule["match"])
            return list(rule["pubmed"])
        remaining = list(fields)
        tags: list[str] = []
        for fs in self.rules["field_sets"]:
            if all(f in remaining for f in fs["fields"]):
                remaining = [f for f in remaining if f not in fs["fields"]]
                tags.append(fs["pubmed"])
        for code in remaining:
            rule = R.field_rule(code)
            if rule is None:
                raise StrategyError(f"unknown field code .{code}.")
            match = R.match_of(rule, self.source)
            if match != "exact" and not (self.source == "pubmed" and R.reads_back_as_itself(code)):
                note = f" ({rule['note']})" if rule.get("note") else ""
                self.warn(f".{code}. ({rule['name']}) searched as [{', '.join(rule['pubmed'])}]{note}", match)
            tags.extend(rule["pubmed"])
        out: list[str] = []
        for t in tags:
            if t not in out and not (t == "ti" and "tiab" in tags):
                out.append(t)
        return out

    # -- expressions -------------------------------------------------------------------
    def expr(self, e: Expr, lines: dict[int, str], blocks: dict[str, str] | None = None,
             tags: list[str] | None = None) -> str:
        if isinstance(e, Fielded):
            return self.expr(e.expr, lines, blocks, self.tags_for(e.fields))
        if isinstance(e, Term):
            return self.term(e, tags if tags is not None else self.tags_for(None))
        if isinstance(e, Heading):
            return self.heading(e)
        if isinstance(e, Near):
            return self.near(e, tags if tags is not None else self.tags_for(None))
        if isinstance(e, Bool):
            parts = []
            for o in e.operands:
                if e.op != "not" and isinstance(o, Fielded) and isinstance(o.expr, Bool) and o.expr.op == e.op:
                    inner = self.tags_for(o.fields)  # (a OR b)[tiab] inside an OR: no extra brackets
                    parts.extend(self.expr(x, lines, blocks, inner) for x in o.expr.operands)
                else:
                    parts.append(self.expr(o, lines, blocks, tags))
            return join(e.op.upper(), parts)
        if isinstance(e, Ref):
            if e.number not in lines:
                raise StrategyError(f"refers to line {e.number}, which does not exist")
            return wrap(lines[e.number])
        if isinstance(e, BlockRef):
            if not blocks or e.name not in blocks:
                raise StrategyError(f"no block named {e.name!r}")
            return wrap(blocks[e.name])
        if isinstance(e, Limited):
            base = self.expr(e.expr, lines, blocks, tags)
            clauses = [self.limit(item) for item in e.limits]
            return join("AND", [base, *[c for c in clauses if c]])
        raise StrategyError(f"cannot render {e!r} for PubMed")

    # -- free text ---------------------------------------------------------------------
    def spellings(self, word: str) -> list[str]:
        """One Ovid word as PubMed words: ``*N`` -> ``*``; ``?``/``#`` -> spellings or truncation."""
        wc = self.rules["wildcards"]
        if m := re.search(r"\*(\d)$", word):
            self.warn(f"'{word}': limited truncation becomes unlimited '*'", "broader")
            word = word[: m.start()] + "*"
        if "*" in word[:-1]:
            cut = word.index("*") + 1
            self.warn(f"'{word}': PubMed truncates only at the end of a word; cut to '{word[:cut]}'", "broader")
            word = word[:cut]
        if "?" not in word and "#" not in word:
            return [word]
        options: list[list[str]] = []
        for ch in word:
            if ch == "?":
                options.append(list(wc["optional_letters"]))
            elif ch == "#":
                options.append(list(wc["single_letters"]))
            else:
                options.append([ch])
        count = 1
        for o in options:
            count *= len(o)
        if count > wc["max_variants"]:
            cut = min(i for i in (word.find("?"), word.find("#")) if i >= 0)
            stem = word[:cut] + "*"
            self.warn(f"'{word}': PubMed has no single-character wildcard; truncated to '{stem}'", "broader")
            return [stem]
        variants = list(dict.fromkeys("".join(p) for p in itertools.product(*options)))
        self.warn(f"'{word}': PubMed has no single-character wildcard; spelled out as {len(variants)} forms ({', '.join(variants[:4])}, ...)", "narrower")
        return variants

    def fmt(self, text: str, tag: str) -> str:
        text = text.replace('"', "").strip()
        if tag == "sh" and (name := R.subheading_name(text)):  # dt.fs. -> "drug therapy"[sh]
            text = name
        if tag in ("edat", "dp") and (m := re.fullmatch(r"(\d{4})\*?", text)):
            return f"{m.group(1)}[{tag}]"
        if _PLAIN.match(text) and text.upper() not in ("AND", "OR", "NOT"):
            return f"{text}[{tag}]"
        return f'"{text}"[{tag}]'

    def term(self, t: Term, tags: list[str]) -> str:
        words = t.text.split(" ")
        pieces: list[str] = []
        if len(words) > 1 and any(has_wildcard(w) for w in words[:-1]):
            self.warn(f"'{t.text}': PubMed cannot truncate a word inside a phrase; words searched with AND", "broader")
            for tag in tags:
                pieces.append(join("AND", [join("OR", [self.fmt(v, tag) for v in self.spellings(w)]) for w in words]))
            return join("OR", pieces)
        last = self.spellings(words[-1])
        variants = [" ".join([*words[:-1], v]) for v in last]
        for tag in tags:
            pieces.extend(self.fmt(v, tag) for v in variants)
        return join("OR", pieces)

    # -- headings ----------------------------------------------------------------------
    def heading(self, h: Heading) -> str:
        name = h.name
        if h.vocabulary != "mesh":
            pair = R.heading_pair(name, h.vocabulary)
            if pair is None:
                dropped = f" (subheadings /{','.join(h.subheadings)} and explosion dropped)" if h.subheadings else ""
                self.warn(f"{h.vocabulary.title()} heading '{h.name}' has no MeSH equivalent in the table; searched as text words \"{h.name}\"[tw]{dropped}", "different")
                return self.fmt(h.name, "tw")
            if h.subheadings:
                self.warn(f"Emtree subheadings /{','.join(h.subheadings)} read as MeSH qualifiers — check them", "different")
            name = str(pair["mesh"])
            match, note = R.translate_match(pair, h.vocabulary, "mesh")
            if match != "exact":
                self.warn(f"{h.vocabulary.title()} heading '{h.name}' searched as MeSH '{name}' ({note})", match)
        tag = ("majr" if h.major else "mh") + ("" if h.explode else ":noexp")
        if not h.subheadings:
            return f'"{name}"[{tag}]'
        parts = []
        for code in h.subheadings:
            full = R.subheading_name(code)
            if full is None:
                self.warn(f"subheading /{code} is not in the MeSH qualifier table; kept as '{code}'", "different")
                full = code
            parts.append(f'"{name}/{full}"[{tag}]')
        return join("OR", parts)

    # -- proximity ---------------------------------------------------------------------
    def near(self, n: Near, tags: list[str]) -> str:
        prox = self.rules["proximity"]
        pieces = []
        for tag in tags:
            if tag in prox["pubmed_tags"]:
                pieces.append(self.near_in(n, tag))
            else:
                self.warn(f"PubMed has no proximity in [{tag}]; words searched with AND", "broader")
                pieces.append(self.near_and(n, tag))
        return join("OR", pieces)

    def _alternatives(self, e: Expr) -> list[str] | None:
        if isinstance(e, Term):
            return [e.text]
        if isinstance(e, Bool) and e.op == "or":
            out: list[str] = []
            for o in e.operands:
                alts = self._alternatives(o)
                if alts is None:
                    return None
                out.extend(alts)
            return out
        return None

    def near_and(self, n: Near, tag: str) -> str:
        return join("AND", [self.expr(o, {}, None, [tag]) for o in n.operands])

    def near_in(self, n: Near, tag: str) -> str:
        prox = self.rules["proximity"]
        alts = [self._alternatives(o) for o in n.operands]
        shown = " adj" + ("" if n.distance is None else str(n.distance)) + " "
        label = shown.join(_short(o) for o in n.operands)
        if any(a is None for a in alts):
            self.warn(f"'{label}': proximity over nested proximity or AND/NOT; searched with AND", "broader")
            return self.near_and(n, tag)
        words = [w for a in alts for w in a]  # type: ignore[union-attr]
        if n.distance is None:  # Ovid adj: a phrase, in order
            if any(has_wildcard(w) for a in alts[:-1] for w in a) or any(" " in w for w in words):  # type: ignore[union-attr]
                self.warn(f"'{label}': phrase with inner truncation or nested phrases; searched with AND", "broader")
                return self.near_and(n, tag)
            combos = list(itertools.product(*alts))  # type: ignore[arg-type]
            if len(combos) > prox["max_expansion"]:
                self.warn(f"'{label}': {len(combos)} phrase combinations; searched with AND", "broader")
                return self.near_and(n, tag)
            return join("OR", [self.term(Term(" ".join(c)), [tag]) for c in combos])
        if any(has_wildcard(w) for w in words) and not prox["wildcards_allowed"]:
            self.warn(f"'{label}': PubMed proximity does not take truncation or wildcards; searched with AND", "broader")
            return self.near_and(n, tag)
        if any(" " in w for w in words):
            self.warn(f"'{label}': PubMed proximity cannot hold a phrase as one operand; searched with AND", "broader")
            return self.near_and(n, tag)
        between = n.distance + prox["ovid_adj_to_pubmed_between"]
        if n.ordered and n.distance > 1:
            self.warn(f"'{label}': PubMed proximity ignores word order", "broader")
        pairs = list(zip(alts, alts[1:]))
        if len(pairs) > 1:
            self.warn(f"'{label}': a chain of {len(alts)} terms is searched as consecutive pairs", "broader")
        out = []
        for left, right in pairs:
            combos = list(itertools.product(left, right))  # type: ignore[arg-type]
            if len(combos) > prox["max_expansion"]:
                self.warn(f"'{label}': {len(combos)} proximity pairs; searched with AND", "broader")
                return self.near_and(n, tag)
            out.append(join("OR", [f'"{a} {b}"[{tag}:~{between}]' for a, b in combos]))
        return join("AND", out)

    # -- limits ------------------------------------------------------------------------
    def limit(self, item: LimitItem) -> str:
        table = self.rules["limits"]
        if item.kind == "raw":
            self.warn(f"limit '{item.value}' has no PubMed form in the table; left out", "broader")
            return ""
        rule = table[item.kind]
        if item.kind == "years":
            start, end = item.value.split("-")
            if end == "current":
                end = self.searched.replace("-", "/") if self.searched else rule["pubmed_current"]
            elif re.fullmatch(r"\d{4}", end):
                end = f"{end}/12/31"
            return rule["pubmed"].format(start=start, end=end)
        if item.kind == "entry_date":
            start, end = (f"{d[:4]}/{d[4:6]}/{d[6:]}" for d in item.value.split("-"))
            return rule["pubmed"].format(start=start, end=end)
        return rule["pubmed"].format(value=item.value)


def _short(e: Expr) -> str:
    if isinstance(e, Term):
        return e.text
    if isinstance(e, Bool):
        return "(" + f" {e.op} ".join(_short(o) for o in e.operands) + ")"
    if isinstance(e, Near):
        return "(" + " adj ".join(_short(o) for o in e.operands) + ")"
    return "…"
