"""Where the stored data came from, for the labels every page shows.

In: a session. Out: `demo_interaction_count()`, the number of interactions that `bloomtune demo`
generated (`source == "demo"`), counted through the `ix_interaction_source` index. It needs no
permission: anyone who sees a page must be told that its numbers include made-up data.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Interaction

DEMO_SOURCE = "demo"


def demo_interaction_count(*, session: Session) -> int:
    """How many stored interactions are generated demo data."""
    statement = select(func.count()).select_from(Interaction).where(Interaction.source == DEMO_SOURCE)
    return int(session.scalar(statement) or 0)
