"""CLI commands for fine-tuning: `finetune launch / status / list / cancel / pause / resume` and `worker`.

In: typer arguments. Out: through `core.cli.output.emit` — with `--json` one JSON object: `launch`, `status`
and `cancel` print the job (`id`, `provider`, `base_model`, `method`, `status`, `raw_status`, `external_id`,
`estimated_cost_usd`, `actual_cost_usd`, `trained_tokens`, `fine_tuned_model`, `error`, `checkpoints`, …;
`status` adds `events` (the latest ones, with step and losses)); `list` prints `{"jobs", "total", "page"}`;
`worker --once` prints the `WorkerReport`. `launch` refuses without `--yes` when it would spend money; the
same command run twice returns the same job. The CLI acts as an admin.
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import asdict
from typing import Any

import typer

from core.auth import cli_principal
from core.cli.data import JSON_OPTION, ready_engine
from core.cli.output import emit
from core.config import get_settings
from core.db import session_scope
from core.finetune import catalogue, jobs
from core.finetune.worker import Worker
from core.providers.base import Hyperparameters

app = typer.Typer(
    help="Fine-tuning jobs on OpenAI, Azure OpenAI, Vertex AI or a local GPU.", no_args_is_help=True
)
JOB_ID = typer.Argument(..., help="The job's id (see `bloomtune finetune list`).")
EVENTS_SHOWN = 50


def _line(job: dict[str, Any]) -> str:
    cost = job.get("actual_cost_usd") or job.get("estimated_cost_usd")
    money = f", ${cost:,.2f}" if cost is not None else ""
    model = f" -> {job['fine_tuned_model']}" if job.get("fine_tuned_model") else ""
    error = f" ({job['error']})" if job.get("error") else ""
    return f"job {job['id']}: {job['provider']} {job['base_model']} {job['method']} {job['status']}{money}{model}{error}"


@app.command("launch")
def launch_command(
    provider: str = typer.Option(..., "--provider", help="openai, azure, vertex or local."),
    base_model: str = typer.Option(..., "--base-model", help="The base model to fine-tune."),
    dataset: str = typer.Option(
        ..., "--dataset", help="Dataset version as NAME:VERSION (newest when no version)."
    ),
    method: str = typer.Option("sft", "--method", help="sft (supervised) or dpo (preference)."),
    epochs: int | None = typer.Option(
        None, "--epochs", min=1, max=50, help="Epochs (default: the provider's)."
    ),
    learning_rate_multiplier: float | None = typer.Option(None, "--learning-rate-multiplier", min=0.0),
    batch_size: int | None = typer.Option(None, "--batch-size", min=1),
    beta: float | None = typer.Option(None, "--beta", min=0.0, help="DPO beta."),
    adapter_size: int | None = typer.Option(None, "--adapter-size", help="Vertex AI adapter size (1-32)."),
    suffix: str | None = typer.Option(None, "--suffix", help="Added to the fine-tuned model's name."),
    seed: int | None = typer.Option(None, "--seed"),
    idempotency_key: str | None = typer.Option(
        None, "--idempotency-key", help="Launch again with an identical request by giving a new key."
    ),
    override_reason: str | None = typer.Option(
        None,
        "--override-reason",
        help="Launch although the readiness gate fails (recorded in the audit log).",
    ),
    yes: bool = typer.Option(False, "--yes", help="Confirm the spend."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Queue a fine-tuning job; `bloomtune worker` submits and watches it."""
    request = jobs.LaunchRequest(
        provider=provider,
        base_model=base_model,
        dataset=dataset,
        method=method,
        hyperparameters=Hyperparameters(
            epochs=epochs,
            learning_rate_multiplier=learning_rate_multiplier,
            batch_size=batch_size,
            beta=beta,
            adapter_size=adapter_size,
        ),
        suffix=suffix,
        seed=seed,
        override_reason=override_reason,
        confirm_spend=yes,
        idempotency_key=idempotency_key,
    )
    settings = get_settings()
    with session_scope(ready_engine()) as session:
        job = jobs.launch(
            session=session,
            principal=cli_principal(),
            request=request,
            settings=settings,
            today=catalogue.lifecycle_today(settings),
        )
        emit(jobs.job_dict(job), as_json, _line)


@app.command("status")
def status_command(job_id: int = JOB_ID, as_json: bool = JSON_OPTION) -> None:
    """One job, with its latest events and metrics."""
    principal = cli_principal()
    with session_scope(ready_engine()) as session:
        job = jobs.get_job(session=session, principal=principal, job_id=job_id)
        result = jobs.job_dict(job)
        events = jobs.latest_events(session=session, principal=principal, job_id=job_id, limit=EVENTS_SHOWN)
        result["events"] = [
            {
                "ts": e.ts,
                "level": e.level,
                "message": e.message,
                "step": e.step,
                "train_loss": e.train_loss,
                "valid_loss": e.valid_loss,
                "accuracy": e.accuracy,
            }
            for e in events
        ]
        emit(result, as_json, _line)


@app.command("list")
def list_command(
    status: str | None = typer.Option(None, "--status", help="Only jobs in this status."),
    provider: str | None = typer.Option(None, "--provider", help="Only jobs at this provider."),
    page: int = typer.Option(1, "--page", min=1),
    as_json: bool = JSON_OPTION,
) -> None:
    """Jobs, newest first (50 a page)."""
    with session_scope(ready_engine()) as session:
        found = jobs.list_jobs(
            session=session, principal=cli_principal(), status=status, provider=provider, page=page
        )
        result = {"jobs": [jobs.job_dict(j) for j in found.jobs], "total": found.total, "page": found.page}
        emit(result, as_json, lambda r: "\n".join(_line(j) for j in r["jobs"]) or "no fine-tuning jobs")


@app.command("cancel")
def cancel_command(job_id: int = JOB_ID, as_json: bool = JSON_OPTION) -> None:
    """Cancel a job (at the provider too when it was submitted)."""
    with session_scope(ready_engine()) as session:
        job = jobs.cancel_job(
            session=session, principal=cli_principal(), job_id=job_id, settings=get_settings()
        )
        emit(jobs.job_dict(job), as_json, _line)


@app.command("pause")
def pause_command(job_id: int = JOB_ID, as_json: bool = JSON_OPTION) -> None:
    """Pause a running job (OpenAI); `resume` carries on from where it stopped."""
    with session_scope(ready_engine()) as session:
        job = jobs.pause_job(
            session=session, principal=cli_principal(), job_id=job_id, settings=get_settings()
        )
        emit(jobs.job_dict(job), as_json, _line)


@app.command("resume")
def resume_command(job_id: int = JOB_ID, as_json: bool = JSON_OPTION) -> None:
    """Resume a paused job."""
    with session_scope(ready_engine()) as session:
        job = jobs.resume_job(
            session=session, principal=cli_principal(), job_id=job_id, settings=get_settings()
        )
        emit(jobs.job_dict(job), as_json, _line)


def worker_command(
    once: bool = typer.Option(False, "--once", help="Process the due jobs once and exit."),
    interval: float = typer.Option(5.0, "--interval", min=0.1, help="Seconds between two rounds."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Submit queued fine-tuning jobs, poll running ones, store their events, register finished models."""
    worker = Worker(engine=ready_engine(), settings=get_settings())
    if once:
        report = worker.run_once()
        emit(asdict(report), as_json, lambda r: f"claimed {r['claimed']}, finished {r['finished']}")
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        worker.run(interval=interval, stop=stop)
    except KeyboardInterrupt:
        stop.set()
