"""The domain's vocabularies: one place for every fixed list of values.

Models constrain columns to these lists, importers validate against them and pages
label them through the translation helper, so each list is declared exactly once.
"""

from __future__ import annotations

SEGMENTS = ("smb", "mid_market", "enterprise")
REGIONS = ("na", "emea", "apac", "latam")

ROLES = ("admin", "manager", "csm", "exec", "viewer")

TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
TICKET_CHANNELS = ("email", "chat", "phone", "web", "social")
TICKET_STATUSES = ("new", "open", "pending", "on_hold", "solved", "closed")

# survey type -> inclusive score scale
SURVEY_SCALES: dict[str, tuple[int, int]] = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
SURVEY_TYPES = tuple(SURVEY_SCALES)

RENEWAL_STAGES = (
    "not_started",
    "outreach",
    "engaged",
    "proposal",
    "negotiation",
    "verbal_commit",
    "closed_won",
    "closed_lost",
)
DEFAULT_STAGE_PROBABILITIES: dict[str, float] = {
    "not_started": 0.5,
    "outreach": 0.55,
    "engaged": 0.6,
    "proposal": 0.7,
    "negotiation": 0.8,
    "verbal_commit": 0.9,
    "closed_won": 1.0,
    "closed_lost": 0.0,
}
FORECAST_CATEGORIES = ("pipeline", "best_case", "commit", "closed", "omitted")
RISK_LEVELS = ("low", "medium", "high")
RENEWAL_OUTCOMES = ("won", "lost")

INTERACTION_KINDS = ("call", "email", "meeting", "qbr", "note")
CONTACT_ROLES = ("champion", "decision_maker", "economic_buyer", "user", "billing")

BOARD_KINDS = ("customer_success", "tickets", "feature_requests", "bugs", "onboarding", "custom")
BOARD_TEMPLATES = ("customer_success", "onboarding", "blank")
BOARD_ROLES = ("admin", "member", "visitor")
"""Board roles, strongest first: admin (settings, members), member (cards), visitor (read)."""
WIP_MODES = ("warn", "block")
CARD_STATUSES = ("normal", "ready_to_pull", "needs_review", "on_hold")
CARD_PRIORITIES = ("low", "normal", "high", "urgent")
CARD_ACTIVITY_KINDS = (
    "created",
    "moved",
    "edited",
    "commented",
    "checklist",
    "attachment",
    "archived",
    "restored",
)
TAG_COLORS = ("gray", "red", "orange", "yellow", "green", "blue", "violet")

TARGET_DIRECTIONS = ("at_least", "at_most")
