"""PubMed: read a strategy written in PubMed syntax into the line-based model ``parse_ovid`` returns.

Accepted: one query (over one or more physical lines), a numbered search history (``#1 ...``,
``1. ...``, ``1 ...``, newest first or oldest first) or PubMed's Advanced Search history
download (CSV with ``Search`` and ``Query`` columns), with references ``#1 AND #2``. Terms take
field tags (``rules.yaml`` ``pubmed_tags``: ``[tiab]``, ``[Title/Abstract]``, ``[mh]``,
``[mh:noexp]``, ``[majr]``, ``Mentors/education[mh]``, ``[sh]``, ``[pt]``, ``[la]``, ``[ot]``,
``[tw]``, ``[all]``, ``[au]``, ``[nm]``, ``[pa]``, ...), quoted phrases, ``*`` truncation,
proximity ``"a b"[tiab:~N]`` and date ranges ``2010:2020[dp]`` / ``"2010/01/01"[dp] : "3000"[dp]``.
AND/OR/NOT in any case, read left to right as PubMed does; a missing operator is AND.

What Ovid cannot say exactly is a warning on the strategy (``line N «text»: broader|narrower|
different|check: ...``): untagged terms (Automatic Term Mapping), tags whose Ovid field
differs, proximity over three or more words or with truncation. A date range joined to the
rest of a line with AND becomes an Ovid limit line. Errors raise :class:`OvidSyntaxError` with
the line, column and text, as for Ovid.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
from dataclasses import dataclass

from review.strategy import rules as R
from review.strategy.model import (
    Bool,
    Expr,
    Fielded,
    Heading,
    Limited,
    LimitItem,
    Line,
    Near,
    OvidSyntaxError,
    Ref,
    Strategy,
    StrategyError,
    Term,
)

_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                         "\u2018": "'", "\u2019": "'", "\u00a0": " "})
_NUMBERED = re.compile(r"^(\s*(?:#(\d+)|(\d{1,3}))(?:\s*[.)]\s*|\s+|$))(.*)$")  # #12, 12. or 12 (not a year)
_TAG = re.compile(r"^\s*([a-z][a-z /\-]*?)\s*(?::\s*(noexp|~\s*\d+))?\s*$", re.I)
_OVID_NEAR = re.compile(r"^(near|w|n|pre)/\d+$", re.I)
_OVID_SUFFIX = re.compile(r"^.+?\.([a-z]{2}(?:,[a-z]{2})*)\.?$", re.I)
_DATE = re.compile(r"^(\d{4})(?:[/-](\d{1,2})(?:[/-](\d{1,2}))?)?$")
_CELL_NOISE = re.compile(r"^(?:[\d,]+|\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]m)?)$", re.I)
_OPEN_END = 3000  # PubMed's conventional "no upper bound" year


# --- where a search came from --------------------------------------------------------------

@dataclass
class _Piece:
    offset: int  # where the piece starts in the search text
    line: int  # physical line (1-based)
    column: int  # where the piece starts in that line (0-based)
    physical: str  # the physical line, as shown in errors


@dataclass
class _Search:
    number: int | None  # the number written (#3), or None
    text: str
    pieces: list[_Piece]
    warnings: list[tuple[str, str]]  # (match, message) found while splitting the input

    def error(self, source: str):
        def err(message: str, offset: int):
            piece = self.pieces[0]
            for p in self.pieces:
                if p.offset <= offset:
                    piece = p
            column = piece.column + max(offset - piece.offset, 0)
            raise OvidSyntaxError(message, line=piece.line, column=column + 1, text=piece.physical, source=source)
        return err


# --- tokens --------------------------------------------------------------------------------

@dataclass
class _Tok:
    kind: str  # LP RP OP WORD QUOTED TAG REF COLON
    value: object
    col: int
    end: int = 0


@dataclass(frozen=True)
class _TagSpec:
    key: str
    rule: dict
    noexp: bool
    proximity: int | None
    written: str


@dataclass(frozen=True)
class _Date:
    """A date or date range: lifted into a limit line, never left in an expression."""

    key: str
    start: str
    end: str
    col: int


def _lex(text: str, err, notes: list[tuple[str, str]]) -> list[_Tok]:
    out: list[_Tok] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "(":
            out.append(_Tok("LP", "(", i, i + 1)); i += 1
        elif c == ")":
            out.append(_Tok("RP", ")", i, i + 1)); i += 1
        elif c == '"':
            end = text.find('"', i + 1)
            if end < 0:
                err("a quotation mark is not closed", i)
            inner = " ".join(text[i + 1:end].split())
            if not inner:
                err("empty quotation marks", i)
            for m in re.finditer(r"\S+", text[i + 1:end]):
                _check_wildcards(m.group(0), i + 1 + m.start(), err)
            out.append(_Tok("QUOTED", inner, i, end + 1)); i = end + 1
        elif c == "[":
            end = text.find("]", i + 1)
            if end < 0:
                err("a square bracket is not closed", i)
            out.append(_Tok("TAG", _tag(text[i + 1:end], i, err), i, end + 1)); i = end + 1
        elif c == "]":
            err("a closing square bracket has no opening one", i)
        elif c == ":":
            out.append(_Tok("COLON", ":", i, i + 1)); i += 1
        else:
            j = i
            while j < len(text) and not text[j].isspace() and text[j] not in '()"[]:':
                j += 1
            if any(ch.isalnum() or ch in "#*$?" for ch in text[i:j]):
                out.append(_word(text[i:j], i, err))
            else:  # a stray '/' or '-': PubMed searches nothing for it
                notes.append(("check", f"'{text[i:j]}' on its own is not a search term: left out"))
            i = j
    return out


def _tag(inner: str, col: int, err) -> _TagSpec:
    m = _TAG.match(inner)
    found = R.pubmed_tag(m.group(1)) if m else None
    if found is None:
        hint = " (PubMed's author keyword tag is [ot])" if inner.strip().lower() in ("kw", "kf", "keyword", "keywords") else ""
        err(f"unknown field tag [{inner}]{hint}; the tags read are listed in docs/strategy.md", col)
    key, rule = found  # type: ignore[misc]
    option = (m.group(2) or "").replace(" ", "").lower()  # type: ignore[union-attr]
    proximity = int(option[1:]) if option.startswith("~") else None
    if option == "noexp" and rule["kind"] != "heading":
        err(f"[{inner}]: ':noexp' goes with [mh] or [majr]", col)
    if proximity is not None and key not in R.rules()["proximity"]["pubmed_tags"]:
        err(f"[{inner}]: PubMed proximity works only in [ti], [tiab] and [ad]", col)
    return _TagSpec(key, rule, option == "noexp", proximity, inner.strip())


def _word(word: str, col: int, err) -> _Tok:
    low = word.lower()
    if low in ("and", "or", "not"):
        return _Tok("OP", low, col, col + len(word))
    if re.fullmatch(r"#\d+", word):
        return _Tok("REF", int(word[1:]), col, col + len(word))
    if re.fullmatch(r"adj\d*", low) or _OVID_NEAR.match(word):
        err(f"'{word}' is not PubMed syntax; PubMed writes proximity as \"a b\"[tiab:~N]", col)
    if (m := _OVID_SUFFIX.match(word)) and all(R.field_rule(c) for c in m.group(1).split(",")):
        err(f"'.{m.group(1)}.' is an Ovid field suffix; PubMed writes field tags like [tiab] (or use --from ovid-medline)", col + m.start(1) - 1)
    _check_wildcards(word, col, err)
    return _Tok("WORD", word, col, col + len(word))


def _check_wildcards(word: str, col: int, err) -> None:
    """PubMed has one wildcard, ``*`` at the end of a word; Ovid's would change the meaning."""
    for k, ch in enumerate(word):
        if ch == "$":
            err("'$' is Ovid truncation; PubMed truncates with *", col + k)
        if ch in "?#":
            err(f"'{ch}' is not PubMed syntax: PubMed has no single-character wildcard (only * at the end of a word)", col + k)
        if ch == "*" and 0 < k < len(word) - 1:
            err("PubMed truncates only at the end of a word", col + k)


