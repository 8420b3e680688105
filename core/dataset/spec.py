"""What a dataset build selects and how it shapes the examples: the `DatasetSpec`.

In: the filters an admin chose (from the page, the CLI or a script). Out: a validated, immutable spec whose
`resolved()` copy fills the defaults from settings (system prompt, context budget), so the spec stored with a
dataset version says exactly how it was built.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.config import Settings
from core.vocab import CORE_TOPICS

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"


class DatasetSpec(BaseModel):
    """Filters and shaping of one dataset build (every field has a safe default except the name)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME_PATTERN, description="Dataset name; versions count up per name.")
    min_rating: int = Field(4, ge=1, le=5, description="Lowest user star rating that qualifies an answer.")
    approved_only: bool = Field(False, description="Only answers a reviewer approved.")
    since: date | None = Field(None, description="First day of interactions to include.")
    until: date | None = Field(None, description="Last day of interactions to include.")
    topics: tuple[str, ...] = Field((), description="Only interactions tagged with one of these topics.")
    models: tuple[str, ...] = Field((), description="Only answers from these models.")
    system_prompt: str | None = Field(None, description="System prompt; the setting's when empty.")
    max_context_tokens: int | None = Field(
        None, ge=64, le=1_000_000, description="Token budget per example; the setting's when empty."
    )
    validation_share: float = Field(0.1, ge=0, lt=0.5, description="Share held out for validation.")
    seed: int = Field(0, ge=0, description="Seed of the train/validation split and the example order.")

    @field_validator("topics")
    @classmethod
    def _known_topics(cls, topics: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(topics) - set(CORE_TOPICS))
        if unknown:
            raise ValueError(f"unknown topics {unknown}; choose from {', '.join(CORE_TOPICS)}")
        return tuple(sorted(set(topics)))

    @field_validator("models")
    @classmethod
    def _clean_models(cls, models: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted({m.strip() for m in models if m.strip()}))

    @field_validator("system_prompt")
    @classmethod
    def _blank_is_default(cls, prompt: str | None) -> str | None:
        return prompt.strip() or None if prompt is not None else None

    @model_validator(mode="after")
    def _ordered_dates(self) -> DatasetSpec:
        if self.since and self.until and self.since > self.until:
            raise ValueError("`since` is after `until`")
        return self

    def resolved(self, settings: Settings) -> DatasetSpec:
        """This spec with the settings' defaults written in."""
        return self.model_copy(
            update={
                "system_prompt": self.system_prompt or settings.dataset_system_prompt,
                "max_context_tokens": self.max_context_tokens or settings.dataset_max_context_tokens,
            }
        )

    @property
    def start(self) -> datetime | None:
        return datetime.combine(self.since, time()) if self.since else None

    @property
    def end(self) -> datetime | None:
        """Midnight after `until` (exclusive)."""
        return datetime.combine(self.until + timedelta(days=1), time()) if self.until else None
