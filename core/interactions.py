"""The interaction listing: one page of stored interactions, newest first, with the total.

In: a session, the acting principal (needs `VIEW_INTERACTIONS`), a 1-based page number and a page size
(1..`MAX_PAGE_SIZE`). Out: a `Page` of typed `InteractionRow`s and the total count. Only the page's rows
are read: LIMIT/OFFSET picks their ids from the `created_at` index first (a "deferred join", so skipped
rows are never fetched), then those rows are read by primary key; question and answer are cut to
`PREVIEW_CHARS` by the database, and the end user's latest stars and thumbs are fetched for those rows only.

Order is `created_at` descending, then a tie-breaker so that rows sharing a timestamp (a batch imported
without timestamps) never move between pages: SQLite's `rowid`, which the `created_at` index already
holds, and `id` elsewhere (PostgreSQL walks the index alone once it covers `(created_at, id)`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, literal_column, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql import ColumnElement

from core.auth import Permission, Principal, require
from core.errors import InputError
from core.models import Interaction, Rating

PAGE_SIZES = (25, 50, 100)
MAX_PAGE_SIZE = 500
PREVIEW_CHARS = 200
ELLIPSIS = "…"


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


@dataclass(frozen=True)
class Page:
    rows: list[InteractionRow] = field(default_factory=list)
    total: int = 0
    page: int = 1
    page_size: int = PAGE_SIZES[0]

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


def list_interactions(*, session: Session, principal: Principal, page: int = 1, page_size: int = 50) -> Page:
    """Page `page` of the interactions, newest first; past the last page the rows are empty."""
    require(principal, Permission.VIEW_INTERACTIONS)
    if page < 1:
        raise InputError(f"page must be 1 or more, not {page}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InputError(f"page size must be between 1 and {MAX_PAGE_SIZE}, not {page_size}")
    total = int(session.scalar(select(func.count()).select_from(Interaction)) or 0)
    offset = (page - 1) * page_size
    if offset >= total:
        return Page(total=total, page=page, page_size=page_size)
    newest_first = (Interaction.created_at.desc(), _tie_breaker(session).desc())
    page_ids = (
        select(Interaction.id).order_by(*newest_first).limit(page_size).offset(offset).subquery("page_ids")
    )
    rows = session.execute(
        select(
            Interaction.id,
            Interaction.created_at,
            Interaction.model,
            Interaction.variant,
            func.substr(Interaction.user_message, 1, PREVIEW_CHARS + 1).label("question"),
            func.substr(Interaction.assistant_message, 1, PREVIEW_CHARS + 1).label("answer"),
            Interaction.status,
            Interaction.latency_ms,
        )
        .join(page_ids, page_ids.c.id == Interaction.id)
        .order_by(*newest_first)
    ).all()
    feedback = _user_feedback(session, [row.id for row in rows])
    return Page(
        rows=[_row(row, *feedback.get(row.id, (None, None))) for row in rows],
        total=total,
        page=page,
        page_size=page_size,
    )


def _row(row: Row[Any], stars: int | None, thumbs: str | None) -> InteractionRow:
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
    )


def _tie_breaker(session: Session) -> ColumnElement[Any] | InstrumentedAttribute[str]:
    if session.get_bind().dialect.name == "sqlite":
        return literal_column("interaction.rowid")
    return Interaction.id


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


def _preview(text: str | None) -> str:
    text = text or ""
    return text[:PREVIEW_CHARS] + ELLIPSIS if len(text) > PREVIEW_CHARS else text
