"""Per-arm sufficient statistics of one experiment, computed by the database.

In: a session and an experiment name. Out: `ArmData` per variant ("control", "treatment") — the number of
users (the randomisation unit), interactions, `RatioMoments` for every per-interaction metric, and the
arm's latency histogram and p50/p95 — ready for `core.stats`.

Every number is a SQL aggregate: the inner query groups the experiment's interactions (or user ratings) per
(variant, user) into per-user numerators and denominators; the outer query sums them per arm together with
their squares and cross products (n, Σx, Σx², Σy, Σy², Σxy), which is all the delta method needs. Latency
comes back as a `GROUP BY variant, latency_ms` histogram (a few thousand rows at most), which gives the
exact percentile on SQLite and feeds the bootstrap; PostgreSQL computes the percentiles with
`percentile_cont`. Interactions without a user pseudonym cannot be attributed to a unit and are left out.
The index `ix_interaction_experiment` (experiment, variant, user_pseudonym, status, cost_usd, latency_ms)
covers the interaction side, so no query reads the wide interaction rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from core.models import Interaction, Rating
from core.sql import dialect_of
from core.stats import RatioMoments, percentile_from_histogram

VARIANTS: Final = ("control", "treatment")
PERCENTILES: Final = (0.5, 0.95)

# (numerator, denominator) column names of the per-user subqueries, by metric key
INTERACTION_RATIOS: Final = {
    "success_rate": ("ok", "calls"),
    "cost_per_interaction": ("cost", "priced"),
}
RATING_RATIOS: Final = {
    "thumbs_up_rate": ("thumbs_up", "thumbs"),
    "mean_stars": ("stars_sum", "stars"),
    "top_box_share": ("top_box", "stars"),
}


@dataclass(frozen=True)
class ArmData:
    """What the database says about one arm."""

    variant: str
    users: int = 0
    interactions: int = 0
    ratios: dict[str, RatioMoments] = field(default_factory=dict)
    latency_values: np.ndarray = field(default_factory=lambda: np.zeros(0))
    latency_counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    percentiles: dict[float, float] = field(default_factory=dict)

    @property
    def latency_histogram(self) -> tuple[np.ndarray, np.ndarray]:
        return self.latency_values, self.latency_counts


def arm_data(session: Session, experiment: str) -> dict[str, ArmData]:
    """`ArmData` for both variants of `experiment` (empty arms when nothing is stored yet)."""
    interactions = _interaction_sums(session, experiment)
    ratings = _rating_sums(session, experiment)
    histograms = _latency_histograms(session, experiment)
    postgres = dialect_of(session) == "postgresql"
    percentiles = _percentiles_postgres(session, experiment) if postgres else {}
    arms = {}
    for variant in VARIANTS:
        base = interactions.get(variant, {})
        values, counts = histograms.get(variant, (np.zeros(0), np.zeros(0, dtype=np.int64)))
        arm_percentiles = percentiles.get(variant) or {
            q: percentile_from_histogram(values, counts, q) for q in PERCENTILES if counts.sum() > 0
        }
        arms[variant] = ArmData(
            variant=variant,
            users=int(base.get("users", 0)),
            interactions=int(base.get("interactions", 0)),
            ratios={
                **_moments(base, INTERACTION_RATIOS),
                **_moments(ratings.get(variant, {}), RATING_RATIOS),
            },
            latency_values=values,
            latency_counts=counts,
            percentiles=arm_percentiles,
        )
    return arms


def _in_experiment(experiment: str) -> list[ColumnElement[bool]]:
    return [
        Interaction.experiment == experiment,
        Interaction.variant.in_(VARIANTS),
        Interaction.user_pseudonym.is_not(None),
    ]


def _interaction_sums(session: Session, experiment: str) -> dict[str, dict[str, float]]:
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
    return _per_arm(session, per_user, INTERACTION_RATIOS, extra)


def _rating_sums(session: Session, experiment: str) -> dict[str, dict[str, float]]:
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
    return _per_arm(session, per_user, RATING_RATIOS, [])


def _per_arm(
    session: Session, per_user: Any, ratios: dict[str, tuple[str, str]], extra: list[Any]
) -> dict[str, dict[str, float]]:
    """Sum per-user columns per arm, with the squares and cross products each ratio needs."""
    columns: dict[str, Any] = {}
    for numerator, denominator in ratios.values():
        x, y = per_user.c[numerator], per_user.c[denominator]
        columns[numerator] = func.sum(x)
        columns[f"{numerator}_sq"] = func.sum(x * x)
        columns[denominator] = func.sum(y)
        columns[f"{denominator}_sq"] = func.sum(y * y)
        columns[f"{numerator}_x_{denominator}"] = func.sum(x * y)
    statement: Select[Any] = select(
        per_user.c.variant,
        func.count().label("users"),
        *extra,
        *(value.label(name) for name, value in columns.items()),
    ).group_by(per_user.c.variant)
    return {
        row["variant"]: {key: float(value or 0) for key, value in row.items() if key != "variant"}
        for row in session.execute(statement).mappings()
    }


def _moments(sums: dict[str, float], ratios: dict[str, tuple[str, str]]) -> dict[str, RatioMoments]:
    users = int(sums.get("users", 0))
    return {
        key: RatioMoments(
            n=users,
            x=sums.get(x, 0.0),
            x_sq=sums.get(f"{x}_sq", 0.0),
            y=sums.get(y, 0.0),
            y_sq=sums.get(f"{y}_sq", 0.0),
            xy=sums.get(f"{x}_x_{y}", 0.0),
        )
        for key, (x, y) in ratios.items()
    }


def _latency_histograms(session: Session, experiment: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
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


def _percentiles_postgres(session: Session, experiment: str) -> dict[str, dict[float, float]]:
    columns = [func.percentile_cont(q).within_group(Interaction.latency_ms) for q in PERCENTILES]
    rows = session.execute(
        select(Interaction.variant, *columns)
        .where(*_in_experiment(experiment), Interaction.latency_ms.is_not(None))
        .group_by(Interaction.variant)
    ).all()
    return {row[0]: dict(zip(PERCENTILES, map(float, row[1:]), strict=True)) for row in rows}
