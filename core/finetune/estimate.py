"""What a fine-tuning job on a dataset version will cost, before it is launched.

In: a frozen dataset version, the catalogue entry of the base model, the hyperparameters and the price table.
Out: a `CostEstimate` — training examples, billed tokens per epoch (each example capped at the model's
per-example limit, summed by the database), epochs (the given ones, else the cookbook default) and USD.
The editable price table's training price wins over the catalogue's reference price. DPO pairs are counted
from the version's frozen pairs and sized by the mean member example (the pair's prompt and both answers are
billed roughly like one example).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.dataset import estimate as cookbook
from core.finetune.catalogue import CatalogueEntry
from core.models import DatasetMember, DatasetPair, DatasetVersion
from core.prices import PriceBook
from core.providers.base import Hyperparameters


@dataclass(frozen=True)
class CostEstimate:
    examples: int
    billed_tokens: int
    epochs: int | None
    price_per_1m: float | None
    cost_usd: float | None

    @property
    def trained_tokens(self) -> int | None:
        return None if self.epochs is None else self.billed_tokens * self.epochs


def estimate_cost(
    *,
    session: Session,
    version: DatasetVersion,
    entry: CatalogueEntry,
    hyperparameters: Hyperparameters,
    method: str = "sft",
) -> CostEstimate:
    in_version = DatasetMember.dataset_version_id == version.id
    if method == "dpo":
        pairs = session.scalar(
            select(func.count()).where(
                DatasetPair.dataset_version_id == version.id, DatasetPair.split == "train"
            )
        )
        mean = session.scalar(select(func.avg(DatasetMember.tokens)).where(in_version))
        count = int(pairs or 0)
        return _priced(session, entry, hyperparameters, count, round(float(mean or 0) * count))
    limit = cookbook.example_token_limit(entry.model)
    tokens = DatasetMember.tokens
    capped = tokens if limit is None else case((tokens > limit, limit), else_=tokens)
    examples, billed = session.execute(
        select(func.count(), func.coalesce(func.sum(capped), 0)).where(
            in_version, DatasetMember.split == "train"
        )
    ).one()
    return _priced(session, entry, hyperparameters, int(examples), int(billed))


def _priced(
    session: Session, entry: CatalogueEntry, hyperparameters: Hyperparameters, examples: int, billed: int
) -> CostEstimate:
    epochs = hyperparameters.epochs or cookbook.default_epochs(examples)
    price = training_price(session, entry)
    return CostEstimate(examples, billed, epochs, price, cookbook.training_cost(billed, epochs, price))


def training_price(session: Session, entry: CatalogueEntry) -> float | None:
    """USD per million trained tokens: the price table's row for the model, else the catalogue's reference."""
    listed = PriceBook.load(session).lookup(entry.model)
    return listed.training_per_1m if listed and listed.training_per_1m is not None else entry.training_per_1m


def actual_cost(session: Session, entry: CatalogueEntry, trained_tokens: int | None) -> float | None:
    """What a finished job cost, from the tokens the provider says it trained on."""
    price = training_price(session, entry)
    return None if price is None or trained_tokens is None else trained_tokens * price / 1_000_000
