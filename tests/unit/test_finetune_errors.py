"""Every provider failure gives its typed error with a clear message, and the worker never loses the job."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from openai import OpenAI
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.auth import Principal
from core.config import Settings
from core.finetune.worker import Worker
from core.models import FinetuneJob, JobEvent
from core.providers.base import (
    AuthError,
    InvalidDataError,
    JobSpec,
    ModelUnavailableError,
    QuotaError,
    RemoteFiles,
    TrainingFiles,
    TransientError,
)
from core.providers.openai_ft import OpenAIProvider
from tests.fakes.openai_finetune import API_KEY, FakeFineTuning
from tests.finetune_support import Clock, drive, fake_openai, launch, make_version, provider_settings

__all__ = ["fake_openai"]


@pytest.fixture
def provider(fake_openai: FakeFineTuning) -> OpenAIProvider:
    return OpenAIProvider(OpenAI(api_key=API_KEY, base_url=fake_openai.base_url, max_retries=0, timeout=1.0))


@pytest.fixture
def uploaded(provider: OpenAIProvider, tmp_path: Path) -> RemoteFiles:
    train = tmp_path / "train.jsonl"
    train.write_text('{"messages": []}\n')
    return provider.upload(TrainingFiles(train, None, "openai"), job_id=1)


def spec(files: RemoteFiles) -> JobSpec:
    return JobSpec(job_id=1, base_model="gpt-4o-mini-2024-07-18", method="sft", files=files)


@pytest.mark.parametrize(
    ("status", "headers", "error", "message"),
    [
        (401, {}, AuthError, "check OPENAI_API_KEY"),
        (403, {}, AuthError, "refused the credentials"),
        (429, {"retry-after": "7"}, QuotaError, "retrying in 7 s"),
        (400, {}, InvalidDataError, "rejected the request: injected failure"),
        (404, {}, ModelUnavailableError, "does not know it"),
        (500, {}, TransientError, "failed with 500; will retry"),
        (503, {}, TransientError, "will retry"),
    ],
)
def test_http_errors_become_typed_errors(
    provider: OpenAIProvider,
    uploaded: RemoteFiles,
    fake_openai: FakeFineTuning,
    status: int,
    headers: dict[str, str],
    error: type[Exception],
    message: str,
) -> None:
    fake_openai.fail("POST /fine_tuning/jobs", status, headers=headers)
    with pytest.raises(error, match=message) as raised:
        provider.create_job(spec(uploaded))
    if isinstance(raised.value, QuotaError):
        assert raised.value.retry_after == 7.0 and raised.value.retryable


def test_a_timeout_is_transient(
    provider: OpenAIProvider, uploaded: RemoteFiles, fake_openai: FakeFineTuning
) -> None:
    job_id = provider.create_job(spec(uploaded))
    fake_openai.fail("GET /fine_tuning/jobs/", hang=True)
    try:
        with pytest.raises(TransientError, match="did not answer in time"):
            provider.get_status(job_id)
    finally:
        fake_openai.release.set()


def test_a_wrong_key_is_an_auth_error(fake_openai: FakeFineTuning) -> None:
    wrong = OpenAIProvider(OpenAI(api_key="sk-wrong", base_url=fake_openai.base_url, max_retries=0))
    with pytest.raises(AuthError, match="OPENAI_API_KEY"):
        wrong.get_status("ftjob-0001")


def test_an_unreachable_server_is_transient() -> None:
    gone = OpenAIProvider(
        OpenAI(api_key=API_KEY, base_url="http://127.0.0.1:9/v1", max_retries=0, timeout=1.0)
    )
    with pytest.raises(TransientError, match="could not be reached"):
        gone.get_status("ftjob-0001")


# -- what the worker does with each --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("match", "status", "headers", "final", "wait"),
    [
        ("POST /files", 401, {}, "queued", 10),  # fix the key: the job waits
        ("POST /fine_tuning/jobs", 429, {"retry-after": "7"}, "queued", 7),  # the server's hint wins
        ("POST /fine_tuning/jobs", 500, {}, "queued", 10),
        ("POST /fine_tuning/jobs", 400, {}, "failed", None),  # the provider rejected the data
        ("POST /fine_tuning/jobs", 404, {}, "failed", None),  # ...or the model
    ],
)
def test_submission_errors_keep_or_fail_the_job(
    engine: Engine,
    session: Session,
    settings: Settings,
    admin: Principal,
    fake_openai: FakeFineTuning,
    match: str,
    status: int,
    headers: dict[str, str],
    final: str,
    wait: int | None,
) -> None:
    ft_settings = provider_settings(settings, fake_openai)
    make_version(session)
    job = launch(session, ft_settings, admin)
    clock = Clock()
    fake_openai.fail(match, status, headers=headers)
    report = Worker(engine=engine, settings=ft_settings, clock=clock).run_once()
    assert len(report.errors) == 1
    session.expire_all()
    kept = session.get(FinetuneJob, job.id)
    assert kept is not None and kept.status == final and kept.error
    assert kept.claimed_by is None
    if wait is None:
        assert kept.next_poll_at is None and kept.finished_at is not None
    else:
        assert kept.next_poll_at == clock.now + timedelta(seconds=wait) and kept.attempts == 1
        done = drive(Worker(engine=engine, settings=ft_settings, clock=clock), clock, session, job.id)
        assert done.status == "succeeded" and done.error is None  # recovered once the provider answered


def test_polling_errors_back_off_and_the_job_carries_on(
    engine: Engine, session: Session, settings: Settings, admin: Principal, fake_openai: FakeFineTuning
) -> None:
    ft_settings = provider_settings(settings, fake_openai, provider_timeout_seconds=0.5)
    make_version(session)
    job = launch(session, ft_settings, admin)
    clock = Clock()
    worker = Worker(engine=engine, settings=ft_settings, clock=clock)
    worker.run_once()  # submitted
    fake_openai.fail("GET /fine_tuning/jobs/ftjob-0001", 500)
    fake_openai.fail("GET /fine_tuning/jobs/ftjob-0001", 502)
    fake_openai.fail("GET /fine_tuning/jobs/ftjob-0001", hang=True)
    waits = []
    for _ in range(3):
        clock.advance(1000)
        worker.run_once()
        session.expire_all()
        kept = session.get(FinetuneJob, job.id)
        assert kept is not None and kept.status == "validating"
        waits.append((kept.next_poll_at - clock.now).total_seconds())  # type: ignore[operator]
    fake_openai.release.set()
    assert waits == [10, 20, 40]  # doubling
    warnings = session.scalars(
        select(JobEvent.message).where(JobEvent.job_id == job.id, JobEvent.level == "warn")
    )
    assert any("did not answer in time" in m for m in warnings)
    fake_openai.release.clear()
    done = drive(worker, clock, session, job.id)
    assert done.status == "succeeded"


def test_a_job_failed_at_the_provider_keeps_its_reason(
    engine: Engine, session: Session, settings: Settings, admin: Principal, fake_openai: FakeFineTuning
) -> None:
    fake_openai.script = ("validating_files", "failed")
    ft_settings = provider_settings(settings, fake_openai)
    make_version(session)
    job = launch(session, ft_settings, admin)
    clock = Clock()
    done = drive(Worker(engine=engine, settings=ft_settings, clock=clock), clock, session, job.id)
    assert done.status == "failed" and done.error == "training file invalid"
    assert done.fine_tuned_model is None


def test_an_unexpected_exception_keeps_the_job_and_the_worker(
    engine: Engine,
    session: Session,
    settings: Settings,
    admin: Principal,
    fake_openai: FakeFineTuning,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ft_settings = provider_settings(settings, fake_openai)
    make_version(session)
    job = launch(session, ft_settings, admin)
    clock = Clock()
    worker = Worker(engine=engine, settings=ft_settings, clock=clock)
    worker.run_once()

    def broken(self: OpenAIProvider, external_id: str) -> None:
        raise RuntimeError("unparseable answer")

    monkeypatch.setattr(OpenAIProvider, "get_status", broken)
    clock.advance(11)
    report = worker.run_once()
    assert report.errors == [f"job {job.id}: unexpected RuntimeError"]
    session.expire_all()
    kept = session.get(FinetuneJob, job.id)
    assert kept is not None and kept.status == "validating" and kept.attempts == 1 and kept.claimed_by is None
    monkeypatch.undo()
    assert drive(worker, clock, session, job.id).status == "succeeded"
