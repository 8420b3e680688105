"""The one place interactions are written: pseudonymise, scrub personal data, tag, price, de-duplicate,
batch-insert.

In: a batch of validated `Record`s and the caller's session. Out: the rows added to the session
(conversation, interaction with its triage columns (`core.triage`), interaction_topic, rating; a large
batch with the triggers it does the work of set aside: `core.ingest.set_aside`), their sums added to the
rollup tables (`core.rollups`), and a `WriteResult` saying which ids were new and which were already
stored. Personal data (`core.privacy`) in the question, the answer and the messages is replaced by typed
placeholders when scrubbing is on (`SCRUB_PII_ON_INGEST`) and flagged either way in `pii_flags`: the sorted
entity types found, plus `UNSCRUBBED` when the text was stored as written; `None` when nothing was found. Idempotent by
interaction id, race-free through the ingest lock (`core.sql.lock_for_ingest`) held from the id check to
the commit; the caller commits, so a batch is all-or-nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import privacy, rollups, topics, triage
from core.audit import utcnow
from core.ingest.packed import TABLES, PackedBatch, pack
from core.ingest.records import Message, Record
from core.ingest.set_aside import triggers_set_aside
from core.models import Interaction
from core.prices import PriceBook
from core.pseudonym import Pseudonymizer
from core.sql import among, dialect_of, insert_rows, lock_for_ingest


@dataclass
class WriteResult:
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


@dataclass
class Prepared:
    """The rows of one interaction, ready to insert."""

    id: str  # the interaction's
    interaction: dict[str, Any]
    conversation: dict[str, Any]
    topics: list[dict[str, Any]]
    ratings: list[dict[str, Any]]


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


@dataclass(frozen=True)
class RowBuilder:
    """Turns records into rows: pseudonymise, scrub, tag topics, hash content, price. Pure and picklable
    (the PII engines are built lazily in each process), so it can run in a worker process while the parent
    writes."""

    pseudonymize: Pseudonymizer
    prices: PriceBook
    source: str
    scrub_pii: bool
    sqlite: bool  # the database's kind, for `pack` (SQLite takes timestamps as text)

    def build(self, records: Iterable[Record], now: datetime) -> list[Prepared]:
        return [self._prepare(record, now) for record in records]

    def pack(self, records: Sequence[Record], now: datetime) -> PackedBatch:
        """Build the rows of a batch and pack them for `IngestWriter.store`."""
        return pack(self.build(records, now), sqlite=self.sqlite)

    def _prepare(self, record: Record, now: datetime) -> Prepared:
        texts = _PiiPass(self.scrub_pii)
        question, answer = texts(record.user_message), texts(record.assistant_message)
        messages = texts.messages(record.messages)
        feedback = texts(record.feedback) if record.feedback else record.feedback
        cost = record.cost_usd
        if cost is None:
            cost = self.prices.inference_cost(record.model, record.prompt_tokens, record.completion_tokens)
        created_at = record.created_at or now
        user = self.pseudonymize(record.user_id)
        conversation_id = record.conversation_id or f"c-{record.id}"
        tags = topics.tag(question, answer)
        dose = triage.mentions_dose(question, answer)
        interaction = {
            "id": record.id,
            "conversation_id": conversation_id,
            "user_pseudonym": user,
            "created_at": created_at,
            "messages": messages,
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
            "pii_flags": privacy.flags(texts.found, scrubbed=self.scrub_pii),
            "content_hash": content_hash(question, answer),
            "duplicate_of": None,
            "user_stars": record.rating,
            "user_thumbs": record.thumbs,
            "mentions_dose": dose,
            "suspicion": triage.suspicion(
                verdict=None, thumbs=record.thumbs, stars=record.rating, topics=tags, dose=dose
            ),
            "source": self.source,
            "ingested_at": now,
        }
        conversation = {
            "id": conversation_id,
            "user_pseudonym": user,
            "started_at": created_at,
            "app_version": record.app_version,
            "locale": record.locale,
        }
        topic_rows = [{"interaction_id": record.id, "topic": t} for t in tags]
        ratings = []
        if record.rating is not None or record.thumbs is not None or record.feedback:
            ratings.append(
                {
                    "interaction_id": record.id,
                    "source": "user",
                    "stars": record.rating,
                    "thumbs": record.thumbs,
                    "comment": feedback,
                    "author": None,
                    "created_at": created_at,
                }
            )
        return Prepared(record.id, interaction, conversation, topic_rows, ratings)


class _PiiPass:
    """Screens (and, when `scrub`, scrubs) the texts of one record, collecting the entity types found; a
    text seen twice (the question is also in the messages) is looked at once."""

    def __init__(self, scrub: bool) -> None:
        self.scrub = scrub
        self.found: set[str] = set()
        self._seen: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        done = self._seen.get(text)
        if done is None:
            scrubbed, types = privacy.scrub(text)
            self.found.update(types)
            done = self._seen[text] = scrubbed if self.scrub else text
        return done

    def messages(self, messages: Sequence[Message]) -> list[Message]:
        """The messages with each content passed through (unchanged messages are kept as they are)."""
        out: list[Message] = []
        for message in messages:
            content = self(message["content"])
            out.append(message if content is message["content"] else {**message, "content": content})
        return out


class IngestWriter:
    def __init__(
        self,
        session: Session,
        *,
        pseudonymize: Pseudonymizer,
        source: str,
        prices: PriceBook | None = None,
        scrub_pii: bool = True,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._session = session
        sqlite = dialect_of(session) == "sqlite"
        self.builder = RowBuilder(pseudonymize, prices or PriceBook.load(session), source, scrub_pii, sqlite)
        self._now = now

    def now(self) -> datetime:
        return self._now()

    def write(self, records: Sequence[Record]) -> WriteResult:
        """Add the batch to the session; records whose id is already stored are reported as duplicates."""
        return self.store(self.builder.pack(records, self._now()))

    def store(self, batch: PackedBatch) -> WriteResult:
        """Insert the packed rows whose id is new; report the others (and repeats within the batch) as
        duplicates. When every row is new the batch's own rollup sums are added; otherwise the new rows are
        summed in SQL once inserted."""
        if not batch.ids:
            return WriteResult()
        lock_for_ingest(self._session)  # until commit, nobody else can store one of these ids
        stored = self._already_stored(list(set(batch.ids)))
        keep: list[bool] = []
        new: set[str] = set()
        for record_id in batch.row_ids():
            keep.append(record_id not in stored and record_id not in new)
            new.add(record_id)
        new -= stored
        rows = batch if all(keep) else batch.select(keep)
        columns = batch.columns
        insert_rows(
            self._session,
            TABLES["conversation"],
            columns["conversation"],
            rows.conversation_rows(),
            ignore_conflicts=True,
        )
        with triggers_set_aside(self._session, len(rows)):
            for table, values in (
                ("interaction", rows.interactions),
                ("topic", rows.topics),
                ("rating", rows.ratings),
            ):
                insert_rows(self._session, TABLES[table], columns[table], values)
        if rows is batch:
            rollups.add_ingested(self._session, batch.sums)
        elif new:
            rollups.add_stored(self._session, among(self._session, Interaction.id, sorted(new)))
        result = WriteResult()
        for record_id in batch.ids:
            (result.accepted if record_id in new else result.duplicates).append(record_id)
            new.discard(record_id)
        return result

    def _already_stored(self, ids: list[str]) -> set[str]:
        return set(
            self._session.scalars(select(Interaction.id).where(among(self._session, Interaction.id, ids)))
        )
