"""File import: stream JSONL and CSV files into the database in batches.

In: paths, a format (`auto`, `openai`, `native`, `csv`), the session, the acting principal and an optional
progress callback (bytes read so far). Out: an `ImportReport` — read, imported, duplicates, rejected and the
line number and reason of every rejected record (capped, with a count of what was left out).

Memory stays constant: files are read a chunk of at most `CHUNK_RECORDS` records at a time and committed
every `IMPORT_BATCH_SIZE` records, one transaction per batch (a large file's first and last chunks are
smaller, so writing starts sooner and little is left for the end). Large JSONL files are parsed, built and
packed (`core.ingest.packed`: rollup sums and driver parameters included) by worker processes while this
process writes. On SQLite the connection gets the bulk-load settings of `core.sql.SQLITE_BULK` meanwhile
(restored afterwards), and a large import sets the random-key indexes aside (`core.ingest.bulk_indexes`;
the files' records are guessed from their size, `BYTES_PER_RECORD`). A killed
import leaves whole batches only; running it again stores the rest and reports the stored ones as
duplicates.
"""

from __future__ import annotations

import csv
import gc
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from core import audit
from core.auth import Permission, Principal, require
from core.config import Settings
from core.errors import InputError
from core.gcpause import collect_every, collector_paused
from core.ingest.bulk_indexes import Stage, indexes_set_aside
from core.ingest.packed import PackedBatch
from core.ingest.records import FORMATS, Format, Record, RecordError, parse_csv_row, parse_json_line
from core.ingest.writer import IngestWriter, RowBuilder
from core.parallel import in_order, worker_count, worker_pool
from core.pseudonym import Pseudonymizer
from core.sql import SQLITE_BULK, pragmas, set_pragmas

MAX_REPORTED_ERRORS = 10_000
PARALLEL_MIN_BYTES = 16_000_000
COLLECT_EVERY = 20  # chunks between garbage collections while the collector is paused
RAMP_MIN = 1000  # records in an import's first chunk at least (see `_chunks`)
CHUNK_RECORDS = 10_000  # records a worker prepares at a time at most
BYTES_PER_RECORD = 1000  # about what an exported record takes, to guess a file's records from its size
Progress = Callable[[int], None]
# (first line number, a block of raw JSON lines | a CSV row's record or the reason it is bad)
Item = tuple[int, bytes | Record | RecordError]
# the next chunk of at most n records (empty: there are no more) and how many records it holds
Take = Callable[[int], tuple[list[Item], int]]


@dataclass
class ImportReport:
    read: int = 0
    imported: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    errors_omitted: int = 0

    def reject(self, path: Path, line: int, reason: str) -> None:
        self.rejected += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append({"file": str(path), "line": line, "reason": reason})
        else:
            self.errors_omitted += 1

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def import_files(
    paths: list[Path],
    fmt: Format,
    *,
    session: Session,
    principal: Principal,
    settings: Settings,
    progress: Progress | None = None,
    stage: Stage | None = None,
) -> ImportReport:
    """Import every file in `paths`; bad records are reported, good ones stored. `progress` hears the bytes
    read so far; `stage` the name of a last step that reads nothing (rebuilding indexes)."""
    require(principal, Permission.IMPORT_DATA)
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    for path in paths:
        if not path.is_file():
            raise InputError(f"no such file: {path}")
    writer = IngestWriter(
        session,
        pseudonymize=Pseudonymizer(settings.pseudonym_key.get_secret_value()),
        source="import",
        scrub_pii=settings.scrub_pii_on_ingest,
    )
    report = ImportReport()
    usual = pragmas(session, SQLITE_BULK)
    incoming = sum(path.stat().st_size for path in paths) // BYTES_PER_RECORD
    with indexes_set_aside(session, incoming, stage):
        for path in paths:
            _import_file(path, fmt, writer, report, session, settings.import_batch_size, progress)
    # Performance-only settings: if the import fails they stay on the pooled connection, which is harmless.
    set_pragmas(session, usual)
    audit.record(
        session,
        principal,
        "import",
        ", ".join(p.name for p in paths)[:255],
        read=report.read,
        imported=report.imported,
        duplicates=report.duplicates,
        rejected=report.rejected,
    )
    session.commit()
    return report


def _import_file(
    path: Path,
    fmt: Format,
    writer: IngestWriter,
    report: ImportReport,
    session: Session,
    batch_size: int,
    progress: Progress | None,
) -> None:
    """Read chunks of records, parse, build and pack them (in worker processes for large files, so this
    overlaps with writing), then store them in file order, committing every `batch_size` records."""
    workers = _workers_for(path)
    reading = _Reading(path.stat().st_size, progress)
    prepare = partial(_prepare_chunk, fmt=fmt, builder=writer.builder, now=writer.now())
    batch = _Batch(path, writer, report, session, batch_size)
    with _reader(path, fmt, reading) as take:
        chunks = _chunks(take, min(batch_size, CHUNK_RECORDS), ramp=workers > 0, left=reading.items_left)
        if workers == 0:
            for chunk in chunks:
                batch.add(prepare(chunk))
            batch.commit()
            return
        with worker_pool(workers) as pool, collector_paused():  # rows hold no cycles; see core.gcpause
            prepared = in_order(pool, prepare, chunks, read_ahead=workers, first_here=prepare)
            for number, rows in enumerate(prepared, start=1):
                batch.add(rows)
                if number % COLLECT_EVERY == 0:
                    gc.collect()
            batch.commit()


