"""Each database's strategy as it would be pasted: for the PRISMA-S log and the report pack.

PRISMA-S item 8 asks for every database's full strategy exactly as run. A strategy written once
is rendered for every database it lists (``databases:`` in the YAML): numbered lines with the
platform's own line labels (``1``, ``S1``, ``#1``) or, for PubMed and Scopus, one query per line
with the final query last. Comment lines (a block with no heading for that thesaurus) and the
warnings are kept apart from the text, so the text can be pasted as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from review.strategy.model import DATABASE_NAMES, DATABASES, Strategy
from review.strategy.render import COMMENT, line_label, render


@dataclass
class Pasted:
    target: str
    database: str  # the name a reader knows ("CINAHL (EBSCOhost)")
    lines: list[tuple[str, str]]  # (line label as the platform writes it, search)
    text: str  # what is pasted: the numbered lines, or the final query (PubMed, Scopus)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def pasted(strategy: Strategy, targets: tuple[str, ...] | None = None) -> list[Pasted]:
    """The strategy for each of ``targets`` (default: the databases the strategy lists), in
    the order of DATABASES."""
    wanted = targets or strategy.databases
    out = []
    for target in (t for t in DATABASES if t in wanted):
        r = render(strategy, target)
        text = "".join(ln + "\n" for ln in r.text.splitlines() if not ln.startswith(COMMENT))
        out.append(Pasted(target, DATABASE_NAMES[target], [(line_label(target, ln.number), ln.query) for ln in r.lines],
                          text, list(r.notes), list(r.warnings)))
    return out


def markdown(items: list[Pasted], *, source: str = "") -> str:
    """A Markdown section: each database's strategy in a fenced block, its notes and warnings."""
    out = ["## Search strategies as pasted", ""]
    if source:
        out += [f"Rendered from {source} (review query render), one database at a time.", ""]
    for p in items:
        out += [f"### {p.database}", "", "```", p.text.rstrip("\n"), "```"]
        if p.notes or p.warnings:
            out.append("")
            out += [f"- Note: {n}" for n in p.notes]
            out += [f"- Warning: {w}" for w in p.warnings if not any(w.endswith(n) for n in p.notes)]
        out.append("")
    return "\n".join(out)


__all__ = ["Pasted", "markdown", "pasted"]


def project_markdown(project) -> str:
    """The Markdown section for a project's configured strategy (``strategy:`` in review.yaml):
    "" when none is configured; one line saying why when it cannot be rendered."""
    from review.strategy.load import load_strategy
    from review.strategy.model import StrategyError

    configured = project.config.get("strategy")
    if not configured:
        return ""
    path = project.path(str(configured))
    try:
        items = pasted(load_strategy(path))
    except (StrategyError, OSError) as exc:
        return f"## Search strategies as pasted\n\nThe strategy {configured} could not be rendered: {exc}\n"
    for p in items:  # name the file as review.yaml does, not by this computer's full path
        p.warnings = [w.replace(str(path), str(configured)) for w in p.warnings]
    return markdown(items, source=str(configured))
