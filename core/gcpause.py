"""Pausing Python's cyclic garbage collector during bulk loads.

In: nothing. Out: `collector_paused()`, a context manager that disables the collector and restores its
previous state afterwards; `collect_every(n)`, for a worker process whose collector is off for good
(`gc.disable` as the pool's initializer): a collection every `n`th call, one call per chunk of work. Bulk
loads build, pickle and unpickle millions of short-lived dicts that hold no reference cycles; tracing
them over and over can double a load's time (in the parent that stores rows and in the workers that
build them). Callers collect now and then (`gc.collect()`) so memory stays bounded: a failure's
traceback, say, is a cycle.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_calls = [0]  # calls of `collect_every` in this process


@contextmanager
def collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def collect_every(calls: int) -> None:
    """Collect on every `calls`th call in this process (a worker calls this once per chunk it handles)."""
    _calls[0] += 1
    if _calls[0] % calls == 0:
        gc.collect()
