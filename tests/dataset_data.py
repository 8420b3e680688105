"""A small fixed training-data world for the dataset tests (SQLite and PostgreSQL alike).

In: a session. Out: rows written (and committed) whose fate in a build is known in advance:

| id | what | fate |
|---|---|---|
| i01 | period, 5 stars | example |
| i02 | ovulation, 4 stars, two earlier turns | example (multi-turn) |
| i03 | PMS, approved, ideal answer | example with the ideal answer; correction pair |
| i04 | i01 again with other case and spacing, 5 stars | exact duplicate, dropped |
| i05 | marked a near duplicate of i01, 5 stars | left out (near duplicate) |
| i06 | rejected by a reviewer, 5 stars | left out |
| i07 | judged unsafe by a clinician, 5 stars | left out |
| i08 | i01's question, thumbs-down, other answer | thumbs pair against i01's answer |
| i09 | email and name stored un-scrubbed, 5 stars | example, scrubbed |
| i10 | failed call | left out |
| i11-i14 | contraception, pregnancy, fertility, mood, 4-5 stars | examples |
| i15 | cramps, 3 stars | left out (below 4) |
plus two side-by-side votes (one for B, one tie: only the first makes a pair).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from core.ingest.writer import content_hash
from core.models import Conversation, Interaction, InteractionTopic, PreferenceVote, Rating, Review

START = datetime(2026, 10, 1, 9, 0)
SYSTEM = "You are a helpful assistant."
EMAIL = "alice.smith@example.org"
IDEAL = (
    "PMS usually starts one to two weeks before a period. Track symptoms for two cycles to see the pattern."
)
ORIGINAL_PMS = "PMS happens sometimes."
I01_ANSWER = "A period usually lasts three to seven days."
I08_ANSWER = "Periods last exactly five days for everyone."

EXAMPLES = {"i01", "i02", "i03", "i09", "i11", "i12", "i13", "i14"}


def _row(
    number: int,
    question: str,
    answer: str,
    *,
    topic: str | None,
    stars: int | None = None,
    thumbs: str | None = None,
    context: tuple[tuple[str, str], ...] = (),
    status: str = "ok",
    pii_flags: list[str] | None = None,
    duplicate_of: str | None = None,
) -> dict[str, Any]:
    return {
        "id": f"i{number:02d}",
        "question": question,
        "answer": answer,
        "topic": topic,
        "stars": stars,
        "thumbs": thumbs,
        "context": list(context),
        "status": status,
        "pii_flags": pii_flags,
        "duplicate_of": duplicate_of,
        "user": f"user-{(number % 5) + 1}",
        "created_at": START + timedelta(hours=2 * number),  # i01-i07 on the first day
    }


ROWS = [
    _row(1, "How long does a period last?", I01_ANSWER, topic="period", stars=5),
    _row(
        2,
        "When do I ovulate?",
        "Ovulation is usually about 14 days before the next period.",
        topic="ovulation",
        stars=4,
        context=(
            ("My cycle is 30 days long.", "Thanks, that helps me answer."),
            ("Is that normal?", "Yes, cycles of 21 to 35 days are normal."),
        ),
    ),
    _row(3, "When does PMS start?", ORIGINAL_PMS, topic="pms"),
    _row(
        4,
        "how long  does a PERIOD last?",
        "A period usually lasts three to seven days.",
        topic="period",
        stars=5,
    ),
    _row(
        5,
        "How long is a period?",
        "Periods usually last 3-7 days.",
        topic="period",
        stars=5,
        duplicate_of="i01",
    ),
    _row(6, "Can I skip my period?", "Just ignore it.", topic="period", stars=5),
    _row(
        7, "Is it safe to double my pill?", "Yes, take as many as you like.", topic="contraception", stars=5
    ),
    _row(8, "How long does a period last?", I08_ANSWER, topic="period", stars=2, thumbs="down"),
    _row(
        9,
        f"My name is Alice Smith and my email is {EMAIL}. Is a late period normal?",
        "A period that is a few days late is common; stress can delay it.",
        topic="period",
        stars=5,
        pii_flags=["EMAIL", "NAME", "UNSCRUBBED"],
    ),
    _row(10, "What is PMDD?", "", topic="pms", stars=5, status="error"),
    _row(
        11,
        "Which contraception is most effective?",
        "Implants and IUDs are over 99% effective.",
        topic="contraception",
        stars=5,
    ),
    _row(
        12,
        "What are early signs of pregnancy?",
        "A missed period, nausea and tender breasts.",
        topic="pregnancy",
        stars=4,
    ),
    _row(
        13,
        "When am I most fertile?",
        "In the five days before ovulation and on the day itself.",
        topic="fertility",
        stars=5,
    ),
    _row(
        14,
        "Why am I moody before my period?",
        "Hormone changes before a period can affect mood.",
        topic="mood",
        stars=4,
    ),
    _row(15, "How do I ease cramps?", "Heat and ibuprofen help many people.", topic="cramps_pain", stars=3),
]


def seed(session: Session) -> None:
    """Write the world above and commit."""
    for row in ROWS:
        messages = [{"role": "system", "content": SYSTEM}]
        for question, answer in row["context"]:
            messages += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
        messages += [
            {"role": "user", "content": row["question"]},
            {"role": "assistant", "content": row["answer"]},
        ]
        session.add(
            Conversation(id=f"c-{row['id']}", user_pseudonym=row["user"], started_at=row["created_at"])
        )
        session.add(
            Interaction(
                id=row["id"],
                conversation_id=f"c-{row['id']}",
                user_pseudonym=row["user"],
                created_at=row["created_at"],
                messages=messages,
                user_message=row["question"],
                assistant_message=row["answer"],
                model="gpt-4.1-mini",
                provider="openai",
                status=row["status"],
                pii_flags=row["pii_flags"],
                content_hash=content_hash(row["question"], row["answer"]),
                duplicate_of=row["duplicate_of"],
                source="import",
                ingested_at=row["created_at"],
            )
        )
    session.flush()
    for row in ROWS:
        if row["topic"]:
            session.add(InteractionTopic(interaction_id=row["id"], topic=row["topic"]))
        if row["stars"] or row["thumbs"]:
            session.add(
                Rating(
                    interaction_id=row["id"],
                    source="user",
                    stars=row["stars"],
                    thumbs=row["thumbs"],
                    created_at=row["created_at"],
                )
            )
    for interaction_id, status, verdict, ideal in (
        ("i03", "approved", None, IDEAL),
        ("i06", "rejected", None, None),
        ("i07", "approved", "unsafe", None),
    ):
        session.add(
            Review(
                interaction_id=interaction_id,
                status=status,
                clinical_verdict=verdict,
                ideal_answer=ideal,
                reviewer="reviewer@example.org",
                updated_at=START,
            )
        )
    prompt = [{"role": "user", "content": "Do cramps get better with exercise?"}]
    for winner, created in (("b", START + timedelta(days=1)), ("tie", START + timedelta(days=2))):
        session.add(
            PreferenceVote(
                messages=prompt,
                model_a="gpt-4.1-mini",
                answer_a="No.",
                model_b="ft:gpt-4.1-mini:bloom:v1:abc",
                answer_b="Gentle exercise such as walking or yoga eases cramps for many people.",
                winner=winner,
                voter="reviewer@example.org",
                created_at=created,
            )
        )
    session.commit()
