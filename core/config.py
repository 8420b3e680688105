"""Settings: every knob of Bloomtune, declared once with its help text.

In: environment variables, then an optional `.env` file, then `.streamlit/secrets.toml` (top-level keys), all
relative to the working directory; the first that sets a value wins.
Out: a validated, immutable `Settings` object from `get_settings()`.

Each field's `description` is the documentation; the README's settings table lists every field
(a test checks it). Outside development mode a placeholder secret refuses to load.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from core.errors import ConfigError

PLACEHOLDER_SECRET = "change-me"
DEFAULT_DATABASE_URL = "sqlite:///./data/bloomtune.db"
SECRETS_TOML = Path(".streamlit/secrets.toml")


class Settings(BaseSettings):
    """Bloomtune's configuration, read from the environment."""

    model_config = SettingsConfigDict(
        env_file=".env", toml_file=SECRETS_TOML, extra="ignore", frozen=True, case_sensitive=False
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, dotenv_settings, TomlConfigSettingsSource(settings_cls))

    # -- core --------------------------------------------------------------------------------------
    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL of the database: the embedded SQLite file by default, "
        "or `postgresql+psycopg://user@host:5432/db`.",
    )
    dev_mode: bool = Field(
        False,
        description="Development mode: signs in a demo admin without a password and shows a banner. "
        "Never switch it on for real data.",
    )
    dev_mode_force: bool = Field(
        False,
        description="Allow development mode on a PostgreSQL database (normally refused there, because "
        "PostgreSQL means a production database). Only for a throw-away server.",
    )
    lifecycle_today: date | None = Field(
        None,
        description="Development mode only: the date (YYYY-MM-DD) the model lifecycle takes as today — which "
        "base models may still be fine-tuned, the retirement countdown, whether a candidate may go live — "
        "instead of today's UTC date. For demos and tests of a vendor's cut-off; refused outside "
        "development mode.",
    )
    pseudonym_key: SecretStr = Field(
        SecretStr(PLACEHOLDER_SECRET),
        description="Secret key for the keyed hash (HMAC-SHA256) that pseudonymises end-user ids at ingest. "
        "Required outside development mode; changing it breaks the link to earlier pseudonyms.",
    )
    import_batch_size: int = Field(
        25_000,
        ge=1,
        le=100_000,
        description="Records per database transaction during import: larger imports faster (fewer commits "
        "rewrite the same index pages), while other writers wait longer for each transaction.",
    )
    scrub_pii_on_ingest: bool = Field(
        True,
        description="Replace personal data (emails, phone numbers, introduced names, dates of birth, street "
        "addresses, profile URLs, handles) with typed placeholders such as `<EMAIL>` before an interaction is "
        "stored, on every ingest path. Found personal data is flagged on the interaction either way; while "
        "un-scrubbed flagged examples remain, the training-readiness gate fails.",
    )

    # -- sign-in (DESIGN.md §8) --------------------------------------------------------------------------
    login_max_failures: int = Field(
        5, ge=1, description="Wrong passwords in a row that lock a local account."
    )
    login_lockout_minutes: int = Field(15, ge=1, description="Minutes a locked local account stays locked.")
    session_ttl_minutes: int = Field(
        480, ge=1, description="Minutes a dashboard sign-in lasts before the password is asked again."
    )

    dashboard_cache_seconds: int = Field(
        300,
        ge=0,
        description="Seconds the dashboard reuses heavy aggregates (success metrics, experiment analyses, "
        "engagement, costs) between page views; 0 recomputes on every view.",
    )

    # -- success-metric targets (DESIGN.md §7) ------------------------------------------------------
    target_satisfaction: float = Field(
        4.0, ge=1, le=5, description="Target mean user rating (stars, 1-5); below it is a breach."
    )
    target_p95_latency_ms: float = Field(
        2000, gt=0, description="Target 95th-percentile response time in milliseconds; above it is a breach."
    )
    target_success_rate: float = Field(
        0.99, ge=0, le=1, description="Target share of chatbot calls that succeed; below it is a breach."
    )
    target_cost_per_interaction_usd: float = Field(
        0.01, ge=0, description="Target inference cost per interaction in USD; above it is a breach."
    )
    target_medical_accuracy: float = Field(
        0.95,
        ge=0,
        le=1,
        description="Target share of clinician-reviewed answers judged accurate; below it is a breach.",
    )

    breach_webhook_url: SecretStr | None = Field(
        None,
        description="Optional webhook (e.g. a Slack or Teams incoming webhook) that receives one JSON message "
        "per new success-metric breach from `bloomtune alerts check` (posted again only after the metric "
        "recovers and breaches anew). Treated as a secret: never logged or shown.",
    )

    # -- training readiness (DESIGN.md §5) ----------------------------------------------------------
    readiness_min_examples: int = Field(
        100, ge=1, description="Unique high-quality examples needed before training is allowed."
    )
    readiness_min_per_topic: int = Field(
        5, ge=0, description="High-quality examples needed in every core topic."
    )
    near_duplicate_threshold: float = Field(
        0.8,
        gt=0,
        lt=1,
        description="Estimated Jaccard similarity (of word 3-shingles, by MinHash) at which two interactions "
        "count as near duplicates in `bloomtune duplicates scan`.",
    )
    readiness_validation_sample: int = Field(
        5_000,
        ge=1,
        description="Most would-be training examples the readiness gate builds and validates (the newest "
        "first); a dataset build validates all of its examples.",
    )

    # -- dataset builds (DESIGN.md §5) ---------------------------------------------------------------
    dataset_system_prompt: str = Field(
        "You are a supportive menstrual-health assistant. Give accurate, kind, non-judgmental information "
        "and recommend seeing a clinician for anything that may need medical care.",
        description="System prompt put in front of every training example (a build may override it); "
        "stored with each dataset version.",
    )
    dataset_max_context_tokens: int = Field(
        4096,
        ge=64,
        description="Token budget of one training example: earlier turns of a conversation are kept, "
        "newest first, while the example fits.",
    )

    # -- collector API and chat gateway (`bloomtune serve`) -------------------------------------------
    collector_rate_limit_per_minute: int = Field(
        6000,
        ge=0,
        description="Requests per minute one app key may make to the collector API (a token bucket that "
        "allows bursts of this size); 0 turns the limit off. Counted per server process, so with "
        "`--workers N` the effective limit is up to N times this.",
    )
    gateway_timeout_seconds: float = Field(
        60.0,
        gt=0,
        description="Seconds the chat gateway waits for the upstream model server to answer (for each read "
        "of a streamed answer) before it gives up with 504.",
    )
    gateway_route_cache_seconds: float = Field(
        2.0,
        ge=0,
        description="Seconds the chat gateway keeps which experiment runs and which model is live before "
        "reading them again (0: every call); a started or stopped experiment applies within this time.",
    )
    gateway_connect_timeout_seconds: float = Field(
        5.0, gt=0, description="Seconds the chat gateway waits to connect to the upstream model server."
    )

    # -- provider credentials (never stored in the database, never logged) --------------------------
    openai_api_key: SecretStr | None = Field(None, description="OpenAI API key for fine-tuning and chat.")
    openai_base_url: str | None = Field(
        None, description="Override of the OpenAI API base URL (a proxy or a compatible server)."
    )
    azure_openai_api_key: SecretStr | None = Field(None, description="Azure OpenAI API key.")
    azure_openai_endpoint: str | None = Field(
        None, description="Azure OpenAI resource endpoint, e.g. `https://NAME.openai.azure.com`."
    )
    azure_openai_api_version: str = Field(
        "2025-04-01-preview", description="Azure OpenAI API version used by the SDK."
    )
    google_cloud_project: str | None = Field(None, description="Google Cloud project for Vertex AI tuning.")
    google_cloud_location: str = Field(
        "us-central1", description="Vertex AI region (`global` for the global endpoint)."
    )
    vertex_base_url: str | None = Field(
        None,
        description="Override of the Vertex AI API root the chat gateway calls (default "
        "`https://LOCATION-aiplatform.googleapis.com`), e.g. a Private Service Connect endpoint.",
    )
    vertex_gcs_bucket: str | None = Field(
        None, description="GCS bucket (`gs://…`) where Vertex AI training files are uploaded."
    )
    vertex_access_token: SecretStr | None = Field(
        None,
        description="A short-lived OAuth access token for Vertex AI tuning (e.g. `gcloud auth "
        "print-access-token`), used instead of Application Default Credentials when set. Cloud Storage "
        "uploads honour `STORAGE_EMULATOR_HOST` for a local emulator.",
    )

    # -- local fine-tuning (provider `local`, needs the `local` extra) ---------------------------------------
    models_dir: Path = Field(
        Path("./data/models"),
        description="Folder of the local LoRA training runs: one `job-<id>` folder per job with the "
        "uploaded data, the training log, checkpoints and the trained adapter (`adapter/`).",
    )
    local_serve_base_url: str = Field(
        "http://127.0.0.1:8000/v1",
        description="OpenAI-compatible base URL (vLLM, Ollama, llama.cpp server) that serves locally "
        "trained models; recorded in the registry as their endpoint.",
    )
    local_merge_adapter: bool = Field(
        False,
        description="Also save each locally trained model with its LoRA adapter merged into the base "
        "weights (`merged/`), for servers that cannot load adapters.",
    )

    # -- fine-tuning worker (`bloomtune worker`) --------------------------------------------------------
    provider_timeout_seconds: float = Field(
        60.0, gt=0, description="Seconds a fine-tuning provider call may take before it counts as a timeout."
    )
    finetune_poll_seconds: float = Field(
        30.0, gt=0, description="Seconds between two polls of a running fine-tuning job."
    )
    finetune_max_backoff_seconds: float = Field(
        900.0,
        gt=0,
        description="Longest wait between retries after a provider error (the wait doubles per failure).",
    )

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if not self.dev_mode and self.pseudonym_key.get_secret_value() in ("", PLACEHOLDER_SECRET):
            raise ConfigError(
                "PSEUDONYM_KEY is not set (it still holds the placeholder). Set it to a long random value, "
                "e.g. `export PSEUDONYM_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')`, "
                "or set DEV_MODE=1 for a local demo."
            )
        return self

    @model_validator(mode="after")
    def _refuse_a_pinned_date_outside_development(self) -> Settings:
        if not self.dev_mode and self.lifecycle_today is not None:
            raise ConfigError(
                "LIFECYCLE_TODAY is set outside development mode; it only pins the date of lifecycle checks "
                "in development mode (DEV_MODE=1). Unset it."
            )
        return self


