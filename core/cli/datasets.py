"""CLI for training sets: `dataset validate` (and the dataset version commands registered beside it).

In: typer arguments. Out: the command's result through `core.cli.output.emit` (one JSON object with `--json`).

`dataset validate PATH [--model M] [--training-price P]` checks any chat JSONL file. It prints the report
either way and exits 0 when the file has no errors, 1 when it has some (the report is still on stdout, so
scripts can read the offending lines); a missing file is a one-line error on stderr with exit 1. The training
price comes from `--training-price`, else from the price table when a model is given and the database is
ready; without one the cost is null and a warning says so.

`dataset build --name N [filters]` freezes the next version of N and prints it (counts, token stats, sha256 of
every file); `dataset list` pages through the versions, newest first; `dataset export VERSION --format F --out
PATH [--split S]` writes one training file, where VERSION is `NAME:VERSION`, `NAME` (its newest version) or the
numeric id.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import typer
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from core.auth import cli_principal
from core.cli.data import JSON_OPTION, ready_engine
from core.cli.output import emit
from core.config import get_settings
from core.dataset.build import build_dataset
from core.dataset.export import FORMATS, SPLITS, Format, Split, export_version
from core.dataset.spec import DatasetSpec
from core.dataset.validate import training_price, validate_file
from core.dataset.versions import list_versions, resolve_version, version_dict
from core.db import session_scope
from core.errors import BloomtuneError, InputError

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
        url = make_url(get_settings().database_url)
        if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).is_file()):
            return None  # do not create an empty database file just to find no price in it
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


# -- dataset versions: build, list, export -----------------------------------------------------------------


@app.command("build")
def build_command(
    name: str = typer.Option(..., "--name", help="Dataset name; each build adds the next version."),
    min_rating: int = typer.Option(4, "--min-rating", min=1, max=5, help="Lowest user star rating kept."),
    approved_only: bool = typer.Option(False, "--approved-only", help="Only reviewer-approved answers."),
    since: datetime | None = typer.Option(
        None, "--since", formats=["%Y-%m-%d"], help="First day (YYYY-MM-DD)."
    ),
    until: datetime | None = typer.Option(
        None, "--until", formats=["%Y-%m-%d"], help="Last day (YYYY-MM-DD)."
    ),
    topics: list[str] = typer.Option([], "--topic", help="Only these topics (repeat the option)."),
    models: list[str] = typer.Option([], "--model", help="Only answers from these models (repeatable)."),
    system_prompt: str | None = typer.Option(None, "--system-prompt", help="Default: DATASET_SYSTEM_PROMPT."),
    max_context_tokens: int | None = typer.Option(
        None, "--max-context-tokens", help="Token budget per example (default: DATASET_MAX_CONTEXT_TOKENS)."
    ),
    validation_share: float = typer.Option(0.1, "--validation-share", help="Share held out for validation."),
    seed: int = typer.Option(0, "--seed", help="Seed of the split and the example order."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Build and freeze the next version of a training set (prints the version with counts and sha256s)."""
    try:
        spec = DatasetSpec(
            name=name,
            min_rating=min_rating,
            approved_only=approved_only,
            since=since.date() if since else None,
            until=until.date() if until else None,
            topics=tuple(topics),
            models=tuple(models),
            system_prompt=system_prompt,
            max_context_tokens=max_context_tokens,
            validation_share=validation_share,
            seed=seed,
        )
    except ValidationError as exc:
        raise InputError(_first_error(exc)) from None
    with session_scope(ready_engine()) as session:
        version = build_dataset(
            session=session, principal=cli_principal(), settings=get_settings(), spec=spec
        )
        result = version_dict(version)
    emit(result, as_json, _version_summary)


@app.command("list")
def list_command(
    name: str | None = typer.Option(None, "--name", help="Only versions of this dataset."),
    page: int = typer.Option(1, "--page", min=1, help="Page number (newest first)."),
    page_size: int = typer.Option(50, "--page-size", min=1, max=500, help="Versions per page."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List dataset versions, newest first."""
    with session_scope(ready_engine()) as session:
        result = list_versions(
            session=session, principal=cli_principal(), name=name, page=page, page_size=page_size
        )
    emit(
        {
            "versions": [{**asdict(row), "label": row.label} for row in result.rows],
            "total": result.total,
            "page": result.page,
            "page_size": result.page_size,
        },
        as_json,
        _list_summary,
    )


@app.command("export")
def export_command(
    version: str = typer.Argument(
        ..., help="NAME:VERSION (e.g. cycle:3), NAME for its newest version, or the id."
    ),
    fmt: str = typer.Option(..., "--format", help="openai | openai-dpo | vertex"),
    out: Path = typer.Option(..., "--out", help="File to write (replaced when it exists)."),
    split: str | None = typer.Option(None, "--split", help="train | validation (default: both)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Write a dataset version as a training file; prints its path, sha256 and example count."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if split is not None and split not in SPLITS:
        raise InputError(f"unknown split {split!r}; choose train or validation")
    principal = cli_principal()
    with session_scope(ready_engine()) as session:
        found = resolve_version(session=session, principal=principal, ref=version)
        label = f"{found.name}:{found.version}"
        exported = export_version(
            session=session,
            principal=principal,
            version_id=found.id,
            fmt=cast(Format, fmt),
            split=cast(Split | None, split),
            out=out,
        )
    emit(
        {
            "version": label,
            "format": fmt,
            "split": split or "all",
            "path": str(exported.path),
            "sha256": exported.sha256,
            "examples": exported.examples,
        },
        as_json,
        lambda r: (
            f"wrote {r['examples']} {r['format']} examples of {r['version']} to {r['path']} "
            f"(sha256 {r['sha256']})"
        ),
    )


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error.get("loc", ()))
    return f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid"))


def _version_summary(r: dict[str, Any]) -> str:
    counts = r["counts"]
    pairs = counts.get("pairs", {})
    return (
        f"built {r['label']} (id {r['id']}): {counts['examples']} examples "
        f"({counts['train']} train, {counts['validation']} validation) from {counts['users']} users; "
        f"{counts['exact_duplicates']} exact and {counts['near_duplicates']} near duplicates dropped, "
        f"{counts['ideal_answers']} ideal answers, {counts['pii_scrubbed']} scrubbed; "
        f"{pairs.get('train', 0) + pairs.get('validation', 0)} preference pairs; "
        f"{r['token_stats']['total']} tokens"
    )


def _list_summary(r: dict[str, Any]) -> str:
    if not r["versions"]:
        return "no dataset versions yet: build one with `bloomtune dataset build --name NAME`"
    lines = [f"{r['total']} dataset versions (page {r['page']})"]
    for v in r["versions"]:
        lines.append(
            f"  {v['id']:>5}  {v['label']:<30} {v['examples']:>7} examples  {v['users']:>6} users  "
            f"{v['created_at']:%Y-%m-%d %H:%M}  {v['created_by']}"
        )
    return "\n".join(lines)
