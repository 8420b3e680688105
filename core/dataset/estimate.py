"""Epochs, billed tokens and training cost of a dataset, as the OpenAI cookbook estimates them.

In: the number of training examples, each example's token count, the model and its training price per 1M tokens.
Out: the default epoch count OpenAI picks, the tokens billed per epoch (each example capped at the model's
per-example limit), and the estimated cost = billed tokens × epochs × price / 1M.

Source: the OpenAI cookbook notebook "Data preparation and analysis for chat model fine-tuning"
(examples/Chat_finetuning_data_prep.ipynb): TARGET_EPOCHS = 3, MIN/MAX_TARGET_EXAMPLES = 100/25,000,
MIN/MAX_DEFAULT_EPOCHS = 1/25, billed tokens = sum(min(limit, tokens)).
"""

from __future__ import annotations

from collections.abc import Iterable

from core.dataset.tokens import base_model

TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25

# Tokens allowed in one training example (the whole conversation), by base-model name prefix; the longest
# matching prefix wins. Sources: the "Token limits" section of OpenAI's fine-tuning guide and Azure OpenAI's
# fine-tunable model table (articles/ai-foundry/openai/includes/fine-tune-models.md: "Training example context
# length: 65,536" for gpt-4o-mini 2024-07-18, gpt-4o 2024-08-06 and the gpt-4.1 family; 16,385 for
# gpt-35-turbo 1106/0125); 4,096 for gpt-3.5-turbo-0613 and 8,192 for gpt-4-0613 (their context windows).
EXAMPLE_TOKEN_LIMITS: dict[str, int] = {
    "gpt-4o": 65_536,
    "gpt-4.1": 65_536,
    "gpt-3.5-turbo": 16_385,
    "gpt-35-turbo": 16_385,
    "gpt-3.5-turbo-0613": 4_096,
    "gpt-35-turbo-0613": 4_096,
    "gpt-4-0613": 8_192,
}


def default_epochs(n_examples: int) -> int | None:
    """The epochs OpenAI uses when none are given (None for an empty dataset)."""
    if n_examples <= 0:
        return None
    if n_examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // n_examples)
    if n_examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // n_examples)
    return TARGET_EPOCHS


def example_token_limit(model: str | None) -> int | None:
    """The per-example token limit for training the model (`ft:` names: their base), or None when unknown."""
    base = base_model(model)
    if not base:
        return None
    matches = [prefix for prefix in EXAMPLE_TOKEN_LIMITS if base.startswith(prefix)]
    return EXAMPLE_TOKEN_LIMITS[max(matches, key=len)] if matches else None


def billed_tokens(token_counts: Iterable[int], limit: int | None) -> int:
    """Tokens billed per epoch: every example counts up to the per-example limit (uncapped when unknown)."""
    if limit is None:
        return sum(token_counts)
    return sum(min(limit, count) for count in token_counts)


def training_cost(billed: int, epochs: int | None, price_per_1m: float | None) -> float | None:
    """USD for the whole job, or None when the price or the epochs are unknown."""
    if price_per_1m is None or epochs is None:
        return None
    return billed * epochs * price_per_1m / 1_000_000
