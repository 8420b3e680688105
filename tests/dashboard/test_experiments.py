"""The Experiments page under AppTest: empty state, the table and forest plot, the SRM banner, shipping.

In: experiments created through `core.experiments` and records with known arm means
(`tests.experiment_data`). Out: what the page shows, for an admin and for a viewer.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from core import experiments
from core.auth import DEV_ADMIN, Principal, Role
from core.db import session_scope
from core.models import RegisteredModel
from tests.conftest import TEST_KEY
from tests.experiment_data import CONTROL_MODEL, TREATMENT_MODEL, arm_records, write

PAGE = "views/experiments.py"
SRM_BANNER = "Sample ratio mismatch"
EMPTY_STATE = (
    "No experiments yet — create one with `bloomtune experiment create NAME --control MODEL "
    "--treatment MODEL`, or load demo data with `bloomtune demo`"
)


def setup_experiment(engine: Engine, control_users: int, treatment_users: int) -> None:
    with session_scope(engine) as session:
        session.add_all(
            [
                RegisteredModel(
                    name=CONTROL_MODEL, provider="openai", status="live", created_at=datetime(2026, 9, 1)
                ),
                RegisteredModel(name=TREATMENT_MODEL, provider="openai", created_at=datetime(2026, 9, 1)),
            ]
        )
        session.commit()
        experiments.create_experiment(
            session=session,
            principal=DEV_ADMIN,
            name="ft-test",
            control_model=CONTROL_MODEL,
            treatment_model=TREATMENT_MODEL,
        )
        experiments.start_experiment(session=session, principal=DEV_ADMIN, name="ft-test")
        write(session, arm_records("ft-test", "control", [[4, 3]] * control_users), TEST_KEY)
        write(session, arm_records("ft-test", "treatment", [[5, 4]] * treatment_users), TEST_KEY)


def test_empty_state(app: AppTest) -> None:
    at = app.switch_page(PAGE).run()
    assert not at.exception
    assert [info.value for info in at.info] == [EMPTY_STATE]


def test_balanced_experiment_shows_table_plot_and_recommendation(app: AppTest, engine: Engine) -> None:
    setup_experiment(engine, 60, 60)
    at = app.switch_page(PAGE).run()
    assert not at.exception
    assert not any(SRM_BANNER in error.value for error in at.error)
    table = at.dataframe[0].value
    stars = table[table["Metric"] == "Mean stars"].iloc[0]
    assert stars["Control"] == "3.5" and stars["Treatment"] == "4.5"
    assert stars["Lift"] == "+28.57%"
    assert len(at.get("plotly_chart")) == 1
    assert any("Recommendation: ship" in s.value for s in at.success)
    assert {m.label: m.value for m in at.metric}["Control users"] == "60"


def test_skewed_split_shows_the_srm_banner(app: AppTest, engine: Engine) -> None:
    setup_experiment(engine, 300, 200)
    at = app.switch_page(PAGE).run()
    assert not at.exception
    assert any(SRM_BANNER in error.value for error in at.error)
    assert any("Recommendation: stop" in error.value for error in at.error)


def test_admin_ships_after_confirming(app: AppTest, engine: Engine) -> None:
    setup_experiment(engine, 30, 30)
    at = app.switch_page(PAGE).run()
    at.button[0].click().run()  # "Ship treatment…"
    assert not at.exception
    assert any("becomes the live model" in w.value for w in at.warning)
    next(b for b in at.button if b.label == "Confirm ship").click().run()
    assert not at.exception
    assert any("is now the live model" in s.value for s in at.success)
    with session_scope(engine) as session:
        status = dict(session.execute(select(RegisteredModel.name, RegisteredModel.status)).all())
    assert status == {CONTROL_MODEL: "retired", TREATMENT_MODEL: "live"}


def test_viewer_sees_the_analysis_but_no_ship_button(
    app: AppTest, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup_experiment(engine, 30, 30)
    viewer = Principal(email="viewer@example.org", role=Role.VIEWER)
    monkeypatch.setattr("dashboard.context.resolve_principal", lambda settings: viewer)
    at = app.switch_page(PAGE).run()
    assert not at.exception
    assert at.dataframe
    assert not at.button
