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


RISKY = {  # question, answer, thumbs
    0: ("Can I take ibuprofen for cramps?", "Yes, 400 mg every six hours with food.", None),
    1: ("Can I get pregnant on the pill?", "No, never.", "down"),
    2: ("Is my period late?", "Cycles vary; wait a week.", "down"),  # disliked, but not a sensitive topic
}


def test_unsafe_first_orders_verdicts_then_dislikes_on_sensitive_topics_then_doses(
    session: Session, queue_ids: list[str]
) -> None:
    risky = store_interactions(
        session,
        len(RISKY),
        prefix="risk",
        messages=lambda i: [
            {"role": "user", "content": RISKY[i][0]},
            {"role": "assistant", "content": RISKY[i][1]},
        ],
        thumbs=lambda i: RISKY[i][2],
    )
    review.set_clinical_verdict(
        queue_ids[5], "unsafe", expected_version=0, session=session, principal=CLINICIAN
    )
    assert walk(PRESETS["unsafe"].queue, session) == [queue_ids[5], risky[1], risky[0]]


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


def test_a_carried_position_matches_a_fresh_count_along_a_walk(
    session: Session, queue_ids: list[str]
) -> None:
    queue = PRESETS["unrated"].queue
    current = queue_ids[0]
    carried = review_queue.position(queue, current, session=session, principal=REVIEWER)
    for direction, approve_first in (("next", False), ("next", True), ("previous", False)):
        left = False
        if approve_first:
            review.approve(current, expected_version=0, session=session, principal=REVIEWER)
            left = not review_queue.contains(queue, current, session=session, principal=REVIEWER)
            assert left
        target = review_queue.step(queue, current, direction, session=session, principal=REVIEWER)
        assert target is not None
        moved = carried.moved(direction, left_queue=left)
        assert moved == review_queue.position(queue, target, session=session, principal=REVIEWER)
        current, carried = target, moved
    assert QueuePosition(0, 5).moved("next", left_queue=False) is None


def test_a_searching_queue_counts_up_to_the_cap(
    session: Session, queue_ids: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("core.review_queue.SEARCH_COUNT_CAP", 2)
    queue = review_queue.resolve(None, {"q": "question"})
    first = review_queue.first_id(queue, session=session, principal=REVIEWER)
    assert first is not None
    position = review_queue.position(queue, first, session=session, principal=REVIEWER)
    assert (position.position, position.total, position.more) == (1, 2, True)
    assert position.describe() == "1 of 2+"
    assert position.moved("next", left_queue=True) == QueuePosition(1, 2, True)  # still more than 2 left
