"""CLI for duplicate groups: `duplicates scan` — group exact and near-duplicate interactions.

In: the database and `NEAR_DUPLICATE_THRESHOLD` (or `--threshold`). Out: with `--json`, one object
`{"texts", "hashed", "groups", "near_groups", "grouped", "duplicates", "changed", "threshold", "seconds"}`
(see `core.duplicates.ScanReport`); otherwise a short summary. Run it after imports and after review
sessions: the canonical member of each group is recomputed from the current ratings and reviews.
"""

from __future__ import annotations

import sys
from typing import Any

import typer

from core.auth import cli_principal
from core.cli.data import JSON_OPTION, ready_engine
from core.cli.output import emit
from core.config import get_settings
from core.db import session_scope
from core.duplicates import scan_duplicates

app = typer.Typer(help="Exact and near-duplicate interactions.", no_args_is_help=True)


@app.command("scan")
def scan_command(
    threshold: float | None = typer.Option(
        None, "--threshold", help="Similarity from 0 to 1 (default: NEAR_DUPLICATE_THRESHOLD)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Hash new texts, group duplicates and point each member at its group's best-rated interaction."""
    with session_scope(ready_engine()) as session:
        report = scan_duplicates(
            session=session,
            principal=cli_principal(),
            threshold=get_settings().near_duplicate_threshold if threshold is None else threshold,
            progress=None if as_json else _say,
        )
    emit(report.as_dict(), as_json, _summary)


def _say(step: str) -> None:
    sys.stderr.write(f"{step}…\n")


def _summary(r: dict[str, Any]) -> str:
    return (
        f"{r['groups']} duplicate groups ({r['near_groups']} with near duplicates) hold {r['grouped']} "
        f"interactions, {r['duplicates']} of them duplicates of their group's best-rated one; "
        f"{r['changed']} changed; {r['hashed']} new of {r['texts']} texts hashed in {r['seconds']} s "
        f"(threshold {r['threshold']})"
    )
