"""Full-text search on PostgreSQL through a stored document: `interaction.search_document`, a generated
tsvector column, and a GIN index over it replace the GIN index over the expression, whose every candidate
row PostgreSQL had to check again by computing the expression from the row's text (see `core.search`).
SQLite keeps its FTS5 table: nothing to do there.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

from alembic import op

from core import search

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    # The old index goes first, so the table rewrite that adds the column does not rebuild it.
    for statement in (*search.POSTGRES_DROP, *search.POSTGRES_COLUMN_DDL):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for statement in (*search.POSTGRES_COLUMN_DROP, *search.POSTGRES_DDL):
        op.execute(statement)
