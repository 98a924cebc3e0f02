"""The PRISMA 2020 flow diagram, drawn by us as SVG (PNG and PDF through cairosvg).

Layout (PRISMA 2020 statement, Page et al. BMJ 2021;372:n71, figure 1, "new reviews which
included searches of databases, registers and other sources"): phase bars on the left
(Identification, Screening, Included); the databases-and-registers column with its exclusion
boxes to the right of each step; the other-methods column (drawn only when records came from
other methods) joining the included box.

The drawing is pure: ``render_svg(PrismaCounts) -> str``. Every numbered box is an SVG group
with ``id="box-<name>"`` (names as ``PrismaCounts.box_numbers``) so tests and readers can
find a box's number. The SVG's physical width fits A4 portrait (190 mm printable) with body
text of at least 8 pt.

A draft (counts with records still awaiting a decision, ``PrismaCounts.is_draft``) is drawn
with the boxes awaiting a decision (dashed, under the exclusion box of their step), a red
DRAFT banner above the headers saying what awaits a decision (``id="draft-banner"``) and a
faint DRAFT watermark across the figure (``id="draft-watermark"``), so that no copy of it,
SVG, PNG or PDF, can pass for the final figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from review.reporting.prisma import OTHER_SOURCE_LABELS, PrismaCounts, awaiting_text, update_notes

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
FONT_SIZE = 16.0  # user units; at A4 width this prints at about 8 pt (see smallest_font_pt)
LINE = FONT_SIZE * 1.3
PAD = 9.0
CHAR_WIDTH = 0.53  # average glyph width / font size (DejaVu Sans, mixed case; measured)
A4_PRINTABLE_MM = 190.0

COLOURS = {
    "phase": "#a7c4e5",  # the PRISMA blue side bars
    "databases": "#ffc000",  # yellow header: databases and registers
    "other": "#d9d9d9",  # grey header: other methods
    "box": "#ffffff",
    "stroke": "#000000",
    "draft": "#c00000",  # the DRAFT banner and watermark
}

# Column x positions and widths (user units).
MARGIN = 10.0
PHASE_W = 34.0
GAP = 14.0
MAIN_W = 250.0
ARROW_GAP = 38.0
EXCL_W = 230.0
COLUMN_GAP = 30.0
OTHER_MAIN_W = 210.0
OTHER_EXCL_W = 200.0
STACK_GAP = 14.0  # between an exclusion box and the awaiting box under it

# exclusion box -> the box awaiting a decision drawn under it, and the main box it hangs from
AWAITING_BOXES = {
    "records_excluded": ("records_pending", "records_screened"),
    "dbr_excluded": ("dbr_pending", "dbr_assessed"),
    "other_removed": ("other_screening_pending", "other_results"),
    "other_excluded": ("other_pending", "other_assessed"),
}


def fmt(n: int) -> str:
    """A box number as printed: thousands separated by commas (PRISMA's own style)."""
    return f"{n:,}"


NBSP = "\u00a0"


def wrap(text: str, width: float, size: float = FONT_SIZE, char_width: float = CHAR_WIDTH) -> list[str]:
    """Greedy word wrap to a box ``width`` (user units) at font ``size``.

    Only plain spaces break a line: "(n = 12)" is written with no-break spaces and stays whole.
    """
    max_chars = max(8, int((width - 2 * PAD) / (size * char_width)))
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words = [w for w in paragraph.split(" ") if w]
        if not words:
            lines.append("")
            continue
        line = ""
        for word in words:
            candidate = f"{line} {word}".strip()
            if len(candidate) <= max_chars or not line:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return [line.replace(NBSP, " ") for line in lines]


@dataclass
class Box:
    name: str  # id suffix; "" for an unnamed box
    x: float
    y: float
    w: float
    lines: list[tuple[str, bool]]  # (text, indented)
    fill: str = COLOURS["box"]
    bold_first: bool = False
    dashed: bool = False  # a box awaiting a decision (drafts only)
    h: float = 0.0

    def measure(self) -> float:
        self.h = 2 * PAD + LINE * max(1, len(self.lines))
        return self.h


def _lines(items: list[str | tuple[str, bool]], width: float) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for item in items:
        text, indent = (item, False) if isinstance(item, str) else item
        for i, line in enumerate(wrap(text, width - (16 if indent else 0))):
            out.append((line, indent))
    return out


def _count_line(label: str, n: int) -> str:
    return f"{label}{NBSP}(n{NBSP}={NBSP}{fmt(n)})"


def _box_svg(box: Box) -> str:
    parts = [f'<g id="box-{escape(box.name)}">' if box.name else "<g>"]
    parts.append(
        f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" height="{box.h:.1f}" '
        f'fill="{box.fill}" stroke="{COLOURS["stroke"]}" stroke-width="1.2"'
        + (' stroke-dasharray="6 4"' if box.dashed else "")
        + "/>"
    )
    y = box.y + PAD + FONT_SIZE
    for i, (line, indent) in enumerate(box.lines):
        x = box.x + PAD + (16 if indent else 0)
        weight = ' font-weight="bold"' if box.bold_first and i == 0 else ""
        parts.append(f'<text x="{x:.1f}" y="{y:.1f}"{weight}>{escape(line)}</text>')
        y += LINE
    parts.append("</g>")
    return "".join(parts)


def _arrow(x1: float, y1: float, x2: float, y2: float) -> str:
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#000" '
        'stroke-width="1.4" marker-end="url(#arrow)"/>'
    )


