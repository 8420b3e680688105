"""The Interactions page driven through its own widgets in a real browser: a search and two filters picked in
the page narrow the listing and land in the URL, a row's "Open" link opens its conversation for review, and
rows ticked in the table are approved together.

In: its own `bloomtune demo` database (`review_site`, so the test can read it back) served by `streamlit run`
in development mode (signed in as the demo admin). Out: assertions on the page, its URL, the page's CSV and the
database.

The table is a canvas: a row is ticked by clicking its box in the row-marker column and a link by clicking its
cell, both found from the table's box and its fixed row height (`ROW_HEIGHT` in the page, header included).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core.db import session_scope
from core.models import Review
from tests.e2e.conftest import ReviewSite, approve_with_ideal_answer, current_id, finished_run, no_page_error

TIMEOUT_MS = 30_000
ROW_HEIGHT = 35  # dashboard/views/interactions.py ROW_HEIGHT; the header row is as high
MARKER_X = 17  # the middle of the row-marker column (the selection boxes)
OPEN_X = 56  # the "Open" link in the first data column, 55 px wide
CAPTION = re.compile(r"^([\d,]+) interactions( match)? · showing")
OPEN_ATTEMPTS = 3
SEARCH_WORD = "period"
IDEAL_ANSWER = "Track the dates for three cycles; a gap over 90 days is worth a visit to a doctor."


def listing_total(page: Any, expect: Any, *, filtered: bool) -> int:
    """The listing's total from its caption, once the caption says whether filters are on."""
    caption = page.get_by_text(CAPTION)
    expect(caption).to_contain_text(" match ·" if filtered else " interactions · ", timeout=TIMEOUT_MS)
    finished_run(page, expect)
    found = CAPTION.match(caption.inner_text())
    assert found is not None
    return int(found.group(1).replace(",", ""))


def wait_for_total_change(page: Any, expect: Any, previous: int) -> int:
    caption = page.get_by_text(CAPTION)
    expect(caption).not_to_have_text(re.compile(rf"^{previous:,} interactions"), timeout=TIMEOUT_MS)
    return listing_total(page, expect, filtered=True)


def pick(page: Any, expect: Any, key: str, option: str) -> None:
    """Choose `option` in the multiselect keyed `key` (the Filters panel must be open) and close its list.

    Now and then (about one run in five on a loaded machine) the list closes again right after the click
    opens it, even after the option has shown, so opening and choosing are repeated together, at most
    `OPEN_ATTEMPTS` times, until the choice is made."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    box = page.locator(f".st-key-{key}").get_by_role("combobox")
    choice = page.get_by_role("option", name=option, exact=True)
    wait = TIMEOUT_MS // OPEN_ATTEMPTS
    for attempt in range(1, OPEN_ATTEMPTS + 1):
        finished_run(page, expect)
        box.click()
        try:
            expect(choice).to_be_visible(timeout=wait)
            choice.click(timeout=wait)
            break
        except (AssertionError, PlaywrightTimeout):
            if attempt == OPEN_ATTEMPTS:
                raise
    page.keyboard.press("Escape")


def cell(page: Any, row: int, x: float) -> tuple[float, float]:
    """The page position `x` px into the table at the middle of data row `row` (0 is the first)."""
    table = page.get_by_test_id("stDataFrame")
    # Its top rows below the app's fixed header, wherever a download button left the page scrolled.
    table.evaluate("e => { e.style.scrollMarginTop = '200px'; e.scrollIntoView({block: 'start'}); }")
    box = table.bounding_box()
    assert box is not None
    return box["x"] + x, box["y"] + ROW_HEIGHT * (row + 1) + ROW_HEIGHT / 2


def page_csv(page: Any) -> list[dict[str, str]]:
    """The rows of "Download this page (CSV)", in the table's order."""
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        page.get_by_role("button", name="Download this page (CSV)").click()
    with Path(download.value.path()).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def approved_ids(site: ReviewSite) -> set[str]:
    with session_scope(site.engine) as session:
        return set(session.scalars(select(Review.interaction_id).where(Review.status == "approved")))


