"""Previous / next controls for a server-side paged table.

In: a widget key and the page count the last query reported. Out: `page_number()` (read before the query)
and `pager()` (drawn after it): "← Previous", "page N of M", "Next →", all bound to `st.session_state[key]`.
"""

from __future__ import annotations

import streamlit as st


def page_number(key: str) -> int:
    return max(1, int(st.session_state.get(key, 1)))


def reset(key: str) -> None:
    """Back to the first page (after a filter changed)."""
    st.session_state[key] = 1


def pager(key: str, page: int, page_count: int, total: int, noun: str) -> None:
    if page_count <= 1:
        st.caption(f"{total:,} {noun}")
        return
    previous, where, following = st.columns([1, 3, 1], vertical_alignment="center")
    previous.button("← Previous", key=f"{key}_prev", disabled=page <= 1, on_click=_go, args=(key, page - 1))
    where.caption(f"{total:,} {noun} · page {page:,} of {page_count:,}")
    following.button(
        "Next →", key=f"{key}_next", disabled=page >= page_count, on_click=_go, args=(key, page + 1)
    )


def _go(key: str, page: int) -> None:
    st.session_state[key] = max(1, page)
