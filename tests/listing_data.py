"""A small, fully known set of interactions for the listing, search and duplicate tests (SQLite and
PostgreSQL alike).

In: a session. Out: five interactions written through the real ingest writer, with known ratings,
reviews, topics and one duplicate group; `ids()` turns listing rows back into their short numbers.

    no  day/time     model  experiment/variant  stars thumbs  latency status  review / verdict     topics
    0   d1 08:00     m-a    e1/control          5     up      100     ok      pending / -          period
    1   d1 09:00     m-a    e1/treatment        2     -       900     ok      rejected / unsafe    ovulation, mood
    2   d2 08:00     m-b    -                   -     down    -       error   - / -                pregnancy
    3   d3 08:00     m-b    -                   4     -       300     ok      approved / accurate  period, cramps_pain
    4   d3 09:00     -      -                   -     -       200     ok      - / -                pms, mood
    number 2 holds an email address (PII); 3 and 4 form a duplicate group whose canonical member is 3;
    a reviewer gave 4 three stars; suspected unsafe: 1 (verdict), 2 (disliked, sensitive topic), 3 (a dose).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from core.ingest.records import Record
from core.ingest.writer import IngestWriter
from core.models import Interaction, InteractionTopic, Rating, Review
from core.pseudonym import Pseudonymizer
from tests.conftest import TEST_KEY

DAY = datetime(2026, 10, 1, 8, 0)
TEXTS = {
    0: ("How long does a period last?", "A period usually lasts three to seven days."),
    1: ("Can stress delay ovulation?", "Yes, stress can delay ovulation by a few days."),
    2: ("My email is ann@example.org, can you write to me?", ""),
    3: ("Are cramps normal during my period?", "Mild cramps are common; heat or 400 mg of ibuprofen helps."),
    4: ("What helps with PMS mood swings?", "Exercise, sleep and regular meals help with mood."),
}
TOPICS = {
    0: ("period",),
    1: ("ovulation", "mood"),
    2: ("pregnancy",),
    3: ("period", "cramps_pain"),
    4: ("pms", "mood"),
}


def iid(number: int) -> str:
    return f"i-{number}"


def ids(rows: Iterable[Any]) -> list[int]:
    return [int(row.id.removeprefix("i-")) for row in rows]


def _record(number: int, created_at: datetime, **fields: Any) -> Record:
    question, answer = TEXTS[number]
    messages = [{"role": "user", "content": question}]
    if answer:
        messages.append({"role": "assistant", "content": answer})
    return Record.model_validate(
        {
            "id": iid(number),
            "created_at": created_at,
            "messages": messages,
            "user_id": f"user-{number}",
            **fields,
        }
    )


def fill(session: Session) -> Session:
    day2, day3 = DAY + timedelta(days=1), DAY + timedelta(days=2)
    records = [
        _record(0, DAY, model="m-a", experiment="e1", variant="control", rating=5, thumbs="up", latency_ms=100),
        _record(1, DAY + timedelta(hours=1), model="m-a", experiment="e1", variant="treatment", rating=2,
                latency_ms=900),
        _record(2, day2, model="m-b", thumbs="down", status="error"),
        _record(3, day3, model="m-b", rating=4, latency_ms=300),
        _record(4, day3 + timedelta(hours=1), latency_ms=200),
    ]  # fmt: skip
    IngestWriter(session, pseudonymize=Pseudonymizer(TEST_KEY), source="import").write(records)
    session.execute(delete(InteractionTopic))
    session.add_all(
        InteractionTopic(interaction_id=iid(n), topic=topic)
        for n, topics in TOPICS.items()
        for topic in topics
    )
    session.add_all(
        [
            Review(interaction_id=iid(0), status="pending", updated_at=DAY),
            Review(interaction_id=iid(1), status="rejected", clinical_verdict="unsafe", updated_at=DAY),
            Review(interaction_id=iid(3), status="approved", clinical_verdict="accurate", updated_at=DAY),
            Rating(
                interaction_id=iid(4), source="reviewer", stars=3, author="rev@example.org", created_at=DAY
            ),
        ]
    )
    session.execute(
        update(Interaction).where(Interaction.id.in_([iid(3), iid(4)])).values(duplicate_of=iid(3))
    )
    session.commit()
    return session
