"""Ordered fan-out to worker processes for bulk loads (file import, demo data).

In: an executor, a picklable function, the items to apply it to, how far to read ahead, and optionally
the same work as this process does it, for the first item. Out: the results in item order, with at most
`read_ahead + 1` items in flight so memory stays flat however long the input is. `worker_count()` says
how many parse/build workers a load of a given size deserves, `worker_pool()` starts them and
`start_worker()` is their initializer.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from functools import lru_cache
from itertools import islice
from multiprocessing.context import BaseContext
from typing import Any, Final, Generic, TypeVar

MAX_WORKERS: Final = 4
PRELOAD: Final = ("core.ingest.importer", "core.demo.pipeline")  # the modules whose functions the workers run
# Worker processes yield to the writing process: the load goes as fast as its one writer can go, and the
# workers, however many, never slow it down.
WORKER_NICENESS: Final = 10
T = TypeVar("T")
R = TypeVar("R")


def worker_count(large_enough: bool) -> int:
    """Worker processes beside the writing one: none for small loads (start-up would cost more) or on one
    core; else one per core (at most `MAX_WORKERS`), at a lower priority (`start_worker`), so the workers
    use every cycle the writing process leaves without ever taking one it wants."""
    cores = os.cpu_count() or 1
    if cores < 2 or not large_enough:
        return 0
    return min(cores, MAX_WORKERS)


def start_worker() -> None:
    """Run first in every worker process: lower its priority (`WORKER_NICENESS`) and turn the cyclic
    garbage collector off (see `core.gcpause`: the worker collects now and then itself)."""
    gc.disable()
    if hasattr(os, "nice"):  # POSIX
        os.nice(WORKER_NICENESS)


def worker_pool(
    workers: int, *, initializer: Callable[..., None] = start_worker, initargs: tuple[Any, ...] = ()
) -> ProcessPoolExecutor:
    """A pool of `workers` processes for a bulk load. They are forked from a server process that imported
    the bulk loads' code once (`PRELOAD`) and lives as long as this process: a worker starts in
    milliseconds instead of half a second of imports, and a second load in the same process pays nothing.
    Where there is no fork server (Windows), workers are spawned. Not from a Streamlit page: Streamlit runs
    the page as `__main__`, which a worker process would run again as it starts."""
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=_context(), initializer=initializer, initargs=initargs
    )


@lru_cache(maxsize=1)
def _context() -> BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOAD))
    return context


def in_order(
    pool: Executor,
    function: Callable[[T], R],
    items: Iterable[T],
    read_ahead: int,
    *,
    first_here: Callable[[T], R] | None = None,
) -> Iterator[R]:
    """`function` applied to every item by the pool's workers, results in item order. With `first_here`
    (the same work, as this process does it), the first item is done here once the next `read_ahead`
    are submitted: the caller has a result to work on while the worker processes start (about half a
    second of imports each) instead of waiting for them."""
    iterator = iter(items)
    pending: deque[Future[R]] = deque()
    if first_here is not None:
        first = list(islice(iterator, 1))
        # Submitting starts the worker processes and can wait for them: do it beside the first item's work.
        starting = _Submitter(pool, function, list(islice(iterator, read_ahead)))
        yield from map(first_here, first)
        pending.extend(starting.futures())
    for item in iterator:
        pending.append(pool.submit(function, item))
        if len(pending) > read_ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


class _Submitter(Generic[T, R]):
    """Submits items to a pool from a thread of its own; `futures()` waits for it and re-raises what it
    raised."""

    def __init__(self, pool: Executor, function: Callable[[T], R], items: list[T]) -> None:
        self._submitted: list[Future[R]] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._submit, args=(pool, function, items), daemon=True)
        self._thread.start()

    def _submit(self, pool: Executor, function: Callable[[T], R], items: list[T]) -> None:
        try:
            self._submitted.extend(pool.submit(function, item) for item in items)
        except BaseException as exc:  # handed to the caller by `futures()`
            self._error = exc

    def futures(self) -> list[Future[R]]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._submitted
