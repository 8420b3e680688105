"""Review: one interaction at a time — the conversation, its metadata and ratings, and the review editor —
inside a queue walked with Previous / Next / "Save and next".

In: the principal from `app.py` (needs `VIEW_INTERACTIONS`; editing needs `RATE` / `REVIEW`, the verdict
`CLINICAL_VERDICT`) and the URL: `id` (the interaction), `preset` (a queue of `core.review_queue.PRESETS`, or
`custom` for the listing's own filters and `sort`, which the listing page passes along). Out: the page; a
save goes through `core.review.save_review` with the version the editor loaded, so a stale save shows who
saved first and keeps the user's text. All rules live in core; this file lays out widgets.
"""

from __future__ import annotations

from typing import Any, Literal

import streamlit as st

from core import review, review_queue
from core.auth import Permission, Principal, can
from core.conversation import ConversationView, load_conversation
from core.db import get_engine, session_scope
from core.errors import BloomtuneError, ConflictError
from core.interactions import PARAM_NAMES
from core.review import ReviewForm
from core.vocab import CLINICAL_VERDICTS, CORE_TOPICS, REVIEW_STATUSES, THUMBS, TOPIC_LABELS
from dashboard.context import current_principal

PRESET_KEY = "review_preset"
FLASH_KEY = "review_flash"
CONFLICT_KEY = "review_conflict"
POSITION_KEY = "review_position"  # (queue, interaction id, QueuePosition) carried along a walk
PRESET_LABELS = {
    **{name: p.label for name, p in review_queue.PRESETS.items()},
    review_queue.CUSTOM: "Listing filters",
}
AVATARS = {"user": ":material/person:", "assistant": ":material/smart_toy:"}
Direction = Literal["next", "previous"]
FORM_FIELDS = ("stars", "thumbs", "status", "ideal_answer", "clinical_verdict", "topics", "notes")


def render() -> None:
    principal = current_principal()
    st.title("Review")
    preset = _preset()
    try:
        queue = review_queue.resolve(preset, _url_params(), st.query_params.get("sort"))
    except BloomtuneError as exc:
        st.error(str(exc))
        return
    _show_flash()
    with session_scope(get_engine()) as session:
        interaction_id = st.query_params.get("id") or review_queue.first_id(
            queue, session=session, principal=principal
        )
        _queue_bar(queue, interaction_id, principal)
        if interaction_id is None:
            st.info(
                "This queue is empty — nothing to review here. Pick another queue above.",
                icon=":material/inbox:",
            )
            return
        st.query_params["id"] = interaction_id
        try:
            view = load_conversation(interaction_id, session=session, principal=principal)
        except BloomtuneError as exc:
            st.error(str(exc))
            return
    thread_column, side_column = st.columns([3, 2], gap="large")
    with thread_column:
        _thread(view)
        _editor(view, queue, principal)
    with side_column:
        _metadata(view)
        _ratings(view)
        _history(view)


def _preset() -> str:
    """The queue named in the URL; a link from the listing (filters or an id, no preset) is `custom`."""
    preset = st.query_params.get("preset")
    if preset not in PRESET_LABELS:
        linked = any(key in st.query_params for key in ("id", "sort", *PARAM_NAMES.values()))
        preset = review_queue.CUSTOM if linked else next(iter(review_queue.PRESETS))
    st.session_state.setdefault(PRESET_KEY, preset)
    if st.session_state[PRESET_KEY] != preset:
        st.session_state[PRESET_KEY] = preset
    st.query_params["preset"] = preset
    return preset


def _url_params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def _queue_bar(queue: review_queue.Queue, interaction_id: str | None, principal: Principal) -> None:
    preset_column, position_column, previous_column, next_column = st.columns(
        [3, 2, 1, 1], vertical_alignment="bottom"
    )
    preset_column.selectbox(
        "Queue",
        list(PRESET_LABELS),
        format_func=PRESET_LABELS.__getitem__,
        key=PRESET_KEY,
        on_change=_switch_queue,
        help="Presets walk a fixed selection; “Listing filters” walks what the Interactions page showed.",
    )
    if interaction_id is None:
        return
    position_column.markdown(f"**{_position(queue, interaction_id, principal).describe()}**")
    steps: tuple[tuple[Any, str, Direction], ...] = (
        (previous_column, "← Previous", "previous"),
        (next_column, "Next →", "next"),
    )
    for column, label, direction in steps:
        column.button(
            label,
            key=f"queue_{direction}",
            on_click=_step,
            args=(queue, interaction_id, direction, principal),
            width="stretch",
        )
    if st.session_state.get(PRESET_KEY) in review_queue.PRESETS:
        st.caption(review_queue.PRESETS[st.session_state[PRESET_KEY]].description)


def _switch_queue() -> None:
    st.query_params["preset"] = st.session_state[PRESET_KEY]
    st.query_params.pop("id", None)


