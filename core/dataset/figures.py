"""The Training data page's figures, every one aggregated by the database.

In: a session and a principal allowed to view interactions (and a dataset version for the per-version
figures). Out:
- `rating_distribution()`: user star ratings 1-5 → count;
- `quality_per_day()`: per UTC day, interactions and high-quality examples (the readiness gate's definition);
- `token_histogram()`: a dataset version's example token counts in equal-width bins;
- `models_in_use()`: the distinct answering models (for the build form's filter), at most 200;
- `cost_table()`: what fine-tuning each tunable base model of the catalogue on the version's training split
  would cost (the cookbook's epochs and billed tokens, the price table's training price, else the catalogue's
  reference price), one row per provider and model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.auth import Permission, Principal, require
from core.dataset.readiness import high_quality
from core.errors import NotFound
from core.finetune import catalogue
from core.finetune.estimate import estimate_cost
from core.models import DatasetMember, DatasetVersion, Interaction, Rating
from core.providers.base import Hyperparameters
from core.sql import day


@dataclass(frozen=True)
class DayCount:
    day: date
    interactions: int
    high_quality: int


@dataclass(frozen=True)
class Bin:
    low: int
    high: int  # exclusive
    examples: int


@dataclass(frozen=True)
class CostRow:
    provider: str
    model: str
    label: str
    examples: int
    billed_tokens: int
    epochs: int | None
    price_per_1m: float | None
    cost_usd: float | None
    open_for_jobs: bool
    note: str


def rating_distribution(*, session: Session, principal: Principal) -> dict[int, int]:
    require(principal, Permission.VIEW_INTERACTIONS)
    rows = session.execute(
        select(Rating.stars, func.count())
        .where(Rating.source == "user", Rating.stars.is_not(None))
        .group_by(Rating.stars)
    ).all()
    found = {int(stars or 0): int(count) for stars, count in rows}
    return {stars: found.get(stars, 0) for stars in range(1, 6)}


def quality_per_day(*, session: Session, principal: Principal) -> list[DayCount]:
    require(principal, Permission.VIEW_INTERACTIONS)
    when = day(Interaction.created_at)
    rows = session.execute(
        select(when, func.count(), func.sum(case((high_quality(), 1), else_=0))).group_by(when).order_by(when)
    ).all()
    return [DayCount(date.fromisoformat(str(d)), int(n), int(good or 0)) for d, n, good in rows]


def token_histogram(*, session: Session, principal: Principal, version_id: int, bins: int = 20) -> list[Bin]:
    require(principal, Permission.VIEW_INTERACTIONS)
    in_version = DatasetMember.dataset_version_id == version_id
    lowest, highest = session.execute(
        select(func.min(DatasetMember.tokens), func.max(DatasetMember.tokens)).where(in_version)
    ).one()
    if lowest is None or highest is None:
        return []
    low = int(lowest)
    width = max(1, -(-(int(highest) - low + 1) // bins))  # ceiling division
    bucket = (DatasetMember.tokens - low) // width
    rows = session.execute(
        select(bucket, func.count()).where(in_version, DatasetMember.tokens.is_not(None)).group_by(bucket)
    ).all()
    counts = {int(b or 0): int(n) for b, n in rows}
    return [
        Bin(low + i * width, low + (i + 1) * width, counts.get(i, 0))
        for i in range(max(counts, default=-1) + 1)
    ]


def models_in_use(*, session: Session, principal: Principal) -> list[str]:
    require(principal, Permission.VIEW_INTERACTIONS)
    statement = (
        select(Interaction.model).where(Interaction.model.is_not(None)).distinct().order_by(Interaction.model)
    )
    return [str(m) for m in session.scalars(statement.limit(200))]


def cost_table(*, session: Session, principal: Principal, version_id: int, today: date) -> list[CostRow]:
    require(principal, Permission.VIEW_INTERACTIONS)
    version = session.get(DatasetVersion, version_id)
    if version is None:
        raise NotFound(f"dataset version {version_id} does not exist")
    rows = []
    for entry in catalogue.entries(tunable_only=True):
        estimate = estimate_cost(
            session=session, version=version, entry=entry, hyperparameters=Hyperparameters()
        )
        rows.append(
            CostRow(
                provider=entry.provider,
                model=entry.model,
                label=entry.label,
                examples=estimate.examples,
                billed_tokens=estimate.billed_tokens,
                epochs=estimate.epochs,
                price_per_1m=estimate.price_per_1m,
                cost_usd=estimate.cost_usd,
                open_for_jobs=entry.open_on(today),
                note=entry.note,
            )
        )
    return rows
