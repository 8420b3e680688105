"""End users' privacy rights: access (export) and erasure (DESIGN.md §8).

In: an end user's RAW id as the app knows it, the acting principal and the settings (for `PSEUDONYM_KEY`).
The id is pseudonymised exactly as ingest does and only the pseudonym touches the database or the audit
log. Out: `export_user()` — the user's interactions and their own ratings as a JSON-able dict;
`erase_user()` — an `ErasureReport` after deleting the user's interactions (with their ratings, reviews,
topics, search-index entries and the duplicate-scan signatures of texts nobody else has) and the conversations left empty (a conversation that also holds someone else's turns keeps them
and loses the pseudonym), naming the dataset versions that contained them (now marked
`contains_erased_data`) and the registered models trained on those versions.

Dataset versions keep their lineage rows (with the pseudonym), so a version built before the erasure can
still be found and retired; what changes is the erasure mark, and the user's frozen training text in them
is removed (member examples emptied, their preference pairs and side-by-side votes deleted), so no later
export of that version carries it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, delete, or_, select, update
from sqlalchemy.orm import Session

from core import audit, rollups
from core.auth import Permission, Principal, require
from core.config import Settings
from core.errors import InputError
from core.models import (
    Conversation,
    DatasetMember,
    DatasetPair,
    DatasetVersion,
    FinetuneJob,
    Interaction,
    InteractionTopic,
    NearDuplicateSignature,
    PreferenceVote,
    Rating,
    RegisteredModel,
    Review,
)
from core.pseudonym import Pseudonymizer


@dataclass
class ErasureReport:
    pseudonym: str
    interactions: int = 0
    conversations: int = 0
    dataset_versions: list[dict[str, Any]] = field(default_factory=list)
    models: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def pseudonym_for(user_id: str, settings: Settings) -> str:
    pseudonym = Pseudonymizer(settings.pseudonym_key.get_secret_value())(user_id.strip())
    if pseudonym is None:
        raise InputError("an end-user id is required")
    return pseudonym


def export_user(
    user_id: str, *, session: Session, principal: Principal, settings: Settings
) -> dict[str, Any]:
    """The user's interactions (oldest first) and the ratings they gave, as JSON-able data."""
    require(principal, Permission.EXPORT_USER_DATA)
    pseudonym = pseudonym_for(user_id, settings)
    mine = select(Interaction.id).where(Interaction.user_pseudonym == pseudonym)
    interactions = [
        {
            "id": row.id,
            "conversation_id": row.conversation_id,
            "created_at": row.created_at.isoformat(),
            "messages": row.messages,
            "model": row.model,
            "status": row.status,
        }
        for row in session.scalars(
            select(Interaction)
            .where(Interaction.user_pseudonym == pseudonym)
            .order_by(Interaction.created_at)
        )
    ]
    ratings = [
        {
            "interaction_id": row.interaction_id,
            "stars": row.stars,
            "thumbs": row.thumbs,
            "comment": row.comment,
            "created_at": row.created_at.isoformat(),
        }
        for row in session.scalars(
            select(Rating)
            .where(Rating.interaction_id.in_(mine), Rating.source == "user")
            .order_by(Rating.created_at, Rating.id)
        )
    ]
    audit.record(
        session, principal, "user_data.export", f"pseudonym:{pseudonym}", interactions=len(interactions)
    )
    session.commit()
    return {"pseudonym": pseudonym, "interactions": interactions, "ratings": ratings}


