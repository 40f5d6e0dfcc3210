"""Deterministic synthetic demo data at scales S, M and L.

The same seed, scale and ``today`` give the same rows on SQLite and PostgreSQL: every table
draws from its own ``random.Random`` stream (seeded from the seed and the stream's name), ids
are explicit, and nothing reads the clock except the ``today`` default.

The data runs up to the start of ``today`` (00:00 UTC): tickets created in the last days are
still open, renewals due after ``today`` are open in the pipeline, and those due on or before it
are closed. Rows are written with Core ``executemany`` in batches, streamed so that memory
stays bounded at scale L, inside one transaction per run.
"""

from __future__ import annotations

import bisect
import math
import random
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import bcrypt
import numpy as np
from sqlalchemy import Connection, Engine, Integer, Table, delete, func, insert, select

from cs_data import audit, demo_boards, demo_health, demo_renewals, domain, users
from cs_data.auth import Actor, ensure
from cs_data.config import DEFAULT_SLA_FIRST_RESPONSE_MINUTES, DEFAULT_SLA_RESOLUTION_MINUTES
from cs_data.db import refresh_statistics, transaction
from cs_data.errors import CockpitError
from cs_data.models import (
    Account,
    AccountUsage,
    Base,
    Board,
    Contact,
    DataVersion,
    Interaction,
    KpiTarget,
    Renewal,
    Subscription,
    SurveyResponse,
    Ticket,
    User,
)
from cs_data.progress import ProgressCallback, no_progress

DEFAULT_SEED = 42
BATCH_SIZE = 10_000

TICKET_DAYS = 730
"""Tickets cover the last ~24 months."""
ACCOUNT_HISTORY_DAYS = 1095
"""Accounts were created over the last ~3 years."""
INTERACTION_DAYS = 365
USAGE_MONTHS = 12
NPS_QUARTERS = 8
QUARTER_DAYS = 91
CSAT_RESPONSE_RATE = 0.1
"""Share of resolved tickets whose requester answers the CSAT survey."""
CES_RESPONSE_RATE = 0.015
TICKET_GRACE_DAYS = 30
"""A churned account still files tickets for this many days after its contract ended."""
DEMO_PASSWORD = "cockpit-demo"
"""The published password of the demo users who can log in (demo mode only)."""
DEMO_LOGIN_USERS = ("admin", "manager", "csm01", "csm02", "exec", "viewer")
"""Demo users with the demo password, one or more of every role; the others cannot log in."""
_BCRYPT_SALT_CHARS = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True)
class DemoScale:
    """The sizes of one demo data set; everything else follows from these by fixed rates."""

    name: str
    accounts: int
    tickets: int
    csms: int
    agents: int
    cards_per_board: int

    def __post_init__(self) -> None:
        if min(self.accounts, self.tickets, self.csms, self.agents) < 1:
            raise ValueError("a demo scale needs at least one account, ticket, CSM and agent")
        if self.cards_per_board < 5:
            raise ValueError("a demo scale needs at least one card per board column (5)")


SCALES: dict[str, DemoScale] = {
    "S": DemoScale("S", accounts=500, tickets=20_000, csms=8, agents=12, cards_per_board=10),
    "M": DemoScale("M", accounts=5_000, tickets=200_000, csms=24, agents=40, cards_per_board=25),
    "L": DemoScale(
        "L", accounts=50_000, tickets=2_000_000, csms=80, agents=150, cards_per_board=50
    ),
}


@dataclass(frozen=True)
class DemoSummary:
    """What a run wrote: the scale and seed, the day the data ends on, rows per table."""

    scale: str
    seed: int
    today: date
    counts: dict[str, int]


class DatabaseNotEmpty(CockpitError):
    """Demo data only goes into an empty database (unless asked to replace everything)."""


class UnknownScale(CockpitError):
    """The scale asked for is not one of ``SCALES``."""


# --- vocabularies ---------------------------------------------------------------------------

FIRST_NAMES_EN = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Ethan", "Sophia", "Lucas", "Mia", "Mason",
    "Isabella", "Logan", "Amelia", "James", "Harper", "Benjamin", "Evelyn", "Henry", "Abigail",
    "Daniel", "Emily", "Jack", "Ella", "Owen", "Grace", "Samuel", "Chloe", "David", "Lily",
    "Nathan", "Hannah", "Ryan", "Zoe", "Caleb", "Nora", "Isaac", "Leah", "Adrian", "Claire",
    "Marcus", "Priya", "Diego", "Sofia", "Mateo", "Valentina", "Lucia", "Tomas", "Ingrid",
)  # fmt: skip
LAST_NAMES_EN = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Martinez",
    "Lopez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Jackson", "White",
    "Harris", "Clark", "Lewis", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Green",
    "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter", "Phillips",
    "Evans", "Turner", "Patel", "Schmidt", "Rossi", "Dubois", "Silva", "Novak", "Fischer",
)  # fmt: skip
FIRST_NAMES_KO = (
    "Minjun", "Seoyeon", "Jiho", "Hayoon", "Doyun", "Jiwoo", "Eunji", "Hyunwoo", "Sujin",
    "Jimin", "Yuna", "Taeyang", "Soyeon", "Junho", "Dahye", "Sungmin", "Hyejin", "Donghyun",
    "Nari", "Jaewon", "Minji", "Seojun", "Yerin", "Woojin", "Haeun", "Jisoo", "Kyungmin",
)  # fmt: skip
LAST_NAMES_KO = (
    "Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han", "Oh",
    "Seo", "Shin", "Kwon", "Song", "Hwang", "Ahn",
)  # fmt: skip

NAME_PREFIXES = (
    "North", "Blue", "Bright", "Silver", "Iron", "Red", "Green", "Summit", "Clear", "Swift",
    "Golden", "Star", "Cedar", "Oak", "Stone", "River", "Sky", "Sun", "Maple", "Granite",
    "Harbor", "Pine", "Crest", "Lake", "High", "True", "Prime", "Nova", "Falcon", "Vista",
    "Copper", "Coral", "Echo", "Frost", "Lumen", "Orbit", "Polar", "Quartz", "Terra", "Wild",
)  # fmt: skip
NAME_ROOTS = (
    "wind", "field", "bridge", "point", "gate", "line", "path", "works", "wave", "light",
    "peak", "forge", "leaf", "ridge", "spring", "brook", "view", "craft", "mark", "haven",
    "shore", "port", "well", "dale", "rock", "wood", "star", "hill", "way", "stream",
)  # fmt: skip
NAME_SYLLABLES = (
    "ka", "zen", "tor", "vel", "lum", "dra", "xi", "mo", "ra", "qui", "sol", "ven", "tri",
    "ax", "on", "ly", "ber", "cor", "dex", "fin", "gal", "hex", "ion", "jo", "kor", "lex",
    "mir", "nex", "ori", "pax", "sen", "tal", "vio", "zar",
)  # fmt: skip
NAME_ENDINGS = ("ia", "ex", "ify", "io", "ly", "on", "us", "a", "o", "ix")
NAME_KO_FIRST = ("Han", "Dae", "Seo", "Mi", "Sung", "Hyun", "Jin", "Kwang", "Shin", "Woo", "Sam")
NAME_KO_SECOND = ("bit", "won", "san", "il", "do", "jin", "ra", "yang", "sol", "hwa", "min")

