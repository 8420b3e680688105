"""Overview: how much the chatbot is used and how users rate it.

In: the principal from `app.py` (needs `VIEW_METRICS`) and the database. Out: the success-metric cards
against their targets with the list of breaches (`core.queries.kpis`), all-time metric cards, the star
distribution, interactions per day and per model — all computed by `core.queries.overview` in SQL —
or an empty state that says how to load data.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from core.auth import Permission
from core.config import get_settings
from core.db import get_engine, session_scope
from core.queries.kpis import kpis
from core.queries.overview import LATENCY_SAMPLE, Overview, overview
from dashboard.cache import reuse
from dashboard.context import current_principal
from dashboard.kpi_cards import show_kpis

EMPTY_STATE = (
    "No interactions yet — import a file with `bloomtune import` or load demo data with `bloomtune demo`"
)
ACCENT = "#c2185b"
NO_VALUE = "—"


def render() -> None:
    principal = current_principal()
    st.title("Overview")
    with session_scope(get_engine()) as session:
        data = overview(session=session, principal=principal)
    settings = get_settings()
    targets = reuse(
        "kpis",
        principal,
        Permission.VIEW_METRICS,
        lambda session: kpis(session=session, principal=principal, settings=settings),
    )
    if data.is_empty:
        st.info(EMPTY_STATE, icon=":material/inbox:")
        return
    show_kpis(targets)
    st.subheader("All time")
    _metric_cards(data)
    left, right = st.columns(2)
    with left:
        st.subheader("User star ratings")
        st.plotly_chart(_stars_chart(data), config={"displayModeBar": False})
    with right:
        st.subheader("Interactions per model")
        st.plotly_chart(_models_chart(data), config={"displayModeBar": False})
    st.subheader("Interactions per day (UTC)")
    st.plotly_chart(_days_chart(data), config={"displayModeBar": False})


def _metric_cards(data: Overview) -> None:
    h = data.headline
    cards = [
        ("Interactions", f"{h.interactions:,}", "Assistant answers stored, all time."),
        ("Conversations", f"{h.conversations:,}", "Distinct conversations those answers belong to."),
        ("Users", f"{h.users:,}", "Distinct (pseudonymised) end users."),
        (
            "Rated by users",
            _percent(h.share_rated),
            f"{h.rated_interactions:,} interactions have a star or thumbs rating from their user.",
        ),
        (
            "Mean stars",
            f"{h.mean_stars:.2f} / 5" if h.mean_stars is not None else NO_VALUE,
            f"Average over {h.star_ratings:,} user star ratings.",
        ),
        ("Thumbs up", _percent(h.thumbs_up_rate), f"{h.thumbs_up:,} of {h.thumbs_total:,} thumbs are up."),
        ("Error rate", _percent(h.error_rate), f"{h.errors:,} interactions ended in an error."),
        (
            "p95 latency",
            f"{h.p95_latency_ms:,} ms" if h.p95_latency_ms is not None else NO_VALUE,
            f"95th percentile response time over the latest {LATENCY_SAMPLE:,} interactions "
            f"({h.latency_sample:,} with a measured latency).",
        ),
    ]
    for row in (cards[:4], cards[4:]):
        for column, (label, value, help_text) in zip(st.columns(len(row)), row, strict=True):
            column.metric(label, value, help=help_text, border=True)


def _stars_chart(data: Overview) -> go.Figure:
    stars = list(data.stars)
    figure = go.Figure(
        go.Bar(
            x=[f"{star} ★" for star in stars],
            y=[data.stars[star] for star in stars],
            marker_color=ACCENT,
            hovertemplate="%{x}: %{y:,}<extra></extra>",
        )
    )
    return _compact(figure, yaxis_title="ratings")


def _models_chart(data: Overview) -> go.Figure:
    models = list(reversed(data.per_model))  # plotly draws the first bar at the bottom
    figure = go.Figure(
        go.Bar(
            x=[m.interactions for m in models],
            y=[m.model or "(unknown)" for m in models],
            orientation="h",
            marker_color=ACCENT,
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        )
    )
    return _compact(figure, xaxis_title="interactions")


def _days_chart(data: Overview) -> go.Figure:
    figure = go.Figure(
        go.Scatter(
            x=[d.day for d in data.per_day],
            y=[d.interactions for d in data.per_day],
            mode="lines+markers" if len(data.per_day) <= 31 else "lines",
            line={"color": ACCENT},
            hovertemplate="%{x|%Y-%m-%d}: %{y:,}<extra></extra>",
        )
    )
    figure.update_yaxes(rangemode="tozero")
    return _compact(figure, yaxis_title="interactions")


def _compact(figure: go.Figure, **layout: str) -> go.Figure:
    figure.update_layout(height=320, margin={"l": 10, "r": 10, "t": 10, "b": 10}, **layout)
    return figure


def _percent(value: float | None) -> str:
    return f"{value:.1%}" if value is not None else NO_VALUE


render()
