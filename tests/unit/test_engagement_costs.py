"""Retention cohorts and costs from SQL, and the audited, admin-only price table.

In: interactions written through the ingest writer. Out: cohort shares, cost sums and price rows.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from core.auth import Principal, Role
from core.config import Settings
from core.errors import InputError, PermissionDenied
from core.ingest.records import Record
from core.queries.costs import add_price, costs
from core.queries.engagement import retention_cohorts
from tests.conftest import TEST_KEY
from tests.experiment_data import write

MONDAY = datetime(2026, 10, 5, 10, 0)


def visit(user: str, day: int, n: int = 0, cost: float = 0.001) -> Record:
    return Record.model_validate(
        {
            "id": f"{user}-{day}-{n}",
            "user_id": user,
            "created_at": MONDAY + timedelta(days=day, minutes=n),
            "messages": [
                {"role": "user", "content": f"q {user} {day}"},
                {"role": "assistant", "content": "a"},
            ],
            "model": "m",
            "cost_usd": cost,
        }
    )


def test_retention_counts_users_active_exactly_n_days_later(session: Session) -> None:
    # Week of Oct 5: a returns on D1 and D7, b on D1 only, c never, d (Tuesday) on D30; data ends Nov 5.
    visits = [visit("a", 0), visit("a", 1), visit("a", 7), visit("b", 0), visit("b", 1), visit("c", 0)]
    visits += [visit("d", 1), visit("d", 31)]
    write(session, visits, TEST_KEY)
    cohorts = retention_cohorts(session)
    assert len(cohorts) == 1
    cohort = cohorts[0]
    assert cohort.week == date(2026, 10, 5) and cohort.users == 4
    assert cohort.retained == {1: 0.5, 7: 0.25, 30: 0.25}


def test_recent_cohorts_have_no_retention_yet(session: Session) -> None:
    write(session, [visit("a", 0), visit("a", 1)], TEST_KEY)
    assert retention_cohorts(session)[0].retained == {1: 1.0, 7: None, 30: None}


def test_costs_sum_per_day_and_model(session: Session, admin: Principal, settings: Settings) -> None:
    write(session, [visit("a", 0, n, cost=0.004) for n in range(5)] + [visit("b", 1, cost=0.02)], TEST_KEY)
    result = costs(session=session, principal=admin, settings=settings)
    assert result.inference_total_usd == pytest.approx(0.04)
    assert result.cost_per_interaction == pytest.approx(0.04 / 6)
    assert result.projected_monthly_usd == pytest.approx(0.04 / 2 * 30)


def test_price_rows_are_admin_only_and_dated(session: Session, admin: Principal) -> None:
    viewer = Principal(email="v@example.org", role=Role.VIEWER)
    kwargs = {"model": "x", "input_per_1m": 1.0, "output_per_1m": 2.0, "training_per_1m": None}
    with pytest.raises(PermissionDenied):
        add_price(session=session, principal=viewer, effective_from=date(2026, 1, 1), **kwargs)
    add_price(session=session, principal=admin, effective_from=date(2026, 1, 1), **kwargs)
    with pytest.raises(InputError, match="already has a price"):
        add_price(session=session, principal=admin, effective_from=date(2026, 1, 1), **kwargs)
