"""Interactions: the stored answers, newest first, one page at a time.

In: the principal from `app.py` (needs `VIEW_INTERACTIONS`), the page number and page size (kept in the
URL as `?page=N&size=M`, so a view can be shared). Out: the page's rows from
`core.interactions.list_interactions` in a table — user text rendered as plain text — with the total.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.db import get_engine, session_scope
from core.interactions import PAGE_SIZES, Page, list_interactions
from dashboard.context import current_principal

PAGE_KEY = "page"
SIZE_KEY = "size"
DEFAULT_SIZE = 50
EMPTY_STATE = (
    "No interactions yet — import a file with `bloomtune import` or load demo data with `bloomtune demo`"
)
ROW_HEIGHT = 35
COLUMNS = {  # in display order; widths in pixels fit the question, answer and feedback on a laptop screen
    "Time (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss", width=150, pinned=True),
    "Question": st.column_config.TextColumn(width=250),
    "Answer": st.column_config.TextColumn(width=250),
    "Stars": st.column_config.NumberColumn(format="%d ★", width=55),
    "Thumbs": st.column_config.TextColumn(width=60),
    "Status": st.column_config.TextColumn(width=55),
    "Latency": st.column_config.NumberColumn(format="%d ms", width=75),
    "Model": st.column_config.TextColumn(width=170),
    "Variant": st.column_config.TextColumn(width=80),
}


def render() -> None:
    principal = current_principal()
    st.title("Interactions")
    size_column, page_column, newer_column, older_column = st.columns(
        [2, 2, 1, 1], vertical_alignment="bottom"
    )
    page_size = size_column.selectbox(
        "Rows per page",
        PAGE_SIZES,
        index=PAGE_SIZES.index(DEFAULT_SIZE),
        key=SIZE_KEY,
        bind="query-params",
        on_change=_go_to_page,
        args=(1,),
    )
    page_number = page_column.number_input("Page", min_value=1, step=1, key=PAGE_KEY, bind="query-params")
    with session_scope(get_engine()) as session:
        listing = list_interactions(
            session=session, principal=principal, page=int(page_number or 1), page_size=int(page_size)
        )
    newer_column.button(
        "← Newer",
        disabled=listing.page <= 1,
        on_click=_go_to_page,
        args=(min(listing.page - 1, listing.page_count),),
        width="stretch",
    )
    older_column.button(
        "Older →",
        disabled=listing.page >= listing.page_count,
        on_click=_go_to_page,
        args=(listing.page + 1,),
        width="stretch",
    )
    if listing.total == 0:
        st.info(EMPTY_STATE, icon=":material/inbox:")
        return
    if not listing.rows:
        st.warning(f"Page {listing.page:,} is past the end; the last page is {listing.page_count:,}.")
        st.button("Go to the last page", on_click=_go_to_page, args=(listing.page_count,))
        return
    st.caption(
        f"{listing.total:,} interactions · showing {listing.first_position:,}–{listing.last_position:,} "
        f"· page {listing.page:,} of {listing.page_count:,} · newest first"
    )
    st.dataframe(
        _table(listing),
        hide_index=True,
        column_config=COLUMNS,
        column_order=list(COLUMNS),
        height=(len(listing.rows) + 1) * ROW_HEIGHT + 3,  # the whole page, no scrolling inside the table
        row_height=ROW_HEIGHT,
    )


def _go_to_page(page: int) -> None:
    st.session_state[PAGE_KEY] = max(1, page)


def _table(listing: Page) -> list[dict[str, Any]]:
    """The page's rows as the table shows them; text stays text (st.dataframe never renders HTML)."""
    return [
        {
            "Time (UTC)": row.created_at,
            "Model": row.model,
            "Variant": row.variant,
            "Question": row.question,
            "Answer": row.answer,
            "Stars": row.stars,
            "Thumbs": row.thumbs,
            "Status": row.status,
            "Latency": row.latency_ms,
        }
        for row in listing.rows
    ]


render()
