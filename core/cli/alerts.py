"""CLI for breach alerts: `alerts check` — post new success-metric breaches to `BREACH_WEBHOOK_URL`.

In: the settings and the database. Out: with `--json`, one object `{"breaches": [...], "notified": [...],
"failed": [...], "recovered": [...]}` (breaches are the posted message bodies; the others are KPI keys).
Exit 0, or 1 when a post failed (it is retried on the next run), so cron reports it. Meant for cron, e.g.
`*/15 * * * * bloomtune alerts check --json`.
"""

from __future__ import annotations

from typing import Any

import typer

from core.alerts import notify_breaches
from core.auth import cli_principal
from core.cli.data import JSON_OPTION, ready_engine
from core.cli.output import emit
from core.config import get_settings
from core.db import session_scope

app = typer.Typer(help="Success-metric breach alerts.", no_args_is_help=True)


@app.command("check")
def check_command(as_json: bool = JSON_OPTION) -> None:
    """Post each new breach once to BREACH_WEBHOOK_URL; a breach is posted again after it recovers."""
    settings = get_settings()
    with session_scope(ready_engine()) as session:
        report = notify_breaches(session=session, settings=settings, principal=cli_principal())
    result = report.as_dict()
    result["webhook"] = settings.breach_webhook_url is not None
    emit(result, as_json, _summary)
    if report.failed:
        raise typer.Exit(1)


def _summary(r: dict[str, Any]) -> str:
    lines = [message["text"] for message in r["breaches"]] or ["no breaches: every target is met"]
    if not r["webhook"]:
        lines.append("BREACH_WEBHOOK_URL is not set: nothing posted")
    if r["notified"]:
        lines.append(f"posted: {', '.join(r['notified'])}")
    if r["failed"]:
        lines.append(f"post failed (retried next run): {', '.join(r['failed'])}")
    if r["recovered"]:
        lines.append(f"recovered: {', '.join(r['recovered'])}")
    return "\n".join(lines)
