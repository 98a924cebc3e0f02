"""Ovid MEDLINE / Ovid Embase: parse a strategy as exported or pasted, and render the model.

Parsing accepts numbered lines (``1 exp Mentors/``, ``1. MMSE*.ti,ab.``, with or without the
hit counts Ovid exports as ``(9411)``) or plain lines numbered by position; ``1 or 2``,
``or/1-5``, ``and/1,3``, ``exp X/``, ``*X/``, ``X/dt,pa``, field suffixes ``.ti,ab,kw.``,
``adj`` / ``adjN``, ``not``, ``limit N to (...)``, quoted phrases and ``$ * ? #``. Bracketed
notes Ovid adds (``[mp=title, ...]``, ``[Diagnostic Use]``) are skipped. Errors name the line
and column and show the text (:class:`OvidSyntaxError`).

Precedence when a line mixes operators without brackets: adj, then not, then and, then or
(the renderers always bracket mixed operators, so output never depends on it).
"""

from __future__ import annotations

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
    BlockRef,
    Strategy,
    StrategyError,
    Term,
    VOCABULARY_NAMES,
    VOCABULARY_OF,
)

OVID_DATABASES = ("ovid-medline", "ovid-embase", "ovid-psycinfo")
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2018": "'", "\u2019": "'"})
_HEADER = re.compile(r"^\s*(database:|search strategy:?|-{5,}|\*{5,}|={5,}|<\d+>\s*$)", re.I)
_NUMBERED = re.compile(r"^\s*#?(\d+)\s*[.):]?\s+(\S.*)$")
_COUNT = re.compile(r"(?:\s+\(\s*[\d,]+\s*\)|\t\s*[\d,]+|\s{3,}[\d,]+)\s*$")  # exported hit counts
_LIMIT = re.compile(r"^\s*limit\s+#?(\d+)\s+to\s+(.+?)\s*$", re.I)
_FIELDS = re.compile(r"\.\s*([A-Za-z]{2,3}(?:\s*,\s*[A-Za-z]{2,3})*)\s*\.?(?=[\s()\[\]]|$)")
_WORD_FIELDS = re.compile(r"^(.+?)\.([A-Za-z]{2,3}(?:,[A-Za-z]{2,3})*)\.?$")
_SUBHEADINGS = re.compile(r"/([A-Za-z]{2}(?:\s*,\s*[A-Za-z]{2})*)?(?=[\s()\[]|$)")
_RANGE = re.compile(r"(or|and)/\s*(\d+(?:\s*-\s*\d+)?(?:\s*,\s*\d+(?:\s*-\s*\d+)?)*)", re.I)
_ADJ = re.compile(r"^adj(\d*)$", re.I)
_PUBMED_TAG = re.compile(
    r"^\s*(tiab|tw|ti|ab|mh|mesh|mesh terms|majr|mesh major topic|sh|subheading|pt|publication type|la|language|au|"
    r"author|ot|other term|all|all fields|dp|edat|title|title/abstract|text word|text words|nm|rn|ta|journal|ad|"
    r"affiliation|pmid|uid|supplementary concept)(:[^\]]*)?\s*$", re.I)
_NEAR = re.compile(r"(near|w|n|pre)/\d+", re.I)
_LIMITED_TRUNC = re.compile(r"[$*](\d)$")


@dataclass
class Token:
    kind: str  # LP RP OP ADJ RANGE WORD QUOTED EXP STAR SLASH FIELDS REF
    value: object
    col: int  # 0-based, in the physical line


# --- lexing ------------------------------------------------------------------------------

