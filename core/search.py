"""Full-text search over the user and assistant messages, through an index rather than a table scan.

In: a session (for its dialect) and the text a person typed. Out: `matches()`, a condition on
`interaction` that holds when every word of the text occurs (as a whole word, case-insensitively) in the
question or the answer; `mentions_any()`, when at least one of some phrases does. Punctuation and operators
in the typed text are never interpreted.

The index:
- SQLite (migration 0005): `interaction_fts`, an FTS5 table with external content (`content='interaction'`,
  keyed by the interaction's rowid), kept in step by triggers on `interaction` — every insert, every text
  update (re-scrubbing) and every delete (erasure) updates it in the same transaction, whatever code path
  wrote the row. The ingest writer's large batches (import, demo) set the insert trigger aside for the batch
  and index the new rows in one statement (`index_rows_after()`, see `core.ingest.set_aside`). Any AFTER
  INSERT trigger on `interaction` (even one that does nothing) makes every row's insert cost twice as much,
  because of the many indexes on the table;
- PostgreSQL (migration 0011): `interaction.search_document`, a stored generated column holding
  `to_tsvector('simple', question || ' ' || answer)`, and a GIN index over that column; PostgreSQL keeps both
  current by itself. Migration 0005 had put the GIN index over the expression instead, which PostgreSQL must
  compute again from the text of every row the index proposes (a search combined with other filters took
  seconds on a million rows); migrations that run before 0011 still search that way
  (`mentions_any(..., expression=True)`).
`SEARCH_OBJECTS` and `include_name()` name these objects for the schema comparison, which cannot see them in
the models (the column is PostgreSQL's alone).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import String, func, literal, literal_column, select, table
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from core.sql import dialect_of

FTS_TABLE = "interaction_fts"
PG_COLUMN = "search_document"
PG_INDEX = "ix_interaction_search_document"
PG_EXPRESSION_INDEX = "ix_interaction_search"  # migrations 0005 to 0010
TS_CONFIG = "simple"  # no stemming, no stop words: the same words FTS5's unicode61 tokenizer sees
SEARCH_OBJECTS = frozenset({FTS_TABLE, PG_INDEX}) | {
    f"{FTS_TABLE}_{suffix}" for suffix in ("data", "idx", "content", "docsize", "config")
}
_WORD = re.compile(r"[^\W_]+")

INSERT_TRIGGER = f"{FTS_TABLE}_insert"
_INSERT_TRIGGER = (
    f"CREATE TRIGGER {INSERT_TRIGGER} AFTER INSERT ON interaction BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, user_message, assistant_message) "
    "VALUES (new.rowid, new.user_message, new.assistant_message); END"
)
SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
    "user_message, assistant_message, content='interaction', content_rowid='rowid')",
    _INSERT_TRIGGER,
    f"CREATE TRIGGER {FTS_TABLE}_delete AFTER DELETE ON interaction BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, user_message, assistant_message) "
    "VALUES ('delete', old.rowid, old.user_message, old.assistant_message); END",
    f"CREATE TRIGGER {FTS_TABLE}_update AFTER UPDATE OF user_message, assistant_message ON interaction "
    f"BEGIN INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, user_message, assistant_message) "
    "VALUES ('delete', old.rowid, old.user_message, old.assistant_message); "
    f"INSERT INTO {FTS_TABLE}(rowid, user_message, assistant_message) "
    "VALUES (new.rowid, new.user_message, new.assistant_message); END",
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",  # backfill what is already stored
)
SQLITE_DROP = (
    *(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{event}" for event in ("insert", "delete", "update")),
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
)
PG_DOCUMENT = (
    f"to_tsvector('{TS_CONFIG}', coalesce(user_message, '') || ' ' || coalesce(assistant_message, ''))"
)
# Migration 0005's index over the expression, which 0011 replaces (and its downgrade restores).
POSTGRES_DDL = (f"CREATE INDEX {PG_EXPRESSION_INDEX} ON interaction USING gin (({PG_DOCUMENT}))",)
POSTGRES_DROP = (f"DROP INDEX IF EXISTS {PG_EXPRESSION_INDEX}",)
# Migration 0011's stored column and its index.
POSTGRES_COLUMN_DDL = (
    f"ALTER TABLE interaction ADD COLUMN {PG_COLUMN} tsvector GENERATED ALWAYS AS ({PG_DOCUMENT}) STORED",
    f"CREATE INDEX {PG_INDEX} ON interaction USING gin ({PG_COLUMN})",
)
POSTGRES_COLUMN_DROP = (
    f"DROP INDEX IF EXISTS {PG_INDEX}",
    f"ALTER TABLE interaction DROP COLUMN IF EXISTS {PG_COLUMN}",
)


def index_rows_after(session: Session, rowid: int) -> None:
    """SQLite: index the text of the interactions whose rowid is above `rowid` in one statement (for a large
    batch inserted while the insert trigger stood aside: `core.ingest.set_aside`)."""
    session.connection().exec_driver_sql(
        f"INSERT INTO {FTS_TABLE}(rowid, user_message, assistant_message) "
        "SELECT rowid, user_message, assistant_message FROM interaction WHERE rowid > ?",
        (rowid,),
    )


def words(typed: str) -> list[str]:
    """The words of the typed text, lower-cased; punctuation and operators are dropped."""
    return [w.lower() for w in _WORD.findall(typed)]


def matches(session: Session, typed: str, *, broad: bool = False) -> ColumnElement[bool]:
    """Interactions whose question or answer contains every word of `typed` (all of them when none).
    `broad`: the words match many interactions, so on SQLite the hits are a set to probe while the query
    reads another index in its sort order, rather than the rows to fetch and then sort."""
    terms = words(typed)
    if not terms:
        return literal_column("1") == 1
    if dialect_of(session) == "sqlite":
        return _fts(" ".join(f'"{term}"' for term in terms), broad=broad)
    return _tsquery(" & ".join(terms))


def mentions_any(
    session: Session, phrases: Sequence[str], *, expression: bool = False
) -> ColumnElement[bool]:
    """Interactions whose question or answer contains at least one of the phrases (words in sequence).
    `expression`: on PostgreSQL, match the document computed from the text rather than the stored column —
    for a migration that runs before 0011 adds that column."""
    split = [words(phrase) for phrase in phrases if words(phrase)]
    if dialect_of(session) == "sqlite":
        return _fts(" OR ".join(f'"{" ".join(phrase)}"' for phrase in split))
    return _tsquery(" | ".join(f"({' <-> '.join(phrase)})" for phrase in split), expression=expression)


def _fts(query: str, *, broad: bool = False) -> ColumnElement[bool]:
    """SQLite: the interaction's rowid is among the FTS5 hits for `query` (already safely quoted). When
    `broad`, the rowid is written `+rowid`, which SQLite never drives a lookup by."""
    fts = table(FTS_TABLE, literal_column("rowid"))
    match = literal_column(FTS_TABLE).op("MATCH")(literal(query, String()))  # an anonymous, unique parameter
    hits: Any = select(literal_column("rowid")).select_from(fts).where(match)
    return literal_column(f"{'+' if broad else ''}interaction.rowid").in_(hits)


def _tsquery(query: str, *, expression: bool = False) -> ColumnElement[bool]:
    """PostgreSQL: the indexed document matches `query` (built from `words()` only, so always valid); the
    stored column, or with `expression` the expression migration 0005 indexed (written exactly as indexed,
    so that index is used)."""
    document: Any = literal_column(PG_DOCUMENT if expression else PG_COLUMN)
    return document.op("@@")(func.to_tsquery(literal_column(f"'{TS_CONFIG}'"), query))


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's filter for schema comparison: leave out the search objects, which no model declares."""
    if type_ == "column":
        return (parent_names.get("table_name"), name) != ("interaction", PG_COLUMN)
    return name not in SEARCH_OBJECTS
