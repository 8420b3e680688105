"""The Overview page under AppTest: the empty state, and the numbers for a known data set.

In: interactions written through the ingest writer (`store`). Out: the page's metric cards and charts.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.dashboard.conftest import Store, make_records

EMPTY_STATE = (
    "No interactions yet — import a file with `bloomtune import` or load demo data with `bloomtune demo`"
)


def metrics(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def test_empty_database_shows_how_to_load_data(app: AppTest) -> None:
    at = app.switch_page("views/overview.py").run()
    assert not at.exception
    assert [info.value for info in at.info] == [EMPTY_STATE]
    assert not at.metric


def test_numbers_match_the_stored_interactions(app: AppTest, store: Store) -> None:
    # 1,200 interactions over 50 days: every third rated 5 stars and thumbs up; 3 users; 600 conversations.
    store(make_records(1200))
    store(
        make_records(
            2, prefix="bad", status="error", model="gpt-4o", messages=[{"role": "user", "content": "?"}]
        )
    )
    at = app.run()
    assert not at.exception
    values = metrics(at)
    assert values["Interactions"] == "1,202"
    assert values["Conversations"] == "601"
    assert values["Users"] == "3"
    assert values["Rated by users"] == "33.4%"  # 401 of 1,202 (the two errors carry no rating)
    assert values["Mean stars"] == "5.00 / 5"
    assert values["Thumbs up"] == "100.0%"
    assert values["Error rate"] == "0.2%"
    assert values["p95 latency"].endswith(" ms")
    charts = at.get("plotly_chart")
    assert len(charts) == 3
