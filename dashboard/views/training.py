"""Training data: is the data good enough to train on, build versioned training sets, and what they would cost.

In: the principal from `app.py` (viewing needs `VIEW_INTERACTIONS`; building, downloading and the file
validator need `MANAGE_DATASETS`) and the database. Out, top to bottom: the readiness checklist (green/red with
next steps), charts (topic coverage against the per-topic minimum, rating distribution, examples over time),
the build form with a progress bar, the dataset versions (paged) and, for the selected one, its counts, token
histogram, lineage (paged), download buttons per format and split, and the fine-tuning cost across providers
and base models; finally a validator for any uploaded JSONL file. Every figure comes from `core.dataset`.
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from core.auth import Permission, Principal, can
from core.config import get_settings
from core.dataset import figures
from core.dataset.export import FORMATS, SPLITS, export_bytes
from core.dataset.readiness import Readiness, assess
from core.dataset.versions import VersionRow, lineage, list_versions
from core.db import get_engine, session_scope
from core.finetune import catalogue
from core.vocab import TOPIC_LABELS
from dashboard.attempt import attempt
from dashboard.cache import reuse
from dashboard.context import current_principal
from dashboard.pager import page_number, pager
from dashboard.training_forms import build_form, file_validator

VERSIONS_PAGE = "training_versions_page"
MEMBERS_PAGE = "training_members_page"
PAGE_SIZE = 20
CHART = {"displayModeBar": False}
LAYOUT: dict[str, Any] = {"height": 300, "margin": {"l": 10, "r": 10, "t": 30, "b": 10}}


def render() -> None:
    principal = current_principal()
    st.title("Training data")
    settings = get_settings()
    readiness = reuse(
        "training_readiness",
        principal,
        Permission.VIEW_INTERACTIONS,
        lambda session: assess(session=session, settings=settings),
    )
    _checklist(readiness)
    _charts(principal, readiness, settings.readiness_min_per_topic)
    if can(principal, Permission.MANAGE_DATASETS):
        build_form(principal)
    _versions(principal)
    if can(principal, Permission.MANAGE_DATASETS):
        file_validator()


def _checklist(readiness: Readiness) -> None:
    verdict = "Ready for training" if readiness.ready_for_training else "Not ready for training yet"
    (st.success if readiness.ready_for_training else st.warning)(
        f"**{verdict}** — {readiness.high_rated_interactions:,} high-quality of "
        f"{readiness.total_interactions:,} interactions",
        icon=":material/task_alt:" if readiness.ready_for_training else ":material/pending:",
    )
    for check in readiness.checks:
        mark = ":green[:material/check_circle:]" if check.passed else ":red[:material/cancel:]"
        step = f" — *next: {check.next_step}*" if check.next_step else ""
        st.markdown(f"{mark} {check.message}{step}")


def _charts(principal: Principal, readiness: Readiness, minimum: int) -> None:
    coverage, ratings, over_time = st.tabs(["Topic coverage", "Ratings", "Examples over time"])
    with coverage:
        topics = list(readiness.topics)
        counts = [readiness.topics[t] for t in topics]
        figure = go.Figure(
            go.Bar(
                x=[TOPIC_LABELS[t] for t in topics],
                y=counts,
                marker_color=["#2e7d32" if c >= minimum else "#c62828" for c in counts],
                hovertemplate="%{x}: %{y} high-quality examples",
            )
        )
        figure.add_hline(y=minimum, line_dash="dash", annotation_text=f"minimum {minimum}")
        figure.update_layout(**LAYOUT, yaxis_title="high-quality examples")
        st.plotly_chart(figure, config=CHART)
    with ratings:
        stars = reuse(
            "training_ratings",
            principal,
            Permission.VIEW_INTERACTIONS,
            lambda session: figures.rating_distribution(session=session, principal=principal),
        )
        if sum(stars.values()):
            figure = go.Figure(go.Bar(x=[f"{s}★" for s in stars], y=list(stars.values())))
            figure.update_layout(**LAYOUT, yaxis_title="user ratings")
            st.plotly_chart(figure, config=CHART)
        else:
            st.caption("No star ratings yet.")
    with over_time:
        days = reuse(
            "training_quality_per_day",
            principal,
            Permission.VIEW_INTERACTIONS,
            lambda session: figures.quality_per_day(session=session, principal=principal),
        )
        if days:
            x = [d.day for d in days]
            figure = go.Figure(
                [
                    go.Scatter(x=x, y=[d.interactions for d in days], name="interactions"),
                    go.Scatter(x=x, y=[d.high_quality for d in days], name="high-quality examples"),
                ]
            )
            figure.update_layout(**LAYOUT, legend={"orientation": "h"})
            st.plotly_chart(figure, config=CHART)
        else:
            st.caption("No interactions yet.")


def _versions(principal: Principal) -> None:
    st.subheader("Dataset versions")
    page = page_number(VERSIONS_PAGE)
    listing = attempt(
        lambda session: list_versions(session=session, principal=principal, page=page, page_size=PAGE_SIZE)
    )
    if listing is None:
        return
    if not listing.rows:
        st.info("No dataset versions yet — build one above (or `bloomtune dataset build --name NAME`).")
        return
    st.dataframe([_version_row(v) for v in listing.rows], hide_index=True)
    pager(VERSIONS_PAGE, page, math.ceil(listing.total / PAGE_SIZE), listing.total, "versions")
    labels = {v.label: v for v in listing.rows}
    chosen = labels[st.selectbox("Version", list(labels), key="training_version")]
    _version_detail(principal, chosen)


def _version_row(v: VersionRow) -> dict[str, Any]:
    return {
        "Version": v.label,
        "Examples": v.examples,
        "Train": v.train,
        "Validation": v.validation,
        "DPO pairs": v.pairs,
        "Users": v.users,
        "Tokens": v.total_tokens,
        "Created": v.created_at,
        "By": v.created_by,
        "Erased data": "yes" if v.contains_erased_data else "",
    }


def _version_detail(principal: Principal, version: VersionRow) -> None:
    if version.contains_erased_data:
        st.warning("This version held data of a user who has since been erased; rebuild before training.")
    if can(principal, Permission.MANAGE_DATASETS):
        _downloads(principal, version)
    histogram, members, costs = st.tabs(["Token lengths", "Lineage", "Cost estimate"])
    with histogram:
        bins = attempt(
            lambda session: figures.token_histogram(
                session=session, principal=principal, version_id=version.id
            )
        )
        if bins:
            figure = go.Figure(
                go.Bar(
                    x=[f"{b.low}–{b.high - 1}" for b in bins],
                    y=[b.examples for b in bins],
                    hovertemplate="%{x} tokens: %{y} examples",
                )
            )
            figure.update_layout(**LAYOUT, xaxis_title="tokens per example", yaxis_title="examples")
            st.plotly_chart(figure, config=CHART)
    with members:
        _lineage(principal, version)
    with costs:
        rows = attempt(
            lambda session: figures.cost_table(
                session=session,
                principal=principal,
                version_id=version.id,
                today=catalogue.lifecycle_today(get_settings()),
            )
        )
        if rows:
            st.dataframe(
                [
                    {
                        "Provider": r.provider,
                        "Base model": r.label,
                        "Train examples": r.examples,
                        "Billed tokens / epoch": r.billed_tokens,
                        "Epochs": r.epochs,
                        "USD / 1M": r.price_per_1m,
                        "Estimated USD": None if r.cost_usd is None else round(r.cost_usd, 2),
                        "Open for new jobs": "yes" if r.open_for_jobs else "no",
                    }
                    for r in rows
                ],
                hide_index=True,
            )
            st.caption("Epochs and billed tokens as the OpenAI cookbook estimates them; price table first.")


def _lineage(principal: Principal, version: VersionRow) -> None:
    page = page_number(MEMBERS_PAGE)
    found = attempt(
        lambda session: lineage(
            session=session, principal=principal, version_id=version.id, page=page, page_size=PAGE_SIZE
        )
    )
    if found is None:
        return
    st.caption(
        f"{found.total:,} interactions from {found.users:,} users · "
        + " · ".join(f"{split}: {n:,}" for split, n in sorted(found.per_split.items()))
    )
    st.dataframe(
        [
            {
                "Interaction": r.interaction_id,
                "User": r.user_pseudonym,
                "Split": r.split,
                "Topic": r.topic,
                "Tokens": r.tokens,
            }
            for r in found.rows
        ],
        hide_index=True,
    )
    pager(MEMBERS_PAGE, page, math.ceil(found.total / PAGE_SIZE), found.total, "members")


def _downloads(principal: Principal, version: VersionRow) -> None:
    st.markdown("**Download**")
    for fmt in FORMATS:
        columns = st.columns(3)
        for column, split in zip(columns, (None, *SPLITS), strict=True):
            name = f"{version.name}-v{version.version}-{fmt}{'-' + split if split else ''}.jsonl"
            column.download_button(
                f"{fmt} · {split or 'all'}",
                data=_exporter(principal, version.id, fmt, split),
                file_name=name,
                mime="application/jsonl",
                key=f"download_{version.id}_{fmt}_{split or 'all'}",
                on_click="ignore",
                icon=":material/download:",
            )


def _exporter(principal: Principal, version_id: int, fmt: Any, split: Any) -> Any:
    """The file's bytes, built only when the button is clicked."""

    def build() -> bytes:
        with session_scope(get_engine()) as session:
            return export_bytes(
                session=session, principal=principal, version_id=version_id, fmt=fmt, split=split
            )

    return build


render()