def _check_brackets(tokens: list[_Tok], err) -> None:
    opened: list[int] = []
    for t in tokens:
        if t.kind == "LP":
            opened.append(t.col)
        elif t.kind == "RP":
            if not opened:
                err("a closing bracket has no opening one", t.col)
            opened.pop()
    if opened:
        err("a bracket is opened here and never closed", opened[-1])


# --- parsing -------------------------------------------------------------------------------

class _Parser:
    """One search, left to right as PubMed reads it; ``resolve`` turns ``#n`` into a model line."""

    def __init__(self, tokens: list[_Tok], err, resolve, notes: list[tuple[str, str]]):
        self.t = tokens
        self.i = 0
        self.err = err
        self.resolve = resolve
        self.notes = notes
        self.grouped: list[object] = []

    def note(self, match: str, message: str) -> None:
        if (match, message) not in self.notes:
            self.notes.append((match, message))

    def peek(self, kind: str | None = None) -> _Tok | None:
        if self.i >= len(self.t):
            return None
        tok = self.t[self.i]
        return tok if kind is None or tok.kind == kind else None

    def take(self) -> _Tok:
        tok = self.t[self.i]
        self.i += 1
        return tok

    def end_col(self) -> int:
        return self.t[-1].end if self.t else 0

    def parse(self):
        if not self.t:
            self.err("the search is empty", 0)
        expr = self.expr()
        if (tok := self.peek()) is not None:
            self.err("a closing bracket has no opening one" if tok.kind == "RP" else f"unexpected {tok.value!r}", tok.col)
        return expr

    def expr(self):
        acc = self.unit()
        while (tok := self.peek()) is not None and tok.kind != "RP":
            if tok.kind == "OP":
                self.take()
                nxt = self.peek()
                if nxt is None or nxt.kind == "RP":
                    self.err(f"'{tok.value.upper()}' needs something after it", nxt.col if nxt else self.end_col())  # type: ignore[union-attr]
                if nxt.kind == "OP":
                    self.err(f"'{nxt.value.upper()}' right after '{tok.value.upper()}'", nxt.col)  # type: ignore[union-attr]
                acc = self.combine(acc, str(tok.value), self.unit())
            elif tok.kind in ("LP", "WORD", "QUOTED", "REF"):
                self.note("check", "two terms with no operator between them: read as AND, as PubMed does")
                acc = self.combine(acc, "and", self.unit())
            elif tok.kind == "TAG":
                self.err("a field tag must follow a term, not a bracket or an operator", tok.col)
            else:
                self.err(f"unexpected {tok.value!r}", tok.col)
        return acc

    def combine(self, acc, op: str, rhs):
        grouped = any(acc is g for g in self.grouped)
        if isinstance(acc, Bool) and not grouped and acc.op == "or" and op != "or":
            self.note("check", f"mixes OR with {op.upper()} without brackets: read left to right, as PubMed does "
                               f"((... OR ...) {op.upper()} ...)")
        rest = rhs.operands if isinstance(rhs, Bool) and rhs.op == op and op != "not" else (rhs,)
        if isinstance(acc, Bool) and acc.op == op:
            return Bool(op, (*acc.operands, *rest))
        return Bool(op, (acc, *rest))

    def unit(self):
        tok = self.peek()
        if tok is None:
            self.err("expected a term, a bracket or a search number (#1)", self.end_col())
        assert tok is not None
        if tok.kind == "LP":
            self.take()
            if self.peek("RP"):
                self.err("empty brackets", tok.col)
            inner = self.expr()
            if not self.peek("RP"):
                self.err("a bracket is opened here and never closed", tok.col)
            self.take()
            if (tag := self.peek("TAG")) is not None:
                self.err("a field tag applies to a term, not to a bracketed group: tag each term", tag.col)
            self.grouped.append(inner)
            return inner
        if tok.kind == "REF":
            self.take()
            return Ref(self.resolve(tok.value, tok.col))
        if tok.kind in ("WORD", "QUOTED"):
            return self.term()
        if tok.kind == "OP":
            self.err(f"'{str(tok.value).upper()}' needs a term before it", tok.col)
        if tok.kind == "RP":
            self.err("a closing bracket has no opening one", tok.col)
        if tok.kind == "TAG":
            self.err("a field tag must follow a term", tok.col)
        self.err("':' makes a date range: 2010:2020[dp]", tok.col)
        raise AssertionError

    def words(self) -> list[_Tok]:
        out = []
        while (tok := self.peek()) is not None and tok.kind in ("WORD", "QUOTED"):
            out.append(self.take())
        return out

    def term(self):
        words = self.words()
        tag = self.take().value if self.peek("TAG") else None
        if (colon := self.peek("COLON")) is not None:
            self.take()
            right = self.words()
            if not right or not self.peek("TAG"):
                self.err("a date range ends with a date and its tag: 2010:2020[dp]", colon.col)
            rtag: _TagSpec = self.take().value  # type: ignore[assignment]
            if rtag.rule["kind"] != "date" or (tag is not None and tag.key != rtag.key):  # type: ignore[union-attr]
                self.err("':' makes a range only between dates with the same date tag ([dp], [pdat], [edat])", colon.col)
            return _Date(rtag.key, _text(words), _text(right), words[0].col)
        return self.tagged(words, tag)  # type: ignore[arg-type]

    def tagged(self, words: list[_Tok], tag: _TagSpec | None):
        text = _text(words)
        col = words[0].col
        quoted = any(w.kind == "QUOTED" for w in words)
        if tag is None:
            return self.untagged(words, text, quoted)
        kind = tag.rule["kind"]
        if kind == "date":
            return _Date(tag.key, text, text, col)
        if tag.proximity is not None:
            return self.proximity(words, tag)
        if text.startswith("*"):
            if kind not in ("heading", "pa"):
                self.err("PubMed truncates only at the end of a word", col)
            self.note("check", f"'{text}[{tag.written}]': a leading '*' is not PubMed syntax: left out "
                               "(write [majr] for a major topic)")
            text = text[1:].lstrip()
        if kind == "text":
            fields = tuple(tag.rule["ovid"])
            self.warn_rule(f"[{tag.written}] searched as .{','.join(fields)}.", tag.rule)
            return Fielded(Term(text, quoted=quoted and " " in text), fields)
        if "*" in text:
            self.err(f"truncation cannot be translated on a [{tag.written}] term", col + text.index("*"))
        if kind == "subheading":
            code = R.subheading_code(text)
            if code is None:
                self.note("different", f"subheading '{text}' is not in the MeSH qualifier table; kept as written — check it")
                return Fielded(Term(text, quoted=quoted and " " in text), tuple(tag.rule["ovid"]))
            return Fielded(Term(code), tuple(tag.rule["ovid"]))
        if kind == "pa":
            self.warn_rule(f"[{tag.written}] '{text}'", tag.rule)
            return Heading(text, explode=True, quoted=_needs_quotes(text))
        name, subheadings = text, ()
        if "/" in text:
            name, _, qualifier = text.rpartition("/")
            code = R.subheading_code(qualifier)
            if code is None or not name.strip():
                self.err(f"'{qualifier}' is not a MeSH subheading (rules.yaml lists the qualifiers)",
                         _position_in(words, len(name) + 1))
            name, subheadings = name.strip(), (code,)
        return Heading(name, explode=not tag.noexp, major=bool(tag.rule.get("major")), subheadings=subheadings,  # type: ignore[arg-type]
                       quoted=_needs_quotes(name))

    def untagged(self, words: list[_Tok], text: str, quoted: bool):
        col = words[0].col
        if text.startswith("*"):
            self.err("PubMed truncates only at the end of a word", col)
        if text.endswith("/") or re.search(r"/[a-z]{2}(,[a-z]{2})*$", text):
            self.err(f"'{text}' looks like an Ovid subject heading; PubMed writes \"X\"[mh]", col)
        if text.lower() == "exp" or text.lower().startswith("exp "):
            self.err("'exp' is Ovid syntax; PubMed explodes MeSH by default: \"X\"[mh]", col)
        if quoted or "*" in text:
            self.warn_rule(f"'{text}' has no field tag: searched in all fields (.af.)", R.rules()["pubmed_tags"]["all"])
        else:
            self.warn_rule(f"'{text}' has no field tag", R.rules()["pubmed_untagged"])
        return Fielded(Term(text, quoted=quoted and " " in text), tuple(R.rules()["pubmed_untagged"]["ovid"]))

    def proximity(self, words: list[_Tok], tag: _TagSpec):
        if len(words) != 1 or words[0].kind != "QUOTED" or " " not in str(words[0].value):
            self.err(f"proximity [{tag.written}] takes one quoted phrase of two or more words", words[0].col)
        parts = str(words[0].value).split(" ")
        fields = tuple(tag.rule["ovid"])
        near = Near(tuple(Term(w) for w in parts), tag.proximity + 1)  # type: ignore[operator]
        label = f'"{words[0].value}"[{tag.written}]'
        self.warn_rule(f"[{tag.written}] searched as .{','.join(fields)}.", tag.rule)
        if len(parts) > 2:
            self.note("different", f"{label}: PubMed keeps every pair of the {len(parts)} words within {tag.proximity} words; "
                                   f"Ovid adj{tag.proximity + 1} (rendered here) chains them word to word — check it")  # type: ignore[operator]
        if any("*" in p for p in parts):
            self.note("different", f"{label}: whether PubMed applies truncation inside proximity is unconfirmed; "
                                   "Ovid adj does truncate")
        return Fielded(near, fields)

    def warn_rule(self, message: str, rule: dict) -> None:
        match = rule.get("match", "exact")
        if match != "exact":
            note = f": {rule['note']}" if rule.get("note") else ""
            self.note(match, f"{message}{note}")