INDUSTRIES: dict[str, tuple[str, ...]] = {
    "Software": ("Software", "Labs", "Technologies", "Systems", "Cloud"),
    "Financial services": ("Capital", "Financial", "Bank", "Payments", "Wealth"),
    "Healthcare": ("Health", "Care", "Medical", "Clinics", "Bio"),
    "Retail": ("Retail", "Stores", "Market", "Goods", "Outfitters"),
    "Manufacturing": ("Manufacturing", "Industries", "Components", "Works", "Materials"),
    "Logistics": ("Logistics", "Freight", "Shipping", "Transport", "Supply"),
    "Education": ("Learning", "Academy", "Education", "Schools", "Tutors"),
    "Media": ("Media", "Studios", "Publishing", "Broadcast", "Pictures"),
    "Telecommunications": ("Telecom", "Networks", "Mobile", "Connect", "Wireless"),
    "Energy": ("Energy", "Power", "Solar", "Utilities", "Renewables"),
    "Hospitality": ("Hotels", "Hospitality", "Travel", "Resorts", "Dining"),
    "Insurance": ("Insurance", "Assurance", "Mutual", "Underwriters", "Risk"),
    "Real estate": ("Properties", "Realty", "Estates", "Homes", "Spaces"),
    "Public sector": ("Services", "Authority", "Council", "Agency", "Institute"),
}
INDUSTRY_NAMES = tuple(INDUSTRIES)
COMPANY_FORMS = ("", "", "", " Inc.", " Group", " Co.", " Ltd.", " Partners")

SEGMENT_WEIGHTS = (0.6, 0.3, 0.1)
REGION_WEIGHTS = (0.42, 0.28, 0.2, 0.1)
REGION_UTC_OFFSET_HOURS = {"na": -6, "emea": 1, "apac": 9, "latam": -3}

CORE_PRODUCT = "Core platform"
ADDONS: tuple[tuple[str, float, float], ...] = (
    ("Analytics add-on", 0.18, 0.28),
    ("Automation add-on", 0.12, 0.20),
    ("Premium support", 0.08, 0.12),
)
"""Add-on products with their ARR as a share of the core platform's ARR."""
CORE_ARR_DOLLARS = {
    "smb": (5_000, 25_000),
    "mid_market": (25_000, 150_000),
    "enterprise": (150_000, 1_000_000),
}
SEAT_PRICE_DOLLARS = {"smb": 420, "mid_market": 360, "enterprise": 300}
CHURN_BASE = {"smb": 0.17, "mid_market": 0.11, "enterprise": 0.075}
INITIAL_ADDON_P = {"smb": 0.15, "mid_market": 0.3, "enterprise": 0.5}
TICKET_WEIGHT = {"smb": 1.0, "mid_market": 2.4, "enterprise": 5.5}
INTERACTIONS_PER_YEAR = {"smb": 3.0, "mid_market": 10.0, "enterprise": 24.0}

CONTACT_TITLES = {
    "champion": ("Head of Operations", "Customer Experience Lead", "Support Team Lead"),
    "decision_maker": ("VP Customer Experience", "Director of Support", "COO"),
    "economic_buyer": ("CFO", "VP Finance", "Head of Procurement"),
    "user": ("Support Specialist", "Operations Analyst", "Team Coordinator"),
    "billing": ("Accounts Payable Manager", "Finance Administrator", "Billing Coordinator"),
}

PRIORITY_WEIGHTS = (0.25, 0.50, 0.18, 0.07)
FRT_TARGET = dict(DEFAULT_SLA_FIRST_RESPONSE_MINUTES)
RES_TARGET = dict(DEFAULT_SLA_RESOLUTION_MINUTES)
FRT_MEDIAN_SHARE = 0.27
"""Median first-response delay as a share of the priority's target."""
FRT_SIGMA = 0.9
RESOLUTION_MEDIAN_MINUTES = {"urgent": 110, "high": 400, "normal": 900, "low": 1700}
RESOLUTION_SIGMA = 0.95
WEEKDAY_FACTOR = (1.15, 1.1, 1.05, 1.0, 0.9, 0.22, 0.18)
MONTH_FACTOR = (1.05, 1.0, 1.05, 1.0, 0.98, 0.95, 0.9, 0.88, 1.05, 1.08, 1.02, 0.86)
HOUR_WEIGHTS = (
    0.4, 0.3, 0.2, 0.2, 0.3, 0.5, 1.0, 2.2, 5.0, 8.0, 9.0, 8.5,
    5.5, 7.5, 8.5, 8.0, 7.0, 5.0, 3.0, 2.0, 1.5, 1.1, 0.8, 0.6,
)  # fmt: skip
CHANNELS = domain.TICKET_CHANNELS
CHANNEL_WEIGHTS = {"urgent": (0.2, 0.3, 0.4, 0.1, 0.0), "other": (0.38, 0.25, 0.1, 0.22, 0.05)}

TICKET_CATEGORIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "billing": ("billing", (
        "Invoice {n} shows the wrong amount", "Question about our renewal invoice",
        "Please update our billing contact", "Charged twice this month",
        "Need a copy of invoice {n}", "How are extra seats billed?",
    )),
    "login": ("login", (
        "Cannot log in after password reset", "SSO login fails with error {code}",
        "Several users locked out", "Two-factor codes not arriving",
        "Session expires every few minutes",
    )),
    "integration": ("integration", (
        "{integration} sync stopped working", "Webhook deliveries failing since {day}",
        "API returns 429 too often", "{integration} fields not mapping correctly",
        "Duplicate records created by the {integration} connector",
    )),
    "performance": ("performance", (
        "Dashboard loads very slowly", "Reports time out for large date ranges",
        "Search is slow since {day}", "Bulk update takes hours",
    )),
    "bug": ("bug", (
        "Export to CSV drops rows", "Error {code} when saving a form",
        "Chart totals differ from the table", "Mobile app crashes on launch",
        "Attachments fail to upload", "Filters reset after refresh",
    )),
    "how_to": ("how-to", (
        "How do I add a new user?", "How to set up automation rules",
        "Where can I change notification settings?", "How do I build a custom report?",
        "Can we restrict access by team?",
    )),
    "feature_request": ("feature-request", (
        "Request: bulk edit for tickets", "Feature request: scheduled report delivery",
        "Can we get custom fields on accounts?", "Request: Korean language support",
        "Please add an audit log export",
    )),
    "data": ("data", (
        "Need a full data export", "Delete a contact's personal data (GDPR request)",
        "Restore records deleted by mistake", "Import of historical data failed",
    )),
    "permissions": ("permissions", (
        "Give the finance team access to reports", "Admin rights for a new team lead",
        "Remove access for a former employee",
    )),
    "onboarding": ("onboarding", (
        "Help with initial setup", "Training session for our new team",
        "Best practices for our rollout", "Questions about go-live checklist",
    )),
}  # fmt: skip
CATEGORY_NAMES = tuple(TICKET_CATEGORIES)
CATEGORY_WEIGHTS = {
    "urgent": (0, 4, 3, 3, 4, 0, 0, 1, 0, 0),
    "high": (1, 3, 3, 2, 4, 1, 0, 1, 1, 0),
    "normal": (2, 2, 2, 1, 3, 3, 1, 1, 2, 1),
    "low": (2, 0, 1, 0, 1, 4, 3, 1, 1, 2),
}
INTEGRATIONS = ("Salesforce", "HubSpot", "Slack", "Jira", "Zendesk", "Shopify", "SAP")
ERROR_CODES = ("500", "403", "E1042", "E2210", "TIMEOUT", "422")
SECONDARY_TAGS = ("sso", "api", "mobile", "export", "reporting", "invoice", "email")

