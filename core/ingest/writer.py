"""The one place interactions are written: pseudonymise, tag, price, de-duplicate, batch-insert.

In: a batch of validated `Record`s and the caller's session. Out: the rows added to the session
(conversation, interaction, interaction_topic, rating) and a `WriteResult` saying which ids were new and
which were already stored. Idempotent by interaction id, race-free through
the ingest lock (`core.sql.lock_for_ingest`) held from the id check to the commit; the caller commits,
so a batch is all-or-nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from core import topics
from core.audit import utcnow
from core.ingest.records import Record
from core.models import Conversation, Interaction, InteractionTopic, Rating
from core.prices import PriceBook
from core.pseudonym import Pseudonymizer
from core.sql import bulk_insert, lock_for_ingest

_LOOKUP_CHUNK = 5000
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
    normal = "\x00".join(" ".join(part.lower().split()) for part in (question, answer))
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
        lock_for_ingest(self._session)  # until commit, nobody else can store one of these ids
        stored = self._already_stored(list(first))
        new = {record_id: record for record_id, record in first.items() if record_id not in stored}
        now = self._now()
        rows = [self._interaction_row(record, now) for record in new.values()]
        bulk_insert(
            self._session,
            _TABLES["conversation"],
            self._conversation_rows(new.values(), rows),
            ignore_conflicts=True,
        )
        bulk_insert(self._session, _TABLES["interaction"], rows)
        bulk_insert(self._session, _TABLES["topic"], [t for row in rows for t in self._topic_rows(row)])
        bulk_insert(
            self._session, _TABLES["rating"], [r for rec in new.values() for r in self._rating_rows(rec, now)]
        )
        result, seen = WriteResult(), set()
        for record in records:
            fresh = record.id in new and record.id not in seen
            (result.accepted if fresh else result.duplicates).append(record.id)
            seen.add(record.id)
        return result

    def _already_stored(self, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), _LOOKUP_CHUNK):
            chunk = ids[start : start + _LOOKUP_CHUNK]
            found.update(self._session.scalars(select(Interaction.id).where(Interaction.id.in_(chunk))))
        return found

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
            "messages": record.messages,
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
