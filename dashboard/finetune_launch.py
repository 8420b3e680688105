"""The Fine-tunes page's launch form: choose, review the plan and its cost, confirm — one job per form.

In: the principal (the form is shown to `MANAGE_FINETUNES` only; `core.finetune.jobs` checks again), the
catalogue, the dataset versions, the readiness gate and the admin's input. Out: a queued job (then the page
opens it), or the reason it was refused — a retired or closed base model with its date, missing credentials
naming the setting, a failing readiness gate without an override reason, an unsupported method.

Idempotent: one idempotency key is drawn when the form is first shown and kept until a job is launched, so
a double click (or a reload during the confirmation) finds the job it already created.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from typing import Any

import streamlit as st

from core.auth import Permission, Principal
from core.config import get_settings
from core.dataset import readiness
from core.dataset.versions import list_versions
from core.errors import BloomtuneError
from core.finetune import catalogue
from core.finetune.catalogue import CatalogueEntry
from core.finetune.jobs import METHODS, LaunchPlan, LaunchRequest, launch, plan_launch
from core.providers.base import Hyperparameters
from dashboard.attempt import attempt
from dashboard.cache import reuse

KEY = "ft_launch_key"  # the form's idempotency key
PLAN = "ft_launch_plan"
DATASET_CHOICES = 100
PROVIDER_LABELS = {
    "openai": "OpenAI",
    "azure": "Azure OpenAI",
    "vertex": "Vertex AI (Gemini)",
    "local": "Local LoRA",
}
CUSTOM = "(another local path or hub id)"
# which knobs each provider uses; the others are left to the provider's default
KNOBS = {
    "openai": ("epochs", "learning_rate_multiplier", "batch_size", "beta"),
    "azure": ("epochs", "learning_rate_multiplier", "batch_size", "beta"),
    "vertex": ("epochs", "learning_rate_multiplier", "adapter_size"),
    "local": ("epochs", "learning_rate_multiplier", "lora_rank", "max_steps"),
}
KNOB_LABELS = {
    "epochs": ("Epochs", 1, 50, 1),
    "learning_rate_multiplier": ("Learning-rate multiplier", 0.01, 10.0, 0.1),
    "batch_size": ("Batch size", 1, 256, 1),
    "beta": ("DPO beta", 0.01, 2.0, 0.05),
    "adapter_size": ("Adapter size", 1, 32, 1),
    "lora_rank": ("LoRA rank", 1, 256, 1),
    "max_steps": ("Max steps", 1, 100_000, 1),
}


def launch_form(principal: Principal, today: date) -> int | None:
    """Draw the form; returns the id of the job launched on this run, if any."""
    st.session_state.setdefault(KEY, uuid.uuid4().hex)
    staged: tuple[LaunchRequest, LaunchPlan] | None = st.session_state.get(PLAN)
    if staged is not None:
        return _confirmation(principal, today, *staged)
    request = _choices(principal, today)
    if request is not None and st.button("Review launch…", type="primary", icon=":material/fact_check:"):
        plan = attempt(
            lambda s: plan_launch(
                session=s, principal=principal, request=request, settings=get_settings(), today=today
            )
        )
        if plan is not None:
            st.session_state[PLAN] = (request, plan)
            st.rerun()
    return None


def _choices(principal: Principal, today: date) -> LaunchRequest | None:
    """The form's fields as a launch request, or None while something needed is missing."""
    left, right = st.columns(2)
    provider = left.selectbox(
        "Provider", catalogue.PROVIDERS, format_func=PROVIDER_LABELS.__getitem__, key="ft_provider"
    )
    model = _base_model(right, provider, today)
    versions = attempt(lambda s: list_versions(session=s, principal=principal, page_size=DATASET_CHOICES))
    labels = {row.label: row for row in versions.rows} if versions else {}
    if not labels:
        st.info(
            "No dataset version yet — build one on the Training data page first.", icon=":material/dataset:"
        )
        return None
    dataset = left.selectbox(
        "Dataset version",
        list(labels),
        format_func=lambda label: (
            f"{label} — {labels[label].train:,} train / {labels[label].validation:,} validation"
            + (f", {labels[label].pairs:,} pairs" if labels[label].pairs else "")
        ),
        key="ft_dataset",
    )
    method = right.radio(
        "Method",
        METHODS,
        format_func=lambda m: {"sft": "Supervised (SFT)", "dpo": "Preference (DPO)"}[m],
        horizontal=True,
        key="ft_method",
    )
    override = _readiness(principal)
    hyper = _hyperparameters(provider, method)
    suffix_column, seed_column = st.columns(2)
    suffix = suffix_column.text_input("Model name suffix (optional)", max_chars=40, key="ft_suffix")
    seed = seed_column.number_input("Seed (optional)", min_value=0, value=None, step=1, key="ft_seed")
    if model is None:
        return None
    return LaunchRequest(
        provider=provider,
        base_model=model,
        dataset=dataset,
        method=method,
        hyperparameters=hyper,
        suffix=suffix.strip() or None,
        seed=int(seed) if seed is not None else None,
        override_reason=override,
        idempotency_key=st.session_state[KEY],
    )


