"""Local accounts and the sign-in check (DESIGN.md §8).

In: emails, roles and passwords from an admin (CLI or Admin page), a sign-in attempt from the dashboard, or
an email vouched for by the OIDC provider. Out: `AppUser` rows holding argon2 hashes (never the password),
`UserInfo` summaries, and the `Principal` a successful sign-in yields.

Every change is audited and allowed only to `MANAGE_USERS`. `authenticate()` raises `AuthenticationFailed`
with one generic message whatever the cause (unknown email, wrong password, lock, disabled or role-less
account), counts wrong passwords and locks the account for `LOGIN_LOCKOUT_MINUTES` after
`LOGIN_MAX_FAILURES` in a row. An email the OIDC provider signs in for the first time gets a role-less
account: no access until an admin gives it a role.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.auth import SYSTEM_ACTOR, Permission, Principal, Role, require
from core.config import Settings
from core.errors import AuthenticationFailed, InputError
from core.models import AppUser

SIGN_IN_REFUSED = "Wrong email or password, or the account is locked."
MIN_PASSWORD_LENGTH = 12
MAX_USERS_LISTED = 500

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))  # verified against when the email is unknown


@dataclass(frozen=True)
class UserInfo:
    """What an admin may see of an account (never the hash)."""

    id: int
    email: str
    role: Role | None
    disabled: bool
    locked_until: datetime | None
    created_at: datetime
    last_login_at: datetime | None
    has_password: bool


@dataclass(frozen=True)
class NewUser:
    user: UserInfo
    generated_password: str | None  # set only when the service made one up: show it once, store it nowhere


# -- helpers -----------------------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A random password of 20 URL-safe characters (about 120 bits)."""
    return secrets.token_urlsafe(15)


def normalise_email(email: str) -> str:
    cleaned = email.strip().lower()
    local, _, domain = cleaned.partition("@")
    if not local or not domain or " " in cleaned:
        raise InputError(f"not an email address: {email!r}")
    return cleaned


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise InputError(f"unknown role {value!r}: use one of {', '.join(r.value for r in Role)}") from None


def session_expired(signed_in_at: datetime, now: datetime, ttl_minutes: int) -> bool:
    """Whether a sign-in made at `signed_in_at` has outlived `ttl_minutes` at `now`."""
    return now >= signed_in_at + timedelta(minutes=ttl_minutes)


def _check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def _info(user: AppUser) -> UserInfo:
    return UserInfo(
        id=user.id,
        email=user.email,
        role=Role(user.role) if user.role else None,
        disabled=user.disabled,
        locked_until=user.locked_until,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
        has_password=user.password_hash is not None,
    )


def _find(session: Session, email: str) -> AppUser | None:
    return session.scalars(select(AppUser).where(AppUser.email == normalise_email(email))).first()


def _get(session: Session, email: str) -> AppUser:
    user = _find(session, email)
    if user is None:
        raise InputError(f"no account for {normalise_email(email)}")
    return user


def _keep_an_admin(session: Session, user: AppUser) -> None:
    """Refuse a change that would leave no enabled admin (nobody could manage accounts any more)."""
    if user.role != Role.ADMIN.value or user.disabled:
        return
    admins = session.scalar(
        select(func.count()).where(AppUser.role == Role.ADMIN.value, AppUser.disabled.is_(False))
    )
    if (admins or 0) <= 1:
        raise InputError(f"{user.email} is the last enabled admin; make another admin first")


# -- admin services ----------------------------------------------------------------------------------------


def list_users(*, session: Session, principal: Principal) -> list[UserInfo]:
    """Every account (at most `MAX_USERS_LISTED`), by email."""
    require(principal, Permission.MANAGE_USERS)
    rows = session.scalars(select(AppUser).order_by(AppUser.email).limit(MAX_USERS_LISTED))
    return [_info(user) for user in rows]


