"""Local accounts: argon2 hashes, one generic refusal, lockout and its window, roles and their audit trail."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import accounts
from core.accounts import SIGN_IN_REFUSED
from core.auth import SYSTEM_ACTOR, Principal, Role
from core.config import Settings
from core.errors import AuthenticationFailed, InputError, PermissionDenied
from core.models import AppUser, AuditLog

NOW = datetime(2026, 11, 2, 9, 0)
PASSWORD = "correct horse battery"


@pytest.fixture
def reviewer(session: Session, admin: Principal) -> str:
    accounts.add_user("Rita@Example.org ", Role.REVIEWER, session=session, principal=admin, password=PASSWORD)
    return "rita@example.org"


def sign_in(session: Session, settings: Settings, password: str, now: datetime = NOW) -> Principal:
    return accounts.authenticate("rita@example.org", password, session=session, settings=settings, now=now)


def actions(session: Session) -> list[tuple[str, str, str | None]]:
    rows = session.scalars(select(AuditLog).order_by(AuditLog.id))
    return [(row.actor, row.action, row.target) for row in rows]


def test_passwords_are_stored_as_argon2_hashes(session: Session, reviewer: str) -> None:
    stored = session.scalars(select(AppUser.password_hash).where(AppUser.email == reviewer)).one()
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored
    assert accounts.verify_password(stored, PASSWORD)
    assert not accounts.verify_password(stored, PASSWORD + "!")
    assert not accounts.verify_password("not a hash", PASSWORD)


def test_emails_are_normalised_and_duplicates_refused(
    session: Session, admin: Principal, reviewer: str
) -> None:
    with pytest.raises(InputError, match="already exists"):
        accounts.add_user(
            "RITA@example.org", Role.VIEWER, session=session, principal=admin, password=PASSWORD
        )
    with pytest.raises(InputError, match="not an email"):
        accounts.add_user("nobody", Role.VIEWER, session=session, principal=admin, password=PASSWORD)
    with pytest.raises(InputError, match="at least"):
        accounts.add_user("v@example.org", Role.VIEWER, session=session, principal=admin, password="short")


def test_a_generated_password_is_returned_once_and_works(
    session: Session, settings: Settings, admin: Principal
) -> None:
    created = accounts.add_user("v@example.org", Role.VIEWER, session=session, principal=admin)
    assert created.generated_password and len(created.generated_password) >= 20
    principal = accounts.authenticate(
        "V@example.org", created.generated_password, session=session, settings=settings, now=NOW
    )
    assert principal == Principal("v@example.org", Role.VIEWER)


def test_sign_in_succeeds_and_is_audited(session: Session, settings: Settings, reviewer: str) -> None:
    assert sign_in(session, settings, PASSWORD) == Principal(reviewer, Role.REVIEWER)
    assert (reviewer, "user.sign_in", reviewer) in actions(session)
    user = session.scalars(select(AppUser).where(AppUser.email == reviewer)).one()
    assert user.last_login_at == NOW


@pytest.mark.parametrize("email", ["rita@example.org", "unknown@example.org", "not-an-email"])
def test_every_refusal_says_the_same(session: Session, settings: Settings, reviewer: str, email: str) -> None:
    with pytest.raises(AuthenticationFailed) as refused:
        accounts.authenticate(email, "wrong password!", session=session, settings=settings, now=NOW)
    assert str(refused.value) == SIGN_IN_REFUSED


def test_lockout_after_repeated_failures_and_unlock_after_the_window(
    session: Session, settings: Settings, reviewer: str
) -> None:
    for attempt in range(settings.login_max_failures):
        with pytest.raises(AuthenticationFailed):
            sign_in(session, settings, "wrong password!", NOW + timedelta(seconds=attempt))
    assert (SYSTEM_ACTOR, "user.locked", reviewer) in actions(session)
    with pytest.raises(AuthenticationFailed, match="locked"):
        sign_in(session, settings, PASSWORD, NOW + timedelta(minutes=settings.login_lockout_minutes - 1))
    after = NOW + timedelta(minutes=settings.login_lockout_minutes, seconds=settings.login_max_failures)
    assert sign_in(session, settings, PASSWORD, after).role is Role.REVIEWER


def test_a_success_resets_the_failure_count(session: Session, settings: Settings, reviewer: str) -> None:
    for _ in range(settings.login_max_failures - 1):
        with pytest.raises(AuthenticationFailed):
            sign_in(session, settings, "wrong password!")
    sign_in(session, settings, PASSWORD)
    with pytest.raises(AuthenticationFailed):
        sign_in(session, settings, "wrong password!")
    assert sign_in(session, settings, PASSWORD).email == reviewer  # one failure does not lock


def test_disabled_and_role_less_accounts_cannot_sign_in(
    session: Session, settings: Settings, admin: Principal, reviewer: str
) -> None:
    accounts.set_disabled(reviewer, True, session=session, principal=admin)
    with pytest.raises(AuthenticationFailed, match="Wrong email or password"):
        sign_in(session, settings, PASSWORD)
    accounts.set_disabled(reviewer, False, session=session, principal=admin)
    accounts.set_role(reviewer, None, session=session, principal=admin)
    with pytest.raises(AuthenticationFailed):
        sign_in(session, settings, PASSWORD)


def test_session_expiry_helper() -> None:
    assert not accounts.session_expired(NOW, NOW + timedelta(minutes=479), 480)
    assert accounts.session_expired(NOW, NOW + timedelta(minutes=480), 480)


def test_role_and_password_changes_are_audited(
    session: Session, settings: Settings, admin: Principal, reviewer: str
) -> None:
    info = accounts.set_role(reviewer, Role.CLINICIAN, session=session, principal=admin)
    assert info.role is Role.CLINICIAN
    accounts.set_role(reviewer, Role.CLINICIAN, session=session, principal=admin)  # no change, no entry
    accounts.set_password(reviewer, "another long password", session=session, principal=admin)
    assert sign_in(session, settings, "another long password").role is Role.CLINICIAN
    log = [(actor, action) for actor, action, target in actions(session) if target == reviewer]
    assert log == [
        (admin.email, "user.add"),
        (admin.email, "user.set_role"),
        (admin.email, "user.set_password"),
        (reviewer, "user.sign_in"),
    ]
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "user.set_role")).one()
    assert entry.details == {"before": "reviewer", "after": "clinician"}
    assert "another long password" not in str([e.details for e in session.scalars(select(AuditLog))])


def test_the_last_admin_cannot_be_demoted_or_disabled(session: Session, admin: Principal) -> None:
    accounts.add_user("boss@example.org", Role.ADMIN, session=session, principal=admin, password=PASSWORD)
    with pytest.raises(InputError, match="last enabled admin"):
        accounts.set_role("boss@example.org", Role.VIEWER, session=session, principal=admin)
    with pytest.raises(InputError, match="last enabled admin"):
        accounts.set_disabled("boss@example.org", True, session=session, principal=admin)


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.CLINICIAN, Role.VIEWER])
def test_non_admins_are_refused(session: Session, admin: Principal, reviewer: str, role: Role) -> None:
    someone = Principal("someone@example.org", role)
    with pytest.raises(PermissionDenied):
        accounts.add_user("x@example.org", Role.ADMIN, session=session, principal=someone, password=PASSWORD)
    with pytest.raises(PermissionDenied):
        accounts.set_role(reviewer, Role.ADMIN, session=session, principal=someone)
    with pytest.raises(PermissionDenied):
        accounts.set_disabled(reviewer, True, session=session, principal=someone)
    with pytest.raises(PermissionDenied):
        accounts.set_password(reviewer, "a long new password", session=session, principal=someone)
    with pytest.raises(PermissionDenied):
        accounts.list_users(session=session, principal=someone)


def test_an_unknown_oidc_email_gets_a_role_less_account(session: Session, admin: Principal) -> None:
    assert accounts.principal_for_email("New@Example.org", session=session) is None
    assert (SYSTEM_ACTOR, "user.first_sign_in", "new@example.org") in actions(session)
    assert accounts.principal_for_email("new@example.org", session=session) is None  # still no access
    accounts.set_role("new@example.org", Role.VIEWER, session=session, principal=admin)
    assert accounts.principal_for_email("new@example.org", session=session) == Principal(
        "new@example.org", Role.VIEWER
    )
    assert len([a for a in actions(session) if a[1] == "user.first_sign_in"]) == 1
