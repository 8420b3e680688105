"""Every core write service (and every admin-only read) against every role: exactly the roles that
`ROLE_PERMISSIONS` grants the service's permission succeed, the others get `PermissionDenied` and write nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import accounts, audit, erasure, registry, review, side_by_side
from core.auth import ROLE_PERMISSIONS, Permission, Principal, Role
from core.config import Settings
from core.demo import generate_demo
from core.errors import PermissionDenied
from core.ingest.importer import import_files
from core.models import AuditLog
from tests.conftest import SAMPLE
from tests.finetune_support import TODAY
from tests.registry_data import base_model
from tests.unit.test_review import store_interactions

TARGET = "target@example.org"
PASSWORD = "a long enough password"
Service = Callable[[Session, Principal, Settings], Any]
JUDGED_PAIR = side_by_side.Pair(
    side_by_side.Prompt([{"role": "user", "content": "q"}]),
    "model-a",
    side_by_side.Answer("answer a"),
    "model-b",
    side_by_side.Answer("answer b"),
)

SERVICES: dict[str, tuple[Permission, Service]] = {
    "import_files": (
        Permission.IMPORT_DATA,
        lambda s, p, c: import_files([SAMPLE], "auto", session=s, principal=p, settings=c),
    ),
    "generate_demo": (
        Permission.IMPORT_DATA,
        lambda s, p, c: generate_demo(session=s, principal=p, settings=c, interactions=5, seed=1),
    ),
    "add_user": (
        Permission.MANAGE_USERS,
        lambda s, p, c: accounts.add_user("new@example.org", Role.VIEWER, session=s, principal=p),
    ),
    "set_role": (
        Permission.MANAGE_USERS,
        lambda s, p, c: accounts.set_role(TARGET, Role.CLINICIAN, session=s, principal=p),
    ),
    "set_disabled": (
        Permission.MANAGE_USERS,
        lambda s, p, c: accounts.set_disabled(TARGET, True, session=s, principal=p),
    ),
    "set_password": (
        Permission.MANAGE_USERS,
        lambda s, p, c: accounts.set_password(TARGET, PASSWORD + "!", session=s, principal=p),
    ),
    "list_users": (Permission.MANAGE_USERS, lambda s, p, c: accounts.list_users(session=s, principal=p)),
    "erase_user": (
        Permission.ERASE_USER_DATA,
        lambda s, p, c: erasure.erase_user("u-100", session=s, principal=p, settings=c),
    ),
    "export_user": (
        Permission.EXPORT_USER_DATA,
        lambda s, p, c: erasure.export_user("u-100", session=s, principal=p, settings=c),
    ),
    "audit.list_entries": (
        Permission.VIEW_AUDIT_LOG,
        lambda s, p, c: audit.list_entries(session=s, principal=p),
    ),
    "audit.entries_csv": (
        Permission.VIEW_AUDIT_LOG,
        lambda s, p, c: audit.entries_csv(session=s, principal=p),
    ),
    "registry.promote": (
        Permission.MANAGE_MODELS,
        lambda s, p, c: registry.promote(
            session=s, principal=p, name=base_model(s, "m", status="candidate").name, today=TODAY
        ),
    ),
    "registry.register_model": (
        Permission.MANAGE_MODELS,
        lambda s, p, c: registry.register_model(session=s, principal=p, name="m", provider="openai"),
    ),
    "registry.retire": (
        Permission.MANAGE_MODELS,
        lambda s, p, c: registry.retire(session=s, principal=p, name=base_model(s, "m").name),
    ),
    "side_by_side.record_vote": (
        Permission.RATE,
        lambda s, p, c: side_by_side.record_vote(session=s, principal=p, pair=JUDGED_PAIR, winner="a"),
    ),
}


def _on_stored(call: Callable[[Session, Principal, list[str]], Any]) -> Service:
    """A review service run against two freshly stored interactions."""
    return lambda s, p, c: call(s, p, store_interactions(s, 2))


REVIEW_SERVICES: dict[str, tuple[Permission, Service]] = {
    "review.rate": (
        Permission.RATE,
        _on_stored(
            lambda s, p, ids: review.rate(ids[0], 4, "up", expected_version=0, session=s, principal=p)
        ),
    ),
    "review.approve": (
        Permission.REVIEW,
        _on_stored(lambda s, p, ids: review.approve(ids[0], expected_version=0, session=s, principal=p)),
    ),
    "review.reject": (
        Permission.REVIEW,
        _on_stored(lambda s, p, ids: review.reject(ids[0], expected_version=0, session=s, principal=p)),
    ),
    "review.set_ideal_answer": (
        Permission.REVIEW,
        _on_stored(
            lambda s, p, ids: review.set_ideal_answer(
                ids[0], "Better.", expected_version=0, session=s, principal=p
            )
        ),
    ),
    "review.set_notes": (
        Permission.REVIEW,
        _on_stored(
            lambda s, p, ids: review.set_notes(ids[0], "ok", expected_version=0, session=s, principal=p)
        ),
    ),
    "review.set_topics": (
        Permission.REVIEW,
        _on_stored(
            lambda s, p, ids: review.set_topics(ids[0], ["mood"], expected_version=0, session=s, principal=p)
        ),
    ),
    "review.set_clinical_verdict": (
        Permission.CLINICAL_VERDICT,
        _on_stored(
            lambda s, p, ids: review.set_clinical_verdict(
                ids[0], "unsafe", expected_version=0, session=s, principal=p
            )
        ),
    ),
    "review.bulk_set_status": (
        Permission.REVIEW,
        _on_stored(lambda s, p, ids: review.bulk_set_status(ids, "approved", session=s, principal=p)),
    ),
    "review.bulk_add_topic": (
        Permission.REVIEW,
        _on_stored(lambda s, p, ids: review.bulk_add_topic(ids, "mood", session=s, principal=p)),
    ),
}
SERVICES.update(REVIEW_SERVICES)
# Services meant for more roles than admin (the rest are admin-only).
SHARED_WITH = {name: {Role.ADMIN, Role.CLINICIAN, Role.REVIEWER} for name in REVIEW_SERVICES}
SHARED_WITH["review.set_clinical_verdict"] = {Role.ADMIN, Role.CLINICIAN}
SHARED_WITH["side_by_side.record_vote"] = {Role.ADMIN, Role.REVIEWER, Role.CLINICIAN}


def audit_rows(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditLog)) or 0


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("name", list(SERVICES))
def test_exactly_the_granted_roles_succeed(
    session: Session, settings: Settings, admin: Principal, name: str, role: Role
) -> None:
    accounts.add_user(TARGET, Role.REVIEWER, session=session, principal=admin, password=PASSWORD)
    before = audit_rows(session)
    permission, service = SERVICES[name]
    principal = Principal(f"{role.value}@example.org", role)
    if permission in ROLE_PERMISSIONS[role]:
        service(session, principal, settings)
    else:
        with pytest.raises(PermissionDenied):
            service(session, principal, settings)
        session.rollback()
        assert audit_rows(session) == before


def test_the_matrix_grants_each_service_to_someone_besides_admin_only_where_intended() -> None:
    granted = {name: {r for r in Role if perm in ROLE_PERMISSIONS[r]} for name, (perm, _) in SERVICES.items()}
    assert all(roles == SHARED_WITH.get(name, {Role.ADMIN}) for name, roles in granted.items())
