"""Duplicate groups: exact duplicates (the same normalised text, `interaction.content_hash`) and near
duplicates (MinHash signatures whose estimated Jaccard similarity reaches `NEAR_DUPLICATE_THRESHOLD`).

In: a session, the acting principal (needs `MANAGE_DATASETS`) and the threshold. Out: every interaction
of a group of two or more gets `duplicate_of` = the group's canonical member (the canonical points at
itself); every other interaction gets NULL; a `ScanReport` with the counts. One audit entry per scan, one
commit at the end.

How:
1. Texts: each distinct normalised question+answer (one `content_hash`) is turned once into a datasketch
   `MinHash` of its word 3-shingles and stored in `near_duplicate_signature`, so a later scan only hashes
   texts it has not seen (the expensive step is incremental).
2. Candidates: locality-sensitive hashing with the band layout `datasketch.MinHashLSH` chooses for the
   threshold (b bands of r rows). Rows are bucketed per band with numpy (sorting band keys) instead of
   MinHashLSH's in-memory dictionaries, which would need gigabytes at a million texts; each bucket member
   is verified against the bucket's first member with the signatures' estimated Jaccard similarity.
3. Groups: connected components of the verified pairs (scipy), over texts; a group's interactions are
   those whose text is in it (so exact copies of one text are a group by themselves).
4. Canonical: the best-rated member — approved by a reviewer first, rejected last; then the highest stars
   (the reviewer's if a reviewer rated it, else the end user's); then a thumbs-up; then the earliest (and
   the smallest id). Ratings and reviews change after a scan, so the canonical member is recomputed for
   every group on every scan (not when a review is saved): run `bloomtune duplicates scan` (or the
   button on the Interactions page) after a review session to bring the groups up to date.
Erasure deletes the erased texts' signatures and clears pointers at erased members; the next scan regroups.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sqlalchemy import Table, bindparam, case, exists, func, select, update
from sqlalchemy.orm import Session

from core import audit
from core.auth import Permission, Principal, require
from core.errors import InputError
from core.models import Interaction, NearDuplicateSignature, Rating, Review
from core.sql import bulk_insert

NUM_PERM = 64
SEED = 1
SHINGLE_WORDS = 3
BATCH = 5000
_SIGNATURES: Table = NearDuplicateSignature.__table__  # type: ignore[assignment]
_INTERACTIONS: Table = Interaction.__table__  # type: ignore[assignment]


@dataclass
class ScanReport:
    texts: int = 0  # distinct normalised texts
    hashed: int = 0  # texts hashed by this scan (new since the last one)
    groups: int = 0  # groups of two or more interactions
    near_groups: int = 0  # of which join different texts (the rest are exact copies only)
    grouped: int = 0  # interactions in a group, canonical members included
    duplicates: int = 0  # interactions that are not their group's canonical member
    changed: int = 0  # interactions whose `duplicate_of` this scan changed
    threshold: float = 0.0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def shingles(question: str, answer: str) -> list[bytes]:
    """Word 3-shingles of the normalised text (as `content_hash` normalises it: case and spacing)."""
    tokens = f"{question} \x00 {answer}".lower().split()
    if len(tokens) < SHINGLE_WORDS:
        return [" ".join(tokens).encode()]
    return [" ".join(tokens[i : i + SHINGLE_WORDS]).encode() for i in range(len(tokens) - SHINGLE_WORDS + 1)]


def signatures(texts: list[tuple[str, str]]) -> NDArray[np.uint32]:
    """MinHash signatures (one row of `NUM_PERM` values per text)."""
    hashes = MinHash.generator((shingles(q, a) for q, a in texts), num_perm=NUM_PERM, seed=SEED)
    rows = [h.hashvalues.astype(np.uint32) for h in hashes]
    return np.vstack(rows) if rows else np.empty((0, NUM_PERM), np.uint32)


def scan_duplicates(
    *,
    session: Session,
    principal: Principal,
    threshold: float,
    progress: Callable[[str], None] | None = None,
) -> ScanReport:
    """Hash new texts, regroup every interaction and pick each group's canonical member (see module doc)."""
    require(principal, Permission.MANAGE_DATASETS)
    if not 0 < threshold < 1:
        raise InputError(f"the near-duplicate threshold must be between 0 and 1, not {threshold}")
    started = time.perf_counter()
    say = progress or (lambda _: None)
    report = ScanReport(threshold=threshold)
    say("hashing new texts")
    report.hashed = _hash_new_texts(session)
    say("grouping similar texts")
    hashes, matrix = _load_signatures(session)
    report.texts = len(hashes)
    labels = near_duplicate_components(matrix, threshold)
    group_of = dict(zip(hashes, labels.tolist(), strict=True))
    say("choosing canonical members")
    canonical, sizes = _canonicals(session, group_of)
    report.groups = sum(1 for size in sizes.values() if size > 1)
    report.grouped = sum(size for size in sizes.values() if size > 1)
    report.duplicates = report.grouped - report.groups
    texts_per_group = np.bincount(labels) if len(labels) else np.zeros(0, np.int64)
    report.near_groups = sum(1 for g, size in sizes.items() if size > 1 and texts_per_group[g] > 1)
    say("writing groups")
    report.changed = _write_groups(session, group_of, canonical, sizes)
    report.seconds = round(time.perf_counter() - started, 3)
    audit.record(session, principal, "duplicates.scan", None, **report.as_dict())
    session.commit()
    return report