def _text(words: list[_Tok]) -> str:
    return " ".join(" ".join(str(w.value) for w in words).split())


def _position_in(words: list[_Tok], k: int) -> int:
    """Where character ``k`` of the joined words is in the search text (quotes skipped)."""
    for w in words:
        inner = str(w.value)
        start = w.col + (1 if w.kind == "QUOTED" else 0)
        if k <= len(inner):
            return start + k
        k -= len(inner) + 1
    return words[-1].col


def _needs_quotes(name: str) -> bool:
    return any(c in name for c in '()[]"')


# --- a line's dates become a limit -----------------------------------------------------------

def _lift_dates(expr, err, notes) -> tuple[Expr, tuple[LimitItem, ...]]:
    """``X AND 2010:2020[dp]`` -> (X, years limit). A date that narrows the whole search (joined
    with AND, or inside the first operand of NOT) is lifted; a date anywhere else is an error."""
    base, dates = _pull_dates(expr)
    if base is None:
        err("a date range on its own cannot be said in Ovid: join it with AND to the search it limits "
            "(#1 AND 2010:2020[dp])", dates[0].col)
    for node in _walk(base):
        if isinstance(node, _Date):
            err("a date range can only limit the whole search: Ovid has no date range under OR or "
                "after NOT; join it to the rest with AND", node.col)
    return base, tuple(_limit(d, err, notes) for d in dates)  # type: ignore[return-value]


