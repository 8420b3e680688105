"""The model registry: registration by the worker, provenance, promote/retire transitions, the countdown."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import experiments, registry
from core.auth import Principal, Role
from core.errors import InputError, NotFound, PermissionDenied
from core.models import AuditLog, RegisteredModel
from tests.finetune_support import TODAY
from tests.registry_data import base_model, candidate, dataset_version, finished_job

FT = "ft:gpt-4.1-mini-2025-04-14:bloom::abc123"
OPENAI_FT_SERVING_ENDS = date(2027, 1, 14)
VIEWER = Principal("viewer@example.org", Role.VIEWER)


def statuses(session: Session) -> dict[str, str]:
    return dict(session.execute(select(RegisteredModel.name, RegisteredModel.status)).all())


def actions(session: Session) -> list[tuple[str, str, str | None]]:
    rows = session.execute(select(AuditLog.actor, AuditLog.action, AuditLog.target).order_by(AuditLog.id))
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_register_candidate_records_provenance_and_the_base_models_retirement(session: Session) -> None:
    dataset = dataset_version(session, "cycle-faq", 3)
    job = finished_job(session, fine_tuned_model=FT, dataset=dataset)
    model = registry.register_candidate(session=session, job=job)
    session.commit()
    assert (model.status, model.provider, model.base_model) == ("candidate", "openai", job.base_model)
    assert (model.source_job_id, model.dataset_version_id) == (job.id, dataset.id)
    assert model.base_retirement_date == OPENAI_FT_SERVING_ENDS
    assert actions(session) == [("system", "model.register", FT)]


def test_register_candidate_twice_keeps_one_row(session: Session) -> None:
    job = finished_job(session, fine_tuned_model=FT)
    first = registry.register_candidate(session=session, job=job)
    second = registry.register_candidate(session=session, job=job)
    session.commit()
    assert first.id == second.id
    assert session.scalar(select(func.count()).select_from(RegisteredModel)) == 1
    assert len(actions(session)) == 1


def test_register_candidate_keeps_a_local_models_endpoint(session: Session) -> None:
    job = finished_job(
        session, fine_tuned_model="bloom-qwen-lora", provider="local", base_model="Qwen/Qwen2.5-0.5B"
    )
    model = registry.register_candidate(session=session, job=job, endpoint="http://127.0.0.1:8001/v1")
    assert (model.endpoint, model.base_retirement_date) == ("http://127.0.0.1:8001/v1", None)


def test_register_candidate_refuses_a_job_without_a_model(session: Session) -> None:
    job = finished_job(session, fine_tuned_model=None)
    with pytest.raises(InputError, match="no fine-tuned model"):
        registry.register_candidate(session=session, job=job)


def test_list_models_shows_provenance_live_first_and_filters(session: Session) -> None:
    base_model(session, "gpt-4.1-mini")
    dataset = dataset_version(session, "cycle-faq", 2)
    candidate(session, FT, dataset=dataset)
    base_model(session, "old-model", status="retired")
    page = registry.list_models(session=session, principal=VIEWER)
    assert [(r.name, r.status) for r in page.rows] == [
        ("gpt-4.1-mini", "live"),
        (FT, "candidate"),
        ("old-model", "retired"),
    ]
    ft = page.rows[1]
    assert ft.dataset_label == "cycle-faq v2" and ft.job_id is not None and ft.job_external_id
    assert ft.base_model == "gpt-4.1-mini-2025-04-14" and ft.base_retirement_date == OPENAI_FT_SERVING_ENDS
    assert page.rows[0].dataset_label is None and page.rows[0].job_id is None
    only = registry.list_models(session=session, principal=VIEWER, status="candidate")
    assert [r.name for r in only.rows] == [FT] and only.total == 1
    assert registry.status_counts(session=session, principal=VIEWER) == {
        "candidate": 1,
        "live": 1,
        "retired": 1,
    }


def test_list_models_pages_and_rejects_bad_input(session: Session) -> None:
    for i in range(5):
        base_model(session, f"m{i}", status="candidate")
    second = registry.list_models(session=session, principal=VIEWER, page=2, page_size=2)
    assert (second.total, second.page_count, len(second.rows)) == (5, 3, 2)
    with pytest.raises(InputError, match="unknown model status"):
        registry.list_models(session=session, principal=VIEWER, status="deleted")
    with pytest.raises(InputError, match="page size"):
        registry.list_models(session=session, principal=VIEWER, page_size=501)


def test_promote_makes_the_candidate_live_and_retires_the_previous_live_model(
    session: Session, admin: Principal
) -> None:
    base_model(session, "gpt-4.1-mini")
    candidate(session, FT)
    registry.promote(session=session, principal=admin, name=FT, today=TODAY)
    assert statuses(session) == {"gpt-4.1-mini": "retired", FT: "live"}
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "model.promote")).one()
    assert (entry.actor, entry.target, entry.details) == (admin.email, FT, {"retired": ["gpt-4.1-mini"]})


def test_promote_refuses_what_is_not_a_candidate(session: Session, admin: Principal) -> None:
    base_model(session, "gpt-4.1-mini")
    with pytest.raises(InputError, match="only a candidate"):
        registry.promote(session=session, principal=admin, name="gpt-4.1-mini", today=TODAY)
    with pytest.raises(NotFound):
        registry.promote(session=session, principal=admin, name="nope", today=TODAY)


def test_promote_refuses_a_model_whose_base_has_stopped_serving(session: Session, admin: Principal) -> None:
    base_model(session, "gpt-4.1-mini")
    candidate(session, FT)
    with pytest.raises(InputError, match="stopped serving on 2027-01-14"):
        registry.promote(session=session, principal=admin, name=FT, today=date(2027, 1, 20))
    session.rollback()
    assert statuses(session) == {"gpt-4.1-mini": "live", FT: "candidate"}


def test_promote_leaves_a_running_experiments_control_alone(session: Session, admin: Principal) -> None:
    base_model(session, "gpt-4.1-mini")
    candidate(session, FT)
    candidate(session, "ft:other")
    experiments.create_experiment(
        session=session, principal=admin, name="ab", control_model="gpt-4.1-mini", treatment_model=FT
    )
    experiments.start_experiment(session=session, principal=admin, name="ab")
    with pytest.raises(InputError, match="experiment 'ab' is running"):
        registry.promote(session=session, principal=admin, name="ft:other", today=TODAY)
    session.rollback()
    assert statuses(session)["gpt-4.1-mini"] == "live"


def test_retire_takes_a_model_out_of_service_once(session: Session, admin: Principal) -> None:
    candidate(session, FT)
    registry.retire(session=session, principal=admin, name=FT, reason="  worse answers ")
    assert statuses(session) == {FT: "retired"}
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "model.retire")).one()
    assert entry.details == {"was": "candidate", "reason": "worse answers"}
    with pytest.raises(InputError, match="already retired"):
        registry.retire(session=session, principal=admin, name=FT)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.REVIEWER, Role.CLINICIAN])
def test_only_admins_promote_or_retire(session: Session, role: Role) -> None:
    candidate(session, FT)
    before = actions(session)
    someone = Principal(f"{role.value}@example.org", role)
    with pytest.raises(PermissionDenied):
        registry.promote(session=session, principal=someone, name=FT, today=TODAY)
    with pytest.raises(PermissionDenied):
        registry.retire(session=session, principal=someone, name=FT)
    assert statuses(session) == {FT: "candidate"} and actions(session) == before


def test_countdown_lists_live_models_within_sixty_days_soonest_first(
    session: Session, admin: Principal
) -> None:
    candidate(session, FT)
    registry.promote(session=session, principal=admin, name=FT, today=TODAY)
    candidate(session, "ft:gpt-4o-2024-08-06:bloom::not-live", base_model="gpt-4o-2024-08-06")
    base_model(session, "base-soon", retires_on=date(2026, 12, 1))  # several live entries, e.g. per region
    base_model(session, "base-far", retires_on=date(2027, 6, 1))
    base_model(session, "base-undated")

    soon = registry.retirement_countdown(session=session, principal=VIEWER, today=TODAY)
    assert [(c.model, c.retires_on, c.days_left) for c in soon] == [
        ("base-soon", date(2026, 12, 1), 6),
        (FT, OPENAI_FT_SERVING_ENDS, 50),
    ]
    assert soon[1].base_model == "gpt-4.1-mini-2025-04-14" and soon[0].base_model == "base-soon"
    early = registry.retirement_countdown(session=session, principal=VIEWER, today=date(2026, 11, 1))
    assert [c.model for c in early] == ["base-soon"]
    late = registry.retirement_countdown(session=session, principal=VIEWER, today=date(2027, 1, 20))
    assert {c.model: c.days_left for c in late} == {"base-soon": -50, FT: -6}


def test_countdown_skips_candidates_and_retired_models(session: Session, admin: Principal) -> None:
    candidate(session, FT)
    base_model(session, "gone", status="retired", retires_on=date(2026, 12, 1))
    assert registry.retirement_countdown(session=session, principal=VIEWER, today=date(2026, 12, 20)) == []


def test_admins_register_models_served_elsewhere(session: Session, admin: Principal) -> None:
    model = registry.register_model(
        session=session,
        principal=admin,
        name=" bloom-qwen ",
        provider="local",
        endpoint="http://127.0.0.1:8001/v1",
        base_model="Qwen/Qwen2.5-0.5B-Instruct",
    )
    assert (model.name, model.status, model.endpoint) == (
        "bloom-qwen",
        "candidate",
        "http://127.0.0.1:8001/v1",
    )
    registry.register_model(
        session=session, principal=admin, name="ft:x", provider="openai", base_model="gpt-4o"
    )
    assert registry.get_model(session, "ft:x").base_retirement_date == OPENAI_FT_SERVING_ENDS
    entry = session.scalars(select(AuditLog).where(AuditLog.target == "bloom-qwen")).one()
    assert (entry.actor, entry.action) == (admin.email, "model.register")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": " ", "provider": "openai"}, "needs a name"),
        ({"name": "m", "provider": "bedrock"}, "unknown provider"),
        ({"name": "m", "provider": "local"}, "needs the base URL"),
        ({"name": "m", "provider": "local", "endpoint": "ftp://x"}, "http\\(s\\) URL"),
        ({"name": "taken", "provider": "openai"}, "already registered"),
    ],
)
def test_register_model_refuses_bad_input(
    session: Session, admin: Principal, fields: dict[str, str], message: str
) -> None:
    base_model(session, "taken")
    with pytest.raises(InputError, match=message):
        registry.register_model(session=session, principal=admin, **fields)
