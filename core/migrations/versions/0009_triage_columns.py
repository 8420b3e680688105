"""Triage columns on `interaction` (see `core.triage`): the user's latest thumbs, whether a reviewer rated it,
the review status and clinical verdict, whether it mentions a dose, and its `suspicion` level; backfilled
(touching only the rows that change), indexed for the review queues, then kept by triggers. The model and
date index also holds the latency, so a model's "slowest first" listing counts from the index alone.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from core import search, triage

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_interaction_queue": ["review_status", "user_stars", "user_thumbs", "reviewer_rated", "created_at"],
    "ix_interaction_suspicion": ["review_status", "suspicion", "created_at"],
    "ix_interaction_user_thumbs_created_at": ["user_thumbs", "created_at"],
}
MODEL_INDEX = ["model", "created_at"]
FLAGS = ("reviewer_rated", "mentions_dose")


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    op.add_column("interaction", sa.Column("user_thumbs", sa.String(length=4), nullable=True))
    op.add_column(
        "interaction",
        sa.Column("review_status", sa.String(length=16), server_default="pending", nullable=False),
    )
    op.add_column("interaction", sa.Column("clinical_verdict", sa.String(length=16), nullable=True))
    for flag in FLAGS:
        op.add_column("interaction", sa.Column(flag, sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column(
        "interaction", sa.Column("suspicion", sa.SmallInteger(), server_default="0", nullable=False)
    )
    for statement in triage.BACKFILL:
        op.execute(statement)
    interaction = sa.table("interaction", sa.column("mentions_dose", sa.Boolean()))
    # Through the full-text index; on PostgreSQL the one over the expression, as 0011 has not run yet.
    mentions = search.mentions_any(Session(bind=bind), triage.DOSE_PHRASES, expression=True)
    op.execute(interaction.update().where(mentions).values(mentions_dose=True))
    op.execute(triage.SUSPICION_BACKFILL)
    for name, columns in INDEXES.items():
        op.create_index(name, "interaction", columns, unique=False)
    op.drop_index("ix_interaction_model_created_at", table_name="interaction")
    op.create_index("ix_interaction_model_created_at", "interaction", [*MODEL_INDEX, "latency_ms"])
    for statement in triage.SQLITE_DDL if sqlite else triage.POSTGRES_DDL:
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in triage.SQLITE_DROP if sqlite else triage.POSTGRES_DROP:
        op.execute(statement)
    for name in INDEXES:
        op.drop_index(name, table_name="interaction")
    op.drop_index("ix_interaction_model_created_at", table_name="interaction")
    op.create_index("ix_interaction_model_created_at", "interaction", MODEL_INDEX)
    # Plain DROP COLUMNs: SQLite's batch mode would copy and drop `interaction`, and the drop cascades to
    # every rating row (foreign keys are on).
    for column in ("suspicion", *FLAGS, "clinical_verdict", "review_status", "user_thumbs"):
        op.execute(f"ALTER TABLE interaction DROP COLUMN {column}")