def _pull_dates(e) -> tuple[object | None, list[_Date]]:
    """(e without the dates that narrow all of it, those dates); None if nothing but dates is left."""
    if isinstance(e, _Date):
        return None, [e]
    if isinstance(e, Bool) and e.op == "and":
        rest: list = []
        dates: list[_Date] = []
        for o in e.operands:
            kept, found = _pull_dates(o)
            dates.extend(found)
            if isinstance(kept, Bool) and kept.op == "and":
                rest.extend(kept.operands)
            elif kept is not None:
                rest.append(kept)
        if not dates:
            return e, []
        return (None if not rest else rest[0] if len(rest) == 1 else Bool("and", tuple(rest))), dates
    if isinstance(e, Bool) and e.op == "not":  # (A AND date) NOT B = (A NOT B) AND date
        first, dates = _pull_dates(e.operands[0])
        if dates and first is not None:
            return Bool("not", (first, *e.operands[1:])), dates  # type: ignore[arg-type]
    return e, []


def _walk(e):
    yield e
    if isinstance(e, (Bool, Near)):
        for o in e.operands:
            yield from _walk(o)
    elif isinstance(e, (Fielded, Limited)):
        yield from _walk(e.expr)


def _limit(d: _Date, err, notes) -> LimitItem:
    kind = R.rules()["pubmed_tags"][d.key]["limit"]
    start, end = _date(d.start, d, err), _date(d.end, d, err)
    if start > end:
        err(f"the date range {d.start}:{d.end} runs backwards", d.col)
    label = d.start if d.start == d.end else f"{d.start}:{d.end}"
    if kind == "entry_date":
        first = (start[0], start[1] or 1, start[2] or 1)
        last_month = end[1] or 12
        last = (end[0], last_month, end[2] or calendar.monthrange(end[0], last_month)[1])
        return LimitItem("entry_date", "{:04d}{:02d}{:02d}-{:04d}{:02d}{:02d}".format(*first, *last))
    if start[1] not in (None, 1) or start[2] not in (None, 1) or (end[0] < _OPEN_END and (end[1] not in (None, 12) or end[2] not in (None, 31))):
        note = ("broader", f"[{d.key}] {label}: Ovid limits publication years, not months or days; "
                           f"searched as {start[0]} to {end[0] if end[0] < _OPEN_END else 'Current'}")
        if note not in notes:
            notes.append(note)
    return LimitItem("years", f"{start[0]}-{'current' if end[0] >= _OPEN_END else end[0]}")


