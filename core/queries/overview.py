"""The Overview page's numbers, every one computed by the database.

In: a session and the acting principal (needs `VIEW_METRICS`). Out: an `Overview` — headline counts and
rates, the distribution of user star ratings, interactions per day and per model.

Counts, ratings and the per-day and per-model series are read from the rollup tables (`core.rollups`),
a few thousand rows whatever the number of interactions:
- interactions, errors, per day and per model: `rollup_calls` (day, model);
- distinct users and conversations: the first-day cohorts `rollup_user_cohort` and
  `rollup_conversation_cohort` (each member is counted once, on its first day);
- user-rating statistics: `rollup_rating_day`, and the interactions rated by their user: `rollup_rated_day`;
- p95 latency is taken over the latest `LATENCY_SAMPLE` interactions only, so it stays a bounded read of
  the `created_at` index.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth import Permission, Principal, require
from core.models import (
    Interaction,
    RollupCalls,
    RollupConversationCohort,
    RollupRatedDay,
    RollupRatingDay,
    RollupUserCohort,
)
from core.rollups.definitions import UNKNOWN_MODEL

STARS = (1, 2, 3, 4, 5)
MAX_DAYS = 366  # the per-day series covers at most the last year
LATENCY_SAMPLE = 1000
LATENCY_PERCENTILE = 0.95


@dataclass(frozen=True)
class Headline:
    """All-time counts, and the user-rating statistics over every user rating."""

    interactions: int = 0
    conversations: int = 0
    users: int = 0
    errors: int = 0
    rated_interactions: int = 0
    star_ratings: int = 0
    mean_stars: float | None = None
    thumbs_up: int = 0
    thumbs_total: int = 0
    p95_latency_ms: int | None = None
    latency_sample: int = 0

    @property
    def share_rated(self) -> float | None:
        """Share of interactions with at least one user rating (stars or thumbs)."""
        return _ratio(self.rated_interactions, self.interactions)

    @property
    def thumbs_up_rate(self) -> float | None:
        return _ratio(self.thumbs_up, self.thumbs_total)

    @property
    def error_rate(self) -> float | None:
        return _ratio(self.errors, self.interactions)


@dataclass(frozen=True)
class DayCount:
    day: date
    interactions: int


@dataclass(frozen=True)
class ModelCount:
    model: str | None
    interactions: int


@dataclass(frozen=True)
class Overview:
    headline: Headline = field(default_factory=Headline)
    stars: dict[int, int] = field(default_factory=lambda: dict.fromkeys(STARS, 0))
    per_day: list[DayCount] = field(default_factory=list)
    per_model: list[ModelCount] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return self.headline.interactions == 0


def overview(*, session: Session, principal: Principal) -> Overview:
    """Everything the Overview page shows; an empty `Overview` when no interaction is stored."""
    require(principal, Permission.VIEW_METRICS)
    interactions, conversations, users, errors = _counts(session)
    if interactions == 0:
        return Overview()
    ratings = _user_ratings(session)
    p95, sample = _recent_latency_percentile(session)
    headline = Headline(
        interactions=interactions,
        conversations=conversations,
        users=users,
        errors=errors,
        rated_interactions=ratings.rated_interactions,
        star_ratings=ratings.star_ratings,
        mean_stars=ratings.mean_stars,
        thumbs_up=ratings.thumbs_up,
        thumbs_total=ratings.thumbs_total,
        p95_latency_ms=p95,
        latency_sample=sample,
    )
    return Overview(
        headline=headline,
        stars=ratings.stars,
        per_day=interactions_per_day(session),
        per_model=interactions_per_model(session),
    )


def _counts(session: Session) -> tuple[int, int, int, int]:
    """(interactions, conversations, distinct users, errors) in one round trip."""
    row = session.execute(
        select(
            select(func.sum(RollupCalls.n)).scalar_subquery(),
            select(func.sum(RollupConversationCohort.n)).scalar_subquery(),
            select(func.sum(RollupUserCohort.n)).scalar_subquery(),
            select(func.sum(RollupCalls.n - RollupCalls.ok)).scalar_subquery(),
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), int(row[3] or 0)


@dataclass(frozen=True)
class _UserRatings:
    rated_interactions: int
    star_ratings: int
    mean_stars: float | None
    stars: dict[int, int]
    thumbs_up: int
    thumbs_total: int


def _user_ratings(session: Session) -> _UserRatings:
    """The end users' ratings, all time: how many interactions are rated, stars, thumbs."""
    r = RollupRatingDay
    star_counts = [func.sum(getattr(r, f"star_{star}")) for star in STARS]
    row = session.execute(
        select(
            select(func.sum(RollupRatedDay.n)).scalar_subquery(),
            func.sum(r.stars),
            func.sum(r.stars_sum),
            func.sum(r.thumbs_up),
            func.sum(r.thumbs),
            *star_counts,
        )
    ).one()
    star_ratings = int(row[1] or 0)
    return _UserRatings(
        rated_interactions=int(row[0] or 0),
        star_ratings=star_ratings,
        mean_stars=int(row[2] or 0) / star_ratings if star_ratings else None,
        thumbs_up=int(row[3] or 0),
        thumbs_total=int(row[4] or 0),
        stars={star: int(count or 0) for star, count in zip(STARS, row[5:], strict=True)},
    )


