"""What the job page shows about one fine-tuning job: its curves, its events, its clock, its dataset names.

In: a session, a principal allowed to view metrics, a job id (and for `timing`, the job row and "now").
Out:
- `metric_curve()` — the job's metric points (step, train loss, validation loss, token accuracy) in step
  order, averaged per step by the database and, past `max_points` steps, per equal-width bucket of steps, so
  a 100,000-step job still draws from at most `max_points` rows;
- `event_log()` — one page of the job's events, newest first, with the total;
- `timing()` — elapsed time and, when the provider gave one, the estimated finish and time remaining;
- `dataset_labels()` — "name vN" of the dataset versions a page of jobs trained on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.auth import Permission, Principal, require
from core.errors import InputError, NotFound
from core.models import DatasetVersion, FinetuneJob, JobEvent
from core.providers.base import JobStatus

MAX_POINTS: Final = 500
MAX_PAGE_SIZE: Final = 500


@dataclass(frozen=True)
class MetricPoint:
    step: int
    train_loss: float | None
    valid_loss: float | None
    accuracy: float | None


@dataclass(frozen=True)
class EventPage:
    events: list[JobEvent]
    total: int
    page: int
    page_size: int

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class Timing:
    elapsed: timedelta
    estimated_finish: datetime | None
    remaining: timedelta | None


def metric_curve(
    *, session: Session, principal: Principal, job_id: int, max_points: int = MAX_POINTS
) -> list[MetricPoint]:
    require(principal, Permission.VIEW_METRICS)
    _exists(session, job_id)
    if max_points < 1:
        raise InputError("a curve needs at least one point")
    with_metrics = (
        JobEvent.job_id == job_id,
        JobEvent.step.is_not(None),
        or_(
            JobEvent.train_loss.is_not(None), JobEvent.valid_loss.is_not(None), JobEvent.accuracy.is_not(None)
        ),
    )
    low, high, steps = session.execute(
        select(
            func.min(JobEvent.step), func.max(JobEvent.step), func.count(func.distinct(JobEvent.step))
        ).where(*with_metrics)
    ).one()
    if not steps or low is None or high is None:
        return []
    width = 1 if steps <= max_points else -(-(high - low + 1) // max_points)
    bucket = (JobEvent.step - low) // width if width > 1 else JobEvent.step  # SQL floor division
    rows = session.execute(
        select(
            func.max(JobEvent.step),
            func.avg(JobEvent.train_loss),
            func.avg(JobEvent.valid_loss),
            func.avg(JobEvent.accuracy),
        )
        .where(*with_metrics)
        .group_by(bucket)
        .order_by(func.max(JobEvent.step))
    )
    return [
        MetricPoint(int(step), _float(train), _float(valid), _float(accuracy))
        for step, train, valid, accuracy in rows
    ]


def event_log(
    *, session: Session, principal: Principal, job_id: int, page: int = 1, page_size: int = 50
) -> EventPage:
    require(principal, Permission.VIEW_METRICS)
    _exists(session, job_id)
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InputError(f"page size must be between 1 and {MAX_PAGE_SIZE}")
    page = max(1, page)
    total = session.scalar(select(func.count()).select_from(JobEvent).where(JobEvent.job_id == job_id)) or 0
    events = session.scalars(
        select(JobEvent)
        .where(JobEvent.job_id == job_id)
        .order_by(JobEvent.ts.desc(), JobEvent.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return EventPage(list(events), total, page, page_size)


def timing(job: FinetuneJob, now: datetime) -> Timing:
    """How long the job has run (from its start, else its creation, to its end or `now`) and how long it has
    left by the provider's estimate (`details["estimated_finish"]`, naive UTC ISO text), if any."""
    begun = job.started_at or job.created_at
    elapsed = max(timedelta(0), (job.finished_at or now) - begun)
    raw = (job.details or {}).get("estimated_finish")
    finish = _parsed(raw) if isinstance(raw, str) and not JobStatus(job.status).finished else None
    return Timing(elapsed, finish, max(timedelta(0), finish - now) if finish else None)


def dataset_labels(*, session: Session, principal: Principal, ids: list[int]) -> dict[int, str]:
    require(principal, Permission.VIEW_METRICS)
    if not ids:
        return {}
    rows = session.execute(
        select(DatasetVersion.id, DatasetVersion.name, DatasetVersion.version).where(
            DatasetVersion.id.in_(set(ids[:MAX_PAGE_SIZE]))
        )
    )
    return {version_id: f"{name} v{version}" for version_id, name, version in rows}


def _exists(session: Session, job_id: int) -> None:
    if session.get(FinetuneJob, job_id) is None:
        raise NotFound(f"no fine-tuning job {job_id}; `bloomtune finetune list` shows the jobs")


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _parsed(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)
