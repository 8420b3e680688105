"""Review queues: named presets over the interaction listing, and walking them one interaction at a time.

In: a preset name (or filters and a sort of the listing's own), the acting principal (needs
`VIEW_INTERACTIONS`), and the interaction on screen. Out: `Queue` (filters + sort, to put in the URL),
the first interaction of a queue, the next / previous one, and "12 of 340" (`QueuePosition`). Nothing is
loaded but single ids and counts: the walk is a keyset step on the sort key
(`core.interactions.neighbour_id`); the position is counted once (a search's total up to
`SEARCH_COUNT_CAP`, as the listing does) (the rows before the current one, with the
same keyset condition) and then carried along each step (`QueuePosition.moved`, with a one-row
`contains()` probe to see whether the item just saved left the queue), so a step never counts the queue.

Presets (each a pair of `InteractionFilters` and a sort from `SORTS`):
- unrated — no user stars or thumbs, no reviewer rating, and the review still pending; oldest first;
- low_rated — pending reviews, lowest user rating first (unrated last);
- unsafe — pending interactions suspected unsafe, the strongest suspicion first. The heuristic is the
  interaction's `suspicion` column (`core.triage`): a clinician judged the answer unsafe or inaccurate
  (strongest); the user's latest thumbs are down or their best stars two or fewer, on a sensitive topic
  (pregnancy, contraception, fertility, cramps & pain, menopause); the question or answer mentions a dose
  (mg, dosage, "tablets a day"…);
- pii — interactions flagged as holding personal data, newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth import Permission, Principal, require
from core.errors import InputError
from core.interaction_query import keyset_after, order_by, sort_values, where
from core.interactions import (
    SEARCH_COUNT_CAP,
    InteractionFilters,
    Params,
    check_sort,
    count_matching,
    neighbour_id,
)
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
    more: bool = False  # more than `total` are in the queue (a search counts up to `SEARCH_COUNT_CAP`)

    def describe(self) -> str:
        if not self.total:
            return "queue is empty"
        total = f"{self.total:,}{'+' if self.more else ''}"
        if not self.position:
            return f"not in this queue ({total} are)"
        return f"{self.position:,} of {total}"

    def moved(self, direction: Literal["next", "previous"], *, left_queue: bool) -> QueuePosition | None:
        """The position after one step, without counting again; None when it is not known (the walk
        started outside the queue). `left_queue`: the interaction stepped away from no longer matches
        (say, it was approved out of a pending queue), so the rest closed up behind it."""
        if not self.position:
            return None
        if left_queue:
            after = self.position if direction == "next" else self.position - 1
            return QueuePosition(max(after, 1), max(self.total - (0 if self.more else 1), 0), self.more)
        return QueuePosition(self.position + (1 if direction == "next" else -1), self.total, self.more)


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            "unrated",
            "Unrated",
            "Nobody has rated or reviewed these yet; oldest first.",
            Queue(
                InteractionFilters(
                    stars=(None,), thumbs=(None,), review_status=("pending",), reviewer_rated=False
                ),
                "oldest",
            ),
        ),
        Preset(
            "low_rated",
            "Low-rated first",
            "Pending reviews, the lowest user rating first.",
            Queue(InteractionFilters(review_status=("pending",)), "lowest_rated"),
        ),
        Preset(
            "unsafe",
            "Suspected unsafe first",
            "Judged unsafe or inaccurate, disliked on a sensitive topic, or talking dosage.",
            Queue(InteractionFilters(suspected_unsafe=True, review_status=("pending",)), "unsafe_first"),
        ),
        Preset(
            "pii",
            "Has personal data",
            "Interactions flagged as holding personal data; newest first.",
            Queue(InteractionFilters(has_pii=True), "newest"),
        ),
    )
}


def resolve(preset: str | None, params: Params | None = None, sort: str | None = None) -> Queue:
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


def contains(queue: Queue, interaction_id: str, *, session: Session, principal: Principal) -> bool:
    """Whether the interaction matches the queue's filters (one primary-key probe)."""
    require(principal, Permission.VIEW_INTERACTIONS)
    match = select(Interaction.id).where(Interaction.id == interaction_id, *where(session, queue.filters))
    return session.scalar(match) is not None


def position(queue: Queue, current_id: str, *, session: Session, principal: Principal) -> QueuePosition:
    """Where `current_id` stands in the queue ("12 of 340"), counted by the database; position 0 when it
    is not in it. Two counts over the queue: a walk counts once and then follows `QueuePosition.moved`."""
    require(principal, Permission.VIEW_INTERACTIONS)
    conditions = where(session, queue.filters)
    cap = SEARCH_COUNT_CAP if queue.filters.q.strip() else None
    total, more = count_matching(session, conditions, cap=cap)
    values = sort_values(session, queue.sort, current_id)
    if values is None or not contains(queue, current_id, session=session, principal=principal):
        return QueuePosition(0, total, more)
    before = session.scalar(
        select(func.count())
        .select_from(Interaction)
        .where(*conditions, keyset_after(session, queue.sort, values, backwards=True))
    )
    return QueuePosition(int(before or 0) + 1, total, more)
