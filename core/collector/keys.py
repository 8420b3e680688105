"""App keys for the collector API: created once, stored only as a SHA-256, revocable.

In: a key name, the session and the acting principal (who needs `MANAGE_API_KEYS`), or a bearer token.
Out: `create_key()` returns the plaintext key exactly once; `revoke_key()` and `list_keys()` manage them;
`authenticate()` maps a presented token to the name of a live key, or None. Every change is audited; the
audit log never holds a key, only its name.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.auth import Permission, Principal, require
from core.errors import InputError, NotFound
from core.models import ApiKey

KEY_PREFIX = "bt_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


@dataclass(frozen=True)
class CreatedKey:
    name: str
    key: str  # shown once, never stored


@dataclass(frozen=True)
class KeyInfo:
    name: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(name: str, *, session: Session, principal: Principal) -> CreatedKey:
    """A new random key under `name` (letters, digits, `_ . -`; unique, revoked names included)."""
    require(principal, Permission.MANAGE_API_KEYS)
    if not _NAME.match(name):
        raise InputError(
            "a key name is 1-100 letters, digits, '_', '.' or '-', starting with a letter or digit"
        )
    if session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise InputError(f"an API key named {name!r} already exists; pick another name")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiKey(name=name, key_hash=hash_key(key), created_by=principal.email, created_at=audit.utcnow())
    )
    audit.record(session, principal, "apikey.create", name)
    session.commit()
    return CreatedKey(name=name, key=key)


def revoke_key(name: str, *, session: Session, principal: Principal) -> KeyInfo:
    """Revoke the key `name` at once; revoking a revoked key changes nothing."""
    require(principal, Permission.MANAGE_API_KEYS)
    row = session.scalar(select(ApiKey).where(ApiKey.name == name))
    if row is None:
        raise NotFound(f"no API key named {name!r}; `bloomtune apikey list` shows them")
    if row.revoked_at is None:
        row.revoked_at = audit.utcnow()
        audit.record(session, principal, "apikey.revoke", name)
        session.commit()
    return _info(row)


def list_keys(*, session: Session, principal: Principal) -> list[KeyInfo]:
    require(principal, Permission.MANAGE_API_KEYS)
    return [_info(row) for row in session.scalars(select(ApiKey).order_by(ApiKey.name))]


def authenticate(token: str, *, session: Session) -> str | None:
    """The name of the live key whose hash matches `token`, or None (unknown, revoked or malformed)."""
    if not token.startswith(KEY_PREFIX) or len(token) > 200:
        return None
    digest = hash_key(token)
    row = session.execute(
        select(ApiKey.name, ApiKey.key_hash).where(ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None))
    ).first()
    if row is None or not hmac.compare_digest(row.key_hash, digest):
        return None
    return str(row.name)


def _info(row: ApiKey) -> KeyInfo:
    return KeyInfo(row.name, row.created_by, row.created_at, row.revoked_at)