def _workers_for(path: Path) -> int:
    return worker_count(path.stat().st_size >= PARALLEL_MIN_BYTES)


@dataclass
class PreparedChunk:
    read: int
    errors: list[tuple[int, str]]
    rows: PackedBatch


def _prepare_chunk(chunk: list[Item], fmt: Format, builder: RowBuilder, now: datetime) -> PreparedChunk:
    """Parse raw JSON lines (CSV rows arrive parsed) and build their rows; runs in a worker (whose collector
    is off: see core.gcpause) or inline."""
    collect_every(COLLECT_EVERY)
    errors: list[tuple[int, str]] = []
    records: list[Record] = []
    read = 0
    for line, item in _records(chunk, fmt):
        read += 1
        if isinstance(item, RecordError):
            errors.append((line, str(item)))
        else:
            records.append(item)
    return PreparedChunk(read=read, errors=errors, rows=builder.pack(records, now))


def _records(chunk: list[Item], fmt: Format) -> Iterator[tuple[int, Record | RecordError]]:
    """(line number, record or the reason it is bad) for every record of a chunk; a block of JSON lines is
    split here, blank lines skipped."""
    for first, item in chunk:
        if not isinstance(item, bytes):
            yield first, item
            continue
        for line, raw in enumerate(item.split(b"\n"), start=first):
            if raw.strip():
                try:
                    yield line, parse_json_line(raw, fmt)
                except RecordError as exc:
                    yield line, exc


@dataclass
class _Batch:
    """The open transaction: chunks are stored into it and it is committed every `size` records (a
    transaction may hold several chunks, which are smaller at the start and the end of a large file)."""

    path: Path
    writer: IngestWriter
    report: ImportReport
    session: Session
    size: int
    pending: int = 0  # records stored in the open transaction

    def add(self, chunk: PreparedChunk) -> None:
        report = self.report
        report.read += chunk.read
        for line, reason in chunk.errors:
            report.reject(self.path, line, reason)
        if chunk.rows.ids:
            if self.pending == 0:  # after a commit the session may hold another pooled connection
                set_pragmas(self.session, SQLITE_BULK)
            result = self.writer.store(chunk.rows)
            report.imported += len(result.accepted)
            report.duplicates += len(result.duplicates)
            self.pending += len(chunk.rows.ids)
        if self.pending >= self.size:
            self.commit()

    def commit(self) -> None:
        self.session.commit()
        self.pending = 0


def _chunks(
    take: Take, size: int, *, ramp: bool = False, left: Callable[[int], float] | None = None
) -> Iterator[list[Item]]:
    """Chunks of `size` records from `take`. With `ramp`, the first chunks are smaller (an eighth of `size`,
    at least `RAMP_MIN` records, doubling up to `size`): the writer starts on the first while the workers,
    still warming up, prepare the next, instead of waiting for a whole batch. With `left` too (the
    estimated number of records still to come, given how many were read), so are the last ones (half of
    what is left, at least `RAMP_MIN`): the writer's last chunk, which nothing overlaps, is a short one."""
    limit = min(size, max(size // 8, RAMP_MIN)) if ramp else size
    read = 0
    while True:
        chunk, records = take(limit)
        if not chunk:
            return
        yield chunk
        read += records
        limit = min(size, limit * 2)
        if ramp and left is not None and (half := left(read) / 2) < limit:
            limit = max(RAMP_MIN, int(half))


def _take_from(items: Iterator[Item]) -> Take:
    """A `Take` over items of one record each (CSV rows)."""

    def take(limit: int) -> tuple[list[Item], int]:
        chunk = list(islice(items, limit))
        return chunk, len(chunk)

    return take


@dataclass
class _Reading:
    """How far the reading of a file has got, for the progress callback and for `_chunks`."""

    size: int  # bytes in the file
    progress: Progress | None
    done: int = 0  # bytes read

    def advance(self, done: int) -> None:
        self.done = done
        if self.progress is not None:
            self.progress(done)

    def items_left(self, read: int) -> float:
        """The items still to come, estimated from the bytes per item so far."""
        return read * (self.size - self.done) / self.done if self.done else float("inf")


@contextmanager
def _reader(path: Path, fmt: Format, reading: _Reading) -> Iterator[Take]:
    """How to take the file's records a chunk at a time: JSON lines as one block of raw lines per chunk
    (one bytes object to hand to a worker, which splits and parses it), CSV rows parsed one by one."""
    if fmt == "csv" or (fmt == "auto" and path.suffix.lower() == ".csv"):
        yield _take_from(_csv_records(path, reading))
        return
    with path.open("rb") as handle:
        number = 1  # of the next line

        def take(limit: int) -> tuple[list[Item], int]:
            nonlocal number
            lines = list(islice(handle, limit))
            reading.advance(handle.tell())
            if not lines:
                return [], 0
            first, number = number, number + len(lines)
            return [(first, b"".join(lines))], len(lines)

        yield take


def _csv_records(path: Path, reading: _Reading) -> Iterator[Item]:
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
        reader = csv.DictReader(text)
        if not reader.fieldnames or not {"user_message", "assistant_message"} <= set(reader.fieldnames):
            raise InputError(f"{path}: a CSV needs a header row with user_message and assistant_message")
        start = reader.line_num + 1
        for row in reader:
            if reader.line_num % 1000 == 0:
                reading.advance(raw.tell())
            if None in row:
                yield start, RecordError("the row has more cells than the header")
            else:
                try:
                    yield start, parse_csv_row(row)
                except RecordError as exc:
                    yield start, exc
            start = reader.line_num + 1
    reading.advance(reading.size)