def _recent_latency_percentile(session: Session) -> tuple[int | None, int]:
    """(p95 latency in ms by nearest rank, sample size) over the latest `LATENCY_SAMPLE` interactions."""
    latest = (
        select(Interaction.latency_ms)
        .order_by(Interaction.created_at.desc())
        .limit(LATENCY_SAMPLE)
        .subquery("latest")
    )
    timed = select(latest.c.latency_ms).where(latest.c.latency_ms.is_not(None)).subquery("timed")
    sample = int(session.scalar(select(func.count()).select_from(timed)) or 0)
    if sample == 0:
        return None, 0
    rank = math.ceil(LATENCY_PERCENTILE * sample) - 1
    value = session.scalar(select(timed.c.latency_ms).order_by(timed.c.latency_ms).offset(rank).limit(1))
    return (int(value) if value is not None else None), sample


def interactions_per_day(session: Session, *, max_days: int = MAX_DAYS) -> list[DayCount]:
    """Interactions per UTC day, from the first stored day (or `max_days` before the last) to the last.

    Days without interactions are present with a count of 0, so a line chart shows the gap.
    """
    first, last = session.execute(
        select(
            select(func.min(Interaction.created_at)).scalar_subquery(),
            select(func.max(Interaction.created_at)).scalar_subquery(),
        )
    ).one()
    if first is None or last is None:
        return []
    last_day = last.date()
    first_day = max(first.date(), last_day - timedelta(days=max_days - 1))
    days = [first_day + timedelta(days=offset) for offset in range((last_day - first_day).days + 1)]
    rows = session.execute(
        select(RollupCalls.day, func.sum(RollupCalls.n))
        .where(RollupCalls.day >= first_day.isoformat(), RollupCalls.day <= last_day.isoformat())
        .group_by(RollupCalls.day)
    ).all()
    counts = {key: int(n or 0) for key, n in rows}
    return [DayCount(day=day, interactions=counts.get(day.isoformat(), 0)) for day in days]


def interactions_per_model(session: Session) -> list[ModelCount]:
    """Interactions per model name (None when the record did not say), most used first."""
    n = func.sum(RollupCalls.n)
    rows = session.execute(
        select(RollupCalls.model, n)
        .group_by(RollupCalls.model)
        .order_by(n.desc(), (RollupCalls.model == UNKNOWN_MODEL).asc(), RollupCalls.model.asc())
    ).all()
    return [
        ModelCount(model=None if model == UNKNOWN_MODEL else model, interactions=int(count))
        for model, count in rows
    ]


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None
