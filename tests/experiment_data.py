"""Experiment records with known arm means, shared by the unit, dashboard and browser tiers.

In: an experiment name and, per arm, the stars each user gives (one rated interaction per star).
Out: `arm_records()` — `Record`s ready for `IngestWriter` — `native_lines()` — the same as native-format
JSONL for `bloomtune import` — and `write()`, which stores records through the real ingest writer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.orm import Session

from core.ingest.records import Record
from core.ingest.writer import IngestWriter
from core.pseudonym import Pseudonymizer

CONTROL_MODEL = "gpt-4.1-mini-2025-04-14"
TREATMENT_MODEL = "ft:gpt-4.1-mini-2025-04-14:bloomtune:cycle-v1:TEST0001"
START = datetime(2026, 10, 1, 9, 0)
MODELS = {"control": CONTROL_MODEL, "treatment": TREATMENT_MODEL}


def arm_fields(
    experiment: str, variant: str, stars_per_user: Sequence[Sequence[int]], *, latency_ms: int = 800
) -> list[dict[str, Any]]:
    """Native-format fields: user u of the arm rates one interaction with each of `stars_per_user[u]`."""
    rows = []
    for user, stars in enumerate(stars_per_user):
        for turn, star in enumerate(stars):
            key = f"{experiment}-{variant}-{user}-{turn}"
            rows.append(
                {
                    "id": key,
                    "conversation_id": f"{experiment}-{variant}-{user}",
                    "user_id": f"{variant}-user-{user}",
                    "created_at": (START + timedelta(minutes=len(rows))).isoformat(),
                    "messages": [
                        {"role": "user", "content": f"question {key}"},
                        {"role": "assistant", "content": f"answer {key}"},
                    ],
                    "model": MODELS[variant],
                    "experiment": experiment,
                    "variant": variant,
                    "latency_ms": latency_ms + 10 * (len(rows) % 7),
                    "rating": star,
                    "thumbs": "up" if star >= 4 else "down",
                }
            )
    return rows


def arm_records(experiment: str, variant: str, stars_per_user: Sequence[Sequence[int]]) -> list[Record]:
    return [Record.model_validate(fields) for fields in arm_fields(experiment, variant, stars_per_user)]


def native_lines(rows: Iterable[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(row) + b"\n" for row in rows)


def write(session: Session, records: list[Record], key: str) -> None:
    writer = IngestWriter(session, pseudonymize=Pseudonymizer(key), source="import")
    writer.write(records)
    session.commit()
