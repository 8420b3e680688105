"""Duplicate groups: exact copies and near duplicates are grouped, unrelated texts are not, the canonical
member is the best-rated (then earliest), a scan only hashes new texts, and regrouping follows reviews.

In: interactions written through the ingest writer into the per-test database. Out: `duplicate_of` of each
interaction, the scan report and the audit entry. The same tests run on PostgreSQL from tests/integration.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import orjson
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from core.auth import Principal, Role
from core.cli import app as cli_app
from core.config import Settings
from core.duplicates import near_duplicate_components, scan_duplicates, signatures
from core.erasure import erase_user
from core.errors import InputError, PermissionDenied
from core.ingest.records import Record
from core.ingest.writer import IngestWriter
from core.interactions import InteractionFilters, list_interactions
from core.models import AuditLog, Interaction, NearDuplicateSignature, Rating, Review
from core.pseudonym import Pseudonymizer
from tests.conftest import TEST_KEY

START = datetime(2026, 10, 1, 8, 0)
THRESHOLD = 0.8
CRAMPS = (
    "What can I do about strong period cramps that keep me in bed on the first day?",
    "Heat on the lower belly, gentle movement and ibuprofen taken early usually help; see a doctor if the "
    "pain stops you from daily life or gets worse over time.",
)
OVULATION = (
    "How do I know when I am ovulating if my cycle is irregular?",
    "Ovulation tests that detect the LH surge, a rise in basal body temperature and changes in cervical "
    "mucus can all help you find your fertile window even when cycles vary.",
)
MOOD = ("Why do I feel so sad before my period?", "Hormone changes in the luteal phase can lower your mood.")


def write(session: Session, *items: tuple[int, tuple[str, str], dict[str, Any]]) -> None:
    records = [
        Record.model_validate(
            {
                "id": f"d-{number}",
                "created_at": START + timedelta(hours=number),
                "user_id": f"user-{number}",
                "messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}],
                **fields,
            }
        )
        for number, (q, a), fields in items
    ]
    IngestWriter(session, pseudonymize=Pseudonymizer(TEST_KEY), source="import").write(records)
    session.commit()


def pointers(session: Session) -> dict[str, str | None]:
    return dict(
        session.execute(select(Interaction.id, Interaction.duplicate_of).order_by(Interaction.id)).all()
    )


def scan(session: Session, admin: Principal) -> Any:
    return scan_duplicates(session=session, principal=admin, threshold=THRESHOLD)


def near(text: tuple[str, str]) -> tuple[str, str]:
    """The same question and answer with two words added at the end."""
    return text[0], text[1] + " Take care."


@pytest.fixture
def grouped(session: Session) -> Session:
    write(
        session,
        (0, CRAMPS, {"rating": 3}),
        (1, (CRAMPS[0].upper(), "  " + CRAMPS[1]), {"rating": 5}),  # exact copy up to case and spacing
        (2, near(CRAMPS), {}),  # near duplicate
        (3, OVULATION, {"rating": 4}),
        (4, OVULATION, {"rating": 4}),  # exact copy, same rating: the earlier one wins
        (5, MOOD, {"rating": 1}),  # alone
    )
    return session


def test_exact_and_near_duplicates_are_grouped_under_the_best_rated(
    grouped: Session, admin: Principal
) -> None:
    report = scan(grouped, admin)
    assert pointers(grouped) == {
        "d-0": "d-1",
        "d-1": "d-1",  # 5 stars: canonical, points at itself
        "d-2": "d-1",
        "d-3": "d-3",  # 4 stars like d-4, but earlier
        "d-4": "d-3",
        "d-5": None,
    }
    assert (report.texts, report.hashed, report.groups, report.near_groups) == (4, 4, 2, 1)
    assert (report.grouped, report.duplicates, report.changed) == (5, 3, 5)
    entry = grouped.scalars(select(AuditLog).where(AuditLog.action == "duplicates.scan")).one()
    assert entry.actor == admin.email and entry.details["groups"] == 2


def test_the_listing_filters_duplicates_and_counts_group_members(grouped: Session, admin: Principal) -> None:
    scan(grouped, admin)
    duplicates = list_interactions(
        session=grouped, principal=admin, filters=InteractionFilters(is_duplicate=True)
    )
    assert sorted(row.id for row in duplicates.rows) == ["d-0", "d-2", "d-4"]
    rows = {row.id: row for row in list_interactions(session=grouped, principal=admin).rows}
    assert rows["d-1"].similar == 2 and rows["d-0"].similar == 2 and rows["d-3"].similar == 1
    assert rows["d-5"].similar == 0


def test_a_second_scan_hashes_only_new_texts_and_changes_nothing_else(
    grouped: Session, admin: Principal
) -> None:
    scan(grouped, admin)
    again = scan(grouped, admin)
    assert (again.hashed, again.changed, again.groups) == (0, 0, 2)
    write(grouped, (6, near(OVULATION), {}), (7, MOOD, {"rating": 5}))
    third = scan(grouped, admin)
    assert third.hashed == 1  # the copy of the mood text needs no new signature
    assert pointers(grouped)["d-6"] == "d-3"
    assert pointers(grouped)["d-5"] == "d-7" and pointers(grouped)["d-7"] == "d-7"
    assert third.changed == 3


def test_reviews_move_the_canonical_member_at_the_next_scan(grouped: Session, admin: Principal) -> None:
    scan(grouped, admin)
    grouped.add(Review(interaction_id="d-2", status="approved", updated_at=START))
    grouped.add(Rating(interaction_id="d-1", source="reviewer", stars=1, author="r", created_at=START))
    grouped.commit()
    report = scan(grouped, admin)
    assert {k: v for k, v in pointers(grouped).items() if k in ("d-0", "d-1", "d-2")} == {
        "d-0": "d-2",
        "d-1": "d-2",
        "d-2": "d-2",
    }
    assert report.changed == 3


def test_unrelated_texts_are_never_grouped(session: Session, admin: Principal) -> None:
    write(session, (0, CRAMPS, {}), (1, OVULATION, {}), (2, MOOD, {}))
    assert scan(session, admin).groups == 0
    assert set(pointers(session).values()) == {None}


def test_a_group_that_loses_its_copies_is_cleared(
    grouped: Session, admin: Principal, settings: Settings
) -> None:
    scan(grouped, admin)
    erase_user("user-4", session=grouped, principal=admin, settings=settings)
    report = scan(grouped, admin)
    assert pointers(grouped)["d-3"] is None and report.groups == 1
    erase_user("user-3", session=grouped, principal=admin, settings=settings)
    remaining = grouped.scalar(select(func.count()).select_from(NearDuplicateSignature))
    assert remaining == 3  # the ovulation text went with both its interactions; three texts remain


def test_components_join_only_similar_signatures() -> None:
    matrix = signatures([CRAMPS, near(CRAMPS), OVULATION, MOOD, MOOD])
    labels = near_duplicate_components(matrix, THRESHOLD)
    assert labels[0] == labels[1] and labels[3] == labels[4]
    assert len({labels[0], labels[2], labels[3]}) == 3
    assert near_duplicate_components(np.empty((0, matrix.shape[1]), np.uint32), THRESHOLD).size == 0


def test_only_an_admin_may_scan(grouped: Session) -> None:
    with pytest.raises(PermissionDenied):
        scan_duplicates(session=grouped, principal=Principal("rev@example.org", Role.REVIEWER), threshold=0.8)


@pytest.mark.parametrize("threshold", [0, 1, 1.5])
def test_the_threshold_must_be_a_fraction(grouped: Session, admin: Principal, threshold: float) -> None:
    with pytest.raises(InputError, match="between 0 and 1"):
        scan_duplicates(session=grouped, principal=admin, threshold=threshold)


def test_cli_scan_prints_one_json_object(app_env: str, grouped: Session) -> None:
    result = CliRunner().invoke(cli_app, ["duplicates", "scan", "--json"])
    assert result.exit_code == 0, result.output
    report = orjson.loads(result.stdout)
    assert (report["groups"], report["duplicates"], report["threshold"]) == (2, 3, 0.8)
    with_threshold = CliRunner().invoke(cli_app, ["duplicates", "scan", "--threshold", "0.99", "--json"])
    assert with_threshold.exit_code == 0, (with_threshold.output, with_threshold.exception)
    assert orjson.loads(with_threshold.stdout)["near_groups"] == 0


def test_cli_scan_refuses_a_bad_threshold(app_env: str) -> None:
    result = CliRunner().invoke(cli_app, ["duplicates", "scan", "--threshold", "2"])
    assert isinstance(result.exception, InputError)  # main() prints it on one line and exits 1
    assert "between 0 and 1" in str(result.exception)
