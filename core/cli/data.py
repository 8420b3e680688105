"""CLI commands for the data itself: `db upgrade`, `import`, `demo`, `stats`.

In: typer arguments. Out: the command's result through `core.cli.output.emit` (one JSON object with `--json`).
Each command checks the schema first (except `db upgrade`, which creates it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from sqlalchemy import Engine

from core.auth import cli_principal
from core.cli.output import byte_progress, count_progress, emit
from core.config import get_settings
from core.dataset.readiness import assess
from core.db import get_engine, session_scope
from core.demo import generate_demo
from core.ingest.bulk_indexes import restore_indexes
from core.ingest.importer import import_files
from core.migrate import ensure_current, upgrade

JSON_OPTION = typer.Option(False, "--json", help="Print exactly one JSON object.")


def ready_engine() -> Engine:
    engine = get_engine()
    ensure_current(engine)
    return engine


def db_upgrade(as_json: bool = JSON_OPTION) -> None:
    """Apply pending migrations (creates the database on first use)."""
    engine = get_engine()
    before, after = upgrade(engine)
    with session_scope(engine) as session:
        restored = restore_indexes(session)
    result = {
        "from_revision": before,
        "to_revision": after,
        "database": _safe_url(),
        "indexes_restored": restored,
    }
    emit(result, as_json, _upgrade_summary)


def _upgrade_summary(result: dict[str, Any]) -> str:
    summary = f"database at revision {result['to_revision']} (was {result['from_revision']})"
    if result["indexes_restored"]:
        summary += f"; re-created the indexes an interrupted import had set aside: {', '.join(result['indexes_restored'])}"
    return summary


def import_command(
    paths: list[Path] = typer.Argument(..., help="JSONL or CSV files exported by the app."),
    fmt: str = typer.Option("auto", "--format", help="auto | openai | native | csv"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Import interactions; bad records are reported with their line, good ones stored."""
    settings = get_settings()
    engine = ready_engine()
    total = sum(path.stat().st_size for path in paths if path.is_file())
    with byte_progress(total, "importing") as progress, session_scope(engine) as session:
        report = import_files(
            paths,
            fmt,  # type: ignore[arg-type]  # validated by import_files
            session=session,
            principal=cli_principal(),
            settings=settings,
            progress=progress,
            stage=progress.stage if progress else None,
        )
    emit(report.as_dict(), as_json, _import_summary)


def _import_summary(r: dict[str, Any]) -> str:
    lines = [
        f"read {r['read']}, imported {r['imported']}, duplicates {r['duplicates']}, rejected {r['rejected']}"
    ]
    lines += [f"  {e['file']}:{e['line']}: {e['reason']}" for e in r["errors"][:20]]
    if r["rejected"] > 20:
        lines.append(f"  … and {r['rejected'] - 20} more (use --json for all)")
    return "\n".join(lines)


def demo_command(
    interactions: int = typer.Option(5000, "--interactions", min=1, help="How many interactions to create."),
    seed: int = typer.Option(7, "--seed", help="Random seed; the same seed gives the same data."),
    if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing when the database holds data."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Fill the database with realistic, clearly labelled demo data."""
    settings = get_settings()
    engine = ready_engine()
    with count_progress(interactions, "generating demo data") as progress, session_scope(engine) as session:
        result = generate_demo(
            session=session,
            principal=cli_principal(),
            settings=settings,
            interactions=interactions,
            seed=seed,
            only_if_empty=if_empty,
            progress=progress,
        )
    emit(result, as_json, lambda r: " ".join(f"{k}={v}" for k, v in r.items()))


def stats_command(as_json: bool = JSON_OPTION) -> None:
    """Training readiness: counts and the gate's checks."""
    settings = get_settings()
    with session_scope(ready_engine()) as session:
        readiness = assess(session=session, settings=settings)
    emit(readiness.as_dict(), as_json, _stats_summary)


def _stats_summary(r: dict[str, Any]) -> str:
    lines = [
        f"interactions: {r['total_interactions']}, high-rated: {r['high_rated_interactions']}, "
        f"ready for training: {'yes' if r['ready_for_training'] else 'no'}"
    ]
    for check in r["checks"]:
        mark = "PASS" if check["passed"] else "FAIL"
        step = f" -> {check['next_step']}" if check["next_step"] else ""
        lines.append(f"  [{mark}] {check['message']}{step}")
    return "\n".join(lines)


def _safe_url() -> str:
    """The database URL without its password, for reports."""
    from sqlalchemy.engine import make_url

    return make_url(get_settings().database_url).render_as_string(hide_password=True)
