"""Validate a chat fine-tuning JSONL file the way the OpenAI cookbook does, but correctly, and never crash.

In: the lines of a JSONL file as bytes (or a path), optionally the target model and its training price per 1M
tokens. Out: a `ValidationReport` — error counts and line numbers per error key, warnings, the token
distribution with the model's encoding, and the cookbook's epoch, billed-token and cost estimate.

Rules (line numbers are 1-based physical lines of the file):
- A line that is empty or only whitespace is skipped and reported as the `blank_line` warning; it is not an
  example. Every other line is one example.
- An example gets each error key at most once; `errors[key]` is the number of examples with that error and
  `error_lines[key]` their line numbers. An example with any error is left out of the token statistics.
- `invalid_json`: not UTF-8 JSON (NaN, Infinity, lone surrogates and a byte-order mark are not JSON).
  `data_type`: the line, or one of its messages, is not a JSON object. `missing_messages_list`: no non-empty
  `messages` list. `message_missing_key`: a message without `role`, or without `content` (an assistant message
  that carries `tool_calls` or `function_call` may leave `content` out). `message_unrecognized_key`: a key
  other than role, content, name, weight, tool_calls, tool_call_id, function_call. `unrecognized_role`: a role
  other than system, developer, user, assistant, tool, function. `missing_content`: `content` is not a
  non-blank string or a non-empty list of content parts (objects with a string `type`); an assistant message
  with `tool_calls` or `function_call` may have empty or null content. `invalid_weight`: `weight` other than 0
  or 1, or on a non-assistant message. `example_missing_assistant_message`: no assistant message.
- Warnings (`key`, `message`, `count`, `lines`): `blank_line`, `no_system_message` (neither system nor
  developer), `no_user_message`, `too_long` (over the model's per-example token limit; the excess is cut off
  in training and not billed), and file-level notes without lines: `approximate_tokens` (no public tokenizer for
  the model), `unknown_token_limit`, `unknown_price` (the cost is then null).
- Where the cookbook is wrong, this is right: it counts errors per message rather than per example, rejects an
  assistant message whose tool call leaves `content` null, knows neither `developer`/`tool` nor `weight`
  rules, and crashes on a line that is not an object or a message that is not one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.orm import Session

from core.dataset import estimate
from core.dataset.tokens import TokenCounter, Tokenizer, base_model, tokenizer_for
from core.errors import InputError
from core.prices import PriceBook

ERROR_KEYS = (
    "invalid_json",
    "data_type",
    "missing_messages_list",
    "message_missing_key",
    "message_unrecognized_key",
    "unrecognized_role",
    "missing_content",
    "invalid_weight",
    "example_missing_assistant_message",
)
ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
MESSAGE_KEYS = frozenset({"role", "content", "name", "weight", "tool_calls", "tool_call_id", "function_call"})
CHUNK_LINES = 20_000


@dataclass(frozen=True)
class ValidationWarning:
    key: str
    message: str
    lines: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "message": self.message, "count": len(self.lines), "lines": self.lines}


@dataclass
class ValidationReport:
    examples: int
    error_lines: dict[str, list[int]]
    warnings: list[ValidationWarning]
    token_counts: list[int]
    epochs: int | None
    billed_tokens: int
    estimated_cost_usd: float | None
    tokenizer: str

    @property
    def ok(self) -> bool:
        return not self.error_lines

    @property
    def errors(self) -> dict[str, int]:
        return {key: len(lines) for key, lines in self.error_lines.items()}

    def tokens(self) -> dict[str, float | int | None]:
        return token_stats(self.token_counts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "errors": self.errors,
            "error_lines": self.error_lines,
            "warnings": [warning.as_dict() for warning in self.warnings],
            "tokens": self.tokens(),
            "epochs": self.epochs,
            "billed_tokens": self.billed_tokens,
            "estimated_cost_usd": self.estimated_cost_usd,
        }


def validate_file(
    path: str | Path, *, model: str | None = None, training_price_per_1m: float | None = None
) -> ValidationReport:
    """Validate a JSONL file on disk; a missing or unreadable file is an `InputError`."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            return validate_lines(handle, model=model, training_price_per_1m=training_price_per_1m)
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc


