"""Review queues: which interactions each preset holds, in which order, and walking them one at a time
with the position shown as "n of total"."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from core import review, review_queue
from core.errors import InputError, PermissionDenied
from core.models import Interaction
from core.review_queue import PRESETS, Queue, QueuePosition
from tests.unit.test_review import CLINICIAN, REVIEWER, VIEWER, store_interactions

# index -> user stars (None: unrated); thumbs down on 1 and 6
STARS = {0: None, 1: 1, 2: 4, 3: None, 4: 2, 5: 5, 6: None, 7: None}


@pytest.fixture
def queue_ids(session: Session) -> list[str]:
    stored = store_interactions(
        session,
        len(STARS),
        rating=lambda i: STARS[i],
        thumbs=lambda i: "down" if i in (1, 6) else None,
    )
    session.execute(
        update(Interaction).where(Interaction.id.in_([stored[3], stored[5]])).values(pii_flags=["EMAIL"])
    )
    session.commit()
    return stored


def walk(queue: Queue, session: Session) -> list[str]:
    """Every id of the queue, by stepping "next" from its first."""
    seen: list[str] = []
    current = review_queue.first_id(queue, session=session, principal=REVIEWER)
    while current is not None:
        seen.append(current)
        current = review_queue.step(queue, current, "next", session=session, principal=REVIEWER)
    return seen


def test_unrated_holds_unrated_pending_interactions_oldest_first(
    session: Session, queue_ids: list[str]
) -> None:
    queue = PRESETS["unrated"].queue
    assert walk(queue, session) == [queue_ids[0], queue_ids[3], queue_ids[7]]  # 6 has thumbs down
    review.approve(queue_ids[3], expected_version=0, session=session, principal=REVIEWER)
    assert walk(queue, session) == [queue_ids[0], queue_ids[7]]


def test_low_rated_puts_the_lowest_user_rating_first_and_unrated_last(
    session: Session, queue_ids: list[str]
) -> None:
    review.reject(queue_ids[4], expected_version=0, session=session, principal=REVIEWER)
    order = walk(PRESETS["low_rated"].queue, session)
    assert order[:3] == [
        queue_ids[1],
        queue_ids[2],
        queue_ids[5],
    ]  # 1, 4 and 5 stars; 4 (2 stars) is reviewed already
    assert set(order[3:]) == {queue_ids[0], queue_ids[3], queue_ids[6], queue_ids[7]}


def test_unsafe_first_starts_with_disliked_answers(session: Session, queue_ids: list[str]) -> None:
    order = walk(PRESETS["unsafe"].queue, session)
    assert order[0] == queue_ids[1]
    assert set(order) <= set(queue_ids) and queue_ids[6] in order
    assert queue_ids[5] not in order  # five stars, no dosage talk, no verdict


def test_pii_preset_holds_only_flagged_interactions(session: Session, queue_ids: list[str]) -> None:
    assert walk(PRESETS["pii"].queue, session) == [queue_ids[5], queue_ids[3]]


def test_previous_walks_back_and_the_ends_are_none(session: Session, queue_ids: list[str]) -> None:
    queue = PRESETS["unrated"].queue
    assert (
        review_queue.step(queue, queue_ids[7], "previous", session=session, principal=CLINICIAN)
        == queue_ids[3]
    )
    assert review_queue.step(queue, queue_ids[0], "previous", session=session, principal=CLINICIAN) is None
    assert review_queue.step(queue, queue_ids[7], "next", session=session, principal=CLINICIAN) is None


def test_position_counts_what_comes_before(session: Session, queue_ids: list[str]) -> None:
    queue = PRESETS["unrated"].queue
    assert review_queue.position(queue, queue_ids[3], session=session, principal=REVIEWER) == QueuePosition(
        2, 3
    )
    assert (
        review_queue.position(queue, queue_ids[3], session=session, principal=REVIEWER).describe() == "2 of 3"
    )
    outside = review_queue.position(queue, queue_ids[5], session=session, principal=REVIEWER)
    assert outside == QueuePosition(0, 3) and "not in this queue" in outside.describe()
    assert QueuePosition(0, 0).describe() == "queue is empty"


def test_an_item_that_just_left_the_queue_still_leads_to_the_next(
    session: Session, queue_ids: list[str]
) -> None:
    queue = PRESETS["unrated"].queue
    review.approve(queue_ids[3], expected_version=0, session=session, principal=REVIEWER)
    assert review_queue.step(queue, queue_ids[3], "next", session=session, principal=REVIEWER) == queue_ids[7]


def test_a_custom_queue_comes_from_url_parameters(session: Session, queue_ids: list[str]) -> None:
    queue = review_queue.resolve(None, {"stars": ["1", "2"]}, "oldest")
    assert walk(queue, session) == [queue_ids[1], queue_ids[4]]
    assert review_queue.resolve("custom", {}, None) == Queue(review_queue.InteractionFilters(), "newest")
    with pytest.raises(InputError, match="unknown review queue"):
        review_queue.resolve("nonsense")


def test_queues_need_the_view_permission(session: Session, queue_ids: list[str]) -> None:
    queue = PRESETS["pii"].queue
    with pytest.raises(PermissionDenied):
        review_queue.first_id(queue, session=session, principal=VIEWER)
    with pytest.raises(PermissionDenied):
        review_queue.position(queue, queue_ids[0], session=session, principal=VIEWER)
    with pytest.raises(PermissionDenied):
        review_queue.step(queue, queue_ids[0], "next", session=session, principal=VIEWER)
