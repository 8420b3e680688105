"""The fine-tuning worker: submits queued jobs, polls running ones, stores events once, registers results.

In: an engine, the settings, and a provider factory (`core.providers.get_provider` by default; tests pass
fakes). Out: `Worker.run_once()` processes every due job once and returns a `WorkerReport`; `Worker.run()`
repeats it every `interval` seconds until stopped. All state lives in `finetune_job`, so a restarted worker
carries on where the last one stopped.

Claiming: due jobs (`next_poll_at <= now`) are picked with `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL and
then claimed with a compare-and-set on `claimed_until` (the only guard on SQLite), so several workers never
work on the same job; a claim expires after `LEASE` if its worker died.
Submitting: export the dataset version (format by provider and method), upload (references kept, so a crash
does not upload again), create the job (first asking the provider whether a job for this id already exists).
Polling: status, new events (the `(job_id, external_id)` pair is unique, so each is stored once), checkpoints;
on success the actual cost from trained tokens and the model registered as a candidate.
Errors: retryable ones (`QuotaError`, `TransientError`) and fixable ones (credentials) keep the job and retry
with exponential backoff (a 429's Retry-After wins); rejected data or model at submission fails the job; an
unexpected exception is logged and retried like a transient error, so one bad answer never stops the worker.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit, registry
from core.auth import SYSTEM_ACTOR, Principal, Role
from core.config import Settings
from core.dataset.export import Format, export_version
from core.errors import ConfigError, InputError
from core.finetune import catalogue
from core.finetune.estimate import actual_cost
from core.models import FinetuneJob, JobEvent
from core.providers import get_provider
from core.providers.base import (
    AuthError,
    Hyperparameters,
    JobSpec,
    JobState,
    JobStatus,
    Provider,
    ProviderError,
    ProviderEvent,
    QuotaError,
    RemoteFiles,
    TrainingFiles,
    TransientError,
)

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=10)
WORKER_PRINCIPAL = Principal(email=SYSTEM_ACTOR, role=Role.ADMIN)
ProviderFactory = Callable[[str, Settings], Provider]


@dataclass
class WorkerReport:
    claimed: int = 0
    submitted: int = 0
    polled: int = 0
    finished: int = 0
    registered: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Worker:
    def __init__(
        self,
        *,
        engine: Engine,
        settings: Settings,
        provider_factory: ProviderFactory = get_provider,
        clock: Callable[[], datetime] = audit.utcnow,
        worker_id: str | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.provider_factory = provider_factory
        self.clock = clock
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

    def run(self, *, interval: float, stop: threading.Event) -> None:
        """Process due jobs every `interval` seconds until `stop` is set."""
        while not stop.is_set():
            report = self.run_once()
            if report.claimed:
                log.info("worker: %s", report)
            stop.wait(interval)

    def run_once(self, limit: int = 20) -> WorkerReport:
        report = WorkerReport()
        ids = self.claim(limit)
        report.claimed = len(ids)
        for job_id in ids:
            with Session(self.engine, expire_on_commit=False) as session:
                self._process(session, job_id, report)
        return report

    def claim(self, limit: int) -> list[int]:
        """Claim up to `limit` due jobs for this worker; a job claimed by a live worker is skipped."""
        now = self.clock()
        free = or_(FinetuneJob.claimed_until.is_(None), FinetuneJob.claimed_until < now)
        with Session(self.engine) as session:
            due = (
                select(FinetuneJob.id)
                .where(FinetuneJob.next_poll_at.is_not(None), FinetuneJob.next_poll_at <= now, free)
                .order_by(FinetuneJob.next_poll_at, FinetuneJob.id)
                .limit(limit)
            )
            if self.engine.dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            claimed = []
            for job_id in session.scalars(due).all():
                taken = session.execute(
                    update(FinetuneJob)
                    .where(FinetuneJob.id == job_id, free)
                    .values(claimed_by=self.worker_id, claimed_until=now + LEASE)
                    .execution_options(synchronize_session=False)
                )
                if taken.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(job_id)
            session.commit()
        return claimed

    # -- one job ------------------------------------------------------------------------------------------
    def _process(self, session: Session, job_id: int, report: WorkerReport) -> None:
        job = session.get(FinetuneJob, job_id)
        if job is None or job.claimed_by != self.worker_id:
            return
        try:
            provider = self.provider_factory(job.provider, self.settings)
            if job.external_id is None and job.status == JobStatus.QUEUED.value:
                self._submit(session, job, provider)
                report.submitted += 1
            elif job.external_id is not None:
                if self._poll(session, job, provider, report):
                    report.finished += 1
                report.polled += 1
            else:
                job.next_poll_at = None  # cancelled before submission: nothing to watch
            job.attempts = 0
            job.error = None if not JobStatus(job.status).finished else job.error
        except (ProviderError, ConfigError, InputError) as exc:
            report.errors.append(f"job {job.id}: {exc}")
            self._failed_call(session, job, exc)
        except Exception as exc:  # a bug or an answer the SDK could not parse: keep the job, keep the worker
            log.exception("worker: job %s", job.id)
            report.errors.append(f"job {job.id}: unexpected {type(exc).__name__}")
            self._failed_call(session, job, TransientError(f"unexpected {type(exc).__name__}: {exc}"))
        finally:
            job.claimed_by = None
            job.claimed_until = None
            job.updated_at = self.clock()
            session.commit()

    def _submit(self, session: Session, job: FinetuneJob, provider: Provider) -> None:
        external_id = provider.find_job(job.id)
        if external_id is None:
            if job.remote_files is None:
                job.remote_files = self._upload(session, job, provider).__dict__
                session.commit()  # a crash after this point does not upload again
            details = job.details or {}
            spec = JobSpec(
                job_id=job.id,
                base_model=job.base_model,
                method=job.method,
                files=RemoteFiles(**(job.remote_files or {})),
                hyperparameters=Hyperparameters.from_dict(job.hyperparameters),
                suffix=details.get("suffix"),
                seed=details.get("seed"),
                display_name=f"bloomtune-job-{job.id}",
            )
            external_id = provider.create_job(spec)
        now = self.clock()
        job.external_id = external_id
        job.status = JobStatus.VALIDATING.value
        job.started_at = job.started_at or now
        job.next_poll_at = now + timedelta(seconds=self.settings.finetune_poll_seconds)
        session.add(JobEvent(job_id=job.id, external_id=None, ts=now, message=f"submitted to {job.provider}"))

    def _upload(self, session: Session, job: FinetuneJob, provider: Provider) -> RemoteFiles:
        fmt: Format = (
            "vertex" if job.provider == "vertex" else "openai-dpo" if job.method == "dpo" else "openai"
        )
        with tempfile.TemporaryDirectory(prefix="bloomtune-job-") as folder:
            train = Path(folder) / "train.jsonl"
            export_version(
                session=session,
                principal=WORKER_PRINCIPAL,
                version_id=job.dataset_version_id,
                fmt=fmt,
                split="train",
                out=train,
            )
            validation: Path | None = Path(folder) / "validation.jsonl"
            try:
                export_version(
                    session=session,
                    principal=WORKER_PRINCIPAL,
                    version_id=job.dataset_version_id,
                    fmt=fmt,
                    split="validation",
                    out=validation,  # type: ignore[arg-type]
                )
            except InputError:  # no validation examples in this version
                validation = None
            return provider.upload(TrainingFiles(train, validation, fmt), job_id=job.id)

    def _poll(self, session: Session, job: FinetuneJob, provider: Provider, report: WorkerReport) -> bool:
        """Fetch status, events and checkpoints; True when the job finished on this poll."""
        assert job.external_id is not None
        state = provider.get_status(job.external_id)
        events = provider.list_events(job.external_id, after=job.event_cursor)
        self._store_events(session, job, events)
        if events:
            job.event_cursor = events[-1].external_id
        checkpoints = provider.list_checkpoints(job.external_id)
        details = dict(job.details or {})
        if checkpoints:
            details["checkpoints"] = [
                {"external_id": c.external_id, "step": c.step, "model": c.model, "metrics": c.metrics}
                for c in checkpoints
            ]
        details["provider"] = {k: v for k, v in state.details.items() if k != "result_files"}
        if state.endpoint:
            details["endpoint"] = state.endpoint
        if state.estimated_finish:
            details["estimated_finish"] = state.estimated_finish.isoformat()
        job.details = details
        job.raw_status = state.raw_status
        now = self.clock()
        cancelled_here = job.status == JobStatus.CANCELLED.value
        if not cancelled_here:
            job.status = state.status.value
        if not (state.finished or cancelled_here):
            job.next_poll_at = now + timedelta(seconds=self.settings.finetune_poll_seconds)
            return False
        self._finish(session, job, provider, state, report)
        return True

    def _finish(
        self, session: Session, job: FinetuneJob, provider: Provider, state: JobState, report: WorkerReport
    ) -> None:
        job.next_poll_at = None
        job.finished_at = job.finished_at or self.clock()
        job.trained_tokens = state.trained_tokens
        entry = catalogue.lookup(job.provider, job.base_model)
        if entry is not None:
            job.actual_cost_usd = actual_cost(session, entry, state.trained_tokens)
        if state.status is JobStatus.FAILED:
            job.error = state.error or "the provider reported the job as failed"
        if state.status is not JobStatus.SUCCEEDED or job.status != JobStatus.SUCCEEDED.value:
            return
        job.fine_tuned_model = state.fine_tuned_model
        recorded = set(
            session.scalars(
                select(JobEvent.step).where(JobEvent.job_id == job.id, JobEvent.step.is_not(None))
            )
        )
        extra = [e for e in provider.result_metrics(job.external_id or "") if e.step not in recorded]
        self._store_events(session, job, extra)
        model = registry.register_candidate(session=session, job=job, endpoint=state.endpoint)
        report.registered.append(model.name)

    def _store_events(self, session: Session, job: FinetuneJob, events: list[ProviderEvent]) -> None:
        """Add the events not stored yet (by external id), so a re-read after a restart adds nothing twice."""
        if not events:
            return
        ids = [e.external_id for e in events]
        seen = set(
            session.scalars(
                select(JobEvent.external_id).where(JobEvent.job_id == job.id, JobEvent.external_id.in_(ids))
            )
        )
        for event in events:
            if event.external_id in seen:
                continue
            seen.add(event.external_id)
            row = JobEvent(
                job_id=job.id,
                external_id=event.external_id,
                ts=event.ts,
                level=event.level,
                message=event.message,
                step=event.step,
                train_loss=event.train_loss,
                valid_loss=event.valid_loss,
                accuracy=event.accuracy,
            )
            try:  # a trainer process may store the same event itself at this very moment
                with session.begin_nested():
                    session.add(row)
            except IntegrityError:
                continue

    def _failed_call(self, session: Session, job: FinetuneJob, exc: Exception) -> None:
        """Keep the job and retry later, or fail it when the provider rejected what we submitted."""
        session.rollback()
        session.refresh(job)
        now = self.clock()
        message = str(exc)
        final = (
            job.external_id is None
            and isinstance(exc, ProviderError | InputError)
            and not isinstance(exc, AuthError)
            and not getattr(exc, "retryable", False)
        )
        session.add(
            JobEvent(
                job_id=job.id, external_id=None, ts=now, level="error" if final else "warn", message=message
            )
        )
        job.error = message
        if final:
            job.status = JobStatus.FAILED.value
            job.finished_at = now
            job.next_poll_at = None
            return
        job.attempts = (job.attempts or 0) + 1
        delay = min(
            self.settings.finetune_max_backoff_seconds,
            self.settings.finetune_poll_seconds * 2 ** (job.attempts - 1),
        )
        if isinstance(exc, QuotaError) and exc.retry_after is not None:
            delay = exc.retry_after
        job.next_poll_at = now + timedelta(seconds=delay)