class _Lexer:
    def __init__(self, text: str, offset: int, err):
        self.s = text
        self.off = offset
        self.err = err

    def tokens(self) -> list[Token]:
        s, i, out = self.s, 0, []
        while i < len(s):
            c = s[i]
            col = self.off + i
            if c.isspace():
                i += 1
            elif c == "(":
                out.append(Token("LP", "(", col)); i += 1
            elif c == ")":
                out.append(Token("RP", ")", col)); i += 1
            elif c == '"':
                end = s.find('"', i + 1)
                if end < 0:
                    self.err("a quotation mark is not closed", col)
                out.append(Token("QUOTED", s[i + 1:end].strip(), col)); i = end + 1
            elif c == "[":
                end = s.find("]", i + 1)
                if end < 0:
                    self.err("a square bracket is not closed", col)
                inner = s[i + 1:end]
                if _PUBMED_TAG.match(inner) or (i > 0 and not s[i - 1].isspace()):
                    self.err(f"[{inner}] looks like a PubMed field tag, not Ovid syntax (Ovid writes fields as .ti,ab.; "
                             "read PubMed with --from pubmed)", col)
                i = end + 1  # a note Ovid adds to exported lines: skipped
            elif c == "]":
                self.err("a closing square bracket has no opening one", col)
            elif c == "/":
                m = _SUBHEADINGS.match(s, i)
                if not m:
                    self.err("after '/' expected two-letter subheadings (e.g. /dt,pa) or nothing", col)
                subs = tuple(x.strip().lower() for x in m.group(1).split(",")) if m.group(1) else ()
                out.append(Token("SLASH", subs, col)); i = m.end()
            elif c == "." and (m := _FIELDS.match(s, i)) and out and out[-1].kind in ("RP", "QUOTED", "WORD"):
                out.append(self._fields(m.group(1), col + (m.start(1) - i))); i = m.end()
            elif (m := _NEAR.match(s, i)) and (i == 0 or not s[i - 1].isalnum()):
                self.err(f"{m.group(0)} is not Ovid syntax; Ovid writes proximity as adjN", col)
            elif (m := _RANGE.match(s, i)) and (i == 0 or not (s[i - 1].isalnum())):
                out.append(Token("RANGE", (m.group(1).lower(), m.group(2), col + (m.start(2) - i)), col)); i = m.end()
            else:
                j = i
                while j < len(s) and not s[j].isspace() and s[j] not in '()"[]/':
                    j += 1
                word = s[i:j]
                self._word(word, col, out)
                i = j
        return out

    def _fields(self, codes: str, col: int) -> Token:
        fields = tuple(c.strip().lower() for c in codes.split(","))
        pos = col
        for code in fields:
            if R.field_rule(code) is None:
                self.err(f"unknown field code .{code}.", pos)
            pos += len(code) + 1
        return Token("FIELDS", fields, col)

    def _word(self, word: str, col: int, out: list[Token]) -> None:
        m = _WORD_FIELDS.match(word)
        if m and not re.fullmatch(r"[\d.]+", word):
            codes = m.group(2).lower().split(",")
            if all(R.field_rule(c) for c in codes) or len(codes) > 1 or len(m.group(2)) == 2:
                self._word(m.group(1), col, out)
                out.append(self._fields(m.group(2), col + len(m.group(1)) + 1))
                return
        low = word.lower()
        if low in ("and", "or", "not"):
            out.append(Token("OP", low, col))
        elif am := _ADJ.match(word):
            out.append(Token("ADJ", int(am.group(1)) if am.group(1) else None, col))
        elif low == "exp":
            out.append(Token("EXP", True, col))
        elif re.fullmatch(r"#\d+", word):
            out.append(Token("REF", int(word[1:]), col))
        elif word.startswith("*") and len(word) > 1:
            out.append(Token("STAR", True, col))
            self._word(word[1:], col + 1, out)
        elif word == "*":
            out.append(Token("STAR", True, col))
        else:
            out.append(Token("WORD", word, col))


# --- parsing -----------------------------------------------------------------------------

