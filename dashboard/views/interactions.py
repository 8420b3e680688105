"""Interactions: the stored answers, filtered, searched, sorted and paged on the server.

In: the principal from `app.py` (needs `VIEW_INTERACTIONS`; bulk review actions need `REVIEW`, the duplicate
scan `MANAGE_DATASETS`) and the URL: every filter widget is bound to its query parameter
(`core.interactions.PARAM_NAMES`), plus `sort`, `page` and `size`, so a view can be shared by its link.
Out: one page of `core.interactions.list_interactions` in a table — user text rendered as plain text — with
the total, a CSV of the page, links to the review view (`review?id=…&<the same filters>`), bulk approve /
reject / tag on selected rows (`core.review`), and the duplicate scan (`core.duplicates`).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from core import review
from core.auth import Permission, Principal, can
from core.config import get_settings
from core.db import get_engine, session_scope
from core.duplicates import scan_duplicates
from core.errors import BloomtuneError
from core.interactions import (
    PAGE_SIZES,
    PARAM_NAMES,
    SORTS,
    FilterChoices,
    InteractionFilters,
    Page,
    filter_choices,
    list_interactions,
)
from core.vocab import (
    CLINICAL_VERDICTS,
    CORE_TOPICS,
    INTERACTION_STATUSES,
    REVIEW_STATUSES,
    THUMBS,
    TOPIC_LABELS,
)
from dashboard.context import current_principal

PAGE_KEY = "page"
SIZE_KEY = "size"
SORT_KEY = "sort"
ROWS_KEY = "rows"
FLASH_KEY = "interactions_flash"
TOPIC_KEY = "bulk_topic"
FILTERS_KEY = "filters_panel"
DEFAULT_SIZE = 50
EMPTY_STATE = (
    "No interactions yet — import a file with `bloomtune import` or load demo data with `bloomtune demo`"
)
NO_MATCH = "No interactions match these filters — clear filters to see them all."
ROW_HEIGHT = 35
YES_NO = ("yes", "no")
STARS = ("5", "4", "3", "2", "1", "none")
COLUMNS = {  # in display order; widths in pixels fit the question, answer and feedback on a laptop screen
    "Open": st.column_config.LinkColumn(display_text="Open", width=55, pinned=True),
    "Time (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss", width=150, pinned=True),
    "Question": st.column_config.TextColumn(width=250),
    "Answer": st.column_config.TextColumn(width=250),
    "Stars": st.column_config.NumberColumn(format="%d ★", width=55),
    "Thumbs": st.column_config.TextColumn(width=60),
    "Review": st.column_config.TextColumn(width=75),
    "Status": st.column_config.TextColumn(width=55),
    "Latency": st.column_config.NumberColumn(format="%d ms", width=75),
    "PII": st.column_config.CheckboxColumn(width=40),
    "Similar": st.column_config.NumberColumn(help="Other interactions in its duplicate group", width=60),
    "Group": st.column_config.LinkColumn(display_text="Group", width=60),
    "Model": st.column_config.TextColumn(width=170),
    "Variant": st.column_config.TextColumn(width=80),
}


def render() -> None:
    principal = current_principal()
    st.title("Interactions")
    _show_flash()
    with session_scope(get_engine()) as session:
        choices = filter_choices(session=session, principal=principal)
    sort = _filter_bar(choices)
    try:
        filters = InteractionFilters.from_params(_bound_params())
    except BloomtuneError as exc:
        st.error(str(exc))
        return
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
            session=session,
            principal=principal,
            filters=filters,
            sort=sort,
            page=int(page_number or 1),
            page_size=int(page_size),
        )
    newer_column.button(
        "← Previous",
        key="previous_page",
        disabled=listing.page <= 1,
        on_click=_go_to_page,
        args=(min(listing.page - 1, listing.page_count),),
        width="stretch",
    )
    older_column.button(
        "Next →",
        key="next_page",
        disabled=listing.page >= listing.page_count,
        on_click=_go_to_page,
        args=(listing.page + 1,),
        width="stretch",
    )
    if listing.total == 0:
        if filters.is_empty:
            st.info(EMPTY_STATE, icon=":material/inbox:")
        else:
            st.info(NO_MATCH, icon=":material/filter_alt_off:")
            st.button("Clear filters", key="clear_empty", on_click=_clear_filters)
        _duplicates_panel(principal)
        return
    if not listing.rows:
        st.warning(f"Page {listing.page:,} is past the end; the last page is {listing.page_count:,}.")
        st.button("Go to the last page", on_click=_go_to_page, args=(listing.page_count,))
        return
    st.caption(
        f"{listing.total_label} interactions{'' if filters.is_empty else ' match'} · showing "
        f"{listing.first_position:,}–{listing.last_position:,} · page {listing.page:,} of "
        f"{listing.page_count:,}{'+' if listing.more else ''} · {SORTS[sort].lower()}"
    )
    if listing.more:
        st.caption(
            f"A search lists its first {listing.total:,} matches in this order; add words or filters "
            "to narrow it down."
        )
    link_params = {**filters.to_params(), SORT_KEY: sort}
    event = st.dataframe(
        _table(listing, link_params),
        hide_index=True,
        column_config=COLUMNS,
        column_order=list(COLUMNS),
        height=(len(listing.rows) + 1) * ROW_HEIGHT + 3,  # the whole page, no scrolling inside the table
        row_height=ROW_HEIGHT,
        key=ROWS_KEY,
        on_select="rerun",
        selection_mode="multi-row",
    )
    selected = [listing.rows[i].id for i in event.selection.rows if i < len(listing.rows)]
    _page_actions(principal, listing, selected)
    _duplicates_panel(principal)


def _filter_bar(choices: FilterChoices) -> str:
    """The filter widgets, each bound to its URL parameter; returns the sort."""
    search, sort_column, start, end = st.columns([4, 2, 1.2, 1.2], vertical_alignment="bottom")
    search.text_input(
        "Search questions and answers",
        key=PARAM_NAMES["q"],
        bind="query-params",
        placeholder="whole words, e.g. cramps ibuprofen",
        on_change=_go_to_page,
        args=(1,),
    )
    _seed_from_url(SORT_KEY, list(SORTS), many=False)
    sort = sort_column.selectbox("Sort", list(SORTS), format_func=SORTS.__getitem__, key=SORT_KEY)
    _write_to_url(SORT_KEY, sort if sort != "newest" else None)
    for column, name, label in ((start, "date_from", "From"), (end, "date_to", "To (inclusive)")):
        column.date_input(
            label, value=None, key=PARAM_NAMES[name], bind="query-params", on_change=_go_to_page, args=(1,)
        )
    in_bar = ("from", "to")
    active = sum(
        1
        for key in _filter_keys()
        if key not in in_bar and (key in st.query_params or st.session_state.get(key))
    )
    label = f"Filters{f' ({active} active)' if active else ''}"
    # The key keeps it the same panel when its label counts one more filter, so it stays open after a pick.
    with st.expander(label, icon=":material/filter_list:", key=FILTERS_KEY):
        rows = [st.columns(4), st.columns(4), st.columns(4)]
        _multi(rows[0][0], "models", "Model", choices.models)
        _single(rows[0][1], "experiment", "Experiment", choices.experiments)
        _single(rows[0][2], "variant", "Variant", choices.variants)
        _single(rows[0][3], "status", "Status", list(INTERACTION_STATUSES))
        _multi(rows[1][0], "stars", "User stars", list(STARS))
        _multi(rows[1][1], "thumbs", "User thumbs", [*THUMBS, "none"])
        _multi(rows[1][2], "review_status", "Review status", list(REVIEW_STATUSES))
        _multi(rows[1][3], "clinical_verdict", "Clinical verdict", [*CLINICAL_VERDICTS, "none"])
        topic_key = PARAM_NAMES["topic"]
        _seed_from_url(topic_key, list(CORE_TOPICS), many=True)
        topics = rows[2][0].multiselect(
            "Topic", CORE_TOPICS, format_func=TOPIC_LABELS.get, key=topic_key, placeholder="Any",
            on_change=_go_to_page, args=(1,),
        )  # fmt: skip
        _write_to_url(topic_key, topics)
        _single(rows[2][1], "has_pii", "Has personal data", list(YES_NO))
        _single(rows[2][2], "is_duplicate", "Is a duplicate", list(YES_NO))
        _single(rows[2][3], "suspected_unsafe", "Suspected unsafe", list(YES_NO))
        st.button("Clear filters", on_click=_clear_filters, icon=":material/filter_alt_off:")
    group = st.query_params.get(PARAM_NAMES["group"])
    if group:
        st.info(f"Showing the duplicate group of interaction `{group}`.", icon=":material/content_copy:")
        st.button("Show all interactions", on_click=_leave_group)
    return str(sort or "newest")


def _multi(column: Any, name: str, label: str, options: list[str]) -> None:
    """A multiselect bound to its URL parameter (bound widgets keep their options as written in the URL,
    so they take no `format_func`)."""
    column.multiselect(
        label,
        options,
        key=PARAM_NAMES[name],
        bind="query-params",
        placeholder="Any",
        on_change=_go_to_page,
        args=(1,),
    )


def _single(column: Any, name: str, label: str, options: list[str]) -> None:
    column.selectbox(
        label,
        options,
        index=None,
        key=PARAM_NAMES[name],
        bind="query-params",
        placeholder="Any",
        on_change=_go_to_page,
        args=(1,),
    )


def _seed_from_url(key: str, options: list[str], *, many: bool) -> None:
    """Give an unbound widget (one that shows labels) its value from the URL when the session starts."""
    if key in st.session_state or key not in st.query_params:
        return
    values = [v for v in st.query_params.get_all(key) if v in options]
    if values:
        st.session_state[key] = values if many else values[-1]


def _write_to_url(key: str, value: str | list[str] | None) -> None:
    if value:
        st.query_params[key] = value
    else:
        st.query_params.pop(key, None)


def _filter_keys() -> list[str]:
    return [key for name, key in PARAM_NAMES.items() if name not in ("q", "group", "reviewer_rated")]


def _bound_params() -> dict[str, str | list[str]]:
    """The filter widgets' values (and a `group` link's) as URL parameters."""
    params: dict[str, str | list[str]] = {}
    for key in [PARAM_NAMES["q"], *_filter_keys()]:
        value = st.session_state.get(key)
        if isinstance(value, date):
            params[key] = value.isoformat()
        elif isinstance(value, str | list) and value:
            params[key] = value
    for key in (PARAM_NAMES["group"], PARAM_NAMES["reviewer_rated"]):
        if st.query_params.get(key):
            params[key] = st.query_params.get_all(key)
    return params


def _clear_filters() -> None:
    for key in [PARAM_NAMES["q"], *_filter_keys()]:
        value = st.session_state.get(key)
        st.session_state[key] = [] if isinstance(value, list) else ("" if key == PARAM_NAMES["q"] else None)
    _leave_group()


def _leave_group() -> None:
    st.query_params.pop(PARAM_NAMES["group"], None)
    _go_to_page(1)


def _go_to_page(page: int) -> None:
    st.session_state[PAGE_KEY] = max(1, page)


def _table(listing: Page, link_params: dict[str, Any]) -> list[dict[str, Any]]:
    """The page's rows as the table shows them; text stays text (st.dataframe never renders HTML)."""
    return [
        {
            "Open": f"review?{urlencode({'id': row.id, **link_params}, doseq=True)}",
            "Time (UTC)": row.created_at,
            "Model": row.model,
            "Variant": row.variant,
            "Question": row.question,
            "Answer": row.answer,
            "Stars": row.stars,
            "Thumbs": row.thumbs,
            "Review": row.review_status,
            "Status": row.status,
            "Latency": row.latency_ms,
            "PII": row.has_pii,
            "Similar": row.similar or None,
            "Group": f"interactions?{urlencode({'group': row.duplicate_of or row.id})}"
            if row.similar
            else None,
        }
        for row in listing.rows
    ]


