"""Dataset builds: what goes in, what is dropped and why, the seeded stratified split, immutability, lineage."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.auth import Principal, Role
from core.config import Settings
from core.dataset.build import build_dataset
from core.dataset.export import iter_lines
from core.dataset.spec import DatasetSpec
from core.dataset.versions import lineage, list_versions, resolve_version, version_dict
from core.errors import InputError, NotFound, PermissionDenied
from core.ingest.writer import content_hash
from core.models import (
    AuditLog,
    Conversation,
    DatasetMember,
    DatasetPair,
    DatasetVersion,
    Interaction,
    InteractionTopic,
    Rating,
    Review,
)
from tests import dataset_data
from tests.dataset_data import EMAIL, EXAMPLES, IDEAL, START


def _build(session: Session, settings: Settings, admin: Principal, **spec: object) -> DatasetVersion:
    fields: dict[str, object] = {"name": "cycle", "validation_share": 0.25, **spec}
    return build_dataset(session=session, principal=admin, settings=settings, spec=DatasetSpec(**fields))  # type: ignore[arg-type]


def _members(session: Session, version: DatasetVersion) -> dict[str, DatasetMember]:
    rows = session.scalars(select(DatasetMember).where(DatasetMember.dataset_version_id == version.id))
    return {m.interaction_id: m for m in rows}


@pytest.fixture
def world(session: Session) -> Session:
    dataset_data.seed(session)
    return session


def test_build_keeps_exactly_the_high_quality_unique_examples(
    world: Session, settings: Settings, admin: Principal
) -> None:
    version = _build(world, settings, admin)
    members = _members(world, version)
    assert set(members) == EXAMPLES
    counts = version.counts
    assert (
        counts["candidates"] == 9
    )  # i01-i04, i09, i11-i14 (rejected, unsafe, near dup, failed, 3 stars: out)
    assert counts["exact_duplicates"] == 1  # i04
    assert counts["near_duplicates"] == 1  # i05
    assert counts["examples"] == len(EXAMPLES) == counts["train"] + counts["validation"]
    assert counts["users"] == len({m.user_pseudonym for m in members.values()})
    assert version.system_prompt == settings.dataset_system_prompt
    assert version.spec["system_prompt"] == settings.dataset_system_prompt
    assert version.spec["max_context_tokens"] == settings.dataset_max_context_tokens


def test_ideal_answers_replace_the_original(world: Session, settings: Settings, admin: Principal) -> None:
    version = _build(world, settings, admin)
    i03 = _members(world, version)["i03"]
    assert i03.messages is not None
    assert i03.messages[-1] == {"role": "assistant", "content": IDEAL}
    assert version.counts["ideal_answers"] == 1


def test_personal_data_is_scrubbed_again_at_build(
    world: Session, settings: Settings, admin: Principal
) -> None:
    version = _build(world, settings, admin)
    question = _members(world, version)["i09"].messages[0]["content"]  # type: ignore[index]
    assert EMAIL not in question and "Alice" not in question
    assert "<EMAIL>" in question and "<NAME>" in question
    assert version.counts["pii_scrubbed"] == 1
    for fmt in ("openai", "openai-dpo", "vertex"):
        assert not any(EMAIL.encode() in line for line in iter_lines(world, version, fmt, None))


def test_multi_turn_context_is_kept_within_the_token_budget(
    world: Session, settings: Settings, admin: Principal
) -> None:
    roomy = _members(world, _build(world, settings, admin))["i02"].messages
    assert roomy is not None and [m["role"] for m in roomy] == ["user", "assistant"] * 3
    tight = _build(world, settings, admin, max_context_tokens=70)
    members = _members(world, tight)
    trimmed = members["i02"].messages
    assert trimmed is not None and len(trimmed) < 6 and trimmed[-2]["content"] == "When do I ovulate?"
    assert all((m.tokens or 0) <= 70 for m in members.values())
    assert tight.counts["turns_trimmed"] >= 1
    assert tight.counts["too_long"] + tight.counts["examples"] <= len(EXAMPLES)


def test_split_is_stratified_by_topic_and_reproducible_by_seed(
    session: Session, settings: Settings, admin: Principal
) -> None:
    _many(session, {"period": 20, "mood": 12, "fertility": 8})
    first = _build(session, settings, admin, seed=3)
    again = _build(session, settings, admin, seed=3)
    other = _build(session, settings, admin, seed=4)
    validation = Counter(m.topic for m in _members(session, first).values() if m.split == "validation")
    assert validation == {"period": 5, "mood": 3, "fertility": 2}
    assert first.files == again.files
    assert {k: m.split for k, m in _members(session, first).items()} == {
        k: m.split for k, m in _members(session, again).items()
    }
    assert first.files["openai"]["all"]["sha256"] != other.files["openai"]["all"]["sha256"]


def _many(session: Session, per_topic: dict[str, int]) -> None:
    """Distinct 5-star examples, `n` per topic."""
    number = 0
    for topic, n in per_topic.items():
        for i in range(n):
            number += 1
            ident = f"m{number:03d}"
            question, answer = f"{topic} question {i}?", f"{topic} answer {i}."
            created = START + timedelta(minutes=number)
            session.add(Conversation(id=f"c-{ident}", user_pseudonym=f"u{i % 7}", started_at=created))
            session.add(
                Interaction(
                    id=ident,
                    conversation_id=f"c-{ident}",
                    user_pseudonym=f"u{i % 7}",
                    created_at=created,
                    messages=[
                        {"role": "user", "content": question},
                        {"role": "assistant", "content": answer},
                    ],
                    user_message=question,
                    assistant_message=answer,
                    status="ok",
                    content_hash=content_hash(question, answer),
                    source="import",
                    ingested_at=created,
                )
            )
            session.flush()
            session.add(InteractionTopic(interaction_id=ident, topic=topic))
            session.add(Rating(interaction_id=ident, source="user", stars=5, created_at=created))
    session.commit()


def test_versions_count_up_and_stay_frozen(world: Session, settings: Settings, admin: Principal) -> None:
    first = _build(world, settings, admin)
    recorded = first.files["openai"]["all"]["sha256"]
    world.execute(
        update(Review).where(Review.interaction_id == "i03").values(ideal_answer="A different ideal answer.")
    )
    world.execute(update(Interaction).where(Interaction.id == "i01").values(assistant_message="changed"))
    world.commit()
    second = _build(world, settings, admin)
    assert (first.version, second.version) == (1, 2)
    frozen = hashlib.sha256(b"".join(iter_lines(world, first, "openai", None))).hexdigest()
    assert frozen == recorded
    assert second.files["openai"]["all"]["sha256"] != recorded


def test_lineage_lists_members_and_users(world: Session, settings: Settings, admin: Principal) -> None:
    version = _build(world, settings, admin)
    page = lineage(session=world, principal=admin, version_id=version.id, page_size=3)
    assert page.total == len(EXAMPLES) and len(page.rows) == 3
    assert page.per_split == {"train": version.counts["train"], "validation": version.counts["validation"]}
    assert page.users == version.counts["users"]
    validation = lineage(session=world, principal=admin, version_id=version.id, split="validation")
    assert {row.split for row in validation.rows} == {"validation"}


def test_versions_are_listed_and_resolved_by_label_name_or_id(
    world: Session, settings: Settings, admin: Principal
) -> None:
    first = _build(world, settings, admin)
    second = _build(world, settings, admin)
    listed = list_versions(session=world, principal=admin)
    assert [row.label for row in listed.rows] == ["cycle:2", "cycle:1"] and listed.total == 2
    assert resolve_version(session=world, principal=admin, ref="cycle:1").id == first.id
    assert resolve_version(session=world, principal=admin, ref="cycle").id == second.id
    assert resolve_version(session=world, principal=admin, ref=str(first.id)).id == first.id
    with pytest.raises(NotFound):
        resolve_version(session=world, principal=admin, ref="cycle:9")
    with pytest.raises(InputError):
        resolve_version(session=world, principal=admin, ref="cycle:x")
    assert version_dict(first)["label"] == "cycle:1"


def test_builds_need_the_permission_and_are_audited(
    world: Session, settings: Settings, admin: Principal
) -> None:
    reviewer = Principal(email="rev@example.org", role=Role.REVIEWER)
    with pytest.raises(PermissionDenied):
        _build(world, settings, reviewer)
    viewer = Principal(email="view@example.org", role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        list_versions(session=world, principal=viewer)
    version = _build(world, settings, admin)
    entry = world.scalars(select(AuditLog).where(AuditLog.action == "dataset.build")).one()
    assert entry.actor == admin.email and entry.target == f"dataset_version:{version.id}"


def test_a_build_with_nothing_to_keep_writes_nothing(
    world: Session, settings: Settings, admin: Principal
) -> None:
    with pytest.raises(InputError, match="no examples match"):
        _build(world, settings, admin, models=("no-such-model",))
    with pytest.raises(InputError, match="personal data"):
        _build(world, settings, admin, system_prompt=f"Write to {EMAIL} for help.")
    assert world.scalar(select(DatasetVersion.id)) is None
    assert world.scalar(select(DatasetPair.id)) is None


def test_filters_narrow_the_selection(world: Session, settings: Settings, admin: Principal) -> None:
    by_topic = _build(world, settings, admin, topics=("period",))
    assert set(_members(world, by_topic)) == {"i01", "i09"}
    approved = _build(world, settings, admin, approved_only=True)
    assert set(_members(world, approved)) == {"i03"}
    dated = _build(world, settings, admin, since=START.date(), until=START.date())
    assert set(_members(world, dated)) == {"i01", "i02", "i03"}
    strict = _build(world, settings, admin, min_rating=5)
    assert "i02" not in _members(world, strict) and "i01" in _members(world, strict)


def test_spec_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="unknown topics"):
        DatasetSpec(name="x", topics=("astrology",))
    with pytest.raises(ValueError, match="after"):
        DatasetSpec(name="x", since=START.date(), until=START.date() - timedelta(days=1))
    with pytest.raises(ValueError):
        DatasetSpec(name="bad name")
