"""`bloomtune finetune launch / status / list / cancel` and `bloomtune worker` against the fake OpenAI server."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from core.cli import app
from tests.fakes.openai_finetune import API_KEY, FakeFineTuning
from tests.finetune_support import TODAY, fake_openai, make_version
from tests.unit.test_cli import assert_one_line_error, env, one_json_object, run

__all__ = ["env", "fake_openai"]
LAUNCH = [
    "finetune",
    "launch",
    "--provider",
    "openai",
    "--base-model",
    "gpt-4o-mini",
    "--dataset",
    "health:1",
]


@pytest.fixture
def cli_env(app_env: str, monkeypatch: pytest.MonkeyPatch, fake_openai: FakeFineTuning) -> str:
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("FINETUNE_POLL_SECONDS", "0.001")
    return app_env


def invoke(*args: str) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    return one_json_object(result.stdout)


def test_launch_watch_and_list(cli_env: str, session: Session) -> None:
    make_version(session)
    override = ["--override-reason", "pilot", "--epochs", "2", "--suffix", "bloom"]
    refused = CliRunner().invoke(app, [*LAUNCH, *override, "--json"])
    assert refused.exit_code != 0 and "confirm to launch (--yes)" in str(refused.exception)

    job = invoke(*LAUNCH, *override, "--yes")
    assert job["status"] == "queued" and job["estimated_cost_usd"] > 0
    assert invoke(*LAUNCH, *override, "--yes")["id"] == job["id"]  # a retried command finds the same job
    for _ in range(10):
        report = invoke("worker", "--once")
        if report["registered"]:
            break
    status = invoke("finetune", "status", str(job["id"]))
    assert status["status"] == "succeeded" and status["fine_tuned_model"].startswith("ft:gpt-4o-mini")
    assert [e["step"] for e in status["events"] if e["step"] is not None] == [10, 20, 30]
    listed = invoke("finetune", "list")
    assert listed["total"] == 1 and listed["jobs"][0]["id"] == job["id"]


def test_cancel_a_queued_job(cli_env: str, session: Session) -> None:
    make_version(session)
    job = invoke(*LAUNCH, "--override-reason", "pilot", "--yes")
    assert invoke("finetune", "cancel", str(job["id"]))["status"] == "cancelled"


def test_errors_are_one_line(env: dict[str, str], tmp_path: Path) -> None:
    env = {k: v for k, v in env.items() if not k.startswith(("OPENAI_", "AZURE_"))}
    env |= {"DEV_MODE": "1", "LIFECYCLE_TODAY": TODAY.isoformat()}
    assert run(["db", "upgrade"], env, tmp_path).returncode == 0
    assert_one_line_error(run([*LAUNCH, "--yes"], env, tmp_path), "OPENAI_API_KEY")
    closed = [*LAUNCH[:5], "gemini-2.5-flash", *LAUNCH[6:]]
    closed[3] = "vertex"
    assert_one_line_error(run([*closed, "--yes"], env, tmp_path), "retired")


def test_openai_launches_are_refused_with_the_date_after_the_cut_off(
    env: dict[str, str], tmp_path: Path
) -> None:
    env |= {"DEV_MODE": "1", "OPENAI_API_KEY": API_KEY, "LIFECYCLE_TODAY": "2027-01-07"}
    assert run(["db", "upgrade"], env, tmp_path).returncode == 0
    assert_one_line_error(
        run([*LAUNCH, "--yes"], env, tmp_path),
        "openai takes no new fine-tuning jobs on gpt-4o-mini after 2027-01-06",
    )
    env["LIFECYCLE_TODAY"] = "2027-01-14"
    assert_one_line_error(run([*LAUNCH, "--yes"], env, tmp_path), "gpt-4o-mini was retired on 2027-01-14")


def test_json_contract_of_a_job(cli_env: str, session: Session) -> None:
    make_version(session)
    job = invoke(*LAUNCH, "--override-reason", "pilot", "--yes")
    assert set(job) >= {
        "id",
        "provider",
        "base_model",
        "method",
        "status",
        "raw_status",
        "external_id",
        "estimated_cost_usd",
        "actual_cost_usd",
        "trained_tokens",
        "fine_tuned_model",
        "error",
        "checkpoints",
    }
    assert orjson.dumps(job)
