"""Reports computed from the store, one module each:

- ``prisma``: the PRISMA 2020 counts (pure), their arithmetic check, the R/Shiny CSV;
- ``diagram``: the flow diagram (SVG; PNG/PDF through CairoSVG);
- ``charting``: the data-charting table and its exports (CSV, XLSX, DOCX, Markdown);
- ``decisions``: the records with their screening decisions (RIS, CSV);
- ``methods``: the methods facts and the draft methods section;
- ``checklist``: the PRISMA-ScR reporting checklist, pre-filled from the methods facts;
- ``pack``: the report pack, everything above in one Word document;
- ``tables``: the table writers they share (CSV, Markdown, XLSX, DOCX).

The names most callers need are importable from here.
"""

from review.reporting.charting import ChartExport, chart_table, export_extraction
from review.reporting.checklist import checklist_csv, checklist_markdown, checklist_rows, write_checklist_docx
from review.reporting.decisions import (
    RECORD_CSV_COLUMNS,
    RecordDecisions,
    export_records,
    gather_record_decisions,
    records_csv,
    to_ris,
)
from review.reporting.diagram import png_bytes, render_svg, write_diagram
from review.reporting.methods import MethodsFacts, SearchFact, StrategyFact, gather_methods_facts, methods_text
from review.reporting.pack import Pack, gather_pack, write_pack
from review.reporting.prisma import (
    PrismaArithmeticError,
    PrismaCounts,
    ScreeningUnfinishedError,
    check_arithmetic,
    draft_note,
    prisma_counts,
    prisma_text,
    to_r_csv,
)
from review.reporting.tables import ExportError, to_csv, to_markdown, write_docx, write_xlsx

__all__ = [
    "RECORD_CSV_COLUMNS", "ChartExport", "ExportError", "MethodsFacts", "Pack", "PrismaArithmeticError", "PrismaCounts",
    "RecordDecisions", "ScreeningUnfinishedError", "SearchFact", "StrategyFact", "chart_table",
    "check_arithmetic", "checklist_csv", "checklist_markdown", "checklist_rows", "draft_note",
    "export_extraction", "export_records", "gather_methods_facts", "gather_pack",
    "gather_record_decisions", "methods_text", "png_bytes", "prisma_counts", "prisma_text",
    "records_csv", "render_svg", "to_csv", "to_markdown", "to_r_csv", "to_ris", "write_checklist_docx",
    "write_diagram", "write_docx", "write_pack", "write_xlsx",
]
