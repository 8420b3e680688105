"""Signing in and out of the console: local accounts (a password form) or OIDC (`st.login`).

In: the settings, the visitor's session state and, for OIDC, `st.user` (when `.streamlit/secrets.toml` has an
`[auth]` section). Out: `signed_in_principal()` — the principal of a live sign-in, re-read from the database
every run so that a role change or a disabled account applies at once — `show_sign_in()`, which renders the
form (or the OIDC button, or "no access yet") and `sign_out_button()` for the sidebar.

The password check, the generic refusal and the lockout live in `core.accounts`; this module only keeps
(principal, signed-in time) in the session state and forgets it after `SESSION_TTL_MINUTES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import streamlit as st

from core.accounts import active_principal, authenticate, principal_for_email, session_expired
from core.audit import utcnow
from core.auth import Principal
from core.config import Settings
from core.db import get_engine, session_scope
from core.errors import AuthenticationFailed

SIGNED_IN_KEY = "bloomtune_signed_in"
EXPIRED_KEY = "bloomtune_session_expired"
EXPIRED = "Your session has expired; please sign in again."
NO_ACCESS = "No access yet — ask an admin to give {email} a role."


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    at: datetime


def oidc_configured() -> bool:
    """Whether `.streamlit/secrets.toml` configures an OIDC provider (an `[auth]` section)."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all means "not configured"
        return False


def signed_in_principal(settings: Settings) -> Principal | None:
    """The visitor's principal, or None when they must (still or again) sign in."""
    if oidc_configured():
        return _oidc_principal()
    signed_in = st.session_state.get(SIGNED_IN_KEY)
    if not isinstance(signed_in, SignedIn):
        return None
    if session_expired(signed_in.at, utcnow(), settings.session_ttl_minutes):
        forget_sign_in()
        st.session_state[EXPIRED_KEY] = True
        return None
    with session_scope(get_engine()) as session:
        principal = active_principal(signed_in.principal.email, session=session)
    if principal is None:
        forget_sign_in()
    return principal


def _oidc_principal() -> Principal | None:
    if not st.user.is_logged_in:
        return None
    email = st.user.get("email")
    if not isinstance(email, str) or not email:
        return None
    with session_scope(get_engine()) as session:
        return principal_for_email(email, session=session)


def show_sign_in(settings: Settings) -> None:
    """The sign-in screen for whoever has no principal yet."""
    st.title("Bloomtune")
    if oidc_configured():
        _oidc_sign_in()
    else:
        _password_form(settings)


def _oidc_sign_in() -> None:
    if st.user.is_logged_in:  # vouched for by the provider, but no role here (yet)
        st.info(NO_ACCESS.format(email=st.user.get("email") or "your account"))
        st.button("Sign out", on_click=st.logout)
        return
    st.write("Sign in with your organisation's account.")
    st.button("Sign in", type="primary", on_click=st.login)


def _password_form(settings: Settings) -> None:
    if st.session_state.pop(EXPIRED_KEY, False):
        st.info(EXPIRED)
    with st.form("sign_in", clear_on_submit=True):
        email = st.text_input("Email", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    try:
        with session_scope(get_engine()) as session:
            principal = authenticate(email, password, session=session, settings=settings, now=utcnow())
    except AuthenticationFailed as exc:
        st.error(str(exc))
        return
    st.session_state[SIGNED_IN_KEY] = SignedIn(principal, utcnow())
    st.rerun()


def forget_sign_in() -> None:
    st.session_state.pop(SIGNED_IN_KEY, None)


def sign_out_button() -> None:
    """A sidebar button that ends the sign-in (and the provider's session, with OIDC)."""
    st.sidebar.button("Sign out", on_click=_sign_out, icon=":material/logout:")


def _sign_out() -> None:
    forget_sign_in()
    if oidc_configured():
        st.logout()
