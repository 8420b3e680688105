"""Targets and breach alerts on PostgreSQL: stored targets (JSONB) override the settings, each breach is
posted once to a real webhook on 127.0.0.1, and again only after the metric recovered.

In: the throw-away PostgreSQL database (tests/integration/conftest.py). Out: the messages received. The
unit tier's target and alert scenarios run here too, unchanged.
"""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.alerts import notify_breaches
from core.auth import Principal
from core.config import Settings
from core.models import AuditLog, NotifiedBreach
from core.targets import effective_targets, reset_target, set_target
from tests.alert_support import receiver, write_low_satisfaction
from tests.unit.test_alerts import (  # noqa: F401 - the unit scenarios, here on PostgreSQL
    hooked,
    test_a_failed_post_is_logged_without_the_secret_and_retried,
    test_each_breach_is_posted_once,
    test_recovery_then_a_new_breach_is_posted_again,
    test_without_a_webhook_nothing_is_posted_or_remembered,
)
from tests.unit.test_targets import *  # noqa: F403

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


def test_targets_round_trip_and_are_audited(session: Session, settings: Settings, admin: Principal) -> None:
    set_target("target_cost_per_interaction_usd", 0.005, session=session, principal=admin)
    assert effective_targets(session, settings)["target_cost_per_interaction_usd"] == 0.005
    reset_target("target_cost_per_interaction_usd", session=session, principal=admin)
    assert effective_targets(session, settings)["target_cost_per_interaction_usd"] == 0.01
    actions = session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["setting.set", "setting.reset"]


def test_breach_posted_once_then_again_after_recovery(
    session: Session, settings: Settings, admin: Principal
) -> None:
    write_low_satisfaction(session)
    with receiver() as hook:
        hooked = settings.model_copy(update={"breach_webhook_url": SecretStr(hook.url)})
        assert notify_breaches(session=session, settings=hooked).notified == ["satisfaction"]
        assert notify_breaches(session=session, settings=hooked).notified == []
        assert session.scalars(select(NotifiedBreach.kpi)).all() == ["satisfaction"]
        set_target("target_satisfaction", 2.0, session=session, principal=admin)
        assert notify_breaches(session=session, settings=hooked).recovered == ["satisfaction"]
        reset_target("target_satisfaction", session=session, principal=admin)
        assert notify_breaches(session=session, settings=hooked).notified == ["satisfaction"]
    assert [body["kpi"] for body in hook.bodies] == ["satisfaction", "satisfaction"]
