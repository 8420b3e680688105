"""The demo's write path: simulate and build rows (in worker processes for large runs), store and commit.

In: the session, the `IngestWriter`, the parts of the session plan and a `DemoContext` (seed, window,
row builder). Out: the rows stored through `IngestWriter.store`, committed every `COMMIT_EVERY`
interactions, and a `Tally` of what was stored and generated; `progress` hears the running count.

Large runs keep both sides busy: worker processes replay parts of the plan and build their rows
(pseudonyms, PII screening, topics, hashes, prices: the writer's `RowBuilder`) while this process
inserts the previous part; read-ahead is bounded, so memory stays flat. Parts are seeded by their index,
so the data does not depend on how many workers there are. During the load the cyclic garbage collector
is paused (the rows hold no cycles; tracing a million short-lived dicts over and over would double the
run time) and, on SQLite, the connection gets a bigger page cache and rarer WAL checkpoints (durability
settings are left alone); both are restored afterwards.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy.orm import Session

from core.demo.catalogue import build_catalogue
from core.demo.conversations import Counts, Simulation
from core.demo.plan import Part
from core.gcpause import collect_every, collector_paused
from core.ingest.packed import PackedBatch
from core.ingest.writer import IngestWriter, RowBuilder
from core.parallel import in_order, start_worker, worker_count, worker_pool
from core.sql import SQLITE_BULK, pragmas, set_pragmas

COMMIT_EVERY: Final = 100_000  # interactions per transaction (fewer rewrites of hot index pages)
PARALLEL_MIN_INTERACTIONS: Final = 50_000  # below this, starting worker processes costs more than it saves
COLLECT_EVERY: Final = 20  # parts between explicit garbage collections while the collector is paused


@dataclass(frozen=True)
class DemoContext:
    """What a worker needs to turn a `Part` into rows; small and picklable."""

    seed: int
    window_start: datetime
    experiment_start: datetime
    builder: RowBuilder
    now: datetime

    def simulation(self) -> Simulation:
        return Simulation(
            catalogue=build_catalogue(random.Random(f"{self.seed}:catalogue")),
            seed=self.seed,
            window_start=self.window_start,
            experiment_start=self.experiment_start,
        )


@dataclass
class Tally:
    stored: int = 0
    already_stored: int = 0
    counts: Counts = field(default_factory=Counts)


PreparedPart = tuple[PackedBatch, Counts]


def write_parts(
    parts: Iterable[Part],
    *,
    session: Session,
    writer: IngestWriter,
    context: DemoContext,
    interactions: int,
    progress: Callable[[int], None] | None = None,
) -> Tally:
    """Store every part's rows in plan order, committing every `COMMIT_EVERY` interactions."""
    tally = Tally()
    uncommitted = 0
    usual = pragmas(session, SQLITE_BULK)
    with collector_paused():
        for number, (rows, counts) in enumerate(_prepared_parts(parts, context, interactions), start=1):
            if uncommitted == 0:
                set_pragmas(session, SQLITE_BULK)  # the session may hold a fresh pooled connection
            result = writer.store(rows)
            tally.stored += len(result.accepted)
            tally.already_stored += len(result.duplicates)
            tally.counts.add(counts)
            uncommitted += len(rows)
            if uncommitted >= COMMIT_EVERY:
                session.commit()
                uncommitted = 0
            if number % COLLECT_EVERY == 0:
                gc.collect()
            if progress is not None:
                progress(tally.counts.interactions)
        session.commit()
    # Performance-only settings: if the load fails they stay on the pooled connection, which is harmless.
    set_pragmas(session, usual)
    session.commit()
    return tally


def _prepared_parts(parts: Iterable[Part], context: DemoContext, interactions: int) -> Iterator[PreparedPart]:
    """Every part's rows and counts, in plan order: inline for small runs, else from worker processes."""
    workers = _workers_for(interactions)
    if workers == 0:
        simulation = context.simulation()
        for part in parts:
            records, counts = simulation.run(part)
            yield context.builder.pack(records, context.now), counts
        return
    with worker_pool(workers, initializer=_start_worker, initargs=(context,)) as pool:
        yield from in_order(pool, _prepare_in_worker, parts, read_ahead=workers)


def _workers_for(interactions: int) -> int:
    return worker_count(interactions >= PARALLEL_MIN_INTERACTIONS)


_worker: dict[str, Any] = {}


def _start_worker(context: DemoContext) -> None:
    """Runs once in each worker process: render the catalogue once for all the parts it will get."""
    start_worker()  # `_prepare_in_worker` collects garbage now and then
    _worker["context"] = context
    _worker["simulation"] = context.simulation()


def _prepare_in_worker(part: Part) -> PreparedPart:
    context: DemoContext = _worker["context"]
    collect_every(COLLECT_EVERY)
    records, counts = _worker["simulation"].run(part)
    return context.builder.pack(records, context.now), counts
