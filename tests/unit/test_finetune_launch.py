"""Launch rules and the model catalogue: lifecycle dates, credentials, readiness gate, spend, permissions."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth import Principal, Role
from core.config import Settings
from core.errors import ConfigError, InputError, NotFound, PermissionDenied
from core.finetune import catalogue, jobs
from core.models import AuditLog, FinetuneJob
from core.providers.base import Hyperparameters
from core.providers.errors import ModelUnavailableError
from tests.fakes.openai_finetune import FakeFineTuning
from tests.finetune_support import TODAY, fake_openai, launch, make_version, provider_settings, request

__all__ = ["fake_openai"]


@pytest.fixture
def ft_settings(settings: Settings, fake_openai: FakeFineTuning) -> Settings:
    return provider_settings(settings, fake_openai)


# -- catalogue ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("provider", "model", "today", "reason"),
    [
        (
            "openai",
            "gpt-4o-mini",
            date(2027, 1, 7),
            "no new fine-tuning jobs on gpt-4o-mini after 2027-01-06",
        ),
        ("openai", "gpt-4.1-mini-2025-04-14", date(2027, 1, 14), "retired on 2027-01-14"),
        ("vertex", "gemini-2.5-flash", TODAY, "Gemini 2.x models are retired"),
        ("openai", "gpt-5-turbo", TODAY, "not a base model openai can fine-tune"),
        ("vertex", "gemini-3.5-flash", TODAY, "does not support DPO"),
    ],
)
def test_closed_models_are_refused_with_date_and_reason(
    provider: str, model: str, today: date, reason: str
) -> None:
    method = "dpo" if model == "gemini-3.5-flash" else "sft"
    with pytest.raises(ModelUnavailableError, match=reason):
        catalogue.check_launchable(provider, model, today=today, method=method)


def test_open_models_and_lookups() -> None:
    last_day = date(2027, 1, 6)
    assert (
        catalogue.check_launchable("openai", "gpt-4o-mini", today=last_day).model == "gpt-4o-mini-2024-07-18"
    )
    assert catalogue.check_launchable("vertex", "gemini-3.5-flash-lite", today=date(2030, 1, 1)).tunable
    assert (
        catalogue.check_launchable("local", "/models/my-own-llama", today=date(2030, 1, 1)).provider
        == "local"
    )
    assert catalogue.retirement_date("openai", "ft:gpt-4o-2024-08-06:org:bloom:abc") == date(2027, 1, 14)
    assert catalogue.retirement_date("vertex", "projects/p/locations/l/models/gemini-3.5-flash") is None
    assert {e.model for e in catalogue.entries("vertex", tunable_only=True)} == {
        "gemini-3.5-flash",
        "gemini-3.5-flash-lite",
    }
    assert all(e.provider == "azure" and e.no_new_jobs_after is None for e in catalogue.entries("azure"))


# -- launch ---------------------------------------------------------------------------------------------------
def test_a_closed_model_writes_nothing(session: Session, ft_settings: Settings, admin: Principal) -> None:
    make_version(session)
    with pytest.raises(ModelUnavailableError, match="2027-01-06"):
        jobs.launch(
            session=session, principal=admin, request=request(), settings=ft_settings, today=date(2027, 1, 10)
        )
    assert session.scalar(select(func.count()).select_from(FinetuneJob)) == 0


def test_missing_credentials_name_the_setting(session: Session, settings: Settings, admin: Principal) -> None:
    make_version(session)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        launch(session, settings, admin)
    with pytest.raises(ConfigError, match="AZURE_OPENAI_API_KEY and AZURE_OPENAI_ENDPOINT"):
        launch(session, settings, admin, provider="azure")


def test_the_readiness_gate_needs_an_override_reason(
    session: Session, ft_settings: Settings, admin: Principal
) -> None:
    make_version(session)
    with pytest.raises(InputError, match="readiness gate"):
        launch(session, ft_settings, admin, override_reason="  ")
    job = launch(session, ft_settings, admin, override_reason="clinical pilot, reviewed by Dr. A")
    assert (job.details or {})["override_reason"] == "clinical pilot, reviewed by Dr. A"
    override = session.scalar(select(AuditLog).where(AuditLog.action == "finetune.readiness_override"))
    assert override is not None and override.details["reason"] == "clinical pilot, reviewed by Dr. A"


def test_spending_needs_confirmation_and_the_plan_shows_the_cost(
    session: Session, ft_settings: Settings, admin: Principal
) -> None:
    make_version(session)
    plan = jobs.plan_launch(
        session=session, principal=admin, request=request(), settings=ft_settings, today=TODAY
    )
    # six training examples of 40 tokens, 2 epochs, gpt-4o-mini at $3 per 1M training tokens
    assert (plan.estimate.examples, plan.estimate.billed_tokens, plan.estimate.epochs) == (6, 240, 2)
    assert plan.estimate.cost_usd == pytest.approx(240 * 2 * 3.0 / 1_000_000)
    assert not plan.ready and plan.failed_checks
    with pytest.raises(InputError, match=r"about \$0\.00 at openai; confirm"):
        launch(session, ft_settings, admin, confirm_spend=False)
    default_epochs = jobs.plan_launch(
        session=session,
        principal=admin,
        request=request(hyperparameters=Hyperparameters()),
        settings=ft_settings,
        today=TODAY,
    )
    assert default_epochs.estimate.epochs == 16  # the cookbook: 100 // 6 examples


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.CLINICIAN, Role.VIEWER])
def test_only_admins_launch_or_cancel(
    session: Session, ft_settings: Settings, admin: Principal, role: Role
) -> None:
    make_version(session)
    job = launch(session, ft_settings, admin)
    someone = Principal("someone@example.org", role)
    with pytest.raises(PermissionDenied):
        launch(session, ft_settings, someone, suffix="mine")
    with pytest.raises(PermissionDenied):
        jobs.cancel_job(session=session, principal=someone, job_id=job.id, settings=ft_settings)


def test_bad_requests(session: Session, ft_settings: Settings, admin: Principal) -> None:
    make_version(session)
    with pytest.raises(InputError, match="unknown method"):
        launch(session, ft_settings, admin, method="rlhf")
    with pytest.raises(NotFound, match="no dataset version 'health:9'"):
        launch(session, ft_settings, admin, dataset="health:9")
    with pytest.raises(InputError, match="NAME:VERSION"):
        launch(session, ft_settings, admin, dataset="health:one")
    with pytest.raises(InputError, match="unknown provider"):
        launch(session, ft_settings, admin, provider="anthropic")
    with pytest.raises(NotFound):
        jobs.get_job(session=session, principal=admin, job_id=404)


def test_listing_pages_and_filters(session: Session, ft_settings: Settings, admin: Principal) -> None:
    make_version(session)
    for n in range(3):
        launch(session, ft_settings, admin, suffix=f"s{n}")
    page = jobs.list_jobs(session=session, principal=admin, page_size=2)
    assert page.total == 3 and len(page.jobs) == 2
    assert jobs.list_jobs(session=session, principal=admin, status="succeeded").total == 0
    viewer = Principal("v@example.org", Role.VIEWER)
    assert jobs.list_jobs(session=session, principal=viewer, provider="openai").total == 3
    with pytest.raises(InputError):
        jobs.list_jobs(session=session, principal=admin, page_size=501)


def test_the_gate_also_checks_the_version_itself(
    session: Session, ft_settings: Settings, admin: Principal
) -> None:
    make_version(session)
    lenient = ft_settings.model_copy(update={"readiness_min_examples": 8, "readiness_min_per_topic": 0})
    plan = jobs.plan_launch(
        session=session, principal=admin, request=request(), settings=lenient, today=TODAY
    )
    assert not any(check.startswith("health:1") for check in plan.failed_checks)
    strict = ft_settings.model_copy(update={"readiness_min_examples": 9, "readiness_min_per_topic": 1})
    plan = jobs.plan_launch(session=session, principal=admin, request=request(), settings=strict, today=TODAY)
    assert "health:1 holds 8 examples, fewer than the 9 required" in plan.failed_checks
    assert any(
        c.startswith("health:1 has fewer than 1 examples about: Ovulation") for c in plan.failed_checks
    )
