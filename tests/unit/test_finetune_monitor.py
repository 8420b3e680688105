"""The job page's read model: metric curves (bucketed by the database), the event log, the clock."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from core.auth import Principal, Role
from core.errors import NotFound
from core.finetune import monitor
from core.models import FinetuneJob, JobEvent
from tests.registry_data import dataset_version, finished_job

VIEWER = Principal("viewer@example.org", Role.VIEWER)
T0 = datetime(2026, 11, 1, 12, 0)


def add_events(session: Session, job: FinetuneJob, steps: range) -> None:
    session.add(JobEvent(job_id=job.id, external_id="created", ts=T0, message="Job created"))
    for step in steps:
        session.add(
            JobEvent(
                job_id=job.id,
                external_id=f"e{step}",
                ts=T0 + timedelta(minutes=step),
                message=f"Step {step}",
                step=step,
                train_loss=float(step),
                valid_loss=float(step) + 1 if step % 2 == 0 else None,
                accuracy=step / 100,
            )
        )
    session.add(  # a second point for step 1 (e.g. from the result file): averaged, not doubled
        JobEvent(job_id=job.id, external_id="csv-1", ts=T0, message="result", step=1, train_loss=3.0)
    )
    session.commit()


def test_the_curve_has_one_point_per_step_in_order(session: Session) -> None:
    job = finished_job(session)
    add_events(session, job, range(1, 11))
    curve = monitor.metric_curve(session=session, principal=VIEWER, job_id=job.id)
    assert [p.step for p in curve] == list(range(1, 11))
    assert curve[0] == monitor.MetricPoint(1, 2.0, None, 0.01)
    assert curve[1] == monitor.MetricPoint(2, 2.0, 3.0, 0.02)


def test_a_long_curve_is_bucketed_by_the_database(session: Session) -> None:
    job = finished_job(session)
    add_events(session, job, range(1, 11))
    curve = monitor.metric_curve(session=session, principal=VIEWER, job_id=job.id, max_points=3)
    assert [p.step for p in curve] == [4, 8, 10]  # buckets of 4 steps: 1-4, 5-8, 9-10
    assert curve[0].train_loss == pytest.approx((1 + 3 + 2 + 3 + 4) / 5)
    assert curve[1].valid_loss == pytest.approx((7 + 9) / 2)
    assert curve[2].accuracy == pytest.approx(0.095)


def test_no_metrics_no_curve_and_unknown_jobs_are_refused(session: Session) -> None:
    job = finished_job(session)
    assert monitor.metric_curve(session=session, principal=VIEWER, job_id=job.id) == []
    with pytest.raises(NotFound):
        monitor.metric_curve(session=session, principal=VIEWER, job_id=job.id + 1)
    with pytest.raises(NotFound):
        monitor.event_log(session=session, principal=VIEWER, job_id=job.id + 1)


def test_the_event_log_pages_newest_first(session: Session) -> None:
    job = finished_job(session)
    add_events(session, job, range(1, 6))
    first = monitor.event_log(session=session, principal=VIEWER, job_id=job.id, page_size=3)
    assert (first.total, first.page_count) == (7, 3)
    assert [e.message for e in first.events] == ["Step 5", "Step 4", "Step 3"]
    last = monitor.event_log(session=session, principal=VIEWER, job_id=job.id, page=3, page_size=3)
    assert [e.message for e in last.events] == ["Job created"]  # same time as "result", stored first


def test_timing_uses_the_providers_estimate_while_running(session: Session) -> None:
    job = finished_job(session)
    job.status, job.started_at, job.finished_at = "running", T0, None
    job.details = {"estimated_finish": (T0 + timedelta(hours=2)).isoformat()}
    running = monitor.timing(job, T0 + timedelta(minutes=30))
    assert (running.elapsed, running.remaining) == (timedelta(minutes=30), timedelta(minutes=90))
    job.details = {"estimated_finish": "2026-11-01T13:00:00+01:00"}  # an aware time is read as UTC
    assert monitor.timing(job, T0).estimated_finish == T0
    job.status, job.finished_at = "succeeded", T0 + timedelta(hours=1)
    done = monitor.timing(job, T0 + timedelta(days=3))
    assert (done.elapsed, done.estimated_finish, done.remaining) == (timedelta(hours=1), None, None)
    job.details = {}
    job.status, job.finished_at = "queued", None
    assert monitor.timing(job, T0 + timedelta(minutes=5)).remaining is None


def test_dataset_labels_name_each_version(session: Session) -> None:
    version = dataset_version(session, "cycle-faq", 4)
    assert monitor.dataset_labels(session=session, principal=VIEWER, ids=[version.id, version.id]) == {
        version.id: "cycle-faq v4"
    }
    assert monitor.dataset_labels(session=session, principal=VIEWER, ids=[]) == {}
