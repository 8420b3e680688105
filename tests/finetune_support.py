"""Fine-tuning test helpers: a frozen dataset version built directly, a settable clock, settings that point
the providers at the local fakes, and a loop that drives the worker until a job finishes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session

from core import audit
from core.auth import Principal
from core.config import Settings
from core.finetune import jobs
from core.finetune.worker import Worker
from core.models import DatasetMember, DatasetPair, DatasetVersion, FinetuneJob
from core.providers.base import Hyperparameters
from tests.fakes.openai_finetune import API_KEY, FakeFineTuning
from tests.fakes.openai_upstream import AZURE_KEY

TODAY = date(2026, 11, 25)  # the lifecycle date tests run on: before OpenAI's 2027-01-06 cut-off
START = datetime(2026, 11, 25, 12, 0, 0)
QUESTIONS = (
    "When does ovulation happen?",
    "Are cramps normal?",
    "What helps PMS?",
    "Is a late period normal?",
)


@dataclass
class Clock:
    """The worker's clock, starting at the real now (launch stamps jobs with it) and moved by hand."""

    now: datetime = field(default_factory=audit.utcnow)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def fake_openai() -> Iterator[FakeFineTuning]:
    fake = FakeFineTuning().start()
    yield fake
    fake.stop()


def provider_settings(base: Settings, fake: FakeFineTuning, **overrides: Any) -> Settings:
    """`base` with the OpenAI and Azure credentials of the fake, short timeouts and a 10 s poll."""
    values: dict[str, Any] = {
        "openai_api_key": SecretStr(API_KEY),
        "openai_base_url": fake.base_url,
        "azure_openai_api_key": SecretStr(AZURE_KEY),
        "azure_openai_endpoint": fake.root_url,
        "provider_timeout_seconds": 2.0,
        "finetune_poll_seconds": 10.0,
        "finetune_max_backoff_seconds": 300.0,
    }
    values.update(overrides)
    return base.model_copy(update=values)


def make_version(
    session: Session, *, name: str = "health", train: int = 6, validation: int = 2
) -> DatasetVersion:
    """A frozen dataset version with `train` + `validation` examples and as many DPO pairs."""
    version = DatasetVersion(
        name=name,
        version=1,
        spec={},
        system_prompt="You are a kind menstrual-health assistant.",
        counts={"train": train, "validation": validation},
        token_stats={},
        files={},
        created_by="admin@example.org",
        created_at=START,
    )
    session.add(version)
    session.flush()
    for position in range(train + validation):
        split = "train" if position < train else "validation"
        question = f"{QUESTIONS[position % len(QUESTIONS)]} ({position})"
        messages = [
            {"role": "user", "content": question},
            {"role": "assistant", "content": "It varies; ask."},
        ]
        session.add(
            DatasetMember(
                dataset_version_id=version.id,
                interaction_id=f"i-{name}-{position}",
                split=split,
                position=position,
                topic="period",
                messages=messages,
                tokens=40,
            )
        )
        session.add(
            DatasetPair(
                dataset_version_id=version.id,
                position=position,
                split=split,
                source="reviewer",
                messages=messages[:1],
                preferred="A careful, kind answer.",
                non_preferred="A curt answer.",
            )
        )
    session.commit()
    return version


def request(provider: str = "openai", **overrides: Any) -> jobs.LaunchRequest:
    values: dict[str, Any] = {
        "provider": provider,
        "base_model": "gpt-4o-mini" if provider in ("openai", "azure") else "gemini-3.5-flash",
        "dataset": "health:1",
        "hyperparameters": Hyperparameters(epochs=2),
        "override_reason": "pilot run on the demo data",
        "confirm_spend": True,
        "suffix": "bloom",
    }
    values.update(overrides)
    return jobs.LaunchRequest(**values)


def launch(session: Session, settings: Settings, admin: Principal, **overrides: Any) -> FinetuneJob:
    return jobs.launch(
        session=session, principal=admin, request=request(**overrides), settings=settings, today=TODAY
    )


def drive(worker: Worker, clock: Clock, session: Session, job_id: int, *, rounds: int = 12) -> FinetuneJob:
    """Run the worker, moving the clock past each poll, until the job finishes (or `rounds` run out)."""
    for _ in range(rounds):
        worker.run_once()
        session.expire_all()
        job = session.get(FinetuneJob, job_id)
        assert job is not None
        if job.finished_at is not None and job.next_poll_at is None:
            return job
        clock.advance(worker.settings.finetune_max_backoff_seconds + 1)
    session.expire_all()
    job = session.get(FinetuneJob, job_id)
    assert job is not None
    return job