def _position(
    queue: review_queue.Queue, interaction_id: str, principal: Principal
) -> review_queue.QueuePosition:
    """The position carried along the walk, or counted by the database when the walk starts here."""
    carried = st.session_state.get(POSITION_KEY)
    if carried is not None and carried[:2] == (queue, interaction_id):
        return carried[2]
    with session_scope(get_engine()) as session:
        counted = review_queue.position(queue, interaction_id, session=session, principal=principal)
    st.session_state[POSITION_KEY] = (queue, interaction_id, counted)
    return counted


def _step(queue: review_queue.Queue, current_id: str, direction: Direction, principal: Principal) -> None:
    """Move to the neighbour in `direction`, carrying the position along; at either end, say so and stay."""
    carried = st.session_state.get(POSITION_KEY)
    with session_scope(get_engine()) as session:
        target = review_queue.step(queue, current_id, direction, session=session, principal=principal)
        moved = None
        if target is not None and carried is not None and carried[:2] == (queue, current_id):
            left = not review_queue.contains(queue, current_id, session=session, principal=principal)
            moved = carried[2].moved(direction, left_queue=left)
    if target is None:
        _flash(
            "info", f"That was the {'last' if direction == 'next' else 'first'} interaction of this queue."
        )
        return
    st.query_params["id"] = target
    st.session_state[POSITION_KEY] = None if moved is None else (queue, target, moved)


def _thread(view: ConversationView) -> None:
    st.subheader("Conversation")
    st.caption(
        f"Interaction `{view.id}` · {view.created_at:%Y-%m-%d %H:%M:%S} UTC · conversation `{view.conversation_id}`"
    )
    for message in view.messages:
        role = str(message.get("role", "user"))
        with st.chat_message(role, avatar=AVATARS.get(role, ":material/settings:")):
            if role not in AVATARS:
                st.caption(role)
            st.text(str(message.get("content") or ""))  # plain text: never render user text as markdown
    if view.siblings:
        with st.expander(f"Other turns of this conversation ({len(view.siblings)})"):
            for sibling in view.siblings:
                st.text(f"{sibling.created_at:%Y-%m-%d %H:%M} · {sibling.id} · {sibling.question}")


def _key(view: ConversationView, field: str) -> str:
    return f"review_{field}:{view.id}"


def _editor(view: ConversationView, queue: review_queue.Queue, principal: Principal) -> None:
    st.subheader("Your review")
    may_rate, may_review = can(principal, Permission.RATE), can(principal, Permission.REVIEW)
    if not (may_rate or may_review):
        _read_only(view)
        return
    # The form and version the editor started from stay pinned until a save succeeds or the user reloads,
    # so a refused save keeps being refused instead of silently winning on the second click.
    loaded, version = st.session_state.setdefault(
        _key(view, "loaded"), (view.form(principal.email), view.review.version)
    )
    for field in FORM_FIELDS:
        st.session_state.setdefault(_key(view, field), getattr(loaded, field))
    conflict = st.session_state.get(CONFLICT_KEY)
    if conflict and conflict[0] == view.id:
        st.error(conflict[1], icon=":material/sync_problem:")
        st.button("Reload (discard my edits)", on_click=_reload, args=(view,))
    stars_column, thumbs_column, status_column = st.columns(3)
    stars_column.radio(
        "Your stars",
        [0, 1, 2, 3, 4, 5],
        format_func=lambda v: "—" if not v else "★" * v,
        key=_key(view, "stars"),
        horizontal=True,
        disabled=not may_rate,
    )
    thumbs_column.radio(
        "Your thumbs",
        ["", *THUMBS],
        format_func=lambda v: {"": "—", "up": "👍 up", "down": "👎 down"}[v],
        key=_key(view, "thumbs"),
        horizontal=True,
        disabled=not may_rate,
    )
    status_column.radio(
        "Decision", REVIEW_STATUSES, key=_key(view, "status"), horizontal=True, disabled=not may_review
    )
    ideal = st.text_area(
        "Ideal answer (replaces the original in training)",
        key=_key(view, "ideal_answer"),
        height=180,
        max_chars=review.MAX_IDEAL_ANSWER_CHARS,
        disabled=not may_review,
    )
    diff = review.answer_diff(view.assistant_message, ideal or "")
    if diff:
        st.caption("Changes against the original answer")
        st.code(diff, language="diff")
    if can(principal, Permission.CLINICAL_VERDICT):
        st.selectbox(
            "Clinical verdict",
            ["", *CLINICAL_VERDICTS],
            format_func=lambda v: v or "— not judged",
            key=_key(view, "clinical_verdict"),
        )
    else:
        st.caption(f"Clinical verdict: {view.review.clinical_verdict or 'not judged'} (clinicians decide)")
    st.multiselect(
        "Topics",
        CORE_TOPICS,
        format_func=TOPIC_LABELS.__getitem__,
        key=_key(view, "topics"),
        disabled=not may_review,
    )
    st.text_area(
        "Notes", key=_key(view, "notes"), height=80, max_chars=review.MAX_NOTES_CHARS, disabled=not may_review
    )
    save_column, next_column, _ = st.columns([1, 1, 3])
    save_column.button(
        "Save",
        type="primary",
        key=_key(view, "save"),
        on_click=_save,
        args=(view, loaded, version, queue, principal, False),
        width="stretch",
    )
    next_column.button(
        "Save and next",
        key=_key(view, "save_next"),
        on_click=_save,
        args=(view, loaded, version, queue, principal, True),
        width="stretch",
    )
    st.caption(
        f"Review version {view.review.version}"
        + (
            f" · last saved by {view.review.reviewer} at {view.review.updated_at:%Y-%m-%d %H:%M} UTC"
            if view.review.updated_at
            else ""
        )
    )


