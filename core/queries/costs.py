"""Costs: inference spend per day and per model, cost per interaction, training spend, the price table.

In: a session, the acting principal (`VIEW_METRICS` to read; `EDIT_SETTINGS` to add a price) and the
settings (the cost target, unless an admin stored another: `core.targets`). Out: `Costs` — spend per
(day, model) over the last `WINDOW_DAYS` days of data, the window's cost per interaction against its
target, a monthly projection from the last 7 days, training spend per fine-tuning job (newest
`MAX_JOBS`) and the price table (newest row per model first).
`add_price()` appends a dated price row (prices are never overwritten, so history stays priced), audited.
Spend per (day, model) is read from the `rollup_calls` rollup (`core.rollups`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.auth import Permission, Principal, require
from core.config import Settings
from core.errors import InputError
from core.models import FinetuneJob, Price, RollupCalls
from core.queries.kpis import WINDOW_DAYS, window
from core.rollups.definitions import UNKNOWN_MODEL
from core.targets import effective_targets

PROJECTION_DAYS: Final = 7
DAYS_PER_MONTH: Final = 30
MAX_JOBS: Final = 500


@dataclass(frozen=True)
class DayModelCost:
    day: date
    model: str | None
    cost_usd: float
    interactions: int


@dataclass(frozen=True)
class JobSpend:
    id: int
    provider: str
    base_model: str
    status: str
    created_at: datetime
    estimated_cost_usd: float | None
    actual_cost_usd: float | None


@dataclass(frozen=True)
class Costs:
    per_day_model: list[DayModelCost]
    cost_per_interaction: float | None
    target_cost_per_interaction: float
    projected_monthly_usd: float | None
    jobs: list[JobSpend]
    prices: list[Price]

    @property
    def inference_total_usd(self) -> float:
        return sum(row.cost_usd for row in self.per_day_model)

    @property
    def training_total_usd(self) -> float:
        return sum((job.actual_cost_usd or job.estimated_cost_usd or 0.0) for job in self.jobs)


def costs(*, session: Session, principal: Principal, settings: Settings) -> Costs:
    require(principal, Permission.VIEW_METRICS)
    per_day_model, priced = _per_day_model(session)
    total = sum(row.cost_usd for row in per_day_model)
    days = sorted({row.day for row in per_day_model})
    recent = set(days[-PROJECTION_DAYS:])
    recent_cost = sum(row.cost_usd for row in per_day_model if row.day in recent)
    return Costs(
        per_day_model=per_day_model,
        cost_per_interaction=total / priced if priced else None,
        target_cost_per_interaction=effective_targets(session, settings)["target_cost_per_interaction_usd"],
        projected_monthly_usd=recent_cost / len(recent) * DAYS_PER_MONTH if recent else None,
        jobs=_jobs(session),
        prices=list(session.scalars(select(Price).order_by(Price.model, Price.effective_from.desc()))),
    )


def _per_day_model(session: Session) -> tuple[list[DayModelCost], int]:
    """Spend per (day, model) over the window, from `rollup_calls`, and the number of priced calls."""
    bounds = window(session, WINDOW_DAYS)
    if bounds is None:
        return [], 0
    start, end = bounds
    rows = session.execute(
        select(RollupCalls.day, RollupCalls.model, RollupCalls.cost_usd, RollupCalls.n, RollupCalls.priced)
        .where(RollupCalls.day >= start.date().isoformat(), RollupCalls.day < end.date().isoformat())
        .order_by(RollupCalls.day, RollupCalls.model)
    ).all()
    result = [
        DayModelCost(date.fromisoformat(d), None if model == UNKNOWN_MODEL else model, float(cost), int(n))
        for d, model, cost, n, _ in rows
    ]
    return result, sum(int(row[4]) for row in rows)


def _jobs(session: Session) -> list[JobSpend]:
    rows = session.scalars(select(FinetuneJob).order_by(FinetuneJob.created_at.desc()).limit(MAX_JOBS))
    return [
        JobSpend(
            j.id, j.provider, j.base_model, j.status, j.created_at, j.estimated_cost_usd, j.actual_cost_usd
        )
        for j in rows
    ]


def add_price(
    *,
    session: Session,
    principal: Principal,
    model: str,
    input_per_1m: float,
    output_per_1m: float,
    training_per_1m: float | None,
    effective_from: date,
    note: str | None = None,
) -> Price:
    """A new dated price for `model`; the newest row per model is the one in force."""
    require(principal, Permission.EDIT_SETTINGS)
    model = model.strip()
    if not model:
        raise InputError("a price needs a model name")
    if min(input_per_1m, output_per_1m, training_per_1m or 0.0) < 0:
        raise InputError("prices cannot be negative")
    clash = session.scalar(
        select(Price.id).where(Price.model == model, Price.effective_from == effective_from)
    )
    if clash is not None:
        raise InputError(f"{model} already has a price from {effective_from}; choose another date")
    price = Price(
        model=model,
        input_per_1m=input_per_1m,
        output_per_1m=output_per_1m,
        training_per_1m=training_per_1m,
        effective_from=effective_from,
        note=note,
    )
    session.add(price)
    audit.record(
        session,
        principal,
        "price.add",
        model,
        input_per_1m=input_per_1m,
        output_per_1m=output_per_1m,
        training_per_1m=training_per_1m,
        effective_from=effective_from.isoformat(),
    )
    session.commit()
    return price
