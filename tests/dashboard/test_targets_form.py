"""The Admin page's Targets tab: an admin changes and resets a target, audited; the Overview's cards use it
at once, even while figures are reused (the form forgets them).

In: `dashboard/app.py` under AppTest in development mode (the demo admin) against the per-test database.
Out: the stored override, its audit entries and the Overview's target.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from core.auth import DEV_ADMIN
from core.models import AppSetting, AuditLog
from tests.dashboard.conftest import Store, make_records, reload_settings
from tests.dashboard.test_admin import ADMIN_PAGE, by_label
from tests.dashboard.test_app import texts

OVERVIEW = "views/overview.py"
SATISFACTION = "Satisfaction (mean stars, at least)"


def satisfaction_delta(at: AppTest) -> str:
    return str(next(metric for metric in at.metric if metric.label == "Satisfaction").delta)


def test_admin_changes_and_resets_a_target_and_the_overview_follows(
    app: AppTest, store: Store, session: Session, environ: pytest.MonkeyPatch
) -> None:
    environ.setenv("DASHBOARD_CACHE_SECONDS", "300")  # reused figures: the form must forget them
    reload_settings()
    store(make_records(12))
    at = app.switch_page(OVERVIEW).run()
    assert "target ≥ 4.00 / 5" in satisfaction_delta(at)

    at = at.switch_page(ADMIN_PAGE).run()
    assert not at.exception
    by_label(at.number_input, SATISFACTION).set_value(3.5)
    at = by_label(at.button, "Save targets").click().run()
    assert not at.exception
    assert "Saved 1 target(s)." in texts(at.success)
    assert session.scalars(select(AppSetting.value)).all() == [3.5]
    audit = session.execute(select(AuditLog.actor, AuditLog.action, AuditLog.target, AuditLog.details)).all()
    assert audit == [(DEV_ADMIN.email, "setting.set", "target_satisfaction", {"before": None, "after": 3.5})]

    at = at.switch_page(OVERVIEW).run()
    assert "target ≥ 3.50 / 5" in satisfaction_delta(at)

    at = at.switch_page(ADMIN_PAGE).run()
    by_label(at.selectbox, "Target").set_value("target_satisfaction")
    at = by_label(at.button, "Reset").click().run()
    assert "Reset to the setting." in texts(at.success)
    assert by_label(at.number_input, SATISFACTION).value == 4.0
    assert session.scalars(select(AppSetting)).all() == []
    at = at.switch_page(OVERVIEW).run()
    assert "target ≥ 4.00 / 5" in satisfaction_delta(at)


def test_a_value_outside_the_bounds_is_refused_on_the_page(app: AppTest, session: Session) -> None:
    at = app.switch_page(ADMIN_PAGE).run()
    by_label(at.number_input, "p95 response time (ms, at most)").set_value(0.0)
    at = by_label(at.button, "Save targets").click().run()
    assert not at.exception
    assert "greater than 0" in texts(at.error)
    assert session.scalars(select(AppSetting)).all() == []
