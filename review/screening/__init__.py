"""Blind dual screening: reviewers, criteria, votes and queues, conflicts and resolutions,
full texts, agreement, decisions as data. No Streamlit here: ``screening_app`` only draws
what these functions return, and the rules (who may see what, when a record is in
conflict, what is final) live here alone.

Write functions take an ``sa.Engine`` and run their own transaction (retried when a
concurrent writer wins a race); read functions take an ``sa.Connection``.
"""

from review.screening.agreement import Agreement, agreement, cohen_kappa, format_ci, pabak, percent_agreement
from review.screening.criteria import Criteria, criteria_for_project, criteria_from_config, default_criteria
from review.screening.decide import (
    conflicts,
    conflicts_for,
    final_decisions,
    included_record_ids,
    may_resolve,
    record_outcome,
    resolve_conflict,
    stage_outcomes,
)
from review.screening.exchange import COLUMNS, decisions_csv, export_decisions, import_decisions, resolve_record
from review.screening.fulltext import (
    attach_link,
    attach_pdf,
    fulltext_of,
    fulltexts,
    mark_not_retrieved,
    not_retrieved,
    sanitise_filename,
)
from review.screening.model import (
    DECISIONS,
    STAGES,
    Conflict,
    FinalDecision,
    FullText,
    NotAllowedError,
    Progress,
    Reviewer,
    ScreeningError,
    Vote,
)
from review.screening.pilot import JBI_AGREEMENT, PilotStatus, completed_pairs, pilot_agreement, pilot_status, reaches_jbi
from review.screening.queue import ORDERS, freeze_pilot, next_record_id, pilot_ids, pilot_left, prepare_queue, progress, queue
from review.screening.ranking import prioritisation_used, ranking_due
from review.screening.reviewers import add_reviewer, authenticate, get_reviewer, list_reviewers, revoke_reviewer
from review.screening.settings import ScreeningSettings, StopRule, screening_settings
from review.screening.claims import claim_next, current_claim
from review.screening.model import SessionEndedError, VoteRefusedError
from review.screening.visibility import ReviewerProgress, reviewer_progress, sees_outcomes, stage_finished
from review.screening.votes import cast_vote, last_vote, my_vote_on, my_votes, stage_record_ids, undo_last_vote, undo_vote
from review.screening.stoprule import (
    CannotStopError,
    StopRecord,
    StopRuleChangedError,
    check_stop_registration,
    stop_check,
    stop_record,
    stop_stage,
    stopped_ids,
)
from review.screening.stopping import StoppingEstimate, estimates, stopping_estimate

__all__ = [
    "COLUMNS", "DECISIONS", "JBI_AGREEMENT", "ORDERS", "STAGES",
    "Agreement", "Conflict", "Criteria", "FinalDecision", "FullText", "NotAllowedError",
    "PilotStatus", "Progress", "Reviewer", "ScreeningError", "ScreeningSettings", "Vote",
    "add_reviewer", "agreement", "attach_link", "attach_pdf", "authenticate", "cast_vote",
    "cohen_kappa", "conflicts", "format_ci", "conflicts_for", "criteria_for_project", "criteria_from_config",
    "decisions_csv", "default_criteria", "export_decisions", "final_decisions", "fulltext_of", "included_record_ids",
    "fulltexts", "get_reviewer", "import_decisions", "list_reviewers", "mark_not_retrieved",
    "may_resolve", "my_vote_on", "my_votes", "next_record_id", "not_retrieved", "pabak",
    "percent_agreement", "completed_pairs", "pilot_agreement", "freeze_pilot", "pilot_ids", "pilot_left", "pilot_status",
    "prepare_queue", "reaches_jbi", "prioritisation_used", "progress", "ranking_due", "queue", "record_outcome",
    "resolve_conflict", "resolve_record", "revoke_reviewer", "sanitise_filename",
    "screening_settings", "stage_outcomes", "stage_record_ids", "undo_last_vote",
    "ReviewerProgress", "reviewer_progress", "sees_outcomes", "stage_finished",
    "SessionEndedError", "VoteRefusedError", "claim_next", "current_claim", "last_vote", "undo_vote",
    "CannotStopError", "StopRecord", "StopRule", "StopRuleChangedError", "StoppingEstimate",
    "check_stop_registration", "estimates", "stop_check", "stop_record", "stop_stage", "stopped_ids",
    "stopping_estimate",
]
