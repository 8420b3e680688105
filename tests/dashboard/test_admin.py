"""The Admin page: accounts, the audit log, providers (never their keys) and erasure with confirmation.

In: `dashboard/app.py` under AppTest in development mode (the demo admin) against the per-test database.
Out: what the page shows and what its controls change.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from core import accounts
from core.audit import utcnow
from core.auth import Principal, Role
from core.config import get_settings
from core.models import AuditLog, Interaction
from tests.dashboard.conftest import Store, make_records, reload_settings
from tests.dashboard.test_app import texts

ADMIN_PAGE = "views/admin.py"
PLANTED = "sk-PLANTED-123"


def by_label(elements: Any, label: str) -> Any:
    return next(element for element in elements if element.label == label)


def rendered(at: AppTest) -> str:
    """Every element the run produced, serialised: what a browser would receive."""

    def walk(node: Any) -> Iterator[str]:
        proto = getattr(node, "proto", None)
        if proto is not None:
            yield str(proto)
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    return "\n".join(walk(at._tree))


@pytest.fixture
def admin_page(app: AppTest) -> AppTest:
    at = app.switch_page(ADMIN_PAGE).run()
    assert not at.exception
    assert [title.value for title in at.title] == ["Admin"]
    return at


def test_invite_shows_a_one_time_password_and_lists_the_account(
    admin_page: AppTest, session: Session
) -> None:
    at = admin_page
    by_label(at.text_input, "Email").input("New.Person@example.org")
    by_label(at.selectbox, "Role").select("reviewer")
    at = by_label(at.button, "Create account").click().run()
    assert not at.exception
    [code] = at.code
    assert len(code.value) >= 20
    principal = accounts.authenticate(
        "new.person@example.org", code.value, session=session, settings=get_settings(), now=utcnow()
    )
    assert principal.role is Role.REVIEWER
    assert "new.person@example.org" in str(at.dataframe[0].value)
    at = at.run()
    assert not at.code  # shown once


def test_role_change_and_disable_from_the_page(
    admin_page: AppTest, session: Session, admin: Principal
) -> None:
    accounts.add_user("v@example.org", Role.VIEWER, session=session, principal=admin, password="x" * 12)
    at = admin_page.run()
    by_label(at.selectbox, "Account").select("v@example.org")
    by_label(at.selectbox, "New role").select("clinician")
    at = by_label(at.button, "Set role").click().run()
    at = by_label(at.button, "Disable").click().run()
    assert not at.exception
    users = {u.email: u for u in accounts.list_users(session=session, principal=admin)}
    assert users["v@example.org"].role is Role.CLINICIAN and users["v@example.org"].disabled
    actions = set(session.scalars(select(AuditLog.action).where(AuditLog.target == "v@example.org")))
    assert {"user.set_role", "user.disable"} <= actions


def test_the_audit_log_is_filtered_and_paged(admin_page: AppTest, session: Session, admin: Principal) -> None:
    for i in range(3):
        accounts.add_user(
            f"u{i}@example.org", Role.VIEWER, session=session, principal=admin, password="x" * 12
        )
    at = admin_page.run()
    assert "3 entries · page 1 of 1" in texts(at.caption)
    by_label(at.text_input, "Action (exact)").input("nothing.like.this")
    at = at.run()
    assert "0 entries" in texts(at.caption)
    assert [b.label for b in at.get("download_button")] == ["Download the filtered entries (CSV)"]


def test_erasure_needs_the_confirmation(admin_page: AppTest, store: Store, session: Session) -> None:
    store(make_records(6))
    at = admin_page
    by_label(at.text_input, "End-user id (as the app knows it)").input("user-0")
    at = by_label(at.button, "Erase").click().run()
    assert "Tick the confirmation" in texts(at.warning)
    assert len(session.scalars(select(Interaction.id)).all()) == 6
    by_label(at.text_input, "End-user id (as the app knows it)").input("user-0")
    by_label(at.checkbox, "I understand this cannot be undone").check()
    at = by_label(at.button, "Erase").click().run()
    assert "Erased 2 interactions" in texts(at.success)  # user-0 asked questions 0 and 3
    assert session.scalars(select(Interaction.id).order_by(Interaction.id)).all() == [
        f"r-{i:04d}" for i in (1, 2, 4, 5)
    ]


def test_a_planted_provider_key_never_shows(
    app: AppTest,
    store: Store,
    environ: pytest.MonkeyPatch,
    session: Session,
    admin: Principal,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    environ.setenv("OPENAI_API_KEY", PLANTED)
    reload_settings()
    store(make_records(3))
    accounts.add_user("someone@example.org", Role.VIEWER, session=session, principal=admin, password="x" * 12)
    at = app.switch_page(ADMIN_PAGE).run()
    assert not at.exception
    assert {"Provider": "OpenAI", "Configured": "yes"} in at.table[0].value.to_dict("records")
    for page in ("views/overview.py", "views/interactions.py", ADMIN_PAGE):
        output = rendered(at.switch_page(page).run())
        assert "PLANTED" not in output
    assert "PLANTED" not in caplog.text
    audit = session.execute(select(AuditLog.actor, AuditLog.action, AuditLog.target, AuditLog.details)).all()
    assert audit and "PLANTED" not in str(audit)


def test_app_key_is_shown_once_then_revoked(admin_page: AppTest, session: Session, admin: Principal) -> None:
    from core.collector import keys

    at = admin_page
    by_label(at.text_input, "Name").input("ios-prod")
    at = by_label(at.button, "Create key").click().run()
    assert not at.exception
    [code] = at.code
    assert keys.authenticate(code.value, session=session) is not None
    at = at.run()
    assert not at.code  # shown once
    by_label(at.checkbox, "Apps using this key stop being able to send data").check()
    at = by_label(at.button, "Revoke").click().run()
    assert not at.exception
    session.expire_all()
    assert keys.authenticate(code.value, session=session) is None
    assert [k.active for k in keys.list_keys(session=session, principal=admin)] == [False]
