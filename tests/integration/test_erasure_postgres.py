"""End users' privacy rights on a real PostgreSQL: the same scenario as on SQLite."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.auth import Principal
from core.config import Settings
from tests import erasure_scenarios


def test_export_and_erase_one_user_on_postgres(
    pg_session: Session, pg_settings: Settings, admin: Principal
) -> None:
    erasure_scenarios.export_and_erase(pg_session, pg_settings, admin)
