"""Would-be training examples: select high-quality interactions in SQL and shape each into a clean example.

In: a session and a resolved `DatasetSpec`. Out:
- `candidate_filter(spec)`: the SQL condition of a spec (high quality, not vetoed, not a near duplicate, the
  spec's dates, topics and models), shared with the readiness gate's counts;
- `iter_examples(...)`: `Example`s in (created_at, id) order, read a batch at a time, each with the reviewer's
  ideal answer substituted for the original, personal data scrubbed again, the system prompt in front and
  earlier turns kept newest first while the example fits the token budget; examples that cannot fit or have no
  question are reported through `Shaping` counts instead.

Scrubbing again: every ingest path runs `core.privacy` over every stored text and records what it found in
`pii_flags`, so the texts of an unflagged interaction are known clean to the same detector. The build re-scrubs
each flagged interaction (all its turns: stored un-scrubbed when `SCRUB_PII_ON_INGEST` was off, or with
placeholders to re-check) and every reviewer's ideal answer, which ingest never saw.

High quality: a successful interaction that a user rated at least `min_rating` stars or a reviewer approved
(only the latter with `approved_only`), that no reviewer rejected and no clinician judged unsafe, and that is not
marked as a near duplicate of another (`duplicate_of`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from core import privacy
from core.dataset.rawjson import decoded, raw_json
from core.dataset.spec import DatasetSpec
from core.dataset.tokens import TokenCounter
from core.models import Interaction, InteractionTopic, Review
from core.vocab import CORE_TOPICS

Message = dict[str, Any]
NO_TOPIC: Final = "other"
BATCH: Final = 5_000
_TOPIC_ORDER: Final = {topic: rank for rank, topic in enumerate(CORE_TOPICS)}
_TURN_ROLES: Final = frozenset({"user", "assistant"})


@dataclass
class Example:
    """One training example, without the system prompt (the version stores that once)."""

    interaction_id: str
    user_pseudonym: str | None
    created_at: datetime | None
    topic: str
    messages: list[Message]
    original_answer: str | None  # the scrubbed original when a reviewer's ideal answer replaced it
    tokens: int

    @property
    def question(self) -> str:
        return self.messages[-2]["content"]

    @property
    def answer(self) -> str:
        return str(self.messages[-1]["content"])


@dataclass
class Shaping:
    """What happened while shaping candidates into examples."""

    candidates: int = 0
    ideal_answers: int = 0
    pii_scrubbed: int = 0
    too_long: int = 0
    no_question: int = 0
    turns_trimmed: int = 0


def vetoed() -> ColumnElement[bool]:
    """A reviewer rejected the interaction or a clinician judged it unsafe (never null, so it negates)."""
    unsafe = func.coalesce(Interaction.clinical_verdict, "") == "unsafe"
    return or_(Interaction.review_status == "rejected", unsafe)


def candidate_filter(spec: DatasetSpec) -> ColumnElement[bool]:
    return and_(*_quality(spec), Interaction.duplicate_of.is_(None))


def quality(min_rating: int, *, approved_only: bool = False) -> ColumnElement[bool]:
    """Answered without error, rated `min_rating` stars or more by the end user (their best stars) or
    approved by a reviewer (approved only, when `approved_only`), and not vetoed: read from the
    interaction's triage columns (`core.triage`), so no rating or review is joined per row."""
    approved = Interaction.review_status == "approved"
    rated = Interaction.user_stars >= min_rating
    return and_(Interaction.status == "ok", approved if approved_only else or_(rated, approved), ~vetoed())


def _quality(spec: DatasetSpec) -> list[ColumnElement[bool]]:
    return [quality(spec.min_rating, approved_only=spec.approved_only), *_scope(spec)]


def _scope(spec: DatasetSpec) -> list[ColumnElement[bool]]:
    """The spec's date, topic and model filters (shared by examples and preference pairs)."""
    conditions: list[ColumnElement[bool]] = []
    if spec.start:
        conditions.append(Interaction.created_at >= spec.start)
    if spec.end:
        conditions.append(Interaction.created_at < spec.end)
    if spec.models:
        conditions.append(Interaction.model.in_(spec.models))
    if spec.topics:
        conditions.append(
            exists().where(
                InteractionTopic.interaction_id == Interaction.id, InteractionTopic.topic.in_(spec.topics)
            )
        )
    return conditions


def scope_filter(spec: DatasetSpec) -> ColumnElement[bool]:
    return and_(Interaction.status == "ok", *_scope(spec))


def near_duplicates(session: Session, spec: DatasetSpec) -> int:
    """High-quality interactions left out because they are marked near duplicates of another."""
    condition = and_(*_quality(spec), Interaction.duplicate_of.is_not(None))
    return session.scalar(select(func.count()).select_from(Interaction).where(condition)) or 0


