"""Preference pairs for DPO: a prompt, a preferred answer and a worse one, from three sources.

In: the built examples of a dataset, a session and the resolved spec. Out: `Pair`s, scrubbed and fitted to the
token budget like the examples:
- `correction`: a reviewer's ideal answer (preferred) against the original answer it replaced;
- `thumbs`: an answer a user gave a thumbs-down (or 1-2 stars) against the dataset's answer to the same
  normalised question (the better-rated one), when the two differ;
- `vote`: a side-by-side vote between two models' answers (`preference_vote`, ties left out) in the spec's
  date range.
Duplicates (same normalised question and answers) are dropped, the first kept. Texts are re-scrubbed as
`core.dataset.candidates` does (flagged interactions; votes always, as they never passed ingest).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from core import privacy
from core.dataset.candidates import (
    BATCH,
    NO_TOPIC,
    Example,
    Message,
    Shaping,
    conversation_turns,
    fit_budget,
    normal,
    scope_filter,
    scrub_turns,
)
from core.dataset.rawjson import decoded, raw_json
from core.dataset.spec import DatasetSpec
from core.dataset.tokens import TokenCounter
from core.models import Interaction, PreferenceVote, Rating

SOURCES = ("correction", "thumbs", "vote")


@dataclass
class Pair:
    source: str
    interaction_id: str | None
    messages: list[Message]  # the prompt, ending with the user's question; no system prompt
    preferred: str
    non_preferred: str

    @property
    def key(self) -> tuple[str, str, str]:
        return normal(self.messages[-1]["content"]), normal(self.preferred), normal(self.non_preferred)


def collect_pairs(
    session: Session, spec: DatasetSpec, examples: list[Example], counter: TokenCounter
) -> list[Pair]:
    """Every pair of the three sources, without duplicates, in source order."""
    found = [
        *_corrections(examples),
        *_thumbs_down(session, spec, examples, counter),
        *_votes(session, spec, counter),
    ]
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for pair in found:
        if pair.key not in seen:
            seen.add(pair.key)
            unique.append(pair)
    return unique


def _corrections(examples: list[Example]) -> Iterator[Pair]:
    for example in examples:
        if example.original_answer is not None:
            yield Pair(
                "correction",
                example.interaction_id,
                example.messages[:-1],
                example.answer,
                example.original_answer,
            )


def _thumbs_down(
    session: Session, spec: DatasetSpec, examples: list[Example], counter: TokenCounter
) -> Iterator[Pair]:
    better: dict[str, str] = {}
    for example in examples:
        better.setdefault(normal(example.question), example.answer)
    disliked = exists().where(
        Rating.interaction_id == Interaction.id,
        Rating.source == "user",
        or_(Rating.thumbs == "down", Rating.stars <= 2),
    )
    statement = (
        select(
            Interaction.id,
            raw_json(Interaction.messages),
            Interaction.user_message,
            Interaction.assistant_message,
            Interaction.pii_flags.is_not(None).label("flagged"),
        )
        .where(scope_filter(spec), disliked)
        .order_by(Interaction.created_at, Interaction.id)
    )
    rows = session.execute(statement.execution_options(yield_per=BATCH))
    for batch in rows.partitions():
        shaped = [
            _shaped(row.id, decoded(row.messages), row.user_message, row.assistant_message, scrub=row.flagged)
            for row in batch
        ]
        for example in fit_budget([e for e in shaped if e is not None], spec, counter, Shaping()):
            preferred = better.get(normal(example.question))
            if preferred is not None and normal(preferred) != normal(example.answer):
                yield Pair("thumbs", example.interaction_id, example.messages[:-1], preferred, example.answer)


def _votes(session: Session, spec: DatasetSpec, counter: TokenCounter) -> Iterator[Pair]:
    statement = select(PreferenceVote).where(PreferenceVote.winner.in_(("a", "b")))
    if spec.start:
        statement = statement.where(PreferenceVote.created_at >= spec.start)
    if spec.end:
        statement = statement.where(PreferenceVote.created_at < spec.end)
    votes = session.scalars(statement.order_by(PreferenceVote.created_at, PreferenceVote.id)).all()
    for vote in votes:
        winner, loser = (
            (vote.answer_a, vote.answer_b) if vote.winner == "a" else (vote.answer_b, vote.answer_a)
        )
        prompt = [m for m in vote.messages if isinstance(m, dict)] if isinstance(vote.messages, list) else []
        question = next((str(m.get("content")) for m in reversed(prompt) if m.get("role") == "user"), "")
        turns = [*prompt, {"role": "assistant", "content": winner}]
        shaped = _shaped(vote.interaction_id, turns, question, winner, scrub=True)  # votes skip ingest
        if shaped is None:
            continue
        for example in fit_budget([shaped], spec, counter, Shaping()):
            rejected = privacy.scrub(loser)[0]
            if normal(rejected) and normal(rejected) != normal(example.answer):
                yield Pair("vote", vote.interaction_id, example.messages[:-1], example.answer, rejected)


def _shaped(
    interaction_id: str | None, messages: Any, question: str, answer: str, *, scrub: bool
) -> Example | None:
    turns = conversation_turns(messages, question, answer)
    if turns is None:
        return None
    if scrub:
        scrub_turns(turns)
    return Example(interaction_id or "", None, None, NO_TOPIC, turns, None, 0)
