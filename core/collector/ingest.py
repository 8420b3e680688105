"""Records and feedback sent by the app: the collector's side of the shared ingest path.

In: a batch of decoded JSON values in the native format (DESIGN.md §4), or one piece of feedback, and the
caller's session. Out: `ingest_batch()` stores the valid records through `IngestWriter` (source
`collector`: the same pseudonymisation, tagging, pricing and idempotency as the file import) and answers
per record, in order — `accepted`, `duplicate` (already stored, or repeated in the batch) or `rejected`
with the parser's reason; `add_feedback()` attaches the end user's stars, thumbs or comment to a stored
interaction. Both commit once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import rollups
from core.audit import utcnow
from core.errors import InputError, NotFound
from core.ingest.records import Record, RecordError, parse_native
from core.ingest.writer import IngestWriter
from core.models import Interaction, Rating
from core.prices import PriceBook
from core.pseudonym import Pseudonymizer
from core.sql import lock_for_ingest

MAX_BATCH_RECORDS = 1000
MAX_BODY_BYTES = 5 * 1024 * 1024
PRICE_TTL_SECONDS = 60.0
Outcome = Literal["accepted", "duplicate", "rejected"]


class IngestContext:
    """What every write of the collector needs: the pseudonymiser, whether to scrub personal data and a
    price book refreshed each minute."""

    def __init__(self, pseudonymize: Pseudonymizer, *, scrub_pii: bool = True) -> None:
        self.pseudonymize = pseudonymize
        self.scrub_pii = scrub_pii
        self._prices: PriceBook | None = None
        self._loaded_at = 0.0
        self._lock = threading.Lock()

    def prices(self, session: Session) -> PriceBook:
        with self._lock:
            if self._prices is None or time.monotonic() - self._loaded_at > PRICE_TTL_SECONDS:
                self._prices = PriceBook.load(session)
                self._loaded_at = time.monotonic()
            return self._prices

    def writer(self, session: Session, source: str) -> IngestWriter:
        return IngestWriter(
            session,
            pseudonymize=self.pseudonymize,
            source=source,
            prices=self.prices(session),
            scrub_pii=self.scrub_pii,
        )


@dataclass(frozen=True)
class RecordResult:
    index: int
    id: str | None
    status: Outcome
    reason: str | None = None


@dataclass(frozen=True)
class BatchResult:
    results: list[RecordResult]

    def count(self, status: Outcome) -> int:
        return sum(1 for result in self.results if result.status == status)


def ingest_batch(records: Sequence[Any], *, session: Session, context: IngestContext) -> BatchResult:
    """Parse and store one batch; a bad record is rejected with its reason, the others are stored."""
    if len(records) > MAX_BATCH_RECORDS:
        raise InputError(f"a batch holds at most {MAX_BATCH_RECORDS} records; split it")
    parsed: dict[int, Record] = {}
    results: dict[int, RecordResult] = {}
    for index, raw in enumerate(records):
        try:
            if not isinstance(raw, dict):
                raise RecordError(f"expected a JSON object, got {type(raw).__name__}")
            parsed[index] = parse_native(raw)
        except RecordError as exc:
            raw_id = raw.get("id") if isinstance(raw, dict) else None
            results[index] = RecordResult(
                index, str(raw_id) if raw_id is not None else None, "rejected", str(exc)
            )
    if parsed:
        written = context.writer(session, "collector").write(list(parsed.values()))
        session.commit()
        fresh = set(written.accepted)
        for index, record in parsed.items():
            is_new = record.id in fresh  # the first occurrence of a new id; repeats are duplicates
            results[index] = RecordResult(index, record.id, "accepted" if is_new else "duplicate")
            fresh.discard(record.id)
    return BatchResult([results[index] for index in range(len(records))])


@dataclass(frozen=True)
class Feedback:
    interaction_id: str
    stars: int | None = None
    thumbs: Literal["up", "down"] | None = None
    comment: str | None = None


def add_feedback(feedback: Feedback, *, session: Session) -> int:
    """Attach the end user's feedback to a stored interaction and return the rating's id.

    One user rating per interaction: later feedback updates the fields it carries (a thumbs first, stars
    later, or a retried request), so retries never double-count.
    """
    if feedback.stars is None and feedback.thumbs is None and not feedback.comment:
        raise InputError("feedback needs stars, thumbs or a comment")
    lock_for_ingest(session)  # serialises the read-then-write below with other writers
    if session.scalar(select(Interaction.id).where(Interaction.id == feedback.interaction_id)) is None:
        raise NotFound(f"no interaction with id {feedback.interaction_id!r}")
    with rollups.ratings_changing(session, [feedback.interaction_id]):
        rating = session.scalar(
            select(Rating)
            .where(Rating.interaction_id == feedback.interaction_id, Rating.source == "user")
            .order_by(Rating.id)
            .limit(1)
        )
        if rating is None:
            rating = Rating(interaction_id=feedback.interaction_id, source="user", created_at=utcnow())
            session.add(rating)
        if feedback.stars is not None:
            rating.stars = feedback.stars
        if feedback.thumbs is not None:
            rating.thumbs = feedback.thumbs
        if feedback.comment:
            rating.comment = feedback.comment
        session.flush()
    rating_id = rating.id
    session.commit()
    return rating_id
