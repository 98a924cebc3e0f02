"""Search strategies: one model, rendered for PubMed, Ovid MEDLINE, Ovid Embase and in plain words.

    from review.strategy import load_strategy, render, search_lines, highlight_terms
    s = load_strategy("queries/mentoring-medical-students.yaml")
    render(s, "ovid-medline").text          # numbered Ovid lines
    search_lines(s, "pubmed")[-1].query      # the final PubMed query, limits included
    render(parse_pubmed(text), "ovid-medline")  # a PubMed query or history, for Ovid
"""

from review.strategy.highlight import highlight_terms
from review.strategy.load import load_strategy, strategy_from_yaml
from review.strategy.model import DATABASES, TARGETS, OvidSyntaxError, Strategy, StrategyError
from review.strategy.ovid import parse_ovid
from review.strategy.pubmed_parse import parse_pubmed
from review.strategy.render import Rendered, SearchLine, render, search_lines

__all__ = [
    "DATABASES",
    "TARGETS",
    "OvidSyntaxError",
    "Rendered",
    "SearchLine",
    "Strategy",
    "StrategyError",
    "highlight_terms",
    "load_strategy",
    "parse_ovid",
    "parse_pubmed",
    "render",
    "search_lines",
    "strategy_from_yaml",
]
