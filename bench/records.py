"""Synthetic export files for the import benchmark.

In: a path, a record count and a seed. Out: a JSONL file in the app's openai export format, written in a
streaming way (constant memory), with realistic sizes: system prompt, one question, one answer, metadata,
ratings on about a third of the records.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

SYSTEM = (
    "You are a supportive menstrual-health assistant. Give accurate, kind, non-judgmental information and "
    "recommend seeing a clinician for anything that may need medical care."
)
QUESTIONS = (
    "Is it normal to have cramps on day {n} of my cycle?",
    "My period is {n} days late, should I take a pregnancy test?",
    "How long does ovulation last if my cycle is {n} days?",
    "Why do I feel so sad the week before my period, it started {n} days ago?",
    "Can the pill make my periods lighter after {n} months?",
    "I'm {n} and have hot flashes, is this perimenopause?",
)
ANSWER = (
    "Many people notice this. Cycles vary from person to person, and tracking a few months helps you see "
    "your own pattern. If it keeps happening, is severe, or worries you, please talk to a clinician."
)


def write_export(path: Path, count: int, seed: int = 1) -> Path:
    rng = random.Random(seed)
    start = datetime(2026, 8, 1, tzinfo=UTC)
    with path.open("wb") as handle:
        for i in range(count):
            record: dict[str, object] = {
                "messages": [
                    {"role": "system", "content": SYSTEM},
                    {
                        "role": "user",
                        "content": rng.choice(QUESTIONS).format(n=rng.randint(1, 60)) + f" ({i})",
                    },
                    {"role": "assistant", "content": ANSWER},
                ],
                "metadata": {
                    "user_id": f"bench-user-{rng.randint(1, count // 20 + 1)}",
                    "created_at": (start + timedelta(seconds=i * 7)).isoformat(),
                    "model": "gpt-4.1-mini-2025-04-14",
                    "latency_ms": int(rng.lognormvariate(6.8, 0.4)),
                    "prompt_tokens": rng.randint(60, 200),
                    "completion_tokens": rng.randint(40, 180),
                },
            }
            if rng.random() < 0.35:
                record["rating"] = rng.choice((5, 5, 5, 4, 4, 3, 2, 1))
            handle.write(orjson.dumps(record) + b"\n")
    return path
