"""CLI for training sets: `dataset validate` (and the dataset version commands registered beside it).

In: typer arguments. Out: the command's result through `core.cli.output.emit` (one JSON object with `--json`).

`dataset validate PATH [--model M] [--training-price P]` checks any chat JSONL file. It prints the report
either way and exits 0 when the file has no errors, 1 when it has some (the report is still on stdout, so
scripts can read the offending lines); a missing file is a one-line error on stderr with exit 1. The training
price comes from `--training-price`, else from the price table when a model is given and the database is
ready; without one the cost is null and a warning says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from sqlalchemy.exc import OperationalError

from core.cli.data import JSON_OPTION, ready_engine
from core.cli.output import emit
from core.dataset.validate import training_price, validate_file
from core.db import session_scope
from core.errors import BloomtuneError

app = typer.Typer(
    help="Training sets: validate JSONL files, build and export dataset versions.", no_args_is_help=True
)


@app.command("validate")
def validate_command(
    path: Path = typer.Argument(..., help="A chat fine-tuning JSONL file (one example per line)."),
    model: str | None = typer.Option(
        None, "--model", help="Target model: picks the tokenizer, limit and price."
    ),
    price: float | None = typer.Option(
        None,
        "--training-price",
        min=0,
        help="Training price in USD per 1M tokens (default: the price table).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Validate a fine-tuning file: errors by line, warnings, token counts, epochs and estimated cost."""
    if price is None and model:
        price = _table_price(model)
    report = validate_file(path, model=model, training_price_per_1m=price)
    emit(report.as_dict(), as_json, _validate_summary)
    if not report.ok:
        raise typer.Exit(1)


def _table_price(model: str) -> float | None:
    """The price table's training price; None when the database is not there (validation needs no database)."""
    try:
        with session_scope(ready_engine()) as session:
            return training_price(model, session=session)
    except (BloomtuneError, OperationalError):
        return None


def _validate_summary(r: dict[str, Any]) -> str:
    tokens = r["tokens"]
    cost = r["estimated_cost_usd"]
    lines = [
        f"{r['examples']} examples, {sum(r['errors'].values())} with errors"
        + ("" if r["errors"] else " (valid)"),
        f"tokens per example: min {tokens['min']}, mean {tokens['mean']}, p50 {tokens['p50']}, "
        f"p90 {tokens['p90']}, max {tokens['max']}; total {tokens['total']}",
        f"epochs {r['epochs']}, billed tokens per epoch {r['billed_tokens']}, "
        + (f"estimated cost ${cost:.2f}" if cost is not None else "estimated cost unknown"),
    ]
    for key, numbers in r["error_lines"].items():
        lines.append(f"  error {key}: {len(numbers)} (lines {_first(numbers)})")
    for warning in r["warnings"]:
        where = f" (lines {_first(warning['lines'])})" if warning["lines"] else ""
        lines.append(f"  warning {warning['key']}: {warning['message']}{where}")
    return "\n".join(lines)


def _first(numbers: list[int], shown: int = 10) -> str:
    text = ", ".join(map(str, numbers[:shown]))
    return text + (f", … {len(numbers) - shown} more" if len(numbers) > shown else "")
