"""Success metrics against their targets (DESIGN.md §7), with a daily trend — every number from SQL.

In: a session, the acting principal (needs `VIEW_METRICS`) and the settings (targets: their defaults,
overridden by what an admin stored, see `core.targets`). Out: `Kpis` — one
`Kpi` per success metric (current value over the last `WINDOW_DAYS` days of data, target, breach flag,
daily values for a sparkline) and the daily rows they come from (`DailyRow`), which the Engagement and
Costs pages reuse.

The window ends at the newest interaction, so imported history and demo data show a trend too. Every
per-day figure is read from the rollup tables (`core.rollups`), a few rows per day:
- `rollup_calls`: calls, successes, cost and priced calls per day;
- `rollup_latency`: calls per (day, latency bucket of `LATENCY_BUCKET_MS`), which gives a p95 latency to
  the nearest bucket;
- `rollup_rating_day`: user ratings per day (stars, by the rating's own timestamp);
- `rollup_user_day` / `rollup_conversation_day`: distinct users and conversations per day.
Medical accuracy is the share of clinician verdicts that are "accurate", all time (reviews are few).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.auth import Permission, Principal, require
from core.config import Settings
from core.models import (
    Interaction,
    Review,
    RollupCalls,
    RollupConversationDay,
    RollupLatency,
    RollupRatingDay,
    RollupUserDay,
)
from core.rollups.definitions import LATENCY_BUCKET_MS
from core.targets import effective_settings

WINDOW_DAYS: Final = 30
P95: Final = 0.95


@dataclass(frozen=True)
class DailyRow:
    day: date
    interactions: int = 0
    successes: int = 0
    cost_usd: float = 0.0
    priced: int = 0
    p95_latency_ms: float | None = None
    star_sum: int = 0
    star_count: int = 0
    users: int = 0
    conversations: int = 0


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    value: float | None
    target: float | None
    higher_is_better: bool
    unit: str  # "stars", "ms", "share", "usd", "count"
    trend: list[float | None] = field(default_factory=list)

    def format(self, value: float | None) -> str:
        """`value` in this KPI's unit, for people ("—" when unknown)."""
        if value is None:
            return "—"
        if self.unit == "stars":
            return f"{value:.2f} / 5"
        if self.unit == "ms":
            return f"{value:,.0f} ms"
        if self.unit == "share":
            return f"{value:.1%}"
        if self.unit == "usd":
            return f"${value:.4f}"
        return f"{value:,.1f}"

    @property
    def breached(self) -> bool:
        if self.value is None or self.target is None:
            return False
        return self.value < self.target if self.higher_is_better else self.value > self.target


@dataclass(frozen=True)
class Kpis:
    days: list[DailyRow]
    kpis: list[Kpi]

    @property
    def breaches(self) -> list[Kpi]:
        return [kpi for kpi in self.kpis if kpi.breached]


def kpis(*, session: Session, principal: Principal, settings: Settings) -> Kpis:
    """Every success metric over the last `WINDOW_DAYS` days of data; empty when nothing is stored."""
    require(principal, Permission.VIEW_METRICS)
    settings = effective_settings(session, settings)
    rows = daily_rows(session)
    if not rows:
        return Kpis(days=[], kpis=[])
    total = _totals(rows)
    trend: dict[str, list[float | None]] = {
        "satisfaction": [_ratio(r.star_sum, r.star_count) for r in rows],
        "p95": [r.p95_latency_ms for r in rows],
        "success": [_ratio(r.successes, r.interactions) for r in rows],
        "cost": [_ratio(r.cost_usd, r.priced) for r in rows],
        "users": [float(r.users) for r in rows],
        "messages": [_ratio(r.interactions, r.conversations) for r in rows],
    }
    items = [
        Kpi("satisfaction", "Satisfaction", total["satisfaction"], settings.target_satisfaction, True, "stars", trend["satisfaction"]),
        Kpi("p95_latency", "p95 response time", total["p95"], settings.target_p95_latency_ms, False, "ms", trend["p95"]),
        Kpi("success_rate", "API success", total["success"], settings.target_success_rate, True, "share", trend["success"]),
        Kpi("cost", "Cost per interaction", total["cost"], settings.target_cost_per_interaction_usd, False, "usd", trend["cost"]),
        Kpi("daily_users", "Daily active users", total["users"], None, True, "count", trend["users"]),
        Kpi("messages_per_session", "Messages per session", total["messages"], None, True, "count", trend["messages"]),
        Kpi("medical_accuracy", "Medical accuracy", medical_accuracy(session), settings.target_medical_accuracy, True, "share"),
    ]  # fmt: skip
    return Kpis(days=rows, kpis=items)


