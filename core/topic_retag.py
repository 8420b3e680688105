"""Re-tag on demand: recompute the core topics of every stored interaction with the current rules.

In: a session and the acting `Principal` (needs `Permission.REVIEW`). Out: `interaction_topic` rows equal
to `core.topics.tag(question, answer)` for every interaction, and a `RetagReport` counting what changed.
Walks the interactions in id order (keyset pages of `batch_size`), rewrites only the interactions whose
topics differ and commits each batch, so a run over 1M rows holds no long transaction and can simply be
run again if interrupted. One audit entry (`topics.retag`) per run. An interaction whose topics a reviewer
has set (any `interaction_topic` row with source 'reviewer', see `core.review`) is left as it is: the
reviewer's choice outranks the rules.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session

from core import audit, topics
from core.auth import Permission, Principal, require
from core.errors import InputError
from core.models import Interaction, InteractionTopic
from core.sql import bulk_insert
from core.vocab import CORE_TOPICS

DEFAULT_BATCH_SIZE = 5000
_TOPIC_TABLE: Table = InteractionTopic.__table__  # type: ignore[assignment]


@dataclass
class RetagReport:
    interactions: int = 0
    changed: int = 0
    added: int = 0
    removed: int = 0
    topics: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CORE_TOPICS, 0))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def retag(
    *,
    session: Session,
    principal: Principal,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> RetagReport:
    """Recompute the topics of every interaction; `progress` gets the number done after each batch."""
    require(principal, Permission.REVIEW)
    if batch_size < 1:
        raise InputError("batch size must be at least 1")
    report = RetagReport()
    counts: Counter[str] = Counter()
    after: str | None = None
    while True:
        page = select(Interaction.id, Interaction.user_message, Interaction.assistant_message)
        if after is not None:
            page = page.where(Interaction.id > after)
        rows = session.execute(page.order_by(Interaction.id).limit(batch_size)).all()
        if not rows:
            break
        after = rows[-1].id
        _retag_batch(session, rows, report, counts)
        session.commit()
        if progress is not None:
            progress(report.interactions)
    report.topics = {topic: counts[topic] for topic in CORE_TOPICS}
    audit.record(
        session,
        principal,
        "topics.retag",
        None,
        interactions=report.interactions,
        changed=report.changed,
        added=report.added,
        removed=report.removed,
    )
    session.commit()
    return report


def count_interactions(session: Session) -> int:
    """How many interactions a run will walk (for a progress bar)."""
    return int(session.scalar(select(func.count()).select_from(Interaction)) or 0)


def _retag_batch(session: Session, rows: Sequence[Any], report: RetagReport, counts: Counter[str]) -> None:
    ids = [row.id for row in rows]
    stored: dict[str, set[str]] = {interaction_id: set() for interaction_id in ids}
    reviewed: set[str] = set()
    for interaction_id, topic, source in session.execute(
        select(InteractionTopic.interaction_id, InteractionTopic.topic, InteractionTopic.source).where(
            InteractionTopic.interaction_id.in_(ids)
        )
    ):
        stored[interaction_id].add(topic)
        if source == "reviewer":
            reviewed.add(interaction_id)
    changed: list[str] = []
    inserts: list[dict[str, Any]] = []
    for row in rows:
        if row.id in reviewed:
            counts.update(stored[row.id])
            continue
        wanted = set(topics.tag(row.user_message or "", row.assistant_message or ""))
        counts.update(wanted)
        have = stored[row.id]
        if wanted != have:
            changed.append(row.id)
            report.added += len(wanted - have)
            report.removed += len(have - wanted)
            inserts.extend({"interaction_id": row.id, "topic": topic} for topic in sorted(wanted))
    report.interactions += len(rows)
    report.changed += len(changed)
    if changed:
        session.execute(delete(InteractionTopic).where(InteractionTopic.interaction_id.in_(changed)))
        bulk_insert(session, _TOPIC_TABLE, inserts)
