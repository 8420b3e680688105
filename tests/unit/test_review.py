"""Review services: reviewer ratings, approve / reject, ideal answers, clinical verdicts, tags, notes, bulk
actions, optimistic concurrency and the review history — each checked against what the database holds.

`store_interactions()` is shared with the queue and conversation tests (and re-run on PostgreSQL).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from core import review
from core.auth import Principal, Role
from core.db import session_scope
from core.errors import ConflictError, InputError, NotFound, PermissionDenied
from core.ingest.records import Record
from core.ingest.writer import IngestWriter
from core.models import AuditLog, InteractionTopic, Rating, Review
from core.pseudonym import Pseudonymizer
from core.review import ReviewChanges, ReviewerRating
from core.topic_retag import retag

START = datetime(2026, 10, 1, 9, 0)
REVIEWER = Principal("rita@example.org", Role.REVIEWER)
CLINICIAN = Principal("dr.chen@example.org", Role.CLINICIAN)
VIEWER = Principal("vic@example.org", Role.VIEWER)


def store_interactions(session: Session, count: int, prefix: str = "i", **per_index: Any) -> list[str]:
    """`count` interactions "i-000"…, one hour apart; `per_index` maps a field to a function of the index."""
    records = []
    for i in range(count):
        fields: dict[str, Any] = {
            "id": f"{prefix}-{i:03d}",
            "user_id": f"user-{i % 4}",
            "created_at": START + timedelta(hours=i),
            "messages": [
                {"role": "system", "content": "You are a helpful menstrual-health assistant."},
                {"role": "user", "content": f"Question {i} about my period?"},
                {"role": "assistant", "content": f"Answer {i}. Rest and drink water."},
            ],
            "model": "gpt-4.1-mini",
            "latency_ms": 400 + i,
        }
        fields.update({name: make(i) for name, make in per_index.items()})
        records.append(Record.model_validate(fields))
    IngestWriter(session, pseudonymize=Pseudonymizer("k"), source="import").write(records)
    session.commit()
    return [r.id for r in records]


@pytest.fixture
def ids(session: Session) -> list[str]:
    return store_interactions(session, 6)


def reviews(session: Session) -> dict[str, Review]:
    session.expire_all()
    return {r.interaction_id: r for r in session.scalars(select(Review))}


def actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditLog.action).order_by(AuditLog.id)))


def test_first_save_creates_the_review_and_later_saves_need_the_new_version(
    session: Session, ids: list[str]
) -> None:
    assert review.current_version(session, ids[0]) == 0
    version = review.set_ideal_answer(
        ids[0], "  Rest, heat and ibuprofen help.  ", expected_version=0, session=session, principal=REVIEWER
    )
    assert version == 1
    version = review.approve(ids[0], expected_version=version, session=session, principal=REVIEWER)
    row = reviews(session)[ids[0]]
    assert (row.status, row.ideal_answer, row.version, row.reviewer) == (
        "approved",
        "Rest, heat and ibuprofen help.",
        2,
        REVIEWER.email,
    )
    assert version == 2 == review.current_version(session, ids[0])
    assert actions(session)[-2:] == ["review.save", "review.save"]


def test_a_stale_save_is_refused_with_who_and_when_and_overwrites_nothing(
    session: Session, ids: list[str]
) -> None:
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    with session_scope(engine) as first, session_scope(engine) as second:
        loaded_first = review.current_version(first, ids[0])
        loaded_second = review.current_version(second, ids[0])
        second.rollback()  # the second editor's read transaction ends, as a page run would
        review.set_ideal_answer(
            ids[0], "first editor's answer", expected_version=loaded_first, session=first, principal=REVIEWER
        )
        with pytest.raises(ConflictError) as refused:
            review.set_ideal_answer(
                ids[0], "second answer", expected_version=loaded_second, session=second, principal=CLINICIAN
            )
        message = str(refused.value)
        assert REVIEWER.email in message and "reload to see their changes" in message
        assert "UTC" in message and "version 1" in message
    with session_scope(engine) as check:
        assert reviews(check)[ids[0]].ideal_answer == "first editor's answer"
        assert actions(check).count("review.save") == 1


@pytest.mark.parametrize("loaded", [0, 1])
def test_racing_editors_one_wins_the_others_are_refused(
    session: Session, ids: list[str], loaded: int
) -> None:
    """Eight editors who loaded the same version save at once: exactly one save lands."""
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    if loaded:
        review.approve(ids[0], expected_version=0, session=session, principal=REVIEWER)

    def save(n: int) -> str:
        editor = Principal(f"editor{n}@example.org", Role.REVIEWER)
        with session_scope(engine) as own:
            try:
                review.set_notes(ids[0], f"note {n}", expected_version=loaded, session=own, principal=editor)
            except ConflictError:
                return "refused"
            return "saved"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(save, range(8)))
    assert sorted(outcomes) == ["refused"] * 7 + ["saved"]
    row = reviews(session)[ids[0]]
    assert row.version == loaded + 1 and row.notes == f"note {outcomes.index('saved')}"


def test_a_stale_update_of_an_existing_review_is_refused(session: Session, ids: list[str]) -> None:
    review.approve(ids[1], expected_version=0, session=session, principal=REVIEWER)
    review.set_notes(ids[1], "checked", expected_version=1, session=session, principal=CLINICIAN)
    with pytest.raises(ConflictError, match=CLINICIAN.email):
        review.reject(ids[1], expected_version=1, session=session, principal=REVIEWER)
    row = reviews(session)[ids[1]]
    assert (row.status, row.notes, row.version) == ("approved", "checked", 2)


def test_reviewer_rating_is_one_row_per_author_beside_the_users(session: Session, ids: list[str]) -> None:
    store_interactions(session, 1)  # nothing new, same ids
    version = review.rate(ids[2], 2, "down", expected_version=0, session=session, principal=REVIEWER)
    version = review.rate(ids[2], 4, "up", expected_version=version, session=session, principal=REVIEWER)
    review.rate(ids[2], 5, expected_version=version, session=session, principal=CLINICIAN)
    rows = session.execute(
        select(Rating.source, Rating.author, Rating.stars, Rating.thumbs)
        .where(Rating.interaction_id == ids[2])
        .order_by(Rating.author)
    ).all()
    assert [tuple(r) for r in rows] == [
        ("reviewer", CLINICIAN.email, 5, None),
        ("reviewer", REVIEWER.email, 4, "up"),
    ]
    review.save_review(
        ids[2],
        ReviewChanges(rating=ReviewerRating()),
        expected_version=3,
        session=session,
        principal=REVIEWER,
    )
    assert session.scalar(select(func.count()).where(Rating.interaction_id == ids[2])) == 1


def test_clinical_verdict_is_for_clinicians_and_admins(
    session: Session, ids: list[str], admin: Principal
) -> None:
    with pytest.raises(PermissionDenied, match="clinical verdict"):
        review.set_clinical_verdict(ids[0], "unsafe", expected_version=0, session=session, principal=REVIEWER)
    session.rollback()
    assert ids[0] not in reviews(session)
    version = review.set_clinical_verdict(
        ids[0], "unsafe", expected_version=0, session=session, principal=CLINICIAN
    )
    review.set_clinical_verdict(
        ids[0], "accurate", expected_version=version, session=session, principal=admin
    )
    assert reviews(session)[ids[0]].clinical_verdict == "accurate"


def test_a_viewer_can_do_none_of_it(session: Session, ids: list[str]) -> None:
    attempts = [
        lambda: review.rate(ids[0], 5, expected_version=0, session=session, principal=VIEWER),
        lambda: review.approve(ids[0], expected_version=0, session=session, principal=VIEWER),
        lambda: review.set_topics(ids[0], ["mood"], expected_version=0, session=session, principal=VIEWER),
        lambda: review.bulk_set_status(ids, "approved", session=session, principal=VIEWER),
        lambda: review.bulk_add_topic(ids, "mood", session=session, principal=VIEWER),
        lambda: review.review_history(ids[0], session=session, principal=VIEWER),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
        session.rollback()
    assert reviews(session) == {}
    assert not [a for a in actions(session) if a.startswith("review.")]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (ReviewChanges(), "nothing to save"),
        (ReviewChanges(status="done"), "review status"),
        (ReviewChanges(clinical_verdict="fine"), "clinical verdict"),
        (ReviewChanges(rating=ReviewerRating(stars=6)), "between 1 and 5"),
        (ReviewChanges(rating=ReviewerRating(thumbs="sideways")), "thumbs"),
        (ReviewChanges(topics=("period", "astrology")), "unknown topic astrology"),
        (ReviewChanges(notes="x" * (review.MAX_NOTES_CHARS + 1)), "limit"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    session: Session, ids: list[str], admin: Principal, changes: ReviewChanges, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        review.save_review(ids[0], changes, expected_version=0, session=session, principal=admin)
    session.rollback()
    assert reviews(session) == {}


def test_an_unknown_interaction_is_not_found(session: Session, admin: Principal) -> None:
    with pytest.raises(NotFound, match="no-such-id"):
        review.approve("no-such-id", expected_version=0, session=session, principal=admin)


def test_reviewer_tags_survive_a_retag(session: Session, ids: list[str]) -> None:
    auto = set(
        session.scalars(select(InteractionTopic.topic).where(InteractionTopic.interaction_id == ids[0]))
    )
    assert "period" in auto
    review.set_topics(ids[0], ["mood", "pms"], expected_version=0, session=session, principal=REVIEWER)
    retag(session=session, principal=REVIEWER)
    tags = dict(
        session.execute(
            select(InteractionTopic.topic, InteractionTopic.source).where(
                InteractionTopic.interaction_id == ids[0]
            )
        ).all()
    )
    assert tags == {"mood": "reviewer", "pms": "reviewer"}
    untouched = set(
        session.scalars(select(InteractionTopic.topic).where(InteractionTopic.interaction_id == ids[1]))
    )
    assert "period" in untouched


def test_bulk_approve_is_one_transaction_audited_once_and_bumps_versions(
    session: Session, ids: list[str]
) -> None:
    review.reject(ids[0], expected_version=0, session=session, principal=REVIEWER)
    result = review.bulk_set_status(
        [ids[0], ids[1], ids[1], ids[2]], "approved", session=session, principal=REVIEWER
    )
    assert (result.count, result.created) == (3, 2)
    rows = reviews(session)
    assert {i: (r.status, r.version) for i, r in rows.items()} == {
        ids[0]: ("approved", 2),
        ids[1]: ("approved", 1),
        ids[2]: ("approved", 1),
    }
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "review.bulk_status"))
    assert entry is not None and entry.details["count"] == 3 and entry.details["ids"] == ids[:3]
    with pytest.raises(ConflictError):  # an editor still holding version 1 of ids[0]
        review.set_notes(ids[0], "late", expected_version=1, session=session, principal=CLINICIAN)


def test_bulk_actions_refuse_unknown_ids_and_oversized_selections(session: Session, ids: list[str]) -> None:
    with pytest.raises(NotFound, match="ghost"):
        review.bulk_set_status([ids[0], "ghost"], "approved", session=session, principal=REVIEWER)
    session.rollback()
    too_many = [f"x-{i}" for i in range(review.MAX_BULK_IDS + 1)]
    with pytest.raises(InputError, match="at most 500"):
        review.bulk_add_topic(too_many, "mood", session=session, principal=REVIEWER)
    with pytest.raises(InputError, match="at least one"):
        review.bulk_set_status([], "rejected", session=session, principal=REVIEWER)
    session.rollback()
    assert reviews(session) == {}


def test_bulk_tag_adds_reviewer_tags_and_keeps_the_others(session: Session, ids: list[str]) -> None:
    result = review.bulk_add_topic(ids[:3], "mood", session=session, principal=REVIEWER)
    assert result.count == 3
    rows = session.execute(
        select(InteractionTopic.interaction_id, InteractionTopic.topic, InteractionTopic.source).where(
            InteractionTopic.interaction_id.in_(ids[:3])
        )
    ).all()
    assert {(i, t) for i, t, s in rows if s == "reviewer"} == {(i, "mood") for i in ids[:3]}
    assert {(i, "period") for i in ids[:3]} <= {(i, t) for i, t, s in rows}


def test_history_lists_saves_and_bulk_actions_newest_first(session: Session, ids: list[str]) -> None:
    version = review.approve(ids[0], expected_version=0, session=session, principal=REVIEWER)
    review.set_ideal_answer(ids[0], "Better.", expected_version=version, session=session, principal=REVIEWER)
    review.bulk_add_topic([ids[1], ids[0]], "mood", session=session, principal=REVIEWER)
    review.bulk_add_topic([ids[1]], "pms", session=session, principal=REVIEWER)
    history = review.review_history(ids[0], session=session, principal=CLINICIAN)
    assert [(e.action, e.details.get("topic")) for e in history] == [
        ("review.bulk_tag", "mood"),
        ("review.save", None),
        ("review.save", None),
    ]
    assert history[1].details["ideal_answer"] == "set"
    assert "Better." not in str(history[1].details)  # summaries only, never the text


def test_history_treats_like_metacharacters_in_ids_literally(session: Session, ids: list[str]) -> None:
    review.bulk_add_topic([ids[1]], "pms", session=session, principal=REVIEWER)
    assert review.review_history("i-00_", session=session, principal=REVIEWER) == []
    assert review.review_history("%", session=session, principal=REVIEWER) == []


def test_answer_diff_shows_changed_sentences() -> None:
    diff = review.answer_diff(
        "Rest. Drink water. See a doctor.", "Rest. Drink water. See a doctor if it lasts."
    )
    assert "-See a doctor." in diff and "+See a doctor if it lasts." in diff and " Rest." in diff
    assert review.answer_diff("Same.", "Same.") == ""
