"""End users' privacy rights on SQLite: export and erasure (the scenario is shared with PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from core.auth import Principal, Role
from core.config import Settings
from core.erasure import erase_user, export_user
from core.errors import InputError, PermissionDenied
from tests import erasure_scenarios


def test_export_and_erase_one_user(session: Session, settings: Settings, admin: Principal) -> None:
    erasure_scenarios.export_and_erase(session, settings, admin)


def test_an_empty_id_is_refused(session: Session, settings: Settings, admin: Principal) -> None:
    with pytest.raises(InputError, match="id is required"):
        erase_user("  ", session=session, principal=admin, settings=settings)


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.CLINICIAN, Role.VIEWER])
def test_only_admins_may_export_or_erase(session: Session, settings: Settings, role: Role) -> None:
    someone = Principal("someone@example.org", role)
    with pytest.raises(PermissionDenied):
        erase_user("u1", session=session, principal=someone, settings=settings)
    with pytest.raises(PermissionDenied):
        export_user("u1", session=session, principal=someone, settings=settings)
