"""Plain factories for registry tests: a dataset version, a finished fine-tuning job, registered models.

In: a session. Out: rows added and flushed (the caller commits), with provenance wired the way the worker
leaves it after a job succeeds.
"""

from __future__ import annotations

from datetime import date, datetime
from itertools import count

from sqlalchemy.orm import Session

from core import registry
from core.audit import utcnow
from core.models import DatasetVersion, FinetuneJob, RegisteredModel

_keys = count(1)


def dataset_version(session: Session, name: str = "cycle-faq", version: int = 1) -> DatasetVersion:
    row = DatasetVersion(
        name=name,
        version=version,
        spec={},
        counts={"train": 8, "validation": 2},
        token_stats={},
        files={},
        created_by="admin@example.org",
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def finished_job(
    session: Session,
    *,
    fine_tuned_model: str | None = "ft:gpt-4.1-mini-2025-04-14:bloom::abc123",
    provider: str = "openai",
    base_model: str = "gpt-4.1-mini-2025-04-14",
    dataset: DatasetVersion | None = None,
) -> FinetuneJob:
    dataset = dataset or dataset_version(session, name=f"set-{next(_keys)}")
    job = FinetuneJob(
        provider=provider,
        base_model=base_model,
        dataset_version_id=dataset.id,
        hyperparameters={"epochs": 3},
        idempotency_key=f"key-{next(_keys)}",
        external_id=f"ftjob-{next(_keys)}",
        status="succeeded",
        created_by="admin@example.org",
        created_at=utcnow(),
        fine_tuned_model=fine_tuned_model,
    )
    session.add(job)
    session.flush()
    return job


def candidate(session: Session, name: str, **job_fields: object) -> RegisteredModel:
    """A fine-tuned model registered as the worker registers it (committed)."""
    job = finished_job(session, fine_tuned_model=name, **job_fields)  # type: ignore[arg-type]
    model = registry.register_candidate(session=session, job=job)
    session.commit()
    return model


def base_model(
    session: Session,
    name: str,
    *,
    status: str = "live",
    provider: str = "openai",
    endpoint: str | None = None,
    retires_on: date | None = None,
    created_at: datetime | None = None,
) -> RegisteredModel:
    """A model in use that no job produced (committed)."""
    model = RegisteredModel(
        name=name,
        provider=provider,
        endpoint=endpoint,
        status=status,
        base_retirement_date=retires_on,
        created_at=created_at or utcnow(),
    )
    session.add(model)
    session.commit()
    return model
