"""Request and response bodies of the collector API, as pydantic models (they make the OpenAPI schema).

In: JSON bodies. Out: validated objects for the routes; anything malformed is a 422 naming the field.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.collector.ingest import MAX_BATCH_RECORDS


class InteractionBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    records: list[Any] = Field(
        max_length=MAX_BATCH_RECORDS,
        description="Interactions in the native format (`id`, `conversation_id`, `user_id`, `created_at`, "
        "`messages`, `model`, `latency_ms`, `prompt_tokens`, `completion_tokens`, `status`, `rating`, "
        "`thumbs`, `feedback`, `variant`, …). A bad record is rejected alone.",
        json_schema_extra={"items": {"type": "object"}},
    )


class RecordOutcome(BaseModel):
    index: int = Field(description="Position of the record in the batch.")
    id: str | None = Field(description="The record's id (generated from its content when it had none).")
    status: Literal["accepted", "duplicate", "rejected"]
    reason: str | None = Field(None, description="Why a record was rejected.")


class BatchOutcome(BaseModel):
    accepted: int
    duplicates: int
    rejected: int
    results: list[RecordOutcome]


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    interaction_id: str = Field(min_length=1, max_length=64)
    stars: int | None = Field(None, ge=1, le=5)
    thumbs: Literal["up", "down"] | None = None
    comment: str | None = Field(None, max_length=5000)

    @model_validator(mode="after")
    def _says_something(self) -> FeedbackIn:
        if self.stars is None and self.thumbs is None and not self.comment:
            raise ValueError("give stars, thumbs or a comment")
        return self


class FeedbackOut(BaseModel):
    interaction_id: str
    rating_id: int


class AssignmentOut(BaseModel):
    experiment: str
    arm: Literal["control", "treatment"]
    model: str
    status: str = Field(description="The experiment's status; `running` means the arm is the user's hash.")


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    """An OpenAI chat-completions request; unknown fields (temperature, max_tokens, …) are forwarded."""

    model_config = ConfigDict(extra="allow")

    messages: list[ChatMessage] = Field(min_length=1, max_length=1000)
    model: str | None = Field(None, description="Ignored: the gateway routes to the experiment's model.")
    stream: bool = False
    user: str | None = Field(None, max_length=256, description="The end user's id (or send X-User-Id).")

    @model_validator(mode="after")
    def _has_a_user_turn(self) -> ChatRequest:
        if not any(message.role == "user" for message in self.messages):
            raise ValueError("messages need at least one user message")
        return self


class HealthOut(BaseModel):
    status: Literal["ok"]
    database: str
    revision: str | None
