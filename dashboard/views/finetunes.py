"""Fine-tunes: every job with its status, a launch form for admins, and a live page per job (`?job=ID`).

In: the principal from `app.py` (needs `VIEW_METRICS`; launching and cancelling need `MANAGE_FINETUNES`, which
`core.finetune.jobs` checks again), the filters and page, `?job=ID`. Out:
- the jobs list: status chips, provider and status filters, pages of `PAGE_SIZE`, a link to each job;
- for admins, the launch form (`dashboard.finetune_launch`): provider, base model from the catalogue (the
  unavailable ones marked with the reason), dataset version, readiness with an override reason, method,
  hyperparameters, then a confirmation step with the cost estimate;
- the job page, which re-reads the job every `REFRESH_SECONDS` while it is active (`st.fragment(run_every=…)`):
  status, elapsed and remaining time, trained tokens, actual vs estimated cost, loss and accuracy curves
  (plotly, bucketed by the database), checkpoints, the events log and a cancel button with a confirmation.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from core.audit import utcnow
from core.auth import Permission, Principal, can
from core.config import get_settings
from core.finetune import catalogue, monitor
from core.finetune.jobs import cancel_job, get_job, list_jobs
from core.finetune.monitor import MetricPoint
from core.models import FinetuneJob
from core.providers.base import JobStatus
from dashboard.attempt import attempt
from dashboard.context import current_principal
from dashboard.finetune_launch import PROVIDER_LABELS, launch_form
from dashboard.pager import page_number, pager, reset

PAGE_SIZE = 25
EVENTS_PAGE_SIZE = 50
REFRESH_SECONDS = 3
JOB_PARAM = "job"
JOBS_PAGE = "ft_jobs_page"
EVENTS_PAGE = "ft_events_page"
CONFIRM_CANCEL = "ft_confirm_cancel"
VIEW = "ft_view"
JOBS, LAUNCH = "Jobs", "Launch a job"
ALL = "All"
EMPTY_STATE = "No fine-tuning jobs yet."
STATUSES = [status.value for status in JobStatus]
COLORS = {
    "queued": "gray",
    "validating": "violet",
    "running": "blue",
    "paused": "orange",
    "succeeded": "green",
    "failed": "red",
    "cancelled": "gray",
}
ACCENT, SECOND = "#c2185b", "#1976d2"
MARKERS_UP_TO = 40  # points per curve drawn with markers; longer curves are plain lines


def render() -> None:
    principal = current_principal()
    job_id = _job_param()
    if job_id is not None:
        _job_page(principal, job_id)
        return
    st.title("Fine-tunes")
    view = JOBS
    if can(principal, Permission.MANAGE_FINETUNES):
        view = st.segmented_control(
            "View", [JOBS, LAUNCH], default=JOBS, key=VIEW, label_visibility="collapsed"
        )
    if view == LAUNCH:
        launched = launch_form(principal, catalogue.lifecycle_today(get_settings()))
        if launched is not None:
            st.query_params[JOB_PARAM] = str(launched)
            st.rerun()
        return
    _jobs(principal)


def _job_param() -> int | None:
    raw = st.query_params.get(JOB_PARAM)
    return int(raw) if raw and raw.isdigit() else None


# -- the list ----------------------------------------------------------------------------------------------
def _jobs(principal: Principal) -> None:
    left, right, _ = st.columns([1, 1, 2])
    status = left.selectbox("Status", [ALL, *STATUSES], key="ft_status", on_change=reset, args=(JOBS_PAGE,))
    provider = right.selectbox(
        "Provider",
        [ALL, *catalogue.PROVIDERS],
        format_func=lambda p: PROVIDER_LABELS.get(p, p),
        key="ft_provider_filter",
        on_change=reset,
        args=(JOBS_PAGE,),
    )
    listing = attempt(
        lambda s: list_jobs(
            session=s,
            principal=principal,
            status=None if status == ALL else status,
            provider=None if provider == ALL else provider,
            page=page_number(JOBS_PAGE),
            page_size=PAGE_SIZE,
        )
    )
    if listing is None:
        return
    if listing.total == 0:
        hint = " An admin launches one from *Launch a job*." if status == provider == ALL else ""
        st.info(EMPTY_STATE + hint, icon=":material/model_training:")
        return
    ids = [job.dataset_version_id for job in listing.jobs]
    labels = attempt(lambda s: monitor.dataset_labels(session=s, principal=principal, ids=ids)) or {}
    st.dataframe(
        [_row(job, labels) for job in listing.jobs],
        hide_index=True,
        column_config={
            "Job": st.column_config.LinkColumn(display_text=r"job=(\d+)$", width="small"),
            "Status": st.column_config.MultiselectColumn(
                options=STATUSES, color=[COLORS[s] for s in STATUSES], width="small"
            ),
            "Created (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "Estimated cost": st.column_config.NumberColumn(format="$%.2f"),
            "Actual cost": st.column_config.NumberColumn(format="$%.2f"),
        },
    )
    pager(JOBS_PAGE, listing.page, -(-listing.total // listing.page_size), listing.total, "jobs")
    number, button, _ = st.columns([1, 1, 4], vertical_alignment="bottom")
    wanted = number.number_input("Job #", min_value=1, step=1, value=listing.jobs[0].id, key="ft_open_id")
    if button.button("Open job", icon=":material/open_in_new:"):
        st.query_params[JOB_PARAM] = str(int(wanted))
        st.rerun()


def _row(job: FinetuneJob, labels: dict[int, str]) -> dict[str, Any]:
    return {
        "Job": f"?{JOB_PARAM}={job.id}",
        "Status": [job.status],
        "Provider": PROVIDER_LABELS.get(job.provider, job.provider),
        "Base model": job.base_model,
        "Method": job.method.upper(),
        "Dataset version": labels.get(job.dataset_version_id, f"#{job.dataset_version_id}"),
        "Created (UTC)": job.created_at,
        "Estimated cost": job.estimated_cost_usd,
        "Actual cost": job.actual_cost_usd,
        "Fine-tuned model": job.fine_tuned_model or "—",
    }


# -- one job -----------------------------------------------------------------------------------------------
def _job_page(principal: Principal, job_id: int) -> None:
    if st.button("← All fine-tunes", key="ft_back"):
        del st.query_params[JOB_PARAM]
        st.rerun()
    job = attempt(lambda s: get_job(session=s, principal=principal, job_id=job_id))
    if job is None:
        return
    st.title(f"Fine-tune #{job.id}")
    active = not JobStatus(job.status).finished
    live = st.fragment(run_every=REFRESH_SECONDS if active else None)(_live)
    live(principal, job_id, active)


def _live(principal: Principal, job_id: int, was_active: bool) -> None:
    """Everything that changes while the job runs; re-run on its own every few seconds while active."""
    job = attempt(lambda s: get_job(session=s, principal=principal, job_id=job_id))
    if job is None:
        return
    if was_active and JobStatus(job.status).finished:
        st.rerun(scope="app")  # the job ended: redraw once without the refresh timer
    _summary(principal, job)
    _provider_details(job)
    _cancel(principal, job)
    curve = attempt(lambda s: monitor.metric_curve(session=s, principal=principal, job_id=job_id)) or []
    _curves(curve)
    _checkpoints(job)
    _events(principal, job_id)


def _summary(principal: Principal, job: FinetuneJob) -> None:
    st.badge(job.status, color=COLORS.get(job.status, "gray"))  # type: ignore[arg-type]
    labels = attempt(
        lambda s: monitor.dataset_labels(session=s, principal=principal, ids=[job.dataset_version_id])
    )
    dataset = (labels or {}).get(job.dataset_version_id, f"#{job.dataset_version_id}")
    st.caption(
        f"{PROVIDER_LABELS.get(job.provider, job.provider)} · base model `{job.base_model}` · "
        f"{job.method.upper()} on **{dataset}** · launched by {job.created_by} at {job.created_at:%Y-%m-%d %H:%M} UTC"
        + (f" · provider job `{job.external_id}`" if job.external_id else "")
        + (
            f" · provider status *{job.raw_status}*"
            if job.raw_status and job.raw_status != job.status
            else ""
        )
    )
    clock = monitor.timing(job, utcnow())
    remaining = _duration(clock.remaining) if clock.remaining is not None else "—"
    estimated = f"${job.estimated_cost_usd:,.2f}" if job.estimated_cost_usd is not None else "—"
    actual = f"${job.actual_cost_usd:,.2f}" if job.actual_cost_usd is not None else "—"
    cards = [
        ("Elapsed", _duration(clock.elapsed)),
        ("Estimated time left", remaining),
        ("Trained tokens", f"{job.trained_tokens:,}" if job.trained_tokens is not None else "—"),
        ("Cost: actual / estimated", f"{actual} / {estimated}"),
    ]
    for column, (label, value) in zip(st.columns(len(cards)), cards, strict=True):
        column.metric(label, value, border=True)
    if job.status == JobStatus.FAILED.value:
        st.error(f"The job failed: {job.error or 'no reason given'}", icon=":material/error:")
    elif job.error and not JobStatus(job.status).finished:
        st.warning(
            f"The last attempt failed and will be retried: {job.error}", icon=":material/sync_problem:"
        )
    if job.fine_tuned_model:
        st.success(
            f"Fine-tuned model **{job.fine_tuned_model}** is registered as a candidate on the Models page.",
            icon=":material/model_training:",
        )


def _provider_details(job: FinetuneJob) -> None:
    """What the provider reported besides metrics: step progress, how to serve the result, data statistics."""
    details = job.details or {}
    reported = details.get("provider") or {}
    step, max_steps = reported.get("step"), reported.get("max_steps")
    if (
        isinstance(step, int)
        and isinstance(max_steps, int)
        and max_steps > 0
        and not JobStatus(job.status).finished
    ):
        st.progress(min(1.0, step / max_steps), text=f"Step {step:,} of {max_steps:,}")
    if details.get("endpoint"):
        st.caption(f"Served at `{details['endpoint']}`")
    if reported.get("serve_command"):
        st.caption("Serve the fine-tuned model with any OpenAI-compatible server, e.g.:")
        st.code(reported["serve_command"], language="bash")
    if reported.get("tuning_data_stats"):
        with st.expander("Tuning data statistics (from the provider)"):
            st.json(reported["tuning_data_stats"])


def _curves(curve: list[MetricPoint]) -> None:
    if not curve:
        st.info(
            "The curves appear when the provider reports the first training step.",
            icon=":material/show_chart:",
        )
        return
    steps = [p.step for p in curve]
    loss, accuracy = st.columns(2)
    loss.plotly_chart(
        _figure(
            "Loss",
            steps,
            [
                ("training loss", [p.train_loss for p in curve], ACCENT),
                ("validation loss", [p.valid_loss for p in curve], SECOND),
            ],
        ),
        config={"displayModeBar": False},
        key="ft_loss",
    )
    if any(p.accuracy is not None for p in curve):
        accuracy.plotly_chart(
            _figure("Token accuracy", steps, [("token accuracy", [p.accuracy for p in curve], ACCENT)]),
            config={"displayModeBar": False},
            key="ft_accuracy",
        )


def _figure(title: str, steps: list[int], series: list[tuple[str, list[float | None], str]]) -> go.Figure:
    figure = go.Figure()
    for name, values, color in series:
        if any(v is not None for v in values):
            figure.add_trace(
                go.Scatter(
                    x=steps,
                    y=values,
                    name=name,
                    mode="lines+markers" if len(steps) <= MARKERS_UP_TO else "lines",
                    line={"color": color},
                    connectgaps=True,
                )
            )
    figure.update_layout(
        title=title,
        height=320,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        xaxis_title="step",
        legend={"orientation": "h", "y": -0.25},
    )
    return figure


def _checkpoints(job: FinetuneJob) -> None:
    checkpoints = (job.details or {}).get("checkpoints") or []
    if not checkpoints:
        return
    st.subheader("Checkpoints")
    st.dataframe(
        [
            {
                "Step": c.get("step"),
                "Model": c.get("model"),
                **{k: v for k, v in (c.get("metrics") or {}).items() if k != "step"},
            }
            for c in checkpoints
        ],
        hide_index=True,
    )


def _events(principal: Principal, job_id: int) -> None:
    st.subheader("Events")
    log = attempt(
        lambda s: monitor.event_log(
            session=s,
            principal=principal,
            job_id=job_id,
            page=page_number(EVENTS_PAGE),
            page_size=EVENTS_PAGE_SIZE,
        )
    )
    if log is None:
        return
    if not log.total:
        st.caption("No events yet; the worker records them as it polls the provider.")
        return
    st.dataframe(
        [
            {
                "Time (UTC)": e.ts,
                "Level": e.level,
                "Message": e.message,
                "Step": e.step,
                "Training loss": e.train_loss,
                "Validation loss": e.valid_loss,
                "Token accuracy": e.accuracy,
            }
            for e in log.events
        ],
        hide_index=True,
        column_config={"Time (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss")},
    )
    pager(EVENTS_PAGE, log.page, log.page_count, log.total, "events")


def _cancel(principal: Principal, job: FinetuneJob) -> None:
    if JobStatus(job.status).finished or not can(principal, Permission.MANAGE_FINETUNES):
        return
    if not st.session_state.get(CONFIRM_CANCEL):
        st.button("Cancel job…", icon=":material/cancel:", on_click=_confirming, args=(True,))
        return
    st.warning(
        f"Cancel job #{job.id}? The provider stops training; what was trained so far is not registered."
    )
    yes, no, _ = st.columns([1, 1, 4])
    no.button("Keep it running", on_click=_confirming, args=(False,))
    if yes.button("Confirm cancel", type="primary"):
        st.session_state[CONFIRM_CANCEL] = False
        if attempt(
            lambda s: cancel_job(session=s, principal=principal, job_id=job.id, settings=get_settings())
        ):
            st.rerun(scope="app")


def _confirming(value: bool) -> None:
    st.session_state[CONFIRM_CANCEL] = value


def _duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"


render()
