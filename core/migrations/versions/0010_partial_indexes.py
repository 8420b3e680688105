"""Partial indexes on `interaction` for the columns most rows leave empty (user thumbs, duplicate pointer,
personal-data flags, experiment) and for the demo rows: each indexes only the rows a filter looks for, so
an ingested row that has none of these costs nothing there (`core.models.PARTIAL_INDEXES`).

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# name: (columns, as the earlier revisions indexed the whole table (0001, 0002, 0005, 0009), and the condition)
INDEXES = {
    "ix_interaction_user_thumbs_created_at": (["user_thumbs", "created_at"], "user_thumbs IS NOT NULL"),
    "ix_interaction_duplicate_of": (["duplicate_of", "id"], "duplicate_of IS NOT NULL"),
    "ix_interaction_pii_flags": (["pii_flags"], "pii_flags IS NOT NULL"),
    "ix_interaction_experiment": (
        ["experiment", "variant", "user_pseudonym", "status", "cost_usd", "latency_ms"],
        "experiment IS NOT NULL",
    ),
    "ix_interaction_source": (["source"], "source = 'demo'"),
}


def upgrade() -> None:
    for name, (columns, where) in INDEXES.items():
        op.drop_index(name, table_name="interaction")
        condition = sa.text(where)
        op.create_index(name, "interaction", columns, sqlite_where=condition, postgresql_where=condition)


def downgrade() -> None:
    for name, (columns, _) in INDEXES.items():
        op.drop_index(name, table_name="interaction")
        op.create_index(name, "interaction", columns)
