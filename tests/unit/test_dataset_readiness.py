"""The readiness gate: every check passes on good data and fails, with a next step, on bad data; `stats --json`
keeps its contract."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from core.auth import Principal
from core.cli import app
from core.config import Settings
from core.dataset import readiness
from core.dataset.build import build_dataset
from core.dataset.candidates import Example
from core.dataset.readiness import Check, assess
from core.dataset.spec import DatasetSpec
from core.models import Interaction, Review
from tests import dataset_data

CHECKS = ("enough_examples", "topics_covered", "no_unscrubbed_pii", "validation_passes", "no_unsafe_included")


def _check(session: Session, settings: Settings, name: str) -> Check:
    return next(c for c in assess(session=session, settings=settings).checks if c.name == name)


def _with(settings: Settings, **changes: Any) -> Settings:
    return settings.model_copy(update=changes)


@pytest.fixture
def world(session: Session) -> Session:
    dataset_data.seed(session)
    return session


def _assert_fails_with_a_next_step(check: Check) -> None:
    assert not check.passed and check.next_step and check.message


def test_enough_examples(world: Session, settings: Settings) -> None:
    ok = _check(world, _with(settings, readiness_min_examples=5), "enough_examples")
    assert ok.passed and ok.threshold == 5 and ok.value >= 5 and not ok.next_step
    short = _check(world, _with(settings, readiness_min_examples=100), "enough_examples")
    _assert_fails_with_a_next_step(short)
    assert str(100 - short.value) in short.next_step


def test_every_topic_covered(world: Session, settings: Settings) -> None:
    ok = _check(world, _with(settings, readiness_min_per_topic=0), "topics_covered")
    assert ok.passed and ok.value == ok.threshold == 10
    missing = _check(world, _with(settings, readiness_min_per_topic=1), "topics_covered")
    _assert_fails_with_a_next_step(missing)
    assert "Cramps & pain" in missing.next_step  # the only topic without a high-quality example


def test_no_unscrubbed_pii(world: Session, settings: Settings) -> None:
    flagged = _check(world, settings, "no_unscrubbed_pii")
    _assert_fails_with_a_next_step(flagged)
    assert flagged.value == 1  # i09
    world.execute(update(Interaction).where(Interaction.id == "i09").values(pii_flags=["EMAIL", "NAME"]))
    world.commit()
    assert _check(world, settings, "no_unscrubbed_pii").passed


def test_validation_passes(world: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    ok = _check(world, settings, "validation_passes")
    assert ok.passed and ok.value == 0 and "validate" in ok.message

    def broken(*_args: Any, **_kwargs: Any) -> Iterator[Example]:
        yield Example("x", None, None, "period", [{"role": "robot", "content": "hi"}], None, 0)

    monkeypatch.setattr(readiness, "iter_examples", broken)
    failing = _check(world, settings, "validation_passes")
    _assert_fails_with_a_next_step(failing)
    assert failing.value == 1 and "unrecognized_role" in failing.message


def test_validation_fails_without_examples(session: Session, settings: Settings) -> None:
    empty = _check(session, settings, "validation_passes")
    _assert_fails_with_a_next_step(empty)


def test_validation_sample_is_capped(world: Session, settings: Settings) -> None:
    check = _check(world, _with(settings, readiness_validation_sample=2), "validation_passes")
    assert check.passed and "2 newest" in check.message


def test_no_unsafe_answer_included(world: Session, settings: Settings, admin: Principal) -> None:
    assert _check(world, settings, "no_unsafe_included").passed
    build_dataset(session=world, principal=admin, settings=settings, spec=DatasetSpec(name="cycle"))
    assert _check(world, settings, "no_unsafe_included").passed
    world.execute(update(Review).where(Review.interaction_id == "i03").values(clinical_verdict="unsafe"))
    world.commit()
    unsafe = _check(world, settings, "no_unsafe_included")
    _assert_fails_with_a_next_step(unsafe)
    assert unsafe.value == 1 and "cycle:1" in unsafe.next_step
    build_dataset(session=world, principal=admin, settings=settings, spec=DatasetSpec(name="cycle"))
    assert _check(world, settings, "no_unsafe_included").passed  # the rebuilt version leaves it out


def test_stats_json_keeps_its_contract(app_env: str, session: Session) -> None:
    dataset_data.seed(session)
    result = CliRunner().invoke(app, ["stats", "--json"])
    assert result.exit_code == 0
    report = orjson.loads(result.stdout)
    assert set(report) >= {"total_interactions", "high_rated_interactions", "ready_for_training", "checks"}
    assert [c["name"] for c in report["checks"]] == list(CHECKS)
    for check in report["checks"]:
        assert set(check) == {"name", "passed", "value", "threshold", "message", "next_step"}
    assert report["ready_for_training"] is False
