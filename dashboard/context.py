"""Who is signed in, resolved once per run by the entry point and read by every page.

In: the settings. Out: `resolve_principal()` — the demo admin in development mode, otherwise whoever signed in
(`dashboard.signin`), or None — and `remember_principal()` / `forget_principal()` / `current_principal()`, which carry the principal from
`app.py` to the page it runs. A page script reached without `app.py` (Streamlit's legacy `pages/` routing
on a fresh server) finds no principal and stops.
"""

from __future__ import annotations

import streamlit as st

from core.auth import DEV_ADMIN, Principal
from core.config import Settings
from dashboard.signin import signed_in_principal

_PRINCIPAL_KEY = "bloomtune_principal"


def resolve_principal(settings: Settings) -> Principal | None:
    """The principal for this visitor, or None until they sign in."""
    if settings.dev_mode:
        return DEV_ADMIN
    return signed_in_principal(settings)


def remember_principal(principal: Principal) -> None:
    st.session_state[_PRINCIPAL_KEY] = principal


def forget_principal() -> None:
    st.session_state.pop(_PRINCIPAL_KEY, None)


def current_principal() -> Principal:
    """The principal `app.py` resolved for this run; stops the page when there is none."""
    principal = st.session_state.get(_PRINCIPAL_KEY)
    if not isinstance(principal, Principal):
        st.error("Open Bloomtune from its home page to sign in.")
        st.stop()
    return principal
