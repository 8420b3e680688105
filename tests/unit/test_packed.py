"""Packing a batch for the writer: every row keeps its own conversation, topic and rating rows, however the
batch is sorted or cut down."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from core.ingest.packed import pack
from core.ingest.writer import Prepared

START = datetime(2026, 5, 1)
_UNMEASURED = dict.fromkeys(("user_pseudonym", "model", "cost_usd", "experiment", "variant")) | {
    "status": "ok"
}


def _prepared(number: int, record_id: str, conversation: str, topics: int, ratings: int) -> Prepared:
    created = START + timedelta(minutes=number)
    return Prepared(
        record_id,
        {
            "id": record_id,
            "conversation_id": conversation,
            "created_at": created,
            "messages": [],
            "latency_ms": number,  # tells the rows apart
            **_UNMEASURED,
        },
        {"id": conversation, "user_pseudonym": None, "started_at": created},
        [{"interaction_id": record_id, "topic": f"topic-{t}"} for t in range(topics)],
        [
            {
                "interaction_id": record_id,
                "source": "user",
                "stars": 1 + r,
                "thumbs": None,
                "created_at": created,
            }
            for r in range(ratings)
        ],
    )


rows_strategy = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 3), st.integers(0, 3), st.integers(0, 2), st.booleans()),
    min_size=1,
    max_size=25,
)


@given(rows=rows_strategy)
def test_rows_are_sorted_by_id_and_selection_keeps_what_each_row_owns(
    rows: list[tuple[int, int, int, int, bool]],
) -> None:
    batch = [
        _prepared(number, f"r-{key}", f"c-{conversation}", topics, ratings)
        for number, (key, conversation, topics, ratings, _) in enumerate(rows)
    ]
    packed = pack(batch, sqlite=True)
    assert packed.ids == [p.id for p in batch]
    ids = packed.row_ids()
    assert ids == sorted(ids)
    numbers = [row[packed.columns["interaction"].index("latency_ms")] for row in packed.interactions]
    assert numbers == sorted(numbers, key=lambda n: (batch[n].id, n))  # a repeated id keeps batch order
    keep = [rows[n][4] for n in numbers]
    kept = packed.select(keep)
    owners = [batch[n] for n, flag in zip(numbers, keep, strict=True) if flag]
    assert kept.row_ids() == [p.id for p in owners]
    assert kept.topics == [(t["interaction_id"], t["topic"]) for p in owners for t in p.topics]
    assert [(r[0], r[2]) for r in kept.ratings] == [(p.id, r["stars"]) for p in owners for r in p.ratings]
    assert [row[0] for row in kept.conversations] == [p.conversation["id"] for p in owners]


@given(rows=rows_strategy)
def test_each_conversation_gets_one_row_its_earliest(rows: list[tuple[int, int, int, int, bool]]) -> None:
    batch = [_prepared(number, f"r-{number}", f"c-{row[1]}", 0, 0) for number, row in enumerate(rows)]
    started: dict[str, Any] = {}
    for prepared in batch:
        conversation = prepared.conversation
        started.setdefault(conversation["id"], conversation["started_at"])
    expected = [(key, None, value.isoformat(" ", "microseconds")) for key, value in sorted(started.items())]
    assert pack(batch, sqlite=True).conversation_rows() == expected


def test_postgresql_rows_keep_timestamps_and_sqlite_rows_get_text() -> None:
    batch = [_prepared(0, "r-0", "c-0", 1, 1)]
    assert pack(batch, sqlite=False).ratings[0][-1] == START
    assert pack(batch, sqlite=True).ratings[0][-1] == "2026-05-01 00:00:00.000000"
    assert pack(batch, sqlite=True).interactions[0][3] == "[]"  # JSON as text on both
    assert pack(batch, sqlite=False).interactions[0][3] == "[]"
