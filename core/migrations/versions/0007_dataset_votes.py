"""Frozen training examples and side-by-side votes: `dataset_member` gains the example itself (position,
primary topic, messages, tokens) so an export never drifts from its build; `dataset_pair` holds a version's
frozen DPO pairs; `preference_vote` holds side-by-side judgements between two models' answers.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("dataset_member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("topic", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("messages", _json(), nullable=True))
        batch_op.add_column(sa.Column("tokens", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_dataset_member_version_split", ["dataset_version_id", "split", "position"], unique=False
        )
    op.create_table(
        "dataset_pair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset_version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("split", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("interaction_id", sa.String(length=64), nullable=True),
        sa.Column("messages", _json(), nullable=False),
        sa.Column("preferred", sa.Text(), nullable=False),
        sa.Column("non_preferred", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["dataset_version_id"], ["dataset_version.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_dataset_pair_version_split",
        "dataset_pair",
        ["dataset_version_id", "split", "position"],
        unique=False,
    )
    op.create_table(
        "preference_vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("messages", _json(), nullable=False),
        sa.Column("model_a", sa.String(length=255), nullable=False),
        sa.Column("answer_a", sa.Text(), nullable=False),
        sa.Column("model_b", sa.String(length=255), nullable=False),
        sa.Column("answer_b", sa.Text(), nullable=False),
        sa.Column("winner", sa.String(length=4), nullable=False),
        sa.Column("voter", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("interaction_id", sa.String(length=64), nullable=True),
        sa.Column("dataset_version_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("winner IN ('a', 'b', 'tie')", name="ck_preference_vote_winner"),
        sa.ForeignKeyConstraint(["interaction_id"], ["interaction.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["dataset_version_id"], ["dataset_version.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_preference_vote_created_at", "preference_vote", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_preference_vote_created_at", table_name="preference_vote")
    op.drop_table("preference_vote")
    op.drop_index("ix_dataset_pair_version_split", table_name="dataset_pair")
    op.drop_table("dataset_pair")
    with op.batch_alter_table("dataset_member", schema=None) as batch_op:
        batch_op.drop_index("ix_dataset_member_version_split")
        batch_op.drop_column("tokens")
        batch_op.drop_column("messages")
        batch_op.drop_column("topic")
        batch_op.drop_column("position")
