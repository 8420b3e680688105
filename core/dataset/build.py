"""Build a dataset version: select, clean, split and freeze training examples (DESIGN.md §5).

In: a `DatasetSpec`, the settings, a principal allowed to manage datasets and an optional progress callback
`progress(fraction, stage)`. Out: the new, immutable `DatasetVersion` (committed once, audited) with
- `spec` (defaults resolved), `system_prompt`, `counts` (what each step kept and dropped, per split and topic),
  `token_stats` (min, mean, p50, p90, max, total per example, system prompt included);
- `files`: per format (`openai`, `openai-dpo`, `vertex`) and split (`train`, `validation`, `all`) the sha256,
  examples and bytes of the file `core.dataset.export` writes;
- lineage: one `dataset_member` per example (interaction, user pseudonym, split, position, primary topic,
  the frozen messages and token count) and one `dataset_pair` per DPO pair.

Steps: high-quality candidates in SQL (near duplicates marked by `duplicate_of` left out) → reviewer ideal
answers → personal data scrubbed → exact duplicates (normalised question and answer) dropped, the oldest kept
→ system prompt and earlier turns up to the token budget → train/validation split stratified by primary topic,
seeded → preference pairs → frozen. Nothing is written when a step refuses. The examples are valid by
construction (user/assistant turns with non-blank text after a system prompt, ending with the answer); the
readiness gate and the export round-trip tests run them through `core.dataset.validate`.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit, privacy
from core.auth import Permission, Principal, require
from core.config import Settings
from core.dataset.candidates import (
    Example,
    Shaping,
    iter_examples,
    near_duplicates,
    normal,
)
from core.dataset.export import ALL, FORMATS, SFT_WRITERS, dpo_line
from core.dataset.pairs import SOURCES, Pair, collect_pairs
from core.dataset.spec import DatasetSpec
from core.dataset.tokens import TokenCounter, encoding_for
from core.dataset.validate import token_stats
from core.errors import InputError
from core.models import DatasetMember, DatasetPair, DatasetVersion, Interaction
from core.sql import bulk_insert

Progress = Callable[[float, str], None]
_INSERT_BATCH: Final = 10_000


def build_dataset(
    *,
    session: Session,
    principal: Principal,
    settings: Settings,
    spec: DatasetSpec,
    progress: Progress | None = None,
) -> DatasetVersion:
    """Build and freeze the next version of `spec.name` (see the module docstring)."""
    require(principal, Permission.MANAGE_DATASETS)
    report = progress or _silent
    spec = spec.resolved(settings)
    if found := privacy.detect(spec.system_prompt or ""):
        raise InputError(f"the system prompt holds personal data ({', '.join(found)}); remove it first")
    report(0.0, "selecting candidates")
    counter = TokenCounter(encoding_for(None))
    shaping = Shaping()
    shaped = _reported(iter_examples(session, spec, counter, shaping), _time_span(session, spec), report)
    examples, exact_duplicates = _unique(shaped)
    if not examples:
        raise InputError(
            f"no examples match the filters of {spec.name} ({shaping.candidates} candidates, {exact_duplicates} "
            f"exact duplicates, {shaping.too_long} over the token budget); widen the filters or rate more answers"
        )
    report(0.6, "splitting")
    splits = _stratified_split(examples, spec.validation_share, spec.seed)
    order = _shuffled(len(examples), spec.seed)
    report(0.7, "pairing preferences")
    pairs = collect_pairs(session, spec, examples, counter)
    pair_splits = _pair_splits(pairs, examples, splits, spec)
    pair_order = _shuffled(len(pairs), spec.seed)
    report(0.8, "hashing files")
    files = _file_digests(spec, examples, splits, order, pairs, pair_splits, pair_order)
    report(0.85, "freezing")
    counts = _counts(near_duplicates(session, spec), shaping, exact_duplicates, examples, splits)
    counts["pairs"] = _pair_counts(pairs, pair_splits)
    version = _freeze(session, principal, spec, counts, token_stats([e.tokens for e in examples]), files)
    _insert_members(session, version.id, examples, splits, order)
    _insert_pairs(session, version.id, pairs, pair_splits, pair_order)
    audit.record(
        session,
        principal,
        "dataset.build",
        f"dataset_version:{version.id}",
        name=version.name,
        version=version.version,
        examples=len(examples),
        pairs=len(pairs),
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise InputError(f"another build of {spec.name} finished first; build again") from None
    report(1.0, f"built {version.name}:{version.version}")
    return version


def _silent(_fraction: float, _stage: str) -> None:
    return None


def _time_span(session: Session, spec: DatasetSpec) -> tuple[datetime, datetime] | None:
    """First and last interaction time in the spec's range (by the index), to report progress by time."""
    first, last = session.execute(
        select(func.min(Interaction.created_at), func.max(Interaction.created_at))
    ).one()
    if first is None or last is None:
        return None
    return max(first, spec.start or first), min(last, spec.end or last)


