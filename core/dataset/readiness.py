"""The training-readiness gate: is the collected data good enough to train on?

In: the session and the readiness thresholds from settings. Out: a `Readiness` with the headline counts and
one `Check` per rule of DESIGN.md §5 — pass/fail, the measured value, the threshold and what to do next.
Everything is counted by the database.

A *high-quality* example is a successful interaction that a user rated 4-5 stars or a reviewer approved,
and that no reviewer rejected and no clinician judged unsafe. *Unique* means distinct normalised
question-and-answer content. *Un-scrubbed PII*: `pii_flags` records the personal data found at ingest; when it
was scrubbed the stored text holds placeholders only, so the gate counts just the flagged interactions marked
`UNSCRUBBED` (stored as written because `SCRUB_PII_ON_INGEST` was off).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import String, and_, cast, exists, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from core.config import Settings
from core.models import Interaction, InteractionTopic, Rating, Review
from core.privacy import UNSCRUBBED
from core.vocab import CORE_TOPICS, TOPIC_LABELS


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    value: Any
    threshold: Any
    message: str
    next_step: str


@dataclass
class Readiness:
    total_interactions: int
    high_rated_interactions: int
    checks: list[Check] = field(default_factory=list)
    topics: dict[str, int] = field(default_factory=dict)

    @property
    def ready_for_training(self) -> bool:
        return all(check.passed for check in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "total_interactions": self.total_interactions,
            "high_rated_interactions": self.high_rated_interactions,
            "ready_for_training": self.ready_for_training,
            "checks": [asdict(check) for check in self.checks],
            "topics": self.topics,
        }


def high_quality() -> ColumnElement[bool]:
    """SQL condition on `Interaction` selecting the high-quality examples."""
    rated_high = exists().where(
        Rating.interaction_id == Interaction.id, Rating.source == "user", Rating.stars >= 4
    )
    approved = exists().where(Review.interaction_id == Interaction.id, Review.status == "approved")
    vetoed = exists().where(
        Review.interaction_id == Interaction.id,
        or_(Review.status == "rejected", Review.clinical_verdict == "unsafe"),
    )
    return and_(Interaction.status == "ok", or_(rated_high, approved), ~vetoed)


def assess(*, session: Session, settings: Settings) -> Readiness:
    total = session.scalar(select(func.count()).select_from(Interaction)) or 0
    good = select(Interaction.id, Interaction.content_hash, Interaction.pii_flags).where(high_quality())
    good_sq = good.subquery()
    high_rated = session.scalar(select(func.count()).select_from(good_sq)) or 0
    unique = session.scalar(select(func.count(func.distinct(good_sq.c.content_hash)))) or 0
    flagged = good_sq.c.pii_flags.is_not(None)
    unscrubbed = cast(good_sq.c.pii_flags, String).contains(f'"{UNSCRUBBED}"')
    with_pii = session.scalar(select(func.count()).where(flagged, unscrubbed)) or 0
    scrubbed = session.scalar(select(func.count()).where(flagged, ~unscrubbed)) or 0
    per_topic = dict(
        session.execute(
            select(InteractionTopic.topic, func.count())
            .join(good_sq, good_sq.c.id == InteractionTopic.interaction_id)
            .group_by(InteractionTopic.topic)
        ).all()
    )
    topics = {topic: int(per_topic.get(topic, 0)) for topic in CORE_TOPICS}
    readiness = Readiness(total_interactions=total, high_rated_interactions=high_rated, topics=topics)
    readiness.checks = [
        _enough_examples(unique, settings.readiness_min_examples),
        _topics_covered(topics, settings.readiness_min_per_topic),
        _no_pii(with_pii, scrubbed),
    ]
    return readiness


def _enough_examples(unique: int, minimum: int) -> Check:
    return Check(
        name="enough_examples",
        passed=unique >= minimum,
        value=unique,
        threshold=minimum,
        message=f"{unique} unique high-quality examples (need {minimum})",
        next_step="" if unique >= minimum else f"rate or approve {minimum - unique} more distinct answers",
    )


def _topics_covered(topics: dict[str, int], minimum: int) -> Check:
    missing = [topic for topic, count in topics.items() if count < minimum]
    labels = ", ".join(TOPIC_LABELS[topic] for topic in missing)
    return Check(
        name="topics_covered",
        passed=not missing,
        value=len(topics) - len(missing),
        threshold=len(topics),
        message=f"{len(topics) - len(missing)} of {len(topics)} core topics have at least {minimum} examples",
        next_step=f"collect and review answers about: {labels}" if missing else "",
    )


def _no_pii(with_pii: int, scrubbed: int) -> Check:
    return Check(
        name="no_unscrubbed_pii",
        passed=with_pii == 0,
        value=with_pii,
        threshold=0,
        message=f"{with_pii} high-quality examples still hold un-scrubbed personal data "
        f"({scrubbed} more had theirs replaced by placeholders at ingest)",
        next_step="scrub or reject the flagged interactions on the Interactions page" if with_pii else "",
    )
