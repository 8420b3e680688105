"""The Interactions page under AppTest: server-side pages kept in the URL, and the empty state.

In: interactions written through the ingest writer (`store`). Out: the rows, counts and controls the page
shows.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.dashboard.conftest import Store, make_records

PAGE = "views/interactions.py"


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
    at.button[1].click().run()  # "Older →"
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
