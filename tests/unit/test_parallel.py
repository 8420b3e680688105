"""The bulk loads' fan-out: results in order, the first item done here, workers that yield to the writer."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from core import parallel


def _square_and_thread(item: int) -> tuple[int, str]:
    return item * item, threading.current_thread().name


@pytest.mark.parametrize("read_ahead", [1, 2, 5])
@pytest.mark.parametrize("count", [0, 1, 2, 7])
def test_results_come_in_item_order_with_the_first_done_here(read_ahead: int, count: int) -> None:
    here = threading.current_thread().name
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="worker") as pool:
        results = list(
            parallel.in_order(
                pool, _square_and_thread, range(count), read_ahead, first_here=_square_and_thread
            )
        )
    assert [value for value, _ in results] == [n * n for n in range(count)]
    assert [thread == here for _, thread in results] == [n == 0 for n in range(count)]


def test_at_most_read_ahead_items_are_in_flight_while_the_caller_works() -> None:
    submitted: list[int] = []

    def items() -> object:
        for n in range(20):
            submitted.append(n)
            yield n

    with ThreadPoolExecutor(max_workers=2) as pool:
        for position, (value, _) in enumerate(parallel.in_order(pool, _square_and_thread, items(), 2)):
            assert value == position * position
            assert len(submitted) - (position + 1) <= 2


def test_workers_run_at_a_lower_priority_without_the_cyclic_collector() -> None:
    with parallel.worker_pool(1) as pool:
        niceness, collecting = pool.submit(_niceness_and_collector).result()
    assert niceness == min(os.nice(0) + parallel.WORKER_NICENESS, 19)
    assert collecting is False


def _niceness_and_collector() -> tuple[int, bool]:
    import gc

    return os.nice(0), gc.isenabled()


def test_one_worker_per_core_for_large_loads_only(monkeypatch: pytest.MonkeyPatch) -> None:
    for cores, expected in ((1, 0), (2, 2), (3, 3), (16, parallel.MAX_WORKERS)):
        monkeypatch.setattr(parallel.os, "cpu_count", lambda cores=cores: cores)
        assert parallel.worker_count(True) == expected
        assert parallel.worker_count(False) == 0


def test_a_pool_that_cannot_take_the_first_items_fails_the_load_rather_than_dropping_them() -> None:
    pool = ThreadPoolExecutor(max_workers=1)
    pool.shutdown()
    results = parallel.in_order(pool, _square_and_thread, range(5), 2, first_here=_square_and_thread)
    assert next(results)[0] == 0  # done here
    with pytest.raises(RuntimeError, match="shutdown"):
        next(results)
