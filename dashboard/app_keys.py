"""The Admin page's "App keys" tab: the collector's keys — list, create (shown once), revoke.

In: the signed-in admin (from `dashboard.context`). Out: widgets; every change goes through
`core.collector.keys`, which checks the permission and writes the audit log. Keys are never shown again.
"""

from __future__ import annotations

import streamlit as st

from core.collector import keys
from core.db import get_engine, session_scope
from core.errors import BloomtuneError
from dashboard.context import current_principal


def app_keys_tab() -> None:
    principal = current_principal()
    with st.form("create_key", clear_on_submit=True):
        st.subheader("Create an app key")
        name = st.text_input("Name", help="Letters, digits, '.', '_' and '-'; e.g. ios-prod")
        created = st.form_submit_button("Create key")
    try:
        with session_scope(get_engine()) as session:
            if created:
                key = keys.create_key(name, session=session, principal=principal)
                st.success(f"Key {key.name} created. Copy it now; it is not shown again:")
                st.code(key.key, language=None)
            listed = keys.list_keys(session=session, principal=principal)
    except BloomtuneError as exc:
        st.error(str(exc))
        return
    if not listed:
        st.info("No app keys yet. The mobile app needs one to call the collector API.")
        return
    st.dataframe(
        [
            {
                "Name": k.name,
                "Created by": k.created_by,
                "Created (UTC)": k.created_at,
                "Revoked (UTC)": k.revoked_at,
            }
            for k in listed
        ],
        hide_index=True,
    )
    active = [k.name for k in listed if k.active]
    if not active:
        return
    with st.form("revoke_key"):
        st.subheader("Revoke a key")
        chosen = st.selectbox("Key", active)
        confirmed = st.checkbox("Apps using this key stop being able to send data")
        revoke = st.form_submit_button("Revoke", type="primary")
    if revoke and not confirmed:
        st.warning("Tick the box to confirm.")
    elif revoke:
        try:
            with session_scope(get_engine()) as session:
                keys.revoke_key(chosen, session=session, principal=principal)
        except BloomtuneError as exc:
            st.error(str(exc))
            return
        st.rerun()