CSAT_COMMENTS = {
    "praise": (
        "Quick and helpful answer, thank you!", "{agent} solved it in minutes.",
        "Great support as always.", "Very clear explanation, problem solved.",
        "Friendly and fast. Much appreciated.", "Exactly what we needed.",
    ),
    "neutral": (
        "Solved, but it took a while.", "OK, though I had to explain the issue twice.",
        "Fine. The workaround is a bit clunky.", "Resolved eventually.",
    ),
    "complaint": (
        "Took days to get a first reply.", "The issue came back after the ticket was closed.",
        "Nobody followed up for a week.", "Still not fixed properly.",
        "I was passed between three agents.",
    ),
}  # fmt: skip
NPS_COMMENTS = {
    "promoter": (
        "The platform saves our team hours every week.", "Reliable product and a great CSM.",
        "Support is fast and knows our setup.", "The automation features paid for themselves.",
    ),
    "passive": (
        "Good product, but reporting could be better.", "Works well; pricing is on the high side.",
        "Solid, though onboarding new staff takes time.",
    ),
    "detractor": (
        "Too many incidents this quarter.", "Pricing went up and value did not.",
        "Support takes too long on urgent issues.", "Missing features we were promised.",
    ),
}  # fmt: skip
CES_COMMENTS = {
    "easy": ("Easy to get help.", "One reply and it was done."),
    "hard": ("Had to chase the team several times.", "Too many steps to get this solved."),
}

INTERACTION_KIND_WEIGHTS = {"call": 25, "email": 35, "meeting": 15, "note": 18, "qbr": 7}
INTERACTION_TOPICS = (
    "the renewal timeline", "the rollout to the finance team", "reporting needs",
    "open support escalations", "the automation add-on", "the SSO set-up",
    "usage over the last quarter", "budget planning for next year",
    "the new analytics dashboards", "training for new users", "the upcoming product release",
    "data export requirements", "seat count for next year",
)  # fmt: skip
INTERACTION_SUMMARIES = {
    "call": (
        "Check-in call with {contact} about {topic}.",
        "Call with {contact} on {topic}; follow-up booked for next week.",
    ),
    "email": ("Sent {contact} a recap of {topic}.", "Emailed {contact} about {topic}."),
    "meeting": (
        "Workshop with {contact}'s team on {topic}.",
        "Meeting with {contact}: reviewed {topic} and agreed next steps.",
    ),
    "qbr": (
        "QBR with {contact}: adoption, support trends and {topic}.",
        "Quarterly business review with {contact}; main topic {topic}.",
    ),
    "note": ("Internal note: {topic} needs attention.", "{contact} mentioned {topic}."),
}

# --- public API -----------------------------------------------------------------------------


def is_empty(engine: Engine) -> bool:
    """True when the database holds no accounts."""
    with engine.connect() as connection:
        return connection.execute(select(Account.id).limit(1)).first() is None


def generate(
    engine: Engine,
    actor: Actor,
    *,
    scale: str | DemoScale = "S",
    seed: int = DEFAULT_SEED,
    today: date | None = None,
    replace: bool = False,
    progress: ProgressCallback | None = None,
) -> DemoSummary:
    """Fill an empty database with demo data ending on ``today`` (default: today, UTC).

    Raises ``DatabaseNotEmpty`` when the database already holds data, unless ``replace`` is
    set: then every row of every table is deleted first, in the same transaction.
    """
    spec = _resolve_scale(scale)
    day = today or datetime.now(UTC).date()
    with transaction(engine) as session:
        actor = ensure(session, actor, "demo.generate")
        connection = session.connection()
        existing = _existing_rows(connection)
        if existing and not replace:
            raise DatabaseNotEmpty(
                f"the database already holds {_describe(existing)}; demo data goes into an "
                "empty database (use --replace to delete everything first)"
            )
        if existing:
            _delete_everything(connection)
            # the acting user's row is gone with everything else
            actor = Actor(name=actor.name, user_id=None, role=actor.role)
        builder = _Builder(connection, spec, seed, day, progress or no_progress)
        counts = builder.run()
        _reset_sequences(connection)
        audit.record(
            session,
            actor,
            action="demo_generate",
            entity_type="database",
            before={"deleted": existing} if existing else None,
            after={"scale": spec.name, "seed": seed, "today": day.isoformat(), "counts": counts},
        )
    refresh_statistics(engine, (table.name for table in Base.metadata.sorted_tables))
    return DemoSummary(scale=spec.name, seed=seed, today=day, counts=counts)


def demo_password_hash(seed: int) -> str:
    """The bcrypt hash of ``DEMO_PASSWORD`` with a salt drawn from ``seed``: computed once per
    run (bcrypt is slow on purpose) and the same for the same seed, like every other row."""
    rng = random.Random(f"cs-cockpit-demo/{seed}/password-salt")
    # 22 salt characters; the last carries only 2 of the 128 salt bits, so it is one of the
    # four characters whose other bits are zero (the canonical form bcrypt writes back)
    salt = "".join(rng.choice(_BCRYPT_SALT_CHARS) for _ in range(21)) + rng.choice(".Oeu")
    prefix = f"$2b${users.BCRYPT_ROUNDS:02d}$".encode("ascii")
    return bcrypt.hashpw(DEMO_PASSWORD.encode("utf-8"), prefix + salt.encode("ascii")).decode()


def _resolve_scale(scale: str | DemoScale) -> DemoScale:
    if isinstance(scale, DemoScale):
        return scale
    try:
        return SCALES[scale.upper()]
    except KeyError:
        raise UnknownScale(f"unknown demo scale {scale!r} (use {', '.join(SCALES)})") from None


# --- clearing and checking the database ----------------------------------------------------

_CHECKED_TABLES = (
    Account.__table__,
    User.__table__,
    Ticket.__table__,
    Subscription.__table__,
    SurveyResponse.__table__,
    Renewal.__table__,
    Board.__table__,
    KpiTarget.__table__,
)


def _existing_rows(connection: Connection) -> dict[str, int]:
    """Row counts of the data tables that hold rows (accounts, users, tickets …)."""
    counts: dict[str, int] = {}
    for table in _CHECKED_TABLES:
        count = connection.execute(select(func.count()).select_from(table)).scalar_one()
        if count:
            counts[table.name] = count
    return counts


def _describe(counts: dict[str, int]) -> str:
    """The first table that holds rows, as "500 accounts" or "1 user"."""
    name, count = next(iter(counts.items()))
    noun = name.replace("_", " ")
    return f"{count:,} {noun.removesuffix('s') if count == 1 else noun}"


def _delete_everything(connection: Connection) -> None:
    """Delete every row of every data table, child tables first (the data versions stay: the
    commit bumps them, so caches of the old data are not hit again)."""
    for table in reversed(Base.metadata.sorted_tables):
        if table is not DataVersion.__table__:
            connection.execute(delete(table))


