"""The interaction listing: one filtered, sorted page of stored interactions, with the total.

In: a session, the acting principal (needs `VIEW_INTERACTIONS`), `InteractionFilters` (built from URL query
parameters with `InteractionFilters.from_params`, written back with `.to_params()`), a sort key from
`SORTS`, a 1-based page number and a page size (1..`MAX_PAGE_SIZE`). Out: a `Page` of typed
`InteractionRow`s and the total count of matching interactions; `neighbour_id` gives the next or previous
interaction of the same filtered, sorted listing (keyset on the sort key, so it needs no offset).

A full-text search counts at most `SEARCH_COUNT_CAP` matches (a common word matches a large share of a
million conversations, and counting them all means reading each one): past the cap the page says there are
more (`Page.more`) and pages through the first `SEARCH_COUNT_CAP`, in order — reading the sort's index and
probing the search hits, which beats fetching and sorting every hit when there are that many.

Only the page's rows are read: LIMIT/OFFSET picks their ids through the sort's index first (a "deferred
join", so skipped rows are never fetched), then those rows are read by primary key; question and answer
are cut to `PREVIEW_CHARS` by the database, and the end user's latest stars and thumbs, the review state
and the duplicate-group sizes are fetched for those rows only. The WHERE clause and the sort keys live in
`core.interaction_query`; full-text search in `core.search`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import Row, Select, case, func, literal_column, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from core.auth import Permission, Principal, require
from core.errors import InputError
from core.interaction_query import (
    SORTS,
    SortPlan,
    after,
    distinct_values,
    key_values,
    order_terms,
    sort_plan,
    where,
)
from core.models import Interaction, Rating, Review
from core.vocab import CLINICAL_VERDICTS, CORE_TOPICS, INTERACTION_STATUSES, REVIEW_STATUSES, THUMBS

__all__ = [
    "ELLIPSIS",
    "MAX_PAGE_SIZE",
    "PAGE_SIZES",
    "PREVIEW_CHARS",
    "SEARCH_COUNT_CAP",
    "SORTS",
    "FilterChoices",
    "InteractionFilters",
    "InteractionRow",
    "Page",
    "filter_choices",
    "count_matching",
    "first_id",
    "list_interactions",
    "neighbour_id",
    "position",
]

PAGE_SIZES = (25, 50, 100)
MAX_PAGE_SIZE = 500
PREVIEW_CHARS = 200
ELLIPSIS = "…"
NONE = "none"  # the URL spelling of "no value" in the stars, thumbs and verdict filters
MAX_QUERY_CHARS = 200
SEARCH_COUNT_CAP = 1_000
Params = Mapping[str, str | list[str]]


@dataclass(frozen=True)
class InteractionFilters:
    """What the listing shows; every field empty means everything. Multi-valued fields match any value;
    `None` inside `stars`, `thumbs` or `clinical_verdict` means "has none"; `review_status` "pending"
    includes interactions nobody reviewed yet."""

    date_from: date | None = None
    date_to: date | None = None  # inclusive
    models: tuple[str, ...] = ()
    experiment: str | None = None
    variant: str | None = None
    stars: tuple[int | None, ...] = ()
    thumbs: tuple[str | None, ...] = ()
    review_status: tuple[str, ...] = ()
    clinical_verdict: tuple[str | None, ...] = ()
    topic: tuple[str, ...] = ()
    has_pii: bool | None = None
    is_duplicate: bool | None = None
    status: str | None = None
    q: str = ""
    suspected_unsafe: bool | None = None  # see `core.interaction_query.suspected_unsafe`
    reviewer_rated: bool | None = None  # has (or lacks) a reviewer's rating
    group: str | None = None  # the members of the duplicate group whose canonical member has this id

    def __post_init__(self) -> None:
        _check_values("stars", self.stars, (1, 2, 3, 4, 5, None))
        _check_values("thumbs", self.thumbs, (*THUMBS, None))
        _check_values("review status", self.review_status, REVIEW_STATUSES)
        _check_values("clinical verdict", self.clinical_verdict, (*CLINICAL_VERDICTS, None))
        _check_values("topic", self.topic, CORE_TOPICS)
        _check_values("status", (self.status,) if self.status else (), INTERACTION_STATUSES)
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InputError(f"the date range is empty: {self.date_from} is after {self.date_to}")
        if len(self.q) > MAX_QUERY_CHARS:
            raise InputError(f"the search text is longer than {MAX_QUERY_CHARS} characters")

    @property
    def is_empty(self) -> bool:
        return self == InteractionFilters()

    def cleared(self) -> InteractionFilters:
        return InteractionFilters()

    def with_(self, **changes: Any) -> InteractionFilters:
        return replace(self, **changes)

    @classmethod
    def from_params(cls, params: Params) -> InteractionFilters:
        """Filters from URL query parameters (see `PARAM_NAMES`); unknown parameters are ignored."""
        values: dict[str, Any] = {}
        for name, key in PARAM_NAMES.items():
            raw = [v.strip() for v in _as_list(params.get(key)) if v.strip()]
            if raw:
                values[name] = _parse(name, key, raw)
        return cls(**values)

    def to_params(self) -> dict[str, str | list[str]]:
        """The URL query parameters that `from_params` turns back into these filters (defaults left out)."""
        out: dict[str, str | list[str]] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value in (None, (), ""):
                continue
            key = PARAM_NAMES[item.name]
            if isinstance(value, tuple):
                out[key] = [_format(v) for v in value]
            else:
                out[key] = _format(value)
        return out


PARAM_NAMES = {  # filter field -> URL query parameter
    "date_from": "from",
    "date_to": "to",
    "models": "model",
    "experiment": "experiment",
    "variant": "variant",
    "stars": "stars",
    "thumbs": "thumbs",
    "review_status": "review",
    "clinical_verdict": "verdict",
    "topic": "topic",
    "has_pii": "pii",
    "is_duplicate": "duplicate",
    "status": "status",
    "q": "q",
    "suspected_unsafe": "suspect",
    "reviewer_rated": "rrated",
    "group": "group",
}
_MULTI = {"models", "stars", "thumbs", "review_status", "clinical_verdict", "topic"}
_FLAGS = {"has_pii", "is_duplicate", "suspected_unsafe", "reviewer_rated"}
_BOOLEANS = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}


def _as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _parse(name: str, key: str, raw: list[str]) -> Any:
    if name in _MULTI:
        return tuple(dict.fromkeys(_parse_one(name, key, v) for v in raw))
    return _parse_one(name, key, raw[-1])


def _parse_one(name: str, key: str, value: str) -> Any:
    if name in ("date_from", "date_to"):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InputError(f"{key}={value!r} is not a date (use YYYY-MM-DD)") from None
    if name in _FLAGS:
        if value.lower() not in _BOOLEANS:
            raise InputError(f"{key}={value!r} must be yes or no")
        return _BOOLEANS[value.lower()]
    if name in ("stars", "thumbs", "clinical_verdict") and value.lower() == NONE:
        return None
    if name == "stars":
        if not value.isdigit():
            raise InputError(f"stars={value!r} must be 1-5 or {NONE}")
        return int(value)
    return value


def _format(value: Any) -> str:
    if value is None:
        return NONE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _check_values(label: str, values: tuple[Any, ...], allowed: tuple[Any, ...]) -> None:
    bad = [v for v in values if v not in allowed]
    if bad:
        shown = ", ".join(NONE if v is None else str(v) for v in allowed)
        raise InputError(f"unknown {label} {bad[0]!r}; choose from {shown}")


@dataclass(frozen=True)
class InteractionRow:
    id: str
    created_at: datetime
    model: str | None
    variant: str | None
    question: str
    answer: str
    stars: int | None
    thumbs: str | None
    status: str
    latency_ms: int | None
    review_status: str = "pending"
    has_pii: bool = False
    duplicate_of: str | None = None
    similar: int = 0  # how many other interactions share its duplicate group


@dataclass(frozen=True)
class Page:
    rows: list[InteractionRow] = field(default_factory=list)
    total: int = 0
    page: int = 1
    page_size: int = PAGE_SIZES[0]
    more: bool = False  # more than `total` match (a search stops counting at `SEARCH_COUNT_CAP`)

    @property
    def total_label(self) -> str:
        """The total as people read it: "1,234", or "1,000+" when counting stopped at the cap."""
        return f"{self.total:,}{'+' if self.more else ''}"

    @property
    def page_count(self) -> int:
        """Number of pages (at least 1, so an empty listing is page 1 of 1)."""
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def first_position(self) -> int:
        """1-based position of the page's first row in the whole listing (0 when the page is empty)."""
        return (self.page - 1) * self.page_size + 1 if self.rows else 0

    @property
    def last_position(self) -> int:
        return (self.page - 1) * self.page_size + len(self.rows)


