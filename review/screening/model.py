"""Screening's vocabulary: stages, decisions, errors and the plain dataclasses the API returns."""

from __future__ import annotations

from dataclasses import dataclass, field

from review.errors import ReviewError

STAGES = ("title_abstract", "full_text")
DECISIONS = ("include", "exclude", "maybe")
FINAL_DECISIONS = ("include", "exclude")
ROLES = ("reviewer", "lead")
RESOLUTION_MODES = ("lead", "pair")
ORDERS = ("random", "relevance")  # screening.order: the queue order of title/abstract records
FULLTEXT_KINDS = ("pdf", "link", "not_retrieved")

STAGE_LABELS = {"title_abstract": "title/abstract", "full_text": "full text"}


class ScreeningError(ReviewError):
    """A user-facing screening failure; the message says what to do."""


class NotAllowedError(ScreeningError):
    """The reviewer may not do this (revoked, unknown, or not the lead)."""


class SessionEndedError(ReviewError):
    """A write from an app session that is no longer live (signed out, expired, revoked or
    re-issued token): nothing was stored; the reviewer must sign in again. Not a
    ``ScreeningError``: a page showing rule errors beside a form must not swallow it; the app
    answers it with the sign-in page."""


class VoteRefusedError(ScreeningError):
    """A vote on a record that no longer needs this reviewer's vote (it has its votes
    already); nothing was stored. ``record_id`` names the record."""

    def __init__(self, message: str, record_id: int, stage: str) -> None:
        super().__init__(message)
        self.record_id = record_id
        self.stage = stage


@dataclass(frozen=True)
class Reviewer:
    name: str
    role: str  # "reviewer" | "lead"
    active: bool


@dataclass(frozen=True)
class Vote:
    id: int
    record_id: int
    reviewer: str
    stage: str
    decision: str
    reason: str  # "" when none
    note: str
    criteria_version: int
    at: str  # ISO timestamp


@dataclass(frozen=True)
class Progress:
    stage: str
    total: int  # records in the stage
    mine: int  # records I have voted on
    partner_counts: dict[str, int] = field(default_factory=dict)  # other reviewers' vote counts only
    open_conflicts: int = 0
    decided: int = 0  # records with a final decision


@dataclass(frozen=True)
class Conflict:
    record_id: int
    stage: str
    votes: list[Vote]


@dataclass(frozen=True)
class FinalDecision:
    record_id: int
    stage: str
    decision: str  # "include" | "exclude"
    reason: str  # exclusion reason ("" for include)
    how: str  # "agreement" | "resolution"


@dataclass(frozen=True)
class FullText:
    record_id: int
    kind: str  # "pdf" | "link" | "not_retrieved"
    location: str  # path relative to the project root, or URL; "" for not_retrieved
    reason: str  # for not_retrieved
    by: str
    at: str


def check_stage(stage: str) -> str:
    if stage not in STAGES:
        raise ScreeningError(f"unknown stage {stage!r}: use one of {', '.join(STAGES)}")
    return stage


def check_decision(decision: str, allowed: tuple[str, ...] = DECISIONS) -> str:
    if not decision:
        raise ScreeningError(f"no decision chosen: choose {' or '.join(allowed)}")
    if decision not in allowed:
        raise ScreeningError(f"unknown decision {decision!r}: use one of {', '.join(allowed)}")
    return decision