def _reset_sequences(connection: Connection) -> None:
    """On PostgreSQL, move integer id sequences past the explicit ids written here."""
    if connection.dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        keys = table.primary_key.columns
        if len(keys) != 1 or "id" not in keys or not isinstance(table.c.id.type, Integer):
            continue
        following = select(func.coalesce(func.max(table.c.id), 0) + 1).scalar_subquery()
        connection.execute(
            select(func.setval(func.pg_get_serial_sequence(table.name, "id"), following, False))
        )


# --- building blocks --------------------------------------------------------------------------


class _Writer:
    """Buffers rows of one table and inserts them with ``executemany`` in batches.

    ``parents`` are flushed first, so rows never reference a row still in a buffer.
    """

    def __init__(
        self, connection: Connection, table: Table, parents: tuple[_Writer, ...] = ()
    ) -> None:
        self.connection = connection
        self.table = table
        self.statement = insert(table)
        self.parents = parents
        self.rows: list[dict[str, Any]] = []
        self.count = 0

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        for parent in self.parents:
            parent.flush()
        self.connection.execute(self.statement, self.rows)
        self.count += len(self.rows)
        self.rows = []


@dataclass(slots=True)
class _Term:
    """One subscription row: a product's ARR over ``[start, end)``."""

    product: str
    start: date
    end: date
    arr_cents: int
    seats: int | None


@dataclass(slots=True)
class _Cycle:
    """One contract anniversary of an account (its subscriptions are co-termed)."""

    renewal_date: date
    current_arr_cents: int
    renewed_arr_cents: int | None
    """ARR of the successor subscriptions; None when the account churned or it is still open."""
    is_open: bool


@dataclass(slots=True)
class _Account:
    """An account and the latent traits that drive its tickets, surveys and renewals."""

    index: int
    id: str
    name: str
    domain: str
    segment: str
    region: str
    health: float
    """Latent health, standard normal: high = happy, engaged, growing."""
    created: datetime
    csm_id: int
    ticket_weight: float
    neglected: bool
    contacts: list[tuple[int, bool, str]] = field(default_factory=list)
    terms: list[_Term] = field(default_factory=list)
    cycles: list[_Cycle] = field(default_factory=list)
    alive: list[tuple[date, date | None]] = field(default_factory=list)
    """Periods with ARR > 0, ``[start, end)``; end None = still a customer."""


_TicketRef = tuple[str, str | None, str, datetime]
"""A ticket a board card can link to: id, account id, subject, created at."""


