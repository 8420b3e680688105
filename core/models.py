"""The domain as typed SQLAlchemy 2 tables (DESIGN.md §3).

In: nothing (declarations only). Out: the ORM classes and `Base.metadata`, which the Alembic
migrations in `core/migrations/` mirror. Every timestamp is naive UTC, on SQLite and PostgreSQL alike.
Enumerated columns are short strings whose allowed values live in `core.vocab`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JSONType = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
ID = String(64)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSONType, list[Any]: JSONType}


# Indexes on interaction over the few rows a filter looks for (most rows hold none of these): each
# {name: (columns, condition)} indexes only the rows meeting the condition, so an insert that does not meet it
# costs nothing there. A query uses one when its own conditions imply the index's (`user_thumbs = 'down'`
# implies `user_thumbs IS NOT NULL`). Migration 0010.
PARTIAL_INDEXES: dict[str, tuple[tuple[str, ...], str]] = {
    "ix_interaction_user_thumbs_created_at": (("user_thumbs", "created_at"), "user_thumbs IS NOT NULL"),
    "ix_interaction_duplicate_of": (("duplicate_of", "id"), "duplicate_of IS NOT NULL"),
    "ix_interaction_pii_flags": (("pii_flags",), "pii_flags IS NOT NULL"),
    "ix_interaction_experiment": (
        ("experiment", "variant", "user_pseudonym", "status", "cost_usd", "latency_ms"),
        "experiment IS NOT NULL",
    ),
    # counts the demo rows (`core.queries.provenance`)
    "ix_interaction_source": (("source",), "source = 'demo'"),
}


def _partial_index(name: str, *columns: str, where: str) -> Index:
    return Index(name, *columns, sqlite_where=text(where), postgresql_where=text(where))


class Conversation(Base):
    __tablename__ = "conversation"
    __table_args__ = {"sqlite_with_rowid": False}

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    user_pseudonym: Mapped[str | None] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    app_version: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str | None] = mapped_column(String(16))


class Interaction(Base):
    """One assistant turn with the context that led to it."""

    __tablename__ = "interaction"
    __table_args__ = (
        Index("ix_interaction_created_at", "created_at"),
        Index("ix_interaction_status_created_at", "status", "created_at"),
        Index("ix_interaction_model_created_at", "model", "created_at", "latency_ms"),  # covers "slowest"
        Index("ix_interaction_user_created_at", "user_pseudonym", "created_at"),
        Index("ix_interaction_latency_created_at", "latency_ms", "created_at"),
        Index("ix_interaction_user_stars_created_at", "user_stars", "created_at"),
        Index(
            "ix_interaction_queue",
            "review_status",
            "user_stars",
            "user_thumbs",
            "reviewer_rated",
            "created_at",
        ),
        Index("ix_interaction_suspicion", "review_status", "suspicion", "created_at"),
        *(_partial_index(name, *columns, where=where) for name, (columns, where) in PARTIAL_INDEXES.items()),
        CheckConstraint("status IN ('ok', 'error')", name="ck_interaction_status"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversation.id"), index=True)
    user_pseudonym: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    messages: Mapped[list[Any]] = mapped_column()
    user_message: Mapped[str] = mapped_column(Text)
    assistant_message: Mapped[str] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(String(200))
    provider: Mapped[str | None] = mapped_column(String(32))
    experiment: Mapped[str | None] = mapped_column(String(100))
    variant: Mapped[str | None] = mapped_column(String(50))
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    cost_usd: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(8), default="ok")
    error_code: Mapped[str | None] = mapped_column(String(64))
    pii_flags: Mapped[list[Any] | None] = mapped_column()
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    duplicate_of: Mapped[str | None] = mapped_column(ID)
    user_stars: Mapped[int | None] = mapped_column(SmallInteger)  # the end user's stars (kept by triggers)
    # triage columns (see `core.triage`): copies of ratings and review, and the suspicion they give
    user_thumbs: Mapped[str | None] = mapped_column(String(4))
    reviewer_rated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    review_status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    clinical_verdict: Mapped[str | None] = mapped_column(String(16))
    mentions_dose: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    suspicion: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    source: Mapped[str] = mapped_column(String(16))
    ingested_at: Mapped[datetime] = mapped_column(DateTime)


class InteractionTopic(Base):
    """Which core topics an interaction is about (many per interaction); `source` says who set the tag:
    'auto' (the topic rules) or 'reviewer' (by hand, kept by a re-tag)."""

    __tablename__ = "interaction_topic"
    __table_args__ = (Index("ix_interaction_topic_topic", "topic"), {"sqlite_with_rowid": False})

    interaction_id: Mapped[str] = mapped_column(
        ForeignKey("interaction.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(32), primary_key=True)
    source: Mapped[str] = mapped_column(String(16), default="auto", server_default="auto")


class NearDuplicateSignature(Base):
    """The MinHash signature of one normalised question-and-answer text (`interaction.content_hash`),
    computed once by the duplicate scan so later scans only hash new texts."""

    __tablename__ = "near_duplicate_signature"
    __table_args__ = {"sqlite_with_rowid": False}

    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class Rating(Base):
    """A star rating and/or thumbs from the end user or a reviewer."""

    __tablename__ = "rating"
    __table_args__ = (
        CheckConstraint("stars IS NULL OR (stars >= 1 AND stars <= 5)", name="ck_rating_stars"),
        CheckConstraint("thumbs IS NULL OR thumbs IN ('up', 'down')", name="ck_rating_thumbs"),
        CheckConstraint("source IN ('user', 'reviewer')", name="ck_rating_source"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    interaction_id: Mapped[str] = mapped_column(ForeignKey("interaction.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    stars: Mapped[int | None] = mapped_column(SmallInteger)
    thumbs: Mapped[str | None] = mapped_column(String(4))
    comment: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Review(Base):
    """The current review state of an interaction; `version` guards against lost updates."""

    __tablename__ = "review"

    interaction_id: Mapped[str] = mapped_column(
        ForeignKey("interaction.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    ideal_answer: Mapped[str | None] = mapped_column(Text)
    clinical_verdict: Mapped[str | None] = mapped_column(String(16))
    reviewer: Mapped[str | None] = mapped_column(String(255))
    notes: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class DatasetVersion(Base):
    """An immutable training-set snapshot; never mutated after creation except the erasure mark."""

    __tablename__ = "dataset_version"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_dataset_version_name_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    spec: Mapped[dict[str, Any]] = mapped_column()
    system_prompt: Mapped[str | None] = mapped_column(Text)
    counts: Mapped[dict[str, Any]] = mapped_column()
    token_stats: Mapped[dict[str, Any]] = mapped_column()
    files: Mapped[dict[str, Any]] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    contains_erased_data: Mapped[bool] = mapped_column(Boolean, default=False)


class DatasetMember(Base):
    """Lineage: which interaction (and whose) went into which dataset version, and in which split."""

    __tablename__ = "dataset_member"
    __table_args__ = (Index("ix_dataset_member_version_split", "dataset_version_id", "split", "position"),)

    dataset_version_id: Mapped[int] = mapped_column(ForeignKey("dataset_version.id"), primary_key=True)
    interaction_id: Mapped[str] = mapped_column(ID, primary_key=True, index=True)
    user_pseudonym: Mapped[str | None] = mapped_column(String(64), index=True)
    split: Mapped[str] = mapped_column(String(16))
    # the frozen training example (scrubbed, system prompt included) so exports never drift from the build
    position: Mapped[int | None] = mapped_column(Integer)
    topic: Mapped[str | None] = mapped_column(String(32))
    messages: Mapped[list[Any] | None] = mapped_column()
    tokens: Mapped[int | None] = mapped_column(Integer)


class DatasetPair(Base):
    """A frozen preference pair of a dataset version, for DPO exports."""

    __tablename__ = "dataset_pair"
    __table_args__ = (Index("ix_dataset_pair_version_split", "dataset_version_id", "split", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_version_id: Mapped[int] = mapped_column(ForeignKey("dataset_version.id"))
    position: Mapped[int] = mapped_column(Integer)
    split: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    interaction_id: Mapped[str | None] = mapped_column(ID)
    messages: Mapped[list[Any]] = mapped_column()
    preferred: Mapped[str] = mapped_column(Text)
    non_preferred: Mapped[str] = mapped_column(Text)


class PreferenceVote(Base):
    """A side-by-side judgement between two models' answers to the same prompt."""

    __tablename__ = "preference_vote"
    __table_args__ = (CheckConstraint("winner IN ('a', 'b', 'tie')", name="ck_preference_vote_winner"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    messages: Mapped[list[Any]] = mapped_column()
    model_a: Mapped[str] = mapped_column(String(255))
    answer_a: Mapped[str] = mapped_column(Text)
    model_b: Mapped[str] = mapped_column(String(255))
    answer_b: Mapped[str] = mapped_column(Text)
    winner: Mapped[str] = mapped_column(String(4))
    voter: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    interaction_id: Mapped[str | None] = mapped_column(ForeignKey("interaction.id", ondelete="SET NULL"))
    dataset_version_id: Mapped[int | None] = mapped_column(ForeignKey("dataset_version.id"))


class FinetuneJob(Base):
    __tablename__ = "finetune_job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    base_model: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(16), default="sft")
    dataset_version_id: Mapped[int] = mapped_column(ForeignKey("dataset_version.id"))
    hyperparameters: Mapped[dict[str, Any]] = mapped_column()
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(32), index=True)
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    next_poll_at: Mapped[datetime | None] = mapped_column(DateTime)
    trained_tokens: Mapped[int | None] = mapped_column(Integer)
    estimated_cost_usd: Mapped[float | None] = mapped_column(Float)
    actual_cost_usd: Mapped[float | None] = mapped_column(Float)
    fine_tuned_model: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None] = mapped_column(Text)
    # worker state (migration 0008): the provider's own status word, consecutive retryable failures (backoff),
    # the claim a worker holds while it works on the job, uploaded file references, the last event seen,
    # and what the provider reported besides (checkpoints, data stats, endpoint, launch options)
    raw_status: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime)
    remote_files: Mapped[dict[str, Any] | None] = mapped_column()
    event_cursor: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any] | None] = mapped_column()
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)


