"""Review queues: named presets over the interaction listing, and walking them one interaction at a time.

In: a preset name (or filters and a sort of the listing's own), the acting principal (needs
`VIEW_INTERACTIONS`), and the interaction on screen. Out: `Queue` (filters + sort, to put in the URL),
the first interaction of a queue, the next / previous one, and "12 of 340" (`QueuePosition`). Nothing is
loaded but single ids and two counts: the walk is a keyset step on the sort key
(`core.interactions.neighbour_id`), and the position counts the rows before the current one with the same
keyset condition, so a queue over a million interactions costs two indexed counts per step.

Presets (each a pair of `InteractionFilters` and a sort from `SORTS`):
- unrated — no user stars or thumbs and the review still pending, oldest first (and, once the listing offers
  the `reviewer_rated` filter, no reviewer rating either);
- low_rated — pending reviews, lowest user rating first (unrated last);
- unsafe — suspected unsafe first. The heuristic, cheap enough for SQL on every row: a clinician judged the
  answer unsafe or inaccurate; or the user gave thumbs down / two stars or fewer on a sensitive topic
  (pregnancy, contraception, fertility, cramps & pain, menopause); or the answer talks dosage. It runs as the
  listing's `suspected_unsafe` filter and `unsafe_first` sort where those exist; until then the preset is
  the closest the listing offers: pending answers the user gave thumbs down, lowest rated first;
- pii — interactions flagged as holding personal data, newest first.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth import Permission, Principal, require
from core.errors import InputError
from core.interaction_query import keyset_after, order_by, sort_values, where
from core.interactions import SORTS, InteractionFilters, check_sort, neighbour_id
from core.models import Interaction

DEFAULT_SORT = "newest"
CUSTOM = "custom"


@dataclass(frozen=True)
class Queue:
    """A filtered, sorted walk over the interactions."""

    filters: InteractionFilters
    sort: str


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    description: str
    queue: Queue


@dataclass(frozen=True)
class QueuePosition:
    position: int  # 1-based; 0 when the current interaction is not in the queue
    total: int

    def describe(self) -> str:
        if not self.total:
            return "queue is empty"
        if not self.position:
            return f"not in this queue ({self.total:,} are)"
        return f"{self.position:,} of {self.total:,}"


def _has_filter(name: str) -> bool:
    return name in {item.name for item in fields(InteractionFilters)}


def _filters(**values: Any) -> InteractionFilters:
    """Filters from `values`, leaving out the fields the listing does not (yet) offer."""
    return InteractionFilters(**{name: value for name, value in values.items() if _has_filter(name)})


def _unsafe_queue() -> Queue:
    if _has_filter("suspected_unsafe") and "unsafe_first" in SORTS:
        return Queue(_filters(suspected_unsafe=True, review_status=("pending",)), "unsafe_first")
    return Queue(_filters(thumbs=("down",), review_status=("pending",)), "lowest_rated")


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            "unrated",
            "Unrated",
            "Nobody has rated or reviewed these yet; oldest first.",
            Queue(
                _filters(stars=(None,), thumbs=(None,), review_status=("pending",), reviewer_rated=False),
                "oldest",
            ),
        ),
        Preset(
            "low_rated",
            "Low-rated first",
            "Pending reviews, the lowest user rating first.",
            Queue(_filters(review_status=("pending",)), "lowest_rated"),
        ),
        Preset(
            "unsafe",
            "Suspected unsafe first",
            "Judged unsafe or inaccurate, disliked on a sensitive topic, or talking dosage.",
            _unsafe_queue(),
        ),
        Preset(
            "pii",
            "Has personal data",
            "Interactions flagged as holding personal data; newest first.",
            Queue(_filters(has_pii=True), "newest"),
        ),
    )
}


def resolve(preset: str | None, params: Any = None, sort: str | None = None) -> Queue:
    """The queue a URL names: a preset, or (`custom` / none) the listing's own filters and sort."""
    if preset and preset != CUSTOM:
        if preset not in PRESETS:
            raise InputError(f"unknown review queue {preset!r}; choose from {', '.join(PRESETS)}")
        return PRESETS[preset].queue
    filters = InteractionFilters.from_params(params or {})
    return Queue(filters, check_sort(sort or DEFAULT_SORT))


def first_id(queue: Queue, *, session: Session, principal: Principal) -> str | None:
    """The first interaction of the queue, or None when it is empty."""
    require(principal, Permission.VIEW_INTERACTIONS)
    return session.scalar(
        select(Interaction.id)
        .where(*where(session, queue.filters))
        .order_by(*order_by(session, queue.sort))
        .limit(1)
    )


def step(
    queue: Queue,
    current_id: str,
    direction: Literal["next", "previous"],
    *,
    session: Session,
    principal: Principal,
) -> str | None:
    """The interaction after (or before) `current_id` in the queue; None at either end."""
    return neighbour_id(
        session=session,
        principal=principal,
        filters=queue.filters,
        sort=queue.sort,
        current_id=current_id,
        direction=direction,
    )


def position(queue: Queue, current_id: str, *, session: Session, principal: Principal) -> QueuePosition:
    """Where `current_id` stands in the queue ("12 of 340"); position 0 when it is not in it."""
    require(principal, Permission.VIEW_INTERACTIONS)
    conditions = where(session, queue.filters)
    total = int(session.scalar(select(func.count()).select_from(Interaction).where(*conditions)) or 0)
    values = sort_values(session, queue.sort, current_id)
    in_queue = values is not None and session.scalar(
        select(func.count()).select_from(Interaction).where(Interaction.id == current_id, *conditions)
    )
    if values is None or not in_queue:
        return QueuePosition(0, total)
    before = session.scalar(
        select(func.count())
        .select_from(Interaction)
        .where(*conditions, keyset_after(session, queue.sort, values, backwards=True))
    )
    return QueuePosition(int(before or 0) + 1, total)