def _base_model(column: Any, provider: str, today: date) -> str | None:
    """The base model picker: every catalogue model, the unavailable ones marked with the reason (and refused)."""
    entries = catalogue.entries(provider)
    reasons = {entry.model: _unavailable(entry, today) for entry in entries}
    options = [entry.model for entry in entries] + ([CUSTOM] if provider == "local" else [])
    labels = {entry.model: entry.label for entry in entries}

    def label(model: str) -> str:
        if model == CUSTOM:
            return model
        reason = reasons.get(model)
        return f"{labels[model]} ({model})" + (" — unavailable" if reason else "")

    chosen = column.selectbox("Base model", options, format_func=label, key=f"ft_model_{provider}")
    if chosen == CUSTOM:
        typed = column.text_input("Local path or hub id", key="ft_model_custom").strip()
        return typed or None
    if reasons.get(chosen):
        column.error(reasons[chosen], icon=":material/block:")
        return None
    entry = next(e for e in entries if e.model == chosen)
    if entry.note:
        column.caption(entry.note)
    if entry.retires_on:
        column.caption(f"Models tuned from it stop serving on {entry.retires_on.isoformat()}.")
    return chosen


def _unavailable(entry: CatalogueEntry, today: date) -> str | None:
    try:
        catalogue.check_launchable(entry.provider, entry.model, today=today, method=entry.methods[0])
    except BloomtuneError as exc:
        return str(exc)
    return None


def _readiness(principal: Principal) -> str | None:
    """The readiness gate's verdict; when it fails, the admin's override reason (audited with the launch)."""
    gate = reuse(
        "readiness",
        principal,
        Permission.VIEW_METRICS,
        lambda s: readiness.assess(session=s, settings=get_settings()),
    )
    failed = [check for check in gate.checks if not check.passed]
    if not failed:
        st.success("The training data passes the readiness gate.", icon=":material/verified:")
        return None
    st.warning(
        "The training data does not pass the readiness gate:\n"
        + "\n".join(f"- {check.message} — {check.next_step}" for check in failed),
        icon=":material/warning:",
    )
    reason = st.text_area(
        "Override reason (required to launch anyway; recorded in the audit log)", key="ft_override"
    ).strip()
    return reason or None


def _hyperparameters(provider: str, method: str) -> Hyperparameters:
    st.markdown("**Hyperparameters** — leave a field empty for the provider's default (*auto*)")
    knobs = [k for k in KNOBS[provider] if k != "beta" or method == "dpo"]
    values: dict[str, Any] = {}
    for column, knob in zip(st.columns(len(knobs)), knobs, strict=True):
        label, low, high, step = KNOB_LABELS[knob]
        values[knob] = column.number_input(
            label, min_value=low, max_value=high, value=None, step=step, placeholder="auto", key=f"ft_{knob}"
        )
    return Hyperparameters.from_dict({k: v for k, v in values.items() if v is not None})


def _confirmation(principal: Principal, today: date, request: LaunchRequest, plan: LaunchPlan) -> int | None:
    estimate = plan.estimate
    st.markdown("#### Confirm the launch")
    st.markdown(
        f"**{plan.entry.label}** (`{plan.entry.model}`) at **{PROVIDER_LABELS[plan.provider]}**, "
        f"{plan.method.upper()} on **{plan.dataset_label}**"
    )
    hyper = plan.hyperparameters.as_dict()
    st.caption(
        "Hyperparameters: " + (", ".join(f"{k} = {v}" for k, v in hyper.items()) or "provider defaults")
    )
    cards = [
        ("Training examples", f"{estimate.examples:,}"),
        ("Billed tokens per epoch", f"{estimate.billed_tokens:,}"),
        ("Epochs", f"{estimate.epochs}" if estimate.epochs is not None else "auto"),
        ("Estimated cost", f"${estimate.cost_usd:,.2f}" if estimate.cost_usd is not None else "unknown"),
    ]
    for column, (label, value) in zip(st.columns(len(cards)), cards, strict=True):
        column.metric(label, value, border=True)
    if not plan.ready:
        st.warning(f"Launching despite the readiness gate. Reason: {request.override_reason}")
    if plan.spends_money:
        st.info(f"This job is billed by {PROVIDER_LABELS[plan.provider]}.", icon=":material/payments:")
    go, back, _ = st.columns([1, 1, 4])
    if back.button("Back to the form"):
        st.session_state.pop(PLAN, None)
        st.rerun()
    if not go.button("Launch job", type="primary", icon=":material/rocket_launch:"):
        return None
    confirmed = replace(request, confirm_spend=True)
    job = attempt(
        lambda s: launch(
            session=s, principal=principal, request=confirmed, settings=get_settings(), today=today
        )
    )
    if job is None:
        return None
    st.session_state.pop(PLAN, None)
    st.session_state[KEY] = uuid.uuid4().hex  # the next form is a new launch
    return job.id
