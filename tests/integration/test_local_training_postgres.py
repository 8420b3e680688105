"""The local training process on a real PostgreSQL: the same tiny run as on SQLite, its events written by the
training process into the server's database over its own connection."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.local_training import require_local_extra

require_local_extra()

from core.config import Settings  # noqa: E402
from core.providers.local import LocalProvider  # noqa: E402
from tests.local_training import build_tiny_model, train_and_check  # noqa: E402


def test_trains_an_adapter_on_postgres(
    pg_session: Session, pg_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    tiny_model = build_tiny_model(tmp_path / "tiny-llama")
    provider = LocalProvider.from_settings(
        pg_settings.model_copy(update={"models_dir": tmp_path / "models", "local_merge_adapter": True})
    )
    train_and_check(provider, pg_session, tiny_model, tmp_path)
