"""Experiments: lifecycle, permissions and audit, and an analysis of records with known arm means.

In: records written through the ingest writer (`tests.experiment_data`). Out: assertions on the lift,
p-value, SRM check, recommendation, the shipped registry state and the CLI's JSON contract.
"""

from __future__ import annotations

import json
import math
from datetime import datetime

import numpy as np
import pytest
from scipy import stats as sps
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from core import experiments
from core.auth import Principal, Role
from core.cli import app as cli_app
from core.errors import InputError, PermissionDenied
from core.models import AuditLog, RegisteredModel
from tests.conftest import TEST_KEY
from tests.experiment_data import CONTROL_MODEL, TREATMENT_MODEL, arm_records, write

TARGETS = {"success_rate": 0.99, "latency_p95": 2000.0, "cost_per_interaction": 0.01}
VIEWER = Principal(email="viewer@example.org", role=Role.VIEWER)
# Every user rates two interactions with the same stars: control users average 3,4,5,4 (mean 4.0),
# treatment users 3,5,5,5,4 (mean 4.4) — a relative lift of exactly +10%.
CONTROL_STARS = [[s, s] for s in (3, 4, 5, 4)] * 25
TREATMENT_STARS = [[s, s] for s in (3, 5, 5, 5, 4)] * 20


def make(session: Session, admin: Principal, name: str = "exp", share: float = 0.5) -> None:
    experiments.create_experiment(
        session=session,
        principal=admin,
        name=name,
        control_model=CONTROL_MODEL,
        treatment_model=TREATMENT_MODEL,
        treatment_share=share,
    )
    experiments.start_experiment(session=session, principal=admin, name=name)


def analyze(session: Session, admin: Principal, name: str = "exp") -> experiments.Analysis:
    return experiments.analyze_experiment(session=session, principal=admin, name=name, targets=TARGETS)


def test_known_arm_means_give_the_expected_lift_and_p_value(session: Session, admin: Principal) -> None:
    make(session, admin)
    write(session, arm_records("exp", "control", CONTROL_STARS), TEST_KEY)
    write(session, arm_records("exp", "treatment", TREATMENT_STARS), TEST_KEY)
    result = analyze(session, admin)
    stars = next(m for m in result.metrics if m.metric == "mean_stars")
    assert result.users == {"control": 100, "treatment": 100}
    assert stars.control.mean == pytest.approx(4.0)
    assert stars.treatment.mean == pytest.approx(4.4)
    assert stars.lift == pytest.approx(0.10)
    # Equal ratings per user: the ratio's delta-method variance is that of the per-user means.
    control_means = np.array([s[0] for s in CONTROL_STARS], dtype=float)
    treatment_means = np.array([s[0] for s in TREATMENT_STARS], dtype=float)
    var_c, var_t = control_means.var(ddof=1) / 100, treatment_means.var(ddof=1) / 100
    se = math.sqrt(var_t / 4.0**2 + 4.4**2 * var_c / 4.0**4)
    dof = (var_t / 16 + var_c * 4.4**2 / 256) ** 2 / (
        (var_t / 16) ** 2 / 99 + (var_c * 4.4**2 / 256) ** 2 / 99
    )
    assert stars.p_value == pytest.approx(2 * sps.t.sf(0.10 / se, dof), rel=1e-9)
    assert stars.ci_low == pytest.approx(0.10 - sps.t.ppf(0.975, dof) * se)
    assert stars.chance_to_win == pytest.approx(sps.norm.cdf(0.10 / se))
    top_box = next(m for m in result.metrics if m.metric == "top_box_share")
    assert top_box.control.mean == pytest.approx(0.75)  # 3 of 4 users rate 4-5
    assert top_box.treatment.mean == pytest.approx(0.80)
    assert result.srm_p == pytest.approx(1.0)
    assert not result.srm_alarm
    assert all(m.p_adjusted is not None for m in result.metrics if m.p_value is not None)


