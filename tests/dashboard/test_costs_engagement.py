"""The Costs and Engagement pages under AppTest: empty states, figures for a known data set, the price form.

In: interactions written through the ingest writer (`store`). Out: the pages' cards, charts and tables,
and an audited price row added by an admin.
"""

from __future__ import annotations

from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from core.db import session_scope
from core.models import AuditLog, Price
from tests.dashboard.conftest import Store, make_records


def test_empty_states(app: AppTest) -> None:
    for page in ("views/costs.py", "views/engagement.py"):
        at = app.switch_page(page).run()
        assert not at.exception
        assert at.info and "No interactions yet" in at.info[0].value


def test_costs_page_numbers(app: AppTest, store: Store) -> None:
    store(make_records(20, cost_usd=0.02))  # above the $0.01 target
    at = app.switch_page("views/costs.py").run()
    assert not at.exception
    cards = {m.label: m for m in at.metric}
    assert cards["Inference spend (30 days)"].value == "$0.40"
    assert cards["Cost per interaction"].value == "$0.0200"
    assert cards["Cost per interaction"].delta.startswith("breach")
    assert len(at.get("plotly_chart")) == 1


def test_admin_adds_a_price(app: AppTest, store: Store, engine: Engine) -> None:
    store(make_records(3))
    at = app.switch_page("views/costs.py").run()
    at.text_input[0].input("my-model")
    at.number_input[0].set_value(0.5)
    at.number_input[1].set_value(2.0)
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    assert any("Price for my-model added" in s.value for s in at.success)
    with session_scope(engine) as session:
        price = session.scalars(select(Price).where(Price.model == "my-model")).one()
        assert (price.input_per_1m, price.output_per_1m, price.training_per_1m) == (0.5, 2.0, None)
        assert session.scalar(select(AuditLog.target).where(AuditLog.action == "price.add")) == "my-model"


def test_engagement_page(app: AppTest, store: Store) -> None:
    store(make_records(72))  # 3 users over three days, 2 messages per conversation
    at = app.switch_page("views/engagement.py").run()
    assert not at.exception
    cards = {m.label: m.value for m in at.metric}
    # 72 messages over 39 (day, conversation) pairs: 3 conversations span midnight and count on both days
    assert cards["Messages per session"] == "1.85"
    assert cards["D1 retention"] == "100.0%"  # all three users come back the next day
    assert len(at.get("plotly_chart")) == 3
