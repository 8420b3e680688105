"""Gemini supervised tuning on Vertex AI through `google-genai`, with training files in Cloud Storage.

In: the settings (`GOOGLE_CLOUD_PROJECT`, `GOOGLE_CLOUD_LOCATION`, `VERTEX_GCS_BUCKET`, optional
`VERTEX_BASE_URL`; credentials from `VERTEX_ACCESS_TOKEN` or Application Default Credentials), Vertex JSONL
files, a `JobSpec`.
Out: `gs://` URIs (uploaded with `google-cloud-storage` under `bloomtune/job-N/`), a tuning job name
(`client.tunings.tune` with epoch count, learning-rate multiplier, adapter size, validation set and display
name), states mapped from `JOB_STATE_*`, events made from state changes and checkpoints, the tuning data
stats, and the tuned model with its endpoint.

Vertex AI bills the training tokens of every epoch: trained tokens = the data stats' billable tokens × epochs.
The SDK's own retries are off; the worker owns backoff.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import google.auth.exceptions
import httpx
import httpx2
import requests
from google import genai
from google.api_core import exceptions as gcs_errors
from google.cloud import storage
from google.genai import errors as genai_errors
from google.genai import types
from google.genai._common import ExperimentalWarning
from google.oauth2.credentials import Credentials

from core.config import Settings
from core.errors import ConfigError
from core.providers.base import (
    AuthError,
    Checkpoint,
    InvalidDataError,
    JobSpec,
    JobState,
    JobStatus,
    ModelUnavailableError,
    Provider,
    ProviderError,
    ProviderEvent,
    QuotaError,
    RemoteFiles,
    TrainingFiles,
    TransientError,
)

LABEL = "Vertex AI"
STATES: dict[str, JobStatus] = {
    "JOB_STATE_QUEUED": JobStatus.QUEUED,
    "JOB_STATE_PENDING": JobStatus.QUEUED,
    "JOB_STATE_RUNNING": JobStatus.RUNNING,
    "JOB_STATE_UPDATING": JobStatus.RUNNING,
    "JOB_STATE_CANCELLING": JobStatus.RUNNING,  # not finished until CANCELLED (or it succeeded meanwhile)
    "JOB_STATE_PAUSED": JobStatus.PAUSED,
    "JOB_STATE_SUCCEEDED": JobStatus.SUCCEEDED,
    "JOB_STATE_FAILED": JobStatus.FAILED,
    "JOB_STATE_EXPIRED": JobStatus.FAILED,
    "JOB_STATE_CANCELLED": JobStatus.CANCELLED,
}
ADAPTER_SIZES = {1: "ONE", 2: "TWO", 4: "FOUR", 8: "EIGHT", 16: "SIXTEEN", 32: "THIRTY_TWO"}
T = TypeVar("T")


def normalise(raw: str) -> JobStatus:
    """The normalised status; an unknown state means *not finished*."""
    return STATES.get(raw, JobStatus.RUNNING)


class VertexProvider(Provider):
    name = "vertex"

    def __init__(
        self, client: genai.Client, gcs: Callable[[], storage.Client], bucket: str, *, timeout: float = 60.0
    ) -> None:
        self.client = client
        self.gcs = gcs  # built on first upload: the storage client looks for credentials when created
        self.bucket = bucket.removeprefix("gs://").strip("/")
        self.timeout = timeout
        self._seen: dict[str, types.TuningJob] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> VertexProvider:
        missing = [
            name
            for name, value in (
                ("GOOGLE_CLOUD_PROJECT", settings.google_cloud_project),
                ("VERTEX_GCS_BUCKET", settings.vertex_gcs_bucket),
            )
            if not value
        ]
        if missing or not settings.google_cloud_project or not settings.vertex_gcs_bucket:
            raise ConfigError(f"Vertex AI tuning needs its settings: set {' and '.join(missing)}")
        with translate_errors():
            client = genai.Client(
                vertexai=True,
                project=settings.google_cloud_project,
                location=settings.google_cloud_location,
                http_options=http_options(settings.vertex_base_url, settings.provider_timeout_seconds),
                credentials=_token_credentials(settings),
            )
        project = settings.google_cloud_project
        return cls(
            client,
            lambda: storage.Client(project=project),
            settings.vertex_gcs_bucket,
            timeout=settings.provider_timeout_seconds,
        )

    def upload(self, files: TrainingFiles, *, job_id: int) -> RemoteFiles:
        train = self._put(files.train.name, files.train, job_id)
        validation = self._put(files.validation.name, files.validation, job_id) if files.validation else None
        return RemoteFiles(train=train, validation=validation)

    def _put(self, name: str, path: Any, job_id: int) -> str:
        blob_name = f"bloomtune/job-{job_id}/{name}"
        self._call(
            lambda: (
                self.gcs()
                .bucket(self.bucket)
                .blob(blob_name)
                .upload_from_filename(
                    str(path), content_type="application/jsonl", timeout=self.timeout, retry=None
                )
            )
        )
        return f"gs://{self.bucket}/{blob_name}"

    def create_job(self, spec: JobSpec) -> str:
        hyper = spec.hyperparameters
        config = types.CreateTuningJobConfig(
            epoch_count=hyper.epochs,
            learning_rate_multiplier=hyper.learning_rate_multiplier,
            adapter_size=_adapter(hyper.adapter_size),
            validation_dataset=types.TuningValidationDataset(gcs_uri=spec.files.validation)
            if spec.files.validation
            else None,
            tuned_model_display_name=spec.display_name or spec.suffix,
            labels={"bloomtune_job_id": str(spec.job_id)},
        )
        with warnings.catch_warnings():  # the SDK flags tuning as experimental on every call
            warnings.simplefilter("ignore", category=ExperimentalWarning)
            job = self._call(
                lambda: self.client.tunings.tune(
                    base_model=spec.base_model,
                    training_dataset=types.TuningDataset(gcs_uri=spec.files.train),
                    config=config,
                )
            )
        if not job.name:
            raise ProviderError(f"{LABEL} accepted the tuning job but returned no name", provider=LABEL)
        return job.name

    def find_job(self, job_id: int) -> str | None:
        wanted = str(job_id)
        config = types.ListTuningJobsConfig(filter=f'labels.bloomtune_job_id="{wanted}"')
        found = self._call(lambda: list(self.client.tunings.list(config=config)))
        return next((j.name for j in found if (j.labels or {}).get("bloomtune_job_id") == wanted), None)

    def get_status(self, external_id: str) -> JobState:
        job = self._fetch(external_id)
        raw = job.state.value if job.state is not None else "JOB_STATE_UNSPECIFIED"
        tuned = job.tuned_model
        stats = _data_stats(job)
        return JobState(
            status=normalise(raw),
            raw_status=raw,
            fine_tuned_model=tuned.model if tuned else None,
            endpoint=tuned.endpoint if tuned else None,
            trained_tokens=_trained_tokens(job, stats),
            error=job.error.message if job.error is not None else None,
            details={"tuning_data_stats": stats} if stats else {},
        )

    def list_events(self, external_id: str, *, after: str | None = None) -> list[ProviderEvent]:
        """Vertex AI has no event log: each state (and detailed tuning state) seen, and each checkpoint."""
        job = self._seen.get(external_id) or self._fetch(external_id)
        now = datetime.now(UTC).replace(tzinfo=None)
        events = []
        if job.state is not None:
            ts = _naive(job.update_time) or now
            events.append(ProviderEvent(f"state:{job.state.value}", ts, f"{LABEL}: {job.state.value}"))
        if job.tuning_job_state is not None:
            detail = job.tuning_job_state.value
            events.append(
                ProviderEvent(f"tuning:{detail}", _naive(job.update_time) or now, f"{LABEL}: {detail}")
            )
        for checkpoint in self.list_checkpoints(external_id):
            events.append(
                ProviderEvent(
                    f"checkpoint:{checkpoint.external_id}",
                    now,
                    f"checkpoint at step {checkpoint.step}",
                    step=None,
                )
            )
        return events

    def list_checkpoints(self, external_id: str) -> list[Checkpoint]:
        job = self._seen.get(external_id) or self._fetch(external_id)
        tuned = job.tuned_model
        return [
            Checkpoint(external_id=str(c.checkpoint_id), step=c.step, model=c.endpoint)
            for c in ((tuned.checkpoints if tuned else None) or [])
        ]

    def cancel(self, external_id: str) -> None:
        self._call(lambda: self.client.tunings.cancel(name=external_id))

    def _fetch(self, external_id: str) -> types.TuningJob:
        job = self._call(lambda: self.client.tunings.get(name=external_id))
        self._seen[external_id] = job
        return job

    def _call(self, fn: Callable[[], T]) -> T:
        with translate_errors():
            return fn()


def _token_credentials(settings: Settings) -> Credentials | None:
    """Credentials from `VERTEX_ACCESS_TOKEN` when set; None lets the SDK use Application Default Credentials."""
    token = settings.vertex_access_token
    return Credentials(token=token.get_secret_value()) if token is not None else None


def http_options(base_url: str | None, timeout_seconds: float) -> types.HttpOptions:
    return types.HttpOptions(
        base_url=base_url,
        timeout=int(timeout_seconds * 1000),
        retry_options=types.HttpRetryOptions(attempts=1),
    )


@contextmanager
def translate_errors() -> Iterator[None]:
    """The SDKs' exceptions (genai, Cloud Storage, auth, transport) as typed provider errors."""
    try:
        yield
    except google.auth.exceptions.DefaultCredentialsError:
        raise AuthError(
            f"{LABEL} needs Google credentials: set GOOGLE_APPLICATION_CREDENTIALS (or run "
            "`gcloud auth application-default login`)",
            provider=LABEL,
        ) from None
    except genai_errors.APIError as exc:
        raise _by_status(exc.code, exc.message or exc.status or "", None) from None
    except gcs_errors.GoogleAPICallError as exc:
        raise _by_status(int(exc.code or 500), exc.message or "", None, what="Cloud Storage") from None
    except (httpx.TimeoutException, httpx2.TimeoutException, requests.Timeout):
        raise TransientError(f"{LABEL} did not answer in time; will retry", provider=LABEL) from None
    except (httpx.TransportError, httpx2.TransportError, requests.ConnectionError):
        raise TransientError(f"{LABEL} could not be reached; will retry", provider=LABEL) from None


