"""Fine-tuning jobs as a service: plan and launch (idempotent), cancel, list, read one job and its events.

In: a session, the acting `Principal`, a `LaunchRequest` (provider, base model, dataset version, method,
hyperparameters), the settings and today's date (injectable so lifecycle checks are deterministic).
Out: `plan_launch()` returns the `LaunchPlan` a confirmation step shows (catalogue entry, readiness, cost
estimate, the idempotency key); `launch()` stores one queued `FinetuneJob` for the worker to submit and returns
it — the same row for a double submit or a retried request (unique idempotency key, race-safe);
`cancel_job()`, `list_jobs()`, `get_job()`, `job_events()` read and write the rest.

Launch is refused (nothing written) when the model is closed or retired (`ModelUnavailableError` with the date),
the provider's credentials are missing (`ConfigError` naming the setting), the readiness gate fails — the gate
of the collected data, plus its size and topic rules applied to the dataset version — and no override reason is
given, or the job would spend money and `confirm_spend` is false.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit
from core.auth import Permission, Principal, require
from core.config import Settings
from core.dataset import readiness
from core.errors import InputError, NotFound
from core.finetune import catalogue
from core.finetune.catalogue import CatalogueEntry
from core.finetune.estimate import CostEstimate, estimate_cost
from core.models import DatasetMember, DatasetVersion, FinetuneJob, JobEvent
from core.providers import get_provider
from core.providers.base import Hyperparameters, JobStatus
from core.vocab import CORE_TOPICS, TOPIC_LABELS

METHODS = ("sft", "dpo")
MAX_PAGE_SIZE = 500
ACTIVE = tuple(s.value for s in JobStatus if not s.finished)


@dataclass(frozen=True)
class LaunchRequest:
    provider: str
    base_model: str
    dataset: str  # a dataset name, or NAME:VERSION
    dataset_version: int | None = None  # newest when None and `dataset` names no version
    method: str = "sft"
    hyperparameters: Hyperparameters = field(default_factory=Hyperparameters)
    suffix: str | None = None
    seed: int | None = None
    override_reason: str | None = None  # launch despite a failing readiness gate (audited)
    confirm_spend: bool = False
    idempotency_key: str | None = None  # e.g. one per form submission; derived from the request when None


@dataclass(frozen=True)
class LaunchPlan:
    """Everything a confirmation step shows before money is spent."""

    provider: str
    entry: CatalogueEntry
    dataset_version_id: int
    dataset_label: str
    method: str
    hyperparameters: Hyperparameters
    ready: bool
    failed_checks: list[str]
    estimate: CostEstimate
    idempotency_key: str

    @property
    def spends_money(self) -> bool:
        return self.provider != "local"


@dataclass(frozen=True)
class JobPage:
    jobs: list[FinetuneJob]
    total: int
    page: int
    page_size: int


def plan_launch(
    *, session: Session, principal: Principal, request: LaunchRequest, settings: Settings, today: date
) -> LaunchPlan:
    """Check a launch request without writing anything; raise the error that would refuse it."""
    require(principal, Permission.MANAGE_FINETUNES)
    if request.provider not in catalogue.PROVIDERS:
        raise InputError(
            f"unknown provider {request.provider!r}; choose one of: {', '.join(catalogue.PROVIDERS)}"
        )
    if request.method not in METHODS:
        raise InputError(f"unknown method {request.method!r}; choose sft or dpo")
    entry = catalogue.check_launchable(
        request.provider, request.base_model, today=today, method=request.method
    )
    get_provider(request.provider, settings)  # raises ConfigError naming the missing setting
    version = _dataset_version(session, request)
    gate = readiness.assess(session=session, settings=settings)
    failed = [check.message for check in gate.checks if not check.passed]
    failed += _version_checks(session, version, settings)
    if failed and not (request.override_reason or "").strip():
        raise InputError(
            "the training data does not pass the readiness gate ("
            + "; ".join(failed)
            + "); fix it, or give an override reason (admins only, recorded in the audit log)"
        )
    hyper = request.hyperparameters
    estimate = estimate_cost(
        session=session, version=version, entry=entry, hyperparameters=hyper, method=request.method
    )
    return LaunchPlan(
        provider=request.provider,
        entry=entry,
        dataset_version_id=version.id,
        dataset_label=f"{version.name}:{version.version}",
        method=request.method,
        hyperparameters=hyper,
        ready=not failed,
        failed_checks=failed,
        estimate=estimate,
        idempotency_key=request.idempotency_key or derived_key(principal, entry, version, request),
    )


def launch(
    *, session: Session, principal: Principal, request: LaunchRequest, settings: Settings, today: date
) -> FinetuneJob:
    """Queue one job (the worker submits it); the existing job when the idempotency key was seen before."""
    plan = plan_launch(session=session, principal=principal, request=request, settings=settings, today=today)
    existing = _by_key(session, plan.idempotency_key)
    if existing is not None:
        return existing
    if plan.spends_money and not request.confirm_spend:
        cost = plan.estimate.cost_usd
        shown = f"about ${cost:,.2f}" if cost is not None else "an amount the price table cannot estimate"
        raise InputError(f"this job would spend {shown} at {plan.provider}; confirm to launch (--yes)")
    now = audit.utcnow()
    details: dict[str, Any] = {"suffix": request.suffix, "seed": request.seed}
    if not plan.ready:
        details["override_reason"] = request.override_reason
        details["failed_checks"] = plan.failed_checks
    job = FinetuneJob(
        provider=plan.provider,
        base_model=plan.entry.model,
        method=plan.method,
        dataset_version_id=plan.dataset_version_id,
        hyperparameters=plan.hyperparameters.as_dict(),
        idempotency_key=plan.idempotency_key,
        status=JobStatus.QUEUED.value,
        raw_status=None,
        created_by=principal.email,
        created_at=now,
        updated_at=now,
        next_poll_at=now,
        estimated_cost_usd=plan.estimate.cost_usd,
        details=details,
        attempts=0,
    )
    try:
        with session.begin_nested():
            session.add(job)
            session.flush()
    except IntegrityError:  # a concurrent submit with the same key won the race
        winner = _by_key(session, plan.idempotency_key)
        if winner is None:
            raise
        return winner
    summary = {"provider": plan.provider, "base_model": plan.entry.model, "dataset": plan.dataset_label}
    audit.record(session, principal, "finetune.launch", f"job:{job.id}", method=plan.method, **summary)
    if not plan.ready:
        audit.record(
            session,
            principal,
            "finetune.readiness_override",
            f"job:{job.id}",
            reason=request.override_reason,
            failed_checks=plan.failed_checks,
        )
    session.commit()
    return job


def derived_key(
    principal: Principal, entry: CatalogueEntry, version: DatasetVersion, request: LaunchRequest
) -> str:
    """A key that is equal for equal requests, so a retried command finds the job it already launched."""
    payload = {
        "by": principal.email,
        "provider": entry.provider,
        "model": entry.model,
        "dataset": version.id,
        "method": request.method,
        "hyper": request.hyperparameters.as_dict(),
        "suffix": request.suffix,
        "seed": request.seed,
    }
    return "req-" + hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()[:40]


def cancel_job(*, session: Session, principal: Principal, job_id: int, settings: Settings) -> FinetuneJob:
    """Cancel a job: at the provider when it was submitted, else just here. Finished jobs are left alone."""
    require(principal, Permission.MANAGE_FINETUNES)
    job = _job(session, job_id)
    if JobStatus(job.status).finished:
        raise InputError(f"job {job.id} already {job.status}; nothing to cancel")
    if job.external_id:
        get_provider(job.provider, settings).cancel(job.external_id)
    now = audit.utcnow()
    job.status = JobStatus.CANCELLED.value
    job.finished_at = now
    job.updated_at = now
    job.next_poll_at = None if not job.external_id else now  # one last poll collects the final events
    audit.record(session, principal, "finetune.cancel", f"job:{job.id}", external_id=job.external_id)
    session.commit()
    return job


def pause_job(*, session: Session, principal: Principal, job_id: int, settings: Settings) -> FinetuneJob:
    """Pause a running job at a provider that supports it (OpenAI); `resume_job` carries on."""
    return _pause_or_resume(session, principal, job_id, settings, pause=True)


def resume_job(*, session: Session, principal: Principal, job_id: int, settings: Settings) -> FinetuneJob:
    return _pause_or_resume(session, principal, job_id, settings, pause=False)


def _pause_or_resume(
    session: Session, principal: Principal, job_id: int, settings: Settings, *, pause: bool
) -> FinetuneJob:
    require(principal, Permission.MANAGE_FINETUNES)
    job = _job(session, job_id)
    verb = "pause" if pause else "resume"
    if job.external_id is None or JobStatus(job.status).finished:
        raise InputError(f"job {job.id} is {job.status}; only a submitted, unfinished job can {verb}")
    provider = get_provider(job.provider, settings)
    if pause:
        provider.pause(job.external_id)
    else:
        provider.resume(job.external_id)
    now = audit.utcnow()
    job.status = (JobStatus.PAUSED if pause else JobStatus.RUNNING).value
    job.updated_at = now
    job.next_poll_at = now
    audit.record(session, principal, f"finetune.{verb}", f"job:{job.id}", external_id=job.external_id)
    session.commit()
    return job


def list_jobs(
    *,
    session: Session,
    principal: Principal,
    status: str | None = None,
    provider: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> JobPage:
    """One page of jobs, newest first, with the total matching."""
    require(principal, Permission.VIEW_METRICS)
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InputError(f"page size must be between 1 and {MAX_PAGE_SIZE}")
    page = max(1, page)
    conditions = []
    if status:
        conditions.append(FinetuneJob.status == status)
    if provider:
        conditions.append(FinetuneJob.provider == provider)
    total = session.scalar(select(func.count()).select_from(FinetuneJob).where(*conditions)) or 0
    rows = session.scalars(
        select(FinetuneJob)
        .where(*conditions)
        .order_by(FinetuneJob.created_at.desc(), FinetuneJob.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return JobPage(list(rows), total, page, page_size)


def get_job(*, session: Session, principal: Principal, job_id: int) -> FinetuneJob:
    require(principal, Permission.VIEW_METRICS)
    return _job(session, job_id)


def job_events(
    *, session: Session, principal: Principal, job_id: int, after_id: int = 0, limit: int = MAX_PAGE_SIZE
) -> list[JobEvent]:
    """The job's events and metric points in order, from after the event row `after_id` (for live refresh)."""
    require(principal, Permission.VIEW_METRICS)
    _job(session, job_id)
    return list(
        session.scalars(
            select(JobEvent)
            .where(JobEvent.job_id == job_id, JobEvent.id > after_id)
            .order_by(JobEvent.id)
            .limit(min(limit, MAX_PAGE_SIZE))
        )
    )