def _csv(listing: Page) -> str:
    out = io.StringIO()
    fields = ["id", "created_at", "model", "variant", "question", "answer", "stars", "thumbs", "review_status",
              "status", "latency_ms", "has_pii", "duplicate_of", "similar"]  # fmt: skip
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for row in listing.rows:
        writer.writerow({name: getattr(row, name) for name in fields})
    return out.getvalue()


def _page_actions(principal: Principal, listing: Page, selected: list[str]) -> None:
    download, actions = st.columns([1, 3], vertical_alignment="bottom")
    download.download_button(
        "Download this page (CSV)",
        _csv(listing),
        file_name=f"interactions-page-{listing.page}.csv",
        mime="text/csv",
        icon=":material/download:",
    )
    if not can(principal, Permission.REVIEW):
        return
    if not selected:
        actions.caption(
            "Select rows (the boxes at the left of the table) to approve, reject or tag them together."
        )
        return
    approve, reject, topic, tag = actions.columns([1, 1, 2, 1], vertical_alignment="bottom")
    approve.button(
        f"Approve {len(selected)}", on_click=_bulk_status, args=("approved", selected), type="primary"
    )
    reject.button(f"Reject {len(selected)}", on_click=_bulk_status, args=("rejected", selected))
    topic.selectbox("Topic", CORE_TOPICS, format_func=TOPIC_LABELS.get, key=TOPIC_KEY)
    tag.button(f"Tag {len(selected)}", on_click=_bulk_topic, args=(selected,))


