"""A/B experiments between two models: their lifecycle, their analysis, and shipping the winner.

In: a session, the acting principal and an experiment name (plus models and split to create one).
Out:
- `create_experiment` / `start_experiment` / `stop_experiment` / `ship_experiment` — admin writes
  (`MANAGE_EXPERIMENTS`; shipping also needs `MANAGE_MODELS`), each audited and committed once. Shipping
  makes the treatment model `live` in the registry, retires the control's live entry and stops the
  experiment with the decision "ship".
- `list_experiments` / `analyze_experiment` — reads (`VIEW_METRICS`). `analyze_experiment` returns an
  `Analysis`: users per arm and the SRM p-value, one `MetricResult` per metric of `METRICS` (per-arm n and
  mean, relative lift, CI, p-value and its Benjamini-Hochberg adjustment, chance to win, the always-valid
  sequential CI), days running, the users per arm still needed for the minimum detectable effect, and a
  plain-language `Recommendation` (ship / keep running / stop) with its reasons. `as_dict()` is the
  `bloomtune experiment analyze --json` contract.

Decisions use the sequential CI, so looking every day is safe: "stop" when the split is broken (SRM) or a
guardrail (success rate, latency p95, cost) is surely worse; "ship" when a primary metric (mean stars,
thumbs-up rate) is surely better and no guardrail is surely worse; otherwise "keep running".
"""

from __future__ import annotations

import math
import secrets
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.auth import Permission, Principal, require
from core.config import Settings
from core.errors import InputError
from core.models import Experiment, RegisteredModel
from core.queries.experiment_metrics import ArmData, arm_data
from core.stats import (
    DEFAULT_ALPHA,
    SRM_ALARM_P,
    ArmEstimate,
    Comparison,
    PercentileLift,
    arm_estimate,
    benjamini_hochberg,
    bootstrap_percentile_lift,
    compare,
    sample_size_per_arm,
    srm_p_value,
)

DRAFT, RUNNING, STOPPED = "draft", "running", "stopped"
SHIP, KEEP_RUNNING, STOP = "ship", "keep running", "stop"
DEFAULT_MDE: Final = 0.05  # relative minimum detectable effect on the primary metric


@dataclass(frozen=True)
class MetricSpec:
    key: str
    label: str
    higher_is_better: bool
    primary: bool  # a metric we want to move; the others are guardrails
    percentile: float | None = None  # set for latency percentiles, None for ratio metrics


METRICS: Final = (
    MetricSpec("mean_stars", "Mean stars", True, True),
    MetricSpec("thumbs_up_rate", "Thumbs-up rate", True, True),
    MetricSpec("top_box_share", "Share of 4-5 stars", True, False),
    MetricSpec("success_rate", "Success rate", True, False),
    MetricSpec("latency_p50", "Latency p50 (ms)", False, False, 0.5),
    MetricSpec("latency_p95", "Latency p95 (ms)", False, False, 0.95),
    MetricSpec("cost_per_interaction", "Cost per interaction (USD)", False, False),
)
GUARDRAILS: Final = ("success_rate", "latency_p95", "cost_per_interaction")


def guardrail_targets(settings: Settings) -> dict[str, float]:
    """The success-metric targets (DESIGN.md §7) that bound each guardrail."""
    return {
        "success_rate": settings.target_success_rate,
        "latency_p95": settings.target_p95_latency_ms,
        "cost_per_interaction": settings.target_cost_per_interaction_usd,
    }


@dataclass(frozen=True)
class ArmSummary:
    n: int
    mean: float | None


@dataclass(frozen=True)
class MetricResult:
    metric: str
    label: str
    higher_is_better: bool
    control: ArmSummary
    treatment: ArmSummary
    lift: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    p_adjusted: float | None = None
    chance_to_win: float | None = None
    seq_ci_low: float | None = None
    seq_ci_high: float | None = None

    def surely(self, better: bool) -> bool:
        """Whether the sequential CI lies wholly on the better (or worse) side of zero."""
        if self.seq_ci_low is None or self.seq_ci_high is None:
            return False
        improves = self.seq_ci_low > 0 if self.higher_is_better else self.seq_ci_high < 0
        worsens = self.seq_ci_high < 0 if self.higher_is_better else self.seq_ci_low > 0
        return improves if better else worsens


