"""CLI for topic tags: `topics retag` — re-apply the current topic rules to every stored interaction.

In: the database. Out: with `--json`, one object `{"interactions", "changed", "added", "removed",
"topics": {topic: count}}`; otherwise a short summary. Run it after changing `core/topics.py`.
"""

from __future__ import annotations

from typing import Any

import typer

from core.auth import cli_principal
from core.cli.data import JSON_OPTION, ready_engine
from core.cli.output import count_progress, emit
from core.db import session_scope
from core.topic_retag import DEFAULT_BATCH_SIZE, count_interactions, retag

app = typer.Typer(help="Core-topic tags of interactions.", no_args_is_help=True)


@app.command("retag")
def retag_command(
    batch_size: int = typer.Option(DEFAULT_BATCH_SIZE, "--batch-size", min=1, help="Interactions per batch."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Recompute the topics of every interaction with the current rules (idempotent, resumable)."""
    with session_scope(ready_engine()) as session:
        total = count_interactions(session)
        with count_progress(total, "re-tagging") as progress:
            report = retag(
                session=session, principal=cli_principal(), batch_size=batch_size, progress=progress
            )
    emit(report.as_dict(), as_json, _summary)


def _summary(r: dict[str, Any]) -> str:
    tagged = ", ".join(f"{topic} {count}" for topic, count in r["topics"].items())
    return (
        f"re-tagged {r['interactions']} interactions: {r['changed']} changed "
        f"(+{r['added']} / -{r['removed']} tags)\n{tagged}"
    )