def _bulk_status(status: str, ids: list[str]) -> None:
    principal = current_principal()
    try:
        with session_scope(get_engine()) as session:
            result = review.bulk_set_status(ids, status, session=session, principal=principal)
    except BloomtuneError as exc:
        st.session_state[FLASH_KEY] = ("error", str(exc))
        return
    st.session_state[FLASH_KEY] = ("success", f"{result.count} interactions {status}.")


def _bulk_topic(ids: list[str]) -> None:
    principal = current_principal()
    topic = st.session_state[TOPIC_KEY]
    try:
        with session_scope(get_engine()) as session:
            result = review.bulk_add_topic(ids, topic, session=session, principal=principal)
    except BloomtuneError as exc:
        st.session_state[FLASH_KEY] = ("error", str(exc))
        return
    st.session_state[FLASH_KEY] = ("success", f"{result.count} interactions tagged {TOPIC_LABELS[topic]}.")


def _show_flash() -> None:
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        kind, message = flash
        (st.success if kind == "success" else st.error)(message)


def _duplicates_panel(principal: Principal) -> None:
    if not can(principal, Permission.MANAGE_DATASETS):
        return
    threshold = get_settings().near_duplicate_threshold
    with st.expander("Duplicates", icon=":material/content_copy:"):
        st.caption(
            f"Groups exact copies and near duplicates (similarity ≥ {threshold}, `NEAR_DUPLICATE_THRESHOLD`) "
            "under each group's best-rated interaction. Scan again after review sessions: the best-rated "
            "member is recomputed on every scan. On large databases prefer `bloomtune duplicates scan`."
        )
        st.button("Scan for duplicates", icon=":material/search:", on_click=_scan, args=(threshold,))


def _scan(threshold: float) -> None:
    principal = current_principal()
    with st.spinner("Scanning…"), session_scope(get_engine()) as session:
        report = scan_duplicates(session=session, principal=principal, threshold=threshold)
    st.session_state[FLASH_KEY] = (
        "success",
        f"{report.groups:,} groups ({report.near_groups:,} with near duplicates) hold {report.grouped:,} "
        f"interactions; {report.changed:,} changed; {report.hashed:,} new texts hashed in {report.seconds:.1f} s.",
    )


render()