def _date(text: str, d: _Date, err) -> tuple[int, int | None, int | None]:
    m = _DATE.match(text.strip())
    if not m:
        err(f"'{text}' is not a date: write YYYY, YYYY/MM or YYYY/MM/DD", d.col)
    assert m
    y, mo, da = int(m.group(1)), int(m.group(2)) if m.group(2) else None, int(m.group(3)) if m.group(3) else None
    if (mo is not None and not 1 <= mo <= 12) or (da is not None and not 1 <= da <= 31):
        err(f"'{text}' is not a date: write YYYY, YYYY/MM or YYYY/MM/DD", d.col)
    return (y, mo, da)


# --- related terms in one field, as a librarian writes them in Ovid ---------------------------

def _group_fields(e):
    """``a.ti,ab. or b.ti,ab.`` -> ``(a or b).ti,ab.`` for consecutive terms with the same fields."""
    if isinstance(e, Bool):
        ops = [_group_fields(o) for o in e.operands]
        if e.op != "or":
            return Bool(e.op, tuple(ops))
        out: list[Expr] = []
        run: list[Fielded] = []

        def flush():
            if len(run) > 1:
                out.append(Fielded(Bool("or", tuple(f.expr for f in run)), run[0].fields))
            else:
                out.extend(run)
            run.clear()

        for o in ops:
            if isinstance(o, Fielded) and isinstance(o.expr, (Term, Near)):
                if run and run[0].fields != o.fields:
                    flush()
                run.append(o)
            else:
                flush()
                out.append(o)
        flush()
        return out[0] if len(out) == 1 else Bool("or", tuple(out))
    if isinstance(e, Fielded):
        return Fielded(_group_fields(e.expr), e.fields)
    return e


