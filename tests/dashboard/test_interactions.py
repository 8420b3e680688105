"""The Interactions page under AppTest: server-side pages, filters and sort kept in the URL, search, the
empty states, review links, CSV, bulk actions per role and the duplicate scan.

In: interactions written through the ingest writer (`store`). Out: the rows, counts and controls the page
shows.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from core.auth import Principal, Role
from core.db import session_scope
from core.models import Interaction, InteractionTopic, Review
from tests.dashboard.conftest import Store, make_records

PAGE = "views/interactions.py"
ROWS = "rows"


def questions(at: AppTest) -> list[str]:
    return list(at.dataframe[0].value["Question"])


def caption(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def test_empty_database(app: AppTest) -> None:
    at = app.switch_page(PAGE).run()
    assert not at.exception
    assert "No interactions yet" in at.info[0].value
    assert not at.dataframe


def test_first_page_is_newest_first_with_the_total(app: AppTest, store: Store) -> None:
    store(make_records(60))
    at = app.switch_page(PAGE).run()
    assert not at.exception
    assert "60 interactions · showing 1–50 · page 1 of 2" in caption(at)
    assert questions(at)[:2] == ["question 59", "question 58"]
    assert len(questions(at)) == 50


def test_page_and_size_come_from_the_url(app: AppTest, store: Store) -> None:
    store(make_records(60))
    app.query_params["page"] = "2"
    app.query_params["size"] = "25"
    at = app.switch_page(PAGE).run()
    assert not at.exception
    assert "showing 26–50 · page 2 of 3" in caption(at)
    assert questions(at)[0] == "question 34"


def test_older_button_shows_different_rows(app: AppTest, store: Store) -> None:
    store(make_records(60))
    at = app.switch_page(PAGE).run()
    first = questions(at)
    at.button(key="next_page").click().run()
    assert not at.exception
    second = questions(at)
    assert second == ["question 9", *[f"question {i}" for i in range(8, -1, -1)]]
    assert not set(first) & set(second)
    assert at.number_input(key="page").value == 2


def test_changing_the_page_size_goes_back_to_the_first_page(app: AppTest, store: Store) -> None:
    store(make_records(120))
    app.query_params["page"] = "2"
    at = app.switch_page(PAGE).run()
    assert "showing 51–100 · page 2 of 3" in caption(at)
    at.selectbox(key="size").select(100).run()
    assert not at.exception
    assert "showing 1–100 · page 1 of 2" in caption(at)


def test_a_page_past_the_end_says_so(app: AppTest, store: Store) -> None:
    store(make_records(3))
    app.query_params["page"] = "7"
    at = app.switch_page(PAGE).run()
    assert not at.exception
    assert "Page 7 is past the end; the last page is 1." in at.warning[-1].value


def test_user_text_is_shown_as_text(app: AppTest, store: Store) -> None:
    markup = "<script>alert(1)</script> **bold**"
    store(
        make_records(
            1, messages=[{"role": "user", "content": markup}, {"role": "assistant", "content": "ok"}]
        )
    )
    at = app.switch_page(PAGE).run()
    assert questions(at) == [markup]
    assert all("<script>" not in element.value for element in at.markdown)


# -- filters, search, links, bulk actions and roles ------------------------------------------------------


def as_role(monkeypatch: pytest.MonkeyPatch, role: Role) -> Principal:
    principal = Principal(email=f"{role.value}@example.org", role=role)
    monkeypatch.setattr("dashboard.context.resolve_principal", lambda settings: principal)
    return principal


def test_filters_come_from_a_shared_link(app: AppTest, store: Store) -> None:
    store(make_records(12))  # every third one rated five stars
    app.query_params["stars"] = ["5"]
    app.query_params["q"] = "question"
    app.query_params["sort"] = "oldest"
    at = app.switch_page(PAGE).run()
    assert not at.exception
    assert "4 interactions match · showing 1–4 · page 1 of 1 · oldest first" in caption(at)
    assert questions(at) == ["question 0", "question 3", "question 6", "question 9"]
    assert at.multiselect(key="stars").value == ["5"]
    assert "Filters (1 active)" in [e.label for e in at.expander]


def test_search_box_filters_and_goes_back_to_the_first_page(app: AppTest, store: Store) -> None:
    store(make_records(60))
    app.query_params["page"] = "2"
    at = app.switch_page(PAGE).run()
    at.text_input(key="q").input("question 42").run()
    assert not at.exception
    assert questions(at) == ["question 42"]
    assert "1 interactions match · showing 1–1 · page 1 of 1" in caption(at)


def test_a_broad_search_says_there_are_more_matches(
    app: AppTest, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store(make_records(60))
    monkeypatch.setattr("core.interactions.SEARCH_COUNT_CAP", 30)
    app.query_params["q"] = "question"
    app.query_params["size"] = "25"
    at = app.switch_page(PAGE).run()
    assert not at.exception
    assert "30+ interactions match · showing 1–25 · page 1 of 2+" in caption(at)
    assert "A search lists its first 30 matches in this order" in caption(at)
    assert questions(at)[0] == "question 59"


def test_no_match_offers_to_clear_the_filters(app: AppTest, store: Store) -> None:
    store(make_records(5))
    app.query_params["q"] = "zebra"
    at = app.switch_page(PAGE).run()
    assert "No interactions match" in at.info[0].value and not at.dataframe
    at.button(key="clear_empty").click().run()
    assert not at.exception
    assert len(questions(at)) == 5 and at.text_input(key="q").value == ""


def test_a_bad_date_range_is_explained(app: AppTest, store: Store) -> None:
    store(make_records(2))
    app.query_params["from"] = "2026-10-05"
    app.query_params["to"] = "2026-10-01"
    at = app.switch_page(PAGE).run()
    assert not at.exception
    assert "the date range is empty" in at.error[0].value


def test_rows_link_to_the_review_view_with_the_same_filters(app: AppTest, store: Store) -> None:
    store(make_records(3))
    app.query_params["model"] = ["gpt-4.1-mini"]
    at = app.switch_page(PAGE).run()
    links = list(at.dataframe[0].value["Open"])
    assert links[0] == "review?id=r-0002&model=gpt-4.1-mini&sort=newest"


def test_the_page_downloads_as_csv(app: AppTest, store: Store) -> None:
    store(make_records(3))
    at = app.switch_page(PAGE).run()
    download = at.get("download_button")[0]
    assert download.proto.label == "Download this page (CSV)"


@pytest.mark.parametrize("role", [Role.ADMIN, Role.REVIEWER, Role.CLINICIAN])
def test_selected_rows_are_approved_together(
    app: AppTest, store: Store, engine: Engine, monkeypatch: pytest.MonkeyPatch, role: Role
) -> None:
    as_role(monkeypatch, role)
    store(make_records(4))
    at = app.switch_page(PAGE).run()
    at.session_state[ROWS] = {"selection": {"rows": [0, 1], "columns": [], "cells": []}}
    at.run()
    approve = next(b for b in at.button if b.label == "Approve 2")
    approve.click().run()
    assert not at.exception
    assert "2 interactions approved." in at.success[0].value
    with session_scope(engine) as session:
        approved = session.scalars(select(Review.interaction_id).where(Review.status == "approved")).all()
    assert sorted(approved) == ["r-0002", "r-0003"]


def test_selected_rows_are_tagged_together(app: AppTest, store: Store, engine: Engine) -> None:
    store(make_records(3))
    at = app.switch_page(PAGE).run()
    at.session_state[ROWS] = {"selection": {"rows": [2], "columns": [], "cells": []}}
    at.run()
    at.selectbox(key="bulk_topic").select("fertility")
    next(b for b in at.button if b.label == "Tag 1").click().run()
    assert "1 interactions tagged Fertility." in at.success[0].value
    with session_scope(engine) as session:
        assert (
            session.scalar(
                select(InteractionTopic.interaction_id).where(InteractionTopic.topic == "fertility")
            )
            == "r-0000"
        )


def test_only_an_admin_sees_the_duplicate_scan(
    app: AppTest, store: Store, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    store(
        make_records(
            3, messages=[{"role": "user", "content": "same"}, {"role": "assistant", "content": "same"}]
        )
    )
    at = app.switch_page(PAGE).run()
    next(b for b in at.button if b.label == "Scan for duplicates").click().run()
    assert not at.exception
    assert "1 groups (0 with near duplicates) hold 3 interactions" in at.success[0].value
    assert [int(n) for n in at.dataframe[0].value["Similar"]] == [2, 2, 2]
    with session_scope(engine) as session:
        assert set(session.scalars(select(Interaction.duplicate_of))) == {"r-0000"}
    as_role(monkeypatch, Role.REVIEWER)
    at = app.switch_page(PAGE).run()
    assert "Scan for duplicates" not in [b.label for b in at.button]


def test_a_reviewer_without_selection_is_told_how_to_select(
    app: AppTest, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_role(monkeypatch, Role.REVIEWER)
    store(make_records(2))
    at = app.switch_page(PAGE).run()
    assert "Select rows" in caption(at)


def test_a_viewer_cannot_open_the_page(app: AppTest, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    as_role(monkeypatch, Role.VIEWER)
    store(make_records(2))
    at = app.switch_page(PAGE).run()
    assert not at.dataframe
    assert "question 1" not in str([e.value for e in at.markdown])