def _phase(label: str, x: float, y: float, h: float) -> str:
    cx, cy = x + PHASE_W / 2, y + h / 2
    return (
        f'<g id="phase-{label.lower()}"><rect x="{x:.1f}" y="{y:.1f}" width="{PHASE_W:.1f}" '
        f'height="{h:.1f}" rx="6" fill="{COLOURS["phase"]}" stroke="#000" stroke-width="1"/>'
        f'<text x="{cx:.1f}" y="{cy:.1f}" font-weight="bold" text-anchor="middle" '
        f'dominant-baseline="central" transform="rotate(-90 {cx:.1f} {cy:.1f})">{label}</text></g>'
    )


def render_svg(c: PrismaCounts, *, title: str = "") -> str:
    """The PRISMA 2020 flow diagram of ``c`` as an SVG document (check the counts first)."""
    other = c.has_other_column
    x_phase = MARGIN
    x_main = x_phase + PHASE_W + GAP
    x_excl = x_main + MAIN_W + ARROW_GAP
    x_other = x_excl + EXCL_W + COLUMN_GAP
    x_other_excl = x_other + OTHER_MAIN_W + ARROW_GAP
    width = (x_other_excl + OTHER_EXCL_W if other else x_excl + EXCL_W) + MARGIN

    # --- box contents ---
    ident_items: list[str | tuple[str, bool]] = ["Records identified from:"]
    ident_items.append(_count_line("Databases", c.database_results))
    for name, n in c.database_specific_results.items():
        ident_items.append((_count_line(name, n), True))
        ident_items += [(note[:1].upper() + note[1:], True) for note in update_notes(c, name)]
    if c.register_specific_results:
        ident_items.append(_count_line("Registers", c.register_results))
        for name, n in c.register_specific_results.items():
            ident_items.append((_count_line(name, n), True))
    removed_items: list[str | tuple[str, bool]] = [
        "Records removed before screening:",
        (_count_line("Duplicate records removed", c.duplicates), True),
        (_count_line("Records marked as ineligible by automation tools", c.excluded_automatic), True),
        (_count_line("Records removed for other reasons", c.excluded_other), True),
    ]
    reasons = [(_count_line(r, n), True) for r, n in c.dbr_excluded.items()]
    boxes: dict[str, Box] = {}

    def add(name: str, x: float, w: float, items: list, **kw) -> Box:
        box = Box(name=name, x=x, y=0.0, w=w, lines=_lines(items, w), **kw)
        box.measure()
        boxes[name] = box
        return box

    add("database_results", x_main, MAIN_W, ident_items)
    add("duplicates", x_excl, EXCL_W, removed_items)
    if c.records_pending:  # a draft: never "Records screened (n = all)" before they are
        screened_items: list = [_count_line("Records screened so far", c.records_screened_so_far),
                                _count_line("Records awaiting screening", c.records_pending)]
    else:
        screened_items = [_count_line("Records screened", c.records_screened)]
    add("records_screened", x_main, MAIN_W, screened_items)
    add("records_excluded", x_excl, EXCL_W, [_count_line("Records excluded", c.records_excluded)])
    add("dbr_sought_reports", x_main, MAIN_W, [_count_line("Reports sought for retrieval", c.dbr_sought_reports)])
    add("dbr_notretrieved_reports", x_excl, EXCL_W, [_count_line("Reports not retrieved", c.dbr_notretrieved_reports)])
    add("dbr_assessed", x_main, MAIN_W, [_count_line("Reports assessed for eligibility", c.dbr_assessed)])
    add("dbr_excluded", x_excl, EXCL_W, [_count_line("Reports excluded", sum(c.dbr_excluded.values())) + (":" if reasons else ""), *reasons])
    add(
        "new_studies",
        x_main,
        MAIN_W,
        [_count_line("Studies included in review", c.new_studies), _count_line("Reports of included studies", c.new_reports)],
    )
    waiting = c.awaiting()
    awaiting_labels = {
        "records_pending": "Records awaiting a title/abstract decision",
        "dbr_pending": "Reports awaiting a full-text decision",
        "other_screening_pending": "Records awaiting a title/abstract decision",
        "other_pending": "Reports awaiting a full-text decision",
    }
    if other:
        other_items: list[str | tuple[str, bool]] = ["Records identified from:"]
        for source, n in c.other_specific_results.items():
            other_items.append((_count_line(OTHER_SOURCE_LABELS.get(source, source), n), True))
        add("other_results", x_other, OTHER_MAIN_W, other_items)
        add(
            "other_removed",
            x_other_excl,
            OTHER_EXCL_W,
            [
                "Records removed before retrieval:",
                (_count_line("Already identified (duplicates)", c.other_removed), True),
                (_count_line("Excluded on title and abstract", c.other_screened_excluded), True),
            ],
        )
        add("other_sought_reports", x_other, OTHER_MAIN_W, [_count_line("Reports sought for retrieval", c.other_sought_reports)])
        add("other_notretrieved_reports", x_other_excl, OTHER_EXCL_W, [_count_line("Reports not retrieved", c.other_notretrieved_reports)])
        add("other_assessed", x_other, OTHER_MAIN_W, [_count_line("Reports assessed for eligibility", c.other_assessed)])
        other_reasons = [(_count_line(r, n), True) for r, n in c.other_excluded.items()]
        add(
            "other_excluded",
            x_other_excl,
            OTHER_EXCL_W,
            [_count_line("Reports excluded", sum(c.other_excluded.values())) + (":" if other_reasons else ""), *other_reasons],
        )

    for excl, (name, _main) in AWAITING_BOXES.items():
        if name in waiting and excl in boxes:
            box = boxes[excl]
            add(name, box.x, box.w, [_count_line(awaiting_labels[name], waiting[name])], dashed=True)

    # --- rows: each row's height is its tallest box; boxes in a row share the top edge ---
    # (an awaiting box hangs under its exclusion box and counts towards the row's height)
    rows = [
        ["database_results", "duplicates", "other_results", "other_removed"],
        ["records_screened", "records_excluded"],
        ["dbr_sought_reports", "dbr_notretrieved_reports", "other_sought_reports", "other_notretrieved_reports"],
        ["dbr_assessed", "dbr_excluded", "other_assessed", "other_excluded"],
        ["new_studies"],
    ]
    title_h = 34.0 if title else 0.0
    banner_lines: list[str] = []
    if waiting:
        banner_lines = ["DRAFT: screening is not finished. Not the final figure."] + wrap(
            f"So far: {awaiting_text(c)}.", width - 2 * MARGIN
        )
    banner_h = (2 * PAD + LINE * len(banner_lines) + 14.0) if banner_lines else 0.0
    banner_y = MARGIN + title_h
    header_y = MARGIN + title_h + banner_h
    header_lines = wrap("Identification of new studies via databases and registers", x_excl + EXCL_W - x_main, 15, 0.66)
    other_lines = wrap("Identification of new studies via other methods", x_other_excl + OTHER_EXCL_W - x_other, 15, 0.66)
    header_h = 16.0 + 18.0 * max(len(header_lines), len(other_lines) if other else 1)
    y = header_y + header_h + 24.0
    row_top: list[float] = []
    row_h: list[float] = []

    def hanging(b: Box) -> Box | None:
        return boxes.get(AWAITING_BOXES.get(b.name, ("", ""))[0])

    def extent(b: Box) -> float:
        below = hanging(b)
        return b.h + (STACK_GAP + below.h if below else 0.0)

    for row in rows:
        present = [boxes[n] for n in row if n in boxes]
        h = max(extent(b) for b in present)
        for b in present:
            b.y = y
            below = hanging(b)
            if below:
                below.y = y + b.h + STACK_GAP
            if b.name in ("records_screened", "dbr_sought_reports", "dbr_assessed", "new_studies", "database_results", "other_results", "other_sought_reports", "other_assessed"):
                b.h = h  # main-column boxes fill the row so arrows line up
        row_top.append(y)
        row_h.append(h)
        y += h + 34.0
    height = y - 34.0 + MARGIN

    out: list[str] = []
    # headers
    out.append(
        f'<g id="header-databases"><rect x="{x_main:.1f}" y="{header_y:.1f}" width="{x_excl + EXCL_W - x_main:.1f}" '
        f'height="{header_h:.1f}" rx="8" fill="{COLOURS["databases"]}" stroke="#000"/>'
        + "".join(
            f'<text x="{(x_main + x_excl + EXCL_W) / 2:.1f}" y="{header_y + 19 + i * 18:.1f}" font-weight="bold" text-anchor="middle">{escape(t)}</text>'
            for i, t in enumerate(header_lines)
        )
        + "</g>"
    )
    if other:
        out.append(
            f'<g id="header-other"><rect x="{x_other:.1f}" y="{header_y:.1f}" width="{x_other_excl + OTHER_EXCL_W - x_other:.1f}" '
            f'height="{header_h:.1f}" rx="8" fill="{COLOURS["other"]}" stroke="#000"/>'
            + "".join(
                f'<text x="{(x_other + x_other_excl + OTHER_EXCL_W) / 2:.1f}" y="{header_y + 19 + i * 18:.1f}" font-weight="bold" text-anchor="middle">{escape(t)}</text>'
                for i, t in enumerate(other_lines)
            )
            + "</g>"
        )
    # phase bars
    out.append(_phase("Identification", x_phase, row_top[0], row_h[0]))
    out.append(_phase("Screening", x_phase, row_top[1], row_top[3] + row_h[3] - row_top[1]))
    out.append(_phase("Included", x_phase, row_top[4], row_h[4]))
    for box in boxes.values():
        out.append(_box_svg(box))

    # arrows: down the main columns, right to the exclusion boxes
    def down(a: str, b: str) -> None:
        ba, bb = boxes[a], boxes[b]
        cx = ba.x + ba.w / 2
        out.append(_arrow(cx, ba.y + ba.h, cx, bb.y - 2))

    def right(a: str, b: str) -> None:
        ba, bb = boxes[a], boxes[b]
        cy = ba.y + min(ba.h, bb.h) / 2
        out.append(_arrow(ba.x + ba.w, cy, bb.x - 2, cy))

    for a, b in (("database_results", "records_screened"), ("records_screened", "dbr_sought_reports"),
                 ("dbr_sought_reports", "dbr_assessed"), ("dbr_assessed", "new_studies")):
        down(a, b)
    for a, b in (("database_results", "duplicates"), ("records_screened", "records_excluded"),
                 ("dbr_sought_reports", "dbr_notretrieved_reports"), ("dbr_assessed", "dbr_excluded")):
        right(a, b)
    if other:
        down("other_results", "other_sought_reports")
        down("other_sought_reports", "other_assessed")
        for a, b in (("other_results", "other_removed"), ("other_sought_reports", "other_notretrieved_reports"),
                     ("other_assessed", "other_excluded")):
            right(a, b)
        # from the other column's assessed box down and left into the included box
        oa, inc = boxes["other_assessed"], boxes["new_studies"]
        cx = oa.x + oa.w / 2
        cy = inc.y + inc.h / 2
        out.append(
            f'<polyline points="{cx:.1f},{oa.y + oa.h:.1f} {cx:.1f},{cy:.1f} {inc.x + inc.w + 2:.1f},{cy:.1f}" '
            'fill="none" stroke="#000" stroke-width="1.4" marker-end="url(#arrow)"/>'
        )
    for name, main in AWAITING_BOXES.values():
        if name in boxes:
            bm, bw = boxes[main], boxes[name]
            cy = bw.y + bw.h / 2
            out.append(_arrow(bm.x + bm.w, cy, bw.x - 2, cy))
    if banner_lines:
        out.insert(0, _draft_banner(banner_lines, MARGIN, banner_y, width - 2 * MARGIN, banner_h - 14.0))
        out.append(_draft_watermark(width, height, header_y))
    if title:
        out.insert(0, f'<text x="{width / 2:.1f}" y="{MARGIN + 20:.1f}" font-size="18" font-weight="bold" text-anchor="middle">{escape(title)}</text>')

    w_mm, h_mm = physical_size(width, height)
    svg_title = "PRISMA 2020 flow diagram" + (" (DRAFT: screening not finished)" if waiting else "")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w_mm:.1f}mm" height="{h_mm:.1f}mm" '
        f'viewBox="0 0 {width:.1f} {height:.1f}" font-family="{FONT}" font-size="{FONT_SIZE}">\n'
        f"<title>{svg_title}</title>\n"
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#000"/>'
        "</marker></defs>\n"
        f'<rect width="{width:.1f}" height="{height:.1f}" fill="#ffffff"/>\n'
        + "\n".join(out)
        + "\n</svg>\n"
    )


