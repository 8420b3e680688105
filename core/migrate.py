"""Schema migrations: apply them, and refuse to work on a database that lacks them.

In: an engine. Out: `upgrade()` brings the schema to the newest revision; `ensure_current()` raises
`DatabaseNotReady` naming `bloomtune db upgrade` when the database is behind or unreachable.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from core.errors import DatabaseNotReady

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
UPGRADE_HINT = "run `bloomtune db upgrade` (or `make run`, which does it for you)"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except OperationalError as exc:
        raise DatabaseNotReady(f"cannot reach the database ({_reason(exc)})") from None


def upgrade(engine: Engine) -> tuple[str | None, str | None]:
    """Apply every pending migration; returns (revision before, revision after)."""
    before = current_revision(engine)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return before, head_revision()


def ensure_current(engine: Engine) -> None:
    """Raise `DatabaseNotReady` unless the database is at the newest revision."""
    current = current_revision(engine)
    head = head_revision()
    if current is None:
        raise DatabaseNotReady(f"the database has no Bloomtune schema yet: {UPGRADE_HINT}")
    if current != head:
        raise DatabaseNotReady(
            f"the database schema is at revision {current} but this version needs {head}: {UPGRADE_HINT}"
        )


def _reason(exc: OperationalError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig else "connection failed"