def erase_user(user_id: str, *, session: Session, principal: Principal, settings: Settings) -> ErasureReport:
    """Delete everything stored about one end user; report (and mark) the training data that held it."""
    require(principal, Permission.ERASE_USER_DATA)
    pseudonym = pseudonym_for(user_id, settings)
    report = ErasureReport(pseudonym=pseudonym)
    conversations = select(Conversation.id).where(Conversation.user_pseudonym == pseudonym)
    doomed = select(Interaction.id).where(Interaction.user_pseudonym == pseudonym)
    rollups.remove_interactions(session, Interaction.user_pseudonym == pseudonym)
    doomed_texts = set(
        session.scalars(select(Interaction.content_hash).where(Interaction.user_pseudonym == pseudonym))
    )
    for model in (Rating, Review, InteractionTopic, PreferenceVote):
        _execute(session, delete(model).where(model.interaction_id.in_(doomed)))
    _execute(
        session, update(Interaction).where(Interaction.duplicate_of.in_(doomed)).values(duplicate_of=None)
    )
    report.interactions = _execute(session, delete(Interaction).where(Interaction.id.in_(doomed)))
    _forget_texts(session, doomed_texts)
    no_interactions_left = (
        ~select(Interaction.id).where(Interaction.conversation_id == Conversation.id).exists()
    )
    report.conversations = _execute(
        session, delete(Conversation).where(Conversation.id.in_(conversations), no_interactions_left)
    )
    # a conversation shared with someone else's turns stays, without this user's pseudonym
    _execute(
        session,
        update(Conversation).where(Conversation.user_pseudonym == pseudonym).values(user_pseudonym=None),
    )
    _report_training_data(session, pseudonym, report)
    audit.record(
        session,
        principal,
        "user_data.erase",
        f"pseudonym:{pseudonym}",
        interactions=report.interactions,
        conversations=report.conversations,
        dataset_versions=[d["id"] for d in report.dataset_versions],
        models=[m["name"] for m in report.models],
    )
    session.commit()
    return report


def _forget_texts(session: Session, content_hashes: set[str]) -> None:
    """Delete the duplicate-scan signatures of the erased texts that no remaining interaction has."""
    for chunk in _chunks(sorted(content_hashes)):
        used = set(
            session.scalars(select(Interaction.content_hash).where(Interaction.content_hash.in_(chunk)))
        )
        gone = [content_hash for content_hash in chunk if content_hash not in used]
        if gone:
            _execute(
                session, delete(NearDuplicateSignature).where(NearDuplicateSignature.content_hash.in_(gone))
            )


def _chunks(values: list[str], size: int = 1000) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _execute(session: Session, statement: Executable) -> int:
    """Run a bulk DELETE/UPDATE; returns the rows it touched."""
    result = session.execute(statement, execution_options={"synchronize_session": False})
    return int(cast(CursorResult[Any], result).rowcount)


def _report_training_data(session: Session, pseudonym: str, report: ErasureReport) -> None:
    """Fill in the dataset versions that held the user's data (and mark them) and the models built on them."""
    version_ids = select(DatasetMember.dataset_version_id).where(DatasetMember.user_pseudonym == pseudonym)
    versions = list(
        session.scalars(
            select(DatasetVersion).where(DatasetVersion.id.in_(version_ids)).order_by(DatasetVersion.id)
        )
    )
    for version in versions:
        version.contains_erased_data = True
    # the versions keep who was in them (lineage) but lose the user's frozen text
    theirs = select(DatasetMember.interaction_id).where(DatasetMember.user_pseudonym == pseudonym)
    _execute(session, delete(DatasetPair).where(DatasetPair.interaction_id.in_(theirs)))
    _execute(
        session,
        update(DatasetMember)
        .where(DatasetMember.user_pseudonym == pseudonym)
        .values(messages=None, tokens=None),
    )
    report.dataset_versions = [{"id": v.id, "name": v.name, "version": v.version} for v in versions]
    ids = [v.id for v in versions]
    if not ids:
        return
    jobs = select(FinetuneJob.id).where(FinetuneJob.dataset_version_id.in_(ids))
    models = session.scalars(
        select(RegisteredModel)
        .where(or_(RegisteredModel.dataset_version_id.in_(ids), RegisteredModel.source_job_id.in_(jobs)))
        .order_by(RegisteredModel.id)
    )
    report.models = [{"id": m.id, "name": m.name, "status": m.status} for m in models]
