"""Survey drill-downs behind the Feedback page: score distributions, the latest comments (text
search, filters) and the NPS detractors to follow up, aggregated or paged in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import func, select

from cs_data.domain import SURVEY_TYPES
from cs_data.kpi.scope import NO_FILTER, KpiFilter, make_window
from cs_data.kpi.sql import Bind, account_conditions, connect
from cs_data.kpi.surveys import CSAT_SATISFIED_MIN, NPS_DETRACTOR_MAX, NPS_PROMOTER_MIN
from cs_data.models import Account, SurveyResponse, User
from cs_data.paging import Page, paginate

SCALES: dict[str, range] = {"csat": range(1, 6), "nps": range(11), "ces": range(1, 8)}
"""The scores each survey type allows."""
NPS_GROUPS = ("detractor", "passive", "promoter")
CSAT_GROUPS = ("dissatisfied", "satisfied")


def score_group(survey_type: str, score: int) -> str | None:
    """The group of a score: NPS detractor (0–6), passive, promoter (9–10); CSAT satisfied
    (4–5) or dissatisfied; None for CES."""
    if survey_type == "nps":
        if score <= NPS_DETRACTOR_MAX:
            return "detractor"
        return "promoter" if score >= NPS_PROMOTER_MIN else "passive"
    if survey_type == "csat":
        return "satisfied" if score >= CSAT_SATISFIED_MIN else "dissatisfied"
    return None


def _responded_in(start: date, end: date, filters: KpiFilter) -> list[Any]:
    window = make_window(start, end)
    return [
        SurveyResponse.responded_at >= window.lower,
        SurveyResponse.responded_at < window.upper,
        *account_conditions(SurveyResponse.account_id, filters),
    ]


def score_distribution(
    bind: Bind, survey_type: str, start: date, end: date, *, filters: KpiFilter = NO_FILTER
) -> pd.DataFrame:
    """Responses of ``survey_type`` in the window per score, every score of the scale: columns
    ``score``, ``responses`` and ``group`` (see ``score_group``)."""
    if survey_type not in SCALES:
        raise ValueError(f"unknown survey type {survey_type!r} (use {', '.join(SURVEY_TYPES)})")
    stmt = (
        select(SurveyResponse.score, func.count().label("responses"))
        .where(SurveyResponse.survey_type == survey_type, *_responded_in(start, end, filters))
        .group_by(SurveyResponse.score)
    )
    with connect(bind) as connection:
        counts = {int(row.score): int(row.responses) for row in connection.execute(stmt)}
    return pd.DataFrame(
        [
            {
                "score": score,
                "responses": counts.get(score, 0),
                "group": score_group(survey_type, score),
            }
            for score in SCALES[survey_type]
        ]
    ).astype({"score": "int64", "responses": "int64"})


def group_counts(distribution: pd.DataFrame, groups: tuple[str, ...]) -> dict[str, int]:
    """Responses per group of a ``score_distribution`` frame, every group listed."""
    totals = distribution.groupby("group")["responses"].sum()
    return {group: int(totals.get(group, 0)) for group in groups}


@dataclass(frozen=True)
class Response:
    """One survey response with its account and the account's CSM."""

    id: str
    responded_at: datetime
    survey_type: str
    score: int
    comment: str | None
    account_id: str | None
    account_name: str | None
    csm: str | None


ResponsePage = Page[Response]
"""One page of responses, newest first, and how many match in all."""


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _page(bind: Bind, conditions: list[Any], page: int, page_size: int) -> ResponsePage:
    stmt = (
        select(
            SurveyResponse.id,
            SurveyResponse.responded_at,
            SurveyResponse.survey_type,
            SurveyResponse.score,
            SurveyResponse.comment,
            SurveyResponse.account_id,
            Account.name.label("account_name"),
            User.display_name.label("csm"),
        )
        .outerjoin(Account, Account.id == SurveyResponse.account_id)
        .outerjoin(User, User.id == Account.csm_id)
        .where(*conditions)
        .order_by(SurveyResponse.responded_at.desc(), SurveyResponse.id.desc())
    )
    with connect(bind) as connection:
        return paginate(
            connection,
            stmt,
            page=page,
            page_size=page_size,
            into=lambda row: Response(**row._asdict()),
        )


def latest_comments(
    bind: Bind,
    start: date,
    end: date,
    *,
    filters: KpiFilter = NO_FILTER,
    search: str | None = None,
    survey_type: str | None = None,
    min_score: int | None = None,
    max_score: int | None = None,
    page: int = 1,
    page_size: int = 50,
) -> ResponsePage:
    """Responses in the window with a non-empty comment, newest first, paged in SQL; ``search``
    matches comment text case-insensitively (as a plain substring), the score range includes
    both ends."""
    conditions = [
        *_responded_in(start, end, filters),
        SurveyResponse.comment.is_not(None),
        SurveyResponse.comment != "",
    ]
    if search and search.strip():
        conditions.append(SurveyResponse.comment.ilike(_like_pattern(search.strip()), escape="\\"))
    if survey_type is not None:
        conditions.append(SurveyResponse.survey_type == survey_type)
    if min_score is not None:
        conditions.append(SurveyResponse.score >= min_score)
    if max_score is not None:
        conditions.append(SurveyResponse.score <= max_score)
    return _page(bind, conditions, page, page_size)


def detractors(
    bind: Bind,
    start: date,
    end: date,
    *,
    filters: KpiFilter = NO_FILTER,
    page: int = 1,
    page_size: int = 50,
) -> ResponsePage:
    """NPS responses scoring 0–6 in the window (with or without a comment), newest first, with
    account and CSM to follow up with; paged in SQL."""
    conditions = [
        *_responded_in(start, end, filters),
        SurveyResponse.survey_type == "nps",
        SurveyResponse.score <= NPS_DETRACTOR_MAX,
    ]
    return _page(bind, conditions, page, page_size)