class _Parser:
    def __init__(self, tokens: list[Token], err, database: str, max_ref: int | None):
        self.t = tokens
        self.i = 0
        self.err = err
        self.database = database
        self.vocab = VOCABULARY_OF[database]
        self.max_ref = max_ref
        self.mixed = False  # and/or/not mixed without brackets
        self.grouped: set[int] = set()

    def peek(self, kind: str | None = None, value=None) -> Token | None:
        if self.i >= len(self.t):
            return None
        tok = self.t[self.i]
        if kind and tok.kind != kind:
            return None
        if value is not None and tok.value != value:
            return None
        return tok

    def take(self) -> Token:
        tok = self.t[self.i]
        self.i += 1
        return tok

    def end_col(self) -> int:
        return (self.t[-1].col + 1) if self.t else 0

    def parse(self) -> Expr:
        if not self.t:
            self.err("the line is empty", 0)
        expr = self.or_expr()
        if self.i < len(self.t):
            tok = self.t[self.i]
            if tok.kind == "RP":
                self.err("a closing bracket has no opening one", tok.col)
            self.err(f"unexpected {tok.value!r}", tok.col)
        return expr

    def _chain(self, op: str, lower) -> Expr:
        items = [lower()]
        while self.peek("OP", op):
            self.take()
            if self.i >= len(self.t):
                self.err(f"'{op}' needs something after it", self.end_col())
            items.append(lower())
        if len(items) == 1:
            return items[0]
        flat: list[Expr] = []
        for k, it in enumerate(items):
            if isinstance(it, Bool) and id(it) not in self.grouped:
                self.mixed = self.mixed or it.op != op
            if isinstance(it, Bool) and it.op == op and (op != "not" or k == 0):
                flat.extend(it.operands)
            else:
                flat.append(it)
        return Bool(op, tuple(flat))

    def or_expr(self) -> Expr:
        return self._chain("or", self.and_expr)

    def and_expr(self) -> Expr:
        return self._chain("and", self.not_expr)

    def not_expr(self) -> Expr:
        return self._chain("not", self.adj_expr)

    def adj_expr(self) -> Expr:
        first = self.primary()
        parts = [first]
        dists: list[int | None] = []
        while (tok := self.peek("ADJ")) is not None:
            self.take()
            if self.i >= len(self.t):
                self.err("'adj' needs a term after it", self.end_col())
            dists.append(tok.value)
            parts.append(self.primary())
        if not dists:
            return first
        for p in parts:
            if isinstance(p, (Heading, Ref, Limited)):
                self.err("adj joins words or phrases, not headings or line numbers", self.t[self.i - 1].col)
        run: list[Expr] = [parts[0]]
        cur = dists[0]
        for d, p in zip(dists, parts[1:]):
            if d == cur:
                run.append(p)
            else:
                run = [Near(tuple(run), cur), p]
                cur = d
        return Near(tuple(run), cur)

    def primary(self) -> Expr:
        tok = self.peek()
        if tok is None:
            self.err("expected a term, heading or line number", self.end_col())
        if tok.kind == "LP":
            self.take()
            if self.peek("RP"):
                self.err("empty brackets", tok.col)
            inner = self.or_expr()
            if not self.peek("RP"):
                self.err("a bracket is opened here and never closed", tok.col)
            self.take()
            self.grouped.add(id(inner))
            return self._suffix(inner)
        if tok.kind == "RANGE":
            self.take()
            op, spec, col = tok.value  # type: ignore[misc]
            refs = self._range(spec, col)
            return Bool(op, tuple(Ref(n) for n in refs)) if len(refs) > 1 else Ref(refs[0])
        if tok.kind == "REF":
            self.take()
            return self._ref(tok.value, tok.col)  # type: ignore[arg-type]
        if tok.kind in ("EXP", "STAR", "WORD", "QUOTED"):
            return self.term_or_heading()
        if tok.kind == "RP":
            self.err("a closing bracket has no opening one", tok.col)
        if tok.kind == "FIELDS":
            self.err("a field suffix must follow a term or a bracket", tok.col)
        if tok.kind == "SLASH":
            self.err("'/' must follow a heading", tok.col)
        self.err(f"expected a term, heading or line number, found {tok.value!r}", tok.col)
        raise AssertionError

    def _suffix(self, expr: Expr) -> Expr:
        if (f := self.peek("FIELDS")) is not None:
            self.take()
            self._check_fields(expr, f)
            return Fielded(expr, f.value)  # type: ignore[arg-type]
        return expr

    def _check_fields(self, expr: Expr, tok: Token) -> None:
        from review.strategy.model import walk

        for node in walk(expr):
            if isinstance(node, (Heading, Ref, Limited)):
                self.err("a field suffix cannot apply to a heading or a line number", tok.col)
        for code in tok.value:  # type: ignore[union-attr]
            if not R.known_field(code, self.database):
                self.err(f"field .{code}. does not exist in {self.database}", tok.col)

    def term_or_heading(self) -> Expr:
        start = self.peek()
        explode = major = False
        if self.peek("EXP"):
            self.take(); explode = True
        if self.peek("STAR"):
            self.take(); major = True
        words: list[str] = []
        quoted = False
        while (tok := self.peek()) is not None and tok.kind in ("WORD", "QUOTED"):
            self.take()
            if tok.kind == "QUOTED":
                quoted = True
            words.append(str(tok.value))
        if not words:
            self.err("expected a heading or term after 'exp' / '*'", start.col if start else 0)
        text = " ".join(" ".join(words).split())
        if (slash := self.peek("SLASH")) is not None:
            self.take()
            name = text.rstrip(",").strip()
            if not name:
                self.err("a heading needs a name before '/'", slash.col)
            return Heading(name, explode=explode, major=major, subheadings=slash.value, vocabulary=self.vocab, quoted=quoted)  # type: ignore[arg-type]
        if explode or major:
            self.err("'exp' and '*' go before a subject heading ending in '/' (quote a heading that "
                     "contains and/or/not)", start.col)  # type: ignore[union-attr]
        if not quoted and re.fullmatch(r"\d+", text) and not self.peek("FIELDS"):
            return self._ref(int(text), start.col)  # type: ignore[union-attr]
        return self._suffix(Term(_canonical(text), quoted=quoted))

    def _ref(self, n: int, col: int) -> Ref:
        if self.max_ref is not None and not (1 <= n <= self.max_ref):
            if self.max_ref == 0:
                self.err(f"refers to line {n}, but there are no lines before this one", col)
            self.err(f"refers to line {n}, which does not exist (lines so far: 1-{self.max_ref})", col)
        return Ref(n)

    def _range(self, spec: str, col: int) -> list[int]:
        out: list[int] = []
        for part in spec.split(","):
            part = part.strip()
            if "-" in part:
                a, b = (int(x) for x in part.split("-"))
                if b < a:
                    self.err(f"range {a}-{b} runs backwards", col)
                nums = list(range(a, b + 1))
            else:
                nums = [int(part)]
            for n in nums:
                self._ref(n, col)
            out.extend(nums)
        return out


