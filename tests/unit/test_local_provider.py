"""The local provider's bookkeeping, without training: uploads, run folders, status mapping, dead processes,
cancel, events and checkpoints read back, and the chat-line checks of the training process.

The real training process runs in test_local_training.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from core.config import Settings
from core.errors import InputError
from core.finetune.local_run import RunFolder, RunSpec, RunStatus
from core.finetune.local_train import load_examples
from core.models import JobEvent
from core.providers.base import Hyperparameters, JobSpec, JobStatus, RemoteFiles, TrainingFiles
from core.providers.errors import InvalidDataError, ProviderError
from core.providers.local import TRAIN_MODULE, LocalProvider, model_name
from tests.local_training import make_job

SERVE_URL = "http://127.0.0.1:8000/v1"


@pytest.fixture
def provider(settings: Settings, tmp_path: Path) -> LocalProvider:
    local = settings.model_copy(update={"models_dir": tmp_path / "models", "local_serve_base_url": SERVE_URL})
    return LocalProvider.from_settings(local)


def _spec(job_id: int, method: str = "sft", base_model: str = "/models/Qwen2.5-0.5B-Instruct") -> JobSpec:
    return JobSpec(
        job_id=job_id, base_model=base_model, method=method, files=RemoteFiles(train="/data/train.jsonl")
    )


def _run(provider: LocalProvider, job_id: int, status: RunStatus) -> RunFolder:
    """A run folder as the training process leaves it (no process started)."""
    folder = RunFolder.for_job(provider.models_dir, job_id)
    folder.root.mkdir(parents=True)
    folder.write_spec(
        RunSpec(job_id=job_id, base_model="/models/base", model_name=f"base-job-{job_id}", train_file="t")
    )
    folder.write_status(status)
    return folder


def _exited_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_upload_copies_the_chat_files_into_the_run_folder(provider: LocalProvider, tmp_path: Path) -> None:
    train, validation = tmp_path / "train.jsonl", tmp_path / "validation.jsonl"
    train.write_text('{"messages": []}\n')
    validation.write_text('{"messages": [1]}\n')
    remote = provider.upload(TrainingFiles(train, validation, "openai"), job_id=7)
    assert Path(remote.train) == provider.models_dir / "job-7" / "data" / "train.jsonl"
    assert Path(remote.train).read_text() == train.read_text()
    assert remote.validation is not None and Path(remote.validation).read_text() == validation.read_text()


def test_upload_refuses_formats_other_than_chat_and_missing_files(
    provider: LocalProvider, tmp_path: Path
) -> None:
    with pytest.raises(InvalidDataError, match="chat JSONL"):
        provider.upload(TrainingFiles(tmp_path / "x.jsonl", None, "openai-dpo"), job_id=1)
    with pytest.raises(InvalidDataError, match="does not exist"):
        provider.upload(TrainingFiles(tmp_path / "missing.jsonl", None, "openai"), job_id=1)


def test_create_job_refuses_dpo(provider: LocalProvider) -> None:
    with pytest.raises(InvalidDataError, match="supervised"):
        provider.create_job(_spec(1, method="dpo"))


def test_create_job_starts_nothing_for_a_job_that_already_ran(provider: LocalProvider) -> None:
    folder = _run(provider, 3, RunStatus(status=JobStatus.SUCCEEDED, adapter_path="/a"))
    assert provider.find_job(3) == "job-3"
    assert provider.create_job(_spec(3)) == "job-3"
    assert not folder.log_path.exists()  # no process was started
    assert provider.find_job(4) is None


def test_model_name_comes_from_the_base_model_and_the_suffix() -> None:
    assert model_name(_spec(7, base_model="Qwen/Qwen2.5-0.5B-Instruct")) == "Qwen2.5-0.5B-Instruct-job-7"
    spec = JobSpec(7, "/models/SmolLM2-135M/", "sft", RemoteFiles("t"), Hyperparameters(), suffix="v2")
    assert model_name(spec) == "SmolLM2-135M-v2-job-7"


def test_a_succeeded_run_reports_the_model_its_endpoint_and_how_to_serve_it(provider: LocalProvider) -> None:
    _run(
        provider,
        5,
        RunStatus(status=JobStatus.SUCCEEDED, step=12, trained_tokens=900, adapter_path="/x/adapter"),
    )
    state = provider.get_status("job-5")
    assert state.status is JobStatus.SUCCEEDED and state.finished
    assert state.fine_tuned_model == "base-job-5"
    assert state.endpoint == SERVE_URL
    assert state.trained_tokens == 900
    assert state.details["serve_command"] == (
        "vllm serve /models/base --enable-lora --lora-modules base-job-5=/x/adapter"
    )
    assert provider.result_model("job-5") == "base-job-5"


def test_a_process_gone_without_a_result_is_a_failed_job_with_its_last_output(
    provider: LocalProvider,
) -> None:
    folder = _run(provider, 6, RunStatus(status=JobStatus.RUNNING, pid=_exited_pid(), step=3, max_steps=10))
    folder.log_path.write_text("loading\nKilled\n")
    state = provider.get_status("job-6")
    assert state.status is JobStatus.FAILED
    assert state.error is not None and "stopped without a result" in state.error and "Killed" in state.error
    assert folder.read_status() is not None and folder.read_status().status == JobStatus.FAILED  # type: ignore[union-attr]


def test_a_running_job_reports_progress_and_an_estimated_finish(provider: LocalProvider) -> None:
    # a stand-in whose command line names the training module, as the real process's does
    # (it blocks reading its stdin until killed)
    stand_in = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()", TRAIN_MODULE], stdin=subprocess.PIPE
    )
    try:
        started = "2026-11-25T10:00:00+00:00"
        _run(
            provider,
            8,
            RunStatus(JobStatus.RUNNING, pid=stand_in.pid, step=5, max_steps=10, started_at=started),
        )
        state = provider.get_status("job-8")
    finally:
        stand_in.kill()
        stand_in.wait()
    assert state.status is JobStatus.RUNNING and not state.finished
    assert state.details["step"] == 5 and state.details["max_steps"] == 10
    assert state.estimated_finish is not None and state.fine_tuned_model is None
    assert provider.get_status("job-8").status is JobStatus.FAILED  # the process is gone now


def test_cancel_marks_the_run_and_finishes_a_run_without_process(provider: LocalProvider) -> None:
    folder = _run(provider, 9, RunStatus(status=JobStatus.QUEUED))
    provider.cancel("job-9")
    assert folder.cancel_requested
    assert provider.get_status("job-9").status is JobStatus.CANCELLED


def test_cancel_leaves_a_finished_run_alone(provider: LocalProvider) -> None:
    folder = _run(provider, 10, RunStatus(status=JobStatus.SUCCEEDED, adapter_path="/a"))
    provider.cancel("job-10")
    assert not folder.cancel_requested
    assert provider.get_status("job-10").status is JobStatus.SUCCEEDED


def test_unknown_job_ids_are_provider_errors(provider: LocalProvider) -> None:
    with pytest.raises(ProviderError, match="not a local job id"):
        provider.get_status("ftjob-abc")
    with pytest.raises(ProviderError, match="no local training run"):
        provider.get_status("job-404")


def test_events_are_the_training_process_rows_after_the_cursor(
    provider: LocalProvider, session: Session
) -> None:
    job = make_job(session, base_model="/models/base")
    session.add(JobEvent(job_id=job.id, external_id=None, ts=job.created_at, message="submitted to local"))
    for step in (1, 2, 3):
        session.add(
            JobEvent(
                job_id=job.id,
                external_id=f"local-step-{step:07d}",
                ts=job.created_at,
                message=f"step {step}",
                step=step,
                train_loss=4.0 - step / 10,
            )
        )
    session.commit()
    events = provider.list_events(f"job-{job.id}")
    assert [e.step for e in events] == [1, 2, 3]  # the worker's own event is not echoed back
    assert events[0].train_loss == pytest.approx(3.9)
    later = provider.list_events(f"job-{job.id}", after="local-step-0000001")
    assert [e.external_id for e in later] == ["local-step-0000002", "local-step-0000003"]


def test_checkpoints_are_read_from_the_run_folder(provider: LocalProvider) -> None:
    folder = _run(provider, 11, RunStatus(status=JobStatus.RUNNING, pid=_exited_pid()))
    history = [{"step": 2, "loss": 3.5}, {"step": 4, "loss": 3.1}, {"step": 4, "eval_loss": 3.3}]
    for step in (4, 2):
        checkpoint = folder.checkpoints_dir / f"checkpoint-{step}"
        checkpoint.mkdir(parents=True)
        state = {"log_history": [entry for entry in history if entry["step"] <= step]}
        (checkpoint / "trainer_state.json").write_text(json.dumps(state))
    (folder.checkpoints_dir / "README.md").write_text("not a checkpoint")
    checkpoints = provider.list_checkpoints("job-11")
    assert [c.step for c in checkpoints] == [2, 4]
    assert checkpoints[0].metrics == {"train_loss": 3.5}
    assert checkpoints[1].metrics == {"train_loss": 3.1, "valid_loss": 3.3}
    assert checkpoints[1].model == str(folder.checkpoints_dir / "checkpoint-4")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 2: not valid JSON"),
        ('{"prompt": "x"}', 'line 2: expected an object with a non-empty "messages" list'),
        ('{"messages": [{"role": "robot", "content": "x"}]}', "line 2: every message needs a role"),
        ('{"messages": [{"role": "user", "content": "hi"}]}', "line 2: a conversation must end"),
    ],
)
def test_bad_chat_lines_name_the_line(tmp_path: Path, line: str, message: str) -> None:
    good = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}
    path = tmp_path / "train.jsonl"
    path.write_text(json.dumps(good) + "\n" + line + "\n")
    with pytest.raises(InputError, match=message):
        load_examples(path)


def test_chat_lines_become_prompt_and_completion(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    messages = [
        {"role": "developer", "content": "be kind"},
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "a", "weight": 1},
    ]
    path.write_text(json.dumps({"messages": messages}) + "\n\n")
    assert load_examples(path) == [
        {
            "prompt": [{"role": "system", "content": "be kind"}, {"role": "user", "content": "q"}],
            "completion": [{"role": "assistant", "content": "a"}],
        }
    ]
    path.write_text("\n")
    with pytest.raises(InputError, match="no training examples"):
        load_examples(path)
    assert load_examples(path, required=False) == []  # an empty validation file: no validation
