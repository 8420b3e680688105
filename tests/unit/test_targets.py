"""Targets an admin edits: stored values override the settings, within the settings' bounds, audited.

In: the per-test SQLite database and the test settings. Out: effective targets, the audit entries, and
the success metrics and costs judged against the stored targets.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import utcnow
from core.auth import Principal, Role
from core.config import Settings
from core.errors import InputError, PermissionDenied
from core.models import AppSetting, AuditLog
from core.queries.costs import costs
from core.queries.kpis import kpis
from core.targets import (
    TARGET_KEYS,
    effective_settings,
    effective_targets,
    reset_target,
    set_target,
    target_overrides,
)
from tests.alert_support import write_low_satisfaction

VIEWER = Principal(email="viewer@example.org", role=Role.VIEWER)


def test_defaults_come_from_the_settings(session: Session, settings: Settings) -> None:
    assert effective_targets(session, settings) == {key: getattr(settings, key) for key in TARGET_KEYS}
    assert effective_settings(session, settings) is settings


def test_a_stored_target_overrides_its_setting_and_is_audited(
    session: Session, settings: Settings, admin: Principal
) -> None:
    assert set_target("target_satisfaction", 3.5, session=session, principal=admin) == 3.5
    assert set_target("target_satisfaction", 3.2, session=session, principal=admin) == 3.2
    assert set_target("target_satisfaction", 3.2, session=session, principal=admin) == 3.2  # no change
    targets = effective_targets(session, settings)
    assert targets["target_satisfaction"] == 3.2
    assert targets["target_success_rate"] == settings.target_success_rate
    assert effective_settings(session, settings).target_satisfaction == 3.2
    [override] = target_overrides(session)
    assert (override.key, override.updated_by) == ("target_satisfaction", admin.email)
    entries = session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert [(e.action, e.target, e.details) for e in entries] == [
        ("setting.set", "target_satisfaction", {"before": None, "after": 3.5}),
        ("setting.set", "target_satisfaction", {"before": 3.5, "after": 3.2}),
    ]


def test_reset_restores_the_setting(session: Session, settings: Settings, admin: Principal) -> None:
    set_target("target_p95_latency_ms", 1500, session=session, principal=admin)
    assert reset_target("target_p95_latency_ms", session=session, principal=admin)
    assert not reset_target("target_p95_latency_ms", session=session, principal=admin)
    assert effective_targets(session, settings)["target_p95_latency_ms"] == settings.target_p95_latency_ms
    last = session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert last is not None
    assert (last.action, last.details) == ("setting.reset", {"before": 1500.0, "after": None})


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("target_satisfaction", 5.5),
        ("target_satisfaction", 0.5),
        ("target_success_rate", 1.01),
        ("target_p95_latency_ms", 0),
        ("target_cost_per_interaction_usd", -0.01),
        ("target_medical_accuracy", float("nan")),
        ("target_p95_latency_ms", float("inf")),
        ("target_satisfaction", True),
        ("database_url", 1.0),  # not a target
    ],
)
def test_values_outside_the_settings_bounds_are_refused(
    session: Session, admin: Principal, key: str, value: float
) -> None:
    with pytest.raises(InputError):
        set_target(key, value, session=session, principal=admin)
    assert session.scalars(select(AppSetting)).all() == []
    assert session.scalars(select(AuditLog)).all() == []


def test_only_admins_edit_targets(session: Session, admin: Principal) -> None:
    with pytest.raises(PermissionDenied):
        set_target("target_satisfaction", 3.0, session=session, principal=VIEWER)
    set_target("target_satisfaction", 3.0, session=session, principal=admin)
    with pytest.raises(PermissionDenied):
        reset_target("target_satisfaction", session=session, principal=VIEWER)


def test_an_invalid_stored_value_is_ignored(session: Session, settings: Settings) -> None:
    session.add(AppSetting(key="target_success_rate", value=7, updated_by="x", updated_at=utcnow()))
    session.commit()
    assert effective_targets(session, settings)["target_success_rate"] == settings.target_success_rate


def test_success_metrics_and_costs_use_the_stored_targets(
    session: Session, settings: Settings, admin: Principal
) -> None:
    write_low_satisfaction(session)  # mean 3 stars, cost 0.002 per interaction
    before = {k.key: k for k in kpis(session=session, principal=admin, settings=settings).kpis}
    assert before["satisfaction"].breached and before["satisfaction"].target == 4.0
    set_target("target_satisfaction", 2.5, session=session, principal=admin)
    set_target("target_cost_per_interaction_usd", 0.001, session=session, principal=admin)
    after = {k.key: k for k in kpis(session=session, principal=admin, settings=settings).kpis}
    assert not after["satisfaction"].breached and after["satisfaction"].target == 2.5
    assert after["cost"].breached and after["cost"].target == 0.001
    assert costs(session=session, principal=admin, settings=settings).target_cost_per_interaction == 0.001
