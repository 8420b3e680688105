"""Rollup tables for the metric pages, filled from the rows already stored.

Creates the `rollup_*` tables of `core.models` and backfills them with `core.rollups.rebuild` (grouped
`INSERT … SELECT` statements over `interaction` and `rating`), so an upgraded database shows the same
numbers as before. A later change to a rollup table's columns needs its own migration that rebuilds.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DAY = sa.String(length=10)
EXPERIMENT_KEYS = ("experiment", "variant", "user_pseudonym")


def _counts(*names: str) -> list[sa.Column]:
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


def _experiment_keys() -> list[sa.Column]:
    return [
        sa.Column("experiment", sa.String(length=100), nullable=False),
        sa.Column("variant", sa.String(length=50), nullable=False),
        sa.Column("user_pseudonym", sa.String(length=64), nullable=False),
    ]


def _calls() -> list[sa.Column]:
    return [*_counts("n", "ok"), sa.Column("cost_usd", sa.Float(), nullable=False), *_counts("priced")]


def upgrade() -> None:
    without_rowid = {"sqlite_with_rowid": False}
    op.create_table(
        "rollup_calls",
        sa.Column("day", DAY, nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        *_calls(),
        sa.PrimaryKeyConstraint("day", "model"),
        **without_rowid,
    )
    op.create_table(
        "rollup_latency",
        sa.Column("day", DAY, nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        *_counts("n"),
        sa.PrimaryKeyConstraint("day", "bucket"),
        **without_rowid,
    )
    op.create_table(
        "rollup_user_day",
        sa.Column("user_pseudonym", sa.String(length=64), nullable=False),
        sa.Column("day", DAY, nullable=False),
        *_counts("n"),
        sa.PrimaryKeyConstraint("user_pseudonym", "day"),
        **without_rowid,
    )
    op.create_index("ix_rollup_user_day_day", "rollup_user_day", ["day"], unique=False)
    op.create_table(
        "rollup_conversation_day",
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("day", DAY, nullable=False),
        *_counts("n"),
        sa.PrimaryKeyConstraint("conversation_id", "day"),
        **without_rowid,
    )
    op.create_index("ix_rollup_conversation_day_day", "rollup_conversation_day", ["day"], unique=False)
    op.create_table(
        "rollup_user_cohort",
        sa.Column("day", DAY, nullable=False),
        *_counts("n", "d1", "d7", "d30"),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "rollup_conversation_cohort",
        sa.Column("day", DAY, nullable=False),
        *_counts("n"),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "rollup_rating_day",
        sa.Column("day", DAY, nullable=False),
        *_counts("n", "stars", "stars_sum", "star_1", "star_2", "star_3", "star_4", "star_5"),
        *_counts("thumbs", "thumbs_up"),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "rollup_rated_day",
        sa.Column("day", DAY, nullable=False),
        *_counts("n"),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "rollup_experiment_calls",
        *_experiment_keys(),
        *_calls(),
        sa.PrimaryKeyConstraint(*EXPERIMENT_KEYS),
        **without_rowid,
    )
    op.create_table(
        "rollup_experiment_ratings",
        *_experiment_keys(),
        *_counts("n", "thumbs_up", "thumbs", "stars_sum", "stars", "top_box"),
        sa.PrimaryKeyConstraint(*EXPERIMENT_KEYS),
        **without_rowid,
    )
    op.create_table(
        "rollup_experiment_latency",
        *_experiment_keys()[:2],
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        *_counts("n"),
        sa.PrimaryKeyConstraint("experiment", "variant", "latency_ms"),
        **without_rowid,
    )
    from core.rollups import rebuild  # the backfill uses the same statements as `bloomtune rollups rebuild`

    rebuild(Session(bind=op.get_bind()))


def downgrade() -> None:
    for name in (
        "rollup_experiment_latency",
        "rollup_experiment_ratings",
        "rollup_experiment_calls",
        "rollup_rated_day",
        "rollup_rating_day",
        "rollup_conversation_cohort",
        "rollup_user_cohort",
        "rollup_conversation_day",
        "rollup_user_day",
        "rollup_latency",
        "rollup_calls",
    ):
        op.drop_table(name)
