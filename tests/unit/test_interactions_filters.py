"""The listing's filters, sorts and neighbours against known data (`tests.listing_data`).

In: the per-test migrated database (`session`) filled with five known interactions. Out: the ids each filter
and sort lists, the totals, and the next/previous ids a review queue walks.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import pytest
from sqlalchemy.orm import Session

from core.auth import Principal, Role
from core.errors import InputError, PermissionDenied
from core.interactions import (
    SORTS,
    FilterChoices,
    InteractionFilters,
    filter_choices,
    first_id,
    list_interactions,
    neighbour_id,
    position,
)
from tests.listing_data import DAY, fill, ids, iid

REVIEWER = Principal(email="reviewer@example.org", role=Role.REVIEWER)
VIEWER = Principal(email="viewer@example.org", role=Role.VIEWER)


@pytest.fixture
def known(session: Session) -> Session:
    return fill(session)


def listed(session: Session, filters: InteractionFilters | None = None, sort: str = "newest") -> list[int]:
    page = list_interactions(session=session, principal=REVIEWER, filters=filters, sort=sort, page_size=100)
    assert page.total == len(page.rows)
    return ids(page.rows)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (InteractionFilters(), [4, 3, 2, 1, 0]),
        (InteractionFilters(date_from=date(2026, 10, 2)), [4, 3, 2]),
        (InteractionFilters(date_to=date(2026, 10, 2)), [2, 1, 0]),
        (InteractionFilters(date_from=date(2026, 10, 2), date_to=date(2026, 10, 2)), [2]),
        (InteractionFilters(models=("m-a",)), [1, 0]),
        (InteractionFilters(models=("m-a", "m-b")), [3, 2, 1, 0]),
        (InteractionFilters(experiment="e1"), [1, 0]),
        (InteractionFilters(experiment="e1", variant="treatment"), [1]),
        (InteractionFilters(variant="control"), [0]),
        (InteractionFilters(stars=(5,)), [0]),
        (InteractionFilters(stars=(1, 2)), [1]),
        (InteractionFilters(stars=(None,)), [4, 2]),
        (InteractionFilters(stars=(4, None)), [4, 3, 2]),
        (InteractionFilters(thumbs=("up",)), [0]),
        (InteractionFilters(thumbs=("down",)), [2]),
        (InteractionFilters(thumbs=(None,)), [4, 3, 1]),
        (InteractionFilters(review_status=("pending",)), [4, 2, 0]),
        (InteractionFilters(review_status=("approved",)), [3]),
        (InteractionFilters(review_status=("approved", "rejected")), [3, 1]),
        (InteractionFilters(review_status=("pending", "approved")), [4, 3, 2, 0]),
        (InteractionFilters(clinical_verdict=("unsafe",)), [1]),
        (InteractionFilters(clinical_verdict=(None,)), [4, 2, 0]),
        (InteractionFilters(clinical_verdict=("accurate", None)), [4, 3, 2, 0]),
        (InteractionFilters(topic=("period",)), [3, 0]),
        (InteractionFilters(topic=("mood", "cramps_pain")), [4, 3, 1]),
        (InteractionFilters(topic=("fertility",)), []),
        (InteractionFilters(has_pii=True), [2]),
        (InteractionFilters(has_pii=False), [4, 3, 1, 0]),
        (InteractionFilters(is_duplicate=True), [4]),
        (InteractionFilters(is_duplicate=False), [3, 2, 1, 0]),
        (InteractionFilters(status="error"), [2]),
        (InteractionFilters(status="ok"), [4, 3, 1, 0]),
        (InteractionFilters(q="period"), [3, 0]),
        (InteractionFilters(suspected_unsafe=True), [3, 2, 1]),
        (InteractionFilters(suspected_unsafe=False), [4, 0]),
        (InteractionFilters(suspected_unsafe=True, q="period"), [3]),  # two full-text conditions at once
        (InteractionFilters(suspected_unsafe=True, q="zebra"), []),
        (InteractionFilters(reviewer_rated=True), [4]),
        (InteractionFilters(group=iid(3)), [4, 3]),
        (InteractionFilters(group=iid(0)), []),
        (InteractionFilters(reviewer_rated=False), [3, 2, 1, 0]),
        (InteractionFilters(models=("m-a", "m-b"), stars=(4, 5), topic=("period",), status="ok"), [3, 0]),
        (InteractionFilters(models=("m-b",), has_pii=False, review_status=("approved",), q="cramps"), [3]),
    ],
    ids=repr,
)
def test_each_filter_lists_exactly_its_matches(
    known: Session, filters: InteractionFilters, expected: list[int]
) -> None:
    assert listed(known, filters) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("newest", [4, 3, 2, 1, 0]),
        ("oldest", [0, 1, 2, 3, 4]),
        ("lowest_rated", [1, 3, 0, 4, 2]),  # unrated last, newest first among them
        ("highest_rated", [0, 3, 1, 4, 2]),
        ("slowest", [1, 3, 4, 0, 2]),  # no latency last
        ("unsafe_first", [1, 2, 3, 4, 0]),  # judged unsafe, disliked on a sensitive topic, a dose, the rest
    ],
)
def test_each_sort_orders_the_listing(known: Session, sort: str, expected: list[int]) -> None:
    assert list(SORTS) == ["newest", "oldest", "lowest_rated", "highest_rated", "slowest", "unsafe_first"]
    assert listed(known, sort=sort) == expected


@pytest.mark.parametrize("sort", list(SORTS))
def test_paging_a_sort_neither_repeats_nor_skips(known: Session, sort: str) -> None:
    whole = listed(known, sort=sort)
    pages = [
        ids(list_interactions(session=known, principal=REVIEWER, sort=sort, page=n, page_size=2).rows)
        for n in (1, 2, 3)
    ]
    assert [n for page in pages for n in page] == whole


@pytest.mark.parametrize("sort", list(SORTS))
@pytest.mark.parametrize(
    "filters", [InteractionFilters(), InteractionFilters(status="ok", has_pii=False)], ids=repr
)
def test_neighbours_walk_the_listing_both_ways(
    known: Session, sort: str, filters: InteractionFilters
) -> None:
    order = [iid(n) for n in listed(known, filters, sort)]

    def walk(start: str, direction: Literal["next", "previous"]) -> list[str]:
        path: list[str] = [start]
        while True:
            step = neighbour_id(
                session=known,
                principal=REVIEWER,
                filters=filters,
                sort=sort,
                current_id=path[-1],
                direction=direction,
            )
            if step is None:
                return path
            path.append(step)

    assert walk(order[0], "next") == order
    assert walk(order[-1], "previous") == order[::-1]


@pytest.mark.parametrize("sort", list(SORTS))
def test_first_id_and_positions_follow_the_listing(known: Session, sort: str) -> None:
    filters = InteractionFilters(status="ok")
    order = [iid(n) for n in listed(known, filters, sort)]
    args = {"session": known, "principal": REVIEWER, "filters": filters, "sort": sort}
    assert first_id(**args) == order[0]
    assert [position(**args, current_id=i) for i in order] == [(n, 4) for n in range(1, 5)]
    assert position(**args, current_id=iid(2)) == (0, 4)  # an error: not in the listing
    assert first_id(**{**args, "filters": InteractionFilters(q="zebra")}) is None


def test_the_neighbour_of_a_row_outside_the_filters_is_its_place_in_the_order(known: Session) -> None:
    approved_only = InteractionFilters(review_status=("pending",))  # i-3 is approved, so outside
    args = {"session": known, "principal": REVIEWER, "filters": approved_only, "sort": "newest"}
    assert neighbour_id(**args, current_id=iid(3), direction="next") == iid(2)
    assert neighbour_id(**args, current_id=iid(3), direction="previous") == iid(4)
    assert neighbour_id(**args, current_id="no-such-id", direction="next") is None


def test_the_rows_carry_review_state_pii_and_duplicate_group(known: Session) -> None:
    rows = {row.id: row for row in list_interactions(session=known, principal=REVIEWER).rows}
    assert rows[iid(3)].review_status == "approved" and rows[iid(1)].review_status == "rejected"
    assert rows[iid(4)].review_status == "pending"
    assert rows[iid(2)].has_pii and "<EMAIL>" in rows[iid(2)].question
    assert rows[iid(3)].similar == 1 and rows[iid(4)].similar == 1 and rows[iid(4)].duplicate_of == iid(3)
    assert rows[iid(0)].similar == 0 and rows[iid(0)].created_at == DAY


def test_filter_choices_are_the_values_present(known: Session) -> None:
    choices = filter_choices(session=known, principal=REVIEWER)
    assert choices == FilterChoices(
        models=["m-a", "m-b"], experiments=["e1"], variants=["control", "treatment"]
    )
    with pytest.raises(PermissionDenied):
        filter_choices(session=known, principal=VIEWER)


def test_an_unknown_sort_is_an_input_error(known: Session) -> None:
    with pytest.raises(InputError, match="unknown sort 'best'; choose from newest, oldest"):
        list_interactions(session=known, principal=REVIEWER, sort="best")


def test_a_viewer_gets_neither_listing_nor_neighbours(known: Session) -> None:
    with pytest.raises(PermissionDenied):
        list_interactions(session=known, principal=VIEWER, filters=InteractionFilters(q="period"))
    with pytest.raises(PermissionDenied):
        neighbour_id(
            session=known,
            principal=VIEWER,
            filters=InteractionFilters(),
            sort="newest",
            current_id=iid(0),
            direction="next",
        )