def _canonical(text: str) -> str:
    """Ovid truncation to the model's notation: ``$``/``:`` -> ``*``, ``$N`` -> ``*N``."""
    words = []
    for w in text.split(" "):
        w = re.sub(r"\$(\d)?", lambda m: "*" + (m.group(1) or ""), w)
        if w.endswith(":") and len(w) > 1:
            w = w[:-1] + "*"
        words.append(w)
    return " ".join(words)


# --- limits ------------------------------------------------------------------------------

def parse_limit_items(spec: str) -> tuple[LimitItem, ...]:
    spec = spec.strip()
    if spec.startswith("(") and spec.endswith(")"):
        spec = spec[1:-1]
    items: list[LimitItem] = []
    for part in _split_and(spec):
        p = part.strip()
        low = p.lower().strip('"')
        if m := re.fullmatch(r"(\w+) language", low):
            items.append(LimitItem("language", m.group(1)))
        elif low in ("humans", "human"):
            items.append(LimitItem("humans"))
        elif m := re.fullmatch(r'yr\s*=\s*"?\s*(\d{4})\s*-\s*(current|\d{4})\s*"?', low):
            end = "current" if m.group(2) == "current" else m.group(2)
            items.append(LimitItem("years", f"{m.group(1)}-{end}"))
        elif m := re.fullmatch(r"ed\s*=\s*(\d{8})\s*-\s*(\d{8})", low):
            items.append(LimitItem("entry_date", f"{m.group(1)}-{m.group(2)}"))
        else:
            items.append(LimitItem("raw", p))
    return tuple(items)


