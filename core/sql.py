"""SQL building blocks that differ between SQLite and PostgreSQL, written once.

In: a session (for its dialect) or a column. Out: statements and expressions that run on both:
`insert_ignoring_conflicts()` (INSERT … ON CONFLICT DO NOTHING) and `day()` (the calendar day of a
timestamp, as ISO text, fit for GROUP BY).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import FunctionElement


def insert_ignoring_conflicts(session: Session, table: Table) -> Any:
    """`INSERT INTO table … ON CONFLICT DO NOTHING` in the session's dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


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
