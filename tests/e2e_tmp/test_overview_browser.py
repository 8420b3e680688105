"""The console in a real browser: the Overview shows what the CLI says is stored, the listing pages.

In: `demo_site` (300 demo interactions served by `streamlit run`) and a headless Chromium page.
Out: what a person would see — the total interactions, the banners, the charts and a shared listing URL.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e_tmp.conftest import DemoSite

pytestmark = pytest.mark.browser
TIMEOUT_MS = 30_000


def test_overview_shows_the_demo_total(demo_site: DemoSite, browser_page: Any, expect: Any) -> None:
    page = browser_page
    page.goto(demo_site.url)
    interactions = page.get_by_test_id("stMetric").filter(has=page.get_by_text("Interactions", exact=True))
    expect(interactions.get_by_test_id("stMetricValue")).to_have_text(
        f"{demo_site.total_interactions:,}", timeout=TIMEOUT_MS
    )
    expect(page.get_by_text("Development mode — signed in as demo admin")).to_be_visible()
    expect(page.get_by_text("Demo data", exact=False).first).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(3, timeout=TIMEOUT_MS)


def test_a_shared_listing_url_opens_that_page(demo_site: DemoSite, browser_page: Any, expect: Any) -> None:
    page = browser_page
    page.goto(f"{demo_site.url}/interactions?page=2&size=25")
    expect(page.get_by_text(f"{demo_site.total_interactions:,} interactions · showing 26–50")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