def _split_and(spec: str) -> list[str]:
    parts, depth, quote, cur = [], 0, False, ""
    i = 0
    while i < len(spec):
        c = spec[i]
        if c == '"':
            quote = not quote
        elif not quote and c == "(":
            depth += 1
        elif not quote and c == ")":
            depth -= 1
        if not quote and depth == 0 and spec[i:i + 5].lower() == " and ":
            parts.append(cur); cur = ""; i += 5; continue
        cur += c
        i += 1
    parts.append(cur)
    return [p for p in parts if p.strip()]


# --- public parse ------------------------------------------------------------------------

def _error_factory(line_no: int, text: str, source: str):
    def err(message: str, col: int):
        raise OvidSyntaxError(message, line=line_no, column=col + 1, text=text, source=source)
    return err


def parse_expression(text: str, database: str = "ovid-medline", *, max_ref: int | None = 0,
                     line: int = 1, source: str = "", offset: int = 0, full_text: str | None = None) -> Expr:
    """One Ovid search line (no number) as an expression."""
    return _parse_line(text, database, max_ref=max_ref, line=line, source=source, offset=offset,
                       full_text=full_text)[0]


def _parse_line(text: str, database: str, *, max_ref: int | None, line: int, source: str,
                offset: int, full_text: str | None) -> tuple[Expr, bool]:
    if database not in OVID_DATABASES:
        raise StrategyError(f"an Ovid strategy is for {', '.join(OVID_DATABASES)}, not {database!r}")
    shown = full_text if full_text is not None else text
    err = _error_factory(line, shown, source)
    text = text.translate(_QUOTES).replace('\\"', '"')
    _check_brackets(text, err, offset)
    tokens = _Lexer(text, offset, err).tokens()
    parser = _Parser(tokens, err, database, max_ref)
    expr = parser.parse()
    return expr, parser.mixed


def _check_brackets(text: str, err, offset: int) -> None:
    opened, quote = [], False
    for i, c in enumerate(text):
        if c == '"':
            quote = not quote
        elif quote:
            continue
        elif c == "(":
            opened.append(i)
        elif c == ")":
            if not opened:
                err("a closing bracket has no opening one", offset + i)
            opened.pop()
    if opened:
        err("a bracket is opened here and never closed", offset + opened[-1])


class CutLineError(OvidSyntaxError):
    """A search line cut in two (by a PDF page break or a copy): ``repaired`` is the joined line."""

    def __init__(self, message: str, *, line: int, text: str, source: str, repaired: str):
        super().__init__(message, line=line, column=1, text=text, source=source)
        self.repaired = repaired


_CONTINUES = re.compile(r"^\s*(or|and|not)\s", re.I)


def _depth(text: str) -> int:
    depth, quote = 0, False
    for c in text:
        if c == '"':
            quote = not quote
        elif not quote:
            depth += {"(": 1, ")": -1}.get(c, 0)
    return depth


