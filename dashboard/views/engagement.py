"""Engagement: are people coming back to the chatbot?

In: the principal from `app.py` (needs `VIEW_METRICS`) and the database. Out: daily active users and
messages per session over the last 30 days of data, and the D1/D7/D30 retention of weekly cohorts as a
heatmap — all from `core.queries.engagement`.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from core.auth import Permission
from core.queries.engagement import RETENTION_DAYS, Engagement, engagement
from dashboard.cache import reuse
from dashboard.context import current_principal

EMPTY_STATE = "No interactions yet — engagement appears once interactions are imported or collected"
ACCENT = "#c2185b"


def render() -> None:
    principal = current_principal()
    st.title("Engagement")
    data = reuse(
        "engagement",
        principal,
        Permission.VIEW_METRICS,
        lambda session: engagement(session=session, principal=principal),
    )
    if not data.days:
        st.info(EMPTY_STATE, icon=":material/group:")
        return
    _cards(data)
    left, right = st.columns(2)
    with left:
        st.subheader("Daily active users")
        st.plotly_chart(
            _line([d.day for d in data.days], [d.users for d in data.days]), config={"displayModeBar": False}
        )
    with right:
        st.subheader("Messages per session")
        values = [d.interactions / d.conversations if d.conversations else None for d in data.days]
        st.plotly_chart(_line([d.day for d in data.days], values), config={"displayModeBar": False})
    st.subheader("Retention by weekly cohort")
    st.plotly_chart(_heatmap(data), config={"displayModeBar": False})
    st.caption("Share of each week's new users who used the chatbot again exactly 1, 7 and 30 days later.")


def _cards(data: Engagement) -> None:
    active = [d for d in data.days if d.users]
    mean_users = sum(d.users for d in active) / len(active) if active else 0
    sessions = sum(d.conversations for d in data.days)
    columns = st.columns(2 + len(RETENTION_DAYS))
    columns[0].metric(
        "Daily active users", f"{mean_users:,.1f}", help="Mean over the last 30 days of data.", border=True
    )
    columns[1].metric(
        "Messages per session",
        f"{sum(d.interactions for d in data.days) / sessions:.2f}" if sessions else "—",
        border=True,
    )
    for column, offset in zip(columns[2:], RETENTION_DAYS, strict=True):
        column.metric(f"D{offset} retention", _weighted_retention(data, offset), border=True)


def _weighted_retention(data: Engagement, offset: int) -> str:
    known = [(c.users, c.retained[offset]) for c in data.cohorts if c.retained.get(offset) is not None]
    users = sum(n for n, _ in known)
    return f"{sum(n * (share or 0) for n, share in known) / users:.1%}" if users else "—"


def _line(x: list[object], y: list[float | int | None]) -> go.Figure:
    figure = go.Figure(go.Scatter(x=x, y=y, mode="lines+markers", line={"color": ACCENT}))
    figure.update_yaxes(rangemode="tozero")
    figure.update_layout(height=300, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return figure


def _heatmap(data: Engagement) -> go.Figure:
    weeks = [f"{c.week:%Y-%m-%d} ({c.users:,})" for c in data.cohorts]
    z = [[c.retained.get(offset) for offset in RETENTION_DAYS] for c in data.cohorts]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=[f"D{offset}" for offset in RETENTION_DAYS],
            y=weeks,
            colorscale="RdPu",
            zmin=0,
            texttemplate="%{z:.1%}",
            hovertemplate="%{y} %{x}: %{z:.1%}<extra></extra>",
        )
    )
    figure.update_layout(
        height=80 + 28 * len(weeks),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis={"autorange": "reversed"},
    )
    return figure


render()
