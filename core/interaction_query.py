"""SQL for the interaction listing: the WHERE clause of a set of filters, and the named sort orders.

In: a session (for its dialect), `InteractionFilters`, a sort name from `SORTS`. Out: SQLAlchemy
conditions (`where`), a sort as segments with their keys (`sort_plan`; `core.interactions` reads each
segment in index order), the same sort as flat ORDER BY terms (`order_by`), one row's sort-key values
(`sort_values`) and the keyset condition "comes after that row" (`keyset_after`). Ratings, review state,
suspicion and the like are read from the interaction's triage columns (`core.triage`), which the queue
indexes cover; topics and verdict values are `id IN (subquery)` so the database can drive from the small
side; every sort ends with a unique
tie-breaker (`rowid` on SQLite, which each index holds; `id` elsewhere) so pages never overlap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    and_,
    case,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from core import search, triage
from core.models import Interaction, InteractionTopic, Review
from core.sql import dialect_of

if TYPE_CHECKING:
    from core.interactions import InteractionFilters

SORTS = {  # name -> label
    "newest": "Newest first",
    "oldest": "Oldest first",
    "lowest_rated": "Lowest user rating first",
    "highest_rated": "Highest user rating first",
    "slowest": "Slowest first",
    "unsafe_first": "Suspected unsafe first",
}


@dataclass(frozen=True)
class SortKey:
    expression: ColumnElement[Any]
    descending: bool


@dataclass(frozen=True)
class SortPlan:
    """A sort as consecutive segments (conditions that split the rows, in order; `(None,)` is one segment
    of everything), each ordered by the same keys. A leading key with few values (stars, the suspicion
    score, "has a latency") becomes segments, so every segment is read in index order."""

    segments: tuple[ColumnElement[bool] | None, ...]
    keys: tuple[SortKey, ...]


def tie_breaker(session: Session) -> ColumnElement[Any]:
    if dialect_of(session) == "sqlite":
        return literal_column("interaction.rowid")
    return Interaction.__table__.c.id


def sort_plan(session: Session, sort: str) -> SortPlan:
    table = Interaction.__table__.c
    newest = (SortKey(table.created_at, True), SortKey(tie_breaker(session), True))
    if sort == "oldest":
        return SortPlan((None,), (SortKey(table.created_at, False), SortKey(tie_breaker(session), False)))
    if sort in ("lowest_rated", "highest_rated"):
        stars = (1, 2, 3, 4, 5) if sort == "lowest_rated" else (5, 4, 3, 2, 1)
        return SortPlan((*(table.user_stars == s for s in stars), table.user_stars.is_(None)), newest)
    if sort == "slowest":
        latency = table.latency_ms
        return SortPlan((latency.is_not(None), latency.is_(None)), (SortKey(latency, True), *newest))
    if sort == "unsafe_first":
        levels = tuple(table.suspicion == level for level in triage.SUSPICION_LEVELS)
        return SortPlan((*levels, table.suspicion == 0), newest)
    return SortPlan((None,), newest)


def sort_keys(session: Session, sort: str) -> list[SortKey]:
    """The sort as one flat list of keys: the segment's rank, then the segment keys."""
    plan = sort_plan(session, sort)
    if plan.segments[0] is None:  # one segment of everything
        return list(plan.keys)
    ranked = [(condition, rank) for rank, condition in enumerate(plan.segments[:-1]) if condition is not None]
    rank = case(*ranked, else_=len(plan.segments) - 1)
    return [SortKey(rank, False), *plan.keys]


def order_by(session: Session, sort: str, *, backwards: bool = False) -> list[Any]:
    return order_terms(sort_keys(session, sort), backwards=backwards)


def order_terms(keys: Sequence[SortKey], *, backwards: bool = False) -> list[Any]:
    terms = []
    for key in keys:
        descending = key.descending != backwards
        terms.append(key.expression.desc() if descending else key.expression.asc())
    return terms


def sort_values(session: Session, sort: str, interaction_id: str) -> tuple[Any, ...] | None:
    """The sort-key values of one interaction, or None when it does not exist."""
    return key_values(session, sort_keys(session, sort), interaction_id)


def key_values(session: Session, keys: Sequence[SortKey], interaction_id: str) -> tuple[Any, ...] | None:
    row = session.execute(
        select(*(key.expression for key in keys)).where(Interaction.id == interaction_id)
    ).first()
    return None if row is None else tuple(row)


def keyset_after(
    session: Session, sort: str, values: tuple[Any, ...], *, backwards: bool = False
) -> ColumnElement[bool]:
    """Rows strictly after the row whose sort-key values are `values` (strictly before when `backwards`)."""
    return after(sort_keys(session, sort), values, backwards=backwards)


