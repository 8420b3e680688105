"""OpenAI and Azure OpenAI fine-tuning end to end against the fake server: launch, worker, events, registry."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from core.auth import Principal
from core.config import Settings
from core.errors import InputError
from core.finetune import jobs
from core.finetune.worker import Worker
from core.models import AuditLog, FinetuneJob, JobEvent, RegisteredModel
from core.providers.base import JobStatus
from core.providers.openai_ft import normalise, parse_result_csv
from tests.fakes.openai_finetune import FakeFineTuning
from tests.finetune_support import Clock, drive, fake_openai, launch, make_version, provider_settings

__all__ = ["fake_openai"]


@pytest.fixture
def ft_settings(settings: Settings, fake_openai: FakeFineTuning) -> Settings:
    return provider_settings(settings, fake_openai)


@pytest.mark.parametrize("provider", ["openai", "azure"])
def test_full_life_of_a_job(
    provider: str,
    engine: Engine,
    session: Session,
    ft_settings: Settings,
    admin: Principal,
    fake_openai: FakeFineTuning,
) -> None:
    make_version(session)
    job = launch(session, ft_settings, admin, provider=provider)
    assert job.status == "queued" and job.estimated_cost_usd is not None and job.estimated_cost_usd > 0
    clock = Clock()
    worker = Worker(engine=engine, settings=ft_settings, clock=clock)
    done = drive(worker, clock, session, job.id)

    assert done.status == "succeeded", done.error
    assert done.fine_tuned_model == "ft:gpt-4o-mini-2024-07-18:bloom::ftjob-0001"
    assert done.trained_tokens == 6 * 100 * 3  # six training lines in the uploaded file
    assert done.actual_cost_usd == pytest.approx(1800 * 3.0 / 1_000_000)
    steps = session.scalars(
        select(JobEvent.step)
        .where(JobEvent.job_id == job.id, JobEvent.step.is_not(None))
        .order_by(JobEvent.step)
    ).all()
    assert steps == [10, 20, 30]  # metrics once each, the result file adding nothing new
    losses = session.scalars(
        select(JobEvent.train_loss).where(JobEvent.job_id == job.id, JobEvent.step == 10)
    ).all()
    assert losses == [2.0]
    assert [c["step"] for c in (done.details or {})["checkpoints"]] == [10, 20, 30]
    model = session.scalar(select(RegisteredModel).where(RegisteredModel.source_job_id == job.id))
    assert model is not None and model.status == "candidate" and model.provider == provider
    created = next(
        r for r in fake_openai.requests if r.path.split("?")[0].endswith("/fine_tuning/jobs") and r.body
    )
    assert created.body["metadata"] == {"bloomtune_job_id": str(job.id)}
    assert created.body["method"] == {
        "type": "supervised",
        "supervised": {"hyperparameters": {"n_epochs": 2}},
    }
    assert created.body["suffix"] == "bloom" and created.body["validation_file"]
    actions = set(session.scalars(select(AuditLog.action)))
    assert {"finetune.launch", "finetune.readiness_override", "model.register"} <= actions


def test_dpo_job_sends_the_dpo_method_and_preference_file(
    engine: Engine, session: Session, ft_settings: Settings, admin: Principal, fake_openai: FakeFineTuning
) -> None:
    make_version(session)
    job = launch(session, ft_settings, admin, method="dpo", base_model="gpt-4.1-mini")
    Worker(engine=engine, settings=ft_settings, clock=Clock()).run_once()
    created = next(r for r in fake_openai.requests if r.path.endswith("/fine_tuning/jobs") and r.body)
    assert created.body["method"]["type"] == "dpo"
    uploaded = fake_openai.files[created.body["training_file"]]["content"]
    assert b"preferred_output" in uploaded and b"non_preferred_output" in uploaded
    session.expire_all()
    assert session.get(FinetuneJob, job.id).external_id == "ftjob-0001"  # type: ignore[union-attr]


def test_restarted_worker_stores_no_event_twice(
    engine: Engine, session: Session, ft_settings: Settings, admin: Principal
) -> None:
    make_version(session)
    job = launch(session, ft_settings, admin)
    clock = Clock()
    first = Worker(engine=engine, settings=ft_settings, clock=clock)
    for _ in range(3):  # submit, then two polls
        first.run_once()
        clock.advance(11)
    # the first worker dies holding a claim and before saving its event cursor
    session.execute(
        FinetuneJob.__table__.update()
        .where(FinetuneJob.id == job.id)
        .values(event_cursor=None, claimed_by="dead", claimed_until=clock.now + timedelta(minutes=5))
    )
    session.commit()
    second = Worker(engine=engine, settings=ft_settings, clock=clock)
    assert second.run_once().claimed == 0  # the dead worker's claim still holds
    clock.advance(11 * 60)  # ...until its lease runs out
    done = drive(second, clock, session, job.id)
    assert done.status == "succeeded"
    per_event = session.execute(
        select(JobEvent.external_id, func.count())
        .where(JobEvent.job_id == job.id, JobEvent.external_id.is_not(None))
        .group_by(JobEvent.external_id)
    ).all()
    assert per_event and all(n == 1 for _, n in per_event)


def test_a_job_created_before_a_crash_is_found_not_created_again(
    engine: Engine, session: Session, ft_settings: Settings, admin: Principal, fake_openai: FakeFineTuning
) -> None:
    make_version(session)
    job = launch(session, ft_settings, admin)
    fake_openai.files["file-x"] = {"content": b"{}\n", "lines": 1}
    fake_openai.create_job(
        {
            "model": "gpt-4o-mini-2024-07-18",
            "training_file": "file-x",
            "metadata": {"bloomtune_job_id": str(job.id)},
        }
    )
    Worker(engine=engine, settings=ft_settings, clock=Clock()).run_once()
    session.expire_all()
    assert session.get(FinetuneJob, job.id).external_id == "ftjob-0001"  # type: ignore[union-attr]
    assert len(fake_openai.jobs) == 1


def test_double_launch_is_one_job(session: Session, ft_settings: Settings, admin: Principal) -> None:
    make_version(session)
    first = launch(session, ft_settings, admin)
    again = launch(session, ft_settings, admin)
    keyed = launch(session, ft_settings, admin, idempotency_key="form-1")
    keyed_again = launch(session, ft_settings, admin, idempotency_key="form-1", suffix="other")
    assert first.id == again.id and keyed.id == keyed_again.id and keyed.id != first.id
    assert session.scalar(select(func.count()).select_from(FinetuneJob)) == 2


def test_cancel_before_and_after_submission(
    engine: Engine, session: Session, ft_settings: Settings, admin: Principal, fake_openai: FakeFineTuning
) -> None:
    make_version(session)
    queued = launch(session, ft_settings, admin, suffix="a")
    jobs.cancel_job(session=session, principal=admin, job_id=queued.id, settings=ft_settings)
    assert queued.status == "cancelled" and queued.next_poll_at is None

    running = launch(session, ft_settings, admin, suffix="b")
    clock = Clock()
    worker = Worker(engine=engine, settings=ft_settings, clock=clock)
    worker.run_once()
    session.expire_all()
    jobs.cancel_job(session=session, principal=admin, job_id=running.id, settings=ft_settings)
    assert any(r.path.endswith("/cancel") for r in fake_openai.requests)
    done = drive(worker, clock, session, running.id)
    assert done.status == "cancelled" and done.raw_status == "cancelled"
    assert session.scalar(select(func.count()).select_from(RegisteredModel)) == 0
    with pytest.raises(Exception, match="already cancelled"):
        jobs.cancel_job(session=session, principal=admin, job_id=running.id, settings=ft_settings)


def test_unknown_status_is_not_finished() -> None:
    assert normalise("weird_new_state") is JobStatus.RUNNING
    assert not normalise("weird_new_state").finished
    assert normalise("paused") is JobStatus.PAUSED


def test_result_csv_plain_or_base64() -> None:
    text = b"step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n1,0.5,0.9,0.6,0.8\n"
    for content in (text, base64.b64encode(text)):
        (event,) = parse_result_csv(content, "file-1")
        assert (event.step, event.train_loss, event.valid_loss, event.accuracy) == (1, 0.5, 0.6, 0.9)
    assert parse_result_csv(b"\x00garbage", "file-2") == []


def test_pause_and_resume(engine: Engine, session: Session, ft_settings: Settings, admin: Principal) -> None:
    make_version(session)
    job = launch(session, ft_settings, admin)
    with pytest.raises(InputError, match="only a submitted, unfinished job can pause"):
        jobs.pause_job(session=session, principal=admin, job_id=job.id, settings=ft_settings)
    clock = Clock()
    worker = Worker(engine=engine, settings=ft_settings, clock=clock)
    worker.run_once()
    session.expire_all()
    assert (
        jobs.pause_job(session=session, principal=admin, job_id=job.id, settings=ft_settings).status
        == "paused"
    )
    clock.advance(11)
    worker.run_once()
    session.expire_all()
    paused = session.get(FinetuneJob, job.id)
    assert paused is not None and paused.status == "paused" and paused.next_poll_at is not None
    jobs.resume_job(session=session, principal=admin, job_id=job.id, settings=ft_settings)
    assert drive(worker, clock, session, job.id).status == "succeeded"
