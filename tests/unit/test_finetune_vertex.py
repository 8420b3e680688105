"""Gemini tuning on Vertex AI end to end against the fake tuning API and Cloud Storage endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from google import genai
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage
from google.oauth2.credentials import Credentials
from pydantic import SecretStr
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.auth import Principal
from core.config import Settings
from core.finetune.worker import Worker
from core.models import JobEvent, RegisteredModel
from core.providers.base import (
    AuthError,
    Hyperparameters,
    InvalidDataError,
    JobSpec,
    JobStatus,
    ModelUnavailableError,
    Provider,
    QuotaError,
    RemoteFiles,
    TrainingFiles,
    TransientError,
)
from core.providers.vertex import VertexProvider, http_options, normalise
from tests.fakes.vertex_tuning import FakeVertexTuning
from tests.fakes.vertex_upstream import VERTEX_TOKEN
from tests.finetune_support import Clock, drive, launch, make_version

PROJECT = "bloom-project"
BUCKET = "gs://bloom-train"


@pytest.fixture
def fake_vertex() -> Iterator[FakeVertexTuning]:
    fake = FakeVertexTuning().start()
    yield fake
    fake.stop()


def vertex_provider(
    fake: FakeVertexTuning, *, token: str = VERTEX_TOKEN, timeout: float = 2.0
) -> VertexProvider:
    client = genai.Client(
        vertexai=True,
        project=PROJECT,
        location="us-central1",
        credentials=Credentials(token=token),
        http_options=http_options(fake.base_url, timeout),
    )

    def gcs() -> storage.Client:
        return storage.Client(
            project=PROJECT,
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": fake.base_url},
        )

    return VertexProvider(client, gcs, BUCKET, timeout=timeout)


@pytest.fixture
def vx_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"google_cloud_project": PROJECT, "vertex_gcs_bucket": BUCKET, "finetune_poll_seconds": 10.0}
    )


def test_full_life_of_a_vertex_job(
    engine: Engine, session: Session, vx_settings: Settings, admin: Principal, fake_vertex: FakeVertexTuning
) -> None:
    make_version(session)
    job = launch(
        session,
        vx_settings,
        admin,
        provider="vertex",
        hyperparameters=Hyperparameters(epochs=3, adapter_size=4),
    )
    clock = Clock()

    def factory(name: str, _: Settings) -> Provider:
        assert name == "vertex"
        return vertex_provider(fake_vertex)

    done = drive(
        Worker(engine=engine, settings=vx_settings, clock=clock, provider_factory=factory),
        clock,
        session,
        job.id,
    )
    assert done.status == "succeeded", done.error
    assert done.raw_status == "JOB_STATE_SUCCEEDED"
    name = done.external_id or ""
    assert (
        done.fine_tuned_model
        == f"projects/{PROJECT}/locations/us-central1/models/{name.rsplit('/', 1)[-1]}@1"
    )
    assert done.trained_tokens == 6 * 50 * 3  # billable tokens x epochs
    assert done.actual_cost_usd == pytest.approx(900 * 5.0 / 1_000_000)
    details = done.details or {}
    assert details["endpoint"].endswith(name.rsplit("/", 1)[-1])
    assert details["provider"]["tuning_data_stats"]["tuning_dataset_example_count"] == 6
    assert [c["step"] for c in details["checkpoints"]] == [10, 20]
    # the training file went to the bucket in Vertex's format, and the job was created with our settings
    uploaded = fake_vertex.objects[f"{BUCKET}/bloomtune/job-{job.id}/train.jsonl"]
    assert b'"contents"' in uploaded and b'"role":"model"' in uploaded
    created = next(r for r in fake_vertex.requests if r.path.endswith("/tuningJobs") and r.body)
    spec = created.body["supervisedTuningSpec"]
    assert spec["hyperParameters"] == {"epochCount": 3, "adapterSize": "ADAPTER_SIZE_FOUR"}
    assert spec["validationDatasetUri"].endswith("validation.jsonl")
    assert created.body["labels"] == {"bloomtune_job_id": str(job.id)}
    messages = session.scalars(select(JobEvent.message).where(JobEvent.job_id == job.id)).all()
    assert "Vertex AI: JOB_STATE_RUNNING" in messages and messages.count("Vertex AI: JOB_STATE_RUNNING") == 1
    model = session.scalar(select(RegisteredModel).where(RegisteredModel.source_job_id == job.id))
    assert model is not None and model.status == "candidate" and model.endpoint == details["endpoint"]


def test_vertex_cancel_and_recovery_by_label(fake_vertex: FakeVertexTuning, tmp_path: Path) -> None:
    provider = vertex_provider(fake_vertex)
    files = _upload(provider, tmp_path)
    name = provider.create_job(JobSpec(job_id=7, base_model="gemini-3.5-flash", method="sft", files=files))
    assert provider.find_job(7) == name and provider.find_job(8) is None
    provider.cancel(name)
    assert provider.get_status(name).status is JobStatus.CANCELLED


@pytest.mark.parametrize(
    ("match", "status", "error"),
    [
        ("POST /upload/storage", 403, AuthError),
        ("POST /v1beta1/projects", 429, QuotaError),
        ("POST /v1beta1/projects", 400, InvalidDataError),
        ("POST /v1beta1/projects", 404, ModelUnavailableError),
        ("POST /v1beta1/projects", 500, TransientError),
    ],
)
def test_vertex_errors_are_typed(
    fake_vertex: FakeVertexTuning, tmp_path: Path, match: str, status: int, error: type[Exception]
) -> None:
    provider = vertex_provider(fake_vertex)
    fake_vertex.fail(match, status)
    with pytest.raises(error):
        files = _upload(provider, tmp_path)
        provider.create_job(JobSpec(job_id=1, base_model="gemini-3.5-flash", method="sft", files=files))


def test_vertex_wrong_token_and_timeout(fake_vertex: FakeVertexTuning, tmp_path: Path) -> None:
    with pytest.raises(AuthError, match="GOOGLE_APPLICATION_CREDENTIALS"):
        vertex_provider(fake_vertex, token="wrong").get_status("projects/p/locations/l/tuningJobs/1")
    provider = vertex_provider(fake_vertex, timeout=0.5)
    fake_vertex.fail("GET /v1beta1/", hang=True)
    try:
        with pytest.raises(TransientError, match="did not answer in time"):
            provider.get_status("projects/p/locations/l/tuningJobs/1")
    finally:
        fake_vertex.release.set()


def test_vertex_states_map_and_unknown_is_not_finished() -> None:
    assert normalise("JOB_STATE_PENDING") is JobStatus.QUEUED
    assert normalise("JOB_STATE_CANCELLING") is JobStatus.RUNNING
    assert normalise("JOB_STATE_EXPIRED") is JobStatus.FAILED
    assert not normalise("JOB_STATE_SOMETHING_NEW").finished


def test_missing_vertex_settings_are_named(settings: Settings) -> None:
    with pytest.raises(Exception, match="GOOGLE_CLOUD_PROJECT and VERTEX_GCS_BUCKET"):
        VertexProvider.from_settings(settings)


def _upload(provider: VertexProvider, tmp_path: Path) -> RemoteFiles:
    train = tmp_path / "train.jsonl"
    train.write_text('{"contents": []}\n')
    return provider.upload(TrainingFiles(train, None, "vertex"), job_id=1)


def test_vertex_from_settings_with_a_token_and_a_storage_emulator(
    engine: Engine,
    session: Session,
    vx_settings: Settings,
    admin: Principal,
    fake_vertex: FakeVertexTuning,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", fake_vertex.base_url)
    configured = vx_settings.model_copy(
        update={"vertex_base_url": fake_vertex.base_url, "vertex_access_token": SecretStr(VERTEX_TOKEN)}
    )
    make_version(session)
    job = launch(session, configured, admin, provider="vertex")
    clock = Clock()
    done = drive(Worker(engine=engine, settings=configured, clock=clock), clock, session, job.id)
    assert done.status == "succeeded", done.error
    assert f"{BUCKET}/bloomtune/job-{job.id}/train.jsonl" in fake_vertex.objects
