"""Experiments: is the fine-tune better than the model it would replace?

In: the principal from `app.py` (needs `VIEW_METRICS`; shipping needs `MANAGE_EXPERIMENTS` and
`MANAGE_MODELS`), the experiment named in `?name=` (else the first, running ones first) and the database.
Out: the experiment's arms and status, an SRM banner when the split is broken, the recommendation and its
reasons, the per-metric table (lift, CI, p, chance to win), a forest plot of the lifts, the sample still
needed — all from `core.experiments.analyze_experiment` — and, for admins, a ship button with a
confirmation step.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
import streamlit as st

from core.auth import Permission, Principal, can
from core.config import get_settings
from core.db import get_engine, session_scope
from core.experiments import (
    RUNNING,
    SHIP,
    STOP,
    Analysis,
    MetricResult,
    analyze_experiment,
    guardrail_targets,
    list_experiments,
    ship_experiment,
)
from core.targets import effective_settings
from dashboard.cache import forget, reuse
from dashboard.context import current_principal

EMPTY_STATE = (
    "No experiments yet — create one with `bloomtune experiment create NAME --control MODEL "
    "--treatment MODEL`, or load demo data with `bloomtune demo`"
)
SRM_BANNER = "Sample ratio mismatch"
ACCENT = "#c2185b"
_CONFIRM_KEY = "experiments_confirm_ship"
_SHIPPED_KEY = "experiments_shipped"


def render() -> None:
    principal = current_principal()
    st.title("Experiments")
    with session_scope(get_engine()) as session:
        names = [e.name for e in list_experiments(session=session, principal=principal)]
        if not names:
            st.info(EMPTY_STATE, icon=":material/science:")
            return
        asked = st.query_params.get("name")
        name = st.selectbox("Experiment", names, index=names.index(asked) if asked in names else 0)
        st.query_params["name"] = name
        targets = guardrail_targets(effective_settings(session, get_settings()))
    analysis = reuse(
        f"experiment:{name}",
        principal,
        Permission.VIEW_METRICS,
        lambda session: analyze_experiment(session=session, principal=principal, name=name, targets=targets),
    )
    _header(analysis)
    if st.session_state.pop(_SHIPPED_KEY, None) == analysis.name:
        st.success(
            f"Shipped — **{analysis.treatment_model}** is now the live model.",
            icon=":material/rocket_launch:",
        )
    if analysis.srm_alarm:
        st.error(
            f"**{SRM_BANNER}** (p = {analysis.srm_p:.2g}): {analysis.users['control']:,} control vs "
            f"{analysis.users['treatment']:,} treatment users for a planned "
            f"{1 - analysis.treatment_share:.0%}/{analysis.treatment_share:.0%} split. Results are not "
            "trustworthy until the assignment is fixed.",
            icon=":material/report:",
        )
    _recommendation(analysis)
    st.subheader("Metrics")
    st.dataframe(_table(analysis), hide_index=True)
    st.caption(
        "Lift is treatment / control − 1. CI: 95% fixed-horizon (delta method; bootstrap for latency). "
        "Sequential CI stays valid however often you look and drives the recommendation. "
        "p adj.: Benjamini-Hochberg across metrics. Ratings and calls are analysed per user."
    )
    st.plotly_chart(_forest_plot(analysis.metrics), config={"displayModeBar": False})
    _ship_controls(principal, analysis)


def _header(a: Analysis) -> None:
    st.caption(
        f"Control **{a.control_model}** · treatment **{a.treatment_model}** "
        f"({a.treatment_share:.0%} of users) · status **{a.status}**"
        + (f" (decision: {a.decision})" if a.decision else "")
    )
    cards = [
        ("Days running", f"{a.days_running:g}" if a.days_running is not None else "—"),
        ("Control users", f"{a.users['control']:,}"),
        ("Treatment users", f"{a.users['treatment']:,}"),
        ("SRM p-value", f"{a.srm_p:.3g}"),
        (
            "Users still needed per arm",
            f"{a.sample_needed_per_arm:,}" if a.sample_needed_per_arm is not None else "—",
        ),
    ]
    for column, (label, value) in zip(st.columns(len(cards)), cards, strict=True):
        column.metric(label, value, border=True)


def _recommendation(a: Analysis) -> None:
    show = {SHIP: st.success, STOP: st.error}.get(a.recommendation.verdict, st.info)
    show(f"**Recommendation: {a.recommendation.verdict}** — " + " ".join(a.recommendation.reasons))


def _table(a: Analysis) -> list[dict[str, object]]:
    return [
        {
            "Metric": m.label,
            "Control": _number(m.control.mean),
            "Treatment": _number(m.treatment.mean),
            "n (control / treatment)": f"{m.control.n:,} / {m.treatment.n:,}",
            "Lift": _percent(m.lift),
            "95% CI": f"{_percent(m.ci_low)} … {_percent(m.ci_high)}" if m.ci_low is not None else "—",
            "Sequential CI": (
                f"{_percent(m.seq_ci_low)} … {_percent(m.seq_ci_high)}" if m.seq_ci_low is not None else "—"
            ),
            "p": _p(m.p_value),
            "p adj.": _p(m.p_adjusted),
            "Chance to win": f"{m.chance_to_win:.0%}" if m.chance_to_win is not None else "—",
        }
        for m in a.metrics
    ]


def _forest_plot(metrics: list[MetricResult]) -> go.Figure:
    shown = [m for m in metrics if m.lift is not None and m.ci_low is not None and m.ci_high is not None]
    labels = [m.label for m in shown]
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=[100 * (m.lift or 0) for m in shown],
            y=labels,
            mode="markers",
            marker={"color": ACCENT, "size": 10},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [100 * ((m.ci_high or 0) - (m.lift or 0)) for m in shown],
                "arrayminus": [100 * ((m.lift or 0) - (m.ci_low or 0)) for m in shown],
            },
            name="lift, 95% CI",
            hovertemplate="%{y}: %{x:+.2f}%<extra></extra>",
        )
    )
    figure.add_vline(x=0, line_dash="dash", line_color="#888")
    figure.update_layout(
        height=60 + 45 * max(1, len(shown)),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis_title="relative lift (%)",
        yaxis={"autorange": "reversed"},
        showlegend=False,
    )
    return figure


def _ship_controls(principal: Principal, a: Analysis) -> None:
    if a.status != RUNNING or not (
        can(principal, Permission.MANAGE_EXPERIMENTS) and can(principal, Permission.MANAGE_MODELS)
    ):
        return
    st.subheader("Decision")
    if not st.session_state.get(_CONFIRM_KEY):
        if st.button("Ship treatment…", icon=":material/rocket_launch:"):
            st.session_state[_CONFIRM_KEY] = True
            st.rerun()
        return
    st.warning(
        f"Ship **{a.treatment_model}**? It becomes the live model for every user, "
        f"**{a.control_model}** is retired, and the experiment stops."
    )
    confirm, cancel = st.columns(2)
    if cancel.button("Cancel"):
        st.session_state[_CONFIRM_KEY] = False
        st.rerun()
    if confirm.button("Confirm ship", type="primary"):
        with session_scope(get_engine()) as session:
            ship_experiment(session=session, principal=principal, name=a.name)
        forget()
        st.session_state[_CONFIRM_KEY] = False
        st.session_state[_SHIPPED_KEY] = a.name
        st.rerun()


def _number(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "—"
    return f"{value:,.4g}" if abs(value) >= 0.001 else f"{value:.3g}"


def _percent(value: float | None) -> str:
    return f"{value:+.2%}" if value is not None else "—"


def _p(value: float | None) -> str:
    if value is None:
        return "—"
    return "< 0.0001" if value < 0.0001 else f"{value:.4f}"


render()
