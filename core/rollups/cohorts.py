"""First-day cohorts, derived from the (user, day) and (conversation, day) rollups.

In: nothing (declarations). Out: `COHORTS` — for end users, per first day: how many users were first seen
that day (`n`) and how many of them were active again exactly 1, 7 and 30 days later (`d1`, `d7`, `d30`);
for conversations, per first day: how many conversations started that day (`n`). `grouped()` is the SQL
of one cohort table's contribution of a set of members (users or conversations), ready to be added to or
subtracted from the table.

Why: retention needs each user's first day and three probes per user, and the all-time distinct users and
conversations need a pass over every (member, day) pair; done per page view that is a second of work at a
million interactions. Since a member's cohort depends only on its own (member, day) rows, the tables are
kept exact by subtracting the contribution of the members a write touches before the write changes their
(member, day) rows and adding it back afterwards (`core.rollups.maintain`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, Table, case, exists, func, select
from sqlalchemy.orm import aliased

from core.models import RollupConversationCohort, RollupConversationDay, RollupUserCohort, RollupUserDay
from core.sql import day_shift

RETENTION_DAYS: Final = (1, 7, 30)


@dataclass(frozen=True)
class Cohorts:
    table: Table
    source: type[RollupUserDay] | type[RollupConversationDay]
    member: str  # the source's member column
    offsets: tuple[int, ...] = ()  # retention: members active again exactly this many days later

    @property
    def key_names(self) -> list[str]:
        return ["day"]

    @property
    def measure_names(self) -> list[str]:
        return ["n", *(f"d{offset}" for offset in self.offsets)]

    def member_column(self) -> Any:
        return getattr(self.source, self.member)

    def grouped(self, members: ColumnElement[bool], *, negate: bool) -> Select[Any]:
        """Per first day, the members selected by `members` (a condition on `member_column()`)."""
        source = self.source
        first = (
            select(self.member_column().label("member"), func.min(source.day).label("first_day"))
            .where(members)
            .group_by(self.member_column())
            .subquery("first")
        )
        later = aliased(source)

        def active_on(offset: int) -> Any:
            probe = exists().where(
                getattr(later, self.member) == first.c.member,
                later.day == day_shift(first.c.first_day, offset),
            )
            return func.sum(case((probe, 1), else_=0))

        measures = [func.count(), *(active_on(offset) for offset in self.offsets)]
        return (
            select(
                first.c.first_day.label("day"),
                *(
                    (-m if negate else m).label(name)
                    for m, name in zip(measures, self.measure_names, strict=True)
                ),
            )
            .where(first.c.first_day.is_not(None))
            .group_by(first.c.first_day)
        )


def _table(model: type) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


USERS: Final = Cohorts(_table(RollupUserCohort), RollupUserDay, "user_pseudonym", RETENTION_DAYS)
CONVERSATIONS: Final = Cohorts(_table(RollupConversationCohort), RollupConversationDay, "conversation_id")
COHORTS: Final = (USERS, CONVERSATIONS)
