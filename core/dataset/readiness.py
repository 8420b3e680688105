"""The training-readiness gate: is the collected data good enough to train on?

In: the session and the readiness thresholds from settings. Out: a `Readiness` with the headline counts and
one `Check` per rule of DESIGN.md §5 — pass/fail, the measured value, the threshold and what to do next.
Everything is counted by the database.

A *high-quality* example is a successful interaction that a user rated 4-5 stars or a reviewer approved,
and that no reviewer rejected and no clinician judged unsafe. *Unique* means distinct normalised
question-and-answer content. *Un-scrubbed PII*: `pii_flags` records the personal data found at ingest; when it
was scrubbed the stored text holds placeholders only, so the gate counts just the flagged interactions marked
`UNSCRUBBED` (stored as written because `SCRUB_PII_ON_INGEST` was off).

*Validation passes*: the newest `READINESS_VALIDATION_SAMPLE` would-be training examples (shaped exactly as a
build with default filters shapes them) are validated like any uploaded file. *No unsafe answer included*:
no example of the newest version of any dataset has since been judged unsafe by a clinician (builds leave
such answers out; a later verdict means the version should be rebuilt).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import String, and_, case, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from core.config import Settings
from core.dataset.candidates import Shaping, iter_examples, quality
from core.dataset.export import openai_line
from core.dataset.spec import DatasetSpec
from core.dataset.tokens import TokenCounter, encoding_for
from core.dataset.validate import validate_lines
from core.models import DatasetMember, DatasetVersion, Interaction, InteractionTopic, Review
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
    """SQL condition on `Interaction` selecting the high-quality examples: the user gave 4 stars or more,
    or a reviewer approved it; not rejected, not judged unsafe (the triage columns, `core.triage`)."""
    return quality(min_rating=4)


def assess(*, session: Session, settings: Settings) -> Readiness:
    total = session.scalar(select(func.count()).select_from(Interaction)) or 0
    flagged = Interaction.pii_flags.is_not(None)
    unscrubbed = cast(Interaction.pii_flags, String).contains(f'"{UNSCRUBBED}"')
    high_rated, unique, with_pii, scrubbed = (
        int(n or 0)
        for n in session.execute(  # one pass over the high-quality rows
            select(
                func.count(),
                func.count(func.distinct(Interaction.content_hash)),
                func.count(case((and_(flagged, unscrubbed), 1))),
                func.count(case((and_(flagged, ~unscrubbed), 1))),
            ).where(high_quality())
        ).one()
    )
    per_topic = dict(
        session.execute(
            select(InteractionTopic.topic, func.count())
            .join(Interaction, Interaction.id == InteractionTopic.interaction_id)
            .where(high_quality())
            .group_by(InteractionTopic.topic)
        ).all()
    )
    topics = {topic: int(per_topic.get(topic, 0)) for topic in CORE_TOPICS}
    readiness = Readiness(total_interactions=total, high_rated_interactions=high_rated, topics=topics)
    readiness.checks = [
        _enough_examples(unique, settings.readiness_min_examples),
        _topics_covered(topics, settings.readiness_min_per_topic),
        _no_pii(with_pii, scrubbed),
        _validation_passes(session, settings),
        _no_unsafe_included(session),
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


def _validation_passes(session: Session, settings: Settings) -> Check:
    spec = DatasetSpec(name="readiness").resolved(settings)
    examples = iter_examples(
        session,
        spec,
        TokenCounter(encoding_for(None)),
        Shaping(),
        newest_first=True,
        limit=settings.readiness_validation_sample,
        scrub=False,  # the no-PII check covers personal data; validation needs only the shape
    )
    report = validate_lines(openai_line(spec.system_prompt, e.messages) for e in examples)
    failing = len(set().union(*report.error_lines.values()))
    if report.examples == 0:
        message, step = "no would-be training examples to validate yet", "rate or approve answers"
    elif failing:
        keys = ", ".join(f"{key} ({count})" for key, count in report.errors.items())
        message = f"{failing} of {report.examples} would-be training examples fail validation: {keys}"
        step = "fix or reject those interactions, then check again (dataset validate shows the lines)"
    else:
        message, step = f"the {report.examples} newest would-be training examples validate", ""
    return Check(
        name="validation_passes",
        passed=report.examples > 0 and failing == 0,
        value=failing,
        threshold=0,
        message=message,
        next_step=step,
    )


def _no_unsafe_included(session: Session) -> Check:
    newest = (
        select(DatasetVersion.name, func.max(DatasetVersion.version).label("version"))
        .group_by(DatasetVersion.name)
        .subquery()
    )
    rows = session.execute(
        select(DatasetVersion.name, DatasetVersion.version, func.count())
        .join(newest, and_(newest.c.name == DatasetVersion.name, newest.c.version == DatasetVersion.version))
        .join(DatasetMember, DatasetMember.dataset_version_id == DatasetVersion.id)
        .join(Review, Review.interaction_id == DatasetMember.interaction_id)
        .where(Review.clinical_verdict == "unsafe")
        .group_by(DatasetVersion.name, DatasetVersion.version)
        .order_by(DatasetVersion.name)
    ).all()
    unsafe = sum(int(count) for _, _, count in rows)
    labels = ", ".join(f"{name}:{version}" for name, version, _ in rows)
    return Check(
        name="no_unsafe_included",
        passed=unsafe == 0,
        value=unsafe,
        threshold=0,
        message=f"{unsafe} answers judged unsafe by a clinician are in the newest dataset versions"
        + (f" ({labels})" if labels else ""),
        next_step=f"rebuild {labels} to leave them out" if unsafe else "",
    )
