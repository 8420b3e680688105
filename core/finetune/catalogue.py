"""The model catalogue: which base models each provider can fine-tune, and their lifecycle dates (DESIGN.md §1).

In: a provider name, a base model id (an alias, a dated snapshot or an `ft:` model id) and today's date.
Out: `CatalogueEntry` rows, `lookup()`, `retirement_date()` for the registry's countdown,
`check_launchable()`, which refuses a closed or retired model with the date and the reason, and
`lifecycle_today()`, the one date the pages and the CLI pass to lifecycle checks: today in UTC, or the
`LIFECYCLE_TODAY` setting (development mode only) so a demo or a test can stand before or after a cut-off.

Dates are the vendors' published ones (late 2026): OpenAI takes no new fine-tuning jobs after 2027-01-06
(organisations that never fine-tuned have been blocked since 2026-05-07), and fine-tuned gpt-4o, gpt-4o-mini,
gpt-4.1 and gpt-4.1-mini stop serving on 2027-01-14. Gemini tuning exists only on Vertex AI; the Gemini 2.x
models are retired. Open-weight models trained locally have no vendor dates: any local path or hub id is allowed.
Training prices are a reference in USD per million trained tokens; the editable price table wins for estimates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from core.config import Settings
from core.providers.errors import ModelUnavailableError

OPENAI_NO_NEW_JOBS_AFTER = date(2027, 1, 6)
OPENAI_NEW_ORGS_BLOCKED_SINCE = date(2026, 5, 7)
OPENAI_FT_SERVING_ENDS = date(2027, 1, 14)


@dataclass(frozen=True)
class CatalogueEntry:
    provider: str
    model: str  # the id sent to the provider
    label: str
    tunable: bool
    methods: tuple[str, ...] = ("sft",)
    no_new_jobs_after: date | None = None  # last day a job may be created
    retires_on: date | None = None  # the day the base model (or models tuned from it) stop serving
    training_per_1m: float | None = None
    aliases: tuple[str, ...] = ()
    note: str = ""

    def open_on(self, today: date) -> bool:
        """May a new job be launched on `today`?"""
        return (
            self.tunable
            and (self.no_new_jobs_after is None or today <= self.no_new_jobs_after)
            and (self.retires_on is None or today < self.retires_on)
        )


def _openai(model: str, alias: str, training: float, *, dpo: bool, retires: date | None) -> CatalogueEntry:
    return CatalogueEntry(
        provider="openai",
        model=model,
        label=alias,
        tunable=True,
        methods=("sft", "dpo") if dpo else ("sft",),
        no_new_jobs_after=OPENAI_NO_NEW_JOBS_AFTER,
        retires_on=retires,
        training_per_1m=training,
        aliases=(alias,),
        note="OpenAI is closing self-serve fine-tuning; organisations that never fine-tuned are blocked "
        f"since {OPENAI_NEW_ORGS_BLOCKED_SINCE.isoformat()}.",
    )


def _azure(entry: CatalogueEntry) -> CatalogueEntry:
    return CatalogueEntry(
        provider="azure",
        model=entry.model,
        label=entry.label,
        tunable=True,
        methods=entry.methods,
        training_per_1m=entry.training_per_1m,
        aliases=entry.aliases,
        note="Azure OpenAI publishes its own retirement dates per region; check the resource's model page.",
    )


_OPENAI = (
    _openai("gpt-4.1-2025-04-14", "gpt-4.1", 25.0, dpo=True, retires=OPENAI_FT_SERVING_ENDS),
    _openai("gpt-4.1-mini-2025-04-14", "gpt-4.1-mini", 5.0, dpo=True, retires=OPENAI_FT_SERVING_ENDS),
    _openai("gpt-4.1-nano-2025-04-14", "gpt-4.1-nano", 1.5, dpo=True, retires=None),
    _openai("gpt-4o-2024-08-06", "gpt-4o", 25.0, dpo=True, retires=OPENAI_FT_SERVING_ENDS),
    _openai("gpt-4o-mini-2024-07-18", "gpt-4o-mini", 3.0, dpo=False, retires=OPENAI_FT_SERVING_ENDS),
)
_GEMINI_2_RETIRED = "Gemini 2.x models are retired; tune gemini-3.5-flash or gemini-3.5-flash-lite instead."
_VERTEX = (
    CatalogueEntry("vertex", "gemini-3.5-flash", "Gemini 3.5 Flash", True, training_per_1m=5.0),
    CatalogueEntry("vertex", "gemini-3.5-flash-lite", "Gemini 3.5 Flash-Lite", True, training_per_1m=1.5),
    CatalogueEntry("vertex", "gemini-2.5-flash", "Gemini 2.5 Flash", False, note=_GEMINI_2_RETIRED),
    CatalogueEntry("vertex", "gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite", False, note=_GEMINI_2_RETIRED),
    CatalogueEntry("vertex", "gemini-2.5-pro", "Gemini 2.5 Pro", False, note=_GEMINI_2_RETIRED),
    CatalogueEntry("vertex", "gemini-2.0-flash-001", "Gemini 2.0 Flash", False, note=_GEMINI_2_RETIRED),
)
_LOCAL_NOTE = (
    "Open-weight, trained with LoRA on your own hardware: no vendor can close it, data stays on premises."
)
_LOCAL = tuple(
    CatalogueEntry("local", model, model.rsplit("/", 1)[-1], True, training_per_1m=0.0, note=_LOCAL_NOTE)
    for model in (
        "Qwen/Qwen2.5-0.5B-Instruct",
        "Qwen/Qwen2.5-1.5B-Instruct",
        "meta-llama/Llama-3.2-1B-Instruct",
        "google/gemma-3-1b-it",
        "HuggingFaceTB/SmolLM2-135M-Instruct",
    )
)
CATALOGUE: tuple[CatalogueEntry, ...] = (*_OPENAI, *(_azure(e) for e in _OPENAI), *_VERTEX, *_LOCAL)
PROVIDERS: tuple[str, ...] = ("openai", "azure", "vertex", "local")


def lifecycle_today(settings: Settings) -> date:
    """The date lifecycle checks take as today: `LIFECYCLE_TODAY` when set, else today's UTC date."""
    return settings.lifecycle_today or datetime.now(UTC).date()