# --- splitting the input into searches ---------------------------------------------------------

def _searches(text: str, source: str) -> list[_Search]:
    raw = text.lstrip("\ufeff").translate(_QUOTES).replace("\r\n", "\n").replace("\r", "\n")
    physical = raw.split("\n")
    content = [(k + 1, ln) for k, ln in enumerate(physical) if ln.strip()]
    if not content:
        return []
    if (csv_searches := _csv_searches(raw, content[0][1], source)) is not None:
        return csv_searches
    if _NUMBERED.match(content[0][1]):
        return _numbered(content, source)
    return _unnumbered(content)


def _csv_searches(raw: str, first: str, source: str) -> list[_Search] | None:
    try:
        header = [h.strip().lower() for h in next(csv.reader([first]))]
    except (csv.Error, StopIteration):
        return None
    if "query" not in header or not ({"search", "search number", "#"} & set(header)):
        return None
    number_col = next(header.index(h) for h in ("search number", "search", "#") if h in header)
    query_col = header.index("query")
    filters_col = header.index("filters") if "filters" in header else None
    reader = csv.reader(io.StringIO(raw))
    next(reader)
    out: list[_Search] = []
    line = reader.line_num
    for row in reader:
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        shown = raw.split("\n")[start - 1]
        cell = row[number_col].strip().lstrip("#") if len(row) > number_col else ""
        if not cell.isdigit():
            raise OvidSyntaxError(f"the search number {cell!r} is not a number", line=start, column=1, text=shown,
                                  source=source)
        query = row[query_col] if len(row) > query_col else ""
        query, _, warnings = _clean_history_query(query)
        if filters_col is not None and len(row) > filters_col and row[filters_col].strip():
            warnings.append(_filters_warning(row[filters_col].strip()))
        query = " ".join(query.split())
        out.append(_Search(int(cell), query, [_Piece(0, start, 0, query)], warnings))
    return _ordered(out, source)


