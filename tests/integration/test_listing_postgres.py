"""The listing's filters, sorts, neighbours and full-text search on a real PostgreSQL: the SQLite unit
modules re-run unchanged, their `session` and `settings` fixtures pointing at PostgreSQL (see conftest)."""

from __future__ import annotations

from tests.unit.test_interactions_filters import *  # noqa: F403
from tests.unit.test_search import *  # noqa: F403
