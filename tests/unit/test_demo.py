"""Demo data: deterministic, labelled, realistic in shape, and seeded with the flaws reviewers must catch.

One module-wide database holds 5,000 demo interactions (generated once); tests that need a fresh or a
second database generate a few hundred of their own.
"""

from __future__ import annotations

import re
import shutil
import statistics
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from core import parallel, topics
from core.auth import Principal, Role
from core.collector.assignments import arm_for
from core.config import Settings
from core.db import make_engine, session_scope
from core.demo import conversations, generate_demo, pipeline
from core.demo.catalogue import draw_slots
from core.demo.content import TEMPLATES
from core.demo.content.extras import LATER_TURN_PREFIXES, UNSAFE
from core.demo.conversations import BASE_MODEL, EXPERIMENT, FT_MODEL, SYSTEM_PROMPT, known_good_record
from core.demo.plan import plan_sessions, split_plan
from core.errors import PermissionDenied
from core.ingest.records import Record
from core.models import AuditLog, Experiment, Interaction, InteractionTopic, Rating, RegisteredModel
from core.pseudonym import Pseudonymizer
from core.vocab import CORE_TOPICS
from tests.conftest import TEST_KEY

ANCHOR = datetime(2026, 11, 20)
ADMIN = Principal(email="admin@example.org", role=Role.ADMIN)


@dataclass
class DemoDb:
    engine: Engine
    summary: dict[str, Any]


def fresh_database(folder: Path, template: Path) -> tuple[Engine, Settings]:
    target = folder / "demo.db"
    shutil.copyfile(template, target)
    url = f"sqlite:///{target}"
    return make_engine(url), Settings(database_url=url, pseudonym_key=SecretStr(TEST_KEY))


def generate(
    engine: Engine, settings: Settings, interactions: int, seed: int = 11, **kw: Any
) -> dict[str, Any]:
    with session_scope(engine) as session:
        return generate_demo(
            session=session,
            principal=ADMIN,
            settings=settings,
            interactions=interactions,
            seed=seed,
            anchor=ANCHOR,
            **kw,
        )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, migrated_template: Path) -> Iterator[DemoDb]:
    engine, settings = fresh_database(tmp_path_factory.mktemp("demo"), migrated_template)
    yield DemoDb(engine, generate(engine, settings, 5000))
    engine.dispose()


@pytest.fixture
def db(demo: DemoDb) -> Iterator[Session]:
    with session_scope(demo.engine) as session:
        yield session


def snapshot(session: Session) -> list[tuple[Any, ...]]:
    rows = session.execute(
        select(
            Interaction.id,
            Interaction.conversation_id,
            Interaction.user_pseudonym,
            Interaction.created_at,
            Interaction.messages,
            Interaction.model,
            Interaction.variant,
            Interaction.latency_ms,
            Interaction.prompt_tokens,
            Interaction.cost_usd,
            Interaction.status,
        ).order_by(Interaction.id)
    ).all()
    ratings = session.execute(
        select(Rating.interaction_id, Rating.stars, Rating.thumbs, Rating.comment).order_by(
            Rating.interaction_id
        )
    ).all()
    return [tuple(row) for row in rows] + [tuple(row) for row in ratings]


# -- determinism and idempotency ---------------------------------------------------------------------------
def test_the_same_seed_gives_the_same_data(tmp_path: Path, migrated_template: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "c").mkdir()
    first, settings_a = fresh_database(tmp_path / "a", migrated_template)
    second, settings_b = fresh_database(tmp_path / "b", migrated_template)
    other, settings_c = fresh_database(tmp_path / "c", migrated_template)
    assert generate(first, settings_a, 400, seed=5) == generate(second, settings_b, 400, seed=5)
    generate(other, settings_c, 400, seed=6)
    with session_scope(first) as a, session_scope(second) as b, session_scope(other) as c:
        assert snapshot(a) == snapshot(b)
        assert snapshot(a) != snapshot(c)


def test_running_again_stores_nothing_new(session: Session, settings: Settings, admin: Principal) -> None:
    kwargs: dict[str, Any] = {"session": session, "principal": admin, "settings": settings, "seed": 3}
    first = generate_demo(interactions=300, anchor=ANCHOR, **kwargs)
    again = generate_demo(interactions=300, anchor=ANCHOR, **kwargs)
    assert (first["interactions"], first["already_stored"]) == (300, 0)
    assert (again["interactions"], again["already_stored"]) == (0, 300)
    assert not again["models_registered"] and again["experiment_created"] is False
    assert session.scalar(select(func.count()).select_from(Interaction)) == 300
    assert session.scalar(select(func.count()).select_from(Experiment)) == 1


