"""Rollups: every figure the metric pages show equals the same figure computed from the raw rows.

In: the migrated per-test database (SQLite here; PostgreSQL through tests/integration), filled by the real
write paths — demo data, or an imported file followed by collector feedback, a reviewer rating and the
erasure of two end users. Out: the Overview, success metrics, engagement, costs and experiment arm data
computed twice — through the rollup tables, and with the raw-row queries of `tests.raw_metrics`
monkeypatched in — and compared number by number; and a rebuild from the raw rows that reproduces the
incrementally maintained tables.
"""

from __future__ import annotations

import dataclasses
import math
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from alembic import command
from sqlalchemy import Engine, delete, inspect, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from core import rollups
from core.auth import Principal, Role
from core.cli import app as cli_app
from core.collector.ingest import Feedback, add_feedback
from core.config import Settings
from core.demo import generate_demo
from core.erasure import erase_user
from core.errors import PermissionDenied
from core.ingest.importer import import_files
from core.migrate import alembic_config, upgrade
from core.models import AuditLog, Conversation, Interaction, Rating, RollupCalls
from core.queries.costs import costs
from core.queries.engagement import engagement
from core.queries.experiment_metrics import arm_data
from core.queries.kpis import kpis
from core.queries.overview import overview
from core.rollups.cohorts import COHORTS
from core.rollups.definitions import ROLLUPS
from core.sql import dialect_of
from tests import raw_metrics

ADMIN = Principal(email="admin@example.org", role=Role.ADMIN)
START = datetime(2026, 9, 1, 8, 0)
MODELS = ("gpt-4.1-mini-2025-04-14", "ft:gpt-4.1-mini-2025-04-14:bloomtune:v1:AB12", "gemini-3.5-flash", None)


def figures(session: Session, settings: Settings) -> dict[str, Any]:
    """Everything the metric pages show, as plain data."""
    spend = costs(session=session, principal=ADMIN, settings=settings)
    experiments = session.scalars(
        select(Interaction.experiment).where(Interaction.experiment.is_not(None)).distinct()
    ).all()
    return {
        "overview": _plain(overview(session=session, principal=ADMIN)),
        "kpis": _plain(kpis(session=session, principal=ADMIN, settings=settings)),
        "engagement": _plain(engagement(session=session, principal=ADMIN)),
        "costs": {
            "per_day_model": sorted(
                (_plain(row) for row in spend.per_day_model), key=lambda r: (r["day"], r["model"] or "")
            ),
            "cost_per_interaction": spend.cost_per_interaction,
            "projected_monthly_usd": spend.projected_monthly_usd,
        },
        "experiments": {name: _plain(arm_data(session, name)) for name in sorted(experiments)},
    }


