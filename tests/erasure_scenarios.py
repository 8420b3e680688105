"""The privacy-rights scenario, run unchanged on SQLite (tests/unit) and PostgreSQL (tests/integration).

In: a session, settings and an admin. Out: assertions that exporting and erasing one end user touches
exactly that user's rows, marks the dataset version that held them and names the model trained on it,
and that neither the audit log nor the report holds the raw user id.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import utcnow
from core.auth import Principal
from core.config import Settings
from core.erasure import erase_user, export_user, pseudonym_for
from core.ingest.records import Record
from core.ingest.writer import IngestWriter
from core.models import (
    AuditLog,
    Conversation,
    DatasetMember,
    DatasetPair,
    DatasetVersion,
    FinetuneJob,
    Interaction,
    InteractionTopic,
    PreferenceVote,
    Rating,
    RegisteredModel,
    Review,
)
from core.pseudonym import Pseudonymizer
from tests.scenarios import count

START = datetime(2026, 10, 1, 9, 0)
ALICE = "alice-raw-id-4711"
BOB = "bob-raw-id-0815"


def _record(i: int, user: str) -> Record:
    fields: dict[str, Any] = {
        "id": f"{user}-{i}",
        "user_id": user,
        "conversation_id": f"{user}-conv",
        "created_at": START + timedelta(hours=i),
        "messages": [
            {"role": "user", "content": f"my period question {i}"},
            {"role": "assistant", "content": f"answer {i}"},
        ],
        "model": "gpt-4.1-mini",
        "rating": 5,
        "thumbs": "up",
    }
    return Record.model_validate(fields)


def _dataset(session: Session, name: str, members: list[tuple[str, str | None]]) -> DatasetVersion:
    version = DatasetVersion(
        name=name,
        version=1,
        spec={},
        counts={},
        token_stats={},
        files={},
        created_by="a",
        created_at=utcnow(),
    )
    session.add(version)
    session.flush()
    for interaction_id, pseudonym in members:
        prompt = [{"role": "user", "content": f"question of {interaction_id}"}]
        session.add(
            DatasetMember(
                dataset_version_id=version.id,
                interaction_id=interaction_id,
                user_pseudonym=pseudonym,
                split="train",
                messages=[*prompt, {"role": "assistant", "content": "answer"}],
                tokens=12,
            )
        )
        session.add(
            DatasetPair(
                dataset_version_id=version.id,
                position=0,
                split="train",
                source="correction",
                interaction_id=interaction_id,
                messages=prompt,
                preferred="better",
                non_preferred="worse",
            )
        )
        session.add(
            PreferenceVote(
                messages=prompt,
                model_a="a",
                answer_a="x",
                model_b="b",
                answer_b="y",
                winner="a",
                voter="r@example.org",
                created_at=utcnow(),
                interaction_id=interaction_id,
                dataset_version_id=version.id,
            )
        )
    return version


def seed(session: Session, settings: Settings) -> None:
    """Alice: 3 interactions (rated, one reviewed) in a dataset with a model; Bob: 2 in both datasets."""
    pseudonymize = Pseudonymizer(settings.pseudonym_key.get_secret_value())
    writer = IngestWriter(session, pseudonymize=pseudonymize, source="import")
    writer.write([_record(i, ALICE) for i in range(3)] + [_record(i, BOB) for i in range(2)])
    session.add(Review(interaction_id=f"{ALICE}-0", status="approved", updated_at=utcnow(), version=1))
    alice, bob = pseudonymize(ALICE), pseudonymize(BOB)
    mixed = _dataset(session, "mixed", [(f"{ALICE}-0", alice), (f"{BOB}-0", bob)])
    _dataset(session, "bob-only", [(f"{BOB}-1", bob)])
    job = FinetuneJob(
        provider="openai",
        base_model="gpt-4.1-mini",
        dataset_version_id=mixed.id,
        hyperparameters={},
        idempotency_key="k1",
        status="succeeded",
        created_by="a",
        created_at=utcnow(),
    )
    session.add(job)
    session.flush()
    session.add(
        RegisteredModel(name="ft:mixed", provider="openai", source_job_id=job.id, created_at=utcnow())
    )
    session.commit()


def export_and_erase(session: Session, settings: Settings, admin: Principal) -> None:
    seed(session, settings)
    exported = export_user(ALICE, session=session, principal=admin, settings=settings)
    assert [i["id"] for i in exported["interactions"]] == [f"{ALICE}-{i}" for i in range(3)]
    assert {(r["stars"], r["thumbs"]) for r in exported["ratings"]} == {(5, "up")}
    assert len(exported["ratings"]) == 3

    report = erase_user(f" {ALICE} ", session=session, principal=admin, settings=settings)
    assert (report.interactions, report.conversations) == (3, 1)
    assert [d["name"] for d in report.dataset_versions] == ["mixed"]
    assert [m["name"] for m in report.models] == ["ft:mixed"]
    assert report.pseudonym == pseudonym_for(ALICE, settings)

    assert session.scalars(select(Interaction.id).order_by(Interaction.id)).all() == [f"{BOB}-0", f"{BOB}-1"]
    assert count(session, Rating) == 2 and count(session, Review) == 0
    assert count(session, Conversation) == 1
    assert set(session.scalars(select(InteractionTopic.interaction_id))) <= {f"{BOB}-0", f"{BOB}-1"}
    rows = session.execute(select(DatasetVersion.name, DatasetVersion.contains_erased_data))
    marks = dict(rows.all())
    assert marks == {"mixed": True, "bob-only": False}
    frozen = dict(session.execute(select(DatasetMember.interaction_id, DatasetMember.messages)).all())
    assert frozen[f"{ALICE}-0"] is None  # lineage kept, the erased user's text gone
    assert frozen[f"{BOB}-0"] is not None and frozen[f"{BOB}-1"] is not None
    for model in (DatasetPair, PreferenceVote):
        left = set(session.scalars(select(model.interaction_id)))
        assert left == {f"{BOB}-0", f"{BOB}-1"}, model

    entries = session.scalars(select(AuditLog).where(AuditLog.action.like("user_data.%"))).all()
    assert [e.action for e in entries] == ["user_data.export", "user_data.erase"]
    assert ALICE not in str([(e.target, e.details) for e in entries])
    assert all(e.target == f"pseudonym:{report.pseudonym}" for e in entries)

    again = erase_user(ALICE, session=session, principal=admin, settings=settings)
    assert again.interactions == 0 and [d["name"] for d in again.dataset_versions] == ["mixed"]