def near_duplicate_components(matrix: NDArray[np.uint32], threshold: float) -> NDArray[np.int64]:
    """A group label per signature row: rows joined (transitively) by a verified similar pair share one."""
    count = len(matrix)
    if count == 0:
        return np.zeros(0, np.int64)
    bands, width = band_layout(threshold)
    mix = np.random.default_rng(SEED).integers(1, 2**63, size=width, dtype=np.uint64) | np.uint64(1)
    sources, targets = [], []
    for band in range(bands):
        rows = matrix[:, band * width : (band + 1) * width].astype(np.uint64)
        keys = (rows * mix).sum(axis=1)  # wraps around: a hash of the band, collisions are verified below
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        starts = np.ones(count, dtype=bool)
        starts[1:] = ordered[1:] != ordered[:-1]
        leaders = order[np.maximum.accumulate(np.where(starts, np.arange(count), 0))]
        members, firsts = order[~starts], leaders[~starts]
        similar = (matrix[members] == matrix[firsts]).mean(axis=1) >= threshold
        sources.append(firsts[similar])
        targets.append(members[similar])
    source, target = np.concatenate(sources), np.concatenate(targets)
    graph = coo_matrix((np.ones(len(source), np.int8), (source, target)), shape=(count, count))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


def band_layout(threshold: float) -> tuple[int, int]:
    """(bands, rows per band) that MinHashLSH picks for the threshold; one band of every row when the
    threshold is so high that it finds no layout (then only near-identical signatures are candidates)."""
    try:
        layout = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    except ValueError:
        return 1, NUM_PERM
    return layout.b, layout.r


def _hash_new_texts(session: Session) -> int:
    """Store the signature of every text that has none yet; returns how many were added."""
    added, after = 0, ""
    known = select(NearDuplicateSignature.content_hash)
    while True:
        page = session.execute(
            select(Interaction.content_hash, Interaction.user_message, Interaction.assistant_message)
            .where(Interaction.content_hash > after, Interaction.content_hash.not_in(known))
            .order_by(Interaction.content_hash)
            .limit(BATCH)
        ).all()
        if not page:
            return added
        texts = {row.content_hash: (row.user_message, row.assistant_message) for row in page}
        matrix = signatures(list(texts.values()))
        bulk_insert(
            session,
            _SIGNATURES,
            [{"content_hash": h, "signature": m.tobytes()} for h, m in zip(texts, matrix, strict=True)],
        )
        added += len(texts)
        after = page[-1].content_hash