def training_price(model: str | None, *, session: Session) -> float | None:
    """The training price per 1M tokens from the price table, or None when it has none.

    Training a fine-tuned model (`ft:BASE:…`) further is billed at its base model's training price.
    """
    price = PriceBook.load(session).lookup(base_model(model))
    return price.training_per_1m if price else None


def validate_lines(
    lines: Iterable[bytes], *, model: str | None = None, training_price_per_1m: float | None = None
) -> ValidationReport:
    """Validate JSONL lines (each a bytes line, with or without its newline).

    An open binary file, or `io.BytesIO(data)` for an upload, yields exactly these lines (split at `\n` only).
    """
    tokenizer = tokenizer_for(model)
    counter = TokenCounter(tokenizer.encoding)
    error_lines: dict[str, list[int]] = {}
    line_warnings: dict[str, list[int]] = {"blank_line": [], "no_system_message": [], "no_user_message": []}
    counts: list[int] = []
    counted_lines: list[int] = []
    examples = 0
    for chunk in _chunks(enumerate(lines, start=1)):
        valid: list[list[dict[str, Any]]] = []
        for number, raw in chunk:
            if not raw or raw.isspace():
                line_warnings["blank_line"].append(number)
                continue
            examples += 1
            messages, found = check_example(raw)
            for key in found:
                error_lines.setdefault(key, []).append(number)
            if messages is None or found:
                continue
            roles = {message.get("role") for message in messages}
            if "system" not in roles and "developer" not in roles:
                line_warnings["no_system_message"].append(number)
            if "user" not in roles:
                line_warnings["no_user_message"].append(number)
            valid.append(messages)
            counted_lines.append(number)
        counts.extend(counter.count(valid))
    return _report(
        examples,
        {key: error_lines[key] for key in ERROR_KEYS if key in error_lines},
        line_warnings,
        counts,
        counted_lines,
        tokenizer,
        training_price_per_1m,
    )


def check_example(raw: bytes) -> tuple[list[dict[str, Any]] | None, set[str]]:
    """One line's messages (None when unusable) and the set of error keys it breaks."""
    try:
        example = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None, {"invalid_json"}
    if not isinstance(example, dict):
        return None, {"data_type"}
    messages = example.get("messages")
    if not isinstance(messages, list) or not messages:
        return None, {"missing_messages_list"}
    found: set[str] = set()
    has_assistant = False
    for message in messages:
        if _plain_message(message):  # the common case, checked without building anything
            has_assistant = has_assistant or message["role"] == "assistant"
        elif not isinstance(message, dict):
            found.add("data_type")
        else:
            has_assistant = _check_message(message, found) or has_assistant
    if not has_assistant:
        found.add("example_missing_assistant_message")
    return messages, found


def _plain_message(message: Any) -> bool:
    """A `{"role": <known role>, "content": <non-blank text>}` message: valid without further checks."""
    if type(message) is not dict or len(message) != 2:
        return False
    role, content = message.get("role"), message.get("content")
    return (
        type(role) is str
        and role in ROLES
        and type(content) is str
        and bool(content)
        and not content.isspace()
    )


def _check_message(message: dict[str, Any], found: set[str]) -> bool:
    """Add the message's error keys to `found`; True when it is an assistant message."""
    role = message.get("role")
    if "role" not in message:
        found.add("message_missing_key")
    elif not isinstance(role, str) or role not in ROLES:
        found.add("unrecognized_role")
    if not MESSAGE_KEYS.issuperset(message):
        found.add("message_unrecognized_key")
    is_assistant = role == "assistant"
    calls_tools = is_assistant and _calls_tools(message)
    if "content" not in message:
        if not calls_tools:
            found.add("message_missing_key")
    elif not (_has_content(message["content"]) or (calls_tools and _empty_content(message["content"]))):
        found.add("missing_content")
    if "weight" in message and not (is_assistant and _valid_weight(message["weight"])):
        found.add("invalid_weight")
    return is_assistant


