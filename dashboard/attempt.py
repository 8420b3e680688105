"""Run one core service for a page, turning a handled error into a message on the page.

In: a function of a fresh session. Out: its result, or None after `st.error` showed the `BloomtuneError`'s
message (a refused permission, bad input, a missing setting…); bugs still raise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st
from sqlalchemy.orm import Session

from core.db import get_engine, session_scope
from core.errors import BloomtuneError

T = TypeVar("T")


def attempt(action: Callable[[Session], T]) -> T | None:
    try:
        with session_scope(get_engine()) as session:
            return action(session)
    except BloomtuneError as exc:
        st.error(str(exc), icon=":material/error:")
        return None