@dataclass(frozen=True)
class FilterChoices:
    """The values the filter bar offers for the free-text columns."""

    models: list[str]
    experiments: list[str]
    variants: list[str]


def filter_choices(*, session: Session, principal: Principal) -> FilterChoices:
    """Models, experiments and variants present in the data (each read by hopping along an index)."""
    require(principal, Permission.VIEW_INTERACTIONS)
    experiments = distinct_values(session, Interaction.experiment)
    variants = {
        variant
        for experiment in experiments
        for variant in distinct_values(session, Interaction.variant, Interaction.experiment == experiment)
    }
    return FilterChoices(
        models=distinct_values(session, Interaction.model), experiments=experiments, variants=sorted(variants)
    )


def check_sort(sort: str) -> str:
    if sort not in SORTS:
        raise InputError(f"unknown sort {sort!r}; choose from {', '.join(SORTS)}")
    return sort


def list_interactions(
    *,
    session: Session,
    principal: Principal,
    filters: InteractionFilters | None = None,
    sort: str = "newest",
    page: int = 1,
    page_size: int = 50,
) -> Page:
    """Page `page` of the interactions matching `filters` in `sort` order; past the last page the rows
    are empty."""
    require(principal, Permission.VIEW_INTERACTIONS)
    check_sort(sort)
    filters = filters or InteractionFilters()
    if page < 1:
        raise InputError(f"page must be 1 or more, not {page}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InputError(f"page size must be between 1 and {MAX_PAGE_SIZE}, not {page_size}")
    conditions = where(session, filters)
    plan = sort_plan(session, sort)
    cap = SEARCH_COUNT_CAP if filters.q.strip() else None
    sizes, more = _segment_sizes(session, conditions, plan, cap=cap)
    total = sum(sizes)
    offset = (page - 1) * page_size
    if offset >= total:
        return Page(total=total, page=page, page_size=page_size, more=more)
    if more:  # a search past the cap: read the sort's index and probe the hits, the cheaper way round
        conditions = where(session, filters, broad_search=True)
    ids = _page_ids(session, conditions, plan, sizes, offset, page_size)
    found = session.execute(
        select(
            Interaction.id,
            Interaction.created_at,
            Interaction.model,
            Interaction.variant,
            func.substr(Interaction.user_message, 1, PREVIEW_CHARS + 1).label("question"),
            func.substr(Interaction.assistant_message, 1, PREVIEW_CHARS + 1).label("answer"),
            Interaction.status,
            Interaction.latency_ms,
            Interaction.pii_flags.is_not(None).label("has_pii"),
            Interaction.duplicate_of,
        ).where(Interaction.id.in_(ids))
    ).all()
    by_id = {row.id: row for row in found}
    rows = [by_id[i] for i in ids if i in by_id]
    ids = [row.id for row in rows]
    feedback = _user_feedback(session, ids)
    review_rows = session.execute(
        select(Review.interaction_id, Review.status).where(Review.interaction_id.in_(ids))
    )
    reviews: dict[str, str] = dict(review_rows.all())
    groups = _group_sizes(session, {row.duplicate_of or row.id for row in rows})
    return Page(
        rows=[
            _row(
                row,
                *feedback.get(row.id, (None, None)),
                review_status=reviews.get(row.id, "pending"),
                similar=groups.get(row.duplicate_of or row.id, 1) - 1,
            )
            for row in rows
        ],
        total=total,
        page=page,
        page_size=page_size,
        more=more,
    )


def neighbour_id(
    *,
    session: Session,
    principal: Principal,
    filters: InteractionFilters,
    sort: str,
    current_id: str,
    direction: Literal["next", "previous"],
) -> str | None:
    """The id after (`next`) or before (`previous`) `current_id` in the filtered, sorted listing; None at
    either end. `current_id` need not match the filters (it may have just been approved out of them)."""
    require(principal, Permission.VIEW_INTERACTIONS)
    check_sort(sort)
    if direction not in ("next", "previous"):
        raise InputError(f"direction must be next or previous, not {direction!r}")
    plan = sort_plan(session, sort)
    segment = _segment_of(session, plan, current_id)
    if segment is None:
        return None
    values = key_values(session, plan.keys, current_id)
    assert values is not None  # the row exists: it has a segment
    backwards = direction == "previous"
    conditions = where(session, filters)
    later = range(segment - 1, -1, -1) if backwards else range(segment + 1, len(plan.segments))
    for index, extra in (
        (segment, after(plan.keys, values, backwards=backwards)),
        *((i, None) for i in later),
    ):
        found = session.scalar(
            select(Interaction.id)
            .where(*conditions, *_present(plan.segments[index], extra))
            .order_by(*order_terms(plan.keys, backwards=backwards))
            .limit(1)
        )
        if found is not None:
            return found
    return None


def first_id(*, session: Session, principal: Principal, filters: InteractionFilters, sort: str) -> str | None:
    """The first interaction of the filtered, sorted listing (None when it is empty)."""
    require(principal, Permission.VIEW_INTERACTIONS)
    plan = sort_plan(session, check_sort(sort))
    conditions = where(session, filters)
    for segment in plan.segments:
        found = session.scalar(
            select(Interaction.id)
            .where(*conditions, *_present(segment))
            .order_by(*order_terms(plan.keys))
            .limit(1)
        )
        if found is not None:
            return found
    return None


def position(
    *, session: Session, principal: Principal, filters: InteractionFilters, sort: str, current_id: str
) -> tuple[int, int]:
    """(1-based position of `current_id` in the filtered, sorted listing, or 0 when it does not match;
    the listing's total), counted by the database segment by segment."""
    require(principal, Permission.VIEW_INTERACTIONS)
    plan = sort_plan(session, check_sort(sort))
    conditions = where(session, filters)
    sizes, _ = _segment_sizes(session, conditions, plan)
    matches = select(Interaction.id).where(Interaction.id == current_id, *conditions)
    segment = _segment_of(session, plan, current_id)
    if segment is None or session.scalar(matches) is None:
        return 0, sum(sizes)
    values = key_values(session, plan.keys, current_id)
    assert values is not None  # the row exists: it has a segment
    before = session.scalar(
        select(func.count())
        .select_from(Interaction)
        .where(*conditions, *_present(plan.segments[segment]), after(plan.keys, values, backwards=True))
    )
    return sum(sizes[:segment]) + int(before or 0) + 1, sum(sizes)


def _present(*conditions: ColumnElement[bool] | None) -> list[ColumnElement[bool]]:
    return [c for c in conditions if c is not None]


def _segment_sizes(
    session: Session, conditions: list[ColumnElement[bool]], plan: SortPlan, *, cap: int | None = None
) -> tuple[list[int], bool]:
    """How many matching rows each segment of the sort holds, and whether more match than that. Without a
    cap, counted in one pass. With one, each segment is counted up to what is left of the cap; the segment
    that reaches it is cut there and the later ones count as empty, so the sizes describe the first `cap`
    rows in sort order exactly."""
    if cap is None:
        counts = [func.count()] + [
            func.count(case((segment, 1))) for segment in plan.segments[:-1] if segment is not None
        ]
        row = session.execute(select(*counts).select_from(Interaction).where(*conditions)).one()
        total, *leading = (int(n or 0) for n in row)
        return [*leading, total - sum(leading)], False
    sizes: list[int] = []
    for segment in plan.segments:
        found, more = count_matching(session, [*conditions, *_present(segment)], cap=cap - sum(sizes))
        sizes.append(found)
        if more:
            return sizes + [0] * (len(plan.segments) - len(sizes)), True
    return sizes, False


def count_matching(
    session: Session, conditions: list[ColumnElement[bool]], *, cap: int | None = None
) -> tuple[int, bool]:
    """How many interactions meet `conditions`, counting no further than `cap` (when given); and whether
    more than that match."""
    if cap is None:
        return int(
            session.scalar(select(func.count()).select_from(Interaction).where(*conditions)) or 0
        ), False
    rows: Select[Any] = select(literal_column("1")).select_from(Interaction).where(*conditions).limit(cap + 1)
    found = int(session.scalar(select(func.count()).select_from(rows.subquery())) or 0)
    return min(found, cap), found > cap


def _page_ids(
    session: Session,
    conditions: list[ColumnElement[bool]],
    plan: SortPlan,
    sizes: list[int],
    offset: int,
    page_size: int,
) -> list[str]:
    """The ids of the page, read segment by segment (each with LIMIT/OFFSET in its own index order)."""
    ids: list[str] = []
    skip = offset
    for segment, size in zip(plan.segments, sizes, strict=True):
        if len(ids) == page_size:
            break
        if skip >= size:
            skip -= size
            continue
        ids += session.scalars(
            select(Interaction.id)
            .where(*conditions, *_present(segment))
            .order_by(*order_terms(plan.keys))
            .limit(page_size - len(ids))
            .offset(skip)
        )
        skip = 0
    return ids


def _segment_of(session: Session, plan: SortPlan, interaction_id: str) -> int | None:
    """Which segment of the sort the interaction falls in; None when it does not exist."""
    for index, segment in enumerate(plan.segments):
        probe = select(Interaction.id).where(Interaction.id == interaction_id, *_present(segment))
        if session.scalar(probe) is not None:
            return index
    return None


def _row(
    row: Row[Any], stars: int | None, thumbs: str | None, *, review_status: str, similar: int
) -> InteractionRow:
    return InteractionRow(
        id=row.id,
        created_at=row.created_at,
        model=row.model,
        variant=row.variant,
        question=_preview(row.question),
        answer=_preview(row.answer),
        stars=stars,
        thumbs=thumbs,
        status=row.status,
        latency_ms=row.latency_ms,
        review_status=review_status,
        has_pii=bool(row.has_pii),
        duplicate_of=row.duplicate_of,
        similar=similar,
    )


def _user_feedback(session: Session, ids: list[str]) -> dict[str, tuple[int | None, str | None]]:
    """{interaction id: (latest stars, latest thumbs)} from the end users' ratings of `ids`."""
    if not ids:
        return {}
    ratings = session.execute(
        select(Rating.interaction_id, Rating.stars, Rating.thumbs)
        .where(Rating.interaction_id.in_(ids), Rating.source == "user")
        .order_by(Rating.created_at, Rating.id)
    ).all()
    latest: dict[str, tuple[int | None, str | None]] = {}
    for interaction_id, stars, thumbs in ratings:
        previous_stars, previous_thumbs = latest.get(interaction_id, (None, None))
        latest[interaction_id] = (
            stars if stars is not None else previous_stars,
            thumbs if thumbs is not None else previous_thumbs,
        )
    return latest


def _group_sizes(session: Session, canonical_ids: set[str]) -> dict[str, int]:
    """{canonical id: members of its duplicate group, itself included} for groups with duplicates."""
    if not canonical_ids:
        return {}
    counts = session.execute(
        select(Interaction.duplicate_of, func.count())
        .where(Interaction.duplicate_of.in_(canonical_ids))
        .group_by(Interaction.duplicate_of)
    )
    return {canonical: count for canonical, count in counts if canonical is not None}


def _preview(text: str | None) -> str:
    text = text or ""
    return text[:PREVIEW_CHARS] + ELLIPSIS if len(text) > PREVIEW_CHARS else text