def _calls_tools(message: dict[str, Any]) -> bool:
    tool_calls, function_call = message.get("tool_calls"), message.get("function_call")
    return (isinstance(tool_calls, list) and bool(tool_calls)) or (
        isinstance(function_call, dict) and bool(function_call)
    )


def _has_content(content: Any) -> bool:
    if isinstance(content, str):
        return bool(content) and not content.isspace()
    if isinstance(content, list):
        return bool(content) and all(
            isinstance(part, dict) and isinstance(part.get("type"), str) for part in content
        )
    return False


def _empty_content(content: Any) -> bool:
    return content is None or content == "" or content == []


def _valid_weight(weight: Any) -> bool:
    return not isinstance(weight, bool) and isinstance(weight, int | float) and weight in (0, 1)


def _chunks(numbered: Iterator[tuple[int, bytes]]) -> Iterator[list[tuple[int, bytes]]]:
    chunk: list[tuple[int, bytes]] = []
    for item in numbered:
        chunk.append(item)
        if len(chunk) >= CHUNK_LINES:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _report(
    examples: int,
    error_lines: dict[str, list[int]],
    line_warnings: dict[str, list[int]],
    counts: list[int],
    counted_lines: list[int],
    tokenizer: Tokenizer,
    price: float | None,
) -> ValidationReport:
    limit = estimate.example_token_limit(tokenizer.base_model)
    too_long = [
        line for line, n in zip(counted_lines, counts, strict=True) if limit is not None and n > limit
    ]
    epochs = estimate.default_epochs(len(counts))
    billed = estimate.billed_tokens(counts, limit)
    warnings = [
        ValidationWarning(key, _LINE_WARNINGS[key].format(limit=limit), lines)
        for key, lines in (*line_warnings.items(), ("too_long", too_long))
        if lines
    ]
    warnings += _file_warnings(tokenizer, limit, price)
    return ValidationReport(
        examples=examples,
        error_lines=error_lines,
        warnings=warnings,
        token_counts=counts,
        epochs=epochs,
        billed_tokens=billed,
        estimated_cost_usd=estimate.training_cost(billed, epochs, price),
        tokenizer=tokenizer.label,
    )


_LINE_WARNINGS = {
    "blank_line": "blank line skipped (not an example)",
    "no_system_message": "example has no system (or developer) message",
    "no_user_message": "example has no user message",
    "too_long": "example is over the model's limit of {limit} tokens per example; the rest is cut off",
}


def _file_warnings(tokenizer: Tokenizer, limit: int | None, price: float | None) -> list[ValidationWarning]:
    model = tokenizer.base_model
    warnings = []
    if not tokenizer.exact:
        warnings.append(ValidationWarning("approximate_tokens", f"token counts use {tokenizer.label}"))
    if limit is None:
        warnings.append(
            ValidationWarning(
                "unknown_token_limit", f"no per-example token limit known for {model or 'no model'}"
            )
        )
    if price is None:
        warnings.append(
            ValidationWarning(
                "unknown_price",
                f"no training price known for {model or 'no model'}; give one to estimate the cost",
            )
        )
    return warnings


def token_stats(counts: list[int]) -> dict[str, float | int | None]:
    """min, mean, p50, p90, max and total of the examples' token counts (None when there are none).

    Percentiles interpolate linearly between closest ranks, as numpy.quantile (the cookbook's) does.
    """
    if not counts:
        return {"min": None, "mean": None, "p50": None, "p90": None, "max": None, "total": 0}
    ordered = sorted(counts)
    total = sum(ordered)
    return {
        "min": ordered[0],
        "mean": round(total / len(ordered), 2),
        "p50": _quantile(ordered, 0.5),
        "p90": _quantile(ordered, 0.9),
        "max": ordered[-1],
        "total": total,
    }


def _quantile(ordered: list[int], q: float) -> float:
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 2)
