"""Ordered fan-out to worker processes for bulk loads (file import, demo data).

In: an executor, a picklable function, the items to apply it to, and how far to read ahead. Out: the
results in item order, with at most `read_ahead + 1` items in flight so memory stays flat however long
the input is. `worker_count()` says how many parse/build workers a load of a given size deserves.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def worker_count(large_enough: bool) -> int:
    """Worker processes beside the writing one: none for small loads (start-up would cost more) or one core."""
    cores = os.cpu_count() or 1
    if cores < 2 or not large_enough:
        return 0
    return min(cores - 1, 4)


def in_order(pool: Executor, function: Callable[[T], R], items: Iterable[T], read_ahead: int) -> Iterator[R]:
    pending: deque[Future[R]] = deque()
    for item in items:
        pending.append(pool.submit(function, item))
        if len(pending) > read_ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()
