"""Who chats when: the demo's users, their return visits and their sessions over the time window.

In: how many interactions to plan, the window (days, weekday of its first day) and a numpy `Generator`.
Out: a `SessionPlan` — one entry per session (conversation), sorted by start time: the user number (1, 2,
3… in order of first visit), the start in seconds from the window's start, and the number of turns (1-5).
The turns add up to exactly the interactions asked for. `split_plan` cuts it into `Part`s of about one
batch each, the unit of work of the generator.

The model: new users arrive every day, a few more each week (growth) and more in the evening; fewer than
half ever come back, and those who do return after a day or, more often, after a week or so, with a
decaying chance of coming back again. All of it is drawn in vectorised numpy, a few arrays of bounded
size, so planning a million interactions takes well under a second.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

DAY_SECONDS: Final = 86_400
RETURN_SHARE: Final = 0.45  # users who come back at least once
KEEP_RETURNING: Final = 0.35  # geometric parameter for how many returns a returning user makes
NEXT_DAY_SHARE: Final = 0.3  # returns that happen the very next day
RETURN_GAP_P: Final = 0.15  # geometric parameter for the other gaps, in days (mean ≈ 7)
TURN_SHARES: Final = (0.42, 0.26, 0.16, 0.10, 0.06)  # sessions of 1..5 messages
GROWTH: Final = 0.8  # the last day sees this much more new users than the first
WEEKDAY_FACTOR: Final = (1.05, 1.0, 1.0, 0.97, 0.92, 0.9, 1.1)  # Monday..Sunday
HOUR_WEIGHTS: Final = (
    0.3, 0.2, 0.15, 0.1, 0.1, 0.15, 0.35, 0.7, 0.9, 0.9, 0.85, 0.8,
    0.9, 0.85, 0.75, 0.75, 0.8, 0.9, 1.0, 1.15, 1.3, 1.35, 1.1, 0.7,
)  # fmt: skip
LAST_START: Final = 23 * 3600 + 40 * 60  # sessions start before 23:40 so they end the same day
LEAD_IN_DAYS: Final = 30  # users may have arrived before the window; only their visits inside it count


@dataclass(frozen=True)
class SessionPlan:
    user: NDArray[np.int64]
    start: NDArray[np.int64]
    turns: NDArray[np.int64]

    @property
    def sessions(self) -> int:
        return int(self.user.size)

    @property
    def users(self) -> int:
        return int(self.user.max()) if self.user.size else 0


def plan_sessions(
    interactions: int, *, days: int, first_weekday: int, rng: np.random.Generator
) -> SessionPlan:
    """Sessions whose turns add up to `interactions`, spread over `days` days."""
    day_p = _day_weights(days + LEAD_IN_DAYS, first_weekday - LEAD_IN_DAYS)
    hour_p = np.asarray(HOUR_WEIGHTS) / sum(HOUR_WEIGHTS)
    users, starts, turns = [], [], []
    planned, next_user = 0, 0
    while planned < interactions:
        # ~4 interactions per user: one round usually suffices; a loop covers the rest.
        count = max(64, (interactions - planned) // 3)
        user, start = _visits(count, days, day_p, hour_p, rng)
        turn = rng.choice(np.arange(1, 6), size=user.size, p=TURN_SHARES)
        users.append(user + next_user)
        starts.append(start)
        turns.append(turn)
        planned += int(turn.sum())
        next_user += count
    user, start, turn = np.concatenate(users), np.concatenate(starts), np.concatenate(turns)
    # Whole users in arrival order until the total is reached; the last session is cut to fit.
    total = np.cumsum(turn)
    keep = int(np.searchsorted(total, interactions)) + 1
    user, start, turn = user[:keep], start[:keep], turn[:keep].copy()
    turn[-1] -= int(total[keep - 1]) - interactions
    order = np.argsort(start, kind="stable")
    user, start, turn = user[order], start[order], turn[order]
    return SessionPlan(user=_number_by_first_visit(user), start=start, turns=turn)


def _day_weights(days: int, first_weekday: int) -> NDArray[np.float64]:
    day = np.arange(days)
    weights = (1 + GROWTH * day / max(days - 1, 1)) * np.asarray(WEEKDAY_FACTOR)[(first_weekday + day) % 7]
    return np.asarray(weights / weights.sum(), dtype=np.float64)


def _visits(
    count: int,
    days: int,
    day_p: NDArray[np.float64],
    hour_p: NDArray[np.float64],
    rng: np.random.Generator,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(user, start second) of every visit of `count` new users, grouped by user, within the window.

    `day_p` covers the lead-in days before the window too; a user's first day is drawn from all of it.
    """
    first_day = rng.choice(day_p.size, size=count, p=day_p) - (day_p.size - days)
    returns = np.where(rng.random(count) < RETURN_SHARE, rng.geometric(KEEP_RETURNING, count), 0)
    visits = 1 + returns
    user = np.repeat(np.arange(count), visits)
    gap = np.where(rng.random(user.size) < NEXT_DAY_SHARE, 1, 1 + rng.geometric(RETURN_GAP_P, user.size))
    first = np.cumsum(visits) - visits  # index of each user's first visit
    gap[first] = 0
    elapsed = np.cumsum(gap)
    day = first_day[user] + elapsed - elapsed[first][user]
    inside = (day >= 0) & (day < days)
    user, day = user[inside], day[inside]
    hour = rng.choice(24, size=user.size, p=hour_p)
    within = rng.integers(0, 3600, size=user.size)
    second = np.minimum(hour * 3600 + within, LAST_START)
    return user.astype(np.int64), (day * DAY_SECONDS + second).astype(np.int64)


