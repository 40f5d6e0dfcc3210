"""The data model for the whole CS Cockpit domain (SQLAlchemy 2.0 typed declarative models).

Conventions, the same on SQLite and PostgreSQL:
- Imported entities (accounts, subscriptions, tickets, survey responses, renewals) keep the
  source system's id as their string primary key, so re-imports upsert by id.
- Timestamps are stored as UTC without a zone (``UTCDateTime``) and come back zone-aware.
- Money is integer cents (``…_cents`` columns), never binary floats.
- Fixed vocabularies come from ``cs_data.domain`` and are enforced with CHECK constraints.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Computed,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql import column

from cs_data import domain
from cs_data.elapsed import elapsed_ms

ID_LENGTH = 64


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and returned as an aware UTC datetime."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _one_of(column: str, values: tuple[str, ...], *, nullable: bool = False) -> str:
    listed = ", ".join(f"'{v}'" for v in values)
    check = f"{column} IN ({listed})"
    return f"{column} IS NULL OR {check}" if nullable else check


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


# --- people -------------------------------------------------------------------------------


class User(Base):
    """A person who uses the app or appears in the data (CSM, support agent, manager …).

    Users imported as ticket assignees or account owners have no password and cannot log in
    until an admin sets one.
    """

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_one_of("role", domain.ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(16), default="viewer")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    """bcrypt hash; never plaintext."""
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    """Deactivated users cannot log in; their records stay."""
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Created by the demo data generator (with a published password when it has one)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class LoginFailure(Base):
    """One failed password login with a username (a user's or not), kept in the database so
    that the lockout holds across app replicas; a successful login or a password reset clears
    them, and they are forgotten once older than the lockout window."""

    __tablename__ = "login_failures"
    __table_args__ = (Index(None, "username", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


# --- customers ----------------------------------------------------------------------------


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint(_one_of("segment", domain.SEGMENTS, nullable=True), name="segment"),
        Index(None, "segment", "region"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    segment: Mapped[str | None] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(32))
    industry: Mapped[str | None] = mapped_column(String(100))
    csm_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    csm: Mapped[User | None] = relationship()
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="account", cascade="all, delete-orphan", passive_deletes=True
    )
    subscriptions: Mapped[list[Subscription]] = relationship(
        back_populates="account", cascade="all, delete-orphan", passive_deletes=True
    )


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (
        CheckConstraint(_one_of("role", domain.CONTACT_ROLES, nullable=True), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(50))
    title: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(32))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)

    account: Mapped[Account] = relationship(back_populates="contacts")


class Subscription(Base):
    """ARR history: an account's ARR on day d sums subscriptions with start <= d < end."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint("arr_cents >= 0", name="arr_not_negative"),
        CheckConstraint("end_date IS NULL OR end_date > start_date", name="end_after_start"),
        # covering indexes: ARR per account on a day (the retention cohort), ARR on a day,
        # and the subscriptions ending in a window (retention and ARR series)
        Index(None, "account_id", "start_date", "end_date", "arr_cents"),
        Index(None, "start_date", "end_date", "arr_cents"),
        Index(None, "end_date", "account_id", "arr_cents"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    product: Mapped[str | None] = mapped_column(String(100))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    """Exclusive; null means open-ended."""
    arr_cents: Mapped[int] = mapped_column(BigInteger)
    seats: Mapped[int | None] = mapped_column(Integer)

    account: Mapped[Account] = relationship(back_populates="subscriptions")


class AccountUsage(Base):
    """Product usage per account and month, for the health score's adoption component."""

    __tablename__ = "account_usage"
    __table_args__ = (UniqueConstraint("account_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date)
    """First day of the month."""
    active_users: Mapped[int] = mapped_column(Integer)
    licensed_seats: Mapped[int] = mapped_column(Integer)


# --- support and feedback -----------------------------------------------------------------


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(
            _one_of("priority", domain.TICKET_PRIORITIES, nullable=True), name="priority"
        ),
        # covering indexes of the support KPIs: windows by created_at and by resolved_at
        Index(None, "created_at", "priority", "frt_ms", "resolution_ms"),
        Index(None, "resolved_at", "created_at", "resolution_ms"),
        Index(None, "account_id", "created_at"),
        Index(None, "assignee_id", "created_at"),
        # the filter bar's channel list: a loose index scan (cs_data.kpi.choices)
        Index(None, "channel"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    subject: Mapped[str | None] = mapped_column(String(500))
    priority: Mapped[str | None] = mapped_column(String(16))
    channel: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str | None] = mapped_column(String(32))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tags: Mapped[str | None] = mapped_column(Text)
    """Tags joined with ``;`` as in the import format."""
    # Generated by the database from the timestamps (VIRTUAL on SQLite, STORED on PostgreSQL;
    # see migration 0004), so every writer keeps them right and KPIs read them from an index.
    frt_ms: Mapped[int | None] = mapped_column(
        BigInteger, Computed(elapsed_ms(column("created_at"), column("first_response_at")))
    )
    """Whole milliseconds from created_at to first_response_at (null when unanswered)."""
    resolution_ms: Mapped[int | None] = mapped_column(
        BigInteger, Computed(elapsed_ms(column("created_at"), column("resolved_at")))
    )
    """Whole milliseconds from created_at to resolved_at (null when unresolved)."""


class SurveyResponse(Base):
    __tablename__ = "survey_responses"
    __table_args__ = (
        CheckConstraint(_one_of("survey_type", domain.SURVEY_TYPES), name="survey_type"),
        CheckConstraint(
            " OR ".join(
                f"(survey_type = '{kind}' AND score BETWEEN {low} AND {high})"
                for kind, (low, high) in domain.SURVEY_SCALES.items()
            ),
            name="score_on_scale",
        ),
        # score too, so survey KPIs over a window read the index alone
        Index(None, "survey_type", "responded_at", "score"),
        Index(None, "account_id", "responded_at"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    survey_type: Mapped[str] = mapped_column(String(8))
    score: Mapped[int] = mapped_column(Integer)
    responded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    ticket_id: Mapped[str | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    comment: Mapped[str | None] = mapped_column(Text)


# --- renewals and forecasts ---------------------------------------------------------------


class Renewal(Base):
    """One contract renewal event of an account; ``version`` guards against lost updates."""

    __tablename__ = "renewals"
    __table_args__ = (
        CheckConstraint(_one_of("stage", domain.RENEWAL_STAGES), name="stage"),
        CheckConstraint(
            _one_of("forecast_category", domain.FORECAST_CATEGORIES), name="forecast_category"
        ),
        CheckConstraint(_one_of("risk", domain.RISK_LEVELS, nullable=True), name="risk"),
        CheckConstraint(_one_of("outcome", domain.RENEWAL_OUTCOMES, nullable=True), name="outcome"),
        CheckConstraint(
            "probability IS NULL OR (probability >= 0 AND probability <= 1)", name="probability"
        ),
        CheckConstraint("current_arr_cents >= 0", name="current_arr_not_negative"),
        Index(None, "renewal_date"),
        Index(None, "account_id", "renewal_date"),
        Index(None, "owner_id", "renewal_date"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    renewal_date: Mapped[date] = mapped_column(Date)
    current_arr_cents: Mapped[int] = mapped_column(BigInteger)
    stage: Mapped[str] = mapped_column(String(32), default="not_started")
    forecast_category: Mapped[str] = mapped_column(String(16), default="pipeline")
    probability: Mapped[float | None] = mapped_column(Float)
    """Explicit win probability 0..1; null means the stage default applies."""
    expected_arr_cents: Mapped[int | None] = mapped_column(BigInteger)
    upsell_cents: Mapped[int | None] = mapped_column(BigInteger)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    next_step: Mapped[str | None] = mapped_column(String(500))
    next_step_date: Mapped[date | None] = mapped_column(Date)
    risk: Mapped[str | None] = mapped_column(String(16))
    risk_reason: Mapped[str | None] = mapped_column(String(500))
    outcome: Mapped[str | None] = mapped_column(String(8))
    renewed_arr_cents: Mapped[int | None] = mapped_column(BigInteger)
    lost_reason: Mapped[str | None] = mapped_column(String(500))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    account: Mapped[Account] = relationship()
    owner: Mapped[User | None] = relationship()


class RenewalChange(Base):
    """One field of one renewal changed: the history behind timelines and as-of views.

    A renewal's creation is one row with ``field = "created"`` (no values). ``version`` is the
    renewal's version the change produced (null for history imported from another system), so
    a refused stale save can name who changed which fields since the version it saw.
    """

    __tablename__ = "renewal_changes"
    __table_args__ = (
        Index(None, "renewal_id", "changed_at"),
        Index(None, "changed_at"),
        Index(None, "renewal_id", "version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    renewal_id: Mapped[str] = mapped_column(ForeignKey("renewals.id", ondelete="CASCADE"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(200))
    """Who changed it, kept as text so the history survives user changes (or the operator)."""
    field: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int | None] = mapped_column(Integer)


class ForecastSnapshot(Base):
    """The renewal forecast for a period as it stood at ``taken_at``.

    Automatic weekly snapshots carry ``auto_key`` (quarter, segment and ISO week), unique, so
    several processes finding the week's snapshot missing insert it at most once; manual
    snapshots leave it null.
    """

    __tablename__ = "forecast_snapshots"
    __table_args__ = (Index(None, "period_start", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    segment: Mapped[str | None] = mapped_column(String(32))
    closed_won_cents: Mapped[int] = mapped_column(BigInteger)
    commit_cents: Mapped[int] = mapped_column(BigInteger)
    best_case_cents: Mapped[int] = mapped_column(BigInteger)
    pipeline_cents: Mapped[int] = mapped_column(BigInteger)
    weighted_cents: Mapped[int] = mapped_column(BigInteger)
    at_risk_cents: Mapped[int] = mapped_column(BigInteger)
    taken_by: Mapped[str] = mapped_column(String(200))
    auto_key: Mapped[str | None] = mapped_column(String(64), unique=True)


# --- customer success work ----------------------------------------------------------------


class Interaction(Base):
    """A touchpoint with a customer: call, email, meeting, QBR or note.

    Imported interactions keep the source system's ``interaction_id``; those logged in the app
    get a generated ``INT-…`` id.
    """

    __tablename__ = "interactions"
    __table_args__ = (
        CheckConstraint(_one_of("kind", domain.INTERACTION_KINDS), name="kind"),
        Index(None, "account_id", "occurred_at"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    summary: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class KpiTarget(Base):
    """A manager's goal for one KPI, optionally for one segment, due by a deadline."""

    __tablename__ = "kpi_targets"
    __table_args__ = (
        CheckConstraint(_one_of("direction", domain.TARGET_DIRECTIONS), name="direction"),
        CheckConstraint(_one_of("segment", domain.SEGMENTS, nullable=True), name="segment"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    target_value: Mapped[float] = mapped_column(Float)
    direction: Mapped[str] = mapped_column(String(16))
    segment: Mapped[str | None] = mapped_column(String(32))
    start_date: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class HealthSnapshot(Base):
    """An account's health score on one day, with each component's score."""

    __tablename__ = "health_snapshots"
    __table_args__ = (
        UniqueConstraint("account_id", "snapshot_date"),
        CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
        Index(None, "snapshot_date", "band"),
        Index(None, "snapshot_date", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    snapshot_date: Mapped[date] = mapped_column(Date)
    score: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(8))
    components: Mapped[dict[str, Any]] = mapped_column(JSON)
    """Per component name: score, weight, contribution and the input behind the score."""


class HealthRun(Base):
    """The computation of one day's health snapshots: the row a replica inserts to claim the
    day (its primary key lets exactly one writer win), and the weights the day was scored with.
    An import deletes today's run, so today's snapshots are computed again."""

    __tablename__ = "health_runs"

    snapshot_date: Mapped[date] = mapped_column(Date, primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    computed_by: Mapped[str] = mapped_column(String(200))
    weights: Mapped[dict[str, Any]] = mapped_column(JSON)
    scored_accounts: Mapped[int] = mapped_column(Integer, default=0)


# --- boards -------------------------------------------------------------------------------


class Board(Base):
    """A Kanban board: columns in order, cards numbered ``KEY-n`` (numbers never reused)."""

    __tablename__ = "boards"
    __table_args__ = (
        CheckConstraint(_one_of("kind", domain.BOARD_KINDS), name="kind"),
        CheckConstraint("next_card_number >= 1", name="next_card_number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32), default="custom")
    key: Mapped[str] = mapped_column(String(10), unique=True)
    """Card number prefix, unique across boards, so ``CS-42`` names one card everywhere."""
    is_private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Private boards are seen by their members (and app admins) only."""
    next_card_number: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    """Bumped by every settings change (name, description, privacy, key)."""

    columns: Mapped[list[BoardColumn]] = relationship(
        back_populates="board",
        order_by="BoardColumn.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class BoardMember(Base):
    """A user's role on one board: admin, member or visitor."""

    __tablename__ = "board_members"
    __table_args__ = (CheckConstraint(_one_of("role", domain.BOARD_ROLES), name="role"),)

    board_id: Mapped[int] = mapped_column(
        ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class BoardTag(Base):
    """A tag a board offers, with its colour; cards carry tags by name."""

    __tablename__ = "board_tags"
    __table_args__ = (
        UniqueConstraint("board_id", "name"),
        CheckConstraint(_one_of("color", domain.TAG_COLORS), name="color"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    color: Mapped[str] = mapped_column(String(16), default="gray")


class BoardColumn(Base):
    __tablename__ = "board_columns"
    __table_args__ = (
        Index(None, "board_id", "position"),
        CheckConstraint(_one_of("wip_mode", domain.WIP_MODES), name="wip_mode"),
        CheckConstraint("wip_limit IS NULL OR wip_limit > 0", name="wip_limit_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    wip_limit: Mapped[int | None] = mapped_column(Integer)
    wip_mode: Mapped[str] = mapped_column(String(8), default="warn", server_default="warn")
    """Over the limit: ``warn`` shows the column red, ``block`` refuses more cards."""

    board: Mapped[Board] = relationship(back_populates="columns")


card_assignees = Table(
    "card_assignees",
    Base.metadata,
    Column("card_id", ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class CardTag(Base):
    __tablename__ = "card_tags"

    card_id: Mapped[int] = mapped_column(
        ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class Card(Base):
    """One piece of work on a board; ``position`` counts from 0 within its column among the
    cards not archived; ``version`` guards edits against lost updates."""

    __tablename__ = "cards"
    __table_args__ = (
        Index(None, "board_id", "column_id", "position"),
        UniqueConstraint("board_id", "number"),
        CheckConstraint(_one_of("status", domain.CARD_STATUSES), name="status"),
        CheckConstraint(_one_of("priority", domain.CARD_PRIORITIES), name="priority"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    """Per board, from the board's counter: shown as ``KEY-number``."""
    column_id: Mapped[int] = mapped_column(ForeignKey("board_columns.id"))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="normal", server_default="normal")
    priority: Mapped[str] = mapped_column(String(16), default="normal", server_default="normal")
    due_date: Mapped[date | None] = mapped_column(Date)
    account_id: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    ticket_id: Mapped[str | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    assignees: Mapped[list[User]] = relationship(secondary=card_assignees)
    tags: Mapped[list[CardTag]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    checklist: Mapped[list[ChecklistItem]] = relationship(
        back_populates="card",
        order_by="ChecklistItem.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    comments: Mapped[list[CardComment]] = relationship(
        back_populates="card",
        order_by="CardComment.created_at",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class ChecklistItem(Base):
    __tablename__ = "checklist_items"
    __table_args__ = (Index(None, "card_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(500))
    is_done: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_date: Mapped[date | None] = mapped_column(Date)

    card: Mapped[Card] = relationship(back_populates="checklist")


class CardComment(Base):
    __tablename__ = "card_comments"
    __table_args__ = (Index(None, "card_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    card: Mapped[Card] = relationship(back_populates="comments")


class CardAttachment(Base):
    """A file attached to a card, kept in the database so every replica can serve it."""

    __tablename__ = "card_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class CardActivity(Base):
    """One event in a card's life (created, moved from → to, edited, commented …): the card's
    history, and the source of the board's flow analytics.

    A card is in column ``c`` at instant ``t`` when the events up to ``t`` that bring it into
    ``c`` (``to_column_id``) outnumber those that take it out (``from_column_id``): creation
    and restore bring it in, archiving takes it out, a move does both.
    """

    __tablename__ = "card_activity"
    __table_args__ = (
        CheckConstraint(_one_of("kind", domain.CARD_ACTIVITY_KINDS), name="kind"),
        Index(None, "card_id", "occurred_at"),
        Index(None, "board_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"))
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    from_column_id: Mapped[int | None] = mapped_column(
        ForeignKey("board_columns.id", ondelete="SET NULL")
    )
    to_column_id: Mapped[int | None] = mapped_column(
        ForeignKey("board_columns.id", ondelete="SET NULL")
    )
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """What changed: edited fields with old and new values, the card version reached …"""


# --- settings and audit -------------------------------------------------------------------


class AppSetting(Base):
    """Settings edited in the app (health weights, stage probabilities …), as JSON values."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
    updated_by: Mapped[str | None] = mapped_column(String(200))


class DataVersion(Base):
    """A change counter per table, bumped in the transaction of every write to it (see
    ``cs_data.data_versions``): caches key on it, across users and app replicas."""

    __tablename__ = "data_versions"

    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    """When the last write to the table was committed (by the writer's clock)."""


class StoredView(Base):
    """A page's figures as computed once, shared by every replica and restart until the data
    or the moment they stand on changes (``cs_data.stored_views``). Not data: never versioned,
    and any row may be deleted at any time."""

    __tablename__ = "stored_views"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    """A digest of the code, the data version and the arguments the figures stand on."""
    payload: Mapped[str] = mapped_column(Text)
    """The figures as JSON."""
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class ImportPreset(Base):
    """A column mapping a user saved as a preset (``cs_data.presets``): its definition as JSON."""

    __tablename__ = "import_presets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)


class AuditEntry(Base):
    """Who changed what, when, with the values before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index(None, "occurred_at"),
        Index(None, "entity_type", "entity_id"),
        Index(None, "actor_name", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
