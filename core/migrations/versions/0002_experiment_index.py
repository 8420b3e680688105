"""Experiment and metrics indexes: a covering index over an experiment's interactions.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXPERIMENT_COLUMNS = ["experiment", "variant", "user_pseudonym", "status", "cost_usd", "latency_ms"]


def upgrade() -> None:
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.create_index("ix_interaction_experiment", EXPERIMENT_COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.drop_index("ix_interaction_experiment")