def provider_status(settings: Settings) -> dict[str, bool]:
    """Which providers have credentials configured: names and yes/no only, never a key or its length."""
    return {
        "OpenAI": settings.openai_api_key is not None,
        "Azure OpenAI": settings.azure_openai_api_key is not None
        and settings.azure_openai_endpoint is not None,
        "Vertex AI": settings.google_cloud_project is not None and settings.vertex_gcs_bucket is not None,
    }


def check_dev_mode(settings: Settings) -> None:
    """Raise `ConfigError` when development mode (a password-less admin) points at a production database."""
    if settings.dev_mode and settings.database_url.startswith("postgresql") and not settings.dev_mode_force:
        raise ConfigError(
            "development mode is refused on a PostgreSQL database (a production database): it would sign "
            "in an admin without a password. Unset DEV_MODE, or set DEV_MODE_FORCE=1 for a throw-away server."
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    try:
        return Settings()
    except ConfigError:
        raise
    except ValueError as exc:  # pydantic.ValidationError: name the offending variables in one line
        raise ConfigError(f"invalid settings: {_one_line(exc)}") from None


def _one_line(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if errors is None:
        return str(exc).splitlines()[0]
    parts = []
    for err in errors():
        field = ".".join(str(p) for p in err.get("loc", ())).upper() or "settings"
        parts.append(f"{field}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)
