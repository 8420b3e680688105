"""The CLI's progress bar moves with the work and names a last stage that has no measure of its own."""

from __future__ import annotations

import io

from rich.console import Console
from rich.progress import Progress

from core.cli.output import Bar


def test_a_bar_moves_and_names_its_stage() -> None:
    display = Progress(console=Console(file=io.StringIO(), force_terminal=True))
    bar = Bar(display, display.add_task("importing", total=10))
    bar(10)
    bar.stage("building indexes")
    (task,) = display.tasks
    assert (task.completed, task.description) == (10, "building indexes")
