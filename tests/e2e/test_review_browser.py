"""The review workflow in a real browser: open a filtered view of the interactions, edit the ideal answer of
one and approve it, and find it so in the database; then work through 20 items of the "Unrated" queue with
"Save and next" without a single page error.

In: its own `bloomtune demo` database (`review_site`, so the test can read it back) served by `streamlit run`
in development mode (signed in as the demo admin). Out: assertions on the page and on the database.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from core.db import session_scope
from core.models import Rating, Review
from tests.e2e.conftest import ReviewSite, approve_with_ideal_answer, current_id, no_page_error

QUEUE_WALK = 20


def widget(page: Any, field: str, interaction_id: str) -> Any:
    """The review widget `field` of `interaction_id` (its `st-key-…` class; stale copies have another id)."""
    return page.locator("." + re.sub(r"[^a-zA-Z0-9_-]", "-", f"st-key-review_{field}:{interaction_id}"))


def wait_for_id_change(page: Any, previous: str) -> str:
    # Streamlit rewrites the query string in place (no navigation), so poll the location.
    page.wait_for_function(
        "previous => !window.location.search.includes('id=' + previous)", arg=previous, timeout=30_000
    )
    return current_id(page)


def test_a_reviewer_corrects_and_approves_an_answer(
    browser_page: Any, expect: Any, review_site: ReviewSite
) -> None:
    page = browser_page
    page.goto(f"{review_site.url}/review?stars=1&stars=2&stars=3&stars=4&stars=5&sort=lowest_rated")
    expect(page.get_by_role("heading", name="Review", exact=True)).to_be_visible(timeout=30_000)
    assert "preset=custom" in page.url
    expect(page.get_by_text(re.compile(r"^1 of \d+$"))).to_be_visible()  # the filtered set: rated ones only
    interaction_id = current_id(page)
    approve_with_ideal_answer(
        page, expect, "Rest, warmth and gentle movement ease cramps; see a doctor if the pain is severe."
    )
    with session_scope(review_site.engine) as session:
        row = session.get(Review, interaction_id)
        assert row is not None
        assert row.status == "approved"
        assert row.ideal_answer is not None and row.ideal_answer.startswith("Rest, warmth")
        assert row.reviewer == "dev-admin@localhost" and row.version == 1


def test_twenty_items_of_a_queue_with_save_and_next(
    browser_page: Any, expect: Any, review_site: ReviewSite
) -> None:
    page = browser_page
    page.goto(f"{review_site.url}/review?preset=unrated")
    expect(page.get_by_text(re.compile(r"^1 of \d+$"))).to_be_visible(timeout=30_000)
    seen = [current_id(page)]
    for step in range(QUEUE_WALK):
        stars = "★" * (step % 5 + 1)
        widget(page, "stars", seen[-1]).get_by_text(stars, exact=True).click()
        widget(page, "save_next", seen[-1]).get_by_role("button").click()
        seen.append(wait_for_id_change(page, seen[-1]))  # the next one opens once the save is committed
        no_page_error(page, expect)
    walked = seen[:QUEUE_WALK]
    assert len(set(walked)) == QUEUE_WALK
    with session_scope(review_site.engine) as session:
        rated = session.scalar(
            select(func.count(func.distinct(Rating.interaction_id))).where(
                Rating.source == "reviewer", Rating.interaction_id.in_(walked)
            )
        )
        assert rated == QUEUE_WALK
