"""review: an offline scoping-review pipeline (search, import, dedup, dual screening, charting, PRISMA)."""

from review.records import Record

__version__ = "0.1.0"
__all__ = ["Record", "__version__"]
