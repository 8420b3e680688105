"""Exports: byte-for-byte golden files per format, sha256 as recorded at build, DPO pairs from each source,
the validator round trip, the Vertex structure, and refusals (personal data, empty, unknown).

Regenerate the golden files after an intended format change with `UPDATE_GOLDEN=1 pytest tests/unit/test_dataset_export.py`
and review the diff.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.auth import Principal, Role
from core.config import Settings
from core.dataset.build import build_dataset
from core.dataset.export import FORMATS, export_bytes, export_version
from core.dataset.spec import DatasetSpec
from core.dataset.validate import validate_lines
from core.dataset.vertex_check import check_vertex_lines, vertex_problems
from core.errors import InputError, NotFound, PermissionDenied
from core.models import AuditLog, DatasetMember, DatasetPair, DatasetVersion
from tests import dataset_data
from tests.dataset_data import EMAIL, I01_ANSWER, I08_ANSWER, IDEAL, ORIGINAL_PMS

DATA = Path(__file__).resolve().parents[1] / "data"
GOLDEN = {fmt: DATA / f"golden_{fmt.replace('-', '_')}.jsonl" for fmt in FORMATS}
SPEC = DatasetSpec(
    name="golden",
    system_prompt="Answer menstrual-health questions kindly and accurately.",
    max_context_tokens=4096,
    validation_share=0.25,
    seed=0,
)


@pytest.fixture
def version(session: Session, settings: Settings, admin: Principal) -> DatasetVersion:
    dataset_data.seed(session)
    return build_dataset(session=session, principal=admin, settings=settings, spec=SPEC)


@pytest.mark.parametrize("fmt", FORMATS)
def test_exports_match_the_golden_files_and_the_recorded_sha256(
    session: Session, admin: Principal, version: DatasetVersion, tmp_path: Path, fmt: Any
) -> None:
    out = tmp_path / f"{fmt}.jsonl"
    exported = export_version(
        session=session, principal=admin, version_id=version.id, fmt=fmt, split=None, out=out
    )
    data = out.read_bytes()
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN[fmt].write_bytes(data)
    assert data == GOLDEN[fmt].read_bytes()
    assert exported.sha256 == hashlib.sha256(data).hexdigest() == version.files[fmt]["all"]["sha256"]
    assert exported.examples == data.count(b"\n") == version.files[fmt]["all"]["examples"]
    assert export_bytes(session=session, principal=admin, version_id=version.id, fmt=fmt, split=None) == data


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_split_is_its_own_file_with_its_recorded_sha256(
    session: Session, admin: Principal, version: DatasetVersion, tmp_path: Path, fmt: Any
) -> None:
    total = 0
    for split in ("train", "validation"):
        out = tmp_path / f"{fmt}-{split}.jsonl"
        exported = export_version(
            session=session, principal=admin, version_id=version.id, fmt=fmt, split=split, out=out
        )
        assert exported.sha256 == version.files[fmt][split]["sha256"]
        total += exported.examples
    assert total == version.files[fmt]["all"]["examples"]


def test_openai_files_pass_the_validator(session: Session, admin: Principal, version: DatasetVersion) -> None:
    data = export_bytes(session=session, principal=admin, version_id=version.id, fmt="openai", split=None)
    report = validate_lines(data.splitlines())
    assert report.ok and report.examples == version.counts["examples"]
    assert not [w for w in report.warnings if w.key in ("no_system_message", "no_user_message")]


def test_dpo_files_pass_the_validator_as_both_conversations(
    session: Session, admin: Principal, version: DatasetVersion
) -> None:
    data = export_bytes(session=session, principal=admin, version_id=version.id, fmt="openai-dpo", split=None)
    chats = []
    for line in data.splitlines():
        record = orjson.loads(line)
        assert set(record) == {"input", "preferred_output", "non_preferred_output"}
        assert record["input"]["messages"][-1]["role"] == "user"
        for side in ("preferred_output", "non_preferred_output"):
            chats.append(orjson.dumps({"messages": record["input"]["messages"] + record[side]}))
    report = validate_lines(chats)
    assert report.ok and report.examples == 2 * data.count(b"\n")


def test_dpo_pairs_come_from_corrections_thumbs_down_and_votes(
    session: Session, admin: Principal, version: DatasetVersion
) -> None:
    pairs = {
        p.source: p
        for p in session.scalars(select(DatasetPair).where(DatasetPair.dataset_version_id == version.id))
    }
    assert version.counts["pairs"]["correction"] == 1
    assert (pairs["correction"].preferred, pairs["correction"].non_preferred) == (IDEAL, ORIGINAL_PMS)
    assert (pairs["thumbs"].preferred, pairs["thumbs"].non_preferred) == (I01_ANSWER, I08_ANSWER)
    assert pairs["thumbs"].interaction_id == "i08"
    assert pairs["vote"].preferred.startswith("Gentle exercise") and pairs["vote"].non_preferred == "No."
    assert version.counts["pairs"]["vote"] == 1  # the tie makes no pair


def test_vertex_files_have_the_gemini_structure(
    session: Session, admin: Principal, version: DatasetVersion
) -> None:
    data = export_bytes(session=session, principal=admin, version_id=version.id, fmt="vertex", split=None)
    assert check_vertex_lines(data.splitlines()) == {}
    first = orjson.loads(data.splitlines()[0])
    assert first["systemInstruction"] == {"role": "system", "parts": [{"text": SPEC.system_prompt}]}
    assert {c["role"] for c in first["contents"]} <= {"user", "model"}


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (b"{", "invalid_json"),
        (b"[]", "data_type"),
        (b'{"contents": []}', "missing_contents"),
        (b'{"contents": [{"role": "assistant", "parts": [{"text": "x"}]}]}', "bad_role"),
        (
            b'{"contents": [{"role": "user", "parts": []}, {"role": "model", "parts": [{"text": "a"}]}]}',
            "missing_text",
        ),
        (b'{"contents": [{"role": "user", "parts": [{"text": "q"}]}]}', "must_end_with_model"),
        (
            b'{"contents": [{"role": "user", "parts": [{"text": "q"}]}, {"role": "user", "parts": [{"text": "q"}]},'
            b' {"role": "model", "parts": [{"text": "a"}]}]}',
            "not_alternating",
        ),
        (
            b'{"systemInstruction": {"parts": []}, "contents": [{"role": "user", "parts": [{"text": "q"}]},'
            b' {"role": "model", "parts": [{"text": "a"}]}]}',
            "bad_system_instruction",
        ),
        (
            b'{"messages": [], "contents": [{"role": "user", "parts": [{"text": "q"}]},'
            b' {"role": "model", "parts": [{"text": "a"}]}]}',
            "unrecognized_key",
        ),
    ],
)
def test_the_vertex_check_names_each_problem(line: bytes, problem: str) -> None:
    assert problem in vertex_problems(line)


def test_export_is_refused_while_personal_data_remains(
    session: Session, admin: Principal, version: DatasetVersion, tmp_path: Path
) -> None:
    leaked = [{"role": "user", "content": f"mail me at {EMAIL}"}, {"role": "assistant", "content": "Sure."}]
    session.execute(
        update(DatasetMember)
        .where(DatasetMember.dataset_version_id == version.id, DatasetMember.interaction_id == "i01")
        .values(messages=leaked)
    )
    session.commit()
    folder = tmp_path / "exports"
    out = folder / "refused.jsonl"
    with pytest.raises(InputError, match="personal data"):
        export_version(
            session=session, principal=admin, version_id=version.id, fmt="openai", split=None, out=out
        )
    assert list(folder.iterdir()) == []  # no file, no temporary left behind


def test_exports_are_audited_and_need_the_permission(
    session: Session, admin: Principal, version: DatasetVersion, tmp_path: Path
) -> None:
    reviewer = Principal(email="rev@example.org", role=Role.REVIEWER)
    with pytest.raises(PermissionDenied):
        export_bytes(session=session, principal=reviewer, version_id=version.id, fmt="openai", split=None)
    export_version(
        session=session,
        principal=admin,
        version_id=version.id,
        fmt="vertex",
        split="train",
        out=tmp_path / "v.jsonl",
    )
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "dataset.export")).one()
    assert entry.details["format"] == "vertex" and entry.details["split"] == "train"


def test_unknown_versions_formats_and_empty_files_are_clear_errors(
    session: Session, settings: Settings, admin: Principal, tmp_path: Path
) -> None:
    with pytest.raises(NotFound):
        export_bytes(session=session, principal=admin, version_id=999, fmt="openai", split=None)
    dataset_data.seed(session)
    lone = build_dataset(
        session=session,
        principal=admin,
        settings=settings,
        spec=DatasetSpec(name="lone", topics=("mood",), validation_share=0.0),
    )
    with pytest.raises(InputError, match="no openai examples in the validation split"):
        export_version(
            session=session,
            principal=admin,
            version_id=lone.id,
            fmt="openai",
            split="validation",
            out=tmp_path / "x",
        )
    with pytest.raises(InputError, match="unknown export format"):
        export_bytes(session=session, principal=admin, version_id=lone.id, fmt="csv", split=None)  # type: ignore[arg-type]
