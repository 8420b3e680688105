"""Dataset build + validate + export of `BENCH_DATASET_SIZE` examples (default 100,000; budget ≤ 20 s).

In: an example count, a database kind and a scratch folder. Out: result rows — the build (with the time of each
of its stages: select and shape, validate, split, pair, hash, freeze), the validation of the exported OpenAI file
with `core.dataset.validate`, each export format, and the total build + validate + export (OpenAI file).

The database holds `bloomtune demo` data (realistic conversations, topics, ratings, a few PII and near-duplicate
samples) topped up with imported, 4-5 star rated conversations written like the validation benchmark's file
(demo-catalogue questions with a personal detail, answers worded per user, a quarter with a follow-up turn)
until there are enough distinct high-quality examples. Loading Presidio's engines and the tokenizer
vocabulary is a one-time cost per process, measured in its own row and outside the total.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple, TypeVar

import orjson
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.databases import fresh_database
from bench.validate import write_training_file
from core import privacy
from core.auth import DEV_ADMIN
from core.config import Settings
from core.dataset.build import build_dataset
from core.dataset.candidates import candidate_filter
from core.dataset.export import FORMATS, export_version
from core.dataset.spec import DatasetSpec
from core.dataset.tokens import encoding_for
from core.dataset.validate import validate_file
from core.db import make_engine, session_scope
from core.demo import generate_demo
from core.ingest.importer import import_files
from core.models import Interaction

T = TypeVar("T")
DEMO_INTERACTIONS = 20_000
SPEC = DatasetSpec(name="bench")


def measure_dataset(kind: str, count: int, folder: Path) -> list[dict[str, object]]:
    with fresh_database(kind, folder) as url:
        engine = make_engine(url)
        settings = Settings(database_url=url, pseudonym_key=SecretStr("bench-key"))
        with session_scope(engine) as session:
            generate_demo(
                session=session,
                principal=DEV_ADMIN,
                settings=settings,
                interactions=DEMO_INTERACTIONS,
                seed=7,
            )
            _top_up(session, settings, count, folder)
        _, warm_up = _timed(_warm_up)
        rows = [_row(kind, "warm-up: PII engines and tokenizer (once per process)", warm_up, None)]
        with session_scope(engine) as session:
            stages: list[tuple[Clock, str]] = []
            started = _now()
            version, build = _timed(
                lambda: build_dataset(
                    session=session,
                    principal=DEV_ADMIN,
                    settings=settings,
                    spec=SPEC,
                    progress=lambda _fraction, stage: stages.append((_now(), stage)),
                )
            )
            examples = int(version.counts["examples"])
            rows.append(_row(kind, f"build {examples:,} examples", build, examples))
            rows += [
                _row(kind, f"  build stage: {name}", clock, None)
                for name, clock in _stage_times(started, stages)
            ]
            exports: dict[str, Clock] = {}
            for fmt in FORMATS:
                out = folder / f"bench-{fmt}.jsonl"
                exported, exports[fmt] = _timed(
                    lambda fmt=fmt, out=out: export_version(  # type: ignore[misc]
                        session=session,
                        principal=DEV_ADMIN,
                        version_id=version.id,
                        fmt=fmt,
                        split=None,
                        out=out,
                    )
                )
                rows.append(
                    _row(kind, f"export {fmt} ({exported.examples:,} lines)", exports[fmt], exported.examples)
                )
        report, validate = _timed(lambda: validate_file(folder / "bench-openai.jsonl", model="gpt-4.1-mini"))
        assert report.ok and report.examples == examples, report.errors
        rows.append(_row(kind, f"validate exported OpenAI file ({examples:,} examples)", validate, examples))
        total = Clock(*(sum(parts) for parts in zip(build, validate, exports["openai"], strict=True)))
        rows.append(
            _row(
                kind, f"TOTAL build + validate + export, {examples:,} examples (budget 20 s)", total, examples
            )
        )
        engine.dispose()
    return rows


def _top_up(session: Session, settings: Settings, count: int, folder: Path) -> None:
    """Import rated conversations until at least `count` distinct high-quality examples exist."""
    seed = 0
    while (have := _distinct_candidates(session)) < count:
        seed += 1
        need = int((count - have) * 1.1) + 100
        source = write_training_file(folder / f"bench-source-{seed}.jsonl", need, seed=seed)
        export = _rated_export(source, folder / f"bench-import-{seed}.jsonl", seed)
        import_files([export], "openai", session=session, principal=DEV_ADMIN, settings=settings)


def _distinct_candidates(session: Session) -> int:
    return (
        session.scalar(
            select(func.count(func.distinct(Interaction.content_hash))).where(candidate_filter(SPEC))
        )
        or 0
    )


def _rated_export(source: Path, target: Path, seed: int) -> Path:
    """The validation benchmark's conversations as app-export records with a 4-5 star rating each."""
    rng = random.Random(seed)
    start = datetime(2026, 6, 1, tzinfo=UTC)
    with source.open("rb") as lines, target.open("wb") as out:
        for i, line in enumerate(lines):
            record = orjson.loads(line)
            record["rating"] = rng.choice((4, 5, 5))
            record["metadata"] = {
                "user_id": f"bench-user-{seed}-{rng.randint(1, 5_000)}",
                "created_at": (start + timedelta(seconds=30 * i + seed)).isoformat(),
                "model": "gpt-4.1-mini-2025-04-14",
            }
            out.write(orjson.dumps(record) + b"\n")
    return target


def _warm_up() -> None:
    privacy.scrub("My name is Alice Smith and my email is alice@example.org")
    encoding_for(None)
    encoding_for("gpt-4.1-mini")


class Clock(NamedTuple):
    wall: float
    cpu: float  # this process's CPU time, all threads: steadier than wall time on a shared machine


def _now() -> Clock:
    return Clock(time.perf_counter(), time.process_time())


def _timed(work: Callable[[], T]) -> tuple[T, Clock]:
    before = _now()
    result = work()
    after = _now()
    return result, Clock(after.wall - before.wall, after.cpu - before.cpu)


def _stage_times(started: Clock, stages: list[tuple[Clock, str]]) -> list[tuple[str, Clock]]:
    """Time from each progress report to the next, named by the report (counters folded into one row)."""
    named: dict[str, Clock] = {}
    previous, previous_name = started, "start"
    for moment, stage in stages:
        spent = named.get(previous_name, Clock(0.0, 0.0))
        named[previous_name] = Clock(
            spent.wall + moment.wall - previous.wall, spent.cpu + moment.cpu - previous.cpu
        )
        previous, previous_name = moment, stage.split(" ")[0]
    return list(named.items())


def _row(kind: str, name: str, clock: Clock, examples: int | None) -> dict[str, object]:
    rate = f"{examples / clock.wall:,.0f} examples/s, " if examples and clock.wall > 0 else ""
    return {
        "benchmark": name,
        "database": kind,
        "seconds": round(clock.wall, 2),
        "rate": f"{rate}{clock.cpu:.2f} s CPU",
    }
