"""The real local training process on the CPU: a tiny model the test builds, a few LoRA steps, progress events
in the database, the adapter on disk; cancel; bad input ending as a failed job with a clear error.

Skipped without the `local` extra, mandatory with REQUIRE_LOCAL_TRAINING=1 (CI).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.local_training import require_local_extra

require_local_extra()

from core.config import Settings  # noqa: E402
from core.finetune.local_train import FALLBACK_CHAT_TEMPLATE, load_model  # noqa: E402
from core.providers.base import Hyperparameters, JobStatus  # noqa: E402
from core.providers.local import LocalProvider  # noqa: E402
from tests.local_training import (  # noqa: E402
    build_tiny_model,
    chat_files,
    chat_lines,
    job_events,
    launch,
    train_and_check,
    wait_until_finished,
)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "tiny-llama")


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    yield


@pytest.fixture
def provider(settings: Settings, tmp_path: Path) -> LocalProvider:
    local = settings.model_copy(update={"models_dir": tmp_path / "models", "local_merge_adapter": True})
    return LocalProvider.from_settings(local)


def test_trains_an_adapter_and_records_its_curves(
    provider: LocalProvider, session: Session, tiny_model: Path, tmp_path: Path
) -> None:
    train_and_check(provider, session, tiny_model, tmp_path)


def test_cancel_stops_a_long_run_at_the_next_step(
    provider: LocalProvider, session: Session, tiny_model: Path, tmp_path: Path
) -> None:
    long_run = Hyperparameters(max_steps=100_000, lora_rank=4, batch_size=2)
    files = chat_files(tmp_path, chat_lines())
    job_id, external_id = launch(
        provider, session, files, base_model=str(tiny_model), hyperparameters=long_run
    )
    deadline = time.monotonic() + 180  # only a guard against a hang
    while (state := provider.get_status(external_id)).details["step"] < 2 and not state.finished:
        assert time.monotonic() < deadline, "training never took two steps"
        time.sleep(0.2)
    provider.cancel(external_id)

    state = wait_until_finished(provider, external_id)

    assert state.status is JobStatus.CANCELLED and state.fine_tuned_model is None
    assert state.details["step"] < 100_000 and state.details["adapter_path"] is None
    last = job_events(session, job_id)[-1]
    assert last.level == "warning" and last.message.startswith("Cancelled at step")


def test_a_missing_model_folder_fails_the_job_with_a_clear_error(
    provider: LocalProvider, session: Session, tmp_path: Path
) -> None:
    files = chat_files(tmp_path, chat_lines())
    job_id, external_id = launch(provider, session, files, base_model=str(tmp_path / "no-such-model"))

    state = wait_until_finished(provider, external_id)

    assert state.status is JobStatus.FAILED
    assert state.error == f"base model folder {tmp_path / 'no-such-model'} does not exist"
    last = job_events(session, job_id)[-1]
    assert last.level == "error" and last.message == f"Training failed: {state.error}"


def test_a_malformed_training_file_fails_the_job_naming_the_line(
    provider: LocalProvider, session: Session, tiny_model: Path, tmp_path: Path
) -> None:
    files = chat_files(tmp_path, [chat_lines()[0], '{"messages": [{"role": "user"'])
    _, external_id = launch(provider, session, files, base_model=str(tiny_model))

    state = wait_until_finished(provider, external_id)

    assert state.status is JobStatus.FAILED
    assert state.error is not None and state.error.startswith("train.jsonl line 2: not valid JSON")


def test_a_hub_model_missing_offline_fails_the_job_saying_where_it_looked(
    provider: LocalProvider, session: Session, tmp_path: Path
) -> None:
    files = chat_files(tmp_path, chat_lines())
    _, external_id = launch(provider, session, files, base_model="bloomtune-tests/no-such-model")

    state = wait_until_finished(provider, external_id)

    assert state.status is JobStatus.FAILED
    assert state.error is not None
    assert state.error.startswith("base model 'bloomtune-tests/no-such-model' could not be loaded")
    assert "local Hugging Face cache" in state.error


def test_a_tokenizer_without_chat_template_gets_a_plain_one_that_keeps_the_prompt_a_prefix(
    tmp_path: Path,
) -> None:
    folder = build_tiny_model(tmp_path / "no-template", chat_template=False)
    _, tokenizer = load_model(str(folder))
    assert tokenizer.chat_template == FALLBACK_CHAT_TEMPLATE
    prompt = [{"role": "system", "content": "be kind ."}, {"role": "user", "content": "what is pms ?"}]
    answer = [{"role": "assistant", "content": "pms is a set of symptoms ."}]
    prompt_text = tokenizer.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)
    full_text = tokenizer.apply_chat_template(prompt + answer, tokenize=False)
    assert full_text.startswith(prompt_text) and full_text.endswith("symptoms .</s>\n")