def _edited(view: ConversationView) -> ReviewForm:
    values: dict[str, Any] = {field: st.session_state[_key(view, field)] for field in FORM_FIELDS}
    values["topics"] = tuple(values["topics"])
    values["stars"] = int(values["stars"] or 0)
    return ReviewForm(**values)


def _save(
    view: ConversationView,
    loaded: ReviewForm,
    version: int,
    queue: review_queue.Queue,
    principal: Principal,
    then_next: bool,
) -> None:
    changes = loaded.changes_to(
        _edited(view),
        original_answer=view.assistant_message,
        may_judge=can(principal, Permission.CLINICAL_VERDICT),
    )
    if not changes.is_empty():
        try:
            with session_scope(get_engine()) as session:
                saved = review.save_review(
                    view.id, changes, expected_version=version, session=session, principal=principal
                )
        except ConflictError as exc:
            st.session_state[CONFLICT_KEY] = (view.id, str(exc))
            return
        except BloomtuneError as exc:
            _flash("error", str(exc))
            return
        _forget(view)
        _flash("success", f"Saved interaction {view.id} (version {saved}).")
    elif not then_next:
        _flash("info", "Nothing changed, nothing saved.")
    if then_next:
        _step(queue, view.id, "next", principal)


def _reload(view: ConversationView) -> None:
    _forget(view)


def _forget(view: ConversationView) -> None:
    """Drop the editor's state for `view`, so the next run opens it as stored."""
    for field in (*FORM_FIELDS, "loaded"):
        st.session_state.pop(_key(view, field), None)
    st.session_state.pop(CONFLICT_KEY, None)


def _read_only(view: ConversationView) -> None:
    state = view.review
    st.caption("Your role can read reviews but not change them.")
    st.markdown(
        f"**Decision:** {state.status} · **Clinical verdict:** {state.clinical_verdict or 'not judged'}"
    )
    if state.ideal_answer:
        st.caption("Ideal answer")
        st.text(state.ideal_answer)
        st.code(review.answer_diff(view.assistant_message, state.ideal_answer), language="diff")
    if state.notes:
        st.caption("Notes")
        st.text(state.notes)


def _metadata(view: ConversationView) -> None:
    st.subheader("Details")
    rows = [
        {"Field": name, "Value": "—" if value is None else str(value)}
        for name, value in view.metadata.items()
    ]
    topics = ", ".join(f"{TOPIC_LABELS.get(t, t)} ({source})" for t, source in view.topics.items()) or "none"
    rows.append({"Field": "Topics", "Value": topics})
    rows.append({"Field": "Personal data", "Value": ", ".join(map(str, view.pii_flags)) or "none found"})
    duplicate = (
        f"duplicate of {view.duplicate_of}"
        if view.duplicate_of and view.duplicate_of != view.id
        else "canonical"
    )
    rows.append(
        {
            "Field": "Duplicates",
            "Value": f"{duplicate}; {view.duplicates} similar" if view.duplicates else "none",
        }
    )
    st.dataframe(rows, hide_index=True, width="stretch")


def _ratings(view: ConversationView) -> None:
    st.subheader("Ratings")
    if not view.ratings:
        st.caption("No ratings yet.")
        return
    st.dataframe(
        [
            {
                "Source": r.source,
                "Stars": r.stars,
                "Thumbs": r.thumbs,
                "Comment": r.comment,
                "Author": r.author or ("app user" if r.source == "user" else ""),
                "Time (UTC)": r.created_at,
            }
            for r in view.ratings
        ],
        hide_index=True,
        width="stretch",
    )


def _history(view: ConversationView) -> None:
    st.subheader("History")
    if not view.history:
        st.caption("Not reviewed yet.")
        return
    st.dataframe(
        [
            {
                "Time (UTC)": entry.ts,
                "Who": entry.actor,
                "Action": entry.action.removeprefix("review."),
                "Details": ", ".join(f"{k}: {v}" for k, v in entry.details.items() if k != "ids"),
            }
            for entry in view.history
        ],
        hide_index=True,
        width="stretch",
    )


def _flash(kind: str, message: str) -> None:
    st.session_state[FLASH_KEY] = (kind, message)


def _show_flash() -> None:
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash is None:
        return
    kind, message = flash
    if kind == "success":
        st.toast(message, icon=":material/check_circle:")
    elif kind == "error":
        st.error(message)
    else:
        st.info(message)


render()
