"""Local LoRA training test helpers: a tiny model built on the spot (nothing downloaded), chat lines, a queued
local job row, a wait for a run to finish, and the skip-or-fail rule for the `local` extra.

In: folders, a session, a provider. Out: `build_tiny_model(folder)` saves a two-layer Llama with a 32-wide
hidden state and a word-level tokenizer trained on a few sentences (loadable with `AutoModelForCausalLM` /
`AutoTokenizer`); `chat_lines()` gives JSONL lines in the training export's format; `make_job()` adds a
committed `finetune_job` row; `wait_until_finished()` waits for the training process to exit and reads its final state; `train_and_check()` is the whole
successful run, shared by the SQLite and PostgreSQL tiers.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import utcnow
from core.finetune.local_run import RunFolder
from core.finetune.local_train import load_model
from core.models import FinetuneJob, JobEvent
from core.providers.base import Hyperparameters, JobSpec, JobState, JobStatus, TrainingFiles
from core.providers.local import LocalProvider
from tests.registry_data import dataset_version

QUICK = Hyperparameters(max_steps=12, learning_rate_multiplier=100, lora_rank=8, batch_size=4)
LOCAL_EXTRA = ("torch", "transformers", "peft", "trl", "datasets", "accelerate")

CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|> {{ message['content'] }} </s> {% endfor %}"
    "{% if add_generation_prompt %}<|assistant|> {% endif %}"
)
SPECIAL = ["<unk>", "<pad>", "</s>", "<|system|>", "<|user|>", "<|assistant|>"]
QUESTIONS_AND_ANSWERS = [
    ("how long is a typical cycle ?", "a typical cycle lasts between 21 and 35 days ."),
    ("what helps with cramps ?", "heat , gentle movement and rest often help with cramps ."),
    ("when does ovulation happen ?", "ovulation usually happens about 14 days before the next period ."),
    ("is spotting normal ?", "light spotting can be normal , see a clinician if it persists ."),
    ("what is pms ?", "pms is a set of symptoms in the days before a period ."),
    ("can stress delay my period ?", "yes , stress can delay a period by a few days ."),
    ("what is perimenopause ?", "perimenopause is the transition years before menopause ."),
    ("how do i track my cycle ?", "log the first day of each period and any symptoms ."),
]
SYSTEM = "you are a kind menstrual health assistant ."


def chat_lines(repeat: int = 1) -> list[str]:
    """Training lines `{"messages": [system, user, assistant]}`, the question set `repeat` times."""
    return [
        json.dumps(
            {
                "messages": [
                    {"role": "system", "content": SYSTEM},
                    {"role": "user", "content": question},
                    {"role": "assistant", "content": answer},
                ]
            }
        )
        for _ in range(repeat)
        for question, answer in QUESTIONS_AND_ANSWERS
    ]


def build_tiny_model(folder: Path, *, chat_template: bool = True) -> Path:
    """Save a tiny random Llama and its tokenizer into `folder` (with or without a chat template)."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    word_level = Tokenizer(models.WordLevel(unk_token="<unk>"))
    word_level.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    texts = [SYSTEM] + [text for pair in QUESTIONS_AND_ANSWERS for text in pair]
    word_level.train_from_iterator(texts, trainers.WordLevelTrainer(special_tokens=SPECIAL))
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=word_level, unk_token="<unk>", pad_token="<pad>", eos_token="</s>"
    )
    if chat_template:
        tokenizer.chat_template = CHAT_TEMPLATE
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=None,
    )
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def require_local_extra() -> None:
    """Skip the calling test module without the `local` extra; fail it instead when REQUIRE_LOCAL_TRAINING=1."""
    missing = [name for name in LOCAL_EXTRA if importlib.util.find_spec(name) is None]
    if not missing:
        return
    reason = f"the `local` extra is not installed (missing {', '.join(missing)}): pip install -e '.[local]'"
    if os.environ.get("REQUIRE_LOCAL_TRAINING") == "1":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def make_job(session: Session, *, base_model: str) -> FinetuneJob:
    """A queued local job on a fresh dataset version, committed (the training process writes its events)."""
    version = dataset_version(session, name=f"local-{utcnow().timestamp()}")
    job = FinetuneJob(
        provider="local",
        base_model=base_model,
        dataset_version_id=version.id,
        hyperparameters={},
        idempotency_key=f"local-{version.id}",
        status="queued",
        created_by="admin@example.org",
        created_at=utcnow(),
    )
    session.add(job)
    session.commit()
    return job


