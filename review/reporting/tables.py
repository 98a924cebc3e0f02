"""Table writers for the paper: CSV, Markdown (pipe table), XLSX (one sheet per table) and
DOCX (A4, landscape for wide tables). A table is headers plus rows of strings; the writers
only write (building the tables is the other reporting modules' job)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from review.errors import ReviewError


class ExportError(ReviewError):
    """An export that cannot be written as asked (message says why)."""


def to_csv(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue()


def to_markdown(headers: Sequence[str], rows: Sequence[Sequence[str]], *, title: str = "") -> str:
    """A GitHub/Pandoc pipe table (pipes escaped, line breaks as <br>)."""

    def cell(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").replace("\n", "<br>")

    lines = [f"# {title}", ""] if title else []
    lines.append("| " + " | ".join(cell(h) for h in headers) + " |")
    lines.append("|" + "|".join(" --- " for _ in headers) + "|")
    for row in rows:
        lines.append("| " + " | ".join(cell(c) for c in row) + " |")
    return "\n".join(lines) + "\n"


def write_xlsx(path: Path, sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[str]]]]) -> Path:
    """Workbook with one sheet per (name, headers, rows): bold frozen header, wrapped text."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    for name, headers, rows in sheets:
        ws = wb.create_sheet(title=name[:31])
        ws.append(list(headers))
        for c in ws[1]:
            c.font = Font(bold=True)
        for row in rows:
            ws.append(list(row))
            for c in ws[ws.max_row]:
                if isinstance(c.value, str) and c.value.startswith("="):
                    c.data_type = "s"  # text that looks like a formula stays text
        ws.freeze_panes = "A2"
        for i, header in enumerate(headers, start=1):
            longest = max([len(str(header))] + [len(str(r[i - 1])) for r in rows] or [10])
            ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, longest + 2))
        for row in ws.iter_rows(min_row=2):
            for c in row:
                c.alignment = Alignment(wrap_text=True, vertical="top")
    wb.save(path)
    return path


def set_page(section: Any, *, landscape: bool) -> Any:
    """Make a python-docx ``section`` an A4 page (landscape for wide tables), 15 mm margins."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))
    return section


def add_docx_table(doc: Any, headers: Sequence[str], rows: Sequence[Sequence[str]], *, title: str = "",
                   note: str = "", intro: str = "", heading_level: int = 1) -> Any:
    """Add to the python-docx Document ``doc``: the title (a heading), ``intro`` (bold), the
    table (bold header row, 8 pt, Table Grid) and ``note`` below it. A line break in a cell
    stays a line break. Returns the table."""
    from docx.shared import Pt

    if title:
        doc.add_heading(title, level=heading_level)
    if intro:
        doc.add_paragraph().add_run(intro).bold = True
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.size = Pt(8)
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = ""
            run = cell.paragraphs[0].add_run(text)
            run.font.size = Pt(8)
    if note:
        doc.add_paragraph(note)
    return table


def write_docx(path: Path, headers: Sequence[str], rows: Sequence[Sequence[str]], *, title: str = "", note: str = "",
               intro: str = "") -> Path:
    """A landscape A4 Word document holding the table, ready to paste into the paper: the
    title, ``intro`` (bold, above the table), the table, ``note`` (below it). A line break in
    a cell stays a line break."""
    from docx import Document

    doc = Document()
    set_page(doc.sections[0], landscape=True)
    add_docx_table(doc, headers, rows, title=title, note=note, intro=intro)
    doc.save(path)
    return path