def test_a_skewed_split_raises_the_srm_alarm_and_says_stop(session: Session, admin: Principal) -> None:
    make(session, admin)
    write(session, arm_records("exp", "control", [[4]] * 300), TEST_KEY)
    write(session, arm_records("exp", "treatment", [[4]] * 200), TEST_KEY)
    result = analyze(session, admin)
    assert result.srm_p == pytest.approx(7.744e-6, rel=1e-3)  # chi² = 20 on one degree of freedom
    assert result.srm_alarm
    assert result.recommendation.verdict == experiments.STOP
    assert "Sample ratio mismatch" in result.recommendation.reasons[0]


def test_no_data_yet_keeps_running(session: Session, admin: Principal) -> None:
    make(session, admin)
    result = analyze(session, admin)
    assert result.users == {"control": 0, "treatment": 0}
    assert all(m.lift is None for m in result.metrics)
    assert result.recommendation.verdict == experiments.KEEP_RUNNING


def test_lifecycle_is_audited_and_guarded(session: Session, admin: Principal) -> None:
    with pytest.raises(PermissionDenied):
        experiments.create_experiment(
            session=session, principal=VIEWER, name="x", control_model="a", treatment_model="b"
        )
    with pytest.raises(InputError, match="different"):
        experiments.create_experiment(
            session=session, principal=admin, name="x", control_model="a", treatment_model="a"
        )
    make(session, admin)
    with pytest.raises(InputError, match="already exists"):
        make(session, admin)
    with pytest.raises(InputError, match="only a draft"):
        experiments.start_experiment(session=session, principal=admin, name="exp")
    stopped = experiments.stop_experiment(session=session, principal=admin, name="exp")
    assert (stopped.status, stopped.decision) == ("stopped", "stop")
    actions = session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["experiment.create", "experiment.start", "experiment.stop"]


def test_ship_promotes_the_treatment_and_retires_the_control(session: Session, admin: Principal) -> None:
    now = datetime(2026, 10, 1)
    session.add_all(
        [
            RegisteredModel(name=CONTROL_MODEL, provider="openai", status="live", created_at=now),
            RegisteredModel(name=TREATMENT_MODEL, provider="openai", status="candidate", created_at=now),
        ]
    )
    session.commit()
    make(session, admin)
    with pytest.raises(PermissionDenied):
        experiments.ship_experiment(session=session, principal=VIEWER, name="exp")
    shipped = experiments.ship_experiment(session=session, principal=admin, name="exp")
    assert (shipped.status, shipped.decision) == ("stopped", "ship")
    status = dict(session.execute(select(RegisteredModel.name, RegisteredModel.status)).all())
    assert status == {CONTROL_MODEL: "retired", TREATMENT_MODEL: "live"}
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "experiment.ship")).one()
    assert entry.details == {"promoted": TREATMENT_MODEL, "retired": CONTROL_MODEL}


def test_ship_needs_the_treatment_in_the_registry(session: Session, admin: Principal) -> None:
    make(session, admin)
    with pytest.raises(InputError, match="not in the registry"):
        experiments.ship_experiment(session=session, principal=admin, name="exp")


def test_cli_create_start_analyze_json(app_env: str, engine: object) -> None:
    runner = CliRunner()
    created = runner.invoke(
        cli_app,
        [
            "experiment",
            "create",
            "cli-exp",
            "--control",
            CONTROL_MODEL,
            "--treatment",
            TREATMENT_MODEL,
            "--json",
        ],
    )
    assert created.exit_code == 0, created.output
    assert json.loads(created.stdout)["status"] == "draft"
    assert runner.invoke(cli_app, ["experiment", "start", "cli-exp"]).exit_code == 0
    analyzed = runner.invoke(cli_app, ["experiment", "analyze", "cli-exp", "--json"])
    assert analyzed.exit_code == 0, analyzed.output
    result = json.loads(analyzed.stdout)
    assert result["srm_p"] == 1.0
    metric = result["metrics"][0]
    assert {"control", "treatment", "lift", "ci_low", "ci_high", "p_value", "chance_to_win"} <= set(metric)
    assert set(metric["control"]) == {"n", "mean"}
    refused = runner.invoke(cli_app, ["experiment", "ship", "cli-exp"])
    assert refused.exit_code != 0
