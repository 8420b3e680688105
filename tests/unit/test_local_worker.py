"""The worker drives a local job from launch to the registry: export, upload into the run folder, the real
training process on the tiny model, events stored once, the model registered with its serving endpoint.

Skipped without the `local` extra, mandatory with REQUIRE_LOCAL_TRAINING=1 (CI).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.local_training import require_local_extra

require_local_extra()

from core.auth import Principal  # noqa: E402
from core.config import Settings  # noqa: E402
from core.finetune.worker import Worker  # noqa: E402
from core.models import FinetuneJob, JobEvent, RegisteredModel  # noqa: E402
from core.providers.base import Hyperparameters  # noqa: E402
from core.providers.local import LocalProvider  # noqa: E402
from tests.finetune_support import Clock, launch, make_version  # noqa: E402
from tests.local_training import build_tiny_model, wait_for_trainer  # noqa: E402


def test_the_worker_trains_a_local_job_and_registers_the_model(
    engine: Engine,
    session: Session,
    settings: Settings,
    admin: Principal,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    tiny_model = build_tiny_model(tmp_path / "tiny-llama")
    make_version(session)
    local = settings.model_copy(update={"models_dir": tmp_path / "models"})
    knobs = Hyperparameters(max_steps=6, lora_rank=4, batch_size=2)
    job = launch(
        session,
        local,
        admin,
        provider="local",
        base_model=str(tiny_model),
        hyperparameters=knobs,
        suffix=None,
    )
    session.commit()
    clock = Clock()
    worker = Worker(engine=engine, settings=local, clock=clock)

    worker.run_once()  # exports, uploads and starts the training process
    wait_for_trainer(LocalProvider.from_settings(local), job.id)
    for _ in range(5):  # a few passes read the final status, store the events and register the model
        clock.advance(local.finetune_max_backoff_seconds + 1)
        worker.run_once()
        session.expire_all()
        job = session.get_one(FinetuneJob, job.id)
        if job.finished_at is not None:
            break

    assert job.status == "succeeded", job.error
    assert job.external_id == f"job-{job.id}"
    assert job.fine_tuned_model == f"tiny-llama-job-{job.id}"
    assert job.trained_tokens and job.trained_tokens > 0
    model = session.scalars(select(RegisteredModel).where(RegisteredModel.source_job_id == job.id)).one()
    assert model.name == job.fine_tuned_model and model.status == "candidate"
    assert model.endpoint == local.local_serve_base_url
    losses = session.scalars(
        select(JobEvent.step).where(JobEvent.job_id == job.id, JobEvent.train_loss.is_not(None))
    ).all()
    assert sorted(losses) == [1, 2, 3, 4, 5, 6]  # each step once, though the worker also read them back
    twice = session.scalars(
        select(JobEvent.external_id)
        .where(JobEvent.job_id == job.id, JobEvent.external_id.is_not(None))
        .group_by(JobEvent.external_id)
        .having(func.count() > 1)
    ).all()
    assert twice == []