def _draft_banner(lines: list[str], x: float, y: float, w: float, h: float) -> str:
    """The red DRAFT box above the headers: what awaits a decision."""
    parts = [
        f'<g id="draft-banner"><rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
        f'fill="#ffffff" stroke="{COLOURS["draft"]}" stroke-width="2.4"/>'
    ]
    ty = y + PAD + FONT_SIZE
    for i, line in enumerate(lines):
        weight = ' font-weight="bold"' if i == 0 else ""
        parts.append(
            f'<text x="{x + w / 2:.1f}" y="{ty:.1f}" text-anchor="middle" fill="{COLOURS["draft"]}"'
            f"{weight}>{escape(line)}</text>"
        )
        ty += LINE
    parts.append("</g>")
    return "".join(parts)


def _draft_watermark(width: float, height: float, top: float) -> str:
    """A large, faint "DRAFT" across the boxes (drawn over them, faint enough to read through)."""
    cx, cy = width / 2, top + (height - top) / 2
    return (
        f'<text id="draft-watermark" x="{cx:.1f}" y="{cy:.1f}" font-size="{width / 5:.0f}" '
        f'font-weight="bold" text-anchor="middle" dominant-baseline="central" '
        f'fill="{COLOURS["draft"]}" fill-opacity="0.14" transform="rotate(-30 {cx:.1f} {cy:.1f})">DRAFT</text>'
    )


