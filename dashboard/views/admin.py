"""Admin: accounts, the audit log, configured providers and end users' erasure.

In: the principal from `app.py` (needs `MANAGE_USERS`; core services check every action again), form input.
Out: the accounts table with invite / role / enable-disable controls (an invite's one-time password is shown
once), one server-side page of the filtered audit log with a CSV download of all matching entries, whether
each provider is configured (yes/no, never a key), and an erasure form that asks for confirmation.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

import streamlit as st

from core import accounts, erasure
from core.audit import AuditFilter, entries_csv, list_entries
from core.auth import Permission, Role, can
from core.config import get_settings, provider_status
from core.db import get_engine, session_scope
from core.errors import BloomtuneError
from dashboard.app_keys import app_keys_tab
from dashboard.context import current_principal
from dashboard.targets_form import targets_tab

T = TypeVar("T")
AUDIT_PAGE_SIZE = 50
NO_ROLE = "(no access)"
ROLE_CHOICES = [NO_ROLE, *(role.value for role in Role)]


def render() -> None:
    principal = current_principal()
    if not can(principal, Permission.MANAGE_USERS):
        st.error("Only admins may open this page.")
        st.stop()
    st.title("Admin")
    users, keys_tab, audit_tab, providers, erasure, targets = st.tabs(
        ["Users", "App keys", "Audit log", "Providers", "Erase an end user", "Targets"]
    )
    with users:
        _users_tab()
    with keys_tab:
        app_keys_tab()
    with audit_tab:
        _audit_tab()
    with providers:
        _providers_tab()
    with erasure:
        _erasure_tab()
    with targets:
        targets_tab()


def _attempt(action: Callable[[Any], T]) -> T | None:
    """Run `action(session)`; a handled error is shown on the page instead of raised."""
    try:
        with session_scope(get_engine()) as session:
            return action(session)
    except BloomtuneError as exc:
        st.error(str(exc))
        return None


# -- users ---------------------------------------------------------------------------------------------


def _users_tab() -> None:
    principal = current_principal()
    _invite_form()
    users = _attempt(lambda s: accounts.list_users(session=s, principal=principal)) or []
    st.dataframe(
        [
            {
                "Email": u.email,
                "Role": u.role.value if u.role else NO_ROLE,
                "Enabled": not u.disabled,
                "Locked until (UTC)": u.locked_until,
                "Last sign-in (UTC)": u.last_login_at,
                "Password": "set" if u.has_password else "—",
            }
            for u in users
        ],
        hide_index=True,
    )
    if users:
        _change_form([u.email for u in users])


def _invite_form() -> None:
    principal = current_principal()
    with st.form("invite", clear_on_submit=True):
        st.subheader("Invite")
        email_column, role_column = st.columns(2)
        email = email_column.text_input("Email")
        role = role_column.selectbox("Role", [r.value for r in Role], index=len(Role) - 1)
        invited = st.form_submit_button("Create account")
    if not invited:
        return
    created = _attempt(lambda s: accounts.add_user(email, Role(role), session=s, principal=principal))
    if created and created.generated_password:
        st.success(
            f"Created {created.user.email} as {role}. Give them this one-time password; it is not shown again:"
        )
        st.code(created.generated_password, language=None)


def _change_form(emails: list[str]) -> None:
    principal = current_principal()
    with st.form("change"):
        st.subheader("Change an account")
        email_column, role_column = st.columns(2)
        email = email_column.selectbox("Account", emails)
        role = role_column.selectbox("New role", ROLE_CHOICES)
        set_role, disable, enable = st.columns(3)
        role_clicked = set_role.form_submit_button("Set role")
        disable_clicked = disable.form_submit_button("Disable")
        enable_clicked = enable.form_submit_button("Enable")
    new_role = None if role == NO_ROLE else Role(role)
    if role_clicked:
        _attempt(lambda s: accounts.set_role(email, new_role, session=s, principal=principal))
    elif disable_clicked or enable_clicked:
        _attempt(lambda s: accounts.set_disabled(email, disable_clicked, session=s, principal=principal))
    else:
        return
    st.rerun()


# -- audit log -----------------------------------------------------------------------------------------


def _audit_tab() -> None:
    principal = current_principal()
    actor_column, action_column, since_column, until_column, page_column = st.columns(5)
    actor = actor_column.text_input("Actor (exact)", key="audit_actor")
    action = action_column.text_input("Action (exact)", key="audit_action")
    since = since_column.date_input("From (UTC)", value=None, key="audit_since")
    until = until_column.date_input("To (UTC, inclusive)", value=None, key="audit_until")
    page = page_column.number_input("Page", min_value=1, step=1, key="audit_page")
    filters = AuditFilter(
        actor=actor.strip() or None,
        action=action.strip() or None,
        since=_midnight(since),
        until=_midnight(until, plus_days=1),
    )
    listing = _attempt(
        lambda s: list_entries(
            session=s, principal=principal, filters=filters, page=int(page), page_size=AUDIT_PAGE_SIZE
        )
    )
    if listing is None:
        return
    st.caption(f"{listing.total:,} entries · page {listing.page:,} of {listing.page_count:,} · newest first")
    st.dataframe(
        [
            {
                "Time (UTC)": e.ts,
                "Actor": e.actor,
                "Action": e.action,
                "Target": e.target,
                "Details": str(e.details),
            }
            for e in listing.entries
        ],
        hide_index=True,
    )
    st.download_button(
        "Download the filtered entries (CSV)",
        data=lambda: _attempt(lambda s: entries_csv(session=s, principal=principal, filters=filters)) or "",
        file_name="bloomtune-audit-log.csv",
        mime="text/csv",
        on_click="ignore",
    )


def _midnight(day: date | None, *, plus_days: int = 0) -> datetime | None:
    return datetime.combine(day, time()) + timedelta(days=plus_days) if isinstance(day, date) else None


# -- providers and erasure -----------------------------------------------------------------------------


def _providers_tab() -> None:
    st.caption("Keys come from the environment or `.streamlit/secrets.toml`; they are never shown here.")
    st.table(
        [
            {"Provider": name, "Configured": "yes" if ok else "no"}
            for name, ok in provider_status(get_settings()).items()
        ]
    )


def _erasure_tab() -> None:
    principal = current_principal()
    st.caption(
        "Deletes one end user's interactions, ratings, reviews and conversations. The dataset versions "
        "that contained them are marked and listed, with the models trained on them."
    )
    with st.form("erase", clear_on_submit=True):
        user_id = st.text_input("End-user id (as the app knows it)")
        confirmed = st.checkbox("I understand this cannot be undone")
        submitted = st.form_submit_button("Erase", type="primary")
    if not submitted:
        return
    if not confirmed:
        st.warning("Tick the confirmation to erase.")
        return
    report = _attempt(
        lambda s: erasure.erase_user(user_id, session=s, principal=principal, settings=get_settings())
    )
    if report is None:
        return
    st.success(f"Erased {report.interactions:,} interactions and {report.conversations:,} conversations.")
    if report.dataset_versions:
        st.warning(
            "Dataset versions that contained them (now marked): "
            + ", ".join(f"{d['name']} v{d['version']}" for d in report.dataset_versions)
        )
    if report.models:
        st.warning("Models trained on them: " + ", ".join(m["name"] for m in report.models))


render()
