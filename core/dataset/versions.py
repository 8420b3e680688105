"""Reading dataset versions: the list, one version's details and its lineage.

In: a session and a principal allowed to view interactions; a version reference (`name:version`, `name` for
its newest version, or the numeric id). Out: `VersionPage` (newest first, paginated, ≤ 500 rows),
`resolve_version()` → the `DatasetVersion`, `version_dict()` (its JSON form for the CLI and scripts) and
`lineage()` → one page of member interactions with the per-split and per-user totals counted by the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth import Permission, Principal, require
from core.errors import InputError, NotFound
from core.models import DatasetMember, DatasetVersion

MAX_PAGE_SIZE: Final = 500


@dataclass(frozen=True)
class VersionRow:
    id: int
    name: str
    version: int
    created_by: str
    created_at: datetime
    examples: int
    train: int
    validation: int
    pairs: int
    users: int
    total_tokens: int
    contains_erased_data: bool

    @property
    def label(self) -> str:
        return f"{self.name}:{self.version}"


@dataclass(frozen=True)
class VersionPage:
    rows: list[VersionRow]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True)
class MemberRow:
    interaction_id: str
    user_pseudonym: str | None
    split: str
    topic: str | None
    tokens: int | None


@dataclass(frozen=True)
class Lineage:
    rows: list[MemberRow]
    total: int
    users: int
    per_split: dict[str, int]
    page: int
    page_size: int


def list_versions(
    *, session: Session, principal: Principal, name: str | None = None, page: int = 1, page_size: int = 50
) -> VersionPage:
    require(principal, Permission.VIEW_INTERACTIONS)
    page, page_size = _paging(page, page_size)
    statement = select(DatasetVersion)
    if name:
        statement = statement.where(DatasetVersion.name == name)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    versions = session.scalars(
        statement.order_by(DatasetVersion.created_at.desc(), DatasetVersion.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return VersionPage([_row(v) for v in versions], total, page, page_size)


def resolve_version(*, session: Session, principal: Principal, ref: str | int) -> DatasetVersion:
    """`name:version`, `name` (its newest version) or the id → the version; `NotFound` otherwise."""
    require(principal, Permission.VIEW_INTERACTIONS)
    text = str(ref).strip()
    if text.isdigit():
        version = session.get(DatasetVersion, int(text))
    elif ":" in text:
        name, _, number = text.rpartition(":")
        if not number.isdigit():
            raise InputError(f"bad dataset version {text!r}: use NAME:VERSION (e.g. cycle:3) or the id")
        version = session.scalar(
            select(DatasetVersion).where(DatasetVersion.name == name, DatasetVersion.version == int(number))
        )
    else:
        version = session.scalar(
            select(DatasetVersion)
            .where(DatasetVersion.name == text)
            .order_by(DatasetVersion.version.desc())
            .limit(1)
        )
    if version is None:
        raise NotFound(f"dataset version {text!r} does not exist (see `bloomtune dataset list`)")
    return version


def version_dict(version: DatasetVersion) -> dict[str, Any]:
    return {
        "id": version.id,
        "name": version.name,
        "version": version.version,
        "label": f"{version.name}:{version.version}",
        "created_by": version.created_by,
        "created_at": version.created_at.isoformat(),
        "spec": version.spec,
        "system_prompt": version.system_prompt,
        "counts": version.counts,
        "token_stats": version.token_stats,
        "files": version.files,
        "contains_erased_data": version.contains_erased_data,
    }


def lineage(
    *,
    session: Session,
    principal: Principal,
    version_id: int,
    split: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> Lineage:
    """One page of a version's members (by file position) and its totals."""
    require(principal, Permission.VIEW_INTERACTIONS)
    page, page_size = _paging(page, page_size)
    in_version = DatasetMember.dataset_version_id == version_id
    per_split = dict(
        session.execute(
            select(DatasetMember.split, func.count()).where(in_version).group_by(DatasetMember.split)
        ).all()
    )
    users = session.scalar(select(func.count(func.distinct(DatasetMember.user_pseudonym))).where(in_version))
    statement = select(
        DatasetMember.interaction_id,
        DatasetMember.user_pseudonym,
        DatasetMember.split,
        DatasetMember.topic,
        DatasetMember.tokens,
    ).where(in_version)
    if split:
        statement = statement.where(DatasetMember.split == split)
    rows = session.execute(
        statement.order_by(DatasetMember.position, DatasetMember.interaction_id)
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    total = per_split.get(split, 0) if split else sum(per_split.values())
    return Lineage(
        rows=[MemberRow(*row) for row in rows],
        total=int(total),
        users=int(users or 0),
        per_split={key: int(value) for key, value in per_split.items()},
        page=page,
        page_size=page_size,
    )


def _row(version: DatasetVersion) -> VersionRow:
    counts = version.counts or {}
    pairs = counts.get("pairs", {})
    return VersionRow(
        id=version.id,
        name=version.name,
        version=version.version,
        created_by=version.created_by,
        created_at=version.created_at,
        examples=int(counts.get("examples", 0)),
        train=int(counts.get("train", 0)),
        validation=int(counts.get("validation", 0)),
        pairs=int(pairs.get("train", 0)) + int(pairs.get("validation", 0)),
        users=int(counts.get("users", 0)),
        total_tokens=int((version.token_stats or {}).get("total") or 0),
        contains_erased_data=version.contains_erased_data,
    )


def _paging(page: int, page_size: int) -> tuple[int, int]:
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InputError(f"page must be ≥ 1 and page size between 1 and {MAX_PAGE_SIZE}")
    return page, page_size
