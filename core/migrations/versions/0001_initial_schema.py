"""Initial schema: every table of the domain, and the public list prices as the first price rows.

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ts", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=True),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_actor"), ["actor"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_ts"), ["ts"], unique=False)

    op.create_table(
        "conversation",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_pseudonym", sa.String(length=64), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("app_version", sa.String(length=32), nullable=True),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversation_user_pseudonym"), ["user_pseudonym"], unique=False)

    op.create_table(
        "dataset_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "spec",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("system_prompt", sa.Text(), nullable=True),
        sa.Column(
            "counts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "token_stats",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "files",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("contains_erased_data", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", "version", name="uq_dataset_version_name_version"),
    )
    op.create_table(
        "experiment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("control_model", sa.String(length=255), nullable=False),
        sa.Column("treatment_model", sa.String(length=255), nullable=False),
        sa.Column("treatment_share", sa.Float(), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("stopped_at", sa.DateTime(), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "price",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("input_per_1m", sa.Float(), nullable=False),
        sa.Column("output_per_1m", sa.Float(), nullable=False),
        sa.Column("training_per_1m", sa.Float(), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("model", "effective_from", name="uq_price_model_from"),
    )
    op.create_table(
        "dataset_member",
        sa.Column("dataset_version_id", sa.Integer(), nullable=False),
        sa.Column("interaction_id", sa.String(length=64), nullable=False),
        sa.Column("user_pseudonym", sa.String(length=64), nullable=True),
        sa.Column("split", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_version_id"],
            ["dataset_version.id"],
        ),
        sa.PrimaryKeyConstraint("dataset_version_id", "interaction_id"),
    )
    with op.batch_alter_table("dataset_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dataset_member_interaction_id"), ["interaction_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_dataset_member_user_pseudonym"), ["user_pseudonym"], unique=False
        )

    op.create_table(
        "finetune_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("base_model", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("dataset_version_id", sa.Integer(), nullable=False),
        sa.Column(
            "hyperparameters",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("next_poll_at", sa.DateTime(), nullable=True),
        sa.Column("trained_tokens", sa.Integer(), nullable=True),
        sa.Column("estimated_cost_usd", sa.Float(), nullable=True),
        sa.Column("actual_cost_usd", sa.Float(), nullable=True),
        sa.Column("fine_tuned_model", sa.String(length=255), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dataset_version_id"],
            ["dataset_version.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("finetune_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_finetune_job_status"), ["status"], unique=False)

    op.create_table(
        "interaction",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("user_pseudonym", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column(
            "messages",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("user_message", sa.Text(), nullable=False),
        sa.Column("assistant_message", sa.Text(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("provider", sa.String(length=32), nullable=True),
        sa.Column("experiment", sa.String(length=100), nullable=True),
        sa.Column("variant", sa.String(length=50), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=True),
        sa.Column("completion_tokens", sa.Integer(), nullable=True),
        sa.Column("cost_usd", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column(
            "pii_flags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("duplicate_of", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("ingested_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('ok', 'error')", name="ck_interaction_status"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interaction_content_hash"), ["content_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_interaction_conversation_id"), ["conversation_id"], unique=False)
        batch_op.create_index("ix_interaction_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_interaction_status_created_at", ["status", "created_at"], unique=False)
        batch_op.create_index("ix_interaction_model_created_at", ["model", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_interaction_source"), ["source"], unique=False)
        batch_op.create_index(
            "ix_interaction_user_created_at", ["user_pseudonym", "created_at"], unique=False
        )

    op.create_table(
        "interaction_topic",
        sa.Column("interaction_id", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["interaction_id"], ["interaction.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("interaction_id", "topic"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("interaction_topic", schema=None) as batch_op:
        batch_op.create_index("ix_interaction_topic_topic", ["topic"], unique=False)

    op.create_table(
        "job_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("ts", sa.DateTime(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("train_loss", sa.Float(), nullable=True),
        sa.Column("valid_loss", sa.Float(), nullable=True),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["finetune_job.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job_id", "external_id", name="uq_job_event_external"),
    )
    with op.batch_alter_table("job_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_event_job_id"), ["job_id"], unique=False)

    op.create_table(
        "model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("base_model", sa.String(length=200), nullable=True),
        sa.Column("endpoint", sa.String(length=500), nullable=True),
        sa.Column("source_job_id", sa.Integer(), nullable=True),
        sa.Column("dataset_version_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("base_retirement_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_version_id"],
            ["dataset_version.id"],
        ),
        sa.ForeignKeyConstraint(
            ["source_job_id"],
            ["finetune_job.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interaction_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("stars", sa.SmallInteger(), nullable=True),
        sa.Column("thumbs", sa.String(length=4), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("author", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("source IN ('user', 'reviewer')", name="ck_rating_source"),
        sa.CheckConstraint("thumbs IS NULL OR thumbs IN ('up', 'down')", name="ck_rating_thumbs"),
        sa.CheckConstraint("stars IS NULL OR (stars >= 1 AND stars <= 5)", name="ck_rating_stars"),
        sa.ForeignKeyConstraint(["interaction_id"], ["interaction.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rating_interaction_id"), ["interaction_id"], unique=False)

    op.create_table(
        "review",
        sa.Column("interaction_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ideal_answer", sa.Text(), nullable=True),
        sa.Column("clinical_verdict", sa.String(length=16), nullable=True),
        sa.Column("reviewer", sa.String(length=255), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["interaction_id"], ["interaction.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("interaction_id"),
    )
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_status"), ["status"], unique=False)

    _seed_prices()


# USD per 1M tokens; public list prices when the schema was written. Editable in the console.
SEED_PRICES = [
    # model, input, output, training
    ("gpt-4.1-2025-04-14", 2.00, 8.00, 25.00),
    ("gpt-4.1-mini-2025-04-14", 0.40, 1.60, 5.00),
    ("gpt-4.1-nano-2025-04-14", 0.10, 0.40, 1.50),
    ("gpt-4o-2024-08-06", 2.50, 10.00, 25.00),
    ("gpt-4o-mini-2024-07-18", 0.15, 0.60, 3.00),
    ("ft:gpt-4.1-2025-04-14", 3.00, 12.00, None),
    ("ft:gpt-4.1-mini-2025-04-14", 0.80, 3.20, None),
    ("ft:gpt-4.1-nano-2025-04-14", 0.20, 0.80, None),
    ("ft:gpt-4o-2024-08-06", 3.75, 15.00, None),
    ("ft:gpt-4o-mini-2024-07-18", 0.30, 1.20, None),
    ("gemini-3.5-flash", 0.30, 2.50, 5.00),
    ("gemini-3.5-flash-lite", 0.10, 0.40, 1.50),
]


def _seed_prices() -> None:
    price = sa.table(
        "price",
        sa.column("model", sa.String),
        sa.column("input_per_1m", sa.Float),
        sa.column("output_per_1m", sa.Float),
        sa.column("training_per_1m", sa.Float),
        sa.column("effective_from", sa.Date),
        sa.column("note", sa.String),
    )
    op.bulk_insert(
        price,
        [
            {
                "model": model,
                "input_per_1m": inp,
                "output_per_1m": out,
                "training_per_1m": train,
                "effective_from": date(2026, 11, 1),
                "note": "seeded list price",
            }
            for model, inp, out, train in SEED_PRICES
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_status"))

    op.drop_table("review")
    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rating_interaction_id"))

    op.drop_table("rating")
    op.drop_table("model")
    with op.batch_alter_table("job_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_event_job_id"))

    op.drop_table("job_event")
    with op.batch_alter_table("interaction_topic", schema=None) as batch_op:
        batch_op.drop_index("ix_interaction_topic_topic")

    op.drop_table("interaction_topic")
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.drop_index("ix_interaction_user_created_at")
        batch_op.drop_index(batch_op.f("ix_interaction_source"))
        batch_op.drop_index("ix_interaction_model_created_at")
        batch_op.drop_index("ix_interaction_status_created_at")
        batch_op.drop_index("ix_interaction_created_at")
        batch_op.drop_index(batch_op.f("ix_interaction_conversation_id"))
        batch_op.drop_index(batch_op.f("ix_interaction_content_hash"))

    op.drop_table("interaction")
    with op.batch_alter_table("finetune_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finetune_job_status"))

    op.drop_table("finetune_job")
    with op.batch_alter_table("dataset_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dataset_member_user_pseudonym"))
        batch_op.drop_index(batch_op.f("ix_dataset_member_interaction_id"))

    op.drop_table("dataset_member")
    op.drop_table("price")
    op.drop_table("experiment")
    op.drop_table("dataset_version")
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_user_pseudonym"))

    op.drop_table("conversation")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_ts"))
        batch_op.drop_index(batch_op.f("ix_audit_log_actor"))
        batch_op.drop_index(batch_op.f("ix_audit_log_action"))

    op.drop_table("audit_log")
    op.drop_table("app_user")
    op.drop_table("api_key")
