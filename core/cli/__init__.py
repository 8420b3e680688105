"""The `bloomtune` command line (Typer).

In: argv. Out: with `--json`, exactly one JSON object on stdout; otherwise a short human summary.
Exit 0 on success; 1 on a handled error (`BloomtuneError`, unreachable database) with a one-line message
on stderr and no traceback; 130 when interrupted.
"""

from __future__ import annotations

import sys

import typer
from sqlalchemy.exc import OperationalError

from core.cli import alerts, apikeys, data, serve, serve_api, users
from core.cli import datasets as dataset_cli
from core.cli import duplicates as duplicate_cli
from core.cli import experiments as experiment_cli
from core.cli import finetune as finetune_cli
from core.cli import rollups as rollup_cli
from core.cli import topics as topic_cli
from core.errors import BloomtuneError

app = typer.Typer(
    name="bloomtune",
    help="Bloomtune: collect, review and curate chatbot conversations; build training sets; fine-tune.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
db_app.command("upgrade")(data.db_upgrade)
app.add_typer(db_app, name="db")
app.command("import")(data.import_command)
app.command("demo")(data.demo_command)
app.command("stats")(data.stats_command)
app.command("dashboard")(serve.dashboard_command)
app.command("serve")(serve_api.serve_command)
app.add_typer(apikeys.app, name="apikey")
app.add_typer(users.app, name="user")
app.add_typer(experiment_cli.app, name="experiment")
app.add_typer(alerts.app, name="alerts")
app.add_typer(topic_cli.app, name="topics")
app.add_typer(rollup_cli.app, name="rollups")
app.add_typer(duplicate_cli.app, name="duplicates")
app.add_typer(dataset_cli.app, name="dataset")
app.add_typer(finetune_cli.app, name="finetune")
app.command("worker")(finetune_cli.worker_command)


def main() -> None:
    """Console entry point: run the app, turning handled errors into one line and exit code 1."""
    try:
        app()
    except BloomtuneError as exc:
        _fail(str(exc), 1)
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "connection failed"
        _fail(f"database error: {reason}", 1)
    except KeyboardInterrupt:
        _fail("interrupted; finished batches are stored, run the same command again to complete", 130)


def _fail(message: str, code: int) -> None:
    sys.stderr.write(f"error: {message}\n")
    raise SystemExit(code)
