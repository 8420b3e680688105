"""Full-text search: whole words in question or answer, no false hits, typed operators are harmless, and the
index follows every write (an import in several batches, a direct insert, a text update, erasure), is used
by the query, and is built from (and survives) the migrations of a database that already holds interactions.

In: the known interactions of `tests.listing_data` in the per-test database. Out: the ids a search lists.
The same tests run on PostgreSQL from tests/integration.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine, func, inspect, select, text, update
from sqlalchemy.orm import Session

from core import search
from core.auth import Principal
from core.config import Settings
from core.erasure import erase_user
from core.ingest import set_aside
from core.ingest.importer import import_files
from core.interaction_query import where
from core.interactions import InteractionFilters, count_matching, list_interactions
from core.migrate import upgrade
from core.models import Interaction
from core.sql import dialect_of
from tests import scenarios
from tests.listing_data import fill, ids, iid
from tests.old_schema import downgrade, old_database


@pytest.fixture
def known(session: Session) -> Session:
    return fill(session)


def found(session: Session, admin: Principal, typed: str) -> list[int]:
    page = list_interactions(
        session=session, principal=admin, filters=InteractionFilters(q=typed), page_size=100
    )
    assert page.total == len(page.rows)
    return ids(page.rows)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("period", [3, 0]),  # in the question of both
        ("PERIOD", [3, 0]),  # case does not matter
        ("heat", [3]),  # in the answer only
        ("stress delay", [1]),  # every word, in any order
        ("delay stress ovulation", [1]),
        ("mood cramps", []),  # both words must occur in the same interaction
        ("periods", []),  # whole words: no stemming, no substrings
        ("perio", []),
        ("write", [2]),  # the words around a scrubbed e-mail address stay searchable...
        ("ann example", []),  # ...the address itself does not
        ("zebra", []),
    ],
)
def test_search_finds_whole_words(known: Session, admin: Principal, typed: str, expected: list[int]) -> None:
    assert found(known, admin, typed) == expected


@pytest.mark.parametrize(
    "typed", ['"', 'NEAR("a" *', "AND OR NOT", "period*", "-period", "col:period", "'; drop"]
)
def test_typed_operators_are_plain_words(known: Session, admin: Principal, typed: str) -> None:
    expected = {(): [4, 3, 2, 1, 0], ("period",): [3, 0]}.get(tuple(search.words(typed)), [])
    assert found(known, admin, typed) == expected


def test_punctuation_only_matches_everything(known: Session, admin: Principal) -> None:
    assert found(known, admin, " ?! ") == [4, 3, 2, 1, 0]


def test_a_text_update_is_searchable_at_once(known: Session, admin: Principal) -> None:
    known.execute(
        update(Interaction).where(Interaction.id == iid(0)).values(user_message="How long is a cycle?")
    )
    known.commit()
    assert found(known, admin, "period") == [3, 0]  # still in i-0's answer
    assert found(known, admin, "long cycle") == [0]
    assert found(known, admin, "last") == []  # the old question's words are gone ("lasts" is in the answer)


def test_erasure_removes_the_users_text_from_the_index(
    known: Session, admin: Principal, settings: Settings
) -> None:
    erase_user("user-0", session=known, principal=admin, settings=settings)
    assert found(known, admin, "period") == [3]
    assert found(known, admin, "seven days") == []
    if dialect_of(known) == "sqlite":  # the FTS index agrees with the table it indexes
        known.execute(
            text("INSERT INTO interaction_fts(interaction_fts, rank) VALUES ('integrity-check', 1)")
        )


def test_the_search_uses_the_index(known: Session) -> None:
    query = select(func.count()).select_from(Interaction).where(*where(known, InteractionFilters(q="period")))
    sql = query.compile(known.get_bind(), compile_kwargs={"literal_binds": True})
    if dialect_of(known) == "sqlite":
        plan = " ".join(str(row[-1]) for row in known.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
        assert "VIRTUAL TABLE INDEX" in plan and "SCAN interaction " not in f"{plan} "
    else:  # a five-row table is cheaper to scan, so forbid that to see whether the index can serve
        known.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(str(row[0]) for row in known.execute(text(f"EXPLAIN {sql}")))
        assert "ix_interaction_search_document" in plan


def test_the_migration_indexes_what_was_stored_before_it(empty_db_url: str, admin: Principal) -> None:
    with old_database(empty_db_url, "0004", "Is spotting normal?", "Often it is.") as (engine, connection):
        connection.execute(
            text(
                "INSERT INTO rating (interaction_id, source, stars, created_at) "
                "VALUES ('old', 'user', 2, '2026-10-01 08:00:00')"
            )
        )
    upgrade(engine)
    with Session(engine) as session:
        assert _spotting(session, admin) == ["old"]
        assert session.scalar(select(Interaction.user_stars)) == 2
    engine.dispose()


def _spotting(session: Session, admin: Principal) -> list[str]:
    page = list_interactions(session=session, principal=admin, filters=InteractionFilters(q="spotting"))
    return [row.id for row in page.rows]


def _postgres_search_objects(engine: Engine) -> set[str]:
    """Which of PostgreSQL's search column and indexes (old and new) `interaction` has."""
    table = inspect(engine)
    present = {index["name"] for index in table.get_indexes("interaction")}
    present |= {column["name"] for column in table.get_columns("interaction")}
    return present & {search.PG_COLUMN, search.PG_INDEX, search.PG_EXPRESSION_INDEX}


