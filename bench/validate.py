"""Validation throughput: our validator against a plain re-implementation of the OpenAI cookbook's loop.

In: an example count (`BENCH_VALIDATE_SIZE`, default 100,000) and a scratch folder. Out: result rows — seconds and
examples/s for `core.dataset.validate.validate_file` and for the cookbook loop (json.loads per line, the same
checks, tiktoken `encode` per message value, the same epoch and billing arithmetic) on the same file, and their
ratio. Both must agree on the token total, or the comparison would be meaningless.

The file is a realistic training set as the builder writes it: the same system prompt on every line, then a
question from the demo catalogue with a personal detail and an answer worded for that user, a quarter of the
examples with a follow-up turn. With the default seed 83% of the answers and 17% of the questions are distinct
texts (users ask alike, the model answers each one), 116 MB in all.
"""

from __future__ import annotations

import json
import random
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import orjson
import tiktoken

from core.dataset import estimate
from core.dataset.tokens import encoding_for
from core.dataset.validate import MESSAGE_KEYS, ROLES, validate_file
from core.demo.catalogue import Variant, build_catalogue

T = TypeVar("T")
MODEL = "gpt-4o-mini-2024-07-18"
SYSTEM_PROMPT = (
    "You are Bloom, a supportive menstrual-health assistant. Give accurate, kind, non-judgmental information in "
    "plain language, never diagnose, and recommend seeing a clinician for anything that may need medical care, "
    "such as severe pain, very heavy bleeding, or symptoms during pregnancy."
)
DETAILS = (
    "I'm on cycle day {day}",
    "my last period lasted {len} days",
    "I've been tracking for {months} months",
    "this is the {nth} time it happened this year",
)
OPENERS = (
    "Thanks for asking, this is a really common question.",
    "That's a great question.",
    "I'm glad you reached out about this.",
    "Lots of people wonder about this.",
    "Good that you're paying attention to your body.",
)
CLOSERS = (
    "Since you're on day {day}, it may help to note how you feel over the next few days.",
    "You've been tracking for {months} months, so your history will help a clinician see the pattern.",
    "If anything changes around day {day}, write it down and mention it at your next appointment.",
    "Keep tracking for another {months} months and you'll see your own rhythm more clearly.",
)


def write_training_file(path: Path, count: int, seed: int = 11) -> Path:
    """A chat fine-tuning JSONL file of `count` distinct, realistic examples."""
    rng = random.Random(seed)
    catalogue = build_catalogue(rng)
    topics = catalogue.topics
    with path.open("wb") as handle:
        for _ in range(count):
            topic = rng.choice(topics)
            messages = [{"role": "system", "content": SYSTEM_PROMPT}, *_turn(catalogue.main[topic], rng)]
            if rng.random() < 0.25 and catalogue.followups[topic]:
                messages += _turn(catalogue.followups[topic], rng)
            handle.write(orjson.dumps({"messages": messages}) + b"\n")
    return path


def _turn(templates: list[list[Variant]], rng: random.Random) -> list[dict[str, str]]:
    """A question with a personal detail, and an answer worded for this user (as a model would write it)."""
    variant = rng.choice(rng.choice(templates))
    day, months = rng.randint(1, 35), rng.randint(1, 24)
    detail = rng.choice(DETAILS).format(day=day, len=rng.randint(2, 8), months=months, nth=rng.randint(2, 9))
    sentences = rng.choice(variant.answers).split(". ")
    rng.shuffle(sentences)
    answer = (
        f"{rng.choice(OPENERS)} {'. '.join(sentences)} {rng.choice(CLOSERS).format(day=day, months=months)}"
    )
    return [
        {"role": "user", "content": f"{variant.question} ({detail})"},
        {"role": "assistant", "content": answer},
    ]


def measure_validation(count: int, folder: Path) -> list[dict[str, object]]:
    path = write_training_file(folder / f"train-{count}.jsonl", count)
    encoding = encoding_for(MODEL)  # load the vocabulary outside the timings
    ours, ours_times = _timed(lambda: validate_file(path, model=MODEL, training_price_per_1m=3.0))
    cookbook, cookbook_times = _timed(lambda: cookbook_validate(path, encoding))
    assert ours.ok and not cookbook["errors"], (ours.errors, cookbook["errors"])
    assert sum(ours.token_counts) == cookbook["tokens"], "the two validators disagree on token counts"
    assert (ours.epochs, ours.billed_tokens) == (cookbook["epochs"], cookbook["billed"])
    return [
        _row(f"validate {count:,} examples (ours)", count, *ours_times),
        _row(f"validate {count:,} examples (cookbook loop)", count, *cookbook_times),
        {
            "benchmark": "validation speed-up (cookbook seconds / ours)",
            "database": "-",
            "seconds": "-",
            "rate": f"{cookbook_times[0] / ours_times[0]:.1f}× wall, {cookbook_times[1] / ours_times[1]:.1f}× CPU",
        },
    ]


def _timed(work: Callable[[], T]) -> tuple[T, tuple[float, float]]:
    """The result, with wall and CPU seconds (CPU time is steadier when other processes share the machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, (time.perf_counter() - wall, time.process_time() - cpu)


def _row(name: str, count: int, wall: float, cpu: float) -> dict[str, object]:
    rate = f"{count / wall:,.0f} examples/s ({cpu:.1f} s CPU)"
    return {"benchmark": name, "database": "-", "seconds": round(wall, 2), "rate": rate}


def cookbook_validate(path: Path, encoding: tiktoken.Encoding) -> dict[str, Any]:
    """The cookbook notebook's loop, with our role and key sets, as a reader would write it."""
    with path.open(encoding="utf-8") as handle:
        dataset = [json.loads(line) for line in handle]
    errors: dict[str, int] = defaultdict(int)
    for example in dataset:
        if not isinstance(example, dict):
            errors["data_type"] += 1
            continue
        messages = example.get("messages", None)
        if not messages:
            errors["missing_messages_list"] += 1
            continue
        for message in messages:
            if "role" not in message or "content" not in message:
                errors["message_missing_key"] += 1
            if any(k not in MESSAGE_KEYS for k in message):
                errors["message_unrecognized_key"] += 1
            if message.get("role", None) not in ROLES:
                errors["unrecognized_role"] += 1
            content = message.get("content", None)
            if not content or not isinstance(content, str):
                errors["missing_content"] += 1
        if not any(message.get("role", None) == "assistant" for message in messages):
            errors["example_missing_assistant_message"] += 1
    lengths = [_num_tokens_from_messages(example["messages"], encoding) for example in dataset]
    limit = estimate.example_token_limit(MODEL)
    epochs = estimate.default_epochs(len(dataset))
    billed = estimate.billed_tokens(lengths, limit)
    return {"errors": dict(errors), "tokens": sum(lengths), "epochs": epochs, "billed": billed}


def _num_tokens_from_messages(messages: list[dict[str, Any]], encoding: tiktoken.Encoding) -> int:
    tokens = 0
    for message in messages:
        tokens += 3
        for key, value in message.items():
            tokens += len(encoding.encode(value))
            if key == "name":
                tokens += 1
    return tokens + 3