def _clean_history_query(query: str) -> tuple[str, int, list[tuple[str, str]]]:
    """A history cell: ``Search: q Sort by: Most Recent Filters: Humans`` -> ``q``, where ``q``
    starts in the cell, and a warning for the filters."""
    warnings: list[tuple[str, str]] = []
    lead = re.match(r"^\s*(?:search:\s*)?", query, re.I).end()  # type: ignore[union-attr]
    query = query[lead:]
    if m := re.search(r"\s+filters:\s*(.+)$", query, re.I):
        warnings.append(_filters_warning(m.group(1).strip()))
        query = query[: m.start()]
    query = re.sub(r"\s+sort by:.*$", "", query, flags=re.I)
    return query.rstrip(), lead, warnings


def _filters_warning(filters: str) -> tuple[str, str]:
    return ("broader", f"PubMed filters '{filters}' are not part of the query and are not translated — add them as limits")


def _numbered(content: list[tuple[int, str]], source: str) -> list[_Search]:
    out: list[_Search] = []
    for physical, ln in content:
        m = _NUMBERED.match(ln)
        if m:
            body, col = m.group(4), m.end(1)
            if "\t" in body:
                body, col = _history_cells(body, col)
            cleaned, lead, warnings = _clean_history_query(body)
            out.append(_Search(int(m.group(2) or m.group(3)), cleaned, [_Piece(0, physical, col + lead, ln)], warnings))
        else:
            _continue(out[-1], physical, ln)
    for s in out:
        if not s.text:
            piece = s.pieces[0]
            raise OvidSyntaxError(f"search #{s.number} is empty", line=piece.line, column=piece.column + 1,
                                  text=piece.physical, source=source)
    return _ordered(out, source)


def _history_cells(body: str, col: int) -> tuple[str, int]:
    """A tab-separated history row (query, results, time): the query cell and where it starts."""
    cells = body.split("\t")
    while cells and (not cells[-1].strip() or _CELL_NOISE.match(cells[-1].strip())):
        cells.pop()
    keep = [c for c in cells if c.strip()]
    if not keep:
        return "", col
    query = max(keep, key=len)
    return query, col + body.index(query)