def raw_figures(session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    with monkeypatch.context() as patch:
        for (module, name), replacement in raw_metrics.REPLACEMENTS.items():
            patch.setattr(module, name, replacement)
        return figures(session, settings)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return [_plain(item) for item in value.tolist()]
    return value


def assert_same(actual: Any, expected: Any, path: str = "") -> None:
    """Equal structure and values; floats equal up to summation order (relative 1e-9)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and actual.keys() == expected.keys(), path
        for key in expected:
            assert_same(actual[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), path
        for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_same(a, e, f"{path}[{index}]")
    elif isinstance(expected, float) and not isinstance(actual, str):
        assert actual is not None, path
        assert (math.isnan(actual) and math.isnan(expected)) or actual == pytest.approx(
            expected, rel=1e-9, abs=1e-12
        ), f"{path}: {actual} != {expected}"
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


def assert_rollups_match_raw(session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    session.expire_all()
    via_rollups = figures(session, settings)
    assert via_rollups["overview"]["headline"]["interactions"] > 0
    assert_same(via_rollups, raw_figures(session, settings, monkeypatch))
    if dialect_of(session) == "postgresql":  # the exact histogram gives percentile_cont's value
        for name, arms in via_rollups["experiments"].items():
            for variant, expected in raw_metrics.percentiles_postgres(session, name).items():
                assert_same(arms[variant]["percentiles"], expected)


TABLES = [r.table for r in ROLLUPS] + [c.table for c in COHORTS]


def rollup_tables(session: Session) -> dict[str, list[list[Any]]]:
    return {table.name: sorted(list(row) for row in session.execute(select(table))) for table in TABLES}


def assert_rebuild_reproduces_the_tables(session: Session) -> None:
    maintained = rollup_tables(session)
    counts = rollups.rebuild(session)
    rebuilt = rollup_tables(session)
    assert counts == {name: len(rows) for name, rows in rebuilt.items()}
    assert_same(
        [list(r) for rows in maintained.values() for r in rows],
        [list(r) for rows in rebuilt.values() for r in rows],
    )
    session.rollback()


def native_records(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Records over 40 days from 30 users: four models (one unknown), errors, unmeasured latencies, an
    experiment with two arms and users outside it, ratings on about 40%."""
    rng = random.Random(seed)
    rows = []
    for number in range(count):
        user = rng.randrange(30)
        created = START + timedelta(days=rng.randrange(40), minutes=rng.randrange(24 * 60))
        row: dict[str, Any] = {
            "id": f"r-{number}",
            "conversation_id": f"c-{user}-{created:%Y%m%d}-{rng.randrange(2)}",
            "user_id": f"user-{user}",
            "created_at": created.isoformat(),
            "messages": [
                {"role": "user", "content": f"question {number}"},
                {"role": "assistant", "content": f"answer {number}"},
            ],
            "model": MODELS[rng.randrange(len(MODELS))],
            "latency_ms": None if rng.random() < 0.1 else int(rng.lognormvariate(6.8, 0.5)),
            "prompt_tokens": rng.randint(20, 200),
            "completion_tokens": rng.randint(20, 200),
            "status": "error" if rng.random() < 0.05 else "ok",
        }
        if user < 20:
            row.update(experiment="exp", variant="treatment" if user % 2 else "control")
        if rng.random() < 0.4:
            row["rating"] = rng.randint(1, 5)
        if rng.random() < 0.3:
            row["thumbs"] = rng.choice(("up", "down"))
        rows.append({key: value for key, value in row.items() if value is not None})
    return rows


def test_demo_data_gives_the_same_figures_through_the_rollups(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate_demo(session=session, principal=ADMIN, settings=settings, interactions=1500, seed=3)
    assert_rollups_match_raw(session, settings, monkeypatch)
    assert_rebuild_reproduces_the_tables(session)


def test_imports_feedback_reviews_and_erasure_keep_the_rollups_exact(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    export = tmp_path / "export.jsonl"
    export.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in native_records(800)))
    report = import_files([export], "native", session=session, principal=ADMIN, settings=settings)
    assert report.imported == 800
    assert_rollups_match_raw(session, settings, monkeypatch)

    rated = set(session.scalars(select(Rating.interaction_id).where(Rating.source == "user")))
    unrated = [f"r-{n}" for n in range(800) if f"r-{n}" not in rated]
    add_feedback(Feedback(unrated[0], stars=5, thumbs="up"), session=session)  # a new rating
    add_feedback(Feedback(unrated[1], comment="no stars, no thumbs"), session=session)
    add_feedback(Feedback(sorted(rated)[0], stars=1), session=session)  # changes a stored rating
    add_feedback(Feedback(sorted(rated)[1], thumbs="down"), session=session)
    with rollups.ratings_changing(session, [unrated[2], unrated[0]]):
        session.add(Rating(interaction_id=unrated[2], source="reviewer", stars=4, created_at=START))
        session.add(Rating(interaction_id=unrated[0], source="user", stars=2, created_at=START))
    session.commit()
    assert_rollups_match_raw(session, settings, monkeypatch)

    erase_user("user-3", session=session, principal=ADMIN, settings=settings)  # in the experiment
    erase_user("user-25", session=session, principal=ADMIN, settings=settings)  # outside it
    assert_rollups_match_raw(session, settings, monkeypatch)
    assert_rebuild_reproduces_the_tables(session)


def test_a_batch_partly_stored_already_keeps_the_rollups_exact(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A batch whose in-memory sums do not apply (some rows stored before, an id repeated in the batch) is
    summed in SQL from what it stored."""
    records = native_records(800)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in records[:500]))
    repeat = {**records[700], "conversation_id": "c-only-in-the-repeat", "rating": 1}
    second.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in [*records[300:], repeat]))
    assert (
        import_files([first], "native", session=session, principal=ADMIN, settings=settings).imported == 500
    )

    report = import_files([second], "native", session=session, principal=ADMIN, settings=settings)

    assert (report.imported, report.duplicates) == (300, 201)
    stored = session.get(Interaction, "r-700")
    assert stored is not None and stored.conversation_id == records[700]["conversation_id"]
    assert session.get(Conversation, "c-only-in-the-repeat") is None
    assert_rollups_match_raw(session, settings, monkeypatch)
    assert_rebuild_reproduces_the_tables(session)


def test_rebuild_is_for_admins_and_audited(session: Session, settings: Settings) -> None:
    generate_demo(session=session, principal=ADMIN, settings=settings, interactions=200, seed=1)
    with pytest.raises(PermissionDenied):
        rollups.rebuild_rollups(session=session, principal=Principal(email="v@example.org", role=Role.VIEWER))
    counts = rollups.rebuild_rollups(session=session, principal=ADMIN)
    assert counts["rollup_calls"] > 0 and set(counts) == {table.name for table in TABLES}


def test_the_migration_backfills_the_rollups_of_an_existing_database(
    engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Session(engine) as session:
        generate_demo(session=session, principal=ADMIN, settings=settings, interactions=400, seed=2)
        maintained = rollup_tables(session)
    config = alembic_config()
    with engine.begin() as connection:  # back to the schema before the rollups, data kept
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")
    assert "rollup_calls" not in inspect(engine).get_table_names()
    upgrade(engine)
    with Session(engine) as session:
        assert_same(rollup_tables(session), maintained)
        assert_rollups_match_raw(session, settings, monkeypatch)


def test_cli_rebuild_prints_one_json_object(session: Session, settings: Settings, app_env: str) -> None:
    generate_demo(session=session, principal=ADMIN, settings=settings, interactions=200, seed=1)
    session.execute(delete(RollupCalls))  # a write that bypassed the rollups
    session.commit()
    result = CliRunner().invoke(cli_app, ["rollups", "rebuild", "--json"])
    assert result.exit_code == 0, result.output
    report = orjson.loads(result.stdout)
    assert report["tables"]["rollup_calls"] > 0 and report["seconds"] >= 0
    session.expire_all()
    assert overview(session=session, principal=ADMIN).headline.interactions == 200
    assert session.scalar(select(AuditLog.action).where(AuditLog.action == "rollups.rebuild"))
