"""File import: stream JSONL and CSV files into the database in batches.

In: paths, a format (`auto`, `openai`, `native`, `csv`), the session, the acting principal and an optional
progress callback (bytes read so far). Out: an `ImportReport` — read, imported, duplicates, rejected and the
line number and reason of every rejected record (capped, with a count of what was left out).

Memory stays constant: files are read line by line and written `IMPORT_BATCH_SIZE` records at a time, one
transaction per batch. A killed import leaves whole batches only; running it again stores the rest and
reports the stored ones as duplicates.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from core import audit
from core.auth import Permission, Principal, require
from core.config import Settings
from core.errors import InputError
from core.ingest.records import FORMATS, Format, Record, RecordError, parse_csv_row, parse_json_line
from core.ingest.writer import IngestWriter
from core.pseudonym import Pseudonymizer

MAX_REPORTED_ERRORS = 10_000
Progress = Callable[[int], None]


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
) -> ImportReport:
    """Import every file in `paths`; bad records are reported, good ones stored."""
    require(principal, Permission.IMPORT_DATA)
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    for path in paths:
        if not path.is_file():
            raise InputError(f"no such file: {path}")
    writer = IngestWriter(
        session, pseudonymize=Pseudonymizer(settings.pseudonym_key.get_secret_value()), source="import"
    )
    report = ImportReport()
    for path in paths:
        _import_file(path, fmt, writer, report, session, settings.import_batch_size, progress)
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
    batch: list[Record] = []
    for line, parsed in _records(path, fmt, progress):
        report.read += 1
        if isinstance(parsed, RecordError):
            report.reject(path, line, str(parsed))
            continue
        batch.append(parsed)
        if len(batch) >= batch_size:
            _flush(batch, writer, report, session)
    _flush(batch, writer, report, session)


def _flush(batch: list[Record], writer: IngestWriter, report: ImportReport, session: Session) -> None:
    if not batch:
        return
    result = writer.write(batch)
    session.commit()
    report.imported += len(result.accepted)
    report.duplicates += len(result.duplicates)
    batch.clear()


def _records(
    path: Path, fmt: Format, progress: Progress | None
) -> Iterator[tuple[int, Record | RecordError]]:
    """(line number, parsed record or the reason it failed) for every record in the file."""
    if fmt == "csv" or (fmt == "auto" and path.suffix.lower() == ".csv"):
        yield from _csv_records(path, progress)
    else:
        yield from _jsonl_records(path, fmt, progress)


def _jsonl_records(
    path: Path, fmt: Format, progress: Progress | None
) -> Iterator[tuple[int, Record | RecordError]]:
    done = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            done += len(raw)
            if progress is not None and number % 1000 == 0:
                progress(done)
            if not raw.strip():
                continue
            try:
                yield number, parse_json_line(raw, fmt)
            except RecordError as exc:
                yield number, exc
    if progress is not None:
        progress(done)


def _csv_records(path: Path, progress: Progress | None) -> Iterator[tuple[int, Record | RecordError]]:
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
        reader = csv.DictReader(text)
        if not reader.fieldnames or not {"user_message", "assistant_message"} <= set(reader.fieldnames):
            raise InputError(f"{path}: a CSV needs a header row with user_message and assistant_message")
        start = reader.line_num + 1
        for row in reader:
            if progress is not None and reader.line_num % 1000 == 0:
                progress(raw.tell())
            if None in row:
                yield start, RecordError("the row has more cells than the header")
            else:
                try:
                    yield start, parse_csv_row(row)
                except RecordError as exc:
                    yield start, exc
            start = reader.line_num + 1
    if progress is not None:
        progress(path.stat().st_size)
