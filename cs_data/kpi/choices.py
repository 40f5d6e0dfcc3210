"""The values the KPI filter bar offers, read from the data (distinct, sorted).

Accounts are few, so their segments and regions are read directly (an index on both). The
channels of millions of tickets are read with a loose index scan on ``tickets.channel``: the
smallest channel, then the smallest one after it, and so on, one index probe per channel
instead of a scan of every ticket.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from cs_data.kpi.sql import Bind, connect
from cs_data.models import Account, Ticket, User


@dataclass(frozen=True)
class FilterChoices:
    """Distinct segments, regions, ticket channels, and the CSMs as ``(user id, name)``."""

    segments: list[str]
    regions: list[str]
    channels: list[str]
    csms: list[tuple[int, str]]


def _distinct(connection, column) -> list[str]:
    stmt = select(column).where(column.is_not(None)).distinct().order_by(column)
    return [value for value in connection.scalars(stmt) if value]


def _channels(connection) -> list[str]:
    channels = select(func.min(Ticket.channel).label("channel")).cte("channels", recursive=True)
    following = (
        select(func.min(Ticket.channel))
        .where(Ticket.channel > channels.c.channel)
        .scalar_subquery()
    )
    channels = channels.union_all(select(following).where(channels.c.channel.is_not(None)))
    stmt = select(channels.c.channel).where(channels.c.channel.is_not(None))
    return [value for value in connection.scalars(stmt) if value]


def filter_choices(bind: Bind) -> FilterChoices:
    """Segments and regions of accounts, channels of tickets, and the users who are CSM of an
    account or have the csm role, by display name."""
    owners = select(Account.csm_id).where(Account.csm_id.is_not(None))
    csms = (
        select(User.id, User.display_name)
        .where(or_(User.role == "csm", User.id.in_(owners)))
        .order_by(User.display_name, User.id)
    )
    with connect(bind) as connection:
        return FilterChoices(
            segments=_distinct(connection, Account.segment),
            regions=_distinct(connection, Account.region),
            channels=_channels(connection),
            csms=[(int(row.id), row.display_name) for row in connection.execute(csms)],
        )