def test_worker_processes_write_the_same_rows_as_inline(
    tmp_path: Path, migrated_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "inline").mkdir()
    (tmp_path / "pool").mkdir()
    inline, settings_inline = fresh_database(tmp_path / "inline", migrated_template)
    pooled, settings_pooled = fresh_database(tmp_path / "pool", migrated_template)
    monkeypatch.setattr("core.demo.generate.PART_SIZE", 250)
    generate(inline, settings_inline, 1000)
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_INTERACTIONS", 0)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)  # two workers even on a one-core runner
    pools: list[int] = []

    class CountingPool(ProcessPoolExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pools.append(kwargs["max_workers"])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", CountingPool)
    generate(pooled, settings_pooled, 1000)
    assert pools == [2]
    with session_scope(inline) as a, session_scope(pooled) as b:
        assert snapshot(a) == snapshot(b)


# -- permissions, the empty check, audit, progress ---------------------------------------------------------
def test_a_viewer_may_not_generate_demo_data(session: Session, settings: Settings) -> None:
    viewer = Principal(email="viewer@example.org", role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        generate_demo(session=session, principal=viewer, settings=settings, interactions=10, seed=1)
    assert session.scalar(select(func.count()).select_from(Interaction)) == 0


def test_only_if_empty_skips_a_database_with_data(
    session: Session, settings: Settings, admin: Principal
) -> None:
    kwargs: dict[str, Any] = {"session": session, "principal": admin, "settings": settings}
    filled = generate_demo(interactions=50, seed=1, only_if_empty=True, **kwargs)
    assert filled["skipped"] is False and filled["interactions"] == 50
    skipped = generate_demo(interactions=50, seed=2, only_if_empty=True, **kwargs)
    assert skipped["skipped"] is True
    assert session.scalar(select(func.count()).select_from(Interaction)) == 50


def test_progress_audit_and_connection_settings_restored(
    session: Session, settings: Settings, admin: Principal
) -> None:
    def cache_size() -> int:
        return int(session.connection().exec_driver_sql("PRAGMA cache_size").scalar_one())

    before = cache_size()
    seen: list[int] = []
    summary = generate_demo(
        session=session, principal=admin, settings=settings, interactions=120, seed=4, progress=seen.append
    )
    assert seen and seen[-1] == 120 and seen == sorted(seen)
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "demo")).one()
    assert entry.actor == admin.email and entry.details["interactions"] == summary["interactions"] == 120
    assert cache_size() == before != pipeline.SQLITE_BULK["cache_size"]


# -- what the data looks like ------------------------------------------------------------------------------
def test_summary_counts_match_the_rows(demo: DemoDb, db: Session) -> None:
    s = demo.summary
    assert s["skipped"] is False and s["interactions"] == 5000
    assert db.scalar(select(func.count()).select_from(Interaction)) == 5000
    assert db.scalar(select(func.count(func.distinct(Interaction.conversation_id)))) == s["conversations"]
    assert db.scalar(select(func.count(func.distinct(Interaction.user_pseudonym)))) == s["users"]
    assert db.scalar(select(func.count()).select_from(Rating)) == s["ratings"]


def test_every_row_is_labelled_demo_and_pseudonymised(db: Session) -> None:
    assert set(db.scalars(select(Interaction.source).distinct())) == {"demo"}
    users = set(db.scalars(select(Interaction.user_pseudonym).distinct()))
    assert Pseudonymizer(TEST_KEY)("demo-user-00001") in users
    assert not any(user.startswith("demo-user") for user in users)


def test_every_core_topic_is_present(db: Session) -> None:
    counts = dict(
        db.execute(select(InteractionTopic.topic, func.count()).group_by(InteractionTopic.topic)).all()
    )
    assert set(CORE_TOPICS) <= set(counts)
    assert min(counts[topic] for topic in CORE_TOPICS) >= 50


def test_ratings_are_j_shaped_and_about_a_third_rated(db: Session) -> None:
    stars = dict(db.execute(select(Rating.stars, func.count()).group_by(Rating.stars)).all())
    rated = db.scalar(select(func.count()).select_from(Rating)) or 0
    assert stars[5] > stars[4] > stars[3] and stars[5] > 3 * (stars[1] + stars[2]) / 2
    assert 0.28 <= rated / 5000 <= 0.42
    thumbs_only = db.scalar(select(func.count()).where(Rating.stars.is_(None), Rating.thumbs.is_not(None)))
    both = db.scalar(select(func.count()).where(Rating.stars.is_not(None), Rating.thumbs.is_not(None)))
    assert thumbs_only and both
    assert db.scalar(select(func.count()).where(Rating.comment.is_not(None)))


