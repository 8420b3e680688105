"""The audit log: one row per write, saying who did what to which target and when — and how to read it back.

In: the acting `Principal` (or `SYSTEM_ACTOR` for writes nobody asked for), an action name, a target and a
small JSON-able summary. Out: `record()` adds an `AuditLog` row to the caller's session (committed with the
write it describes); `list_entries()` returns one filtered page, newest first, and `entries_csv()` the
filtered entries as CSV text — both computed by the database and allowed only to `VIEW_AUDIT_LOG`.
Never pass secrets, raw end-user ids or message text in `details`: summaries only.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from core.auth import Permission, Principal, require
from core.errors import InputError
from core.models import AuditLog

MAX_PAGE_SIZE = 500
MAX_CSV_ROWS = 100_000
CSV_COLUMNS = ("ts", "actor", "action", "target", "details")


def utcnow() -> datetime:
    """Naive UTC now, the form every timestamp column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def record(
    session: Session, principal: Principal | str, action: str, target: str | None, **details: Any
) -> AuditLog:
    actor = principal if isinstance(principal, str) else principal.email
    entry = AuditLog(ts=utcnow(), actor=actor, action=action, target=target, details=details)
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to read: every field is optional; `until` is exclusive."""

    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditEntry:
    ts: datetime
    actor: str
    action: str
    target: str | None
    details: dict[str, Any]


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    page_size: int

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.page_size))


def list_entries(
    *,
    session: Session,
    principal: Principal,
    filters: AuditFilter = AuditFilter(),
    page: int = 1,
    page_size: int = 50,
) -> AuditPage:
    """One page of the entries matching `filters`, newest first, with the total that match."""
    require(principal, Permission.VIEW_AUDIT_LOG)
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InputError(f"page size must be between 1 and {MAX_PAGE_SIZE}")
    page = max(1, page)
    statement = _filtered(select(AuditLog), filters)
    total = session.scalar(_filtered(select(func.count()).select_from(AuditLog), filters)) or 0
    rows = session.scalars(
        statement.order_by(AuditLog.ts.desc(), AuditLog.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return AuditPage([_entry(row) for row in rows], total, page, page_size)


def entries_csv(*, session: Session, principal: Principal, filters: AuditFilter = AuditFilter()) -> str:
    """The entries matching `filters` (newest first, at most `MAX_CSV_ROWS`) as CSV text with a header."""
    require(principal, Permission.VIEW_AUDIT_LOG)
    statement = (
        _filtered(select(AuditLog), filters)
        .order_by(AuditLog.ts.desc(), AuditLog.id.desc())
        .limit(MAX_CSV_ROWS)
        .execution_options(yield_per=MAX_PAGE_SIZE)
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in session.scalars(statement):
        details = orjson.dumps(row.details, default=str).decode()
        writer.writerow([row.ts.isoformat(sep=" "), row.actor, row.action, row.target or "", details])
    return out.getvalue()


def _filtered(statement: Select[Any], filters: AuditFilter) -> Select[Any]:
    if filters.actor:
        statement = statement.where(AuditLog.actor == filters.actor)
    if filters.action:
        statement = statement.where(AuditLog.action == filters.action)
    if filters.since is not None:
        statement = statement.where(AuditLog.ts >= filters.since)
    if filters.until is not None:
        statement = statement.where(AuditLog.ts < filters.until)
    return statement


def _entry(row: AuditLog) -> AuditEntry:
    return AuditEntry(ts=row.ts, actor=row.actor, action=row.action, target=row.target, details=row.details)