def test_the_stored_document_replaces_the_expression_index_and_back(
    empty_db_url: str, admin: Principal
) -> None:
    """A database at 0010 holding an interaction finds it after 0011 (on PostgreSQL in the stored column and
    its index, and no longer in the expression index), through the expression again after a downgrade, and
    once more after upgrading again, which ends at the schema the models declare."""
    with old_database(empty_db_url, "0010", "Is spotting normal?", "Often it is.") as (engine, _):
        pass
    postgres = engine.dialect.name == "postgresql"
    upgrade(engine)
    assert _postgres_search_objects(engine) == ({search.PG_COLUMN, search.PG_INDEX} if postgres else set())
    with Session(engine) as session:
        assert _spotting(session, admin) == ["old"]
    downgrade(engine, "0010")
    assert _postgres_search_objects(engine) == ({search.PG_EXPRESSION_INDEX} if postgres else set())
    with Session(engine) as session:
        mentions = search.mentions_any(session, ["spotting"], expression=True)
        assert list(session.scalars(select(Interaction.id).where(mentions))) == ["old"]
    upgrade(engine)
    with Session(engine) as session:
        assert _spotting(session, admin) == ["old"]
    scenarios.schema_matches_models(engine)
    engine.dispose()


@pytest.mark.parametrize("sort", ["newest", "lowest_rated", "unsafe_first"])
def test_a_search_counts_up_to_the_cap_and_pages_through_those_in_order(
    known: Session, admin: Principal, monkeypatch: pytest.MonkeyPatch, sort: str
) -> None:
    """Two interactions say "period"; with a cap of 1 the listing holds the first of the full order and
    says there are more; without the cap it is exact; a listing without a search is never capped."""
    typed = InteractionFilters(q="period")
    everything = list_interactions(session=known, principal=admin, filters=typed, sort=sort)
    assert (everything.total, everything.more, everything.total_label) == (2, False, "2")
    monkeypatch.setattr("core.interactions.SEARCH_COUNT_CAP", 1)
    pages = [
        list_interactions(session=known, principal=admin, filters=typed, sort=sort, page=n, page_size=1)
        for n in (1, 2)
    ]
    assert [(p.total, p.more, p.total_label) for p in pages] == [(1, True, "1+")] * 2
    assert [ids(p.rows) for p in pages] == [ids(everything.rows[:1]), []]
    unsearched = list_interactions(session=known, principal=admin, sort=sort, page_size=1)
    assert (unsearched.total, unsearched.more) == (5, False)


def _total(session: Session, admin: Principal, typed: str) -> int:
    """Every match, counted without the listing's search cap."""
    found, _ = count_matching(session, where(session, InteractionFilters(q=typed)))
    return found


def _bulk_export(path: Path, count: int) -> Path:
    """`count` records of three users; every question names a quokka, every tenth answer a wombat."""
    with path.open("wb") as handle:
        for i in range(count):
            answer = "A wombat might." if i % 10 == 0 else "Often it is."
            record = {
                "messages": [
                    {"role": "user", "content": f"Is quokka number {i} normal?"},
                    {"role": "assistant", "content": answer},
                ],
                "metadata": {"user_id": f"bulk-user-{i % 3}"},
            }
            handle.write(orjson.dumps(record) + b"\n")
    return path


def test_rows_imported_in_several_batches_are_searchable_until_erased(
    session: Session, admin: Principal, settings: Settings, tmp_path: Path
) -> None:
    """Three batches large enough to be indexed in one statement each, then a small one that the trigger
    indexes; erasure removes one user's rows from the index; a direct insert afterwards is still indexed."""
    batch = set_aside.BATCH_MIN_ROWS
    count = 3 * batch + 7
    path = _bulk_export(tmp_path / "bulk.jsonl", count)
    small_batches = settings.model_copy(update={"import_batch_size": batch})
    report = import_files([path], "auto", session=session, principal=admin, settings=small_batches)
    assert report.imported == count
    assert _total(session, admin, "quokka") == count
    assert _total(session, admin, "wombat") == len(range(0, count, 10))
    assert _total(session, admin, f"quokka {count - 1}") == 1  # from the last, small batch
    assert _total(session, admin, "quokka 0") == 1  # from the first
    erase_user("bulk-user-0", session=session, principal=admin, settings=settings)
    assert _total(session, admin, "quokka") == count - len(range(0, count, 3))
    assert _total(session, admin, "quokka 0") == 0
    assert _total(session, admin, "wombat") == len([i for i in range(0, count, 10) if i % 3])
    session.execute(
        text(
            "INSERT INTO interaction (id, conversation_id, created_at, messages, user_message, "
            "assistant_message, status, content_hash, source, ingested_at) SELECT 'direct', "
            "conversation_id, created_at, '[]', 'A platypus question', 'An answer', 'ok', 'h', 'import', "
            "ingested_at FROM interaction LIMIT 1"
        )
    )
    session.commit()
    assert _total(session, admin, "platypus") == 1
    if dialect_of(session) == "sqlite":  # the FTS index agrees with the table it indexes
        session.execute(
            text("INSERT INTO interaction_fts(interaction_fts, rank) VALUES ('integrity-check', 1)")
        )


def _triggers(session: Session) -> dict[str, str]:
    rows = session.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
    return dict(rows.all())


def test_the_triggers_set_aside_are_back_when_a_batch_fails(session: Session) -> None:
    if dialect_of(session) != "sqlite":
        pytest.skip("PostgreSQL keeps every trigger")
    before = _triggers(session)
    assert set(set_aside.SET_ASIDE) <= set(before)
    with pytest.raises(RuntimeError), set_aside.triggers_set_aside(session, set_aside.BATCH_MIN_ROWS):
        assert not set(set_aside.SET_ASIDE) & set(_triggers(session))  # stood aside for the batch...
        raise RuntimeError("the batch failed")
    assert _triggers(session) == before  # ...and are back, word for word, in the same transaction
