"""A batch of prepared interactions packed for the writer: ready-made driver parameters per table.

In: the `Prepared` rows of a batch (dicts, as `RowBuilder` builds them) and whether the database is SQLite.
Out: `pack()` → `PackedBatch`:
- `ids`, the interactions' ids in batch order (the order of the writer's result);
- per table (`TABLES`) the column names and the rows as tuples the driver takes as they are
  (`core.sql.parameters`: JSON as text, and on SQLite timestamps as text); the interaction rows sorted by
  id (neighbouring keys share index pages; a repeated id keeps its batch order, so its first occurrence
  comes first), and every interaction's conversation row, topic rows and rating rows in the same order;
- `sums`, the batch's rollup sums (`core.rollups.sum_ingested`), valid when every row turns out new.
`PackedBatch.select()` keeps the rows at some positions (the writer drops ids already stored), and
`conversation_rows()` gives one row per conversation, its earliest.

Why: the import's worker process builds and packs each batch, so the writing process — the import's
bottleneck — unpickles plain tuples (about a third of the cost of dicts) and converts nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate, chain, compress
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Table

from core import rollups
from core.models import Conversation, Interaction, InteractionTopic, Rating
from core.sql import parameters

if TYPE_CHECKING:
    from core.ingest.writer import Prepared

Params = tuple[Any, ...]
TABLES: Final[dict[str, Table]] = {
    "conversation": Conversation.__table__,  # type: ignore[dict-item]
    "interaction": Interaction.__table__,  # type: ignore[dict-item]
    "topic": InteractionTopic.__table__,  # type: ignore[dict-item]
    "rating": Rating.__table__,  # type: ignore[dict-item]
}


@dataclass(frozen=True)
class PackedBatch:
    ids: list[str]
    columns: dict[str, list[str]]  # per table of `TABLES`
    interactions: list[Params]  # sorted by id
    conversations: list[Params]  # one per interaction row, in the same order
    topics: list[Params]  # the rows of every interaction in turn; `topic_counts` says how many each has
    topic_counts: list[int]
    ratings: list[Params]
    rating_counts: list[int]
    sums: rollups.BatchSums

    def __len__(self) -> int:
        return len(self.interactions)

    def row_ids(self) -> list[str]:
        """The interaction id of each row, in row order."""
        return list(map(itemgetter(self.columns["interaction"].index("id")), self.interactions))

    def select(self, keep: Sequence[bool]) -> PackedBatch:
        """The batch with only the rows (and their conversation, topic and rating rows) flagged in `keep`,
        one flag per row; the sums are those of the whole batch still (the writer sums the kept rows in
        SQL instead)."""
        return PackedBatch(
            ids=self.ids,
            columns=self.columns,
            interactions=list(compress(self.interactions, keep)),
            conversations=list(compress(self.conversations, keep)),
            topics=_select_owned(self.topics, self.topic_counts, keep),
            topic_counts=list(compress(self.topic_counts, keep)),
            ratings=_select_owned(self.ratings, self.rating_counts, keep),
            rating_counts=list(compress(self.rating_counts, keep)),
            sums=self.sums,
        )

    def conversation_rows(self) -> list[Params]:
        """One row per conversation — its earliest (a conversation starts with its first interaction) —
        sorted by id."""
        columns = self.columns["conversation"]
        key, started = columns.index("id"), columns.index("started_at")
        earliest: dict[Any, Params] = {}
        for row in self.conversations:
            current = earliest.get(row[key])
            if current is None or row[started] < current[started]:
                earliest[row[key]] = row
        return sorted(earliest.values(), key=itemgetter(key))


def pack(batch: Sequence[Prepared], *, sqlite: bool) -> PackedBatch:
    """Pack the rows of a batch for `IngestWriter.store`."""
    ordered = sorted(batch, key=attrgetter("id"))  # stable: a repeated id keeps its first occurrence first
    rows = {
        "interaction": [p.interaction for p in ordered],
        "conversation": [p.conversation for p in ordered],
        "topic": list(chain.from_iterable(p.topics for p in ordered)),
        "rating": list(chain.from_iterable(p.ratings for p in ordered)),
    }
    columns = {table: list(dicts[0]) if dicts else [] for table, dicts in rows.items()}
    params = {
        table: parameters(TABLES[table], columns[table], dicts, sqlite) if dicts else []
        for table, dicts in rows.items()
    }
    return PackedBatch(
        ids=[p.id for p in batch],
        columns=columns,
        interactions=params["interaction"],
        conversations=params["conversation"],
        topics=params["topic"],
        topic_counts=[len(p.topics) for p in ordered],
        ratings=params["rating"],
        rating_counts=[len(p.ratings) for p in ordered],
        sums=rollups.sum_ingested(batch),
    )


def _select_owned(rows: list[Params], counts: list[int], keep: Sequence[bool]) -> list[Params]:
    """The rows owned by the kept interaction rows; `counts`: how many rows each interaction row owns."""
    ends = list(accumulate(counts))
    return [
        row for end, n, kept in zip(ends, counts, keep, strict=True) if kept for row in rows[end - n : end]
    ]
