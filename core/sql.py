"""SQL building blocks that differ between SQLite and PostgreSQL, written once.

In: a session (for its dialect), a table and rows, or a column. Out:
- `bulk_insert()`: one driver-level executemany (INSERT … [ON CONFLICT DO NOTHING]) with values adapted
  once per column — the ingest hot path, several times faster than ORM or Core parameter processing;
  `parameters()` adapts rows ahead of time (in the import's worker process) and `insert_rows()` inserts
  such ready-made rows;
- `among()`: `column IN (values)` with every value in one parameter, however many there are;
- `lock_for_ingest()`: serialises ingest transactions so "is this id new?" stays true until commit;
- `day()`: the calendar day of a timestamp as `YYYY-MM-DD` text, fit for GROUP BY;
- `day_plus()`: midnight N days after such a day text, comparable with timestamp columns;
- `bulk_add()`: an executemany upsert that adds its values to the stored ones (`ON CONFLICT DO UPDATE`);
- `day_shift()`: the `YYYY-MM-DD` text N days after such a day text;
- `SQLITE_BULK`, `pragmas()`, `set_pragmas()`: per-connection SQLite settings for a bulk load (a big page
  cache, rarer WAL checkpoints; durability is left alone), read first so they can be restored; both do
  nothing on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any, Final

import orjson
from sqlalchemy import JSON, ColumnElement, DateTime, String, Table, any_, func, literal, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import FunctionElement

_INGEST_LOCK_KEY = 0x6B7A_1E57  # any constant shared by every Bloomtune process
# 512 MiB of page cache, checkpoints every ~120 MB of WAL instead of every 4 MB: a bulk load's hot index
# pages are copied into the database file once per checkpoint, not once per transaction.
SQLITE_BULK: Final = {"cache_size": -524_288, "wal_autocheckpoint": 30_000}


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def bulk_insert(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], *, ignore_conflicts: bool = False
) -> int:
    """Insert `rows` (dicts with the same keys) in one executemany; returns the number of rows stored."""
    if not rows:
        return 0
    columns = list(rows[0])
    sqlite = dialect_of(session) == "sqlite"
    return insert_rows(
        session, table, columns, parameters(table, columns, rows, sqlite), ignore_conflicts=ignore_conflicts
    )


def insert_rows(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
    *,
    ignore_conflicts: bool = False,
) -> int:
    """Insert rows already adapted by `parameters()` (values in `columns` order) in one executemany;
    returns the number of rows stored."""
    if not rows:
        return 0
    mark = "?" if dialect_of(session) == "sqlite" else "%s"
    statement = (
        f"INSERT INTO {table.name} ({', '.join(f'{chr(34)}{c}{chr(34)}' for c in columns)}) "
        f"VALUES ({', '.join([mark] * len(columns))})"
        + (" ON CONFLICT DO NOTHING" if ignore_conflicts else "")
    )
    result = session.connection().exec_driver_sql(statement, rows)
    return int(result.rowcount)


def bulk_add(
    session: Session,
    table: Table,
    keys: Sequence[str],
    measures: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Insert `rows` (tuples of plain values: the keys, then the measures; one row per key); where the key
    is stored already, add the measures to its row instead."""
    if not rows:
        return
    columns = [*keys, *measures]
    mark = "?" if dialect_of(session) == "sqlite" else "%s"
    added = ", ".join(f"{m} = {table.name}.{m} + excluded.{m}" for m in measures)
    statement = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {added}"
    )
    session.connection().exec_driver_sql(statement, list(rows))


def parameters(
    table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]], sqlite: bool
) -> list[tuple[Any, ...]]:
    """Rows (dicts) as tuples of the values of `columns`, adapting only the columns the driver cannot take
    as they are (JSON; on SQLite, timestamps): what `insert_rows()` takes."""
    pick = itemgetter(*columns)
    special = [(i, adapt) for i, c in enumerate(columns) if (adapt := _adapter(table, c, sqlite)) is not None]
    if len(columns) == 1:
        return [(pick(row),) for row in rows]
    if not special:
        return [pick(row) for row in rows]
    params = []
    for row in rows:
        values = list(pick(row))
        for i, adapt in special:
            values[i] = adapt(values[i])
        params.append(tuple(values))
    return params