@dataclass(frozen=True)
class Recommendation:
    verdict: str
    reasons: list[str]


@dataclass(frozen=True)
class Analysis:
    name: str
    status: str
    decision: str | None
    control_model: str
    treatment_model: str
    treatment_share: float
    users: dict[str, int]
    interactions: dict[str, int]
    srm_p: float
    days_running: float | None
    sample_needed_per_arm: int | None
    mde: float = DEFAULT_MDE
    metrics: list[MetricResult] = field(default_factory=list)
    recommendation: Recommendation = field(default_factory=lambda: Recommendation(KEEP_RUNNING, []))

    @property
    def srm_alarm(self) -> bool:
        return self.srm_p < SRM_ALARM_P

    def as_dict(self) -> dict[str, Any]:
        result = asdict(self)
        result["srm_alarm"] = self.srm_alarm
        return result


# -- lifecycle --------------------------------------------------------------------------------------------
def create_experiment(
    *,
    session: Session,
    principal: Principal,
    name: str,
    control_model: str,
    treatment_model: str,
    treatment_share: float = 0.5,
) -> Experiment:
    """A new experiment in status draft; its salt makes user assignment independent of other experiments."""
    require(principal, Permission.MANAGE_EXPERIMENTS)
    name = name.strip()
    if not name:
        raise InputError("an experiment needs a name")
    if control_model == treatment_model:
        raise InputError("control and treatment must be different models")
    if not 0 < treatment_share < 1:
        raise InputError("the treatment share must be between 0 and 1 (exclusive)")
    if session.scalar(select(Experiment.id).where(Experiment.name == name)) is not None:
        raise InputError(f"an experiment named {name!r} already exists")
    experiment = Experiment(
        name=name,
        control_model=control_model,
        treatment_model=treatment_model,
        treatment_share=treatment_share,
        salt=secrets.token_hex(8),
        status=DRAFT,
        created_by=principal.email,
        created_at=audit.utcnow(),
    )
    session.add(experiment)
    audit.record(
        session,
        principal,
        "experiment.create",
        name,
        control=control_model,
        treatment=treatment_model,
        treatment_share=treatment_share,
    )
    session.commit()
    return experiment


def start_experiment(*, session: Session, principal: Principal, name: str) -> Experiment:
    require(principal, Permission.MANAGE_EXPERIMENTS)
    experiment = get_experiment(session, name)
    if experiment.status != DRAFT:
        raise InputError(f"experiment {name!r} is {experiment.status}; only a draft can be started")
    experiment.status, experiment.started_at = RUNNING, audit.utcnow()
    audit.record(session, principal, "experiment.start", name)
    session.commit()
    return experiment


def stop_experiment(*, session: Session, principal: Principal, name: str, decision: str = STOP) -> Experiment:
    require(principal, Permission.MANAGE_EXPERIMENTS)
    experiment = get_experiment(session, name)
    _stop(experiment, decision)
    audit.record(session, principal, "experiment.stop", name, decision=decision)
    session.commit()
    return experiment


def ship_experiment(*, session: Session, principal: Principal, name: str) -> Experiment:
    """Promote the treatment model to live, retire the control's live entry, and stop the experiment."""
    require(principal, Permission.MANAGE_EXPERIMENTS)
    require(principal, Permission.MANAGE_MODELS)
    experiment = get_experiment(session, name)
    treatment = session.scalar(
        select(RegisteredModel).where(RegisteredModel.name == experiment.treatment_model)
    )
    if treatment is None:
        raise InputError(f"model {experiment.treatment_model!r} is not in the registry; register it first")
    control = session.scalar(select(RegisteredModel).where(RegisteredModel.name == experiment.control_model))
    _stop(experiment, SHIP)
    treatment.status = "live"
    retired = control is not None and control.status == "live"
    if control is not None and retired:
        control.status = "retired"
    audit.record(
        session,
        principal,
        "experiment.ship",
        name,
        promoted=treatment.name,
        retired=control.name if retired and control is not None else None,
    )
    session.commit()
    return experiment


