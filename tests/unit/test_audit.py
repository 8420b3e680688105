"""The audit log: filters are bound parameters, so SQL metacharacters are only text."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from core import audit
from core.audit import AuditFilter, list_entries
from core.auth import Principal

HOSTILE = [
    "' OR '1'='1",
    "x'; DROP TABLE audit_log; --",
    '" OR ""="',
    "%",
    "_",
    "\\",
    "admin@example.org' --",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_sql_metacharacters_in_filters_match_nothing_and_harm_nothing(
    session: Session, admin: Principal, text: str
) -> None:
    audit.record(session, admin, "import", "sample.jsonl", read=9)
    session.commit()
    assert list_entries(session=session, principal=admin, filters=AuditFilter(actor=text)).total == 0
    assert list_entries(session=session, principal=admin, filters=AuditFilter(action=text)).total == 0
    everything = list_entries(session=session, principal=admin)
    assert everything.total == 1 and everything.entries[0].target == "sample.jsonl"