def physical_size(width: float, height: float) -> tuple[float, float]:
    """Width and height in mm: A4's printable width at most, so text stays >= 7 pt."""
    scale = min(A4_PRINTABLE_MM / width, 0.26)
    return width * scale, height * scale


def smallest_font_pt(svg_width_units: float) -> float:
    """The body text size in points once the diagram is printed at its physical size."""
    w_mm, _ = physical_size(svg_width_units, 1.0)
    return FONT_SIZE * (w_mm / svg_width_units) / 25.4 * 72


def write_diagram(svg: str, path: str | Path, *, dpi: int = 300) -> Path:
    """Write ``svg`` as .svg, .png or .pdf (by the file's suffix)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".svg":
        path.write_text(svg, encoding="utf-8")
        return path
    if suffix not in (".png", ".pdf"):
        raise ValueError(f"{path}: the diagram can be written as .svg, .png or .pdf, not {suffix or 'no suffix'!r}")
    if suffix == ".png":
        path.write_bytes(png_bytes(svg, dpi=dpi))
        return path
    import cairosvg  # imported here: only PNG/PDF need the cairo library

    cairosvg.svg2pdf(bytestring=svg.encode("utf-8"), write_to=str(path))
    return path


def png_bytes(svg: str, *, dpi: int = 300) -> bytes:
    """``svg`` as a PNG image (``dpi`` at the SVG's physical size), e.g. to put in a document."""
    import cairosvg  # imported here: only PNG/PDF need the cairo library

    return cairosvg.svg2png(bytestring=svg.encode("utf-8"), dpi=dpi)