def _reported(
    examples: Iterator[Example], span: tuple[datetime, datetime] | None, report: Progress
) -> Iterator[Example]:
    """Pass examples through, reporting progress (examples come in time order) every 5,000."""
    seconds = max((span[1] - span[0]).total_seconds(), 1.0) if span else 1.0
    for done, example in enumerate(examples, start=1):
        if done % 5_000 == 0 and span and example.created_at:
            elapsed = (example.created_at - span[0]).total_seconds()
            report(0.6 * min(max(elapsed / seconds, 0.0), 1.0), f"shaped {done:,} examples")
        yield example


def _unique(examples: Iterable[Example]) -> tuple[list[Example], int]:
    """Examples without exact duplicates (normalised question and answer), the first kept; and how many."""
    seen: set[tuple[str, str]] = set()
    kept: list[Example] = []
    dropped = 0
    for example in examples:
        key = (normal(example.question), normal(example.answer))
        if key in seen:
            dropped += 1
        else:
            seen.add(key)
            kept.append(example)
    return kept, dropped


def _stratified_split(examples: list[Example], share: float, seed: int) -> list[str]:
    """`train`/`validation` per example, stratified by primary topic and seeded.

    round(n × share) examples go to validation; each topic gets its proportional share rounded down and the
    rest go to the topics with the largest remainders (ties by topic name), so small topics are represented
    as fairly as whole examples allow. Within a topic a seeded shuffle picks which examples.
    """
    by_topic: dict[str, list[int]] = defaultdict(list)
    for index, example in enumerate(examples):
        by_topic[example.topic].append(index)
    exact = {topic: len(indexes) * share for topic, indexes in by_topic.items()}
    quota = {topic: int(value) for topic, value in exact.items()}
    left = round(len(examples) * share) - sum(quota.values())
    for topic in sorted(exact, key=lambda t: (quota[t] - exact[t], t))[: max(left, 0)]:
        quota[topic] += 1
    splits = ["train"] * len(examples)
    for topic in sorted(by_topic):
        indexes = by_topic[topic]
        random.Random(f"{seed}:{topic}").shuffle(indexes)
        for index in indexes[: quota[topic]]:
            splits[index] = "validation"
    return splits


def _shuffled(n: int, seed: int) -> list[int]:
    """A seeded permutation: `order[i]` is the file position of item i."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return order


def _pair_splits(
    pairs: list[Pair], examples: list[Example], splits: list[str], spec: DatasetSpec
) -> list[str]:
    """A correction pair follows its example's split; other pairs are placed by a seeded hash."""
    split_of = {e.interaction_id: split for e, split in zip(examples, splits, strict=True)}
    result = []
    for pair in pairs:
        if pair.source == "correction" and pair.interaction_id in split_of:
            result.append(split_of[pair.interaction_id])
            continue
        digest = hashlib.sha256(f"{spec.seed}:{'|'.join(pair.key)}".encode()).digest()
        result.append("validation" if int.from_bytes(digest[:8]) / 2**64 < spec.validation_share else "train")
    return result


def _file_digests(
    spec: DatasetSpec,
    examples: list[Example],
    splits: list[str],
    order: list[int],
    pairs: list[Pair],
    pair_splits: list[str],
    pair_order: list[int],
) -> dict[str, dict[str, dict[str, Any]]]:
    """sha256, examples and bytes of every file the exporter writes, computed from the same line writers."""
    digests: dict[str, dict[str, _Digest]] = {
        fmt: {split: _Digest() for split in ("train", "validation", ALL)} for fmt in FORMATS
    }
    for index in _in_position(order):
        split = splits[index]
        for fmt, write in SFT_WRITERS.items():
            line = write(spec.system_prompt, examples[index].messages)
            digests[fmt][split].add(line)
            digests[fmt][ALL].add(line)
    for index in _in_position(pair_order):
        pair = pairs[index]
        line = dpo_line(spec.system_prompt, pair.messages, pair.preferred, pair.non_preferred)
        digests["openai-dpo"][pair_splits[index]].add(line)
        digests["openai-dpo"][ALL].add(line)
    return {fmt: {split: d.as_dict() for split, d in by_split.items()} for fmt, by_split in digests.items()}