def test_about_half_a_percent_of_calls_fail_without_an_answer(db: Session) -> None:
    failed = db.scalars(select(Interaction).where(Interaction.status == "error")).all()
    assert 0.002 <= len(failed) / 5000 <= 0.01
    for row in failed:
        assert row.error_code in {"upstream_timeout", "rate_limited", "upstream_500"}
        assert row.assistant_message == "" and row.messages[-1]["role"] == "user"
        assert row.cost_usd == 0


def test_latency_tokens_and_cost_are_plausible(db: Session) -> None:
    ok = db.execute(
        select(
            Interaction.latency_ms,
            Interaction.prompt_tokens,
            Interaction.completion_tokens,
            Interaction.cost_usd,
        ).where(Interaction.status == "ok")
    ).all()
    latencies = sorted(row[0] for row in ok)
    assert 750 <= statistics.median(latencies) <= 1050
    assert 1600 <= latencies[int(0.95 * len(latencies))] <= 2500
    assert all(row[1] > 40 and row[2] > 5 for row in ok)
    assert all(0 < row[3] < 0.01 for row in ok)


def test_the_experiment_and_both_models_are_registered(demo: DemoDb, db: Session) -> None:
    experiment = db.scalars(select(Experiment)).one()
    assert (experiment.name, experiment.control_model, experiment.treatment_model) == (
        EXPERIMENT,
        BASE_MODEL,
        FT_MODEL,
    )
    assert experiment.status == "running" and experiment.treatment_share == 0.5
    assert experiment.created_by == ADMIN.email and experiment.started_at == ANCHOR - timedelta(days=30)
    models = {m.name: m.status for m in db.scalars(select(RegisteredModel))}
    assert models == {BASE_MODEL: "live", FT_MODEL: "candidate"}
    before = db.scalars(
        select(Interaction.model).where(Interaction.created_at < experiment.started_at).distinct()
    )
    assert set(before) == {BASE_MODEL}
    arms = db.execute(
        select(Interaction.user_pseudonym, func.count(func.distinct(Interaction.variant)))
        .where(Interaction.experiment == EXPERIMENT)
        .group_by(Interaction.user_pseudonym)
    ).all()
    assert arms and all(count == 1 for _, count in arms)  # sticky per user
    mean = dict(
        db.execute(
            select(Interaction.variant, func.avg(Rating.stars))
            .join(Rating, Rating.interaction_id == Interaction.id)
            .where(Interaction.experiment == EXPERIMENT)
            .group_by(Interaction.variant)
        ).all()
    )
    assert mean["treatment"] > mean["control"]


def test_timestamps_cover_the_90_days_before_the_anchor(db: Session) -> None:
    first, last = db.execute(select(func.min(Interaction.created_at), func.max(Interaction.created_at))).one()
    assert ANCHOR - timedelta(days=90) <= first < ANCHOR - timedelta(days=88)
    assert ANCHOR - timedelta(days=1) < last < ANCHOR


def test_conversations_have_several_turns_that_carry_the_earlier_ones(db: Session) -> None:
    rows = db.execute(
        select(Interaction.conversation_id, Interaction.messages, Interaction.status).order_by(Interaction.id)
    ).all()
    assert sum(len(messages) > 3 for _, messages, _ in rows) > 500
    assert all(messages[0] == {"role": "system", "content": SYSTEM_PROMPT} for _, messages, _ in rows)
    checked = 0
    for (conv_a, earlier, status), (conv_b, later, _) in zip(rows, rows[1:], strict=False):
        if conv_a == conv_b and status == "ok":
            assert later[: len(earlier)] == earlier
            checked += 1
    assert checked > 500
    per_conversation = db.execute(
        select(func.count()).select_from(Interaction).group_by(Interaction.conversation_id)
    ).scalars()
    assert max(per_conversation) <= 5


def test_a_few_users_return_and_most_come_once() -> None:
    import numpy as np

    plan = plan_sessions(20_000, days=90, first_weekday=0, rng=np.random.default_rng(1))
    visits = np.bincount(plan.user)[1:]
    assert plan.turns.sum() == 20_000 and set(plan.turns.tolist()) <= {1, 2, 3, 4, 5}
    assert 0.45 <= (visits == 1).mean() <= 0.75 and visits.max() >= 5
    parts = list(split_plan(plan, 3000, {}))
    assert sum(part.interactions for part in parts) == 20_000


