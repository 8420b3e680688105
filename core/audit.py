"""The audit log: one row per write, saying who did what to which target and when.

In: the acting `Principal`, an action name, a target and a small JSON-able summary.
Out: an `AuditLog` row added to the caller's session (committed with the write it describes).
Never pass secrets or message text in `details`: summaries only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from core.auth import Principal
from core.models import AuditLog


def utcnow() -> datetime:
    """Naive UTC now, the form every timestamp column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def record(
    session: Session, principal: Principal, action: str, target: str | None, **details: Any
) -> AuditLog:
    entry = AuditLog(ts=utcnow(), actor=principal.email, action=action, target=target, details=details)
    session.add(entry)
    return entry
