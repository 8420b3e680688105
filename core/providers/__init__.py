"""Fine-tuning providers behind one interface (`core.providers.base.Provider`).

In: a provider name and the settings. Out: `get_provider()` builds the implementation, importing its SDK only
when it is asked for (the local LoRA trainer's heavy dependencies stay optional).
"""

from __future__ import annotations

from importlib import import_module

from core.config import Settings
from core.errors import InputError
from core.providers.base import Provider

PROVIDERS: dict[str, str] = {
    "openai": "core.providers.openai_ft:OpenAIProvider",
    "azure": "core.providers.openai_ft:AzureOpenAIProvider",
    "vertex": "core.providers.vertex:VertexProvider",
    "local": "core.providers.local:LocalProvider",
}


def get_provider(name: str, settings: Settings) -> Provider:
    """The provider called `name`, built from `settings` (raises `ConfigError` when credentials are missing)."""
    target = PROVIDERS.get(name)
    if target is None:
        raise InputError(f"unknown provider {name!r}; choose one of: {', '.join(PROVIDERS)}")
    module_name, _, class_name = target.partition(":")
    cls: type[Provider] = getattr(import_module(module_name), class_name)
    return cls.from_settings(settings)
