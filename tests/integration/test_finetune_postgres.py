"""Fine-tuning on a real PostgreSQL: a job's full life, concurrent double launch, and two workers at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from core.auth import Principal
from core.config import Settings
from core.finetune import jobs
from core.finetune.worker import Worker
from core.models import FinetuneJob, JobEvent, RegisteredModel
from tests.fakes.openai_finetune import FakeFineTuning
from tests.finetune_support import (
    TODAY,
    Clock,
    drive,
    fake_openai,
    launch,
    make_version,
    provider_settings,
    request,
)

__all__ = ["fake_openai"]


def test_full_life_on_postgres(
    pg_engine: Engine,
    pg_session: Session,
    pg_settings: Settings,
    admin: Principal,
    fake_openai: FakeFineTuning,
) -> None:
    ft_settings = provider_settings(pg_settings, fake_openai)
    make_version(pg_session)
    job = launch(pg_session, ft_settings, admin)
    clock = Clock()
    done = drive(Worker(engine=pg_engine, settings=ft_settings, clock=clock), clock, pg_session, job.id)
    assert done.status == "succeeded" and done.actual_cost_usd
    assert pg_session.scalar(select(func.count()).select_from(RegisteredModel)) == 1


def test_concurrent_double_submit_is_one_job(
    pg_engine: Engine,
    pg_session: Session,
    pg_settings: Settings,
    admin: Principal,
    fake_openai: FakeFineTuning,
) -> None:
    ft_settings = provider_settings(pg_settings, fake_openai)
    make_version(pg_session)
    start = threading.Barrier(4)

    def submit(_: int) -> int:
        with Session(pg_engine) as session:
            start.wait()
            job = jobs.launch(
                session=session,
                principal=admin,
                request=request(idempotency_key="form-42"),
                settings=ft_settings,
                today=TODAY,
            )
            return job.id

    with ThreadPoolExecutor(4) as pool:
        ids = set(pool.map(submit, range(4)))
    assert len(ids) == 1
    assert pg_session.scalar(select(func.count()).select_from(FinetuneJob)) == 1


def test_two_workers_never_process_the_same_job(
    pg_engine: Engine,
    pg_session: Session,
    pg_settings: Settings,
    admin: Principal,
    fake_openai: FakeFineTuning,
) -> None:
    ft_settings = provider_settings(pg_settings, fake_openai)
    make_version(pg_session)
    created = [launch(pg_session, ft_settings, admin, suffix=f"s{n}").id for n in range(6)]
    clock = Clock()
    workers = [
        Worker(engine=pg_engine, settings=ft_settings, clock=clock, worker_id=f"w{n}") for n in range(2)
    ]

    # both claim at the same moment: disjoint sets covering every due job
    start = threading.Barrier(2)

    def claim(worker: Worker) -> list[int]:
        start.wait()
        return worker.claim(limit=10)

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(claim, workers)
    assert not set(first) & set(second) and sorted(first + second) == created
    pg_session.execute(FinetuneJob.__table__.update().values(claimed_by=None, claimed_until=None))
    pg_session.commit()

    # then they run side by side to the end: one provider job per job, every event stored once
    for _ in range(10):
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda w: w.run_once(), workers))
        clock.advance(ft_settings.finetune_poll_seconds + 1)
    pg_session.expire_all()
    statuses = pg_session.scalars(select(FinetuneJob.status)).all()
    assert statuses == ["succeeded"] * 6
    assert len(fake_openai.jobs) == 6
    duplicates = pg_session.execute(
        select(JobEvent.job_id, JobEvent.external_id, func.count())
        .where(JobEvent.external_id.is_not(None))
        .group_by(JobEvent.job_id, JobEvent.external_id)
        .having(func.count() > 1)
    ).all()
    assert duplicates == []
    assert pg_session.scalar(select(func.count()).select_from(RegisteredModel)) == 6
