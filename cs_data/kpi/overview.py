"""The headline numbers of the Overview page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from cs_data.kpi.renewals import renewals_due_arr
from cs_data.kpi.revenue import account_count, arr_total
from cs_data.kpi.scope import NO_FILTER, leading_window, make_window, trailing_window
from cs_data.kpi.sql import Bind, connect
from cs_data.kpi.support import backlog_open, tickets_created
from cs_data.kpi.surveys import Csat, Nps, survey_stats


@dataclass(frozen=True)
class Overview:
    """The headline numbers of the Overview page, as of one instant."""

    as_of: datetime
    recent: tuple[date, date]
    """Window of the ticket and survey figures (the trailing days up to ``as_of``)."""
    upcoming: tuple[date, date]
    """Window of the renewals due (the days from ``as_of`` on)."""
    accounts: int
    arr_cents: int
    backlog_open: int
    tickets_created: int
    csat: Csat
    nps: Nps
    renewals_due_arr_cents: int

    @property
    def has_data(self) -> bool:
        """False when the database holds nothing any of these figures counts."""
        return any(
            (
                self.accounts,
                self.arr_cents,
                self.backlog_open,
                self.tickets_created,
                self.csat.responses,
                self.nps.responses,
                self.renewals_due_arr_cents,
            )
        )


def overview(
    bind: Bind, *, as_of: datetime, recent_days: int = 30, upcoming_days: int = 90
) -> Overview:
    """Accounts, ARR and backlog at ``as_of``; tickets and surveys over the trailing
    ``recent_days``; open renewal ARR due in the ``upcoming_days`` from ``as_of`` on."""
    recent = trailing_window(as_of, recent_days)
    upcoming = leading_window(as_of, upcoming_days)
    with connect(bind) as connection:
        # CSAT and NPS come from one grouped query over the window's responses
        surveys = survey_stats(connection, [make_window(*recent, as_of)], NO_FILTER)[0]
        return Overview(
            as_of=as_of,
            recent=recent,
            upcoming=upcoming,
            accounts=account_count(connection),
            arr_cents=arr_total(connection, as_of.astimezone(UTC).date()),
            backlog_open=backlog_open(connection, as_of),
            tickets_created=tickets_created(connection, *recent),
            csat=Csat(surveys["csat"], surveys["csat_avg"], surveys["csat_responses"]),
            nps=Nps(surveys["nps"], surveys["nps_responses"]),
            renewals_due_arr_cents=renewals_due_arr(connection, *upcoming),
        )