def _by_status(code: int, message: str, retry_after: float | None, *, what: str = LABEL) -> ProviderError:
    if code in (401, 403):
        return AuthError(
            f"{what} refused the credentials ({code}): check GOOGLE_APPLICATION_CREDENTIALS and the "
            f"project's permissions ({message})",
            provider=LABEL,
            status_code=code,
        )
    if code == 429:
        return QuotaError(
            f"{what} quota or rate limit reached: {message}", provider=LABEL, retry_after=retry_after
        )
    if code == 404:
        return ModelUnavailableError(f"{what} does not know it: {message}", provider=LABEL, status_code=404)
    if code in (400, 409, 412, 422):
        return InvalidDataError(f"{what} rejected the request: {message}", provider=LABEL, status_code=code)
    if code >= 500 or code == 408:
        return TransientError(f"{what} failed with {code}; will retry", provider=LABEL, status_code=code)
    return ProviderError(f"{what} refused the call ({code}): {message}", provider=LABEL, status_code=code)


def _adapter(size: int | None) -> types.AdapterSize | None:
    if size is None:
        return None
    if size not in ADAPTER_SIZES:
        raise InvalidDataError(
            f"adapter size {size} is not one Vertex AI offers ({', '.join(map(str, ADAPTER_SIZES))})",
            provider=LABEL,
        )
    return types.AdapterSize(f"ADAPTER_SIZE_{ADAPTER_SIZES[size]}")


def _data_stats(job: types.TuningJob) -> dict[str, Any]:
    stats = job.tuning_data_stats.supervised_tuning_data_stats if job.tuning_data_stats else None
    if stats is None:
        return {}
    return stats.model_dump(mode="json", exclude_none=True)


def _trained_tokens(job: types.TuningJob, stats: dict[str, Any]) -> int | None:
    billable = stats.get("total_billable_token_count")
    if billable is None:
        return None
    spec = job.supervised_tuning_spec
    epochs = spec.hyper_parameters.epoch_count if spec and spec.hyper_parameters else None
    return int(billable) * int(epochs or 1)


def _naive(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
