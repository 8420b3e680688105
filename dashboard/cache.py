"""Short-lived reuse of the heavy aggregates between page views.

In: a name for the figure (with its parameters), the principal and the permission the figure needs, and a
function computing it from a session. Out: the figure — recomputed by the database at most once every
`DASHBOARD_CACHE_SECONDS` per database, reused in between (0 recomputes on every view). The permission is
checked on every call, cached or not. Call `forget()` after a write that changes what the figures show.

Success metrics, experiment analyses, engagement cohorts and costs scan weeks of interactions; on a
million rows that takes seconds, which is worth paying once per window rather than on every click.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy.orm import Session

from core.auth import Permission, Principal, require
from core.config import get_settings
from core.db import get_engine, session_scope

T = TypeVar("T")


def reuse(name: str, principal: Principal, permission: Permission, compute: Callable[[Session], T]) -> T:
    require(principal, permission)
    settings = get_settings()
    if settings.dashboard_cache_seconds <= 0:
        return _compute(compute)
    window = int(time.time() // settings.dashboard_cache_seconds)
    result: T = _reused(name, settings.database_url, window, _compute=lambda: _compute(compute))
    return result


def forget() -> None:
    """Drop every reused figure (after a write), so the next view recomputes."""
    _reused.clear()


def _compute(compute: Callable[[Session], T]) -> T:
    with session_scope(get_engine()) as session:
        return compute(session)


@st.cache_data(show_spinner="Computing figures…", max_entries=128)
def _reused(name: str, database_url: str, window: int, _compute: Callable[[], Any]) -> Any:
    return _compute()
