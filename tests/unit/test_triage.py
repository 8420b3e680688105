"""Triage columns: the copies on `interaction` follow every later write to ratings, reviews and topics,
`suspicion` follows them, the writer's dose check agrees with full-text search, and the migration backfills
what was stored before it.

In: the known interactions of `tests.listing_data` in the per-test database. Out: the triage columns read
back after each write. The same tests run on PostgreSQL from tests/integration.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from core import search, triage
from core.ingest import set_aside
from core.ingest.records import Record
from core.ingest.writer import IngestWriter
from core.migrate import upgrade
from core.models import Interaction, InteractionTopic, Rating, Review
from core.pseudonym import Pseudonymizer
from core.sql import dialect_of
from tests.listing_data import DAY, fill, iid
from tests.old_schema import old_database

COLUMNS = ("user_thumbs", "reviewer_rated", "review_status", "clinical_verdict", "suspicion")


@pytest.fixture
def known(session: Session) -> Session:
    return fill(session)


def triage_of(session: Session, number: int) -> dict[str, Any]:
    session.expire_all()
    row = session.execute(
        select(*(getattr(Interaction, c) for c in COLUMNS)).where(Interaction.id == iid(number))
    ).one()
    return dict(row._mapping)


def test_the_writer_and_triggers_fill_the_columns(known: Session) -> None:
    assert triage_of(known, 0) == {
        "user_thumbs": "up",
        "reviewer_rated": False,
        "review_status": "pending",
        "clinical_verdict": None,
        "suspicion": 0,
    }
    assert triage_of(known, 1)["review_status"] == "rejected"
    assert triage_of(known, 1)["suspicion"] == 3  # judged unsafe
    assert triage_of(known, 2)["suspicion"] == 2  # thumbs down on pregnancy
    assert triage_of(known, 3)["suspicion"] == 1  # "400 mg"
    assert triage_of(known, 4)["reviewer_rated"]


def test_thumbs_are_the_latest_user_thumbs(known: Session) -> None:
    later = Rating(interaction_id=iid(0), source="user", thumbs="down", created_at=DAY + timedelta(days=9))
    known.add(later)
    known.flush()
    assert triage_of(known, 0)["user_thumbs"] == "down"
    known.add(Rating(interaction_id=iid(0), source="user", thumbs="up", created_at=DAY - timedelta(days=1)))
    known.flush()
    assert triage_of(known, 0)["user_thumbs"] == "down"  # an older rating arriving late changes nothing
    known.add(
        Rating(interaction_id=iid(0), source="reviewer", thumbs="up", created_at=DAY + timedelta(days=10))
    )
    known.flush()
    assert triage_of(known, 0)["user_thumbs"] == "down"  # a reviewer's thumbs are not the user's
    known.execute(update(Rating).where(Rating.id == later.id).values(thumbs="up"))
    assert triage_of(known, 0)["user_thumbs"] == "up"
    known.execute(delete(Rating).where(Rating.interaction_id == iid(0), Rating.source == "user"))
    assert triage_of(known, 0)["user_thumbs"] is None


def test_reviewer_ratings_set_and_clear_reviewer_rated(known: Session) -> None:
    known.add(Rating(interaction_id=iid(2), source="reviewer", stars=4, created_at=DAY))
    known.flush()
    assert triage_of(known, 2)["reviewer_rated"]
    known.execute(delete(Rating).where(Rating.interaction_id == iid(2), Rating.source == "reviewer"))
    assert not triage_of(known, 2)["reviewer_rated"]
    known.execute(update(Rating).where(Rating.interaction_id == iid(4)).values(source="user"))
    assert not triage_of(known, 4)["reviewer_rated"]


def test_review_state_is_copied_and_cleared(known: Session) -> None:
    known.add(Review(interaction_id=iid(2), status="approved", clinical_verdict="inaccurate", updated_at=DAY))
    known.flush()
    state = triage_of(known, 2)
    assert (state["review_status"], state["clinical_verdict"], state["suspicion"]) == (
        "approved",
        "inaccurate",
        3,
    )
    known.execute(update(Review).where(Review.interaction_id == iid(2)).values(clinical_verdict="accurate"))
    assert triage_of(known, 2)["suspicion"] == 2  # back to "disliked on a sensitive topic"
    known.execute(delete(Review).where(Review.interaction_id == iid(2)))
    assert (triage_of(known, 2)["review_status"], triage_of(known, 2)["clinical_verdict"]) == (
        "pending",
        None,
    )


def test_suspicion_follows_sensitive_topic_tags(known: Session) -> None:
    known.execute(delete(InteractionTopic).where(InteractionTopic.interaction_id == iid(2)))
    assert triage_of(known, 2)["suspicion"] == 0
    known.add(InteractionTopic(interaction_id=iid(2), topic="menopause", source="reviewer"))
    known.flush()
    assert triage_of(known, 2)["suspicion"] == 2
    known.execute(
        update(InteractionTopic).where(InteractionTopic.interaction_id == iid(2)).values(topic="mood")
    )
    assert triage_of(known, 2)["suspicion"] == 0


def test_a_low_star_rating_on_a_sensitive_topic_raises_suspicion(known: Session) -> None:
    known.add(InteractionTopic(interaction_id=iid(4), topic="menopause", source="reviewer"))
    known.flush()
    assert triage_of(known, 4)["suspicion"] == 0  # sensitive, but nobody disliked it
    known.add(Rating(interaction_id=iid(4), source="user", stars=2, created_at=DAY + timedelta(days=5)))
    known.flush()
    assert triage_of(known, 4)["suspicion"] == 2


TEXTS = st.text(
    alphabet=st.sampled_from(list("mg dosage tablets a day double the Mg.,milligram5-")), max_size=60
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=TEXTS, answer=TEXTS)
def test_the_dose_check_agrees_with_full_text_search(known: Session, question: str, answer: str) -> None:
    """The writer decides `mentions_dose` in Python; the migration backfilled it through the index."""
    known.execute(
        update(Interaction)
        .where(Interaction.id == iid(4))
        .values(user_message=question, assistant_message=answer)
    )
    hit = known.scalar(
        select(Interaction.id).where(
            Interaction.id == iid(4), search.mentions_any(known, triage.DOSE_PHRASES)
        )
    )
    assert triage.mentions_dose(question, answer) == (hit is not None)
    known.rollback()


def test_the_migration_backfills_what_was_stored_before_it(empty_db_url: str) -> None:
    with old_database(empty_db_url, "0008", "Can I take 800 mg?", "Please ask first.") as (
        engine,
        connection,
    ):
        for source, thumbs, at in (
            ("user", "up", "08:00"),
            ("user", "down", "09:00"),
            ("reviewer", "up", "10:00"),
        ):
            connection.execute(
                text(
                    "INSERT INTO rating (interaction_id, source, thumbs, created_at) "
                    f"VALUES ('old', '{source}', '{thumbs}', '2026-10-01 {at}:00')"
                )
            )
        connection.execute(
            text("INSERT INTO interaction_topic (interaction_id, topic) VALUES ('old', 'contraception')")
        )
        connection.execute(
            text(
                "INSERT INTO review (interaction_id, status, clinical_verdict, updated_at, version) "
                "VALUES ('old', 'approved', 'unsure', '2026-10-01 08:00:00', 1)"
            )
        )
    upgrade(engine)
    with Session(engine) as session:
        row = session.execute(select(*(getattr(Interaction, c) for c in (*COLUMNS, "mentions_dose")))).one()
        assert dict(row._mapping) == {
            "user_thumbs": "down",
            "reviewer_rated": True,
            "review_status": "approved",
            "clinical_verdict": "unsure",
            "suspicion": 2,
            "mentions_dose": True,
        }
    engine.dispose()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    verdict=st.sampled_from([None, "accurate", "inaccurate", "unsafe", "unsure"]),
    thumbs=st.sampled_from([None, "up", "down"]),
    stars=st.sampled_from([None, 1, 2, 3, 4, 5]),
    topics=st.lists(st.sampled_from(["period", "pregnancy", "mood", "menopause"]), unique=True),
    dose=st.booleans(),
)
def test_the_writers_rule_is_the_databases_rule(
    known: Session, verdict: str | None, thumbs: str | None, stars: int | None, topics: list[str], dose: bool
) -> None:
    known.execute(delete(InteractionTopic).where(InteractionTopic.interaction_id == iid(4)))
    known.add_all(InteractionTopic(interaction_id=iid(4), topic=topic) for topic in topics)
    known.flush()
    row = Interaction.__table__
    known.execute(
        update(row)
        .where(row.c.id == iid(4))
        .values(clinical_verdict=verdict, user_thumbs=thumbs, user_stars=stars, mentions_dose=dose)
    )
    expected = triage.suspicion(verdict=verdict, thumbs=thumbs, stars=stars, topics=topics, dose=dose)
    assert triage_of(known, 4)["suspicion"] == expected
    known.rollback()


def _large_batch(size: int) -> list[Record]:
    questions = ("Could I be pregnant?", "Are my cramps normal?", "Is 400 mg of ibuprofen fine?", "Hello")
    return [
        Record(
            id=f"batch-{n:04d}",
            messages=[
                {"role": "user", "content": questions[n % len(questions)]},
                {"role": "assistant", "content": "An answer."},
            ],
            rating=(None, 1, 2, 4, 5)[n % 5],
            thumbs=(None, "up", "down")[n % 3],
        )
        for n in range(size)
    ]


def test_a_large_batch_stores_what_the_triggers_it_sets_aside_would(session: Session) -> None:
    """The writer's large batches run without the insert triggers it does the work of (SQLite): every row
    still holds what the database's own rules give, and the triggers work again for the next rating."""
    writer = IngestWriter(session, pseudonymize=Pseudonymizer("test-key"), source="import")
    result = writer.write(_large_batch(set_aside.BATCH_MIN_ROWS + 20))
    session.commit()
    assert len(result.accepted) == set_aside.BATCH_MIN_ROWS + 20
    recomputed = text(
        "SELECT count(*) FROM interaction WHERE id LIKE 'batch-%' AND ("
        "user_stars IS NOT (SELECT max(stars) FROM rating r WHERE r.interaction_id = interaction.id "
        "AND r.source = 'user') OR user_thumbs IS NOT (SELECT thumbs FROM rating r "
        "WHERE r.interaction_id = interaction.id AND r.source = 'user') "
        f"OR suspicion <> {triage.SUSPICION_SQL.format(row='interaction')})"
    )
    if dialect_of(session) == "postgresql":
        recomputed = text(str(recomputed).replace(" IS NOT (", " IS DISTINCT FROM ("))
    assert session.scalar(recomputed) == 0
    levels = session.scalars(select(Interaction.suspicion).where(Interaction.id.like("batch-%")).distinct())
    assert set(levels) == {0, 1, 2}  # the batch exercises every rule the writer applies
    calm = session.scalar(
        select(Interaction.id).where(Interaction.id.like("batch-%"), Interaction.user_stars == 5)
    )
    session.add(Rating(interaction_id=calm, source="user", thumbs="down", created_at=datetime(2100, 1, 1)))
    session.commit()
    assert session.get(Interaction, calm).user_thumbs == "down"  # type: ignore[union-attr]