def test_a_reviewer_filters_the_listing_and_approves_a_row_from_it(
    browser_page: Any, expect: Any, review_site: ReviewSite
) -> None:
    page = browser_page
    page.goto(f"{review_site.url}/interactions")
    everything = listing_total(page, expect, filtered=False)

    search = page.get_by_label("Search questions and answers")
    search.fill(SEARCH_WORD)
    search.press("Enter")
    searched = listing_total(page, expect, filtered=True)
    assert 0 < searched < everything
    expect(page).to_have_url(re.compile(rf"[?&]q={SEARCH_WORD}(&|$)"), timeout=TIMEOUT_MS)

    page.get_by_text("Filters", exact=True).click()
    pick(page, expect, "stars", "5")
    five_stars = wait_for_total_change(page, expect, searched)
    assert 0 < five_stars < searched
    expect(page).to_have_url(re.compile(r"[?&]stars=5(&|$)"), timeout=TIMEOUT_MS)
    pick(page, expect, "review", "pending")  # the panel is still open after the first pick
    expect(page).to_have_url(re.compile(r"[?&]review=pending(&|$)"), timeout=TIMEOUT_MS)
    expect(page.get_by_text("Filters (2 active)")).to_be_visible(timeout=TIMEOUT_MS)
    finished_run(page, expect)
    assert f"q={SEARCH_WORD}" in page.url and "stars=5" in page.url
    no_page_error(page, expect)

    first = page_csv(page)[0]
    assert first["stars"] == "5" and first["review_status"] == "pending"
    with page.context.expect_page(timeout=TIMEOUT_MS) as opened:
        x, y = cell(page, 0, OPEN_X)
        page.mouse.move(x, y)  # the table follows links only under the pointer
        page.mouse.click(x, y)
    review = opened.value
    expect(review.get_by_role("heading", name="Review", exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    assert current_id(review) == first["id"]
    for carried in (f"q={SEARCH_WORD}", "stars=5", "review=pending"):
        assert carried in review.url
    expect(review.get_by_text(re.compile(r"^1 of \d+$"))).to_be_visible(timeout=TIMEOUT_MS)
    approve_with_ideal_answer(review, expect, IDEAL_ANSWER)

    with session_scope(review_site.engine) as session:
        saved = session.get(Review, first["id"])
        assert saved is not None
        assert (saved.status, saved.ideal_answer) == ("approved", IDEAL_ANSWER)
        assert saved.reviewer == "dev-admin@localhost"


def test_rows_ticked_in_the_table_are_approved_together(
    browser_page: Any, expect: Any, review_site: ReviewSite
) -> None:
    page = browser_page
    page.goto(f"{review_site.url}/interactions")
    listing_total(page, expect, filtered=False)
    rows = page_csv(page)
    ticked = (0, 2, 4)
    for count, row in enumerate(ticked, start=1):
        page.mouse.click(*cell(page, row, MARKER_X))
        expect(page.get_by_role("button", name=f"Approve {count}", exact=True)).to_be_visible(
            timeout=TIMEOUT_MS
        )
        finished_run(page, expect)
    chosen = {rows[row]["id"] for row in ticked}
    before = approved_ids(review_site)
    assert not chosen & before

    page.get_by_role("button", name=f"Approve {len(ticked)}", exact=True).click()
    expect(page.get_by_text(f"{len(ticked)} interactions approved.")).to_be_visible(timeout=TIMEOUT_MS)
    finished_run(page, expect)
    no_page_error(page, expect)

    assert approved_ids(review_site) == before | chosen
    after = page_csv(page)
    assert [row["id"] for row in after] == [row["id"] for row in rows]
    assert [row["review_status"] for row in after] == [
        "approved" if row["id"] in chosen else row["review_status"] for row in rows
    ]