Index("ix_finetune_job_next_poll_at", FinetuneJob.next_poll_at)


class JobEvent(Base):
    __tablename__ = "job_event"
    __table_args__ = (UniqueConstraint("job_id", "external_id", name="uq_job_event_external"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("finetune_job.id"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(200))
    ts: Mapped[datetime] = mapped_column(DateTime)
    level: Mapped[str] = mapped_column(String(16), default="info")
    message: Mapped[str] = mapped_column(Text)
    step: Mapped[int | None] = mapped_column(Integer)
    train_loss: Mapped[float | None] = mapped_column(Float)
    valid_loss: Mapped[float | None] = mapped_column(Float)
    accuracy: Mapped[float | None] = mapped_column(Float)


class RegisteredModel(Base):
    """A model in the registry: a base model in use, or one that a fine-tune produced."""

    __tablename__ = "model"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    provider: Mapped[str] = mapped_column(String(32))
    base_model: Mapped[str | None] = mapped_column(String(200))
    endpoint: Mapped[str | None] = mapped_column(String(500))
    source_job_id: Mapped[int | None] = mapped_column(ForeignKey("finetune_job.id"))
    dataset_version_id: Mapped[int | None] = mapped_column(ForeignKey("dataset_version.id"))
    status: Mapped[str] = mapped_column(String(16), default="candidate")
    base_retirement_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Experiment(Base):
    __tablename__ = "experiment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    control_model: Mapped[str] = mapped_column(String(255))
    treatment_model: Mapped[str] = mapped_column(String(255))
    treatment_share: Mapped[float] = mapped_column(Float, default=0.5)
    salt: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision: Mapped[str | None] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Price(Base):
    """USD per million tokens for one model, valid from `effective_from` until a newer row."""

    __tablename__ = "price"
    __table_args__ = (UniqueConstraint("model", "effective_from", name="uq_price_model_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model: Mapped[str] = mapped_column(String(200))
    input_per_1m: Mapped[float] = mapped_column(Float)
    output_per_1m: Mapped[float] = mapped_column(Float)
    training_per_1m: Mapped[float | None] = mapped_column(Float)
    effective_from: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(255))


class AppUser(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    role: Mapped[str | None] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)


class ApiKey(Base):
    """An app key for the collector; only its SHA-256 is stored."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ts: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(255), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str | None] = mapped_column(String(255), index=True)
    details: Mapped[dict[str, Any]] = mapped_column()


class AppSetting(Base):
    """A setting an admin changed in the console (today: success-metric targets), overriding its default."""

    __tablename__ = "app_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONType)
    updated_by: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class NotifiedBreach(Base):
    """A success-metric breach already posted to the webhook; deleted when the metric recovers."""

    __tablename__ = "notified_breach"

    kpi: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    notified_at: Mapped[datetime] = mapped_column(DateTime)


# -- rollups: pre-aggregated sufficient statistics, maintained by `core.rollups` on every write path ------
# `day` is the UTC calendar day as `YYYY-MM-DD` text (what `core.sql.day()` returns); `n` counts the rows
# that contribute to a key, and a key whose `n` drops to 0 is deleted. An unknown model is stored as ''.
class RollupCalls(Base):
    """Interactions per (day, model): count, successes, summed cost and how many of them are priced."""

    __tablename__ = "rollup_calls"
    __table_args__ = {"sqlite_with_rowid": False}

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    model: Mapped[str] = mapped_column(String(200), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    ok: Mapped[int] = mapped_column(Integer)
    cost_usd: Mapped[float] = mapped_column(Float)
    priced: Mapped[int] = mapped_column(Integer)


class RollupLatency(Base):
    """Interactions with a measured latency per (day, latency bucket of `LATENCY_BUCKET_MS`)."""

    __tablename__ = "rollup_latency"
    __table_args__ = {"sqlite_with_rowid": False}

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class RollupUserDay(Base):
    """Interactions per (end user, day): the days each user was active."""

    __tablename__ = "rollup_user_day"
    __table_args__ = (Index("ix_rollup_user_day_day", "day"), {"sqlite_with_rowid": False})

    user_pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class RollupConversationDay(Base):
    """Interactions per (conversation, day): the days each conversation was active."""

    __tablename__ = "rollup_conversation_day"
    __table_args__ = (Index("ix_rollup_conversation_day_day", "day"), {"sqlite_with_rowid": False})

    conversation_id: Mapped[str] = mapped_column(ID, primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class RollupUserCohort(Base):
    """End users per first day, and how many of them came back exactly 1, 7 and 30 days later."""

    __tablename__ = "rollup_user_cohort"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    d1: Mapped[int] = mapped_column(Integer)
    d7: Mapped[int] = mapped_column(Integer)
    d30: Mapped[int] = mapped_column(Integer)


class RollupConversationCohort(Base):
    """Conversations per first day."""

    __tablename__ = "rollup_conversation_cohort"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class RollupRatingDay(Base):
    """End users' ratings per day of the rating: count, stars (count, sum, histogram) and thumbs."""

    __tablename__ = "rollup_rating_day"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    stars: Mapped[int] = mapped_column(Integer)
    stars_sum: Mapped[int] = mapped_column(Integer)
    star_1: Mapped[int] = mapped_column(Integer)
    star_2: Mapped[int] = mapped_column(Integer)
    star_3: Mapped[int] = mapped_column(Integer)
    star_4: Mapped[int] = mapped_column(Integer)
    star_5: Mapped[int] = mapped_column(Integer)
    thumbs: Mapped[int] = mapped_column(Integer)
    thumbs_up: Mapped[int] = mapped_column(Integer)


class RollupRatedDay(Base):
    """Interactions with at least one end-user rating, per day of the interaction."""

    __tablename__ = "rollup_rated_day"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class RollupExperimentCalls(Base):
    """An experiment's interactions per (variant, end user): the per-unit sums of the delta method."""

    __tablename__ = "rollup_experiment_calls"
    __table_args__ = {"sqlite_with_rowid": False}

    experiment: Mapped[str] = mapped_column(String(100), primary_key=True)
    variant: Mapped[str] = mapped_column(String(50), primary_key=True)
    user_pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    ok: Mapped[int] = mapped_column(Integer)
    cost_usd: Mapped[float] = mapped_column(Float)
    priced: Mapped[int] = mapped_column(Integer)


class RollupExperimentRatings(Base):
    """End users' ratings of an experiment's interactions per (variant, end user)."""

    __tablename__ = "rollup_experiment_ratings"
    __table_args__ = {"sqlite_with_rowid": False}

    experiment: Mapped[str] = mapped_column(String(100), primary_key=True)
    variant: Mapped[str] = mapped_column(String(50), primary_key=True)
    user_pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    thumbs_up: Mapped[int] = mapped_column(Integer)
    thumbs: Mapped[int] = mapped_column(Integer)
    stars_sum: Mapped[int] = mapped_column(Integer)
    stars: Mapped[int] = mapped_column(Integer)
    top_box: Mapped[int] = mapped_column(Integer)


class RollupExperimentLatency(Base):
    """An experiment's interactions per (variant, exact latency in ms): the arm's latency histogram."""

    __tablename__ = "rollup_experiment_latency"
    __table_args__ = {"sqlite_with_rowid": False}

    experiment: Mapped[str] = mapped_column(String(100), primary_key=True)
    variant: Mapped[str] = mapped_column(String(50), primary_key=True)
    latency_ms: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
