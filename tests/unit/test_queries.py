"""The dashboard's read services against known data: `core.queries` and `core.interactions`.

In: the migrated per-test SQLite database (`session` fixture) filled through the real ingest writer.
Out: the numbers each service reports, checked against what was inserted, and the permission checks.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from core import rollups
from core.auth import Principal, Role
from core.errors import InputError, PermissionDenied
from core.ingest.records import Record
from core.ingest.writer import IngestWriter
from core.interactions import ELLIPSIS, MAX_PAGE_SIZE, PREVIEW_CHARS, list_interactions
from core.models import Rating
from core.pseudonym import Pseudonymizer
from core.queries.overview import DayCount, ModelCount, interactions_per_day, overview
from core.queries.provenance import demo_interaction_count
from tests.conftest import TEST_KEY

DAY = datetime(2026, 10, 1, 8, 0)
VIEWER = Principal(email="viewer@example.org", role=Role.VIEWER)
REVIEWER = Principal(email="reviewer@example.org", role=Role.REVIEWER)


def record(number: int, created_at: datetime, **fields: Any) -> Record:
    """Interaction `i-<number>` asking "question <number>"; `fields` are any other `Record` fields."""
    values: dict[str, Any] = {
        "id": f"i-{number:03d}",
        "created_at": created_at,
        "messages": [
            {"role": "user", "content": f"question {number}"},
            {"role": "assistant", "content": f"answer {number}"},
        ],
    }
    values.update(fields)
    return Record.model_validate(values)


def write(session: Session, records: list[Record], *, source: str = "import") -> None:
    IngestWriter(session, pseudonymize=Pseudonymizer(TEST_KEY), source=source).write(records)
    session.commit()


@pytest.fixture
def known(session: Session) -> Session:
    """Six interactions over three days (none on the second), two models, one error, known ratings.

    user ratings:   i-000 5★ up · i-001 4★ · i-002 thumbs down, later 2★ · i-003 up · i-004, i-005 unrated
    reviewer:       i-004 1★ (never counted as a user rating)
    """
    day3 = DAY + timedelta(days=2)
    write(
        session,
        [
            record(
                0,
                DAY,
                user_id="ann",
                conversation_id="c1",
                model="m-a",
                latency_ms=100,
                rating=5,
                thumbs="up",
            ),
            record(1, DAY + timedelta(hours=1), user_id="ann", conversation_id="c1", model="m-a", rating=4),
            record(
                2, DAY + timedelta(hours=2), user_id="bob", conversation_id="c2", model="m-b", thumbs="down"
            ),
            record(3, day3, user_id="bob", conversation_id="c3", model="m-a", latency_ms=300, thumbs="up"),
            record(4, day3 + timedelta(hours=1), user_id="cy", conversation_id="c4", latency_ms=200),
            record(
                5,
                day3 + timedelta(hours=2),
                user_id="cy",
                conversation_id="c4",
                model="m-a",
                status="error",
                messages=[{"role": "user", "content": "question 5"}],
            ),
        ],
    )
    with rollups.ratings_changing(session, ["i-002", "i-004"]):
        session.add_all(
            [
                Rating(interaction_id="i-002", source="user", stars=2, created_at=DAY + timedelta(hours=3)),
                Rating(interaction_id="i-004", source="reviewer", stars=1, author="rev", created_at=day3),
            ]
        )
    session.commit()
    return session


# -- overview ------------------------------------------------------------------------------------------


def test_overview_of_an_empty_database_is_empty(session: Session, admin: Principal) -> None:
    result = overview(session=session, principal=admin)
    assert result.is_empty
    assert result.headline.interactions == 0
    assert result.headline.share_rated is None and result.headline.mean_stars is None
    assert result.stars == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}
    assert result.per_day == [] and result.per_model == []


def test_overview_headline_counts_what_was_inserted(known: Session) -> None:
    headline = overview(session=known, principal=VIEWER).headline
    assert (headline.interactions, headline.conversations, headline.users) == (6, 4, 3)
    assert headline.errors == 1 and headline.error_rate == pytest.approx(1 / 6)
    assert headline.rated_interactions == 4 and headline.share_rated == pytest.approx(4 / 6)
    assert headline.star_ratings == 3 and headline.mean_stars == pytest.approx((5 + 4 + 2) / 3)
    assert (headline.thumbs_up, headline.thumbs_total) == (2, 3)
    assert headline.thumbs_up_rate == pytest.approx(2 / 3)


def test_overview_distributions(known: Session) -> None:
    result = overview(session=known, principal=VIEWER)
    assert result.stars == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}
    assert result.per_model == [
        ModelCount(model="m-a", interactions=4),
        ModelCount(model="m-b", interactions=1),
        ModelCount(model=None, interactions=1),
    ]
    assert result.per_day == [
        DayCount(day=date(2026, 10, 1), interactions=3),
        DayCount(day=date(2026, 10, 2), interactions=0),
        DayCount(day=date(2026, 10, 3), interactions=3),
    ]


def test_interactions_per_day_keeps_only_the_latest_days(known: Session) -> None:
    assert interactions_per_day(known, max_days=2) == [
        DayCount(day=date(2026, 10, 2), interactions=0),
        DayCount(day=date(2026, 10, 3), interactions=3),
    ]


def test_p95_latency_is_the_nearest_rank_over_measured_interactions(
    session: Session, admin: Principal
) -> None:
    write(session, [record(i, DAY + timedelta(minutes=i), latency_ms=i + 1) for i in range(100)])
    write(session, [record(100, DAY + timedelta(hours=5))])  # no latency: not part of the sample
    headline = overview(session=session, principal=admin).headline
    assert headline.p95_latency_ms == 95
    assert headline.latency_sample == 100


def test_demo_interactions_are_counted_apart(session: Session) -> None:
    write(session, [record(1, DAY)], source="import")
    assert demo_interaction_count(session=session) == 0
    write(session, [record(2, DAY), record(3, DAY)], source="demo")
    assert demo_interaction_count(session=session) == 2


# -- interaction listing -------------------------------------------------------------------------------


def test_listing_is_newest_first_with_the_users_latest_feedback(known: Session) -> None:
    page = list_interactions(session=known, principal=REVIEWER, page=1, page_size=4)
    assert page.total == 6 and page.page_count == 2
    assert [row.id for row in page.rows] == ["i-005", "i-004", "i-003", "i-002"]
    by_id = {row.id: row for row in page.rows}
    assert by_id["i-002"].stars == 2 and by_id["i-002"].thumbs == "down"
    assert by_id["i-004"].stars is None  # the reviewer's rating is not the user's
    assert by_id["i-005"].status == "error" and by_id["i-005"].answer == ""
    assert by_id["i-003"].question == "question 3" and by_id["i-003"].latency_ms == 300
    assert (page.first_position, page.last_position) == (1, 4)


def test_second_page_holds_the_rest(known: Session) -> None:
    page = list_interactions(session=known, principal=REVIEWER, page=2, page_size=4)
    assert [row.id for row in page.rows] == ["i-001", "i-000"]
    assert page.rows[1].stars == 5 and page.rows[1].thumbs == "up" and page.rows[1].model == "m-a"
    assert (page.first_position, page.last_position) == (5, 6)


def test_a_page_past_the_end_is_empty_but_knows_the_total(known: Session) -> None:
    page = list_interactions(session=known, principal=REVIEWER, page=9, page_size=4)
    assert page.rows == [] and page.total == 6 and page.page_count == 2


def test_rows_sharing_a_timestamp_never_repeat_across_pages(session: Session, admin: Principal) -> None:
    write(session, [record(i, DAY) for i in range(25)])
    seen = [
        row.id
        for number in (1, 2, 3)
        for row in list_interactions(session=session, principal=admin, page=number, page_size=10).rows
    ]
    assert sorted(seen) == [f"i-{i:03d}" for i in range(25)]


def test_long_text_is_cut_to_a_preview(session: Session, admin: Principal) -> None:
    long_question = "q" * (PREVIEW_CHARS + 50)
    write(
        session,
        [
            record(
                1,
                DAY,
                messages=[
                    {"role": "user", "content": long_question},
                    {"role": "assistant", "content": "a" * PREVIEW_CHARS},
                ],
            )
        ],
    )
    row = list_interactions(session=session, principal=admin).rows[0]
    assert row.question == "q" * PREVIEW_CHARS + ELLIPSIS
    assert row.answer == "a" * PREVIEW_CHARS


def test_an_empty_listing(session: Session, admin: Principal) -> None:
    page = list_interactions(session=session, principal=admin)
    assert page.rows == [] and page.total == 0 and page.page_count == 1 and page.first_position == 0


def test_a_viewer_is_refused_the_listing(known: Session) -> None:
    with pytest.raises(PermissionDenied, match="view interactions"):
        list_interactions(session=known, principal=VIEWER)


@pytest.mark.parametrize(("page", "page_size"), [(0, 25), (1, 0), (1, MAX_PAGE_SIZE + 1)])
def test_bad_paging_is_an_input_error(known: Session, admin: Principal, page: int, page_size: int) -> None:
    with pytest.raises(InputError):
        list_interactions(session=known, principal=admin, page=page, page_size=page_size)


def test_the_largest_page_size_is_allowed(known: Session, admin: Principal) -> None:
    assert len(list_interactions(session=known, principal=admin, page_size=MAX_PAGE_SIZE).rows) == 6