def _unnumbered(content: list[tuple[int, str]]) -> list[_Search]:
    out: list[_Search] = []
    for physical, ln in content:
        start = len(ln) - len(ln.lstrip())
        if out and _continues(out[-1].text, ln):
            _continue(out[-1], physical, ln)
        else:
            out.append(_Search(None, ln.strip(), [_Piece(0, physical, start, ln)], []))
    return out


def _continues(before: str, line: str) -> bool:
    """A wrapped query: brackets or quotes still open, or an operator at the join."""
    depth, quote = 0, False
    for c in before:
        if c == '"':
            quote = not quote
        elif not quote and c == "(":
            depth += 1
        elif not quote and c == ")":
            depth -= 1
    ends = re.search(r"\b(and|or|not)\s*$", before, re.I)
    starts = re.match(r"\s*(and|or|not)\b", line, re.I)
    return depth > 0 or quote or bool(ends) or bool(starts)


def _continue(search: _Search, physical: int, ln: str) -> None:
    start = len(ln) - len(ln.lstrip())
    offset = len(search.text) + 1
    search.text = f"{search.text} {ln.strip()}"
    search.pieces.append(_Piece(offset, physical, start, ln))


def _ordered(searches: list[_Search], source: str) -> list[_Search]:
    numbers = [s.number for s in searches]
    if len(set(numbers)) != len(numbers):
        dup = next(s for k, s in enumerate(searches) if s.number in numbers[:k])
        p = dup.pieces[0]
        raise OvidSyntaxError(f"search #{dup.number} appears twice", line=p.line, column=1, text=p.physical, source=source)
    if numbers == sorted(numbers, reverse=True):  # PubMed shows its history newest first
        return list(reversed(searches))
    if numbers != sorted(numbers):
        bad = next(s for k, s in enumerate(searches) if k and s.number < searches[k - 1].number)  # type: ignore[operator]
        p = bad.pieces[0]
        raise OvidSyntaxError(f"search #{bad.number} is out of order: number the searches in order", line=p.line,
                              column=1, text=p.physical, source=source)
    return searches


# --- public parse ----------------------------------------------------------------------------

def parse_pubmed(text: str, *, source: str = "") -> Strategy:
    """A PubMed query or search history as a line-based Strategy (database "pubmed")."""
    searches = _searches(text, source)
    if not searches:
        raise StrategyError(f"{source or 'the strategy'}: no search found")
    lines: list[Line] = []
    warnings: list[str] = []
    line_of: dict[int, int] = {}  # the number written (or position) -> the model line it became
    for position, search in enumerate(searches, 1):
        err = search.error(source)
        label = search.number if search.number is not None else position

        def resolve(n: int, col: int, label=label, err=err) -> int:
            if n not in line_of:
                if n >= label:
                    err(f"#{n} refers to a search that is not above this one (this is #{label})", col)
                known = ", ".join(f"#{k}" for k in line_of) or "none"
                err(f"#{n} refers to a search that does not exist (searches so far: {known})", col)
            return line_of[n]

        notes: list[tuple[str, str]] = list(search.warnings)
        tokens = _lex(search.text, err, notes)
        _check_brackets(tokens, err)
        expr = _Parser(tokens, err, resolve, notes).parse()
        base, limits = _lift_dates(expr, err, notes)
        base = _group_fields(base)
        if limits:
            if not isinstance(base, Ref):
                lines.append(Line(len(lines) + 1, base, f"line {len(lines) + 1}", search.text))
                base = Ref(len(lines))
            expr = Limited(base, limits)
        else:
            expr = base
        number = len(lines) + 1
        lines.append(Line(number, expr, f"line {number}", search.text))
        line_of[label] = number
        where = _where(number, search.text)
        for match, message in notes:
            item = f"{where}: {match}: {message}"
            if item not in warnings:
                warnings.append(item)
    return Strategy(title="", lines=lines, database="pubmed", databases=("pubmed",), source=source, warnings=warnings)


def _where(number: int, text: str) -> str:
    shown = text if len(text) <= 70 else text[:67] + "..."
    return f"line {number} «{shown}»"