def _in_position(order: list[int]) -> list[int]:
    """Item indexes sorted by their file position."""
    by_position = [0] * len(order)
    for index, position in enumerate(order):
        by_position[position] = index
    return by_position


class _Digest:
    def __init__(self) -> None:
        self.hash = hashlib.sha256()
        self.examples = 0
        self.bytes = 0

    def add(self, line: bytes) -> None:
        self.hash.update(line)
        self.examples += 1
        self.bytes += len(line)

    def as_dict(self) -> dict[str, Any]:
        return {"sha256": self.hash.hexdigest(), "examples": self.examples, "bytes": self.bytes}


def _counts(
    near: int,
    shaping: Shaping,
    exact_duplicates: int,
    examples: list[Example],
    splits: list[str],
) -> dict[str, Any]:
    per_topic: dict[str, Counter[str]] = defaultdict(Counter)
    for example, split in zip(examples, splits, strict=True):
        per_topic[example.topic][split] += 1
    return {
        "candidates": shaping.candidates,
        "near_duplicates": near,
        "ideal_answers": shaping.ideal_answers,
        "pii_scrubbed": shaping.pii_scrubbed,
        "exact_duplicates": exact_duplicates,
        "no_question": shaping.no_question,
        "turns_trimmed": shaping.turns_trimmed,
        "too_long": shaping.too_long,
        "examples": len(examples),
        "train": splits.count("train"),
        "validation": splits.count("validation"),
        "users": len({e.user_pseudonym for e in examples if e.user_pseudonym}),
        "topics": {
            topic: {"train": c["train"], "validation": c["validation"]}
            for topic, c in sorted(per_topic.items())
        },
    }


def _pair_counts(pairs: list[Pair], pair_splits: list[str]) -> dict[str, int]:
    sources = Counter(pair.source for pair in pairs)
    return {
        **{source: sources[source] for source in SOURCES},
        "train": pair_splits.count("train"),
        "validation": pair_splits.count("validation"),
    }


def _freeze(
    session: Session,
    principal: Principal,
    spec: DatasetSpec,
    counts: dict[str, Any],
    tokens: dict[str, Any],
    files: dict[str, Any],
) -> DatasetVersion:
    latest = session.scalar(select(func.max(DatasetVersion.version)).where(DatasetVersion.name == spec.name))
    version = DatasetVersion(
        name=spec.name,
        version=(latest or 0) + 1,
        spec=spec.model_dump(mode="json"),
        system_prompt=spec.system_prompt,
        counts=counts,
        token_stats=tokens,
        files=files,
        created_by=principal.email,
        created_at=audit.utcnow(),
        contains_erased_data=False,
    )
    session.add(version)
    session.flush()
    return version


def _insert_members(
    session: Session, version_id: int, examples: list[Example], splits: list[str], order: list[int]
) -> None:
    table = DatasetMember.__table__
    rows = (
        {
            "dataset_version_id": version_id,
            "interaction_id": e.interaction_id,
            "user_pseudonym": e.user_pseudonym,
            "split": split,
            "position": position,
            "topic": e.topic,
            "messages": e.messages,
            "tokens": e.tokens,
        }
        for e, split, position in zip(examples, splits, order, strict=True)
    )
    for batch in _batches(rows):
        bulk_insert(session, table, batch)  # type: ignore[arg-type]


def _insert_pairs(
    session: Session, version_id: int, pairs: list[Pair], splits: list[str], order: list[int]
) -> None:
    table = DatasetPair.__table__
    rows = (
        {
            "dataset_version_id": version_id,
            "position": position,
            "split": split,
            "source": p.source,
            "interaction_id": p.interaction_id or None,
            "messages": p.messages,
            "preferred": p.preferred,
            "non_preferred": p.non_preferred,
        }
        for p, split, position in zip(pairs, splits, order, strict=True)
    )
    for batch in _batches(rows):
        bulk_insert(session, table, batch)  # type: ignore[arg-type]


def _batches(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == _INSERT_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
