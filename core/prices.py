"""The price table: what a model costs per million tokens, for inference and training.

In: `price` rows (seeded by the first migration, editable by admins). Out: a `PriceBook` that prices a
call from its token counts. Fine-tuned model names (`ft:BASE:org:suffix:id`) are priced by their
`ft:BASE` row; dated snapshots fall back to the longest priced prefix (`gpt-4.1-mini` for
`gpt-4.1-mini-2025-04-14` and back).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Price


@dataclass(frozen=True)
class ModelPrice:
    input_per_1m: float
    output_per_1m: float
    training_per_1m: float | None


class PriceBook:
    def __init__(self, prices: dict[str, ModelPrice]) -> None:
        self._prices = prices
        self._cache: dict[str, ModelPrice | None] = {}

    @classmethod
    def load(cls, session: Session) -> PriceBook:
        """The prices in force now: the newest row per model."""
        rows = session.execute(select(Price).order_by(Price.model, Price.effective_from)).scalars()
        return cls(
            {row.model: ModelPrice(row.input_per_1m, row.output_per_1m, row.training_per_1m) for row in rows}
        )

    def lookup(self, model: str | None) -> ModelPrice | None:
        if not model:
            return None
        if model not in self._cache:
            self._cache[model] = self._find(model)
        return self._cache[model]

    def _find(self, model: str) -> ModelPrice | None:
        name = _price_key(model)
        if name in self._prices:
            return self._prices[name]
        candidates = [key for key in self._prices if name.startswith(key) or key.startswith(name)]
        return (
            self._prices[min(candidates, key=lambda key: abs(len(key) - len(name)))] if candidates else None
        )

    def inference_cost(
        self, model: str | None, prompt_tokens: int | None, completion_tokens: int | None
    ) -> float | None:
        """USD for one call, or None when the model or the token counts are unknown."""
        price = self.lookup(model)
        if price is None or prompt_tokens is None or completion_tokens is None:
            return None
        return (prompt_tokens * price.input_per_1m + completion_tokens * price.output_per_1m) / 1_000_000


def _price_key(model: str) -> str:
    """`ft:gpt-4.1-mini-2025-04-14:org:suffix:id` → `ft:gpt-4.1-mini-2025-04-14`."""
    if model.startswith("ft:"):
        return ":".join(model.split(":")[:2])
    return model
