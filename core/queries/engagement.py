"""Engagement: daily active chatbot users, messages per session, and D1/D7/D30 retention by weekly cohort.

In: a session and the acting principal (needs `VIEW_METRICS`). Out: `Engagement` — the daily rows of
`core.queries.kpis.daily_rows` (users, interactions, conversations per day) and `Cohort`s: users whose
first interaction fell in an ISO week, and the share of them active exactly 1, 7 and 30 days after their
first day (None while that day has not happened yet in the data).

Retention is read from the `rollup_user_cohort` rollup (`core.rollups.cohorts`): per first day, the
users first seen then and how many of them were active exactly 1, 7 and 30 days later; Python only adds
days up into weeks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth import Permission, Principal, require
from core.models import Interaction, RollupUserCohort
from core.queries.kpis import DailyRow, daily_rows
from core.rollups.cohorts import RETENTION_DAYS


@dataclass(frozen=True)
class Cohort:
    week: date  # the Monday of the cohort's first week
    users: int
    retained: dict[int, float | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Engagement:
    days: list[DailyRow]
    cohorts: list[Cohort]


def engagement(*, session: Session, principal: Principal) -> Engagement:
    require(principal, Permission.VIEW_METRICS)
    return Engagement(days=daily_rows(session), cohorts=retention_cohorts(session))


def retention_cohorts(session: Session) -> list[Cohort]:
    """Weekly cohorts by first interaction, oldest first."""
    rows = _first_days(session)
    if not rows:
        return []
    newest = session.scalar(select(func.max(Interaction.created_at)))
    last_day = newest.date() if newest is not None else date.fromisoformat(rows[-1][0])
    weeks: dict[date, list[int]] = {}
    eligible: dict[date, list[int]] = {}
    for first_day_text, users, *retained in rows:
        first_day = date.fromisoformat(first_day_text)
        week = first_day - timedelta(days=first_day.weekday())
        totals = weeks.setdefault(week, [0] * (1 + len(RETENTION_DAYS)))
        bases = eligible.setdefault(week, [0] * len(RETENTION_DAYS))
        totals[0] += users
        for i, offset in enumerate(RETENTION_DAYS):
            if first_day + timedelta(days=offset) <= last_day:
                totals[1 + i] += int(retained[i] or 0)
                bases[i] += users
    return [
        Cohort(
            week=week,
            users=totals[0],
            retained={
                offset: (totals[1 + i] / eligible[week][i]) if eligible[week][i] else None
                for i, offset in enumerate(RETENTION_DAYS)
            },
        )
        for week, totals in weeks.items()
    ]


def _first_days(session: Session) -> list[tuple[Any, ...]]:
    """Per first day (`YYYY-MM-DD`): how many users started then, and how many of them were active
    `RETENTION_DAYS` days later."""
    c = RollupUserCohort
    rows = session.execute(select(c.day, c.n, c.d1, c.d7, c.d30).order_by(c.day)).all()
    return [tuple(row) for row in rows]
