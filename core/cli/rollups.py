"""CLI for the rollup tables: `rollups rebuild` — recompute them from the raw rows (repair).

In: the database. Out: with `--json`, one object `{"tables": {"rollup_calls": rows, …}, "seconds": s}`;
otherwise one line per table. Needed only when a write path bypassed `core.rollups` (a manual SQL edit, a
restored partial backup); every write path of Bloomtune keeps the rollups current by itself.
"""

from __future__ import annotations

import time
from typing import Any

import typer

from core.auth import cli_principal
from core.cli.data import JSON_OPTION, ready_engine
from core.cli.output import emit
from core.db import session_scope
from core.rollups import rebuild_rollups

app = typer.Typer(help="Pre-aggregated rollup tables behind the metric pages.", no_args_is_help=True)


@app.command("rebuild")
def rebuild_command(as_json: bool = JSON_OPTION) -> None:
    """Recompute every rollup table from the stored interactions and ratings (one transaction)."""
    started = time.perf_counter()
    with session_scope(ready_engine()) as session:
        tables = rebuild_rollups(session=session, principal=cli_principal())
    emit({"tables": tables, "seconds": round(time.perf_counter() - started, 3)}, as_json, _summary)


def _summary(result: dict[str, Any]) -> str:
    lines = [f"{name}: {rows:,} rows" for name, rows in result["tables"].items()]
    return "\n".join([*lines, f"rebuilt in {result['seconds']:.1f} s"])