def iter_examples(
    session: Session,
    spec: DatasetSpec,
    counter: TokenCounter,
    shaping: Shaping,
    *,
    newest_first: bool = False,
    limit: int | None = None,
    scrub: bool = True,
) -> Iterator[Example]:
    """Shaped examples of a resolved spec, a batch at a time (see the module docstring). `scrub=False` skips
    the personal-data pass for checks that only need the examples' shape."""
    order = (
        (Interaction.created_at.desc(), Interaction.id.desc())
        if newest_first
        else (Interaction.created_at, Interaction.id)
    )
    statement = (
        select(
            Interaction.id,
            Interaction.user_pseudonym,
            Interaction.created_at,
            raw_json(Interaction.messages),
            Interaction.user_message,
            Interaction.assistant_message,
            Interaction.pii_flags.is_not(None).label("flagged"),
            Review.ideal_answer,
        )
        .outerjoin(Review, Review.interaction_id == Interaction.id)
        .where(candidate_filter(spec))
        .order_by(*order)
        .limit(limit)
    )
    rows = session.execute(statement.execution_options(yield_per=BATCH))
    for batch in rows.partitions():
        topics = primary_topics(session, [row.id for row in batch])
        shaped = [_shape(row, topics.get(row.id, NO_TOPIC), shaping, scrub) for row in batch]
        yield from fit_budget([e for e in shaped if e is not None], spec, counter, shaping)


def primary_topics(session: Session, ids: Sequence[str]) -> dict[str, str]:
    """Each interaction's first core topic (in `CORE_TOPICS` order); untagged ones are left out."""
    found: dict[str, str] = {}
    for interaction_id, topic in session.execute(
        select(InteractionTopic.interaction_id, InteractionTopic.topic).where(
            InteractionTopic.interaction_id.in_(ids)
        )
    ):
        current = found.get(interaction_id)
        if current is None or _rank(topic) < _rank(current):
            found[interaction_id] = topic
    return found


def _rank(topic: str) -> int:
    return _TOPIC_ORDER.get(topic, len(_TOPIC_ORDER))


def _shape(row: Any, topic: str, shaping: Shaping, scrub: bool) -> Example | None:
    shaping.candidates += 1
    turns = conversation_turns(decoded(row.messages), row.user_message, row.assistant_message)
    if turns is None:
        shaping.no_question += 1
        return None
    original = turns[-1]["content"]
    ideal = (row.ideal_answer or "").strip()
    replaced = bool(ideal) and normal(ideal) != normal(original)
    if replaced:
        shaping.ideal_answers += 1
        turns[-1] = {"role": "assistant", "content": ideal}
    if scrub:
        # ingest scanned every stored text: re-scrub what it flagged, and the reviewer's text it never saw
        if scrub_turns(turns if row.flagged else turns[-1:] if replaced else []):
            shaping.pii_scrubbed += 1
        if replaced and row.flagged:
            original = privacy.scrub(original)[0]
    return Example(
        interaction_id=row.id,
        user_pseudonym=row.user_pseudonym,
        created_at=row.created_at,
        topic=topic,
        messages=turns,
        original_answer=original if replaced else None,
        tokens=0,
    )


def scrub_turns(turns: list[Message]) -> bool:
    """Scrub every turn in place; whether any held personal data."""
    found_any = False
    for turn in turns:
        turn["content"], found = privacy.scrub(turn["content"])
        found_any = found_any or bool(found)
    return found_any


def conversation_turns(messages: Any, question: str, answer: str) -> list[Message] | None:
    """The user/assistant turns ending with the answer (fresh dicts, role and content only); None when there
    is no question to answer."""
    turns: list[Message] = []
    if isinstance(messages, list):
        turns = [
            {"role": m["role"], "content": m["content"]}
            for m in messages
            if isinstance(m, dict) and m.get("role") in _TURN_ROLES and isinstance(m.get("content"), str)
        ]
    if len(turns) < 2 or turns[-1]["role"] != "assistant" or turns[-2]["role"] != "user":
        turns = [{"role": "user", "content": question or ""}, {"role": "assistant", "content": answer or ""}]
    while turns and turns[0]["role"] != "user":
        turns.pop(0)
    if not turns[-2]["content"].strip() or not turns[-1]["content"].strip():
        return None
    return turns


def fit_budget(
    examples: list[Example], spec: DatasetSpec, counter: TokenCounter, shaping: Shaping
) -> Iterator[Example]:
    """Count each example's tokens (with the system prompt) and drop its oldest turns until it fits."""
    system = [{"role": "system", "content": spec.system_prompt or ""}]
    budget = spec.max_context_tokens or 0
    counts = counter.count([system + e.messages for e in examples])
    for example, tokens in zip(examples, counts, strict=True):
        if tokens > budget:
            shaping.turns_trimmed += 1
        while tokens > budget and len(example.messages) > 2:
            example.messages = _without_oldest_exchange(example.messages)
            tokens = counter.count([system + example.messages])[0]
        if tokens > budget:
            shaping.too_long += 1
            continue
        example.tokens = tokens
        yield example


def _without_oldest_exchange(turns: list[Message]) -> list[Message]:
    rest = turns[1:]
    while len(rest) > 2 and rest[0]["role"] != "user":
        rest = rest[1:]
    return rest


def normal(text: str) -> str:
    """Case- and spacing-insensitive form of a text, for exact-duplicate detection."""
    return " ".join(text.lower().split())
