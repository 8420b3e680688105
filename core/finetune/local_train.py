"""The local LoRA training process: `python -m core.finetune.local_train RUN_DIR`.

In: a run folder (`core.finetune.local_run`) whose spec.json names the base model (a local model folder, or a
hub id already in the local Hugging Face cache), the uploaded chat JSONL files and the hyperparameters; the
database URL in the environment variable `DATABASE_URL`.
Out: `job_event` rows (training loss, validation loss and token accuracy at each logged step, plus the
milestones), status.json with progress and the final state, the LoRA adapter and tokenizer in adapter/ (and
the merged model in merged/ when asked). Any failure ends as status "failed" with a message that says what
to fix, also stored as an error event; a cancel marker in the folder stops training at the next step with
status "cancelled".

Each chat line `{"messages": [...]}` becomes a prompt (every turn before the last) and a completion (the last,
assistant, turn), so the loss counts only the answer. The tokenizer's chat template renders the turns; a
tokenizer without one gets a plain `<|role|>` template, saved with the adapter so serving renders the same.
Trains on the GPU when there is one, on the CPU otherwise. Needs the `local` extra (torch, transformers,
peft, trl, datasets), imported only here, never by the provider.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core.audit import utcnow
from core.errors import InputError
from core.finetune.local_run import EVENT_PREFIX, RunFolder, RunSpec, RunStatus, now_iso
from core.models import JobEvent
from core.providers.base import JobStatus

logger = logging.getLogger("bloomtune.local_train")

DEFAULT_LEARNING_RATE = 2e-4  # scaled by the `learning_rate_multiplier` hyperparameter
DEFAULT_EPOCHS = 3
DEFAULT_BATCH_SIZE = 4
DEFAULT_LORA_RANK = 16
LORA_DROPOUT = 0.05
MAX_LENGTH = 1024  # tokens per example; longer ones are cut at the end
LOG_EVERY = 0.02  # share of the total steps between two loss events (about 50 points per run)
EVAL_AND_SAVE_EVERY = 0.25  # share of the total steps between two evaluations / checkpoints
ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}
FALLBACK_CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}{{ eos_token }}\n"
    "{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


class TrainingCancelled(Exception):
    """The cancel marker appeared before training started."""


# -- data --------------------------------------------------------------------------------------------------


def load_examples(path: Path, *, required: bool = True) -> list[dict[str, list[dict[str, str]]]]:
    """Prompt-completion chat examples from a `{"messages": [...]}` JSONL file; InputError names the bad line.
    An empty file is an error when `required` (the training file), else no examples (a validation file)."""
    examples = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path.name} line {number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{where}: not valid JSON ({exc.msg})") from None
            examples.append(_prompt_completion(record, where=where))
    if not examples and required:
        raise InputError(f"{path.name} holds no training examples")
    return examples


def _prompt_completion(record: Any, *, where: str) -> dict[str, list[dict[str, str]]]:
    messages = record.get("messages") if isinstance(record, dict) else None
    if not isinstance(messages, list) or not messages:
        raise InputError(f'{where}: expected an object with a non-empty "messages" list')
    turns = []
    for message in messages:
        role = ROLES.get(str(message.get("role"))) if isinstance(message, dict) else None
        content = message.get("content") if isinstance(message, dict) else None
        if role is None or not isinstance(content, str):
            raise InputError(f"{where}: every message needs a role ({', '.join(ROLES)}) and text content")
        turns.append({"role": role, "content": content})
    if turns[-1]["role"] != "assistant" or not any(turn["role"] == "user" for turn in turns[:-1]):
        raise InputError(f"{where}: a conversation must end with the assistant's answer to a user message")
    return {"prompt": turns[:-1], "completion": turns[-1:]}


# -- model -------------------------------------------------------------------------------------------------


def load_model(base_model: str) -> tuple[Any, Any]:
    """The causal LM and its tokenizer (with a chat template and a padding token)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    check_model_folder(base_model)
    try:
        tokenizer = AutoTokenizer.from_pretrained(base_model)
        model = AutoModelForCausalLM.from_pretrained(base_model, dtype=_dtype())
    except (OSError, ValueError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(
            f"base model {base_model!r} could not be loaded: give a model folder, or a hub id that is in the "
            f"local Hugging Face cache or downloadable from here ({first_line})"
        ) from None
    if not tokenizer.chat_template:
        tokenizer.chat_template = FALLBACK_CHAT_TEMPLATE
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def check_model_folder(base_model: str) -> None:
    """A base model given as a path must be an existing folder (a hub id is checked when loading)."""
    looks_like_path = base_model.startswith((".", "/", "~")) or Path(base_model).expanduser().exists()
    if looks_like_path and not Path(base_model).expanduser().is_dir():
        raise InputError(f"base model folder {base_model} does not exist")


def _dtype() -> Any:
    import torch

    if torch.cuda.is_available() and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float32


def lora_config(model: Any, rank: int) -> Any:
    """LoRA on the attention projections peft knows for this architecture, on every linear layer otherwise."""
    from peft import LoraConfig
    from peft.utils import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING as KNOWN_TARGETS

    known = getattr(model.config, "model_type", None) in KNOWN_TARGETS
    return LoraConfig(
        r=rank,
        lora_alpha=2 * rank,
        lora_dropout=LORA_DROPOUT,
        target_modules=None if known else "all-linear",
        task_type="CAUSAL_LM",
    )


# -- progress ----------------------------------------------------------------------------------------------


class EventSink:
    """Writes job events to the database; a database failure is logged, never stops training."""

    def __init__(self, engine: Engine, job_id: int) -> None:
        self.engine = engine
        self.job_id = job_id

    def emit(self, external_id: str, message: str, *, level: str = "info", **metrics: Any) -> None:
        event = JobEvent(
            job_id=self.job_id,
            external_id=external_id,
            ts=utcnow(),
            level=level,
            message=message,
            **metrics,
        )
        stored = select(JobEvent.id).where(
            JobEvent.job_id == self.job_id, JobEvent.external_id == external_id
        )
        try:
            with Session(self.engine) as session:
                if session.scalar(stored) is None:
                    session.add(event)
                    session.commit()
        except SQLAlchemyError:
            logger.exception("could not store event %s", external_id)


class Progress:
    """The run's status file, kept current."""

    def __init__(self, folder: RunFolder) -> None:
        self.folder = folder
        now = now_iso()
        self.status = RunStatus(status=JobStatus.RUNNING, pid=os.getpid(), started_at=now, updated_at=now)
        folder.write_status(self.status)

    def update(self, **changes: Any) -> None:
        self.status = replace(self.status, updated_at=now_iso(), **changes)
        self.folder.write_status(self.status)


def progress_callback(folder: RunFolder, progress: Progress, events: EventSink) -> Any:
    """A TrainerCallback: loss events at each log, status and cancel check at each step."""
    from transformers import TrainerCallback

    class _Callback(TrainerCallback):
        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            progress.update(max_steps=state.max_steps)

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            progress.update(step=state.global_step)
            if folder.cancel_requested:
                control.should_training_stop = True

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
            logs = logs or {}
            step = state.global_step
            if "num_tokens" in logs:
                progress.update(trained_tokens=int(logs["num_tokens"]))
            if "loss" in logs:
                events.emit(
                    f"{EVENT_PREFIX}step-{step:07d}",
                    f"step {step}/{state.max_steps}: training loss {logs['loss']:.4f}",
                    step=step,
                    train_loss=_finite(logs["loss"]),
                    accuracy=_finite(logs.get("mean_token_accuracy")),
                )
            if "eval_loss" in logs:
                events.emit(
                    f"{EVENT_PREFIX}eval-{step:07d}",
                    f"step {step}/{state.max_steps}: validation loss {logs['eval_loss']:.4f}",
                    step=step,
                    valid_loss=_finite(logs["eval_loss"]),
                    accuracy=_finite(logs.get("eval_mean_token_accuracy")),
                )

    return _Callback()


def _finite(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


# -- training ----------------------------------------------------------------------------------------------


def train(folder: RunFolder, spec: RunSpec, progress: Progress, events: EventSink) -> None:
    """Train, save the adapter (and merged model), and report success; cancel ends as "cancelled"."""
    train_examples = load_examples(Path(spec.train_file))
    validation = load_examples(Path(spec.validation_file), required=False) if spec.validation_file else None
    check_model_folder(spec.base_model)
    import torch
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    events.emit(f"{EVENT_PREFIX}status-loading", f"Loading base model {spec.base_model}")
    model, tokenizer = load_model(spec.base_model)
    if folder.cancel_requested:
        raise TrainingCancelled
    knobs = spec.hyperparameters
    on_gpu = torch.cuda.is_available()
    config = SFTConfig(
        output_dir=str(folder.checkpoints_dir),
        num_train_epochs=knobs.get("epochs") or DEFAULT_EPOCHS,
        max_steps=knobs.get("max_steps") or -1,
        per_device_train_batch_size=knobs.get("batch_size") or DEFAULT_BATCH_SIZE,
        per_device_eval_batch_size=knobs.get("batch_size") or DEFAULT_BATCH_SIZE,
        learning_rate=DEFAULT_LEARNING_RATE * (knobs.get("learning_rate_multiplier") or 1.0),
        logging_steps=LOG_EVERY,
        eval_strategy="steps" if validation else "no",
        eval_steps=EVAL_AND_SAVE_EVERY if validation else None,
        save_strategy="steps",
        save_steps=EVAL_AND_SAVE_EVERY,
        max_length=MAX_LENGTH,
        seed=spec.seed if spec.seed is not None else 42,
        bf16=on_gpu and torch.cuda.is_bf16_supported(),
        use_cpu=not on_gpu,
        gradient_checkpointing=on_gpu,
        report_to="none",
        disable_tqdm=True,
    )
    trainer = SFTTrainer(
        model=model,
        args=config,
        train_dataset=Dataset.from_list(train_examples),
        eval_dataset=Dataset.from_list(validation) if validation else None,
        processing_class=tokenizer,
        peft_config=lora_config(model, knobs.get("lora_rank") or DEFAULT_LORA_RANK),
        callbacks=[progress_callback(folder, progress, events)],
    )
    device = "GPU" if on_gpu else "CPU"
    events.emit(
        f"{EVENT_PREFIX}status-started",
        f"Training on the {device}: {len(train_examples)} examples"
        + (f", {len(validation)} for validation" if validation else ""),
    )
    trainer.train()
    if folder.cancel_requested:
        raise TrainingCancelled
    trained: Any = trainer.model  # the base model wrapped with its LoRA adapter
    trained.save_pretrained(folder.adapter_dir)
    tokenizer.save_pretrained(folder.adapter_dir)
    merged_path = None
    if spec.merge:
        merged = trained.merge_and_unload()
        merged.save_pretrained(folder.merged_dir)
        tokenizer.save_pretrained(folder.merged_dir)
        merged_path = str(folder.merged_dir)
    events.emit(f"{EVENT_PREFIX}status-succeeded", f"Training finished; adapter saved as {spec.model_name}")
    progress.update(status=JobStatus.SUCCEEDED, adapter_path=str(folder.adapter_dir), merged_path=merged_path)


def run(folder: RunFolder, engine: Engine) -> int:
    """Train the run in `folder`; the exit code is 0 on success, 1 on failure or cancel."""
    progress = Progress(folder)
    spec = folder.read_spec()
    events = EventSink(engine, spec.job_id)
    try:
        train(folder, spec, progress, events)
    except TrainingCancelled:  # the last event goes in before the final status, which ends the polling
        events.emit(
            f"{EVENT_PREFIX}status-cancelled", f"Cancelled at step {progress.status.step}", level="warning"
        )
        progress.update(status=JobStatus.CANCELLED)
        return 1
    except Exception as exc:  # noqa: BLE001 - every failure must end as the job's error
        message = str(exc) if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}"
        logger.exception("training failed")
        events.emit(f"{EVENT_PREFIX}status-failed", f"Training failed: {message}", level="error")
        progress.update(status=JobStatus.FAILED, error=message)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    from core.db import make_engine

    parser = argparse.ArgumentParser(description="Train a LoRA adapter for one local fine-tuning job.")
    parser.add_argument("run_dir", type=Path, help="the job's run folder (holds spec.json)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        from core.config import get_settings

        database_url = get_settings().database_url
    engine = make_engine(database_url)
    try:
        return run(RunFolder(args.run_dir.resolve()), engine)
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
