"""Search and duplicates: the full-text index over questions and answers (SQLite FTS5 table kept by
triggers, or a PostgreSQL GIN index; see `core.search`), backfilled from the stored interactions; the
MinHash signatures of the duplicate scan; `interaction.user_stars` kept by triggers on `rating` (see
`core.rating_triggers`) and backfilled; indexes for duplicate groups, personal-data flags and the listing's
sorts.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core import rating_triggers, search

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "near_duplicate_signature",
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("content_hash"),
        sqlite_with_rowid=False,
    )
    op.add_column("interaction", sa.Column("user_stars", sa.SmallInteger(), nullable=True))
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.create_index("ix_interaction_duplicate_of", ["duplicate_of", "id"], unique=False)
        batch_op.create_index("ix_interaction_latency_created_at", ["latency_ms", "created_at"], unique=False)
        batch_op.create_index("ix_interaction_pii_flags", ["pii_flags"], unique=False)
    op.execute(rating_triggers.BACKFILL)
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.create_index(
            "ix_interaction_user_stars_created_at", ["user_stars", "created_at"], unique=False
        )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in (
        (*search.SQLITE_DDL, *rating_triggers.SQLITE_DDL)
        if sqlite
        else (*search.POSTGRES_DDL, *rating_triggers.POSTGRES_DDL)
    ):
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in (
        (*search.SQLITE_DROP, *rating_triggers.SQLITE_DROP)
        if sqlite
        else (*search.POSTGRES_DROP, *rating_triggers.POSTGRES_DROP)
    ):
        op.execute(statement)
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.drop_index("ix_interaction_user_stars_created_at")
        batch_op.drop_index("ix_interaction_pii_flags")
        batch_op.drop_index("ix_interaction_latency_created_at")
        batch_op.drop_index("ix_interaction_duplicate_of")
    # A plain DROP COLUMN: SQLite's batch mode would copy and drop `interaction`, and the drop cascades to
    # every rating row (foreign keys are on).
    op.execute("ALTER TABLE interaction DROP COLUMN user_stars")
    op.drop_table("near_duplicate_signature")
