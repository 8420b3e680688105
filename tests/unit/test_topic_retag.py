"""Re-tag on demand: `core.topic_retag.retag` and `bloomtune topics retag --json`."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from core import topics
from core.auth import Principal, Role
from core.cli import app as cli_app
from core.config import Settings
from core.errors import PermissionDenied
from core.ingest.importer import import_files
from core.models import AuditLog, Interaction, InteractionTopic
from core.topic_retag import retag
from core.vocab import CORE_TOPICS
from tests.conftest import SAMPLE


def stored(session: Session) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {i: set() for i in session.scalars(select(Interaction.id))}
    for interaction_id, topic in session.execute(
        select(InteractionTopic.interaction_id, InteractionTopic.topic)
    ):
        result[interaction_id].add(topic)
    return result


def expected(session: Session) -> dict[str, set[str]]:
    rows = session.execute(select(Interaction.id, Interaction.user_message, Interaction.assistant_message))
    return {i: set(topics.tag(question, answer)) for i, question, answer in rows}


def spoil_tags(session: Session) -> None:
    """Tags as stale rules might have left them: some missing, some wrong."""
    ids = sorted(session.scalars(select(Interaction.id)))
    session.execute(delete(InteractionTopic).where(InteractionTopic.interaction_id.in_(ids[:3])))
    session.add_all(InteractionTopic(interaction_id=i, topic="menopause") for i in ids[3:6])
    session.commit()


@pytest.fixture
def imported(session: Session, settings: Settings, admin: Principal) -> Session:
    import_files([SAMPLE], "auto", session=session, principal=admin, settings=settings)
    return session


def test_retag_restores_the_rules_tags_in_batches_and_is_audited(imported: Session) -> None:
    session = imported
    spoil_tags(session)
    assert stored(session) != expected(session)
    reviewer = Principal(email="reviewer@example.org", role=Role.REVIEWER)
    done: list[int] = []

    report = retag(session=session, principal=reviewer, batch_size=2, progress=done.append)

    assert stored(session) == expected(session)
    assert report.interactions == len(stored(session)) and done[-1] == report.interactions
    assert len(done) == -(-report.interactions // 2)  # one progress call per batch of 2
    assert report.changed >= 3 and report.added >= 1 and report.removed >= 1
    assert report.topics["period"] >= 1 and set(report.topics) == set(CORE_TOPICS)
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "topics.retag"))
    assert entry is not None and entry.actor == reviewer.email and entry.details["changed"] == report.changed

    again = retag(session=session, principal=reviewer)
    assert (again.changed, again.added, again.removed) == (0, 0, 0)


def test_retag_needs_the_review_permission(imported: Session) -> None:
    viewer = Principal(email="viewer@example.org", role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        retag(session=imported, principal=viewer)
    assert imported.scalar(select(AuditLog).where(AuditLog.action == "topics.retag")) is None


def test_cli_retag_prints_one_json_object(app_env: str, engine: Engine, imported: Session) -> None:
    spoil_tags(imported)
    result = CliRunner().invoke(cli_app, ["topics", "retag", "--json"])
    assert result.exit_code == 0, result.output
    report = orjson.loads(result.stdout)
    assert report["changed"] >= 3 and report["interactions"] >= 6
    with Session(engine) as session:
        assert stored(session) == expected(session)