def after(
    keys: Sequence[SortKey], values: tuple[Any, ...], *, backwards: bool = False
) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order of `keys`: one row-value comparison (which an index
    serves) when the keys share a direction and hold no null, else the expanded OR of comparisons."""
    directions = {key.descending for key in keys}
    if len(directions) == 1 and all(value is not None for value in values):
        columns = tuple_(*(key.expression for key in keys))
        row = tuple_(*(literal(value, key.expression.type) for key, value in zip(keys, values, strict=True)))
        return columns < row if directions.pop() != backwards else columns > row
    alternatives = []
    for index, key in enumerate(keys):
        equal_before = [_equal(k.expression, v) for k, v in zip(keys[:index], values[:index], strict=True)]
        alternatives.append(and_(*equal_before, _beyond(key, values[index], backwards)))
    return or_(*alternatives)


def _equal(expression: ColumnElement[Any], value: Any) -> ColumnElement[bool]:
    return expression.is_(None) if value is None else expression == value


def _beyond(key: SortKey, value: Any, backwards: bool) -> ColumnElement[bool]:
    """`key` strictly after `value` in the (possibly reversed) order. A key that may be null is one a sort
    splits into a null and a non-null segment (`SortPlan`), so within a segment a null equals every other."""
    if value is None:
        return false()
    descending = key.descending != backwards
    return key.expression < value if descending else key.expression > value


def distinct_values(
    session: Session, column: Any, *among: ColumnElement[bool], limit: int = 200
) -> list[str]:
    """The distinct non-null values of an indexed column, smallest first, by hopping along its index
    (one `min(column) > previous` seek per value) instead of reading every row."""
    values: list[str] = []
    while len(values) < limit:
        beyond = [column > values[-1]] if values else [column.is_not(None)]
        value = session.scalar(select(func.min(column)).where(*among, *beyond))
        if value is None:
            return values
        values.append(value)
    return values


def where(
    session: Session, filters: InteractionFilters, *, broad_search: bool = False
) -> list[ColumnElement[bool]]:
    """The conditions an interaction must meet to be listed under `filters` (`broad_search`: the search
    is known to match many, see `core.search.matches`)."""
    table = Interaction.__table__.c
    conditions: list[ColumnElement[bool]] = []
    if filters.date_from:
        conditions.append(table.created_at >= datetime.combine(filters.date_from, time()))
    if filters.date_to:
        conditions.append(table.created_at < datetime.combine(filters.date_to + timedelta(days=1), time()))
    if filters.models:
        conditions.append(table.model.in_(filters.models))
    if filters.experiment:
        conditions.append(table.experiment == filters.experiment)
    if filters.variant:
        conditions.append(table.variant == filters.variant)
    if filters.status:
        conditions.append(table.status == filters.status)
    if filters.group:
        conditions.append(table.duplicate_of == filters.group)
    if filters.stars:
        stars = _any_of(table.user_stars, filters.stars)
        conditions.append(or_(stars, table.user_stars.is_(None)) if None in filters.stars else stars)
    if filters.thumbs:
        thumbs = _any_of(table.user_thumbs, filters.thumbs)
        conditions.append(or_(thumbs, table.user_thumbs.is_(None)) if None in filters.thumbs else thumbs)
    if filters.review_status:
        conditions.append(table.review_status.in_(filters.review_status))
    if filters.clinical_verdict:
        conditions.append(_verdict_condition(filters.clinical_verdict))
    if filters.topic:
        conditions.append(
            table.id.in_(
                select(InteractionTopic.interaction_id).where(InteractionTopic.topic.in_(filters.topic))
            )
        )
    if filters.has_pii is not None:
        conditions.append(table.pii_flags.is_not(None) if filters.has_pii else table.pii_flags.is_(None))
    if filters.is_duplicate is not None:
        duplicate = and_(table.duplicate_of.is_not(None), table.duplicate_of != table.id)
        conditions.append(duplicate if filters.is_duplicate else not_(duplicate))
    if filters.q.strip():
        conditions.append(search.matches(session, filters.q, broad=broad_search))
    if filters.suspected_unsafe is not None:
        conditions.append(table.suspicion > 0 if filters.suspected_unsafe else table.suspicion == 0)
    if filters.reviewer_rated is not None:
        conditions.append(table.reviewer_rated == filters.reviewer_rated)
    return conditions


def _any_of(column: Any, values: tuple[Any, ...]) -> ColumnElement[bool]:
    wanted = [v for v in values if v is not None]
    return column.in_(wanted) if wanted else false()


def _verdict_condition(verdicts: tuple[str | None, ...]) -> ColumnElement[bool]:
    """A clinician's verdict is one of `verdicts` (read from the few reviews); None also takes "no verdict"
    (the copy on the interaction)."""
    ids = Interaction.__table__.c.id
    matching = ids.in_(select(Review.interaction_id).where(_any_of(Review.clinical_verdict, verdicts)))
    if None not in verdicts:
        return matching
    return or_(matching, Interaction.__table__.c.clinical_verdict.is_(None))