def _stop(experiment: Experiment, decision: str) -> None:
    if experiment.status == STOPPED:
        raise InputError(f"experiment {experiment.name!r} is already stopped ({experiment.decision})")
    experiment.status, experiment.stopped_at, experiment.decision = STOPPED, audit.utcnow(), decision


def get_experiment(session: Session, name: str) -> Experiment:
    experiment = session.scalar(select(Experiment).where(Experiment.name == name))
    if experiment is None:
        raise InputError(f"no experiment named {name!r}; `bloomtune experiment create` makes one")
    return experiment


def list_experiments(*, session: Session, principal: Principal) -> list[Experiment]:
    """Every experiment, running ones first, newest first."""
    require(principal, Permission.VIEW_METRICS)
    rows = session.scalars(select(Experiment).order_by(Experiment.created_at.desc())).all()
    return sorted(rows, key=lambda e: e.status != RUNNING)


# -- analysis ---------------------------------------------------------------------------------------------
def analyze_experiment(
    *,
    session: Session,
    principal: Principal,
    name: str,
    targets: dict[str, float],
    mde: float = DEFAULT_MDE,
    alpha: float = DEFAULT_ALPHA,
) -> Analysis:
    """Every metric of `METRICS` compared between the arms, with the SRM check and a recommendation.

    `targets` (from `guardrail_targets()`) bound the guardrails: a guardrail stops the experiment only when
    the treatment is surely worse on it and also misses its target.
    """
    require(principal, Permission.VIEW_METRICS)
    experiment = get_experiment(session, name)
    arms = arm_data(session, name)
    control, treatment = arms["control"], arms["treatment"]
    srm_p = srm_p_value(
        [control.users, treatment.users], [1 - experiment.treatment_share, experiment.treatment_share]
    )
    results = [_metric_result(spec, control, treatment, alpha) for spec in METRICS]
    adjusted = iter(benjamini_hochberg([r.p_value for r in results if r.p_value is not None]))
    results = [r if r.p_value is None else replace(r, p_adjusted=next(adjusted)) for r in results]
    days = _days_running(experiment)
    needed = _sample_needed(control, treatment, mde, alpha)
    analysis = Analysis(
        name=experiment.name,
        status=experiment.status,
        decision=experiment.decision,
        control_model=experiment.control_model,
        treatment_model=experiment.treatment_model,
        treatment_share=experiment.treatment_share,
        users={"control": control.users, "treatment": treatment.users},
        interactions={"control": control.interactions, "treatment": treatment.interactions},
        srm_p=srm_p,
        days_running=days,
        sample_needed_per_arm=needed,
        mde=mde,
        metrics=results,
    )
    return replace(analysis, recommendation=recommend(analysis, targets))


def _metric_result(spec: MetricSpec, control: ArmData, treatment: ArmData, alpha: float) -> MetricResult:
    if spec.percentile is not None:
        return _percentile_result(spec, control, treatment, alpha)
    estimates = [arm_estimate(arm.ratios[spec.key], alpha=alpha) for arm in (control, treatment)]
    summaries = [
        _summary(arm, estimate) for arm, estimate in zip((control, treatment), estimates, strict=True)
    ]
    base = MetricResult(spec.key, spec.label, spec.higher_is_better, summaries[0], summaries[1])
    c, t = estimates
    if c is None or t is None or c.mean == 0 or c.n < 2 or t.n < 2:
        return base
    comparison = compare(c, t, higher_is_better=spec.higher_is_better, alpha=alpha)
    return _compared(base, comparison, (comparison.seq_ci_low, comparison.seq_ci_high))


def _summary(arm: ArmData, estimate: ArmEstimate | None) -> ArmSummary:
    return ArmSummary(
        n=arm.users if estimate is None else estimate.n, mean=None if estimate is None else estimate.mean
    )


