"""Breach alerts: each breach is posted once until its metric recovers; failed posts are retried; the
webhook's secret never reaches the log; `bloomtune alerts check --json` reports what it did.

In: the per-test SQLite database with satisfaction below its target (the only breach), a fake `post` or a
real HTTP receiver on 127.0.0.1. Out: the messages posted and the report.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import orjson
import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.alerts import notify_breaches
from core.auth import Principal
from core.config import Settings
from core.models import NotifiedBreach
from core.targets import reset_target, set_target
from tests.alert_support import receiver, write_low_satisfaction
from tests.conftest import TEST_KEY
from tests.unit.test_cli import run

HOOK = "https://hooks.example.org/services/SECRETPATH?token=SECRETTOKEN"


class FakePost:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail = False

    def __call__(self, url: str, payload: dict[str, Any]) -> None:
        if self.fail:
            raise ConnectionError(f"cannot reach {url}")  # a message that contains the secret
        self.calls.append((url, payload))


@pytest.fixture
def hooked(settings: Settings) -> Settings:
    return settings.model_copy(update={"breach_webhook_url": SecretStr(HOOK)})


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


def test_each_breach_is_posted_once(session: Session, hooked: Settings) -> None:
    write_low_satisfaction(session)
    post = FakePost()
    first = notify_breaches(session=session, settings=hooked, post=post)
    assert first.notified == ["satisfaction"] and first.failed == []
    [(url, message)] = post.calls
    assert url == HOOK
    assert message["kpi"] == "satisfaction" and message["value"] == pytest.approx(3.0)
    assert message["target"] == 4.0 and "Satisfaction is 3.00 / 5" in message["text"]
    second = notify_breaches(session=session, settings=hooked, post=post)
    assert [b["kpi"] for b in second.breaches] == ["satisfaction"]
    assert second.notified == [] and len(post.calls) == 1


def test_recovery_then_a_new_breach_is_posted_again(
    session: Session, hooked: Settings, admin: Principal
) -> None:
    write_low_satisfaction(session)
    post = FakePost()
    notify_breaches(session=session, settings=hooked, post=post)
    set_target("target_satisfaction", 2.5, session=session, principal=admin)  # 3 stars now meets it
    recovered = notify_breaches(session=session, settings=hooked, post=post)
    assert recovered.breaches == [] and recovered.recovered == ["satisfaction"]
    assert session.scalars(select(NotifiedBreach)).all() == []
    reset_target("target_satisfaction", session=session, principal=admin)  # breached again
    again = notify_breaches(session=session, settings=hooked, post=post)
    assert again.notified == ["satisfaction"]
    assert [payload["kpi"] for _, payload in post.calls] == ["satisfaction", "satisfaction"]


def test_a_failed_post_is_logged_without_the_secret_and_retried(
    session: Session, hooked: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    write_low_satisfaction(session)
    post = FakePost()
    post.fail = True
    with caplog.at_level(logging.WARNING, logger="core.alerts"):
        failed = notify_breaches(session=session, settings=hooked, post=post)
    assert failed.failed == ["satisfaction"] and failed.notified == []
    assert "satisfaction" in caplog.text and "https://hooks.example.org" in caplog.text
    assert "SECRET" not in caplog.text
    post.fail = False
    retried = notify_breaches(session=session, settings=hooked, post=post)
    assert retried.notified == ["satisfaction"] and len(post.calls) == 1


def test_without_a_webhook_nothing_is_posted_or_remembered(session: Session, settings: Settings) -> None:
    write_low_satisfaction(session)
    post = FakePost()
    report = notify_breaches(session=session, settings=settings, post=post)
    assert [b["kpi"] for b in report.breaches] == ["satisfaction"]
    assert report.notified == [] and post.calls == []
    assert session.scalars(select(NotifiedBreach)).all() == []


def test_a_real_webhook_receives_the_message(
    session: Session, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    write_low_satisfaction(session)
    with receiver() as hook:
        real = settings.model_copy(update={"breach_webhook_url": SecretStr(hook.url)})
        hook.status = 500
        with caplog.at_level(logging.WARNING, logger="core.alerts"):
            assert notify_breaches(session=session, settings=real).failed == ["satisfaction"]
        assert "HTTP 500" in caplog.text and "SECRET" not in caplog.text
        hook.status = 200
        assert notify_breaches(session=session, settings=real).notified == ["satisfaction"]
        assert notify_breaches(session=session, settings=real).notified == []
    assert [body["kpi"] for body in hook.bodies] == ["satisfaction", "satisfaction"]
    assert hook.bodies[-1]["event"] == "kpi_breach"
    assert hook.paths[-1] == "/hooks/SECRETPATH?token=SECRETTOKEN"


def test_cli_alerts_check_posts_once_and_prints_one_json_object(
    session: Session, db_url: str, tmp_path: Path
) -> None:
    write_low_satisfaction(session)
    with receiver() as hook:
        env = {
            **{k: v for k, v in os.environ.items() if "proxy" not in k.lower()},
            "DATABASE_URL": db_url,
            "PSEUDONYM_KEY": TEST_KEY,
            "DEV_MODE": "0",
            "BREACH_WEBHOOK_URL": hook.url,
        }
        outputs = [run(["alerts", "check", "--json"], env, tmp_path) for _ in range(2)]
    first, second = (orjson.loads(out.stdout) for out in outputs)
    assert all(out.returncode == 0 for out in outputs), outputs[0].stderr
    assert [b["kpi"] for b in first["breaches"]] == ["satisfaction"]
    assert first["notified"] == ["satisfaction"] and second["notified"] == []
    assert len(hook.bodies) == 1


def test_cli_alerts_check_exits_1_when_a_post_fails(session: Session, db_url: str, tmp_path: Path) -> None:
    write_low_satisfaction(session)
    with receiver() as hook:
        hook.status = 503
        env = {
            **{k: v for k, v in os.environ.items() if "proxy" not in k.lower()},
            "DATABASE_URL": db_url,
            "PSEUDONYM_KEY": TEST_KEY,
            "BREACH_WEBHOOK_URL": hook.url,
        }
        out = run(["alerts", "check", "--json"], env, tmp_path)
    assert out.returncode == 1
    assert orjson.loads(out.stdout)["failed"] == ["satisfaction"]
    assert "SECRET" not in out.stdout + out.stderr