def wait_for_trainer(provider: LocalProvider, job_id: int) -> None:
    """Block until the job's training process exits (the provider started it as this process's child;
    pytest's timeout guards against a hang)."""
    folder = RunFolder.for_job(provider.models_dir, job_id)
    try:
        os.waitpid(int(folder.pid_path.read_text(encoding="utf-8")), 0)
    except ChildProcessError:  # already reaped by a status check
        pass


def wait_until_finished(provider: LocalProvider, external_id: str) -> JobState:
    """The run's final state, once its training process has exited."""
    wait_for_trainer(provider, int(external_id.removeprefix("job-")))
    state = provider.get_status(external_id)
    assert state.finished, f"{external_id} exited without finishing: {state}"
    return state


def chat_files(folder: Path, train: list[str], validation: list[str] | None = None) -> TrainingFiles:
    (folder / "train.jsonl").write_text("\n".join(train) + "\n")
    if validation:
        (folder / "validation.jsonl").write_text("\n".join(validation) + "\n")
    return TrainingFiles(
        folder / "train.jsonl", folder / "validation.jsonl" if validation else None, "openai"
    )


def launch(
    provider: LocalProvider,
    session: Session,
    files: TrainingFiles,
    *,
    base_model: str,
    hyperparameters: Hyperparameters = QUICK,
) -> tuple[int, str]:
    job = make_job(session, base_model=base_model)
    remote = provider.upload(files, job_id=job.id)
    spec = JobSpec(job.id, base_model, "sft", remote, hyperparameters, seed=7)
    return job.id, provider.create_job(spec)


def job_events(session: Session, job_id: int) -> list[JobEvent]:
    session.expire_all()
    return list(session.scalars(select(JobEvent).where(JobEvent.job_id == job_id).order_by(JobEvent.id)))


def train_and_check(provider: LocalProvider, session: Session, tiny_model: Path, tmp_path: Path) -> None:
    """Train the tiny model for 12 steps through the provider and check everything the run leaves behind."""
    files = chat_files(tmp_path, chat_lines(repeat=2), chat_lines())
    job_id, external_id = launch(provider, session, files, base_model=str(tiny_model))
    assert external_id == f"job-{job_id}"
    assert provider.create_job(
        JobSpec(job_id, str(tiny_model), "sft", provider.upload(files, job_id=job_id))
    ) == (external_id)  # a retried submit starts no second process

    state = wait_until_finished(provider, external_id)

    assert state.status is JobStatus.SUCCEEDED, state.error
    assert state.fine_tuned_model == f"tiny-llama-job-{job_id}"
    assert state.endpoint == provider.serve_base_url
    assert state.trained_tokens and state.trained_tokens > 0
    adapter, merged = Path(state.details["adapter_path"]), Path(state.details["merged_path"])
    assert (adapter / "adapter_config.json").is_file() and (adapter / "adapter_model.safetensors").is_file()
    assert (adapter / "tokenizer.json").is_file() and (merged / "model.safetensors").is_file()
    assert (
        state.details["serve_command"] == f"vllm serve {merged} --served-model-name {state.fine_tuned_model}"
    )

    events = job_events(session, job_id)
    train_losses = [e.train_loss for e in events if e.train_loss is not None]
    valid_losses = [e.valid_loss for e in events if e.valid_loss is not None]
    assert len(train_losses) == 12 and all(math.isfinite(loss) for loss in train_losses)
    assert [e.step for e in events if e.train_loss is not None] == list(range(1, 13))
    assert len(valid_losses) >= 2 and valid_losses[-1] < valid_losses[0]  # it learned something
    assert events[-1].message.startswith("Training finished")
    assert [e.external_id for e in provider.list_events(external_id)] == [e.external_id for e in events]

    checkpoints = provider.list_checkpoints(external_id)
    assert checkpoints and checkpoints[-1].step == 12 and "train_loss" in checkpoints[-1].metrics

    from peft import PeftModel  # the adapter loads onto its base model and answers

    base, tokenizer = load_model(str(tiny_model))
    model = PeftModel.from_pretrained(base, str(adapter))
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": "what is pms ?"}], add_generation_prompt=True, return_tensors="pt"
    )
    output = model.generate(**prompt, max_new_tokens=3, do_sample=False)
    assert output.shape[-1] > prompt["input_ids"].shape[-1]
