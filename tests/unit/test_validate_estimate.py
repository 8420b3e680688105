"""Epochs, billed tokens and cost, exactly as the OpenAI cookbook computes them."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy.orm import Session

from core.dataset import estimate
from core.dataset.validate import training_price, validate_lines


@pytest.mark.parametrize(
    ("n", "epochs"),
    [
        (0, None),
        (1, 25),  # min(25, 100 // 1)
        (4, 25),  # min(25, 100 // 4)
        (5, 20),
        (33, 3),  # 99 < 100 → 100 // 33
        (34, 3),  # 102 ≥ 100 → the target
        (100, 3),
        (8333, 3),  # 24,999 ≤ 25,000
        (8334, 2),  # 25,002 > 25,000 → 25,000 // 8,334
        (12_500, 2),
        (25_000, 1),
        (100_000, 1),  # max(1, 0)
    ],
)
def test_default_epochs(n: int, epochs: int | None) -> None:
    assert estimate.default_epochs(n) == epochs


@pytest.mark.parametrize(
    ("model", "limit"),
    [
        ("gpt-4o-mini-2024-07-18", 65_536),
        ("ft:gpt-4o-mini-2024-07-18:org::abc", 65_536),
        ("gpt-4o-2024-08-06", 65_536),
        ("gpt-4.1-nano-2025-04-14", 65_536),
        ("gpt-3.5-turbo-0125", 16_385),
        ("gpt-3.5-turbo-0613", 4_096),
        ("gpt-4-0613", 8_192),
        ("gemini-3.5-flash", None),
        (None, None),
    ],
)
def test_example_token_limit(model: str | None, limit: int | None) -> None:
    assert estimate.example_token_limit(model) == limit


def test_billed_tokens_cap_each_example() -> None:
    assert estimate.billed_tokens([10, 70_000, 65_536], 65_536) == 10 + 65_536 + 65_536
    assert estimate.billed_tokens([10, 70_000], None) == 70_010


def test_training_cost() -> None:
    assert estimate.training_cost(1_000_000, 3, 3.0) == pytest.approx(9.0)
    assert estimate.training_cost(1_000_000, 3, None) is None
    assert estimate.training_cost(0, None, 3.0) is None


def test_report_estimates_cost_with_a_price() -> None:
    line = orjson.dumps(
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello there"}]}
    )
    report = validate_lines(
        [line] * 40, model="ft:gpt-4o-mini-2024-07-18:org::abc", training_price_per_1m=3.0
    )
    per_example = report.token_counts[0]
    assert report.epochs == 3  # 40 × 3 = 120 ≥ 100
    assert report.billed_tokens == 40 * per_example
    assert report.estimated_cost_usd == pytest.approx(40 * per_example * 3 * 3.0 / 1_000_000)
    assert report.as_dict()["estimated_cost_usd"] == report.estimated_cost_usd


def test_training_price_from_the_price_table(session: Session) -> None:
    assert training_price("gpt-4o-mini-2024-07-18", session=session) == pytest.approx(3.0)
    # A fine-tuned model is trained further at its base model's price, not at its own (inference) row.
    assert training_price("ft:gpt-4o-mini-2024-07-18:org::abc", session=session) == pytest.approx(3.0)
    assert training_price("no-such-model", session=session) is None
    assert training_price(None, session=session) is None
