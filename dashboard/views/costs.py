"""Costs: what the chatbot and its fine-tunes cost, and the price table behind the numbers.

In: the principal from `app.py` (needs `VIEW_METRICS`; editing prices needs `EDIT_SETTINGS`) and the
database. Out: cost cards (window spend, cost per interaction against its target, monthly projection,
training spend), inference cost per day stacked by model, spend per model, training spend per job and the
price table with an add-a-price form for admins — every figure from `core.queries.costs`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import plotly.graph_objects as go
import streamlit as st

from core.auth import Permission, can
from core.config import get_settings
from core.db import get_engine, session_scope
from core.errors import BloomtuneError
from core.queries.costs import Costs, add_price, costs
from dashboard.cache import forget, reuse
from dashboard.context import current_principal

EMPTY_STATE = "No interactions yet — costs appear once interactions are imported or collected"


def render() -> None:
    principal = current_principal()
    st.title("Costs")
    settings = get_settings()
    data = reuse(
        "costs",
        principal,
        Permission.VIEW_METRICS,
        lambda session: costs(session=session, principal=principal, settings=settings),
    )
    if not data.per_day_model:
        st.info(EMPTY_STATE, icon=":material/payments:")
    else:
        _cards(data)
        st.subheader("Inference cost per day (UTC), by model")
        st.plotly_chart(_per_day_chart(data), config={"displayModeBar": False})
        st.subheader("Inference cost per model")
        st.dataframe(_per_model(data), hide_index=True)
    st.subheader("Training spend per fine-tuning job")
    if data.jobs:
        st.dataframe(
            [
                {
                    "Job": job.id,
                    "Provider": job.provider,
                    "Base model": job.base_model,
                    "Status": job.status,
                    "Created": job.created_at,
                    "Estimated (USD)": job.estimated_cost_usd,
                    "Actual (USD)": job.actual_cost_usd,
                }
                for job in data.jobs
            ],
            hide_index=True,
        )
    else:
        st.caption("No fine-tuning jobs yet.")
    _price_table(data)
    if can(principal, Permission.EDIT_SETTINGS):
        _price_form()


def _cards(data: Costs) -> None:
    cpi = data.cost_per_interaction
    breached = cpi is not None and cpi > data.target_cost_per_interaction
    cards = st.columns(4)
    cards[0].metric("Inference spend (30 days)", f"${data.inference_total_usd:,.2f}", border=True)
    cards[1].metric(
        "Cost per interaction",
        f"${cpi:.4f}" if cpi is not None else "—",
        delta=f"{'breach' if breached else 'on target'} · target ≤ ${data.target_cost_per_interaction:.4f}",
        delta_color="red" if breached else "green",
        delta_arrow="off",
        border=True,
    )
    cards[2].metric(
        "Projected monthly",
        f"${data.projected_monthly_usd:,.2f}" if data.projected_monthly_usd is not None else "—",
        help="The last 7 days' average daily inference spend × 30.",
        border=True,
    )
    cards[3].metric("Training spend", f"${data.training_total_usd:,.2f}", border=True)


def _per_day_chart(data: Costs) -> go.Figure:
    by_model: dict[str, dict[date, float]] = defaultdict(dict)
    for row in data.per_day_model:
        by_model[row.model or "(unknown)"][row.day] = row.cost_usd
    figure = go.Figure(
        [
            go.Bar(x=list(days), y=list(days.values()), name=model, hovertemplate="%{x|%Y-%m-%d}: $%{y:.2f}")
            for model, days in by_model.items()
        ]
    )
    figure.update_layout(
        barmode="stack",
        height=340,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis_title="USD",
        legend={"orientation": "h"},
    )
    return figure


def _per_model(data: Costs) -> list[dict[str, object]]:
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    for row in data.per_day_model:
        entry = totals[row.model or "(unknown)"]
        entry[0] += row.cost_usd
        entry[1] += row.interactions
    return [
        {
            "Model": model,
            "Interactions": int(n),
            "Cost (USD)": round(cost, 2),
            "Per interaction (USD)": round(cost / n, 6) if n else None,
        }
        for model, (cost, n) in sorted(totals.items(), key=lambda item: -item[1][0])
    ]


def _price_table(data: Costs) -> None:
    st.subheader("Price table (USD per 1M tokens)")
    st.dataframe(
        [
            {
                "Model": p.model,
                "Input": p.input_per_1m,
                "Output": p.output_per_1m,
                "Training": p.training_per_1m,
                "Effective from": p.effective_from,
                "Note": p.note,
            }
            for p in data.prices
        ],
        hide_index=True,
    )


def _price_form() -> None:
    with st.form("add_price", clear_on_submit=True):
        st.markdown(
            "**Add a price** — the newest row per model is the one in force; old rows stay for history."
        )
        model = st.text_input("Model")
        left, middle, right = st.columns(3)
        input_price = left.number_input("Input per 1M", min_value=0.0, step=0.01, format="%.4f")
        output_price = middle.number_input("Output per 1M", min_value=0.0, step=0.01, format="%.4f")
        training_price = right.number_input(
            "Training per 1M (0 = none)", min_value=0.0, step=0.01, format="%.4f"
        )
        effective = st.date_input("Effective from", value=date.today())
        note = st.text_input("Note (source of the price)")
        if st.form_submit_button("Add price"):
            try:
                with session_scope(get_engine()) as session:
                    add_price(
                        session=session,
                        principal=current_principal(),
                        model=model,
                        input_per_1m=input_price,
                        output_per_1m=output_price,
                        training_per_1m=training_price or None,
                        effective_from=effective if isinstance(effective, date) else date.today(),
                        note=note or None,
                    )
            except BloomtuneError as exc:
                st.error(str(exc))
            else:
                forget()
                st.success(f"Price for {model} added.")


render()
