"""How CLI commands report: one JSON object, or a readable summary, and a progress bar on terminals.

In: a result dict. Out: text on stdout (JSON when asked), progress on stderr only when it is a terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

_err = Console(stderr=True)


def emit(result: dict[str, Any], as_json: bool, summary: Callable[[dict[str, Any]], str]) -> None:
    if as_json:
        sys.stdout.write(orjson.dumps(result, default=str).decode() + "\n")
    else:
        sys.stdout.write(summary(result).rstrip() + "\n")


@contextmanager
def byte_progress(total: int, label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar over `total` bytes when stderr is a terminal and the work is large; else None."""
    columns = (BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
    with _progress(total, label, columns, minimum=5_000_000) as update:
        yield update


@contextmanager
def count_progress(total: int, label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar over `total` items when stderr is a terminal; else None."""
    columns = (BarColumn(), "{task.completed}/{task.total}", TimeRemainingColumn())
    with _progress(total, label, columns, minimum=0) as update:
        yield update


@contextmanager
def _progress(
    total: int, label: str, columns: tuple[Any, ...], *, minimum: int
) -> Iterator[Callable[[int], None] | None]:
    if not _err.is_terminal or total < minimum:
        yield None
        return
    with Progress("[progress.description]{task.description}", *columns, console=_err, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.update(task, completed=done)
