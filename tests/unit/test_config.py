"""Settings: documented once, listed in the README, placeholder secrets refused outside development."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.config import PLACEHOLDER_SECRET, Settings, get_settings
from core.errors import ConfigError
from core.finetune.catalogue import lifecycle_today

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_has_help_text_and_is_listed_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        assert field.description, f"{name} has no help text"
        assert f"`{name.upper()}`" in readme, f"README does not list {name.upper()}"


def test_placeholder_key_is_refused_outside_development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("DEV_MODE", raising=False)
    with pytest.raises(ConfigError, match="PSEUDONYM_KEY"):
        Settings()
    with pytest.raises(ConfigError, match="PSEUDONYM_KEY"):
        Settings(pseudonym_key="")  # type: ignore[arg-type]
    assert Settings(dev_mode=True).pseudonym_key.get_secret_value() == PLACEHOLDER_SECRET
    assert Settings(pseudonym_key="a-real-secret").dev_mode is False  # type: ignore[arg-type]


def test_the_lifecycle_date_is_pinned_only_in_development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEV_MODE", raising=False)
    monkeypatch.setenv("LIFECYCLE_TODAY", "2027-01-07")
    with pytest.raises(ConfigError, match="LIFECYCLE_TODAY"):
        Settings(pseudonym_key="a-real-secret")  # type: ignore[arg-type]
    assert lifecycle_today(Settings(dev_mode=True)) == date(2027, 1, 7)


def test_environment_and_secrets_toml_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".streamlit").mkdir()
    secrets = tmp_path / ".streamlit" / "secrets.toml"
    secrets.write_text('PSEUDONYM_KEY = "from-toml"\nOPENAI_API_KEY = "sk-x"\n')
    monkeypatch.delenv("PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("TARGET_SATISFACTION", "4.5")
    settings = Settings()
    assert settings.pseudonym_key.get_secret_value() == "from-toml"
    assert settings.openai_api_key is not None and "sk-x" not in repr(settings)
    assert settings.target_satisfaction == 4.5
    monkeypatch.setenv("PSEUDONYM_KEY", "from-env")
    assert Settings().pseudonym_key.get_secret_value() == "from-env"


def test_invalid_values_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEV_MODE", "1")
    monkeypatch.setenv("TARGET_SUCCESS_RATE", "2")
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigError, match="TARGET_SUCCESS_RATE"):
            get_settings()
    finally:
        get_settings.cache_clear()
