"""How CLI commands report: one JSON object, or a readable summary, and a progress bar on terminals.

In: a result dict. Out: text on stdout (JSON when asked), progress on stderr only when it is a terminal: a
`Bar`, which moves with the work done and can name a final stage that has no measure of its own.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

_err = Console(stderr=True)


def emit(result: dict[str, Any], as_json: bool, summary: Callable[[dict[str, Any]], str]) -> None:
    if as_json:
        sys.stdout.write(orjson.dumps(result, default=str).decode() + "\n")
    else:
        sys.stdout.write(summary(result).rstrip() + "\n")


@contextmanager
def byte_progress(total: int, label: str) -> Iterator[Bar | None]:
    """A progress bar over `total` bytes when stderr is a terminal and the work is large; else None."""
    columns = (BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
    with _progress(total, label, columns, minimum=5_000_000) as update:
        yield update


@contextmanager
def count_progress(total: int, label: str) -> Iterator[Bar | None]:
    """A progress bar over `total` items when stderr is a terminal; else None."""
    columns = (BarColumn(), "{task.completed}/{task.total}", TimeRemainingColumn())
    with _progress(total, label, columns, minimum=0) as update:
        yield update


@contextmanager
def _progress(total: int, label: str, columns: tuple[Any, ...], *, minimum: int) -> Iterator[Bar | None]:
    if not _err.is_terminal or total < minimum:
        yield None
        return
    with Progress("[progress.description]{task.description}", *columns, console=_err, transient=True) as bar:
        yield Bar(bar, bar.add_task(label, total=total))


@dataclass(frozen=True)
class Bar:
    """One task of a progress display: `bar(done)` moves it; `bar.stage(label)` names what it is doing now
    (e.g. building indexes once every record is written)."""

    display: Progress
    task: TaskID

    def __call__(self, done: int) -> None:
        self.display.update(self.task, completed=done)

    def stage(self, label: str) -> None:
        self.display.update(self.task, description=label)
