"""OpenAI and Azure OpenAI fine-tuning through the `openai` SDK (one code path, two clients).

In: the settings (`OPENAI_API_KEY`/`OPENAI_BASE_URL`, or `AZURE_OPENAI_API_KEY`/`AZURE_OPENAI_ENDPOINT`/
`AZURE_OPENAI_API_VERSION`), exported JSONL files, a `JobSpec`. Out: file ids (`files.create(purpose=
"fine-tune")`), a job id (`fine_tuning.jobs.create` with `method` supervised or dpo, `suffix`, `seed` and
`metadata={"bloomtune_job_id": …}`), normalised states, events with metrics, checkpoints, the metrics of the
result CSV (which the API may return base64-encoded), and cancel / pause / resume.

The SDK's own retries are off (`max_retries=0`): the worker owns backoff, so a 429 or 5xx surfaces at once as
`QuotaError` / `TransientError` and the job simply waits for its next poll.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import openai
from openai import AzureOpenAI, OpenAI

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

METADATA_KEY = "bloomtune_job_id"
STATUSES: dict[str, JobStatus] = {
    "validating_files": JobStatus.VALIDATING,
    "queued": JobStatus.QUEUED,
    "running": JobStatus.RUNNING,
    "paused": JobStatus.PAUSED,
    "succeeded": JobStatus.SUCCEEDED,
    "failed": JobStatus.FAILED,
    "cancelled": JobStatus.CANCELLED,
}
T = TypeVar("T")


def normalise(raw: str) -> JobStatus:
    """The normalised status; an unknown word means *not finished*."""
    return STATUSES.get(raw, JobStatus.RUNNING)


class OpenAIProvider(Provider):
    name = "openai"
    label = "OpenAI"
    key_setting = "OPENAI_API_KEY"
    supports_pause = True

    def __init__(self, client: OpenAI) -> None:
        self.client = client

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIProvider:
        if settings.openai_api_key is None:
            raise ConfigError("OpenAI fine-tuning needs an API key: set OPENAI_API_KEY")
        client = OpenAI(
            api_key=settings.openai_api_key.get_secret_value(),
            base_url=settings.openai_base_url,
            max_retries=0,
            timeout=settings.provider_timeout_seconds,
        )
        return cls(client)

    # -- files and jobs -------------------------------------------------------------------------------------
    def upload(self, files: TrainingFiles, *, job_id: int) -> RemoteFiles:
        train = self._call(lambda: self.client.files.create(file=files.train, purpose="fine-tune")).id
        validation = None
        if files.validation is not None:
            path = files.validation
            validation = self._call(lambda: self.client.files.create(file=path, purpose="fine-tune")).id
        return RemoteFiles(train=train, validation=validation)

    def create_job(self, spec: JobSpec) -> str:
        method = _method(spec)
        optional: dict[str, Any] = {}
        if spec.files.validation:
            optional["validation_file"] = spec.files.validation
        if spec.suffix:
            optional["suffix"] = spec.suffix
        if spec.seed is not None:
            optional["seed"] = spec.seed
        job = self._call(
            lambda: self.client.fine_tuning.jobs.create(
                model=spec.base_model,
                training_file=spec.files.train,
                method=method,  # type: ignore[arg-type]
                metadata={METADATA_KEY: str(spec.job_id)},
                **optional,
            )
        )
        return job.id

    def find_job(self, job_id: int) -> str | None:
        page = self._call(lambda: self.client.fine_tuning.jobs.list(metadata={METADATA_KEY: str(job_id)}))
        for job in page.data:
            if (job.metadata or {}).get(METADATA_KEY) == str(job_id):
                return job.id
        return None

    def get_status(self, external_id: str) -> JobState:
        job = self._call(lambda: self.client.fine_tuning.jobs.retrieve(external_id))
        raw = str(job.status)
        error = job.error.message if job.error is not None and job.error.message else None
        finish = job.estimated_finish
        return JobState(
            status=normalise(raw),
            raw_status=raw,
            fine_tuned_model=job.fine_tuned_model,
            trained_tokens=job.trained_tokens,
            error=error,
            estimated_finish=_ts(finish) if finish else None,
            details={"result_files": list(job.result_files or [])},
        )

    def list_events(self, external_id: str, *, after: str | None = None) -> list[ProviderEvent]:
        """The API lists newest first; walk back until the event `after`, then return them oldest first."""
        found: list[ProviderEvent] = []
        page = self._call(lambda: self.client.fine_tuning.jobs.list_events(external_id, limit=100))
        for event in self._pages(page):
            if event.id == after:
                break
            found.append(_event(event))
        return found[::-1]

    def list_checkpoints(self, external_id: str) -> list[Checkpoint]:
        page = self._call(lambda: self.client.fine_tuning.jobs.checkpoints.list(external_id, limit=100))
        found = []
        for item in self._pages(page):
            metrics = {
                k: float(v) for k, v in item.metrics.model_dump().items() if isinstance(v, int | float)
            }
            found.append(
                Checkpoint(
                    external_id=item.id,
                    step=item.step_number,
                    model=item.fine_tuned_model_checkpoint,
                    created_at=_ts(item.created_at),
                    metrics=metrics,
                )
            )
        return sorted(found, key=lambda c: c.step or 0)

    def result_metrics(self, external_id: str) -> list[ProviderEvent]:
        """The per-step metrics of the finished job's result CSV (plain or base64 text)."""
        state = self.get_status(external_id)
        events: list[ProviderEvent] = []
        for file_id in state.details.get("result_files", []):
            content = self._call(lambda fid=file_id: self.client.files.content(fid)).read()  # type: ignore[misc]
            events.extend(parse_result_csv(content, file_id))
        return events

    def cancel(self, external_id: str) -> None:
        self._call(lambda: self.client.fine_tuning.jobs.cancel(external_id))

    def pause(self, external_id: str) -> None:
        self._call(lambda: self.client.fine_tuning.jobs.pause(external_id))

    def resume(self, external_id: str) -> None:
        self._call(lambda: self.client.fine_tuning.jobs.resume(external_id))

    # -- plumbing ---------------------------------------------------------------------------------------------
    def _pages(self, page: Any) -> Iterator[Any]:
        while True:
            yield from page.data
            if not page.has_next_page():
                return
            page = self._call(page.get_next_page)

    def _call(self, fn: Callable[[], T]) -> T:
        with translate_errors(self.label, self.key_setting):
            return fn()


