"""The duplicate groups on a real PostgreSQL: the SQLite unit module re-run unchanged, its `session` and
`settings` fixtures pointing at PostgreSQL (see conftest). The CLI tests stay on SQLite: the command reads
DATABASE_URL, which `app_env` points at the SQLite test database."""

from __future__ import annotations

from tests.unit.test_duplicates import *  # noqa: F403

del test_cli_scan_prints_one_json_object, test_cli_scan_refuses_a_bad_threshold  # noqa: F821