def entries(provider: str | None = None, *, tunable_only: bool = False) -> list[CatalogueEntry]:
    return [
        entry
        for entry in CATALOGUE
        if (provider is None or entry.provider == provider) and (entry.tunable or not tunable_only)
    ]


def base_of(model: str) -> str:
    """`ft:gpt-4o-mini-2024-07-18:org:suffix:id` -> `gpt-4o-mini-2024-07-18`; other ids unchanged."""
    return model.split(":")[1] if model.startswith("ft:") and model.count(":") >= 1 else model


def lookup(provider: str, model: str) -> CatalogueEntry | None:
    """The entry for `model` at `provider` (by id, alias, `ft:` id or `projects/…/models/NAME` path)."""
    name = base_of(model).rsplit("/", 1)[-1] if provider == "vertex" else base_of(model)
    for entry in entries(provider):
        if name == entry.model or name in entry.aliases:
            return entry
    return None


def retirement_date(provider: str, model: str) -> date | None:
    """When `model` (a base or a tuned model) stops serving, when known."""
    entry = lookup(provider, model)
    return entry.retires_on if entry else None


def check_launchable(provider: str, model: str, *, today: date, method: str = "sft") -> CatalogueEntry:
    """The catalogue entry to launch on, or `ModelUnavailableError` saying why not and since when."""
    entry = lookup(provider, model)
    if entry is None:
        if provider == "local":
            return CatalogueEntry("local", model, model, True, training_per_1m=0.0, note=_LOCAL_NOTE)
        known = ", ".join(e.label for e in entries(provider, tunable_only=True)) or "none"
        raise ModelUnavailableError(
            f"{model} is not a base model {provider} can fine-tune; tunable models: {known}",
            provider=provider,
        )
    if not entry.tunable:
        raise ModelUnavailableError(f"{entry.label} cannot be fine-tuned: {entry.note}", provider=provider)
    if entry.retires_on is not None and today >= entry.retires_on:
        raise ModelUnavailableError(
            f"{entry.label} was retired on {entry.retires_on.isoformat()} (models tuned from it stopped serving "
            "too); choose another base model",
            provider=provider,
        )
    if entry.no_new_jobs_after is not None and today > entry.no_new_jobs_after:
        raise ModelUnavailableError(
            f"{provider} takes no new fine-tuning jobs on {entry.label} after "
            f"{entry.no_new_jobs_after.isoformat()}; train an open-weight model locally or use Vertex AI",
            provider=provider,
        )
    if method not in entry.methods:
        raise ModelUnavailableError(
            f"{entry.label} does not support {method.upper()} fine-tuning (supported: "
            f"{', '.join(m.upper() for m in entry.methods)})",
            provider=provider,
        )
    return entry