def latest_events(*, session: Session, principal: Principal, job_id: int, limit: int = 50) -> list[JobEvent]:
    """The job's newest `limit` events, oldest first (for a status summary)."""
    require(principal, Permission.VIEW_METRICS)
    _job(session, job_id)
    newest = session.scalars(
        select(JobEvent)
        .where(JobEvent.job_id == job_id)
        .order_by(JobEvent.id.desc())
        .limit(min(limit, MAX_PAGE_SIZE))
    )
    return list(newest)[::-1]


def job_dict(job: FinetuneJob) -> dict[str, Any]:
    """A job as plain JSON-able data (the CLI's and the page's view of it)."""
    details = job.details or {}
    return {
        "id": job.id,
        "provider": job.provider,
        "base_model": job.base_model,
        "method": job.method,
        "dataset_version_id": job.dataset_version_id,
        "status": job.status,
        "raw_status": job.raw_status,
        "external_id": job.external_id,
        "hyperparameters": job.hyperparameters,
        "created_by": job.created_by,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "trained_tokens": job.trained_tokens,
        "estimated_cost_usd": job.estimated_cost_usd,
        "actual_cost_usd": job.actual_cost_usd,
        "fine_tuned_model": job.fine_tuned_model,
        "error": job.error,
        "checkpoints": details.get("checkpoints", []),
        "idempotency_key": job.idempotency_key,
    }


