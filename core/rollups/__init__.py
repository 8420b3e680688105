"""Pre-aggregated rollup tables behind the metric pages, and the service that repairs them.

In: a session (and, for `rebuild_rollups`, the acting principal). Out: the maintenance functions of
`core.rollups.maintain` (`sum_ingested` and its `BatchSums`, `add_ingested`, `add_stored`, `remove_interactions`,
`ratings_changing`, `rebuild`) and `rebuild_rollups()`, the audited admin service behind
`bloomtune rollups rebuild`.

Why: the Overview, KPI, Costs, Engagement and Experiments queries would otherwise group a million
interactions on every cold page view. The rollups hold exactly the sufficient statistics those queries
need (counts, sums, exact latency histograms, per-user sums for the delta method, active (user, day) and
(conversation, day) pairs), so every figure is the same number, read from a few thousand rows.
Any code that inserts, updates or deletes interactions or ratings must go through these functions; a
write path that forgets is repaired by `bloomtune rollups rebuild`.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from core import audit
from core.auth import Permission, Principal, require
from core.rollups.maintain import (
    BatchSums,
    add_ingested,
    add_stored,
    ratings_changing,
    rebuild,
    remove_interactions,
    sum_ingested,
)

__all__ = [
    "BatchSums",
    "add_ingested",
    "add_stored",
    "ratings_changing",
    "rebuild",
    "rebuild_rollups",
    "remove_interactions",
    "sum_ingested",
]


def rebuild_rollups(*, session: Session, principal: Principal) -> dict[str, int]:
    """Recompute every rollup table from the raw rows (admin repair); returns the rows per table."""
    require(principal, Permission.EDIT_SETTINGS)
    counts = rebuild(session)
    audit.record(session, principal, "rollups.rebuild", None, tables=counts)
    session.commit()
    return counts
