"""The metric queries computed from the raw rows: the oracle the rollup-backed queries must agree with.

In: a session (and the same arguments as the function each one replaces). Out: exactly what the private
query functions of `core.queries.*` return, but grouped over `interaction` and `rating` directly, as the
queries did before the rollup tables existed. `REPLACEMENTS` maps each module attribute to its raw twin,
so a test can monkeypatch them in and compute every page's figures from the raw rows.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, case, exists, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from core.models import Interaction, Rating
from core.queries import costs, engagement, experiment_metrics, kpis, overview
from core.queries.costs import DayModelCost
from core.queries.engagement import RETENTION_DAYS
from core.queries.experiment_metrics import INTERACTION_RATIOS, PERCENTILES, RATING_RATIOS, VARIANTS
from core.queries.kpis import LATENCY_BUCKET_MS, P95, WINDOW_DAYS
from core.queries.overview import STARS, DayCount, ModelCount
from core.sql import day, day_plus


# -- overview --------------------------------------------------------------------------------------------
def _distinct(column: InstrumentedAttribute[Any]) -> Any:
    values = select(column).where(column.is_not(None)).distinct().subquery()
    return select(func.count()).select_from(values).scalar_subquery()


def counts(session: Session) -> tuple[int, int, int, int]:
    row = session.execute(
        select(
            select(func.count()).select_from(Interaction).scalar_subquery(),
            _distinct(Interaction.conversation_id),
            _distinct(Interaction.user_pseudonym),
            select(func.count()).where(Interaction.status == "error").scalar_subquery(),
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), int(row[3] or 0)


def user_ratings(session: Session) -> Any:
    star_counts = [func.sum(case((Rating.stars == star, 1), else_=0)) for star in STARS]
    row = session.execute(
        select(
            func.count(func.distinct(Rating.interaction_id)),
            func.count(Rating.stars),
            func.avg(Rating.stars),
            func.sum(case((Rating.thumbs == "up", 1), else_=0)),
            func.count(Rating.thumbs),
            *star_counts,
        ).where(Rating.source == "user")
    ).one()
    return overview._UserRatings(
        rated_interactions=int(row[0] or 0),
        star_ratings=int(row[1] or 0),
        mean_stars=float(row[2]) if row[2] is not None else None,
        thumbs_up=int(row[3] or 0),
        thumbs_total=int(row[4] or 0),
        stars={star: int(count or 0) for star, count in zip(STARS, row[5:], strict=True)},
    )


def interactions_per_day(session: Session, *, max_days: int = overview.MAX_DAYS) -> list[DayCount]:
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
    rows = dict(
        session.execute(select(day(Interaction.created_at).label("day"), func.count()).group_by("day")).all()
    )
    days = [first_day + timedelta(days=offset) for offset in range((last_day - first_day).days + 1)]
    return [DayCount(day=d, interactions=int(rows.get(d.isoformat(), 0))) for d in days]


def interactions_per_model(session: Session) -> list[ModelCount]:
    rows = session.execute(
        select(Interaction.model, func.count().label("n"))
        .group_by(Interaction.model)
        .order_by(func.count().desc(), Interaction.model.asc().nulls_last())
    ).all()
    return [ModelCount(model=model, interactions=int(count)) for model, count in rows]


# -- success metrics -------------------------------------------------------------------------------------
def calls_per_day(session: Session, start: datetime, end: datetime) -> dict[str, dict[str, float]]:
    bucket = (Interaction.latency_ms // LATENCY_BUCKET_MS).label("bucket")
    statement = (
        select(
            day(Interaction.created_at).label("day"),
            bucket,
            func.count(),
            func.sum(case((Interaction.status == "ok", 1), else_=0)),
            func.coalesce(func.sum(Interaction.cost_usd), 0.0),
            func.count(Interaction.cost_usd),
        )
        .where(Interaction.created_at >= start, Interaction.created_at < end)
        .group_by("day", "bucket")
        .order_by("day", "bucket")
    )
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    latency: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for key, bucket_value, n, ok, cost, priced in session.execute(statement):
        entry = totals[key]
        entry["n"] += n
        entry["ok"] += ok or 0
        entry["cost"] += cost or 0.0
        entry["priced"] += priced
        if bucket_value is not None:
            latency[key].append((int(bucket_value), int(n)))
    for key, histogram in latency.items():
        totals[key]["p95"] = kpis._bucket_percentile(histogram, P95)
    return totals


def stars_per_day(session: Session, start: datetime, end: datetime) -> dict[str, tuple[int, int]]:
    statement = (
        select(
            day(Rating.created_at).label("day"),
            func.coalesce(func.sum(Rating.stars), 0),
            func.count(Rating.stars),
        )
        .where(Rating.source == "user", Rating.created_at >= start, Rating.created_at < end)
        .group_by("day")
    )
    return {key: (int(total or 0), int(n)) for key, total, n in session.execute(statement)}


def people_per_day(session: Session, start: datetime, end: datetime) -> dict[str, tuple[int, int]]:
    statement = (
        select(
            day(Interaction.created_at).label("day"),
            func.count(func.distinct(Interaction.user_pseudonym)),
            func.count(func.distinct(Interaction.conversation_id)),
        )
        .where(Interaction.created_at >= start, Interaction.created_at < end)
        .group_by("day")
    )
    return {key: (int(users), int(conversations)) for key, users, conversations in session.execute(statement)}


# -- engagement ------------------------------------------------------------------------------------------
def first_days(session: Session) -> list[tuple[Any, ...]]:
    first = (
        select(
            Interaction.user_pseudonym.label("user"),
            day(func.min(Interaction.created_at)).label("first_day"),
        )
        .where(Interaction.user_pseudonym.is_not(None))
        .group_by(Interaction.user_pseudonym)
        .subquery("first")
    )
    later = aliased(Interaction)

    def active_on(offset: int) -> Any:
        probe = exists().where(
            later.user_pseudonym == first.c.user,
            later.created_at >= day_plus(first.c.first_day, offset),
            later.created_at < day_plus(first.c.first_day, offset + 1),
        )
        return func.sum(case((probe, 1), else_=0))

    rows = session.execute(
        select(first.c.first_day, func.count(), *(active_on(n) for n in RETENTION_DAYS))
        .group_by(first.c.first_day)
        .order_by(first.c.first_day)
    ).all()
    return [tuple(row) for row in rows]


# -- costs -----------------------------------------------------------------------------------------------
def per_day_model(session: Session) -> tuple[list[DayModelCost], int]:
    bounds = kpis.window(session, WINDOW_DAYS)
    if bounds is None:
        return [], 0
    start, end = bounds
    rows = session.execute(
        select(
            day(Interaction.created_at).label("day"),
            Interaction.model,
            func.coalesce(func.sum(Interaction.cost_usd), 0.0),
            func.count(),
            func.count(Interaction.cost_usd),
        )
        .where(Interaction.created_at >= start, Interaction.created_at < end)
        .group_by("day", Interaction.model)
        .order_by("day", Interaction.model)
    ).all()
    result = [
        DayModelCost(date.fromisoformat(d), model, float(cost or 0.0), int(n))
        for d, model, cost, n, _ in rows
    ]
    return result, sum(int(row[4]) for row in rows)


# -- experiments -----------------------------------------------------------------------------------------
def _in_experiment(experiment: str) -> list[ColumnElement[bool]]:
    return [
        Interaction.experiment == experiment,
        Interaction.variant.in_(VARIANTS),
        Interaction.user_pseudonym.is_not(None),
    ]


def interaction_sums(session: Session, experiment: str) -> dict[str, dict[str, float]]:
    per_user = (
        select(
            Interaction.variant.label("variant"),
            func.count().label("calls"),
            func.sum(case((Interaction.status == "ok", 1), else_=0)).label("ok"),
            func.coalesce(func.sum(Interaction.cost_usd), 0.0).label("cost"),
            func.count(Interaction.cost_usd).label("priced"),
        )
        .where(*_in_experiment(experiment))
        .group_by(Interaction.variant, Interaction.user_pseudonym)
        .subquery("per_user")
    )
    extra = [func.sum(per_user.c.calls).label("interactions")]
    return experiment_metrics._per_arm(session, per_user, INTERACTION_RATIOS, extra)


def rating_sums(session: Session, experiment: str) -> dict[str, dict[str, float]]:
    per_user = (
        select(
            Interaction.variant.label("variant"),
            func.sum(case((Rating.thumbs == "up", 1), else_=0)).label("thumbs_up"),
            func.count(Rating.thumbs).label("thumbs"),
            func.coalesce(func.sum(Rating.stars), 0).label("stars_sum"),
            func.count(Rating.stars).label("stars"),
            func.sum(case((Rating.stars >= 4, 1), else_=0)).label("top_box"),
        )
        .join(Rating, Rating.interaction_id == Interaction.id)
        .where(*_in_experiment(experiment), Rating.source == "user")
        .group_by(Interaction.variant, Interaction.user_pseudonym)
        .subquery("per_user")
    )
    return experiment_metrics._per_arm(session, per_user, RATING_RATIOS, [])


def latency_histograms(session: Session, experiment: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rows = session.execute(
        select(Interaction.variant, Interaction.latency_ms, func.count())
        .where(*_in_experiment(experiment), Interaction.latency_ms.is_not(None))
        .group_by(Interaction.variant, Interaction.latency_ms)
        .order_by(Interaction.variant, Interaction.latency_ms)
    ).all()
    histograms: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for variant in VARIANTS:
        mine = [(value, count) for arm, value, count in rows if arm == variant]
        histograms[variant] = (
            np.array([value for value, _ in mine], dtype=float),
            np.array([count for _, count in mine], dtype=np.int64),
        )
    return histograms


def percentiles_postgres(session: Session, experiment: str) -> dict[str, dict[float, float]]:
    """`percentile_cont` per arm (PostgreSQL only): what the exact histogram's percentiles must equal."""
    columns = [func.percentile_cont(q).within_group(Interaction.latency_ms) for q in PERCENTILES]
    rows = session.execute(
        select(Interaction.variant, *columns)
        .where(*_in_experiment(experiment), Interaction.latency_ms.is_not(None))
        .group_by(Interaction.variant)
    ).all()
    return {row[0]: dict(zip(PERCENTILES, map(float, row[1:]), strict=True)) for row in rows}


REPLACEMENTS: dict[tuple[Any, str], Any] = {
    (overview, "_counts"): counts,
    (overview, "_user_ratings"): user_ratings,
    (overview, "interactions_per_day"): interactions_per_day,
    (overview, "interactions_per_model"): interactions_per_model,
    (kpis, "_calls_per_day"): calls_per_day,
    (kpis, "_stars_per_day"): stars_per_day,
    (kpis, "_people_per_day"): people_per_day,
    (engagement, "_first_days"): first_days,
    (costs, "_per_day_model"): per_day_model,
    (experiment_metrics, "_interaction_sums"): interaction_sums,
    (experiment_metrics, "_rating_sums"): rating_sums,
    (experiment_metrics, "_latency_histograms"): latency_histograms,
}


def is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)
