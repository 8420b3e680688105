"""Per-arm sufficient statistics of one experiment, computed by the database.

In: a session and an experiment name. Out: `ArmData` per variant ("control", "treatment") — the number of
users (the randomisation unit), interactions, `RatioMoments` for every per-interaction metric, and the
arm's latency histogram and p50/p95 — ready for `core.stats`.

Every number is a SQL aggregate over the experiment's rollups (`core.rollups`), which hold per
(variant, user) the sums of the experiment's interactions (`rollup_experiment_calls`) and of their users'
ratings (`rollup_experiment_ratings`): the query sums them per arm together with their squares and cross
products (n, Σx, Σx², Σy, Σy², Σxy), which is all the delta method needs. Latency comes from
`rollup_experiment_latency`, the exact histogram of each arm (one row per distinct latency in ms, a few
thousand at most): it feeds the bootstrap and gives the exact `percentile_cont` (linear interpolation)
percentiles on SQLite and PostgreSQL alike, so no bucket error applies. Interactions without a user
pseudonym cannot be attributed to a unit and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from core.models import RollupExperimentCalls, RollupExperimentLatency, RollupExperimentRatings
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
    arms = {}
    for variant in VARIANTS:
        base = interactions.get(variant, {})
        values, counts = histograms.get(variant, (np.zeros(0), np.zeros(0, dtype=np.int64)))
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
            percentiles={
                q: percentile_from_histogram(values, counts, q) for q in PERCENTILES if counts.sum() > 0
            },
        )
    return arms


def _interaction_sums(session: Session, experiment: str) -> dict[str, dict[str, float]]:
    r = RollupExperimentCalls
    per_user = (
        select(
            r.variant.label("variant"),
            r.n.label("calls"),
            r.ok.label("ok"),
            r.cost_usd.label("cost"),
            r.priced.label("priced"),
        )
        .where(r.experiment == experiment, r.variant.in_(VARIANTS))
        .subquery("per_user")
    )
    extra = [func.sum(per_user.c.calls).label("interactions")]
    return _per_arm(session, per_user, INTERACTION_RATIOS, extra)


def _rating_sums(session: Session, experiment: str) -> dict[str, dict[str, float]]:
    r = RollupExperimentRatings
    per_user = (
        select(
            r.variant.label("variant"),
            r.thumbs_up.label("thumbs_up"),
            r.thumbs.label("thumbs"),
            r.stars_sum.label("stars_sum"),
            r.stars.label("stars"),
            r.top_box.label("top_box"),
        )
        .where(r.experiment == experiment, r.variant.in_(VARIANTS))
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
    r = RollupExperimentLatency
    rows = session.execute(
        select(r.variant, r.latency_ms, r.n)
        .where(r.experiment == experiment, r.variant.in_(VARIANTS))
        .order_by(r.variant, r.latency_ms)
    ).all()
    histograms: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for variant in VARIANTS:
        mine = [(value, count) for arm, value, count in rows if arm == variant]
        histograms[variant] = (
            np.array([value for value, _ in mine], dtype=float),
            np.array([count for _, count in mine], dtype=np.int64),
        )
    return histograms