class AzureOpenAIProvider(OpenAIProvider):
    name = "azure"
    label = "Azure OpenAI"
    key_setting = "AZURE_OPENAI_API_KEY"

    @classmethod
    def from_settings(cls, settings: Settings) -> AzureOpenAIProvider:
        missing = [
            name
            for name, value in (
                ("AZURE_OPENAI_API_KEY", settings.azure_openai_api_key),
                ("AZURE_OPENAI_ENDPOINT", settings.azure_openai_endpoint),
            )
            if value is None
        ]
        if missing or settings.azure_openai_api_key is None or settings.azure_openai_endpoint is None:
            raise ConfigError(f"Azure OpenAI fine-tuning needs its credentials: set {' and '.join(missing)}")
        client = AzureOpenAI(
            api_key=settings.azure_openai_api_key.get_secret_value(),
            azure_endpoint=settings.azure_openai_endpoint,
            api_version=settings.azure_openai_api_version,
            max_retries=0,
            timeout=settings.provider_timeout_seconds,
        )
        return cls(client)


@contextmanager
def translate_errors(label: str, key_setting: str) -> Iterator[None]:
    """Turn the SDK's exceptions into the typed provider errors, with a message for the person at the keyboard."""
    try:
        yield
    except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
        raise AuthError(
            f"{label} refused the credentials ({exc.status_code}): check {key_setting}",
            provider=label,
            status_code=exc.status_code,
        ) from None
    except openai.RateLimitError as exc:
        retry_after = _retry_after(exc.response.headers.get("retry-after"))
        wait = f"; retrying in {retry_after:g} s" if retry_after is not None else ""
        raise QuotaError(
            f"{label} rate limit or quota reached: {_detail(exc)}{wait}",
            provider=label,
            retry_after=retry_after,
        ) from None
    except openai.NotFoundError as exc:
        raise ModelUnavailableError(
            f"{label} does not know it: {_detail(exc)}", provider=label, status_code=404
        ) from None
    except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
        raise InvalidDataError(
            f"{label} rejected the request: {_detail(exc)}", provider=label, status_code=exc.status_code
        ) from None
    except openai.APITimeoutError:
        raise TransientError(f"{label} did not answer in time; will retry", provider=label) from None
    except openai.APIConnectionError:
        raise TransientError(f"{label} could not be reached; will retry", provider=label) from None
    except openai.APIStatusError as exc:
        if exc.status_code >= 500 or exc.status_code in (408, 409):
            raise TransientError(
                f"{label} failed with {exc.status_code}; will retry",
                provider=label,
                status_code=exc.status_code,
            ) from None
        raise ProviderError(
            f"{label} refused the call ({exc.status_code}): {_detail(exc)}",
            provider=label,
            status_code=exc.status_code,
        ) from None


