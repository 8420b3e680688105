"""The model registry: which models exist, where they came from, which one serves, and when they stop.

In: a session, the acting principal and a model name (the worker passes a finished `FinetuneJob`); for
`promote()` and `retirement_countdown()`, the date to judge retirement by (`catalogue.lifecycle_today()`).
Out:
- `register_candidate(session=, job=)` — the worker's hook when a job succeeds: the fine-tuned model as a
  `candidate` with its provenance (job, dataset version, base model) and its base model's retirement date
  from the catalogue. Added to the worker's session and audited as `system`, not committed (the worker
  commits it with the job's final status); a second call for the same model returns the existing row.
- `list_models()` — one page of the registry with provenance, filtered by status (`VIEW_METRICS`).
- `register_model()` — an admin adds a model no job here produced (a base model in use, a model served by
  vLLM, Ollama or llama.cpp at an endpoint) as a candidate (`MANAGE_MODELS`, audited).
- `promote()` — candidate → live; the model that was live is retired, since the gateway serves one live
  model. `retire()` — candidate or live → retired. Both need `MANAGE_MODELS`, are audited and commit once;
  models used by a running experiment are left alone (stop the experiment first).
- `retirement_countdown()` — every live model whose base model retires within `COUNTDOWN_DAYS` of `today`
  (or already has), soonest first, for the Models page's banners.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from core import audit
from core.auth import SYSTEM_ACTOR, Permission, Principal, require
from core.errors import InputError, NotFound
from core.finetune import catalogue
from core.models import DatasetVersion, Experiment, FinetuneJob, RegisteredModel

CANDIDATE, LIVE, RETIRED = "candidate", "live", "retired"
STATUSES: Final = (CANDIDATE, LIVE, RETIRED)
COUNTDOWN_DAYS: Final = 60
MAX_PAGE_SIZE: Final = 500
RUNNING_EXPERIMENT = "running"


@dataclass(frozen=True)
class ModelRow:
    """One registry entry with where it came from."""

    id: int
    name: str
    provider: str
    status: str
    base_model: str | None
    endpoint: str | None
    created_at: datetime
    base_retirement_date: date | None
    job_id: int | None
    job_external_id: str | None
    dataset_version_id: int | None
    dataset_name: str | None
    dataset_version: int | None

    @property
    def dataset_label(self) -> str | None:
        return f"{self.dataset_name} v{self.dataset_version}" if self.dataset_name else None


@dataclass(frozen=True)
class ModelPage:
    rows: list[ModelRow]
    total: int
    page: int
    page_size: int

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class Countdown:
    """A live model whose base model stops serving soon (or has stopped: `days_left` ≤ 0)."""

    model: str
    provider: str
    base_model: str
    retires_on: date
    days_left: int


# -- writes ------------------------------------------------------------------------------------------------
def register_candidate(*, session: Session, job: FinetuneJob, endpoint: str | None = None) -> RegisteredModel:
    """The model `job` produced, as a candidate; `endpoint` is where an OpenAI-compatible server serves it."""
    name = (job.fine_tuned_model or "").strip()
    if not name:
        raise InputError(f"job {job.id} has no fine-tuned model to register")
    existing = session.scalar(select(RegisteredModel).where(RegisteredModel.name == name))
    if existing is not None:
        return existing
    model = RegisteredModel(
        name=name,
        provider=job.provider,
        base_model=job.base_model,
        endpoint=endpoint,
        source_job_id=job.id,
        dataset_version_id=job.dataset_version_id,
        status=CANDIDATE,
        base_retirement_date=catalogue.retirement_date(job.provider, job.base_model),
        created_at=audit.utcnow(),
    )
    session.add(model)
    session.flush()
    audit.record(session, SYSTEM_ACTOR, "model.register", name, job=job.id, status=CANDIDATE)
    return model


def promote(*, session: Session, principal: Principal, name: str, today: date) -> RegisteredModel:
    """Make a candidate the live model; whichever model was live is retired. Refused for a model whose base
    model has already stopped serving."""
    require(principal, Permission.MANAGE_MODELS)
    model = get_model(session, name)
    if model.status != CANDIDATE:
        raise InputError(f"model {name!r} is {model.status}; only a candidate can be promoted")
    retires_on = _retirement_of(model)
    if retires_on is not None and retires_on <= today:
        raise InputError(
            f"model {name!r} cannot go live: its base model {model.base_model or name!r} "
            f"stopped serving on {retires_on.isoformat()}"
        )
    previous = list(
        session.scalars(
            select(RegisteredModel).where(RegisteredModel.status == LIVE, RegisteredModel.id != model.id)
        )
    )
    for old in previous:
        _refuse_if_in_experiment(session, old.name, "retire")
    for old in previous:
        old.status = RETIRED
    model.status = LIVE
    audit.record(session, principal, "model.promote", name, retired=[old.name for old in previous])
    session.commit()
    return model


def register_model(
    *,
    session: Session,
    principal: Principal,
    name: str,
    provider: str,
    endpoint: str | None = None,
    base_model: str | None = None,
) -> RegisteredModel:
    """Add a model no job here produced (a base model in use, a model served elsewhere) as a candidate."""
    require(principal, Permission.MANAGE_MODELS)
    name, endpoint = name.strip(), (endpoint or "").strip() or None
    base_model = (base_model or "").strip() or None
    if not name:
        raise InputError("a model needs a name (the id its server knows it by)")
    if provider not in catalogue.PROVIDERS:
        raise InputError(f"unknown provider {provider!r}; choose one of {', '.join(catalogue.PROVIDERS)}")
    if endpoint is not None and not endpoint.startswith(("http://", "https://")):
        raise InputError(f"the endpoint must be an http(s) URL, not {endpoint!r}")
    if provider == "local" and endpoint is None:
        raise InputError("a local model needs the base URL of the OpenAI-compatible server that serves it")
    if session.scalar(select(RegisteredModel.id).where(RegisteredModel.name == name)) is not None:
        raise InputError(f"a model named {name!r} is already registered")
    model = RegisteredModel(
        name=name,
        provider=provider,
        base_model=base_model,
        endpoint=endpoint,
        status=CANDIDATE,
        base_retirement_date=catalogue.retirement_date(provider, base_model) if base_model else None,
        created_at=audit.utcnow(),
    )
    session.add(model)
    audit.record(
        session, principal, "model.register", name, provider=provider, endpoint=endpoint, status=CANDIDATE
    )
    session.commit()
    return model


def retire(*, session: Session, principal: Principal, name: str, reason: str = "") -> RegisteredModel:
    """Take a candidate or live model out of service for good."""
    require(principal, Permission.MANAGE_MODELS)
    model = get_model(session, name)
    if model.status == RETIRED:
        raise InputError(f"model {name!r} is already retired")
    _refuse_if_in_experiment(session, name, "retire")
    was = model.status
    model.status = RETIRED
    audit.record(session, principal, "model.retire", name, was=was, reason=reason.strip() or None)
    session.commit()
    return model


# -- reads -------------------------------------------------------------------------------------------------
def get_model(session: Session, name: str) -> RegisteredModel:
    model = session.scalar(select(RegisteredModel).where(RegisteredModel.name == name))
    if model is None:
        raise NotFound(f"no model named {name!r} in the registry")
    return model


def list_models(
    *,
    session: Session,
    principal: Principal,
    status: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> ModelPage:
    """One page of the registry with provenance: live first, then candidates, then retired; newest first."""
    require(principal, Permission.VIEW_METRICS)
    if status is not None and status not in STATUSES:
        raise InputError(f"unknown model status {status!r}; choose one of {', '.join(STATUSES)}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InputError(f"page size must be between 1 and {MAX_PAGE_SIZE}")
    page = max(1, page)
    where = [RegisteredModel.status == status] if status else []
    total = session.scalar(select(func.count()).select_from(RegisteredModel).where(*where)) or 0
    order = case({LIVE: 0, CANDIDATE: 1}, value=RegisteredModel.status, else_=2)
    statement = (
        select(
            RegisteredModel,
            FinetuneJob.external_id,
            DatasetVersion.name,
            DatasetVersion.version,
        )
        .outerjoin(FinetuneJob, FinetuneJob.id == RegisteredModel.source_job_id)
        .outerjoin(DatasetVersion, DatasetVersion.id == RegisteredModel.dataset_version_id)
        .where(*where)
        .order_by(order, RegisteredModel.created_at.desc(), RegisteredModel.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    rows = [
        ModelRow(
            id=model.id,
            name=model.name,
            provider=model.provider,
            status=model.status,
            base_model=model.base_model,
            endpoint=model.endpoint,
            created_at=model.created_at,
            base_retirement_date=_retirement_of(model),
            job_id=model.source_job_id,
            job_external_id=external_id,
            dataset_version_id=model.dataset_version_id,
            dataset_name=dataset_name,
            dataset_version=dataset_version,
        )
        for model, external_id, dataset_name, dataset_version in session.execute(statement)
    ]
    return ModelPage(rows, total, page, page_size)


def status_counts(*, session: Session, principal: Principal) -> dict[str, int]:
    """How many models are in each status (every status present, zero when none)."""
    require(principal, Permission.VIEW_METRICS)
    counted = dict(
        session.execute(select(RegisteredModel.status, func.count()).group_by(RegisteredModel.status)).all()
    )
    return {status: int(counted.get(status, 0)) for status in STATUSES}


def model_names(
    *, session: Session, principal: Principal, statuses: tuple[str, ...] = (LIVE, CANDIDATE)
) -> list[str]:
    """The names of the models in `statuses` (live and candidates by default), live first, for pickers."""
    require(principal, Permission.VIEW_METRICS)
    order = case({LIVE: 0, CANDIDATE: 1}, value=RegisteredModel.status, else_=2)
    statement = (
        select(RegisteredModel.name)
        .where(RegisteredModel.status.in_(statuses))
        .order_by(order, RegisteredModel.created_at.desc(), RegisteredModel.id.desc())
        .limit(MAX_PAGE_SIZE)
    )
    return list(session.scalars(statement))


def retirement_countdown(
    *, session: Session, principal: Principal, today: date, within_days: int = COUNTDOWN_DAYS
) -> list[Countdown]:
    """Every live model whose base model retires within `within_days` of `today` (or already did), soonest
    first. The catalogue's date wins over the one stored at registration (vendors move dates)."""
    require(principal, Permission.VIEW_METRICS)
    live = session.scalars(
        select(RegisteredModel).where(RegisteredModel.status == LIVE).order_by(RegisteredModel.name)
    )
    soon = []
    for model in live:
        retires_on = _retirement_of(model)
        if retires_on is None:
            continue
        days_left = (retires_on - today).days
        if days_left <= within_days:
            base = model.base_model or model.name
            soon.append(Countdown(model.name, model.provider, base, retires_on, days_left))
    return sorted(soon, key=lambda c: (c.retires_on, c.model))


def _retirement_of(model: RegisteredModel) -> date | None:
    """When the base model of a fine-tuned model stops serving (the catalogue's date, else the stored one);
    for a base model in use, only the date stored with it."""
    if model.base_model is None:
        return model.base_retirement_date
    return catalogue.retirement_date(model.provider, model.base_model) or model.base_retirement_date


def _refuse_if_in_experiment(session: Session, name: str, verb: str) -> None:
    running = session.scalar(
        select(Experiment.name).where(
            Experiment.status == RUNNING_EXPERIMENT,
            or_(Experiment.control_model == name, Experiment.treatment_model == name),
        )
    )
    if running is not None:
        raise InputError(
            f"cannot {verb} model {name!r}: experiment {running!r} is running on it; stop it first"
        )
