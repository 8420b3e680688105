"""The folder of one local LoRA training run, shared by the provider that creates and polls it and the
training process that fills it.

In: the models folder (setting `models_dir`) and our job id. Out: `RunFolder` with the run's paths, the
`RunSpec` the process trains from, the `RunStatus` file (written atomically) and the cancel marker.

Layout of `<models_dir>/job-<id>/`:

    data/train.jsonl, data/validation.jsonl   the uploaded dataset files
    spec.json       what to train (written when the job is created)
    status.json     state, progress, result or error (written by the training process)
    train.log       the training process's output
    pid             the training process's id (written by the launcher)
    cancel          present once a cancel was requested; the process stops at its next step
    checkpoints/    checkpoint-<step>/ folders written during training
    adapter/        the LoRA adapter and the tokenizer (the result)
    merged/         the base model with the adapter merged in (only when asked for)
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RUN_PREFIX = "job-"
EVENT_PREFIX = "local-"  # external ids of the events the training process stores


@dataclass(frozen=True)
class RunSpec:
    """What the training process trains: written by the provider, read by the process."""

    job_id: int
    base_model: str
    model_name: str
    train_file: str
    validation_file: str | None = None
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    merge: bool = False


@dataclass(frozen=True)
class RunStatus:
    """The process's report: `status` is a `JobStatus` value; `pid` the training process."""

    status: str
    pid: int | None = None
    step: int = 0
    max_steps: int | None = None
    started_at: str | None = None  # ISO 8601, UTC
    updated_at: str | None = None
    trained_tokens: int | None = None
    adapter_path: str | None = None
    merged_path: str | None = None
    error: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunStatus:
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass(frozen=True)
class RunFolder:
    """Paths and files of one run."""

    root: Path

    @classmethod
    def for_job(cls, models_dir: Path, job_id: int) -> RunFolder:
        return cls(Path(models_dir).resolve() / f"{RUN_PREFIX}{job_id}")

    @property
    def name(self) -> str:
        return self.root.name

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def spec_path(self) -> Path:
        return self.root / "spec.json"

    @property
    def status_path(self) -> Path:
        return self.root / "status.json"

    @property
    def log_path(self) -> Path:
        return self.root / "train.log"

    @property
    def pid_path(self) -> Path:
        return self.root / "pid"

    @property
    def cancel_path(self) -> Path:
        return self.root / "cancel"

    @property
    def checkpoints_dir(self) -> Path:
        return self.root / "checkpoints"

    @property
    def adapter_dir(self) -> Path:
        return self.root / "adapter"

    @property
    def merged_dir(self) -> Path:
        return self.root / "merged"

    def write_spec(self, spec: RunSpec) -> None:
        _write_json(self.spec_path, asdict(spec))

    def read_spec(self) -> RunSpec:
        return RunSpec(**json.loads(self.spec_path.read_text(encoding="utf-8")))

    def write_status(self, status: RunStatus) -> None:
        _write_json(self.status_path, asdict(status))

    def read_status(self) -> RunStatus | None:
        """The last status written, or None before the first one."""
        try:
            return RunStatus.from_dict(json.loads(self.status_path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None

    def request_cancel(self) -> None:
        self.cancel_path.touch()

    @property
    def cancel_requested(self) -> bool:
        return self.cancel_path.exists()

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of the process's output ('' when there is none)."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])


def now_iso() -> str:
    """The current UTC time as ISO 8601 with offset, as status files store it."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Write `data` so that a reader never sees a half-written file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(temporary, path)
