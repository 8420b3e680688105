"""The one interface every fine-tuning provider implements (OpenAI, Azure OpenAI, Vertex AI, local LoRA).

In: a `TrainingFiles` (the exported dataset files on disk), a `JobSpec`, an external job id.
Out: `RemoteFiles` references, the provider's job id, a normalised `JobState`, `ProviderEvent`s (with the
training metrics: step, train/valid loss, token accuracy) and `ProviderCheckpoint`s.

Statuses are normalised to `JobStatus`; the provider's own word is kept in `JobState.raw_status`. A status the
code does not know maps to `JobStatus.RUNNING`, i.e. *not finished*: the worker keeps polling rather than
declaring a job done on a word it does not understand. Failures raise the typed errors of
`core.providers.errors`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from core.config import Settings
from core.providers.errors import (
    AuthError,
    InvalidDataError,
    ModelUnavailableError,
    ProviderError,
    QuotaError,
    TransientError,
)

__all__ = [
    "AuthError",
    "Checkpoint",
    "Hyperparameters",
    "InvalidDataError",
    "JobSpec",
    "JobState",
    "JobStatus",
    "ModelUnavailableError",
    "Provider",
    "ProviderError",
    "ProviderEvent",
    "QuotaError",
    "RemoteFiles",
    "TrainingFiles",
    "TransientError",
]


class JobStatus(StrEnum):
    QUEUED = "queued"  # accepted, waiting for a slot (ours: not yet submitted to the provider)
    VALIDATING = "validating"  # the provider is checking the files
    RUNNING = "running"
    PAUSED = "paused"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in FINISHED


FINISHED = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})


@dataclass(frozen=True)
class TrainingFiles:
    """The dataset files to upload; `format` is the export format (`openai`, `openai-dpo`, `vertex`)."""

    train: Path
    validation: Path | None
    format: str


@dataclass(frozen=True)
class RemoteFiles:
    """Where the provider can read the uploaded files (file ids, `gs://` URIs or local paths)."""

    train: str
    validation: str | None = None


@dataclass(frozen=True)
class Hyperparameters:
    """Training knobs; None means the provider's default ("auto"). Not every provider uses every knob."""

    epochs: int | None = None
    learning_rate_multiplier: float | None = None
    batch_size: int | None = None
    beta: float | None = None  # DPO only
    adapter_size: int | None = None  # Vertex AI / LoRA rank
    lora_rank: int | None = None  # local LoRA
    max_steps: int | None = None  # local LoRA

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in self.__dict__.items() if value is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Hyperparameters:
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass(frozen=True)
class JobSpec:
    """What to train. `job_id` is ours (sent as metadata so the provider's job can be traced back)."""

    job_id: int
    base_model: str
    method: str  # "sft" | "dpo"
    files: RemoteFiles
    hyperparameters: Hyperparameters = field(default_factory=Hyperparameters)
    suffix: str | None = None
    seed: int | None = None
    display_name: str | None = None


@dataclass(frozen=True)
class JobState:
    """A provider job's status, normalised, with what the provider reported about the result."""

    status: JobStatus
    raw_status: str
    fine_tuned_model: str | None = None
    endpoint: str | None = None  # where the tuned model is served, when the provider says
    trained_tokens: int | None = None
    error: str | None = None
    estimated_finish: datetime | None = None
    details: dict[str, Any] = field(default_factory=dict)  # e.g. Vertex tuning data stats

    @property
    def finished(self) -> bool:
        return self.status.finished


@dataclass(frozen=True)
class ProviderEvent:
    """One event or metric line of a job; `external_id` is unique within the job (stored once)."""

    external_id: str
    ts: datetime
    message: str
    level: str = "info"
    step: int | None = None
    train_loss: float | None = None
    valid_loss: float | None = None
    accuracy: float | None = None  # token accuracy, 0..1


@dataclass(frozen=True)
class Checkpoint:
    external_id: str
    step: int | None
    model: str | None  # the checkpoint's model id, usable for inference where the provider allows it
    created_at: datetime | None = None
    metrics: dict[str, float] = field(default_factory=dict)


class Provider(ABC):
    """A fine-tuning backend. Implementations map every failure to a `ProviderError` subclass."""

    name: str = ""
    supports_pause: bool = False

    @classmethod
    @abstractmethod
    def from_settings(cls, settings: Settings) -> Provider:
        """Build from settings; raise `ConfigError` naming the setting to fill when credentials are missing."""

    @abstractmethod
    def upload(self, files: TrainingFiles, *, job_id: int) -> RemoteFiles:
        """Upload the training (and validation) file; return the provider's references to them."""

    @abstractmethod
    def create_job(self, spec: JobSpec) -> str:
        """Start training; return the provider's job id."""

    def find_job(self, job_id: int) -> str | None:
        """The provider's job already created for our job `job_id` (a crash between create and store), if any."""
        return None

    @abstractmethod
    def get_status(self, external_id: str) -> JobState: ...

    @abstractmethod
    def list_events(self, external_id: str, *, after: str | None = None) -> list[ProviderEvent]:
        """Events newer than the event id `after` (all when None), oldest first."""

    def list_checkpoints(self, external_id: str) -> list[Checkpoint]:
        return []

    @abstractmethod
    def cancel(self, external_id: str) -> None: ...

    def pause(self, external_id: str) -> None:
        raise ProviderError(f"{self.name} cannot pause a fine-tuning job", provider=self.name)

    def resume(self, external_id: str) -> None:
        raise ProviderError(f"{self.name} cannot resume a fine-tuning job", provider=self.name)

    def result_metrics(self, external_id: str) -> list[ProviderEvent]:
        """Per-step metrics the finished job published besides its events (e.g. a result file)."""
        return []

    def result_model(self, external_id: str) -> str | None:
        """The tuned model's id once the job succeeded (None before)."""
        return self.get_status(external_id).fine_tuned_model