def _load_signatures(session: Session) -> tuple[list[str], NDArray[np.uint32]]:
    hashes: list[str] = []
    chunks: list[bytes] = []
    rows = session.execute(
        select(NearDuplicateSignature.content_hash, NearDuplicateSignature.signature).order_by(
            NearDuplicateSignature.content_hash
        )
    )
    for content_hash, signature in rows:
        hashes.append(content_hash)
        chunks.append(bytes(signature))
    matrix = np.frombuffer(b"".join(chunks), dtype=np.uint32).reshape(len(hashes), NUM_PERM)
    return hashes, matrix


def _ranked(session: Session) -> Iterator[Any]:
    """Every interaction with what decides its rank in a group (keyset pages by id)."""
    interaction_id = Interaction.id
    user = Rating.source == "user"
    reviewer_stars = (
        select(func.max(Rating.stars))
        .where(Rating.interaction_id == interaction_id, Rating.source == "reviewer")
        .scalar_subquery()
    )
    user_stars = select(func.max(Rating.stars)).where(Rating.interaction_id == interaction_id, user)
    review_rank = case(
        (Review.status == "approved", 2), (Review.status == "rejected", 0), else_=1
    )  # no review counts as pending
    after = ""
    while True:
        page = session.execute(
            select(
                interaction_id,
                Interaction.content_hash,
                Interaction.created_at,
                func.coalesce(
                    select(review_rank).where(Review.interaction_id == interaction_id).scalar_subquery(), 1
                ).label("review_rank"),
                func.coalesce(reviewer_stars, user_stars.scalar_subquery(), 0).label("stars"),
                exists()
                .where(Rating.interaction_id == interaction_id, user, Rating.thumbs == "up")
                .label("thumbs_up"),
            )
            .where(interaction_id > after)
            .order_by(interaction_id)
            .limit(BATCH)
        ).all()
        if not page:
            return
        yield from page
        after = page[-1].id


def _canonicals(session: Session, group_of: dict[str, int]) -> tuple[dict[int, str], dict[int, int]]:
    """{group: canonical interaction id} and {group: number of interactions}."""
    best: dict[int, tuple[int, int, bool, datetime, str]] = {}
    sizes: dict[int, int] = {}
    for row in _ranked(session):
        group = group_of[row.content_hash]
        sizes[group] = sizes.get(group, 0) + 1
        key = (-row.review_rank, -row.stars, not row.thumbs_up, row.created_at, row.id)
        if group not in best or key < best[group]:
            best[group] = key
    return {group: key[-1] for group, key in best.items()}, sizes


def _write_groups(
    session: Session, group_of: dict[str, int], canonical: dict[int, str], sizes: dict[int, int]
) -> int:
    """Point every grouped interaction at its canonical member and clear the rest; returns rows changed."""
    statement = (
        update(_INTERACTIONS)
        .where(_INTERACTIONS.c.id == bindparam("target"))
        .values(duplicate_of=bindparam("pointer"))
    )
    changes: list[dict[str, str | None]] = []
    changed, after = 0, ""
    while True:
        page = session.execute(
            select(Interaction.id, Interaction.content_hash, Interaction.duplicate_of)
            .where(Interaction.id > after)
            .order_by(Interaction.id)
            .limit(BATCH)
        ).all()
        for row in page:
            group = group_of[row.content_hash]
            wanted = canonical[group] if sizes[group] > 1 else None
            if row.duplicate_of != wanted:
                changes.append({"target": row.id, "pointer": wanted})
        if changes and (len(changes) >= BATCH or not page):
            session.connection().execute(statement, changes)
            changed += len(changes)
            changes = []
        if not page:
            return changed
        after = page[-1].id
