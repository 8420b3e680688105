"""SQL for the interaction listing: the WHERE clause of a set of filters, and the named sort orders.

In: a session (for its dialect), `InteractionFilters`, a sort name from `SORTS`. Out: SQLAlchemy
conditions (`where`), a sort as segments with their keys (`sort_plan`; `core.interactions` reads each
segment in index order), the same sort as flat ORDER BY terms (`order_by`), one row's sort-key values
(`sort_values`) and the keyset condition "comes after that row" (`keyset_after`). Filters on related tables
are `id IN (subquery)` so the database can drive from the small side; every sort ends with a unique
tie-breaker (`rowid` on SQLite, which each index holds; `id` elsewhere) so pages never overlap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Select,
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
    union,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from core import search
from core.models import Interaction, InteractionTopic, Rating, Review
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
SENSITIVE_TOPICS = ("pregnancy", "contraception", "fertility", "cramps_pain", "menopause")
DOSE_PHRASES = ("mg", "milligram", "milligrams", "dosage", "double the dose", "tablets a day")


@dataclass(frozen=True)
class SortKey:
    expression: ColumnElement[Any]
    descending: bool
    nullable: bool = False  # nulls always come last (in the forward direction)


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
        return SortPlan(
            (latency.is_not(None), latency.is_(None)), (SortKey(latency, True, nullable=True), *newest)
        )
    if sort == "unsafe_first":
        judged, disliked, dose = _unsafe_signals(session)
        return SortPlan(
            (judged, and_(not_(judged), disliked), and_(not_(judged), not_(disliked), dose), not_(or_(judged, disliked, dose))),
            newest,
        )  # fmt: skip
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
        term = key.expression.desc() if descending else key.expression.asc()
        if key.nullable:
            term = term.nulls_first() if backwards else term.nulls_last()
        terms.append(term)
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
    """`key` strictly after `value` in the (possibly reversed) order; nulls sit at the forward end."""
    descending = key.descending != backwards
    if value is None:  # a null is last going forwards, so going backwards every non-null comes after it
        return key.expression.is_not(None) if backwards and key.nullable else false()
    beyond = key.expression < value if descending else key.expression > value
    if key.nullable and not backwards:
        return or_(beyond, key.expression.is_(None))
    return beyond


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


def where(session: Session, filters: InteractionFilters) -> list[ColumnElement[bool]]:
    """The conditions an interaction must meet to be listed under `filters`."""
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
        conditions.append(_rating_condition(Rating.thumbs, filters.thumbs))
    if filters.review_status:
        conditions.append(_review_status_condition(filters.review_status))
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
        conditions.append(search.matches(session, filters.q))
    if filters.suspected_unsafe is not None:
        suspects = union(*_unsafe_ids(session))
        conditions.append(table.id.in_(suspects) if filters.suspected_unsafe else table.id.not_in(suspects))
    if filters.reviewer_rated is not None:
        rated = table.id.in_(select(Rating.interaction_id).where(Rating.source == "reviewer"))
        conditions.append(rated if filters.reviewer_rated else not_(rated))
    return conditions


def _unsafe_signals(session: Session) -> tuple[ColumnElement[bool], ColumnElement[bool], ColumnElement[bool]]:
    """Why an interaction is suspected unsafe, strongest first, as conditions on its id."""
    ids = Interaction.__table__.c.id
    return tuple(ids.in_(suspects) for suspects in _unsafe_ids(session))  # type: ignore[return-value]


def _unsafe_ids(session: Session) -> tuple[Select[Any], Select[Any], Select[Any]]:
    """The ids of the interactions (a) a clinician judged unsafe or inaccurate; (b) whose user disliked them
    (thumbs down or 1-2 stars) on a sensitive topic; (c) that mention a dose (`DOSE_PHRASES`, through the
    full-text index). Each is read from its small side: reviews, user ratings, full-text hits."""
    judged = select(Review.interaction_id).where(Review.clinical_verdict.in_(("unsafe", "inaccurate")))
    sensitive = (
        select(InteractionTopic.interaction_id)
        .where(
            InteractionTopic.interaction_id == Rating.interaction_id,
            InteractionTopic.topic.in_(SENSITIVE_TOPICS),
        )
        .exists()
    )
    disliked = select(Rating.interaction_id).where(
        Rating.source == "user", or_(Rating.thumbs == "down", Rating.stars <= 2), sensitive
    )
    dose = select(Interaction.id).where(search.mentions_any(session, DOSE_PHRASES))
    return judged, disliked, dose


def _any_of(column: Any, values: tuple[Any, ...]) -> ColumnElement[bool]:
    wanted = [v for v in values if v is not None]
    return column.in_(wanted) if wanted else false()


def _rating_condition(column: Any, values: tuple[Any, ...]) -> ColumnElement[bool]:
    """The user's rating has one of `values` in `column`; None among them also takes "never gave one"."""
    ids = Interaction.__table__.c.id
    users = Rating.source == "user"
    matching = ids.in_(select(Rating.interaction_id).where(users, _any_of(column, values)))
    if None not in values:
        return matching
    unrated = ids.not_in(select(Rating.interaction_id).where(users, column.is_not(None)))
    return or_(matching, unrated)


def _review_status_condition(statuses: tuple[str, ...]) -> ColumnElement[bool]:
    ids = Interaction.__table__.c.id
    if "pending" in statuses:  # no review row counts as pending
        return ids.not_in(select(Review.interaction_id).where(Review.status.not_in(statuses)))
    return ids.in_(select(Review.interaction_id).where(Review.status.in_(statuses)))


def _verdict_condition(verdicts: tuple[str | None, ...]) -> ColumnElement[bool]:
    ids = Interaction.__table__.c.id
    matching = ids.in_(select(Review.interaction_id).where(_any_of(Review.clinical_verdict, verdicts)))
    if None not in verdicts:
        return matching
    unjudged = ids.not_in(select(Review.interaction_id).where(Review.clinical_verdict.is_not(None)))
    return or_(matching, unjudged)
