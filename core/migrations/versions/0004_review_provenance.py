"""Review provenance: who set each topic tag (`interaction_topic.source`, 'auto' from the rules or 'reviewer'
by hand, so a re-tag keeps the hand-set ones) and an index on `audit_log.target`, which the review history of
one interaction reads.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "interaction_topic",
        sa.Column("source", sa.String(length=16), server_default="auto", nullable=False),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_target"), ["target"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_target"))
    with op.batch_alter_table("interaction_topic", schema=None) as batch_op:
        batch_op.drop_column("source")
