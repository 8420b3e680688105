"""The Review page under AppTest: the conversation, saving a review, a refused stale save that keeps the
user's text, walking a queue, and what each role may touch."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from core import review
from core.auth import ROLE_PERMISSIONS, Permission, Principal, Role
from core.db import session_scope
from core.models import Review
from tests.dashboard.conftest import Store, make_records

PAGE = "views/review.py"
OTHER = Principal("other@example.org", Role.REVIEWER)


def as_role(monkeypatch: pytest.MonkeyPatch, role: Role) -> Principal:
    principal = Principal(email=f"{role.value}@example.org", role=role)
    monkeypatch.setattr("dashboard.context.resolve_principal", lambda settings: principal)
    return principal


def button(at: AppTest, label: str) -> object:
    return next(b for b in at.button if b.label == label)


def param(at: AppTest, key: str) -> str:
    """A query parameter as the page left it (AppTest keeps a string or a list, depending on who set it)."""
    value = at.query_params[key]
    return value if isinstance(value, str) else value[-1]


def texts(elements: object) -> str:
    return " ".join(str(e.value) for e in elements)  # type: ignore[attr-defined]


def stored_review(engine: Engine, interaction_id: str) -> Review | None:
    with session_scope(engine) as session:
        return session.scalar(select(Review).where(Review.interaction_id == interaction_id))


def open_review(app: AppTest, **params: str) -> AppTest:
    for key, value in params.items():
        app.query_params[key] = value
    return app.switch_page(PAGE).run()


def test_an_empty_queue_says_so(app: AppTest) -> None:
    at = open_review(app)
    assert not at.exception
    assert "This queue is empty" in at.info[0].value


def test_the_conversation_metadata_and_ratings_are_shown(app: AppTest, store: Store) -> None:
    store(make_records(4))
    at = open_review(app, id="r-0003")
    assert not at.exception
    assert "question 3" in texts(at.text) and "answer 3" in texts(at.text)
    details = at.dataframe[0].value
    assert "gpt-4.1-mini" in list(details["Value"])
    ratings = at.dataframe[1].value
    assert list(ratings["Source"]) == ["user"] and list(ratings["Stars"]) == [5]
    assert "Not reviewed yet." in texts(at.caption)
    assert param(at, "preset") == "custom"


def test_editing_the_ideal_answer_and_approving_is_saved_and_shows_a_diff(
    app: AppTest, store: Store, engine: Engine
) -> None:
    store(make_records(4))
    at = open_review(app, id="r-0001")
    at.text_area(key="review_ideal_answer:r-0001").input("A better answer 1.").run()
    assert "+A better answer 1." in at.code[0].value
    at.radio(key="review_status:r-0001").set_value("approved").run()
    button(at, "Save").click().run()  # type: ignore[attr-defined]
    assert not at.exception
    row = stored_review(engine, "r-0001")
    assert row is not None and (row.status, row.ideal_answer, row.version) == (
        "approved",
        "A better answer 1.",
        1,
    )
    assert "Review version 1" in texts(at.caption)
    assert at.dataframe[-1].value["Who"][0] == "dev-admin@localhost"  # the history


def test_a_stale_save_is_refused_keeps_the_text_and_reload_shows_theirs(
    app: AppTest, store: Store, engine: Engine
) -> None:
    store(make_records(2))
    at = open_review(app, id="r-0001")
    key = "review_ideal_answer:r-0001"
    at.text_area(key=key).input("My careful rewrite.").run()
    with session_scope(engine) as session:  # someone else saves meanwhile
        review.set_notes("r-0001", "theirs", expected_version=0, session=session, principal=OTHER)
    button(at, "Save").click().run()  # type: ignore[attr-defined]
    assert not at.exception
    assert "other@example.org" in texts(at.error) and "reload to see their changes" in texts(at.error)
    assert at.text_area(key=key).value == "My careful rewrite."
    button(at, "Save").click().run()  # type: ignore[attr-defined]  # still refused: never wins on a retry
    row = stored_review(engine, "r-0001")
    assert row is not None and (row.ideal_answer, row.notes, row.version) == (None, "theirs", 1)
    button(at, "Reload (discard my edits)").click().run()  # type: ignore[attr-defined]
    assert at.text_area(key="review_notes:r-0001").value == "theirs"
    assert at.text_area(key=key).value == "answer 1"
    assert not at.error


def test_save_and_next_walks_the_queue(app: AppTest, store: Store, engine: Engine) -> None:
    store(make_records(5))  # r-0000 and r-0003 are rated; the unrated queue is 1, 2, 4 (oldest first)
    at = open_review(app, preset="unrated")
    assert param(at, "id") == "r-0001"
    assert "1 of 3" in texts(at.markdown)
    at.radio(key="review_stars:r-0001").set_value(2).run()
    button(at, "Save and next").click().run()  # type: ignore[attr-defined]
    assert not at.exception
    assert param(at, "id") == "r-0002"
    assert "question 2" in texts(at.text)
    assert "1 of 2" in texts(at.markdown)  # r-0001, rated now, left the queue
    button(at, "Save and next").click().run()  # type: ignore[attr-defined]  # nothing changed: just next
    assert param(at, "id") == "r-0004"
    assert "2 of 2" in texts(at.markdown)
    button(at, "Next →").click().run()  # type: ignore[attr-defined]
    assert param(at, "id") == "r-0004" and "last interaction" in texts(at.info)
    button(at, "← Previous").click().run()  # type: ignore[attr-defined]
    assert param(at, "id") == "r-0002"
    with session_scope(engine) as session:
        assert review.current_version(session, "r-0001") == 1
        assert review.current_version(session, "r-0002") == 0


def test_switching_the_queue_opens_its_first_interaction(app: AppTest, store: Store) -> None:
    store(make_records(5))
    at = open_review(app, id="r-0004")
    at.selectbox(key="review_preset").select("pii").run()
    assert not at.exception
    assert "This queue is empty" in texts(at.info)
    at.selectbox(key="review_preset").select("low_rated").run()
    assert param(at, "id") == "r-0003"  # both rated ones have 5 stars; the newer comes first


@pytest.mark.parametrize(
    ("role", "sees_verdict"), [(Role.ADMIN, True), (Role.CLINICIAN, True), (Role.REVIEWER, False)]
)
def test_only_clinicians_and_admins_get_the_verdict(
    app: AppTest, store: Store, monkeypatch: pytest.MonkeyPatch, role: Role, sees_verdict: bool
) -> None:
    as_role(monkeypatch, role)
    store(make_records(2))
    at = open_review(app, id="r-0001")
    assert not at.exception
    keys = {s.key for s in at.selectbox}
    assert ("review_clinical_verdict:r-0001" in keys) is sees_verdict
    assert bool(at.text_area) and any(b.label == "Save" for b in at.button)


def test_a_viewer_cannot_reach_the_page(app: AppTest, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    as_role(monkeypatch, Role.VIEWER)
    store(make_records(2))
    at = app.run()
    with pytest.raises(ValueError, match="registered"):
        at.switch_page(PAGE)


def test_a_role_that_may_only_read_interactions_sees_a_read_only_review(
    app: AppTest, store: Store, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        ROLE_PERMISSIONS, Role.VIEWER, ROLE_PERMISSIONS[Role.VIEWER] | {Permission.VIEW_INTERACTIONS}
    )
    as_role(monkeypatch, Role.VIEWER)
    store(make_records(2))
    with session_scope(engine) as session:
        review.set_ideal_answer("r-0001", "Corrected.", expected_version=0, session=session, principal=OTHER)
    at = open_review(app, id="r-0001")
    assert not at.exception
    assert "can read reviews but not change them" in texts(at.caption)
    assert not at.text_area and not any(b.label == "Save" for b in at.button)
    assert "Corrected." in texts(at.text)


def test_an_unknown_id_is_reported(app: AppTest, store: Store) -> None:
    store(make_records(1))
    at = open_review(app, id="missing")
    assert not at.exception
    assert "no interaction with id missing" in texts(at.error)


def test_a_link_with_listing_filters_walks_those_filters(app: AppTest, store: Store) -> None:
    store(make_records(7))  # 0, 3 and 6 are rated
    at = open_review(app, stars="5", sort="oldest")
    assert not at.exception
    assert param(at, "preset") == "custom" and param(at, "id") == "r-0000"
    assert "1 of 3" in texts(at.markdown)