# -- the deliberate flaws ------------------------------------------------------------------------------------
PII = re.compile(
    r"(?i:my name is|born on|date of birth)|I'm [A-Z][a-z]+ [A-Z][a-z]+ \(|@example\.com|\d{3}[- ]\d{4}"
)


def flaws(session: Session) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    """(questions with PII, near-duplicate question pairs with the same answer, unsafe answers).

    PII counts whether stored as typed or flagged by a scrubber at ingest. Near-duplicates are questions
    that differ by more than a later-turn prefix or a number, yet read almost the same.
    """
    rows = session.execute(
        select(Interaction.user_message, Interaction.assistant_message, Interaction.pii_flags)
    ).all()
    with_pii = [question for question, _, flags in rows if flags or PII.search(question)]
    by_answer: dict[str, set[str]] = {}
    for question, answer, _ in rows:
        if answer:
            by_answer.setdefault(answer, set()).add(_without_prefix_or_numbers(question))
    near = [
        (a, b)
        for questions in by_answer.values()
        for a in questions
        for b in questions
        if a < b and SequenceMatcher(None, a, b).ratio() > 0.85
    ]
    unsafe_answers = {answer for _, _, answer in UNSAFE}
    unsafe = [answer for _, answer, _ in rows if answer in unsafe_answers]
    return with_pii, near, unsafe


def _without_prefix_or_numbers(question: str) -> str:
    for prefix in LATER_TURN_PREFIXES:
        if prefix and question.startswith(prefix):
            question = question.removeprefix(prefix)
            break
    return re.sub(r"\d+", "#", question)


def test_pii_near_duplicates_and_unsafe_answers_are_rare_but_present(demo: DemoDb, db: Session) -> None:
    with_pii, near, unsafe = flaws(db)
    assert 0 < len(with_pii) <= 50 and demo.summary["pii_samples"] == 10
    assert near and demo.summary["near_duplicates"] >= 2
    assert 0 < len(unsafe) <= 50 and demo.summary["unsafe_samples"] == 5


def test_even_a_small_run_has_every_kind_of_flaw(
    session: Session, settings: Settings, admin: Principal
) -> None:
    summary = generate_demo(session=session, principal=admin, settings=settings, interactions=500, seed=9)
    assert summary["pii_samples"] >= 2 and summary["near_duplicates"] >= 2 and summary["unsafe_samples"] >= 2
    assert all(summary[kind] <= 5 for kind in ("pii_samples", "near_duplicates", "unsafe_samples"))
    with_pii, near, unsafe = flaws(session)
    assert with_pii and near and unsafe


# -- the hand-written content ------------------------------------------------------------------------------
def test_every_template_question_is_tagged_with_its_topic() -> None:
    import random

    slots = draw_slots(random.Random(0))
    for template in TEMPLATES:
        for phrasing in template.questions:
            question = phrasing.format(**slots)
            assert template.topic in topics.tag(question), (template.key, question)
        for answer in template.answers:
            answer.format(**slots)  # every slot an answer uses exists
    for topic, question, _ in UNSAFE:
        assert topic in topics.tag(question), question


def test_each_topic_has_eight_to_fifteen_templates_with_variations() -> None:
    for topic in CORE_TOPICS:
        main = [t for t in TEMPLATES if t.topic == topic and not t.followup]
        assert 8 <= len(main) <= 15, topic
        assert all(len(t.questions) >= 2 and len(t.answers) >= 2 for t in main), topic
    assert len({t.key for t in TEMPLATES}) == len(TEMPLATES)


def test_known_good_records_equal_model_construct() -> None:
    fields: dict[str, Any] = dict.fromkeys(Record.model_fields)
    fields.update(
        id="demo-1-00000001",
        status="ok",
        messages=[{"role": "user", "content": "What is PMS?"}, {"role": "assistant", "content": "…"}],
        created_at=ANCHOR,
    )
    built = known_good_record(dict(fields))
    assert built == Record.model_construct(**fields)
    assert built.model_fields_set == set(Record.model_fields)
    assert built.user_message == "What is PMS?" and built.assistant_message == "…"


def test_variant_assignment_is_sticky_balanced_and_the_gateways(db: Session) -> None:
    arms = [conversations.assign_variant(f"demo-user-{n:05d}") for n in range(4000)]
    assert arms == [conversations.assign_variant(f"demo-user-{n:05d}") for n in range(4000)]
    assert 0.45 <= arms.count("treatment") / len(arms) <= 0.55
    experiment = db.scalars(select(Experiment)).one()
    assert [arm_for(experiment, f"demo-user-{n:05d}") for n in range(4000)] == arms