def _job(session: Session, job_id: int) -> FinetuneJob:
    job = session.get(FinetuneJob, job_id)
    if job is None:
        raise NotFound(f"no fine-tuning job {job_id}; `bloomtune finetune list` shows the jobs")
    return job


def _by_key(session: Session, key: str) -> FinetuneJob | None:
    return session.scalar(select(FinetuneJob).where(FinetuneJob.idempotency_key == key))


def _version_checks(session: Session, version: DatasetVersion, settings: Settings) -> list[str]:
    """The gate's size and topic rules applied to the version itself (a narrow build can miss them)."""
    per_topic = dict(
        session.execute(
            select(DatasetMember.topic, func.count())
            .where(DatasetMember.dataset_version_id == version.id)
            .group_by(DatasetMember.topic)
        ).all()
    )
    label = f"{version.name}:{version.version}"
    total = sum(per_topic.values())
    failed = []
    if total < settings.readiness_min_examples:
        failed.append(
            f"{label} holds {total} examples, fewer than the {settings.readiness_min_examples} required"
        )
    thin = [TOPIC_LABELS[t] for t in CORE_TOPICS if per_topic.get(t, 0) < settings.readiness_min_per_topic]
    if thin:
        failed.append(
            f"{label} has fewer than {settings.readiness_min_per_topic} examples about: {', '.join(thin)}"
        )
    return failed


def _dataset_version(session: Session, request: LaunchRequest) -> DatasetVersion:
    name, _, number = request.dataset.partition(":")
    version = request.dataset_version
    if number:
        if not number.isdigit():
            raise InputError(f"dataset {request.dataset!r}: write NAME:VERSION with a whole version number")
        version = int(number)
    statement = select(DatasetVersion).where(DatasetVersion.name == name)
    if version is not None:
        statement = statement.where(DatasetVersion.version == version)
    found = session.scalar(statement.order_by(DatasetVersion.version.desc()).limit(1))
    if found is None:
        raise NotFound(f"no dataset version {request.dataset!r}; `bloomtune dataset list` shows them")
    return found