def _adapter(table: Table, column: str, sqlite: bool) -> Callable[[Any], Any] | None:
    kind = table.c[column].type
    if isinstance(kind, JSON):
        return _json
    if sqlite and isinstance(kind, DateTime):
        return _sqlite_datetime
    return None


def _json(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _sqlite_datetime(value: datetime | None) -> str | None:
    """The text form SQLAlchemy's SQLite dialect stores and reads back."""
    return None if value is None else value.isoformat(" ", "microseconds")


def among(session: Session, column: Any, values: Sequence[str]) -> ColumnElement[bool]:
    """`column IN (values)`, the values bound as one parameter (a JSON array read by `json_each` on SQLite,
    an array on PostgreSQL): one short statement whatever their number, where an IN list compiles a
    parameter per value and must be chunked under the drivers' limits."""
    if dialect_of(session) == "sqlite":
        each = func.json_each(literal(orjson.dumps(list(values)).decode(), String())).table_valued("value")
        return column.in_(select(each.c.value))
    return column == any_(literal(list(values), postgresql.ARRAY(String())))


def lock_for_ingest(session: Session) -> None:
    """Hold the ingest lock until the session's transaction ends.

    PostgreSQL: a transaction-level advisory lock. SQLite: a write transaction, which SQLite grants to one
    connection at a time (BEGIN IMMEDIATE's effect, taken by touching the lock-free `alembic_version`).
    """
    if dialect_of(session) == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _INGEST_LOCK_KEY})
    else:
        session.execute(text("UPDATE alembic_version SET version_num = version_num WHERE 0"))


def pragmas(session: Session, names: Iterable[str]) -> dict[str, int]:
    """The connection's current values of these SQLite settings (none on PostgreSQL)."""
    if dialect_of(session) != "sqlite":
        return {}
    connection = session.connection()
    return {name: int(connection.exec_driver_sql(f"PRAGMA {name}").scalar_one()) for name in names}


def set_pragmas(session: Session, values: dict[str, int]) -> None:
    """Apply SQLite settings to the session's connection (after a commit it may be another pooled one)."""
    if dialect_of(session) != "sqlite":
        return
    connection = session.connection()
    for name, value in values.items():
        connection.exec_driver_sql(f"PRAGMA {name} = {int(value)}")


class day(FunctionElement[str]):  # noqa: N801 - reads like the SQL function it stands for
    """The calendar day (`YYYY-MM-DD`) of a naive-UTC timestamp column."""

    type = String()
    inherit_cache = True


@compiles(day, "sqlite")
def _day_sqlite(element: day, compiler: Any, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"


@compiles(day, "postgresql")
def _day_postgresql(element: day, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM-DD')"


class day_plus(FunctionElement[Any]):  # noqa: N801 - reads like the SQL function it stands for
    """Midnight `days` days after a `YYYY-MM-DD` text (as `day()` returns), comparable with timestamps."""

    inherit_cache = True

    def __init__(self, day_text: Any, days: int) -> None:
        self.days = int(days)
        super().__init__(day_text)


@compiles(day_plus, "sqlite")
def _day_plus_sqlite(element: day_plus, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '+{element.days} days')"


@compiles(day_plus, "postgresql")
def _day_plus_postgresql(element: day_plus, compiler: Any, **kw: Any) -> str:
    return f"(CAST({compiler.process(element.clauses, **kw)} AS DATE) + {element.days})"


class day_shift(FunctionElement[str]):  # noqa: N801 - reads like the SQL function it stands for
    """The `YYYY-MM-DD` text `days` days after a `YYYY-MM-DD` text (as `day()` returns)."""

    type = String()
    inherit_cache = True

    def __init__(self, day_text: Any, days: int) -> None:
        self.days = int(days)
        super().__init__(day_text)


@compiles(day_shift, "sqlite")
def _day_shift_sqlite(element: day_shift, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '+{element.days} days')"


@compiles(day_shift, "postgresql")
def _day_shift_postgresql(element: day_shift, compiler: Any, **kw: Any) -> str:
    return f"to_char(CAST({compiler.process(element.clauses, **kw)} AS DATE) + {element.days}, 'YYYY-MM-DD')"
