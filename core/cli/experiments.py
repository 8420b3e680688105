"""CLI commands for A/B tests: `experiment create / start / stop / ship / analyze / list`.

In: typer arguments. Out: the result through `core.cli.output.emit` — one JSON object with `--json`;
`analyze --json` prints `core.experiments.Analysis.as_dict()` (per metric: control and treatment n and
mean, lift, ci_low, ci_high, p_value, chance_to_win; and srm_p). The CLI acts as an admin.
"""

from __future__ import annotations

from typing import Any

import typer

from core import experiments
from core.auth import cli_principal
from core.cli.data import JSON_OPTION, ready_engine
from core.cli.output import emit
from core.config import get_settings
from core.db import session_scope
from core.errors import InputError
from core.models import Experiment
from core.targets import effective_settings

app = typer.Typer(help="A/B tests between two models.", no_args_is_help=True)
NAME = typer.Argument(..., help="The experiment's name.")


def _experiment_dict(experiment: Experiment) -> dict[str, Any]:
    return {
        "name": experiment.name,
        "control_model": experiment.control_model,
        "treatment_model": experiment.treatment_model,
        "treatment_share": experiment.treatment_share,
        "status": experiment.status,
        "decision": experiment.decision,
        "started_at": experiment.started_at,
        "stopped_at": experiment.stopped_at,
    }


def _line(r: dict[str, Any]) -> str:
    decision = f" ({r['decision']})" if r["decision"] else ""
    return (
        f"{r['name']}: {r['status']}{decision} — control {r['control_model']} vs treatment "
        f"{r['treatment_model']} at {r['treatment_share']:.0%}"
    )


@app.command("create")
def create_command(
    name: str = NAME,
    control: str = typer.Option(..., "--control", help="Model name of the control arm."),
    treatment: str = typer.Option(..., "--treatment", help="Model name of the treatment arm."),
    share: float = typer.Option(0.5, "--share", help="Share of users in the treatment arm (0..1)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create an experiment in draft status."""
    with session_scope(ready_engine()) as session:
        experiment = experiments.create_experiment(
            session=session,
            principal=cli_principal(),
            name=name,
            control_model=control,
            treatment_model=treatment,
            treatment_share=share,
        )
        emit(_experiment_dict(experiment), as_json, _line)


@app.command("start")
def start_command(name: str = NAME, as_json: bool = JSON_OPTION) -> None:
    """Start a draft experiment: users are assigned from now on."""
    with session_scope(ready_engine()) as session:
        experiment = experiments.start_experiment(session=session, principal=cli_principal(), name=name)
        emit(_experiment_dict(experiment), as_json, _line)


@app.command("stop")
def stop_command(name: str = NAME, as_json: bool = JSON_OPTION) -> None:
    """Stop an experiment without shipping (decision "stop")."""
    with session_scope(ready_engine()) as session:
        experiment = experiments.stop_experiment(session=session, principal=cli_principal(), name=name)
        emit(_experiment_dict(experiment), as_json, _line)


@app.command("ship")
def ship_command(
    name: str = NAME,
    yes: bool = typer.Option(False, "--yes", help="Confirm: make the treatment model live."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Promote the treatment model to live and stop the experiment (needs --yes)."""
    if not yes:
        raise InputError("shipping makes the treatment model live for every user; add --yes to confirm")
    with session_scope(ready_engine()) as session:
        experiment = experiments.ship_experiment(session=session, principal=cli_principal(), name=name)
        emit(_experiment_dict(experiment), as_json, _line)


@app.command("list")
def list_command(as_json: bool = JSON_OPTION) -> None:
    """Every experiment, running ones first."""
    with session_scope(ready_engine()) as session:
        rows = [
            _experiment_dict(e)
            for e in experiments.list_experiments(session=session, principal=cli_principal())
        ]
    emit({"experiments": rows}, as_json, lambda r: "\n".join(_line(e) for e in r["experiments"]) or "none")


@app.command("analyze")
def analyze_command(
    name: str = NAME,
    mde: float = typer.Option(
        experiments.DEFAULT_MDE, "--mde", help="Relative minimum detectable effect on mean stars."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Compare the arms on every metric, check the split, and recommend ship / keep running / stop."""
    with session_scope(ready_engine()) as session:
        analysis = experiments.analyze_experiment(
            session=session,
            principal=cli_principal(),
            name=name,
            targets=experiments.guardrail_targets(effective_settings(session, get_settings())),
            mde=mde,
        )
    emit(analysis.as_dict(), as_json, _analysis_summary)


def _analysis_summary(r: dict[str, Any]) -> str:
    lines = [
        f"{r['name']} ({r['status']}): {r['users']['control']:,} control vs {r['users']['treatment']:,} "
        f"treatment users; SRM p = {r['srm_p']:.3g}{'  ALARM' if r['srm_alarm'] else ''}"
    ]
    for m in r["metrics"]:
        if m["lift"] is None:
            lines.append(f"  {m['label']}: not enough data")
            continue
        lines.append(
            f"  {m['label']}: {m['control']['mean']:.4g} → {m['treatment']['mean']:.4g}  lift {m['lift']:+.2%} "
            f"[{m['ci_low']:+.2%}, {m['ci_high']:+.2%}]  p = {m['p_value']:.3g}  "
            f"chance to win {m['chance_to_win']:.0%}"
        )
    rec = r["recommendation"]
    lines.append(f"recommendation: {rec['verdict']} — " + " ".join(rec["reasons"]))
    return "\n".join(lines)