def _totals(rows: list[DailyRow]) -> dict[str, float | None]:
    interactions = sum(r.interactions for r in rows)
    p95s = [r.p95_latency_ms for r in rows if r.p95_latency_ms is not None]
    return {
        "satisfaction": _ratio(sum(r.star_sum for r in rows), sum(r.star_count for r in rows)),
        # the window's p95 is taken as the median of the daily p95s: robust and cheap
        "p95": sorted(p95s)[len(p95s) // 2] if p95s else None,
        "success": _ratio(sum(r.successes for r in rows), interactions),
        "cost": _ratio(sum(r.cost_usd for r in rows), sum(r.priced for r in rows)),
        "users": sum(r.users for r in rows) / len(rows),
        "messages": _ratio(interactions, sum(r.conversations for r in rows)),
    }


def window(session: Session, days: int = WINDOW_DAYS) -> tuple[datetime, datetime] | None:
    """[start, end) of the last `days` UTC days that end with the newest interaction's day."""
    last = session.scalar(select(func.max(Interaction.created_at)))
    if last is None:
        return None
    end = datetime.combine(last.date() + timedelta(days=1), time.min)
    return end - timedelta(days=days), end


def daily_rows(session: Session, days: int = WINDOW_DAYS) -> list[DailyRow]:
    """One `DailyRow` per day of the window (days without data have zeros)."""
    bounds = window(session, days)
    if bounds is None:
        return []
    start, end = bounds
    calls = _calls_per_day(session, start, end)
    stars = _stars_per_day(session, start, end)
    people = _people_per_day(session, start, end)
    rows = []
    for offset in range(days):
        key = (start + timedelta(days=offset)).date().isoformat()
        c, s, p = calls.get(key, {}), stars.get(key, (0, 0)), people.get(key, (0, 0))
        rows.append(
            DailyRow(
                day=date.fromisoformat(key),
                interactions=int(c.get("n", 0)),
                successes=int(c.get("ok", 0)),
                cost_usd=float(c.get("cost", 0.0)),
                priced=int(c.get("priced", 0)),
                p95_latency_ms=c.get("p95"),
                star_sum=s[0],
                star_count=s[1],
                users=p[0],
                conversations=p[1],
            )
        )
    return rows


def _calls_per_day(session: Session, start: datetime, end: datetime) -> dict[str, dict[str, float]]:
    first, stop = _day_range(start, end)
    calls = session.execute(
        select(
            RollupCalls.day,
            func.sum(RollupCalls.n),
            func.sum(RollupCalls.ok),
            func.sum(RollupCalls.cost_usd),
            func.sum(RollupCalls.priced),
        )
        .where(RollupCalls.day >= first, RollupCalls.day < stop)
        .group_by(RollupCalls.day)
    )
    totals: dict[str, dict[str, float]] = {
        key: {"n": n, "ok": ok or 0, "cost": cost or 0.0, "priced": priced or 0}
        for key, n, ok, cost, priced in calls
    }
    latency: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for key, bucket_value, n in session.execute(
        select(RollupLatency.day, RollupLatency.bucket, RollupLatency.n)
        .where(RollupLatency.day >= first, RollupLatency.day < stop)
        .order_by(RollupLatency.day, RollupLatency.bucket)
    ):
        latency[key].append((int(bucket_value), int(n)))
    for key, histogram in latency.items():
        totals[key]["p95"] = _bucket_percentile(histogram, P95)
    return totals


def _day_range(start: datetime, end: datetime) -> tuple[str, str]:
    """[start, end) as the `YYYY-MM-DD` keys of the rollups (both bounds are midnights)."""
    return start.date().isoformat(), end.date().isoformat()


def _bucket_percentile(histogram: list[tuple[int, int]], q: float) -> float:
    """Nearest-rank percentile of a sorted (bucket, count) histogram, as the bucket's upper edge in ms."""
    rank = q * sum(n for _, n in histogram)
    seen = 0
    for bucket_value, n in histogram:
        seen += n
        if seen >= rank:
            return float((bucket_value + 1) * LATENCY_BUCKET_MS)
    return float((histogram[-1][0] + 1) * LATENCY_BUCKET_MS)


def _stars_per_day(session: Session, start: datetime, end: datetime) -> dict[str, tuple[int, int]]:
    first, stop = _day_range(start, end)
    statement = select(RollupRatingDay.day, RollupRatingDay.stars_sum, RollupRatingDay.stars).where(
        RollupRatingDay.day >= first, RollupRatingDay.day < stop
    )
    return {key: (int(total or 0), int(n)) for key, total, n in session.execute(statement)}


def _people_per_day(session: Session, start: datetime, end: datetime) -> dict[str, tuple[int, int]]:
    first, stop = _day_range(start, end)
    users = _keys_per_day(session, RollupUserDay.day, first, stop)
    conversations = _keys_per_day(session, RollupConversationDay.day, first, stop)
    return {
        key: (users.get(key, 0), conversations.get(key, 0)) for key in users.keys() | conversations.keys()
    }


def _keys_per_day(session: Session, day_column: Any, first: str, stop: str) -> dict[str, int]:
    """How many keys of a (…, day) rollup each day has, through its `day` index."""
    rows = session.execute(
        select(day_column, func.count()).where(day_column >= first, day_column < stop).group_by(day_column)
    )
    return {key: int(n) for key, n in rows}


def medical_accuracy(session: Session) -> float | None:
    """Share of clinician verdicts (excluding "unsure") that are "accurate"; None without verdicts."""
    accurate, judged = session.execute(
        select(
            func.sum(case((Review.clinical_verdict == "accurate", 1), else_=0)),
            func.count(Review.clinical_verdict),
        ).where(Review.clinical_verdict.is_not(None), Review.clinical_verdict != "unsure")
    ).one()
    return _ratio(int(accurate or 0), int(judged) if judged else 0)


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None
