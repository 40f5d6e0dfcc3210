"""Survey KPIs: CSAT, NPS and CES over the responses of a window."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, case, func, select

from cs_data.domain import SURVEY_TYPES
from cs_data.kpi.scope import KpiFilter, Window
from cs_data.kpi.sql import account_conditions, as_int, bucket_index, ratio
from cs_data.models import SurveyResponse

CSAT_SATISFIED_MIN = 4
NPS_PROMOTER_MIN = 9
NPS_DETRACTOR_MAX = 6


def survey_stats(
    connection: Connection, windows: Sequence[Window], filters: KpiFilter
) -> list[dict[str, Any]]:
    """Per window: csat, csat_avg, csat_responses, nps, nps_responses, ces_avg and
    ces_responses (the basis of ces_avg), from one query grouped by window and survey type."""
    score = SurveyResponse.score
    rows = (
        select(
            bucket_index(SurveyResponse.responded_at, [w.upper for w in windows]).label("bucket"),
            SurveyResponse.survey_type.label("kind"),
            score.label("score"),
        )
        .where(
            SurveyResponse.survey_type.in_(SURVEY_TYPES),
            SurveyResponse.responded_at >= windows[0].lower,
            SurveyResponse.responded_at < windows[-1].upper,
            *account_conditions(SurveyResponse.account_id, filters),
        )
        .subquery()
    )
    stmt = select(
        rows.c.bucket,
        rows.c.kind,
        func.count().label("responses"),
        func.sum(rows.c.score).label("total"),
        func.sum(case((rows.c.score >= CSAT_SATISFIED_MIN, 1), else_=0)).label("satisfied"),
        func.sum(case((rows.c.score >= NPS_PROMOTER_MIN, 1), else_=0)).label("promoters"),
        func.sum(case((rows.c.score <= NPS_DETRACTOR_MAX, 1), else_=0)).label("detractors"),
    ).group_by(rows.c.bucket, rows.c.kind)
    found = {(row.bucket, row.kind): row for row in connection.execute(stmt)}
    results = []
    for index in range(len(windows)):
        csat, nps, ces = (found.get((index, kind)) for kind in ("csat", "nps", "ces"))
        csat_n = int(csat.responses) if csat else 0
        nps_n = int(nps.responses) if nps else 0
        ces_n = int(ces.responses) if ces else 0
        results.append(
            {
                "csat": ratio(as_int(csat.satisfied), csat_n) if csat else None,
                "csat_avg": ratio(as_int(csat.total), csat_n) if csat else None,
                "csat_responses": csat_n,
                "nps": (
                    100 * (as_int(nps.promoters) - as_int(nps.detractors)) / nps_n if nps else None
                ),
                "nps_responses": nps_n,
                "ces_avg": ratio(as_int(ces.total), ces_n) if ces else None,
                "ces_responses": ces_n,
            }
        )
    return results
