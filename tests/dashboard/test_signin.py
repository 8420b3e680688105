"""Signing in with a local account: the generic refusal, pages by role, expiry, sign-out, and the refusal of
development mode on a production (PostgreSQL) database.

In: `dashboard/app.py` under AppTest, outside development mode, with accounts made by `core.accounts`.
Out: what each visitor sees.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from core import accounts
from core.accounts import SIGN_IN_REFUSED
from core.audit import utcnow
from core.auth import Principal, Role
from dashboard.signin import EXPIRED, SIGNED_IN_KEY, SignedIn
from tests.dashboard.conftest import outside_development, reload_settings
from tests.dashboard.test_app import DEV_BANNER, texts

PASSWORD = "a long enough password"
ACCOUNTS = {role: f"{role.value}@example.org" for role in Role}


@pytest.fixture
def signed_out(environ: pytest.MonkeyPatch, session: Session, admin: Principal) -> None:
    """Production-like settings (no development mode) and one local account per role."""
    outside_development(environ)
    reload_settings()
    for role, email in ACCOUNTS.items():
        accounts.add_user(email, role, session=session, principal=admin, password=PASSWORD)


def sign_in(at: AppTest, email: str, password: str = PASSWORD) -> AppTest:
    at.text_input[0].input(email)
    at.text_input[1].input(password)
    return at.button[0].click().run()


def test_a_wrong_password_shows_only_the_generic_error(app: AppTest, signed_out: None) -> None:
    at = sign_in(app.run(), ACCOUNTS[Role.REVIEWER], "wrong password!")
    assert not at.exception
    assert texts(at.error) == SIGN_IN_REFUSED
    assert [field.label for field in at.text_input] == ["Email", "Password"]
    assert not at.metric and not at.dataframe
    at = sign_in(at, "nobody@example.org", "wrong password!")
    assert texts(at.error) == SIGN_IN_REFUSED


@pytest.mark.parametrize(
    ("role", "reachable", "refused"),
    [
        (Role.ADMIN, ["views/interactions.py", "views/admin.py"], []),
        (Role.CLINICIAN, ["views/interactions.py"], ["views/admin.py"]),
        (Role.REVIEWER, ["views/interactions.py"], ["views/admin.py"]),
        (Role.VIEWER, [], ["views/interactions.py", "views/admin.py"]),
    ],
)
def test_pages_follow_the_signed_in_role(
    app: AppTest, signed_out: None, role: Role, reachable: list[str], refused: list[str]
) -> None:
    at = sign_in(app.run(), ACCOUNTS[role])
    assert not at.exception
    assert [title.value for title in at.title] == ["Overview"]
    assert f"Signed in as {ACCOUNTS[role]} ({role.value})" in texts(at.sidebar.caption)
    assert [button.label for button in at.sidebar.button] == ["Sign out"]
    assert DEV_BANNER not in texts(at.warning)
    for page in reachable:
        assert not at.switch_page(page).run().exception
    for page in refused:
        with pytest.raises(ValueError, match="registered"):
            at.switch_page(page)


def test_an_expired_session_returns_to_the_form(app: AppTest, signed_out: None) -> None:
    at = sign_in(app.run(), ACCOUNTS[Role.REVIEWER])
    assert [title.value for title in at.title] == ["Overview"]
    signed_in = at.session_state[SIGNED_IN_KEY]
    at.session_state[SIGNED_IN_KEY] = SignedIn(signed_in.principal, utcnow() - timedelta(minutes=481))
    at = at.run()
    assert EXPIRED in texts(at.info)
    assert [field.label for field in at.text_input] == ["Email", "Password"]
    assert not at.metric


def test_sign_out_returns_to_the_form(app: AppTest, signed_out: None) -> None:
    at = sign_in(app.run(), ACCOUNTS[Role.VIEWER])
    at = at.sidebar.button[0].click().run()
    assert [field.label for field in at.text_input] == ["Email", "Password"]
    assert not at.metric


def test_a_disabled_account_is_signed_out_at_once(
    app: AppTest, signed_out: None, session: Session, admin: Principal
) -> None:
    at = sign_in(app.run(), ACCOUNTS[Role.REVIEWER])
    accounts.set_disabled(ACCOUNTS[Role.REVIEWER], True, session=session, principal=admin)
    at = at.run()
    assert [field.label for field in at.text_input] == ["Email", "Password"]


def test_development_mode_is_refused_on_postgresql(app: AppTest, environ: pytest.MonkeyPatch) -> None:
    environ.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    reload_settings()
    at = app.run()
    assert not at.exception
    assert "development mode is refused on a PostgreSQL database" in texts(at.error)
    assert DEV_BANNER not in texts(at.warning) and not at.metric
    environ.setenv("DEV_MODE_FORCE", "1")
    reload_settings()
    at = app.run()
    assert "development mode is refused" not in texts(at.error)
