"""The local provider: LoRA fine-tuning of an open-weight model on the team's own hardware.

In: the exported chat JSONL (`TrainingFiles`, format "openai"), a `JobSpec` whose base model is a local model
folder or a hub id, and the settings `models_dir`, `local_serve_base_url`, `local_merge_adapter`.
Out: a run folder `<models_dir>/job-<id>/` (layout in `core.finetune.local_run`) with a detached training
process (`python -m core.finetune.local_train`); `JobState`s read from the run's status file, events read
from the `job_event` rows the process writes, checkpoints read from the run folder, and, once trained, the
adapter's path with a command that serves it from any OpenAI-compatible server (vLLM shown).

The external job id is the run folder's name. Cancel leaves a marker that the process checks after every
step. A process that disappears without a final status (killed, machine restarted) is reported as failed
with the end of its log, so no job waits forever. This module imports none of the training libraries.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

import core
from core.config import Settings
from core.db import make_engine
from core.finetune.local_run import EVENT_PREFIX, RUN_PREFIX, RunFolder, RunSpec, RunStatus, now_iso
from core.models import JobEvent
from core.providers.base import (
    Checkpoint,
    JobSpec,
    JobState,
    JobStatus,
    Provider,
    ProviderEvent,
    RemoteFiles,
    TrainingFiles,
)
from core.providers.errors import InvalidDataError, ProviderError, TransientError

TRAIN_MODULE = "core.finetune.local_train"


class LocalProvider(Provider):
    name = "local"

    def __init__(
        self,
        *,
        models_dir: Path,
        database_url: str,
        serve_base_url: str,
        merge: bool = False,
        python: str = sys.executable,
    ) -> None:
        self.models_dir = Path(models_dir).resolve()
        self.database_url = database_url
        self.serve_base_url = serve_base_url
        self.merge = merge
        self.python = python

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalProvider:
        return cls(
            models_dir=settings.models_dir,
            database_url=settings.database_url,
            serve_base_url=settings.local_serve_base_url,
            merge=settings.local_merge_adapter,
        )

    # -- launching -----------------------------------------------------------------------------------------

    def upload(self, files: TrainingFiles, *, job_id: int) -> RemoteFiles:
        """Copy the training (and validation) file into the job's run folder."""
        if files.format != "openai":
            raise InvalidDataError(
                f"local training reads chat JSONL (format 'openai'), not {files.format!r}", provider=self.name
            )
        folder = RunFolder.for_job(self.models_dir, job_id)
        folder.data_dir.mkdir(parents=True, exist_ok=True)
        train = self._copy(files.train, folder.data_dir / "train.jsonl")
        validation = (
            self._copy(files.validation, folder.data_dir / "validation.jsonl") if files.validation else None
        )
        return RemoteFiles(train=str(train), validation=str(validation) if validation else None)

    def _copy(self, source: Path, target: Path) -> Path:
        try:
            shutil.copyfile(source, target)
        except FileNotFoundError:
            raise InvalidDataError(f"training file {source} does not exist", provider=self.name) from None
        except OSError as exc:
            raise TransientError(f"could not copy {source} to {target}: {exc}", provider=self.name) from exc
        return target

    def create_job(self, spec: JobSpec) -> str:
        """Start the training process for `spec` (once: a second call for the same job starts nothing)."""
        if spec.method != "sft":
            raise InvalidDataError(
                "local training supports supervised fine-tuning (sft) only, not " + spec.method,
                provider=self.name,
            )
        started = self.find_job(spec.job_id)
        if started is not None:
            return started
        folder = RunFolder.for_job(self.models_dir, spec.job_id)
        folder.root.mkdir(parents=True, exist_ok=True)
        folder.write_spec(
            RunSpec(
                job_id=spec.job_id,
                base_model=spec.base_model,
                model_name=model_name(spec),
                train_file=spec.files.train,
                validation_file=spec.files.validation,
                hyperparameters=spec.hyperparameters.as_dict(),
                seed=spec.seed,
                merge=self.merge,
            )
        )
        folder.write_status(RunStatus(status=JobStatus.QUEUED, started_at=now_iso()))
        folder.cancel_path.unlink(missing_ok=True)
        self._start(folder)
        return folder.name

    def find_job(self, job_id: int) -> str | None:
        """The run already started for our job `job_id`, if any."""
        folder = RunFolder.for_job(self.models_dir, job_id)
        status = folder.read_status()
        if status is None or (status.status == JobStatus.QUEUED and not _process_alive(folder, status)):
            return None
        return folder.name

    def _start(self, folder: RunFolder) -> None:
        """Run the trainer in its own session, so it outlives the caller and ignores its terminal's signals."""
        environment = dict(os.environ, DATABASE_URL=self.database_url)
        source_root = str(Path(core.__file__).resolve().parent.parent)  # the child runs this same code
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [source_root, os.environ.get("PYTHONPATH")]))
        environment.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            with folder.log_path.open("ab") as log:
                process = subprocess.Popen(
                    [self.python, "-m", TRAIN_MODULE, str(folder.root)],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=environment,
                    start_new_session=True,
                )
        except OSError as exc:
            raise TransientError(f"could not start the training process: {exc}", provider=self.name) from exc
        folder.pid_path.write_text(str(process.pid), encoding="utf-8")
        # collect its exit status once it ends, so a long-running worker keeps no finished process around
        threading.Thread(target=process.wait, name=f"reap-{folder.name}", daemon=True).start()

    # -- polling -------------------------------------------------------------------------------------------

    def get_status(self, external_id: str) -> JobState:
        folder = self._folder(external_id)
        status = self._read_status(folder)
        if not JobStatus(status.status).finished and not _process_alive(folder, status):
            status = self._read_status(folder)  # it may have finished between the two reads
            if not JobStatus(status.status).finished:
                tail = folder.log_tail()
                error = "the training process stopped without a result" + (
                    f"; its last output:\n{tail}" if tail else ""
                )
                status = replace(status, status=JobStatus.FAILED, error=error)
                folder.write_status(status)
        return self._job_state(folder, status)

    def _job_state(self, folder: RunFolder, status: RunStatus) -> JobState:
        spec = folder.read_spec()
        succeeded = status.status == JobStatus.SUCCEEDED
        details: dict[str, object] = {
            "run_dir": str(folder.root),
            "step": status.step,
            "max_steps": status.max_steps,
            "adapter_path": status.adapter_path,
            "merged_path": status.merged_path,
        }
        if succeeded and status.adapter_path:
            details["serve_command"] = serve_command(spec, status)
        return JobState(
            status=JobStatus(status.status),
            raw_status=status.status,
            fine_tuned_model=spec.model_name if succeeded else None,
            endpoint=self.serve_base_url if succeeded else None,
            trained_tokens=status.trained_tokens,
            error=status.error,
            estimated_finish=_estimated_finish(status),
            details=details,
        )

    def list_events(self, external_id: str, *, after: str | None = None) -> list[ProviderEvent]:
        """The events the training process stored, oldest first (after the event id `after`)."""
        job_id = self._job_id(external_id)
        query = (
            select(JobEvent)
            .where(JobEvent.job_id == job_id, JobEvent.external_id.like(f"{EVENT_PREFIX}%"))
            .order_by(JobEvent.id)
        )
        with Session(_engine(self.database_url)) as session:
            if after is not None:
                cursor = session.scalar(
                    select(JobEvent.id).where(JobEvent.job_id == job_id, JobEvent.external_id == after)
                )
                if cursor is not None:
                    query = query.where(JobEvent.id > cursor)
            rows = session.scalars(query.limit(500)).all()
        return [
            ProviderEvent(
                external_id=row.external_id or "",
                ts=row.ts,
                message=row.message,
                level=row.level,
                step=row.step,
                train_loss=row.train_loss,
                valid_loss=row.valid_loss,
                accuracy=row.accuracy,
            )
            for row in rows
        ]

    def list_checkpoints(self, external_id: str) -> list[Checkpoint]:
        """The adapter checkpoints saved during training, by step, with the last losses logged before each."""
        folder = self._folder(external_id)
        if not folder.checkpoints_dir.is_dir():
            return []
        checkpoints = []
        for path in folder.checkpoints_dir.glob("checkpoint-*"):
            step = path.name.removeprefix("checkpoint-")
            if step.isdigit():
                checkpoints.append(_checkpoint(path, int(step)))
        return sorted(checkpoints, key=lambda checkpoint: checkpoint.step or 0)

    def cancel(self, external_id: str) -> None:
        """Ask the training process to stop after its current step; a finished job is left as it is."""
        folder = self._folder(external_id)
        status = self._read_status(folder)
        if JobStatus(status.status).finished:
            return
        folder.request_cancel()
        if not _process_alive(folder, status):
            folder.write_status(replace(status, status=JobStatus.CANCELLED))

    # -- helpers -------------------------------------------------------------------------------------------

    def _job_id(self, external_id: str) -> int:
        number = external_id.removeprefix(RUN_PREFIX)
        if not external_id.startswith(RUN_PREFIX) or not number.isdigit():
            raise ProviderError(f"{external_id!r} is not a local job id", provider=self.name)
        return int(number)

    def _folder(self, external_id: str) -> RunFolder:
        return RunFolder.for_job(self.models_dir, self._job_id(external_id))

    def _read_status(self, folder: RunFolder) -> RunStatus:
        status = folder.read_status()
        if status is None:
            raise ProviderError(f"no local training run in {folder.root}", provider=self.name)
        return status


