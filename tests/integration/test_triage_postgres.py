"""The triage columns on a real PostgreSQL: the SQLite unit module re-run unchanged, its `session` and
`settings` fixtures pointing at PostgreSQL (see conftest)."""

from __future__ import annotations

from tests.unit.test_triage import *  # noqa: F403