def add_user(
    email: str, role: Role, *, session: Session, principal: Principal, password: str | None = None
) -> NewUser:
    """Create a local account; without `password`, one is generated and returned once."""
    require(principal, Permission.MANAGE_USERS)
    address = normalise_email(email)
    if _find(session, address) is not None:
        raise InputError(f"an account for {address} already exists")
    generated = None
    if password is None:
        password = generated = generate_password()
    _check_password_strength(password)
    user = AppUser(
        email=address,
        role=role.value,
        password_hash=hash_password(password),
        disabled=False,
        failed_logins=0,
        created_at=audit.utcnow(),
    )
    session.add(user)
    session.flush()
    audit.record(session, principal, "user.add", address, role=role.value)
    session.commit()
    return NewUser(_info(user), generated)


def set_role(email: str, role: Role | None, *, session: Session, principal: Principal) -> UserInfo:
    """Give the account `role`, or take every role away with None."""
    require(principal, Permission.MANAGE_USERS)
    user = _get(session, email)
    before = user.role
    if before != (role.value if role else None):
        if role is not Role.ADMIN:
            _keep_an_admin(session, user)
        user.role = role.value if role else None
        audit.record(session, principal, "user.set_role", user.email, before=before, after=user.role)
        session.commit()
    return _info(user)


def set_disabled(email: str, disabled: bool, *, session: Session, principal: Principal) -> UserInfo:
    """Disable (no sign-in at all) or re-enable an account."""
    require(principal, Permission.MANAGE_USERS)
    user = _get(session, email)
    if user.disabled != disabled:
        if disabled:
            _keep_an_admin(session, user)
        user.disabled = disabled
        audit.record(session, principal, "user.disable" if disabled else "user.enable", user.email)
        session.commit()
    return _info(user)


def set_password(email: str, password: str, *, session: Session, principal: Principal) -> UserInfo:
    """Replace the account's password; also lifts a lock."""
    require(principal, Permission.MANAGE_USERS)
    _check_password_strength(password)
    user = _get(session, email)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    audit.record(session, principal, "user.set_password", user.email)
    session.commit()
    return _info(user)


# -- sign-in -----------------------------------------------------------------------------------------------


def authenticate(
    email: str, password: str, *, session: Session, settings: Settings, now: datetime
) -> Principal:
    """The principal for a correct email and password; `AuthenticationFailed` for anything else."""
    try:
        user = _find(session, email)
    except InputError:
        user = None
    if user is None:
        verify_password(_DUMMY_HASH, password)  # the same work as for a known email
        raise AuthenticationFailed(SIGN_IN_REFUSED)
    if user.locked_until is not None and now < user.locked_until:
        raise AuthenticationFailed(SIGN_IN_REFUSED)
    if user.password_hash is None or not verify_password(user.password_hash, password):
        _count_failure(session, user, settings, now)
        raise AuthenticationFailed(SIGN_IN_REFUSED)
    principal = _principal_if_allowed(user)
    if principal is None:
        raise AuthenticationFailed(SIGN_IN_REFUSED)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record(session, user.email, "user.sign_in", user.email, method="password")
    session.commit()
    return principal


def _count_failure(session: Session, user: AppUser, settings: Settings, now: datetime) -> None:
    user.failed_logins += 1
    if user.failed_logins >= settings.login_max_failures:
        user.locked_until = now + timedelta(minutes=settings.login_lockout_minutes)
        user.failed_logins = 0
        audit.record(session, SYSTEM_ACTOR, "user.locked", user.email, minutes=settings.login_lockout_minutes)
    session.commit()


def active_principal(email: str, *, session: Session) -> Principal | None:
    """The principal of an existing account as it stands now; None when it is gone, disabled or role-less."""
    user = _find(session, email)
    return _principal_if_allowed(user) if user is not None else None


def _principal_if_allowed(user: AppUser) -> Principal | None:
    if user.disabled or user.role is None:
        return None
    return Principal(email=user.email, role=Role(user.role))


def principal_for_email(email: str, *, session: Session) -> Principal | None:
    """The principal for an email the OIDC provider vouched for; None while it has no access.

    The first sign-in of an unknown email creates a role-less account (audited as the system), so an
    admin can find it and grant a role.
    """
    address = normalise_email(email)
    user = _find(session, address)
    if user is None:
        session.add(
            AppUser(email=address, role=None, disabled=False, failed_logins=0, created_at=audit.utcnow())
        )
        audit.record(session, SYSTEM_ACTOR, "user.first_sign_in", address, method="oidc")
        session.commit()
        return None
    return _principal_if_allowed(user)