def model_name(spec: JobSpec) -> str:
    """The name the tuned model is served and registered under, e.g. `Qwen2.5-0.5B-Instruct-job-7`."""
    base = Path(spec.base_model.rstrip("/")).name or "model"
    return f"{base}-{spec.suffix}-job-{spec.job_id}" if spec.suffix else f"{base}-job-{spec.job_id}"


def serve_command(spec: RunSpec, status: RunStatus) -> str:
    """How to serve the result from an OpenAI-compatible server, under its registered name."""
    if status.merged_path:
        return f"vllm serve {status.merged_path} --served-model-name {spec.model_name}"
    return (
        f"vllm serve {spec.base_model} --enable-lora --lora-modules {spec.model_name}={status.adapter_path}"
    )


def _checkpoint(path: Path, step: int) -> Checkpoint:
    metrics: dict[str, float] = {}
    try:
        history = json.loads((path / "trainer_state.json").read_text(encoding="utf-8")).get("log_history", [])
    except (OSError, ValueError):
        history = []
    for entry in history:
        for source, target in (("loss", "train_loss"), ("eval_loss", "valid_loss")):
            if source in entry and entry.get("step", 0) <= step:
                metrics[target] = float(entry[source])
    created = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)
    return Checkpoint(external_id=path.name, step=step, model=str(path), created_at=created, metrics=metrics)


def _process_alive(folder: RunFolder, status: RunStatus) -> bool:
    """Whether the run's training process still runs (a queued run whose process was never started: no)."""
    pid = status.pid
    if pid is None:
        try:
            pid = int(folder.pid_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)  # reap it when this process started it
        if finished:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a recycled pid belongs to another program (empty while a process is being set up)
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return True
    return not command_line or TRAIN_MODULE in command_line


def _estimated_finish(status: RunStatus) -> datetime | None:
    if (
        status.status != JobStatus.RUNNING
        or not status.max_steps
        or status.step <= 0
        or not status.started_at
    ):
        return None
    started = datetime.fromisoformat(status.started_at)
    now = datetime.now(UTC)
    per_step = (now - started) / status.step
    return (now + per_step * (status.max_steps - status.step)).replace(tzinfo=None)


@lru_cache(maxsize=4)
def _engine(url: str) -> Engine:
    return make_engine(url)