def _number_by_first_visit(user: NDArray[np.int64]) -> NDArray[np.int64]:
    """Renumber users 1, 2, 3… in the order they first appear (the array is in time order)."""
    _, first_seen, inverse = np.unique(user, return_index=True, return_inverse=True)
    rank = np.empty(first_seen.size, dtype=np.int64)
    rank[np.argsort(first_seen, kind="stable")] = np.arange(1, first_seen.size + 1)
    return np.asarray(rank[inverse], dtype=np.int64)


@dataclass(frozen=True)
class Part:
    """A run of consecutive sessions holding about one batch of interactions: the unit of work."""

    index: int
    first_session: int
    first_position: int  # position (0-based) of the part's first interaction in the whole run
    user: list[int]
    start: list[int]
    turns: list[int]
    specials: dict[int, str]  # position → kind of deliberate flaw, for positions inside the part

    @property
    def interactions(self) -> int:
        return sum(self.turns)


def split_plan(plan: SessionPlan, size: int, specials: dict[int, str]) -> Iterator[Part]:
    """The plan cut at session boundaries into parts of about `size` interactions each.

    The cuts depend only on the plan and `size`, so the parts, and what they hold, are the same however
    many processes work on them.
    """
    ends = np.cumsum(plan.turns)
    cuts = np.searchsorted(ends, np.arange(size, int(ends[-1]) if ends.size else 0, size), side="left") + 1
    bounds = [0, *sorted(set(cuts.tolist()) - {0, plan.sessions}), plan.sessions]
    positions = sorted(specials)
    for index, (first, last) in enumerate(itertools.pairwise(bounds)):
        first_position = int(ends[first - 1]) if first else 0
        last_position = int(ends[last - 1])
        low, high = bisect_left(positions, first_position), bisect_left(positions, last_position)
        yield Part(
            index=index,
            first_session=first,
            first_position=first_position,
            user=plan.user[first:last].tolist(),
            start=plan.start[first:last].tolist(),
            turns=plan.turns[first:last].tolist(),
            specials={p: specials[p] for p in positions[low:high]},
        )
