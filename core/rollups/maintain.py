"""Keeping the rollup tables equal to what the raw rows say, on every write path.

In: the caller's session (changes join its transaction; the caller commits) and what changed. Out:
- `sum_ingested(batch)`, `add_ingested(session, sums)` — new interactions with their ratings
  (`IngestWriter.store`: import, collector, gateway, demo): the batch is summed per key in memory (by the
  import's worker process, which built the rows), then one executemany upsert per table adds the sums
  (`ON CONFLICT … DO UPDATE SET n = n + excluded.n`);
- `add_stored(session, where)` — new interactions already inserted whose batch sums do not apply (the
  writer dropped rows stored before): their contributions are added by grouped `INSERT … SELECT` upserts;
- `remove_interactions(session, where)` — call BEFORE deleting the interactions that `where` selects
  (erasure): their contributions, ratings included, are subtracted by grouped `INSERT … SELECT` upserts;
- `ratings_changing(session, interaction_ids)` — a context manager around any insert, update or delete of
  ratings of existing interactions (collector feedback, reviewer tools): on entry the ratings of those
  interactions are subtracted, on exit they are added back as they now are, so the rollups follow any
  change exactly;
- `rebuild(session)` — empty every rollup table and fill it again from the raw rows (the migration's
  backfill and `bloomtune rollups rebuild`); returns the rows per table.
The cohort tables (`core.rollups.cohorts`) follow the (user, day) and (conversation, day) rollups: the
cohorts of the users and conversations a write touches are subtracted before it and added back after it.
Keys left with `n = 0` are deleted. Removals and rating changes take the ingest lock (`core.sql`), so they
never interleave with a concurrent ingest's upserts on PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Insert, Select, Table, delete, func, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.models import Interaction, Rating
from core.rollups.cohorts import COHORTS, Cohorts
from core.rollups.definitions import INTERACTIONS, RATINGS, ROLLUPS, Rollup, Row
from core.sql import among, bulk_add, dialect_of, lock_for_ingest


class IngestedRows(Protocol):
    """One new interaction's row and its ratings' rows, as `IngestWriter` inserts them."""

    @property
    def interaction(self) -> Row: ...

    @property
    def ratings(self) -> list[Row]: ...


@dataclass(frozen=True)
class BatchSums:
    """A batch's contribution to every rollup, summed in memory; plain values, so the worker process that
    built the batch can compute it and hand it over."""

    rows: tuple[list[tuple[Any, ...]], ...]  # per rollup of `ROLLUPS`: the key values, then the measures
    members: tuple[list[str], ...]  # per cohort kind of `COHORTS`: the users or conversations, sorted


def sum_ingested(batch: Sequence[IngestedRows]) -> BatchSums:
    """Sum a batch of new interactions (and their ratings) per key of every rollup."""
    pairs: dict[str, list[tuple[Row, Row | None]]] = {
        INTERACTIONS: [(rows.interaction, _first_user_rating(rows.ratings)) for rows in batch],
        RATINGS: [(rows.interaction, rating) for rows in batch for rating in rows.ratings],
    }
    summed: list[list[tuple[Any, ...]]] = []
    for rollup in ROLLUPS:
        sources = pairs[rollup.source]
        key = rollup.key
        if rollup.values is None:  # a count per key: Counter sums in C
            counted = Counter(k for k in (key(i, r) for i, r in sources) if k is not None)
            summed.append([(*k, n) for k, n in counted.items()])
            continue
        sums: dict[tuple[Any, ...], list[Any]] = {}
        values = rollup.values
        for interaction, rating in sources:
            k = key(interaction, rating)
            if k is None:
                continue
            total = sums.get(k)
            if total is None:
                sums[k] = list(values(interaction, rating))
            else:
                for index, value in enumerate(values(interaction, rating)):
                    total[index] += value
        summed.append([(*k, *v) for k, v in sums.items()])
    return BatchSums(tuple(summed), _members(batch))


def add_ingested(session: Session, sums: BatchSums) -> None:
    """Add a batch of newly stored interactions (and their ratings), summed by `sum_ingested`, to every
    rollup."""
    _cohorts_of(session, sums.members, negate=True)
    for rollup, rows_out in zip(ROLLUPS, sums.rows, strict=True):
        bulk_add(session, rollup.table, rollup.key_names, rollup.measure_names, rows_out)
    _cohorts_of(session, sums.members, negate=False)
    _prune(session, [c.table for c in COHORTS])


def _members(batch: Sequence[IngestedRows]) -> tuple[list[str], ...]:
    """The users and conversations of a batch: their cohorts change with it."""
    found: tuple[set[str], ...] = tuple(set() for _ in COHORTS)
    for rows in batch:
        for cohorts, values in zip(COHORTS, found, strict=True):
            value = rows.interaction[cohorts.member]
            if value is not None:
                values.add(value)
    return tuple(sorted(values) for values in found)


def _cohorts_of(session: Session, members: tuple[list[str], ...], *, negate: bool) -> None:
    """Add (or subtract) the cohort contribution of these members (per cohort kind of `COHORTS`)."""
    for cohorts, values in zip(COHORTS, members, strict=True):
        if values:
            rows = cohorts.grouped(among(session, cohorts.member_column(), values), negate=negate)
            _upsert(session, cohorts.table, cohorts.key_names, cohorts.measure_names, rows)


def _first_user_rating(ratings: list[Row]) -> Row | None:
    for rating in ratings:
        if rating["source"] == "user":
            return rating
    return None


def add_stored(session: Session, where: ColumnElement[bool]) -> None:
    """Add interactions just inserted (selected by `where`, a condition on `Interaction`) and their ratings,
    summed in SQL: `add_ingested`'s twin for a batch whose in-memory sums do not apply (some of its rows
    were stored already)."""
    touched = _members_of(where)
    _shift_cohorts(session, touched, negate=True)
    _shift(session, ROLLUPS, where, negate=False)
    _shift_cohorts(session, touched, negate=False)
    _prune(session, [c.table for c in COHORTS])


def remove_interactions(session: Session, where: ColumnElement[bool]) -> None:
    """Subtract the interactions selected by `where` (a condition on `Interaction`) and their ratings."""
    lock_for_ingest(session)
    touched = _members_of(where)
    _shift_cohorts(session, touched, negate=True)
    _shift(session, ROLLUPS, where, negate=True)
    _prune(session, [rollup.table for rollup in ROLLUPS])
    _shift_cohorts(session, touched, negate=False)
    _prune(session, [c.table for c in COHORTS])


def _members_of(where: ColumnElement[bool]) -> dict[Cohorts, ColumnElement[bool]]:
    """Per cohort kind, the members (users, conversations) of the interactions selected by `where`."""
    return {
        cohorts: cohorts.member_column().in_(select(getattr(Interaction, cohorts.member)).where(where))
        for cohorts in COHORTS
    }


@contextmanager
def ratings_changing(session: Session, interaction_ids: Sequence[str]) -> Iterator[None]:
    """Wrap a change to the ratings of `interaction_ids`; the rollups follow it when the block ends."""
    lock_for_ingest(session)
    where = Interaction.id.in_(list(interaction_ids))
    affected = [rollup for rollup in ROLLUPS if rollup.follows_ratings]
    session.flush()
    _shift(session, affected, where, negate=True)
    yield
    session.flush()
    _shift(session, affected, where, negate=False)
    _prune(session, [rollup.table for rollup in affected])


def _shift(session: Session, rollups: Sequence[Rollup], where: ColumnElement[bool], *, negate: bool) -> None:
    """Add (or, with `negate`, subtract) the rows selected by `where` to each rollup."""
    for rollup in rollups:
        _upsert(
            session,
            rollup.table,
            rollup.key_names,
            rollup.measure_names,
            _grouped(rollup, where, negate=negate),
        )


def _shift_cohorts(session: Session, touched: Mapping[Cohorts, ColumnElement[bool]], *, negate: bool) -> None:
    """Add (or subtract) the cohort rows of the touched members, recomputed from what is stored now."""
    for cohorts, members in touched.items():
        _upsert(
            session,
            cohorts.table,
            cohorts.key_names,
            cohorts.measure_names,
            cohorts.grouped(members, negate=negate),
        )


def rebuild(session: Session) -> dict[str, int]:
    """Recompute every rollup table from the raw rows; returns the number of rows in each."""
    for rollup in ROLLUPS:
        session.execute(delete(rollup.table))
        _upsert(
            session,
            rollup.table,
            rollup.key_names,
            rollup.measure_names,
            _grouped(rollup, true(), negate=False),
        )
    for cohorts in COHORTS:  # after the (member, day) rollups they derive from
        session.execute(delete(cohorts.table))
        _upsert(
            session,
            cohorts.table,
            cohorts.key_names,
            cohorts.measure_names,
            cohorts.grouped(true(), negate=False),
        )
    tables = [rollup.table for rollup in ROLLUPS] + [cohorts.table for cohorts in COHORTS]
    return {
        str(table.name): int(session.scalar(select(func.count()).select_from(table)) or 0) for table in tables
    }


def _grouped(rollup: Rollup, where: ColumnElement[bool], *, negate: bool) -> Select[Any]:
    """The rollup's keys and measures (negated to subtract) over the source rows that `where` selects."""
    keys = [sql.label(name) for name, sql in rollup.keys]
    measures = [(-sql if negate else sql).label(name) for name, sql in rollup.measures]
    statement = select(*keys, *measures)
    if rollup.source == RATINGS:
        statement = statement.select_from(Rating).join(Interaction, Rating.interaction_id == Interaction.id)
    return statement.where(*rollup.where, where).group_by(*keys)


def _upsert(
    session: Session, table: Table, key_names: list[str], measure_names: list[str], rows: Select[Any]
) -> None:
    """INSERT the grouped rows; where a key is stored already, add the measures to it."""
    insert = postgresql.insert if dialect_of(session) == "postgresql" else sqlite.insert
    statement = insert(table).from_select([*key_names, *measure_names], rows)
    upsert: Insert = statement.on_conflict_do_update(
        index_elements=key_names,
        set_={name: table.c[name] + statement.excluded[name] for name in measure_names},
    )
    session.execute(upsert)


def _prune(session: Session, tables: Sequence[Table]) -> None:
    """Delete the keys no row contributes to any more."""
    for table in tables:
        session.execute(delete(table).where(table.c.n <= 0))
