"""Reuse of heavy figures between page views: reused within the window, permission checked every time."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from core import config
from core.auth import Permission, Principal, Role
from core.errors import PermissionDenied
from dashboard.cache import forget, reuse

ADMIN = Principal("admin@example.org", Role.ADMIN)
VIEWER = Principal("viewer@example.org", Role.VIEWER)


def test_figures_are_reused_until_forgotten(app_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_CACHE_SECONDS", "3600")
    config.get_settings.cache_clear()
    forget()
    calls: list[int] = []

    def compute(session: Session) -> int:
        calls.append(1)
        return len(calls)

    assert reuse("figure", ADMIN, Permission.VIEW_METRICS, compute) == 1
    assert reuse("figure", VIEWER, Permission.VIEW_METRICS, compute) == 1
    with pytest.raises(PermissionDenied):
        reuse("figure", VIEWER, Permission.VIEW_INTERACTIONS, compute)
    forget()
    assert reuse("figure", ADMIN, Permission.VIEW_METRICS, compute) == 2


def test_zero_seconds_recomputes_every_time(app_env: str) -> None:
    calls: list[int] = []

    def compute(session: Session) -> int:
        calls.append(1)
        return len(calls)

    assert [reuse("figure", ADMIN, Permission.VIEW_METRICS, compute) for _ in range(3)] == [1, 2, 3]
