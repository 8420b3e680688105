"""Pausing Python's cyclic garbage collector during bulk loads.

In: nothing. Out: `collector_paused()`, a context manager that disables the collector and restores its
previous state afterwards. Bulk loads build and unpickle millions of short-lived dicts that hold no
reference cycles; tracing them over and over can double a load's time. Callers collect now and then
(`gc.collect()`) so memory stays bounded.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