def _add_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _clamp(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


def _cumulative(weights: tuple[float, ...] | list[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def _pick_index(rng: random.Random, cumulative: list[float]) -> int:
    return bisect.bisect_right(cumulative, rng.random() * cumulative[-1])


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _next_quarter(day: date) -> date:
    start = _quarter_start(day)
    return date(start.year + 1, 1, 1) if start.month == 10 else date(start.year, start.month + 3, 1)


def _month_start(day: date, months_back: int) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def _person_name(rng: random.Random, korean_share: float) -> tuple[str, str]:
    if rng.random() < korean_share:
        return rng.choice(FIRST_NAMES_KO), rng.choice(LAST_NAMES_KO)
    return rng.choice(FIRST_NAMES_EN), rng.choice(LAST_NAMES_EN)


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-").replace("--", "-")


PRIORITY_CUM = _cumulative(PRIORITY_WEIGHTS)
CATEGORY_CUM = {p: _cumulative(w) for p, w in CATEGORY_WEIGHTS.items()}
CHANNEL_CUM = {k: _cumulative(w) for k, w in CHANNEL_WEIGHTS.items()}
HOUR_CUM = _cumulative(HOUR_WEIGHTS)
INTERACTION_KINDS = tuple(INTERACTION_KIND_WEIGHTS)
INTERACTION_CUM = _cumulative(tuple(INTERACTION_KIND_WEIGHTS.values()))


# --- the generator ----------------------------------------------------------------------------


class _Builder:
    """Generates every table in dependency order, streaming rows to the database."""

    def __init__(
        self,
        connection: Connection,
        spec: DemoScale,
        seed: int,
        today: date,
        progress: ProgressCallback,
    ) -> None:
        self.connection = connection
        self.spec = spec
        self.seed = seed
        self.today = today
        self.now = datetime(today.year, today.month, today.day)
        """The end of the data: today 00:00 UTC (naive UTC, as stored)."""
        self.progress = progress
        self.counts: dict[str, int] = {}
        self.accounts: list[_Account] = []
        self.users: dict[str, int] = {}
        self.display_names: dict[int, str] = {}
        self.csm_ids: list[int] = []
        self.agent_ids: list[int] = []
        self.manager_ids: list[int] = []
        self.survey_seq = 0
        self.ticket_stats: list[list[int]] = []
        """Per NPS quarter (0 = the latest), per account: tickets with a poor experience."""
        self.ticket_totals: list[list[int]] = []
        self.open_tickets: deque[_TicketRef] = deque(maxlen=300)
        self.bug_tickets: deque[_TicketRef] = deque(maxlen=200)

    def _rng(self, stream: str) -> random.Random:
        return random.Random(f"cs-cockpit-demo/{self.seed}/{stream}")

    def _writer(self, table: Any, parents: tuple[_Writer, ...] = ()) -> _Writer:
        return _Writer(self.connection, getattr(table, "__table__", table), parents)

    def _close(self, *writers: _Writer) -> None:
        for writer in writers:
            writer.flush()
            self.counts[writer.table.name] = self.counts.get(writer.table.name, 0) + writer.count

    def _at(self, day: date, minute_of_day: float) -> datetime:
        return datetime(day.year, day.month, day.day) + timedelta(seconds=int(minute_of_day * 60))

    def _business_time(self, rng: random.Random, day: date, region: str) -> datetime:
        """A UTC instant during business hours of ``day`` in the region's local time."""
        local_minute = rng.uniform(8.5 * 60, 17.5 * 60)
        return self._at(day, local_minute - 60 * REGION_UTC_OFFSET_HOURS[region])

    def _before_now(self, moment: datetime, margin_minutes: int = 30) -> datetime:
        latest = self.now - timedelta(minutes=margin_minutes)
        return moment if moment < latest else latest

    def run(self) -> dict[str, int]:
        self._users()
        self._accounts()
        self._contacts()
        self._subscriptions()
        self._usage()
        self._tickets()
        self._nps()
        demo_renewals.generate(self)
        self._interactions()
        self._kpi_targets()
        self._boards()
        self.counts["health_snapshots"] = demo_health.generate(
            self.connection, self.today, self.progress
        )
        return self.counts

    # --- people ---------------------------------------------------------------------------

    def _users(self) -> None:
        rng = self._rng("users")
        spec = self.spec
        plan = [
            ("admin", "admin"),
            ("manager", "manager"),
            ("manager2", "manager"),
            ("exec", "exec"),
            ("viewer", "viewer"),
        ]
        csm_width = max(2, len(str(spec.csms)))
        agent_width = max(2, len(str(spec.agents)))
        plan += [(f"csm{i:0{csm_width}d}", "csm") for i in range(1, spec.csms + 1)]
        plan += [(f"agent{i:0{agent_width}d}", "viewer") for i in range(1, spec.agents + 1)]
        self.progress("users", 0, len(plan))
        writer = self._writer(User)
        password_hash = demo_password_hash(self.seed)
        taken: set[str] = set()
        joined = self.now - timedelta(days=ACCOUNT_HISTORY_DAYS + 30)
        for user_id, (username, role) in enumerate(plan, start=1):
            first, last = _person_name(rng, 0.3)
            while f"{first} {last}" in taken:
                first, last = _person_name(rng, 0.3)
            display = f"{first} {last}"
            taken.add(display)
            writer.add(
                {
                    "id": user_id,
                    "username": username,
                    "display_name": display,
                    "email": f"{username}@cockpit.example",
                    "role": role,
                    "password_hash": password_hash if username in DEMO_LOGIN_USERS else None,
                    "is_active": True,
                    "is_demo": True,
                    "created_at": joined + timedelta(days=3 * user_id, hours=9),
                }
            )
            self.users[username] = user_id
            self.display_names[user_id] = display
            if username.startswith("csm"):
                self.csm_ids.append(user_id)
            elif username.startswith("agent"):
                self.agent_ids.append(user_id)
            elif role == "manager":
                self.manager_ids.append(user_id)
        self._close(writer)
        self.progress("users", len(plan), len(plan))

    # --- customers ------------------------------------------------------------------------

    def _company_name(self, rng: random.Random, industry: str, taken: set[str]) -> str:
        while True:
            style = rng.random()
            if style < 0.45:
                base = rng.choice(NAME_PREFIXES) + rng.choice(NAME_ROOTS)
            elif style < 0.8:
                syllables = rng.choice((1, 2, 2))
                base = "".join(rng.choice(NAME_SYLLABLES) for _ in range(syllables))
                base = (base + rng.choice(NAME_ENDINGS)).capitalize()
            else:
                base = rng.choice(NAME_KO_FIRST) + rng.choice(NAME_KO_SECOND)
            name = f"{base} {rng.choice(INDUSTRIES[industry])}{rng.choice(COMPANY_FORMS)}"
            if name not in taken:
                taken.add(name)
                return name

    def _accounts(self) -> None:
        rng = self._rng("accounts")
        total = self.spec.accounts
        width = max(5, len(str(total)))
        csms = len(self.csm_ids)
        next_csm = {segment: k * csms // 3 for k, segment in enumerate(domain.SEGMENTS)}
        taken: set[str] = set()
        writer = self._writer(Account)
        self.progress("accounts", 0, total)
        for index in range(total):
            segment = rng.choices(domain.SEGMENTS, SEGMENT_WEIGHTS)[0]
            region = rng.choices(domain.REGIONS, REGION_WEIGHTS)[0]
            industry = rng.choice(INDUSTRY_NAMES)
            name = self._company_name(rng, industry, taken)
            health = rng.gauss(0.0, 1.0)
            if rng.random() < 0.45:  # customers from the first months of the product
                age_days = rng.uniform(ACCOUNT_HISTORY_DAYS - 90, ACCOUNT_HISTORY_DAYS)
            else:
                age_days = 14 + (ACCOUNT_HISTORY_DAYS - 104) * rng.random() ** 1.15
            created = self._business_time(rng, self.today - timedelta(days=int(age_days)), region)
            csm_id = self.csm_ids[next_csm[segment] % csms]
            next_csm[segment] += 1
            account = _Account(
                index=index,
                id=f"ACC-{index + 1:0{width}d}",
                name=name,
                domain=_slug(name.removesuffix(".")) + ".example",
                segment=segment,
                region=region,
                health=health,
                created=created,
                csm_id=csm_id,
                ticket_weight=TICKET_WEIGHT[segment]
                * math.exp(-0.35 * health)
                * rng.lognormvariate(0.0, 0.45),
                neglected=rng.random() < (0.2 if health < -0.7 else 0.08),
            )
            self.accounts.append(account)
            writer.add(
                {
                    "id": account.id,
                    "name": name,
                    "segment": segment,
                    "region": region,
                    "industry": industry,
                    "csm_id": csm_id,
                    "created_at": created,
                }
            )
            if (index + 1) % 5000 == 0:
                self.progress("accounts", index + 1, total)
        self._close(writer)
        self.progress("accounts", total, total)

    def _contacts(self) -> None:
        rng = self._rng("contacts")
        writer = self._writer(Contact)
        sizes = {
            "smb": (0.35, 0.35, 0.2, 0.07, 0.03),
            "mid_market": (0.1, 0.3, 0.3, 0.2, 0.1),
            "enterprise": (0.0, 0.1, 0.3, 0.3, 0.3),
        }
        phones = {
            "na": "+1 555 01",
            "emea": "+44 20 7946 0",
            "apac": "+82 2 555 0",
            "latam": "+55 11 5555 0",
        }
        contact_id = 0
        total = len(self.accounts)
        self.progress("contacts", 0, total)
        for account in self.accounts:
            count = rng.choices((1, 2, 3, 4, 5), sizes[account.segment])[0]
            korean_share = 0.6 if account.region == "apac" else 0.06
            for position in range(count):
                contact_id += 1
                role = (
                    rng.choice(("champion", "decision_maker"))
                    if position == 0
                    else rng.choice(domain.CONTACT_ROLES)
                )
                first, last = _person_name(rng, korean_share)
                writer.add(
                    {
                        "id": contact_id,
                        "account_id": account.id,
                        "name": f"{first} {last}",
                        "email": f"{first}.{last}@{account.domain}".lower(),
                        "phone": phones[account.region] + f"{rng.randint(0, 99):02d}",
                        "title": rng.choice(CONTACT_TITLES[role]),
                        "role": role,
                        "is_primary": position == 0,
                    }
                )
                account.contacts.append((contact_id, position == 0, first))
            if (account.index + 1) % 5000 == 0:
                self.progress("contacts", account.index + 1, total)
        self._close(writer)
        self.progress("contacts", total, total)

    # --- revenue --------------------------------------------------------------------------

    def _simulate_contract(self, rng: random.Random, account: _Account) -> None:
        """Annual co-termed terms from the account's start: renew (flat, up, down) or churn."""
        segment, health, today = account.segment, account.health, self.today
        low, high = CORE_ARR_DOLLARS[segment]
        core = round(math.exp(rng.uniform(math.log(low), math.log(high))))
        owned: dict[str, int] = {CORE_PRODUCT: core}
        addons = [a for a in ADDONS if not (segment == "smb" and a[0] == "Premium support")]
        for name, share_low, share_high in addons:
            if rng.random() < INITIAL_ADDON_P[segment]:
                owned[name] = round(core * rng.uniform(share_low, share_high))
        p_churn = min(0.6, CHURN_BASE[segment] * math.exp(-0.7 * health) / 1.28)
        p_expand = _clamp(0.6 + 0.1 * health, 0.1, 0.75)
        p_contract = _clamp(0.14 - 0.04 * health, 0.02, 0.3)
        p_cross_sell = _clamp(0.22 + 0.05 * health, 0.05, 0.3)
        start = account.created.date()
        period_start = start
        while True:
            end = _add_year(start)
            seats = max(3, round(core / SEAT_PRICE_DOLLARS[segment]))
            for product, arr in owned.items():
                account.terms.append(
                    _Term(
                        product, start, end, arr * 100, seats if product == CORE_PRODUCT else None
                    )
                )
            for name, share_low, share_high in addons:
                if name in owned or rng.random() >= p_cross_sell:
                    continue
                begins = start + timedelta(days=rng.randint(30, 300))
                if begins < today and begins < end:
                    owned[name] = round(core * rng.uniform(share_low, share_high))
                    account.terms.append(_Term(name, begins, end, owned[name] * 100, None))
            current = sum(owned.values()) * 100
            if end > today:
                account.cycles.append(_Cycle(end, current, None, True))
                account.alive.append((period_start, None))
                return
            if rng.random() < p_churn:
                account.cycles.append(_Cycle(end, current, None, False))
                account.alive.append((period_start, end))
                comes_back = end + timedelta(days=rng.randint(90, 270))
                if rng.random() < 0.15 and comes_back < today:
                    core = round(core * rng.uniform(0.6, 1.0))
                    owned = {CORE_PRODUCT: core}
                    start = period_start = comes_back
                    continue
                return
            draw = rng.random()
            if draw < p_expand:
                core = round(core * rng.uniform(1.10, 1.40))
            elif draw < p_expand + p_contract:
                core = round(core * rng.uniform(0.70, 0.90))
            elif rng.random() < 0.4:  # list-price uplift
                core = round(core * rng.uniform(1.03, 1.07))
            renewed = {CORE_PRODUCT: core}
            for name, arr in owned.items():
                if name != CORE_PRODUCT and rng.random() >= 0.08 - 0.03 * health:
                    renewed[name] = arr
            owned = renewed
            account.cycles.append(_Cycle(end, current, sum(owned.values()) * 100, False))
            start = end

    def _subscriptions(self) -> None:
        rng = self._rng("subscriptions")
        writer = self._writer(Subscription)
        total = len(self.accounts)
        sequence = 0
        self.progress("subscriptions", 0, total)
        for account in self.accounts:
            self._simulate_contract(rng, account)
            for term in account.terms:
                sequence += 1
                writer.add(
                    {
                        "id": f"SUB-{sequence:06d}",
                        "account_id": account.id,
                        "product": term.product,
                        "start_date": term.start,
                        "end_date": term.end,
                        "arr_cents": term.arr_cents,
                        "seats": term.seats,
                    }
                )
            if (account.index + 1) % 5000 == 0:
                self.progress("subscriptions", account.index + 1, total)
        self._close(writer)
        self.progress("subscriptions", total, total)

    def _usage(self) -> None:
        rng = self._rng("usage")
        writer = self._writer(AccountUsage)
        months = [_month_start(self.today, back) for back in range(USAGE_MONTHS - 1, -1, -1)]
        last_day = self.today - timedelta(days=1)
        usage_id = 0
        total = len(self.accounts)
        self.progress("usage", 0, total)
        for account in self.accounts:
            adoption = 1 / (1 + math.exp(-(0.9 + 0.9 * account.health + rng.gauss(0, 0.4))))
            drift = rng.gauss(0.0, 0.015)
            cores = [t for t in account.terms if t.product == CORE_PRODUCT]
            for position, month in enumerate(months):
                probe = min(month + timedelta(days=14), last_day)
                if probe < month:
                    continue
                seats = next((t.seats for t in cores if t.start <= probe < t.end), None)
                if not seats:
                    continue
                share = adoption + drift * (position - USAGE_MONTHS + 1) + rng.gauss(0, 0.04)
                usage_id += 1
                writer.add(
                    {
                        "id": usage_id,
                        "account_id": account.id,
                        "month": month,
                        "active_users": round(seats * _clamp(share, 0.03, 1.08)),
                        "licensed_seats": seats,
                    }
                )
            if (account.index + 1) % 5000 == 0:
                self.progress("usage", account.index + 1, total)
        self._close(writer)
        self.progress("usage", total, total)

    # --- support --------------------------------------------------------------------------

    def _ticket_intervals(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(account index, first day, day after last) per period an account can file tickets."""
        owners, starts, ends = [], [], []
        open_end = (self.today + timedelta(days=1)).toordinal()
        for account in self.accounts:
            for begin, end in account.alive:
                owners.append(account.index)
                starts.append(max(begin, account.created.date() + timedelta(days=1)).toordinal())
                ends.append(
                    open_end
                    if end is None
                    else (end + timedelta(days=TICKET_GRACE_DAYS)).toordinal()
                )
        return np.array(owners, dtype=np.int64), np.array(starts), np.array(ends)

    @staticmethod
    def _day_factor(day: date) -> float:
        factor = WEEKDAY_FACTOR[day.weekday()] * MONTH_FACTOR[day.month - 1]
        if (day.month == 12 and day.day >= 24) or (day.month == 1 and day.day == 1):
            factor *= 0.45
        return factor

    def _tickets(self) -> None:
        """Tickets day by day (ids follow creation time), with CSAT and CES on solved ones."""
        rng = self._rng("tickets")
        csat_rng = self._rng("csat")
        ces_rng = self._rng("ces")
        staff_rng = self._rng("agents")
        agent_speed = [math.exp(staff_rng.gauss(0.0, 0.2)) for _ in self.agent_ids]
        agent_cum = _cumulative([staff_rng.uniform(0.6, 1.4) for _ in self.agent_ids])
        agent_first = {
            agent_id: self.display_names[agent_id].split()[0] for agent_id in self.agent_ids
        }
        accounts = self.accounts
        weights = np.array([a.ticket_weight for a in accounts], dtype=np.float64)
        owners, starts, ends = self._ticket_intervals()
        first_day = self.today - timedelta(days=TICKET_DAYS)
        days = [first_day + timedelta(days=k) for k in range(TICKET_DAYS + 1)]

        def alive_weights(day: date) -> np.ndarray:
            ordinal = day.toordinal()
            alive = np.zeros(len(accounts), dtype=bool)
            alive[owners[(starts <= ordinal) & (ends > ordinal)]] = True
            return np.where(alive, weights, 0.0)

        day_load = [float(alive_weights(day).sum()) * self._day_factor(day) for day in days]
        scale_factor = self.spec.tickets / sum(day_load)
        self.ticket_stats = [[0] * len(accounts) for _ in range(NPS_QUARTERS + 1)]
        self.ticket_totals = [[0] * len(accounts) for _ in range(NPS_QUARTERS + 1)]

        tickets = self._writer(Ticket)
        surveys = self._writer(SurveyResponse, parents=(tickets,))
        planned = self.spec.tickets
        self.progress("tickets", 0, planned)
        sequence = 0
        reported = 0
        width = max(7, len(str(planned)))
        for position, day in enumerate(days):
            expected = day_load[position] * scale_factor
            count = max(0, round(rng.gauss(expected, 0.9 * math.sqrt(expected))))
            if not count:
                continue
            cum = np.cumsum(alive_weights(day))
            picks = np.searchsorted(
                cum, [rng.random() * cum[-1] for _ in range(count)], side="right"
            ).tolist()
            midnight = datetime(day.year, day.month, day.day)
            weekend = day.weekday() >= 5
            arrivals = []
            for index in picks:
                account = accounts[index] if rng.random() >= 0.015 else None
                region = account.region if account else rng.choice(domain.REGIONS)
                hour = min(23, _pick_index(rng, HOUR_CUM))
                seconds = (hour - REGION_UTC_OFFSET_HOURS[region]) * 3600 + rng.randrange(3600)
                off_hours = weekend or hour < 8 or hour >= 18
                arrivals.append((midnight + timedelta(seconds=seconds), account, off_hours))
            arrivals.sort(key=lambda arrival: arrival[0])
            # slower responses two years ago, getting better; busier in peak months
            pace = (1.15 - 0.2 * position / TICKET_DAYS) * (0.8 + 0.2 * MONTH_FACTOR[day.month - 1])
            quarter = min(NPS_QUARTERS, (self.today - day).days // QUARTER_DAYS)
            for created, account, off_hours in arrivals:
                if created >= self.now:
                    continue
                sequence += 1
                self._ticket(
                    rng,
                    csat_rng,
                    ces_rng,
                    tickets,
                    surveys,
                    ticket_id=f"T-{sequence:0{width}d}",
                    created=created,
                    account=account,
                    off_hours=off_hours,
                    pace=pace,
                    quarter=quarter,
                    agent_cum=agent_cum,
                    agent_speed=agent_speed,
                    agent_first=agent_first,
                )
            if sequence - reported >= 5000:
                reported = sequence
                self.progress("tickets", min(sequence, planned), planned)
        self._close(tickets, surveys)
        self.progress("tickets", planned, planned)

    def _ticket(
        self,
        rng: random.Random,
        csat_rng: random.Random,
        ces_rng: random.Random,
        tickets: _Writer,
        surveys: _Writer,
        *,
        ticket_id: str,
        created: datetime,
        account: _Account | None,
        off_hours: bool,
        pace: float,
        quarter: int,
        agent_cum: list[float],
        agent_speed: list[float],
        agent_first: dict[int, str],
    ) -> None:
        now = self.now
        priority = domain.TICKET_PRIORITIES[_pick_index(rng, PRIORITY_CUM)]
        category = CATEGORY_NAMES[_pick_index(rng, CATEGORY_CUM[priority])]
        tag, subjects = TICKET_CATEGORIES[category]
        subject = rng.choice(subjects).format(
            n=f"INV-{rng.randint(10000, 99999)}",
            code=rng.choice(ERROR_CODES),
            integration=rng.choice(INTEGRATIONS),
            day=("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")[rng.randrange(5)],
        )
        channel = CHANNELS[
            _pick_index(rng, CHANNEL_CUM["urgent" if priority == "urgent" else "other"])
        ]
        agent_index = _pick_index(rng, agent_cum)
        assignee: int | None = self.agent_ids[agent_index]
        speed = agent_speed[agent_index] * pace
        health = account.health if account else 0.0

        tags = [tag]
        if rng.random() < 0.3:
            tags.append(rng.choice(SECONDARY_TAGS))
        if account and account.segment == "enterprise" and rng.random() < 0.5:
            tags.append("vip")
        if priority in ("urgent", "high") and rng.random() < 0.25:
            tags.append("escalated")
        if health < -1.0 and rng.random() < 0.3:
            tags.append("churn-risk")

        first_response: datetime | None
        resolved: datetime | None
        if rng.random() < 0.0015:  # never answered: a duplicate closed later, or forgotten
            first_response = None
            resolved = created + timedelta(minutes=rng.uniform(60, 4000))
            if rng.random() < 0.8:
                tags.append("duplicate")
            else:
                resolved = None
        else:
            delay = FRT_TARGET[priority] * FRT_MEDIAN_SHARE * speed
            if off_hours:
                delay *= 1.3 if priority == "urgent" else 1.8
            delay *= math.exp(rng.gauss(0.0, FRT_SIGMA))
            first_response = created + timedelta(seconds=int(60 * max(1.0, delay)))
            work = RESOLUTION_MEDIAN_MINUTES[priority] * speed
            work *= math.exp(rng.gauss(-0.1 * health, RESOLUTION_SIGMA))
            if rng.random() < 0.04:  # waiting on the customer for a while
                work *= rng.uniform(2.0, 5.0)
            resolved = first_response + timedelta(seconds=int(60 * max(5.0, work)))
            if rng.random() < 0.0003:  # stuck: never resolved
                resolved = None
        if first_response is not None and first_response >= now:
            first_response = None
        if resolved is not None and resolved >= now:
            resolved = None

        if resolved is not None:
            status = "closed" if now - resolved > timedelta(days=4) else "solved"
        elif first_response is None:
            status = "new"
            if now - created < timedelta(hours=12) and rng.random() < 0.6:
                assignee = None
        else:
            draw = rng.random()
            status = "pending" if draw < 0.3 else "on_hold" if draw < 0.36 else "open"

        frt_breached = (first_response or now) - created > timedelta(minutes=FRT_TARGET[priority])
        res_breached = (resolved or now) - created > timedelta(minutes=RES_TARGET[priority])
        tickets.add(
            {
                "id": ticket_id,
                "account_id": account.id if account else None,
                "subject": subject,
                "priority": priority,
                "channel": channel,
                "status": status,
                "assignee_id": assignee,
                "created_at": created,
                "first_response_at": first_response,
                "resolved_at": resolved,
                "tags": ";".join(tags),
            }
        )
        if resolved is None:
            self.open_tickets.append((ticket_id, account.id if account else None, subject, created))
        if category == "bug":
            self.bug_tickets.append((ticket_id, account.id if account else None, subject, created))

        poor = frt_breached or res_breached
        if resolved is not None and "duplicate" not in tags:
            if csat_rng.random() < CSAT_RESPONSE_RATE:
                score = self._csat(
                    csat_rng,
                    surveys,
                    ticket_id,
                    account,
                    resolved,
                    health,
                    frt_breached,
                    res_breached,
                    agent_first.get(assignee or 0, ""),
                )
                poor = poor or (score is not None and score <= 2)
            if ces_rng.random() < CES_RESPONSE_RATE:
                self._ces(ces_rng, surveys, ticket_id, account, resolved, health, poor)
        if account is not None:
            self.ticket_totals[quarter][account.index] += 1
            if poor:
                self.ticket_stats[quarter][account.index] += 1

    def _survey_row(
        self,
        surveys: _Writer,
        kind: str,
        score: int,
        responded: datetime,
        account: _Account | None,
        ticket_id: str | None,
        comment: str | None,
    ) -> None:
        self.survey_seq += 1
        surveys.add(
            {
                "id": f"SR-{self.survey_seq:07d}",
                "survey_type": kind,
                "score": score,
                "responded_at": responded,
                "account_id": account.id if account else None,
                "ticket_id": ticket_id,
                "comment": comment,
            }
        )

    def _csat(
        self,
        rng: random.Random,
        surveys: _Writer,
        ticket_id: str,
        account: _Account | None,
        resolved: datetime,
        health: float,
        frt_breached: bool,
        res_breached: bool,
        agent: str,
    ) -> int | None:
        responded = resolved + timedelta(minutes=rng.lognormvariate(4.5, 1.2))
        if responded >= self.now:
            return None
        experience = 1.4 + 0.45 * health + rng.gauss(0.0, 1.0)
        experience -= 0.9 * frt_breached + 0.9 * res_breached
        score = (
            5 if experience >= 0.95
            else 4 if experience >= -0.2
            else 3 if experience >= -0.8
            else 2 if experience >= -1.3
            else 1
        )  # fmt: skip
        comment = None
        if rng.random() < 0.35:
            tone = "praise" if score >= 4 else "neutral" if score == 3 else "complaint"
            comment = rng.choice(CSAT_COMMENTS[tone]).format(agent=agent or "The agent")
        self._survey_row(surveys, "csat", score, responded, account, ticket_id, comment)
        return score

    def _ces(
        self,
        rng: random.Random,
        surveys: _Writer,
        ticket_id: str,
        account: _Account | None,
        resolved: datetime,
        health: float,
        poor: bool,
    ) -> None:
        responded = resolved + timedelta(minutes=rng.lognormvariate(5.0, 1.0))
        if responded >= self.now:
            return
        score = round(_clamp(5.4 + 0.5 * health - 1.3 * poor + rng.gauss(0.0, 1.1), 1, 7))
        comment = None
        if rng.random() < 0.2:
            comment = rng.choice(CES_COMMENTS["easy" if score >= 5 else "hard"])
        self._survey_row(surveys, "ces", score, responded, account, ticket_id, comment)

    def _nps(self) -> None:
        """NPS waves each quarter: the primary contact and sometimes another one answer."""
        rng = self._rng("nps")
        writer = self._writer(SurveyResponse)
        total = len(self.accounts)
        self.progress("surveys", 0, total)
        for account in self.accounts:
            for quarter in range(NPS_QUARTERS - 1, -1, -1):
                wave = self.today - timedelta(
                    days=QUARTER_DAYS * (quarter + 1) - rng.randint(20, 70)
                )
                if not any(b <= wave and (e is None or wave < e) for b, e in account.alive):
                    continue
                seen = self.ticket_totals[quarter][account.index]
                poor_share = self.ticket_stats[quarter][account.index] / seen if seen else 0.0
                for _contact, primary, _first in account.contacts:
                    if rng.random() >= (0.3 if primary else 0.08):
                        continue
                    responded = self._business_time(
                        rng, wave + timedelta(days=int(rng.expovariate(1 / 4))), account.region
                    )
                    if responded >= self.now:
                        continue
                    sentiment = 8.75 + 1.3 * account.health - 2.5 * poor_share
                    score = round(_clamp(sentiment + rng.gauss(0.0, 1.5), 0, 10))
                    comment = None
                    if rng.random() < 0.4:
                        kind = (
                            "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
                        )
                        comment = rng.choice(NPS_COMMENTS[kind])
                    self._survey_row(writer, "nps", score, responded, account, None, comment)
            if (account.index + 1) % 5000 == 0:
                self.progress("surveys", account.index + 1, total)
        self._close(writer)
        self.progress("surveys", total, total)

    # --- customer success work ------------------------------------------------------------

    def _interactions(self) -> None:
        """The CSM's calls, emails, meetings, QBRs and notes over the last year."""
        rng = self._rng("interactions")
        writer = self._writer(Interaction)
        window_start = self.today - timedelta(days=INTERACTION_DAYS)
        interaction_id = 0
        total = len(self.accounts)
        self.progress("interactions", 0, total)
        for account in self.accounts:
            latest = self.today - timedelta(days=75 if account.neglected else 0)
            spans = []
            for begin, end in account.alive:
                low = max(begin, window_start, account.created.date() + timedelta(days=1))
                high = min(end or latest, latest)
                if high > low:
                    spans.append((low, (high - low).days))
            covered = sum(length for _, length in spans)
            rate = INTERACTIONS_PER_YEAR[account.segment] * math.exp(0.3 * account.health)
            if account.neglected:
                rate *= 0.3
            count = round(rate * covered / INTERACTION_DAYS * rng.uniform(0.7, 1.3))
            offsets = sorted(rng.randrange(covered) for _ in range(count)) if covered else []
            for offset in offsets:
                for low, length in spans:
                    if offset < length:
                        day = low + timedelta(days=offset)
                        break
                    offset -= length
                kind = INTERACTION_KINDS[_pick_index(rng, INTERACTION_CUM)]
                if kind == "qbr" and account.segment == "smb":
                    kind = "meeting"
                contact_id, _primary, first = rng.choice(account.contacts)
                summary = rng.choice(INTERACTION_SUMMARIES[kind]).format(
                    contact=first, topic=rng.choice(INTERACTION_TOPICS)
                )
                occurred = self._before_now(self._business_time(rng, day, account.region))
                interaction_id += 1
                writer.add(
                    {
                        "id": f"INT-{interaction_id:07d}",
                        "account_id": account.id,
                        "contact_id": None if kind == "note" else contact_id,
                        "user_id": account.csm_id,
                        "kind": kind,
                        "occurred_at": occurred,
                        "summary": summary,
                        "created_at": self._before_now(
                            occurred + timedelta(minutes=rng.randint(5, 240)), 1
                        ),
                    }
                )
            if (account.index + 1) % 5000 == 0:
                self.progress("interactions", account.index + 1, total)
        self._close(writer)
        self.progress("interactions", total, total)

    def _kpi_targets(self) -> None:
        quarter = _quarter_start(self.today)
        quarter_end = _next_quarter(quarter) - timedelta(days=1)
        next_end = _next_quarter(_next_quarter(quarter)) - timedelta(days=1)
        goals = (
            ("csat", "CSAT of at least 85 %", 0.85, "at_least", None, quarter_end),
            ("nps", "NPS of +30 or better", 30.0, "at_least", None, next_end),
            ("frt_median_min", "Median first response within 2 hours", 120.0, "at_most", None,
             quarter_end),
            ("sla_frt_compliance", "90 % of first responses within SLA", 0.9, "at_least", None,
             quarter_end),
            ("grr", "Gross revenue retention of 90 %", 0.9, "at_least", None, next_end),
            ("grr", "Enterprise gross retention of 95 %", 0.95, "at_least", "enterprise",
             next_end),
            ("nrr", "Net revenue retention of 105 %", 1.05, "at_least", None, next_end),
            ("renewal_rate_arr", "Renew 90 % of the ARR due", 0.9, "at_least", None, quarter_end),
        )  # fmt: skip
        writer = self._writer(KpiTarget)
        self.progress("kpi_targets", 0, len(goals))
        created = min(self._at(quarter + timedelta(days=2), 9 * 60), self.now - timedelta(hours=1))
        for target_id, (kpi, name, value, direction, segment, deadline) in enumerate(goals, 1):
            writer.add(
                {
                    "id": target_id,
                    "kpi": kpi,
                    "name": name,
                    "target_value": value,
                    "direction": direction,
                    "segment": segment,
                    "start_date": quarter,
                    "deadline": deadline,
                    "owner_id": self.manager_ids[target_id % len(self.manager_ids)],
                    "created_at": created,
                    "version": 1,
                }
            )
        self._close(writer)
        self.progress("kpi_targets", len(goals), len(goals))

    # --- boards ---------------------------------------------------------------------------

    def _boards(self) -> None:
        demo_boards.build(self)
