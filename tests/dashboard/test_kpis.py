"""The Overview's success-metric cards under AppTest: values against targets, breaches in the list.

In: interactions written through the ingest writer (`store`). Out: the KPI cards and the breach box.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.dashboard.conftest import Store, make_records


def test_kpi_cards_show_values_targets_and_breaches(app: AppTest, store: Store) -> None:
    store(make_records(100))  # every third rated 5 stars; latencies 500..599 ms
    store(make_records(5, prefix="bad", status="error"))  # 100 of 105 succeed: below the 99% target
    at = app.run()
    assert not at.exception
    cards = {metric.label: metric for metric in at.metric}
    assert cards["Satisfaction"].value == "5.00 / 5"
    assert cards["API success"].value == "95.2%"
    assert cards["API success"].delta.startswith("breach")
    assert cards["Satisfaction"].delta.startswith("on target")
    breaches = [error.value for error in at.error if "Targets missed" in error.value]
    assert len(breaches) == 1
    assert "API success" in breaches[0] and "Satisfaction" not in breaches[0]
