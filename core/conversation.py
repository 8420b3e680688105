"""The conversation view of one interaction: everything a reviewer needs on one screen.

In: an interaction id, a session and the acting principal (needs `VIEW_INTERACTIONS`). Out: a
`ConversationView` — the whole thread as stored (the system/user/assistant turns up to the answer), the
metadata (model, provider, latency, tokens, cost, experiment and variant, status and error, topics with who
set them, PII flags, duplicate group), the other turns of the same conversation, every rating with its
source, author and time, the review state with the `version` an editor must send back
(`core.review.save_review`), and the review history. Raises `NotFound` for an unknown id. A handful of
primary-key and indexed reads; nothing is aggregated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.audit import AuditEntry
from core.auth import Permission, Principal, require
from core.errors import NotFound
from core.models import Conversation, Interaction, InteractionTopic, Rating, Review
from core.review import ReviewForm, review_history

MAX_SIBLINGS = 50


@dataclass(frozen=True)
class RatingView:
    source: str
    stars: int | None
    thumbs: str | None
    comment: str | None
    author: str | None
    created_at: datetime


@dataclass(frozen=True)
class ReviewState:
    status: str = "pending"
    ideal_answer: str | None = None
    clinical_verdict: str | None = None
    reviewer: str | None = None
    notes: str | None = None
    updated_at: datetime | None = None
    version: int = 0  # 0: nobody has saved a review yet


@dataclass(frozen=True)
class Sibling:
    """Another assistant turn of the same conversation."""

    id: str
    created_at: datetime
    question: str


@dataclass(frozen=True)
class ConversationView:
    id: str
    conversation_id: str
    created_at: datetime
    messages: list[dict[str, Any]]
    user_message: str
    assistant_message: str
    metadata: dict[str, Any]
    topics: dict[str, str]  # topic -> source ('auto' or 'reviewer')
    pii_flags: list[Any]
    duplicate_of: str | None
    duplicates: int  # other members of its duplicate group
    ratings: list[RatingView]
    review: ReviewState
    history: list[AuditEntry]
    siblings: list[Sibling] = field(default_factory=list)

    @property
    def user_ratings(self) -> list[RatingView]:
        return [r for r in self.ratings if r.source == "user"]

    def reviewer_rating(self, author: str) -> RatingView | None:
        """The rating `author` gave as a reviewer, if any."""
        return next((r for r in self.ratings if r.source == "reviewer" and r.author == author), None)

    def form(self, author: str) -> ReviewForm:
        """The review editor as `author` opens it: their own rating, the ideal answer (or the original
        answer to start from) and the rest of the review state."""
        mine = self.reviewer_rating(author)
        return ReviewForm(
            stars=(mine.stars or 0) if mine else 0,
            thumbs=(mine.thumbs or "") if mine else "",
            status=self.review.status,
            ideal_answer=self.review.ideal_answer or self.assistant_message,
            clinical_verdict=self.review.clinical_verdict or "",
            topics=tuple(self.topics),
            notes=self.review.notes or "",
        )


def load_conversation(interaction_id: str, *, session: Session, principal: Principal) -> ConversationView:
    """Everything the conversation view shows for `interaction_id`."""
    require(principal, Permission.VIEW_INTERACTIONS)
    row = session.get(Interaction, interaction_id)
    if row is None:
        raise NotFound(f"no interaction with id {interaction_id}; it may have been erased")
    conversation = session.get(Conversation, row.conversation_id)
    canonical = row.duplicate_of or row.id
    duplicates = session.scalar(
        select(func.count()).where(
            or_(Interaction.duplicate_of == canonical, Interaction.id == canonical), Interaction.id != row.id
        )
    )
    return ConversationView(
        id=row.id,
        conversation_id=row.conversation_id,
        created_at=row.created_at,
        messages=list(row.messages or []),
        user_message=row.user_message,
        assistant_message=row.assistant_message,
        metadata=_metadata(row, conversation),
        topics=dict(
            session.execute(
                select(InteractionTopic.topic, InteractionTopic.source)
                .where(InteractionTopic.interaction_id == row.id)
                .order_by(InteractionTopic.topic)
            ).all()
        ),
        pii_flags=list(row.pii_flags or []),
        duplicate_of=row.duplicate_of,
        duplicates=int(duplicates or 0),
        ratings=[
            RatingView(r.source, r.stars, r.thumbs, r.comment, r.author, r.created_at)
            for r in session.scalars(
                select(Rating).where(Rating.interaction_id == row.id).order_by(Rating.created_at, Rating.id)
            )
        ],
        review=_review_state(session.get(Review, row.id, populate_existing=True)),
        history=review_history(row.id, session=session, principal=principal),
        siblings=_siblings(session, row),
    )


def _metadata(row: Interaction, conversation: Conversation | None) -> dict[str, Any]:
    tokens = None
    if row.prompt_tokens is not None or row.completion_tokens is not None:
        tokens = (row.prompt_tokens or 0) + (row.completion_tokens or 0)
    return {
        "Model": row.model,
        "Provider": row.provider,
        "Latency (ms)": row.latency_ms,
        "Prompt tokens": row.prompt_tokens,
        "Completion tokens": row.completion_tokens,
        "Total tokens": tokens,
        "Cost (USD)": row.cost_usd,
        "Experiment": row.experiment,
        "Variant": row.variant,
        "Status": row.status,
        "Error": row.error_code,
        "Source": row.source,
        "App version": conversation.app_version if conversation else None,
        "Locale": conversation.locale if conversation else None,
    }


def _review_state(review: Review | None) -> ReviewState:
    if review is None:
        return ReviewState()
    return ReviewState(
        status=review.status,
        ideal_answer=review.ideal_answer,
        clinical_verdict=review.clinical_verdict,
        reviewer=review.reviewer,
        notes=review.notes,
        updated_at=review.updated_at,
        version=review.version,
    )


def _siblings(session: Session, row: Interaction) -> list[Sibling]:
    rows = session.execute(
        select(Interaction.id, Interaction.created_at, func.substr(Interaction.user_message, 1, 120))
        .where(Interaction.conversation_id == row.conversation_id, Interaction.id != row.id)
        .order_by(Interaction.created_at, Interaction.id)
        .limit(MAX_SIBLINGS)
    ).all()
    return [Sibling(id=i, created_at=created, question=question) for i, created, question in rows]
