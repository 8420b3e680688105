"""Success-metric cards (DESIGN.md §7): value, target, a sparkline, the breach in red, and the breach list.

In: a `core.queries.kpis.Kpis`. Out: Streamlit metric cards (the sparkline is the card's own chart, so no
extra plotly figure) and, when any target is missed, one error box listing the breaches.
"""

from __future__ import annotations

import streamlit as st

from core.queries.kpis import Kpi, Kpis


def show_kpis(data: Kpis) -> None:
    if not data.kpis:
        return
    st.subheader("Success metrics (last 30 days of data)")
    for row in (data.kpis[:4], data.kpis[4:]):
        for column, kpi in zip(st.columns(4), row, strict=False):
            column.metric(
                kpi.label,
                kpi.format(kpi.value),
                delta=_delta(kpi),
                delta_color="red" if kpi.breached else ("green" if kpi.target is not None else "off"),
                delta_arrow="off",
                chart_data=[v for v in kpi.trend if v is not None] or None,
                help=_help(kpi),
                border=True,
            )
    if data.breaches:
        lines = [
            f"- **{k.label}** is {k.format(k.value)}; target {_comparator(k)} {k.format(k.target)}"
            for k in data.breaches
        ]
        st.error("**Targets missed**\n" + "\n".join(lines), icon=":material/warning:")


def _comparator(kpi: Kpi) -> str:
    return "≥" if kpi.higher_is_better else "≤"


def _delta(kpi: Kpi) -> str | None:
    if kpi.target is None:
        return None
    state = "breach" if kpi.breached else "on target"
    return f"{state} · target {_comparator(kpi)} {kpi.format(kpi.target)}"


def _help(kpi: Kpi) -> str:
    if kpi.key == "medical_accuracy":
        return "Share of clinician-reviewed answers judged accurate (all time)."
    return f"Over the last 30 days of data; the line shows the daily value. Key: {kpi.key}."