def parse_result_csv(content: bytes, file_id: str) -> list[ProviderEvent]:
    """Metric events from a result file (`step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy`)."""
    text = content.decode("utf-8", "replace")
    if not text.lstrip().startswith("step"):
        try:
            text = base64.b64decode(content, validate=False).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return []
    events = []
    for row in csv.DictReader(io.StringIO(text)):
        step = _int(row.get("step"))
        if step is None:
            continue
        events.append(
            ProviderEvent(
                external_id=f"{file_id}:{step}",
                ts=datetime.now(UTC).replace(tzinfo=None),
                message=f"step {step} (result file)",
                step=step,
                train_loss=_float(row.get("train_loss")),
                valid_loss=_float(row.get("valid_loss")),
                accuracy=_float(row.get("train_accuracy") or row.get("train_mean_token_accuracy")),
            )
        )
    return events


def _method(spec: JobSpec) -> dict[str, Any]:
    hyper = spec.hyperparameters
    params: dict[str, Any] = {}
    if hyper.epochs is not None:
        params["n_epochs"] = hyper.epochs
    if hyper.learning_rate_multiplier is not None:
        params["learning_rate_multiplier"] = hyper.learning_rate_multiplier
    if hyper.batch_size is not None:
        params["batch_size"] = hyper.batch_size
    if spec.method == "dpo":
        if hyper.beta is not None:
            params["beta"] = hyper.beta
        return {"type": "dpo", "dpo": {"hyperparameters": params}}
    return {"type": "supervised", "supervised": {"hyperparameters": params}}


def _event(event: Any) -> ProviderEvent:
    data = event.data if isinstance(event.data, dict) else {}
    is_metric = event.type == "metrics"
    return ProviderEvent(
        external_id=event.id,
        ts=_ts(event.created_at),
        level=str(event.level or "info"),
        message=event.message,
        step=_int(data.get("step")) if is_metric else None,
        train_loss=_float(data.get("train_loss")) if is_metric else None,
        valid_loss=_float(data.get("valid_loss", data.get("full_valid_loss"))) if is_metric else None,
        accuracy=_float(data.get("train_mean_token_accuracy")) if is_metric else None,
    )


def _ts(seconds: int | float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def _detail(exc: openai.APIStatusError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error", body) if isinstance(body.get("error", body), dict) else {}
    return str(error.get("message") or exc.message)


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    try:
        return int(float(value)) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
