"""The Admin page's "Targets" tab: the success-metric targets in force, and a form to change or reset them.

In: the signed-in admin (from `dashboard.context`), form input. Out: a table of every target (value in
force, the configured default, who changed it and when) and a form; every change goes through
`core.targets` (checks `EDIT_SETTINGS` and the setting's bounds, writes the audit log), after which the
reused figures are forgotten so the Overview, Costs and Experiments pages show the new targets.
"""

from __future__ import annotations

import streamlit as st

from core import targets
from core.config import get_settings
from core.db import get_engine, session_scope
from core.errors import BloomtuneError
from dashboard.cache import forget
from dashboard.context import current_principal

LABELS = {
    "target_satisfaction": "Satisfaction (mean stars, at least)",
    "target_p95_latency_ms": "p95 response time (ms, at most)",
    "target_success_rate": "API success (share, at least)",
    "target_cost_per_interaction_usd": "Cost per interaction (USD, at most)",
    "target_medical_accuracy": "Medical accuracy (share, at least)",
}
MESSAGE_KEY = "targets_message"
STEPS = {
    "target_satisfaction": (0.1, "%.2f"),
    "target_p95_latency_ms": (50.0, "%.0f"),
    "target_success_rate": (0.001, "%.3f"),
    "target_cost_per_interaction_usd": (0.0001, "%.4f"),
    "target_medical_accuracy": (0.01, "%.3f"),
}


def targets_tab() -> None:
    principal = current_principal()
    settings = get_settings()
    if message := st.session_state.pop(MESSAGE_KEY, None):
        st.success(message)
    try:
        with session_scope(get_engine()) as session:
            current = targets.effective_targets(session, settings)
            overrides = {o.key: o for o in targets.target_overrides(session)}
    except BloomtuneError as exc:
        st.error(str(exc))
        return
    st.caption(
        "Targets start from the settings (environment); a value saved here overrides its setting until reset. "
        "Changes are audited and apply to every page at once."
    )
    st.dataframe(
        [
            {
                "Target": LABELS[key],
                "In force": current[key],
                "Setting": float(getattr(settings, key)),
                "Changed by": overrides[key].updated_by if key in overrides else "—",
                "Changed (UTC)": overrides[key].updated_at if key in overrides else None,
            }
            for key in targets.TARGET_KEYS
        ],
        hide_index=True,
    )
    with st.form("targets"):
        st.subheader("Change targets")
        values: dict[str, float] = {}
        for key in targets.TARGET_KEYS:
            low, high = targets.bounds(key)
            step, number_format = STEPS[key]
            values[key] = st.number_input(
                LABELS[key],
                min_value=low,
                max_value=high,
                value=current[key],
                step=step,
                format=number_format,
                key=f"target_input_{key}",
            )
        saved = st.form_submit_button("Save targets", type="primary")
    with st.form("reset_target"):
        st.subheader("Reset a target to its setting")
        chosen = st.selectbox("Target", list(targets.TARGET_KEYS), format_func=LABELS.__getitem__)
        reset = st.form_submit_button("Reset")
    try:
        with session_scope(get_engine()) as session:
            if saved:
                changed = [key for key, value in values.items() if float(value) != current[key]]
                for key in changed:
                    targets.set_target(key, float(values[key]), session=session, principal=principal)
                message = f"Saved {len(changed)} target(s)." if changed else "No target changed."
            elif reset:
                forgotten = targets.reset_target(chosen, session=session, principal=principal)
                message = "Reset to the setting." if forgotten else "That target already follows its setting."
            else:
                return
    except BloomtuneError as exc:
        st.error(str(exc))
        return
    forget()
    st.session_state[MESSAGE_KEY] = message
    for key in targets.TARGET_KEYS:  # show the values now in force, not what was typed
        st.session_state.pop(f"target_input_{key}", None)
    st.rerun()
