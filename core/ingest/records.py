"""Parsing of one incoming record, in any of the import formats, into a normalised `Record`.

In: a decoded JSON object (openai or native format) or a CSV row (dict of strings).
Out: a validated `Record`, or `RecordError` with a one-line reason fit for the import report.

Formats (DESIGN.md §4):
- openai: `{"messages": [...], "rating"?, "thumbs"?, "feedback"?, "metadata"?: {user_id, model, …}}`
- native: the interaction fields at top level (`id`, `conversation_id`, `user_id`, `messages`, …)
- csv: `user_message`, `assistant_message`, `rating`, `created_at`, `model`, … with a header row.
A record without an `id` gets a deterministic one from its content, so importing it again is a no-op.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from typing_extensions import TypedDict

from core.vocab import INTERACTION_STATUSES

Format = Literal["auto", "openai", "native", "csv"]
FORMATS: tuple[str, ...] = ("auto", "openai", "native", "csv")
_ID_NAMESPACE = uuid.UUID("6b9a4c52-5a0e-4c1f-9d43-3f0b3b1e8a10")
_NATIVE_KEYS = frozenset({"id", "conversation_id", "user_id", "created_at", "status"})
_METADATA_FIELDS = (
    "user_id",
    "conversation_id",
    "created_at",
    "model",
    "provider",
    "experiment",
    "variant",
    "latency_ms",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
    "app_version",
    "locale",
)


class RecordError(ValueError):
    """A record that cannot be stored; `str()` is the reason shown to the user."""


Role = Literal["system", "developer", "user", "assistant", "tool"]


class Message(TypedDict):
    """One chat turn; extra keys (name, tool_calls…) are dropped at ingest."""

    role: Role
    content: str


class Record(BaseModel):
    """One interaction as every ingest path hands it to the writer."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=64)
    conversation_id: str | None = Field(None, max_length=64)
    user_id: str | None = None
    created_at: datetime | None = None
    status: str = "ok"
    messages: list[Message] = Field(min_length=1)
    model: str | None = Field(None, max_length=200)
    provider: str | None = Field(None, max_length=32)
    experiment: str | None = Field(None, max_length=100)
    variant: str | None = Field(None, max_length=50)
    latency_ms: int | None = Field(None, ge=0)
    prompt_tokens: int | None = Field(None, ge=0)
    completion_tokens: int | None = Field(None, ge=0)
    cost_usd: float | None = Field(None, ge=0)
    error_code: str | None = Field(None, max_length=64)
    rating: int | None = Field(None, ge=1, le=5)
    thumbs: Literal["up", "down"] | None = None
    feedback: str | None = None
    app_version: str | None = Field(None, max_length=32)
    locale: str | None = Field(None, max_length=16)

    @field_validator("user_id", "conversation_id", "id", mode="before")
    @classmethod
    def _ids_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("created_at")
    @classmethod
    def _naive_utc(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        return value

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str) -> str:
        if value not in INTERACTION_STATUSES:
            raise ValueError("must be 'ok' or 'error'")
        return value

    @field_validator("messages")
    @classmethod
    def _has_a_question_and_an_answer(cls, messages: list[Message], info: ValidationInfo) -> list[Message]:
        if not any(m["role"] == "user" for m in messages):
            raise ValueError("there is no user message")
        if info.data.get("status", "ok") == "ok" and messages[-1]["role"] != "assistant":
            raise ValueError("the last message must be the assistant's answer")
        return messages

    @property
    def user_message(self) -> str:
        """The user's last question before the answer."""
        return next(m["content"] for m in reversed(self.messages) if m["role"] == "user")

    @property
    def assistant_message(self) -> str:
        last = self.messages[-1]
        return last["content"] if last["role"] == "assistant" else ""


def parse_json_line(raw: bytes | str, fmt: Format) -> Record:
    """Decode one JSONL line and parse it in `fmt` (`auto` picks openai or native per record)."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise RecordError(f"invalid JSON: {str(exc).split(':')[0]}") from None
    if not isinstance(obj, dict):
        raise RecordError(f"expected a JSON object, got {type(obj).__name__}")
    if fmt == "auto":
        fmt = "native" if _NATIVE_KEYS & obj.keys() else "openai"
    if fmt == "openai":
        return parse_openai(obj)
    if fmt == "native":
        return parse_native(obj)
    raise RecordError(f"format {fmt!r} cannot read JSON lines")


def parse_openai(obj: dict[str, Any]) -> Record:
    meta = obj.get("metadata") or {}
    if not isinstance(meta, dict):
        raise RecordError("metadata: must be a JSON object")
    fields = {key: meta[key] for key in _METADATA_FIELDS if key in meta}
    fields.update({key: obj[key] for key in ("messages", "rating", "thumbs", "feedback") if key in obj})
    return _validate(fields, obj)


def parse_native(obj: dict[str, Any]) -> Record:
    return _validate(dict(obj), obj)


def parse_csv_row(row: dict[str, str | None]) -> Record:
    """A CSV row: one question and its answer, optional system prompt and metadata columns."""
    values: dict[str, Any] = {
        key.strip(): value for key, value in row.items() if key and value not in (None, "")
    }
    question, answer = values.pop("user_message", None), values.pop("assistant_message", None)
    if not question:
        raise RecordError("user_message: the column is empty")
    if not answer and values.get("status", "ok") == "ok":
        raise RecordError("assistant_message: the column is empty")
    system = values.pop("system_prompt", None)
    messages: list[dict[str, str]] = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": question})
    if answer:
        messages.append({"role": "assistant", "content": answer})
    values["messages"] = messages
    return _validate(values, row)


def _validate(fields: dict[str, Any], source: Any) -> Record:
    if "id" not in fields or fields["id"] in (None, ""):
        fields["id"] = content_id(source)
    try:
        return Record.model_validate(fields)
    except ValidationError as exc:
        raise RecordError(_describe(exc)) from None


def content_id(source: Any) -> str:
    """A deterministic UUID from a record's canonical JSON: the same content, the same id."""
    try:
        canonical = orjson.dumps(source, option=orjson.OPT_SORT_KEYS)
    except TypeError as exc:  # e.g. an integer beyond 64 bits, which JSON allows but orjson cannot write
        raise RecordError(f"cannot derive an id from the record: {exc}") from None
    return uuid5_text(_ID_NAMESPACE, hashlib.sha256(canonical).hexdigest())


def uuid5_text(namespace: uuid.UUID, name: str) -> str:
    """`str(uuid.uuid5(namespace, name))`, without building the `UUID` object (a third of the time; the
    import derives an id for every record that has none)."""
    digest = bytearray(hashlib.sha1(namespace.bytes + name.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    text = digest.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _describe(exc: ValidationError) -> str:
    reasons: list[str] = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(part) for part in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            message = "is required"
        reasons.append(message if message.startswith(f"{loc}:") or not loc else f"{loc}: {message}")
    return "; ".join(dict.fromkeys(reasons))