def _percentile_result(spec: MetricSpec, control: ArmData, treatment: ArmData, alpha: float) -> MetricResult:
    q = spec.percentile
    assert q is not None
    summaries = [
        ArmSummary(n=int(arm.latency_counts.sum()), mean=arm.percentiles.get(q))
        for arm in (control, treatment)
    ]
    base = MetricResult(spec.key, spec.label, spec.higher_is_better, summaries[0], summaries[1])
    if min(s.n for s in summaries) < 2 or not summaries[0].mean:
        return base
    boot = bootstrap_percentile_lift(
        control.latency_histogram, treatment.latency_histogram, q, higher_is_better=False, alpha=alpha
    )
    # The bootstrap CI is fixed-horizon; it doubles as the decision interval for latency.
    return _compared(base, boot, (boot.ci_low, boot.ci_high))


def _compared(
    base: MetricResult, result: Comparison | PercentileLift, decision_interval: tuple[float, float]
) -> MetricResult:
    """`base` with the comparison's lift, CI, p-value and chance to win, and the interval that decides."""
    return replace(
        base,
        lift=result.lift,
        ci_low=result.ci_low,
        ci_high=result.ci_high,
        p_value=result.p_value,
        chance_to_win=result.chance_to_win,
        seq_ci_low=decision_interval[0],
        seq_ci_high=decision_interval[1],
    )


def _days_running(experiment: Experiment) -> float | None:
    if experiment.started_at is None:
        return None
    end = experiment.stopped_at or audit.utcnow()
    return round((end - experiment.started_at).total_seconds() / 86_400, 1)


def _sample_needed(control: ArmData, treatment: ArmData, mde: float, alpha: float) -> int | None:
    """Users per arm still needed to detect a relative `mde` on mean stars (None when unknown yet)."""
    estimate = arm_estimate(control.ratios["mean_stars"], alpha=alpha)
    if estimate is None or estimate.n < 2 or estimate.variance == 0:
        return None
    unit_std = math.sqrt(estimate.variance * estimate.n)
    total = sample_size_per_arm(estimate.mean, unit_std, mde, alpha=alpha)
    return max(0, total - min(control.users, treatment.users))


def recommend(analysis: Analysis, targets: dict[str, float]) -> Recommendation:
    """Ship, keep running or stop, with the reasons in plain words."""
    by_key = {m.metric: m for m in analysis.metrics}
    if analysis.srm_alarm:
        share = analysis.treatment_share
        return Recommendation(
            STOP,
            [
                f"Sample ratio mismatch (p = {analysis.srm_p:.2g}): {analysis.users['control']:,} control vs "
                f"{analysis.users['treatment']:,} treatment users, planned {1 - share:.0%}/{share:.0%}. "
                "The assignment or the logging is broken, so no result can be trusted; fix it and restart."
            ],
        )
    worse = [by_key[k] for k in GUARDRAILS if by_key[k].surely(better=False)]
    breaching = [m.label for m in worse if _misses(m, targets.get(m.metric))]
    tolerated = [m.label for m in worse if m.label not in breaching]
    better = [m.label for m in analysis.metrics if m.metric in _PRIMARY and m.surely(better=True)]
    if breaching:
        return Recommendation(
            STOP,
            [
                f"The treatment is worse on {', '.join(breaching)} and misses the target "
                "(sequential CI excludes 0)."
            ],
        )
    notes = [f"{', '.join(tolerated)}: worse for the treatment, but within target."] if tolerated else []
    if better:
        return Recommendation(
            SHIP,
            [
                f"The treatment is better on {', '.join(better)} (sequential CI excludes 0).",
                "No guardrail (success rate, latency p95, cost) is worse beyond its target.",
                *notes,
            ],
        )
    reasons = ["No primary metric has a conclusive difference yet."]
    if analysis.sample_needed_per_arm:
        reasons.append(
            f"About {analysis.sample_needed_per_arm:,} more users per arm are needed to detect a "
            f"{analysis.mde:.0%} change in mean stars."
        )
    return Recommendation(KEEP_RUNNING, reasons + notes)


def _misses(metric: MetricResult, target: float | None) -> bool:
    """Whether the treatment's value misses `target` (no target: any sure worsening counts)."""
    value = metric.treatment.mean
    if target is None or value is None:
        return True
    return value < target if metric.higher_is_better else value > target


_PRIMARY: Final = frozenset(spec.key for spec in METRICS if spec.primary)
