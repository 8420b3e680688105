"""Fine-tuning worker state on `finetune_job`: the provider's raw status, retry count for backoff, the claim a
worker holds (compare-and-set on SQLite, row locks on PostgreSQL), uploaded file references, the event cursor,
provider details, and an index on `next_poll_at` for finding due jobs.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("finetune_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("raw_status", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("remote_files", _json(), nullable=True))
        batch_op.add_column(sa.Column("event_cursor", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("details", _json(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_finetune_job_next_poll_at", ["next_poll_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_finetune_job_updated_at"), ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("finetune_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finetune_job_updated_at"))
        batch_op.drop_index("ix_finetune_job_next_poll_at")
        for column in (
            "updated_at",
            "details",
            "event_cursor",
            "remote_files",
            "claimed_until",
            "claimed_by",
            "attempts",
            "raw_status",
        ):
            batch_op.drop_column(column)
