"""The conversation view: thread, metadata, topics with their source, every rating, the review state with its
version, the history and the other turns of the conversation."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy.orm import Session

from core import review
from core.conversation import ReviewState, load_conversation
from core.errors import NotFound, PermissionDenied
from tests.unit.test_review import CLINICIAN, REVIEWER, VIEWER, store_interactions


@pytest.fixture
def thread_ids(session: Session) -> list[str]:
    return store_interactions(
        session,
        3,
        conversation_id=lambda i: "conv-1",
        rating=lambda i: 2 if i == 1 else None,
        thumbs=lambda i: "down" if i == 1 else None,
        prompt_tokens=lambda i: 30,
        completion_tokens=lambda i: 12,
        experiment=lambda i: "ft-v1",
        variant=lambda i: "treatment",
    )


def test_an_unreviewed_interaction(session: Session, thread_ids: list[str]) -> None:
    view = load_conversation(thread_ids[1], session=session, principal=REVIEWER)
    assert [m["role"] for m in view.messages] == ["system", "user", "assistant"]
    assert view.assistant_message == "Answer 1. Rest and drink water."
    assert view.metadata["Total tokens"] == 42 and view.metadata["Variant"] == "treatment"
    assert view.metadata["Experiment"] == "ft-v1" and view.metadata["Latency (ms)"] == 401
    assert view.topics.get("period") == "auto"
    assert [(r.source, r.stars, r.thumbs) for r in view.ratings] == [("user", 2, "down")]
    assert view.review == ReviewState() and view.review.version == 0
    assert view.history == [] and view.duplicates == 0 and view.pii_flags == []
    assert [s.id for s in view.siblings] == [thread_ids[0], thread_ids[2]]


def test_a_reviewed_interaction_shows_every_source_and_the_history(
    session: Session, thread_ids: list[str]
) -> None:
    version = review.save_review(
        thread_ids[1],
        review.ReviewChanges(
            status="approved",
            ideal_answer="Rest, heat, and see a doctor if the pain is severe.",
            notes="tone ok",
            rating=review.ReviewerRating(4, "up"),
            topics=("cramps_pain", "period"),
        ),
        expected_version=0,
        session=session,
        principal=REVIEWER,
    )
    review.set_clinical_verdict(
        thread_ids[1], "accurate", expected_version=version, session=session, principal=CLINICIAN
    )
    view = load_conversation(thread_ids[1], session=session, principal=REVIEWER)
    assert view.review.status == "approved" and view.review.version == 2
    assert view.review.clinical_verdict == "accurate" and view.review.reviewer == CLINICIAN.email
    assert view.review.ideal_answer is not None and view.review.ideal_answer.startswith("Rest, heat")
    assert view.topics == {"cramps_pain": "reviewer", "period": "reviewer"}
    assert [(r.source, r.author) for r in view.ratings] == [("user", None), ("reviewer", REVIEWER.email)]
    mine = view.reviewer_rating(REVIEWER.email)
    assert mine is not None and (mine.stars, mine.thumbs) == (4, "up")
    assert view.reviewer_rating(CLINICIAN.email) is None and len(view.user_ratings) == 1
    assert [e.actor for e in view.history] == [CLINICIAN.email, REVIEWER.email]


def test_unknown_ids_and_viewers_are_refused(session: Session, thread_ids: list[str]) -> None:
    with pytest.raises(NotFound, match="nope"):
        load_conversation("nope", session=session, principal=REVIEWER)
    with pytest.raises(PermissionDenied):
        load_conversation(thread_ids[0], session=session, principal=VIEWER)


def test_the_form_opens_on_the_stored_state_and_saves_only_what_changed(
    session: Session, thread_ids: list[str]
) -> None:
    view = load_conversation(thread_ids[1], session=session, principal=REVIEWER)
    loaded = view.form(REVIEWER.email)
    assert loaded.ideal_answer == view.assistant_message and loaded.stars == 0 and loaded.status == "pending"
    same = loaded.changes_to(loaded, original_answer=view.assistant_message, may_judge=True)
    assert same.is_empty()
    edited = replace(loaded, ideal_answer=" Better answer. ", stars=3, topics=(), clinical_verdict="unsafe")
    changes = loaded.changes_to(edited, original_answer=view.assistant_message, may_judge=False)
    assert changes == review.ReviewChanges(
        ideal_answer="Better answer.", rating=review.ReviewerRating(3, None), topics=()
    )
    review.save_review(
        thread_ids[1], changes, expected_version=view.review.version, session=session, principal=REVIEWER
    )
    reopened = load_conversation(thread_ids[1], session=session, principal=REVIEWER).form(REVIEWER.email)
    assert reopened == replace(edited, ideal_answer="Better answer.", clinical_verdict="")
    back = reopened.changes_to(
        replace(reopened, ideal_answer=view.assistant_message),
        original_answer=view.assistant_message,
        may_judge=True,
    )
    assert back == review.ReviewChanges(ideal_answer="")
