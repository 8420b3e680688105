"""The one place interactions are written: pseudonymise, tag, price, de-duplicate, batch-insert.

In: a batch of validated `Record`s and the caller's session. Out: the rows added to the session
(conversation, interaction, interaction_topic, rating) and a `WriteResult` saying which ids were new and
which were already stored. Idempotent by interaction id, race-free through INSERT … ON CONFLICT DO
NOTHING … RETURNING; the caller commits, so a batch is all-or-nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from core import topics
from core.audit import utcnow
from core.ingest.records import Record
from core.models import Conversation, Interaction, InteractionTopic, Rating
from core.prices import PriceBook
from core.pseudonym import Pseudonymizer
from core.sql import insert_ignoring_conflicts

_SPACES = re.compile(r"\s+")
_TABLES: dict[str, Table] = {
    "conversation": Conversation.__table__,  # type: ignore[dict-item]
    "interaction": Interaction.__table__,  # type: ignore[dict-item]
    "topic": InteractionTopic.__table__,  # type: ignore[dict-item]
    "rating": Rating.__table__,  # type: ignore[dict-item]
}


@dataclass
class WriteResult:
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


def content_hash(question: str, answer: str) -> str:
    """Hash of the normalised question and answer: equal for exact duplicates up to case and spacing."""
    normal = _SPACES.sub(" ", f"{question}\x1f{answer}".lower()).strip()
    return hashlib.sha256(normal.encode()).hexdigest()


def provider_of(model: str | None) -> str | None:
    """Best guess of the provider from a model name, for records that do not say."""
    if not model:
        return None
    name = model.removeprefix("ft:")
    if name.startswith(("gpt-", "o1", "o3", "o4", "chatgpt")):
        return "openai"
    if name.startswith("gemini"):
        return "vertex"
    return None


class IngestWriter:
    def __init__(
        self,
        session: Session,
        *,
        pseudonymize: Pseudonymizer,
        source: str,
        prices: PriceBook | None = None,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._session = session
        self._pseudonymize = pseudonymize
        self._source = source
        self._prices = prices or PriceBook.load(session)
        self._now = now

    def write(self, records: Sequence[Record]) -> WriteResult:
        """Add the batch to the session; records whose id is already stored are reported as duplicates."""
        first: dict[str, Record] = {}
        for record in records:
            first.setdefault(record.id, record)
        if not first:
            return WriteResult()
        now = self._now()
        rows = [self._interaction_row(record, now) for record in first.values()]
        self._insert("conversation", self._conversation_rows(first.values(), rows))
        inserted = self._insert("interaction", rows, returning=True)
        self._insert("topic", [t for row in rows if row["id"] in inserted for t in self._topic_rows(row)])
        self._insert("rating", [r for i in inserted for r in self._rating_rows(first[i], now)])
        result, seen = WriteResult(), set()
        for record in records:
            fresh = record.id in inserted and record.id not in seen
            (result.accepted if fresh else result.duplicates).append(record.id)
            seen.add(record.id)
        return result

    def _interaction_row(self, record: Record, now: datetime) -> dict[str, Any]:
        question, answer = record.user_message, record.assistant_message
        cost = record.cost_usd
        if cost is None:
            cost = self._prices.inference_cost(record.model, record.prompt_tokens, record.completion_tokens)
        return {
            "id": record.id,
            "conversation_id": record.conversation_id or f"c-{record.id}",
            "user_pseudonym": self._pseudonymize(record.user_id),
            "created_at": record.created_at or now,
            "messages": [m.model_dump() for m in record.messages],
            "user_message": question,
            "assistant_message": answer,
            "model": record.model,
            "provider": record.provider or provider_of(record.model),
            "experiment": record.experiment,
            "variant": record.variant,
            "latency_ms": record.latency_ms,
            "prompt_tokens": record.prompt_tokens,
            "completion_tokens": record.completion_tokens,
            "cost_usd": cost,
            "status": record.status,
            "error_code": record.error_code,
            "pii_flags": None,
            "content_hash": content_hash(question, answer),
            "duplicate_of": None,
            "source": self._source,
            "ingested_at": now,
        }

    @staticmethod
    def _conversation_rows(records: Iterable[Record], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One row per conversation, started at its earliest interaction in the batch."""
        conversations: dict[str, dict[str, Any]] = {}
        for record, row in zip(records, rows, strict=True):
            current = conversations.get(row["conversation_id"])
            if current is None or row["created_at"] < current["started_at"]:
                conversations[row["conversation_id"]] = {
                    "id": row["conversation_id"],
                    "user_pseudonym": row["user_pseudonym"],
                    "started_at": row["created_at"],
                    "app_version": record.app_version,
                    "locale": record.locale,
                }
        return list(conversations.values())

    @staticmethod
    def _topic_rows(row: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {"interaction_id": row["id"], "topic": topic}
            for topic in topics.tag(row["user_message"], row["assistant_message"])
        ]

    @staticmethod
    def _rating_rows(record: Record, now: datetime) -> list[dict[str, Any]]:
        if record.rating is None and record.thumbs is None and not record.feedback:
            return []
        return [
            {
                "interaction_id": record.id,
                "source": "user",
                "stars": record.rating,
                "thumbs": record.thumbs,
                "comment": record.feedback,
                "author": None,
                "created_at": record.created_at or now,
            }
        ]

    def _insert(self, table: str, rows: list[dict[str, Any]], *, returning: bool = False) -> set[str]:
        if not rows:
            return set()
        statement = insert_ignoring_conflicts(self._session, _TABLES[table])
        if not returning:
            self._session.execute(statement, rows)
            return set()
        result = self._session.execute(statement.returning(_TABLES[table].c.id), rows)
        return set(result.scalars())