def _cut_reason(previous: str, line: str) -> str | None:
    """Why ``line`` continues ``previous`` (one search line cut in two), or None.

    A search line never starts with and/or/not (``or/1-5`` does not count: it is a line of its own);
    a bracket left open at the end of a line and closed by the next line means the line was cut."""
    if _CONTINUES.match(line):
        return f"it starts with '{line.split()[0]}', which no search line starts with"
    prev_no, this_no = _NUMBERED.match(previous), _NUMBERED.match(line)
    if prev_no and this_no and int(this_no.group(1)) == int(prev_no.group(1)) + 1:
        return None  # the next numbered line: a bracket left open is that line's own error
    if _depth(previous) > 0 and _depth(previous + " " + line) == 0:
        return "the bracket left open on the line before closes here"
    return None


def _join_cut_lines(content: list[tuple[int, str]], source: str, repair: bool, warnings: list[str]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for physical, ln in content:
        if out and (why := _cut_reason(out[-1][1], ln)):
            joined = out[-1][1].rstrip() + " " + ln.strip()
            body = _COUNT.sub("", _NUMBERED.sub(lambda m: m.group(2), joined, count=1)) if _NUMBERED.match(joined) else joined
            if not repair:
                raise CutLineError(
                    f"this line looks like the end of line {out[-1][0]}, cut in two (e.g. by a PDF page break): {why}. "
                    f"Joined, the line reads: {joined.strip()}  — run again with --repair to join it", line=physical, text=ln,
                    source=source, repaired=joined.strip())
            warnings.append(f"line {len(out)} «{body.strip()[:67]}»: check: joined lines {out[-1][0]} and {physical}, "
                            f"one search line cut in two ({why})")
            out[-1] = (out[-1][0], joined)
        else:
            out.append((physical, ln))
    return out


def parse_ovid(text: str, database: str = "ovid-medline", *, source: str = "", repair: bool = False) -> Strategy:
    """An Ovid MEDLINE, Embase or PsycInfo strategy (pasted or exported) as a line-based Strategy.

    A search line cut in two (by a PDF page break) is an error (:class:`CutLineError`) naming the
    repaired line; with ``repair=True`` the two parts are joined, with a warning."""
    if database not in OVID_DATABASES:
        raise StrategyError(f"--from must be one of {', '.join(OVID_DATABASES)}, not {database!r}")
    raw_lines = text.lstrip("\ufeff").translate(_QUOTES).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # a line starting with // is a comment (the notes `review query render` prints): skipped
    content = [(k + 1, ln) for k, ln in enumerate(raw_lines)
               if ln.strip() and not _HEADER.match(ln) and not ln.lstrip().startswith("//")]
    if not content:
        raise StrategyError(f"{source or 'the strategy'}: no search lines found")
    warnings: list[str] = []
    content = _join_cut_lines(content, source, repair, warnings)
    numbered = _is_numbered([ln for _, ln in content])
    lines: list[Line] = []
    for physical, ln in content:
        number = len(lines) + 1
        body, offset = ln, 0
        if numbered:
            m = _NUMBERED.match(ln)
            assert m
            body, offset = m.group(2), m.start(2)
            body = _COUNT.sub("", body)
        err = _error_factory(physical, ln, source)
        lm = _LIMIT.match(body)
        if lm:
            ref = int(lm.group(1))
            if not 1 <= ref < number:
                err(f"limit refers to line {ref}, which does not exist (lines so far: 1-{number - 1})", offset + lm.start(1))
            expr: Expr = Limited(Ref(ref), parse_limit_items(lm.group(2)))
        else:
            expr, mixed = _parse_line(body, database, max_ref=number - 1, line=physical, source=source,
                                      offset=offset, full_text=ln)
            if mixed:
                shown = body.strip() if len(body.strip()) <= 70 else body.strip()[:67] + "..."
                warnings.append(f"line {number} «{shown}»: check: mixes and/or/not without brackets; "
                                "read as adj, then not, then and, then or")
        lines.append(Line(number=number, expr=expr, where=f"line {number}", text=body.strip()))
    return Strategy(title="", lines=lines, database=database, databases=(database,), source=source,
                    warnings=warnings)


def _is_numbered(lines: list[str]) -> bool:
    for k, ln in enumerate(lines):
        m = _NUMBERED.match(ln)
        if not m or int(m.group(1)) != k + 1:
            return False
    return True


# --- rendering ---------------------------------------------------------------------------

_OVID_RESERVED = re.compile(r"^(and|or|not|adj\d*|exp|limit|near|with|same|freq)$", re.I)


def ovid_term(text: str, quoted: bool = False) -> str:
    """A free-text term in Ovid notation (``*N`` becomes ``$N``)."""
    out = re.sub(r"\*(\d)", r"$\1", text)
    words = text.split(" ")
    needs_quotes = (
        quoted
        or any(_OVID_RESERVED.match(w) or _WORD_FIELDS.match(w) for w in words)
        or any(c in text for c in '()/[]"')
        or re.fullmatch(r"\d+", text) is not None
    )
    return f'"{out}"' if needs_quotes else out


class OvidRenderer:
    """Renders expressions for one Ovid database, collecting warnings."""

    def __init__(self, database: str, warn, source_database: str | None = None):
        if database not in OVID_DATABASES:
            raise StrategyError(f"not an Ovid database: {database!r}")
        self.database = database
        self.vocab = VOCABULARY_OF[database]
        self.warn = warn  # warn(message, match)
        self.source = source_database
        # the platforms table has the Ovid databases beyond MEDLINE and Embase (PsycInfo)
        self.platform = R.rules().get("platforms", {}).get(database)

    def _fields(self, codes: tuple[str, ...]) -> list[str]:
        out: list[str] = []
        table = (self.platform or {}).get("substitute", {})
        for code in codes:
            # a code PsycInfo has with another meaning (.tw. adds key concepts) is replaced unless
            # the strategy was written for PsycInfo itself
            if R.known_field(code, self.database) and not (code in table and self.source != self.database):
                new = [code]
            elif table:
                table = self.platform["substitute"]
                rule = table.get(code) or table["default"]
                new = list(rule["to"])
                match = R.match_of(rule, self.source)
                if match != "exact" or code not in table:
                    note = f" ({rule['note']})" if rule.get("note") else ""
                    self.warn(f"field .{code}. does not exist in {self.platform['name']}; searched as .{','.join(new)}.{note}", match)
            else:
                self.warn(f"field .{code}. does not exist in {self.database}; kept as written — check it", "different")
                new = [code]
            out.extend(c for c in new if c not in out)
        return out

    def line(self, expr: Expr, blocks: dict[str, int] | None = None) -> str:
        return self.expr(expr, blocks or {}, top=True)

    def expr(self, e: Expr, blocks: dict[str, int], top: bool = False) -> str:
        if isinstance(e, Term):
            return ovid_term(e.text, e.quoted)
        if isinstance(e, Heading):
            return self.heading(e)
        if isinstance(e, Ref):
            return str(e.number)
        if isinstance(e, BlockRef):
            return str(blocks[e.name])
        if isinstance(e, Fielded):
            fields = self._fields(e.fields)
            inner = e.expr
            body = ovid_term(inner.text, inner.quoted) if isinstance(inner, Term) else f"({self.expr(inner, blocks)})"
            return f"{body}.{','.join(fields)}."
        if isinstance(e, Near):
            if e.ordered and e.distance not in (None, 1):
                self.warn(f"Ovid adj{e.distance} cannot require word order: rendered unordered", "broader")
            op = " adj " if e.distance is None else f" adj{e.distance} "
            return op.join(self._operand(o, blocks, inside_near=True) for o in e.operands)
        if isinstance(e, Bool):
            if e.op in ("or", "and") and len(e.operands) >= 2 and all(isinstance(o, (Ref, BlockRef)) for o in e.operands):
                nums = [o.number if isinstance(o, Ref) else blocks[o.name] for o in e.operands]
                if e.op == "or" and len(nums) >= 3:
                    return f"or/{_compact(nums)}"
                return f" {e.op} ".join(str(n) for n in nums)
            parts = [self._operand(o, blocks, parent=e.op) for o in e.operands]
            return f" {e.op} ".join(parts)
        if isinstance(e, Limited):
            target = e.expr
            if isinstance(target, BlockRef):
                num = blocks[target.name]
            elif isinstance(target, Ref):
                num = target.number
            else:
                raise StrategyError("a limit applies to a numbered line")
            items = [self.limit(item) for item in e.limits]
            items = [i for i in items if i]
            spec = items[0] if len(items) == 1 else "(" + " and ".join(items) + ")"
            return f"limit {num} to {spec}"
        raise StrategyError(f"cannot render {e!r} for Ovid")

    def _operand(self, o: Expr, blocks, parent: str | None = None, inside_near: bool = False) -> str:
        text = self.expr(o, blocks)
        if isinstance(o, Bool) and (inside_near or o.op != parent or o.op == "not"):
            return f"({text})"
        if isinstance(o, Near) and (not inside_near or True) and len(o.operands) > 1:
            return f"({text})"
        if isinstance(o, Limited):
            raise StrategyError("a limit line cannot be combined inside another line")
        return text

    def heading(self, h: Heading) -> str:
        name = h.name
        if h.vocabulary != self.vocab:
            pair = R.heading_pair(name, h.vocabulary)
            if pair and pair.get(self.vocab):
                name = str(pair[self.vocab])
                match, note = R.translate_match(pair, h.vocabulary, self.vocab)
                if match != "exact":
                    self.warn(f"{h.vocabulary.upper()} heading '{h.name}' mapped to {self.vocab.title()} '{name}' ({note})".rstrip(" ()"), match)
            elif self.platform and self.platform.get("heading_fallback_fields"):
                fields = ",".join(self.platform["heading_fallback_fields"])
                text = f'"{h.name}".{fields}.'
                self.warn(f"{VOCABULARY_NAMES[h.vocabulary]} heading '{h.name}' has no {VOCABULARY_NAMES[self.vocab]} pair in the table; "
                          f"searched as the words {text} — look the concept up in the {VOCABULARY_NAMES[self.vocab]}", "different")
                return text
            else:
                self.warn(f"{h.vocabulary.upper()} heading '{h.name}' has no {self.vocab.title()} equivalent in the table; kept as written — check it in {self.vocab.title()}", "different")
        needs_quotes = h.quoted or bool(re.search(r"\b(and|or|not)\b|/", name, re.I))
        shown = f'"{name}"' if needs_quotes else name
        subs = ",".join(h.subheadings)
        return f"{'exp ' if h.explode else ''}{'*' if h.major else ''}{shown}/{subs}"

    def limit(self, item: LimitItem) -> str:
        table = R.rules()["limits"]
        if item.kind == "raw":
            return item.value
        rule = table[item.kind]
        template = self.platform["limits"].get(item.kind) if self.platform else rule.get(self.database)
        if not template:
            self.warn(f"limit {item.kind} {item.value} has no {self.database} form in the table; left out", "broader")
            return ""
        if item.kind == "years":
            start, end = item.value.split("-")
            end = rule["current"] if end == "current" else end
            return template.format(start=start, end=end)
        if item.kind == "entry_date":
            start, end = item.value.split("-")
            return template.format(start=start, end=end)
        return template.format(value=item.value)


def _compact(nums: list[int]) -> str:
    """``[1,2,3,5]`` -> ``1-3,5``."""
    out, k = [], 0
    while k < len(nums):
        j = k
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out.append(f"{nums[k]}-{nums[j]}" if j > k else str(nums[k]))
        k = j + 1
    return ",".join(out)
