"""Training files from a frozen dataset version: OpenAI SFT, OpenAI DPO and Vertex Gemini JSONL.

In: a dataset version id, a format (`openai`, `openai-dpo`, `vertex`), an optional split (`train`,
`validation`; None = both) and a principal allowed to manage datasets. Out: `export_version()` streams the
file to disk (a temporary file renamed into place, so nothing is half-written) and returns an `ExportedFile`
with its sha256 and example count; `export_bytes()` returns the same bytes for a download button.

The content comes from the version's frozen rows (`dataset_member.messages`, `dataset_pair`), never from the
live interactions, so the bytes match the sha256 recorded at build time. One line per example, written by
`orjson` (compact, keys in a fixed order):

- `openai`: `{"messages": [{"role", "content"}, …]}` — what OpenAI supervised fine-tuning reads; earlier
  assistant turns of a multi-turn example carry `"weight": 0`, so only the rated last answer is trained on;
- `openai-dpo`: `{"input": {"messages": […]}, "preferred_output": [{"role": "assistant", "content"}],
  "non_preferred_output": [ … ]}` — OpenAI preference fine-tuning (the prompt ends with a user turn);
- `vertex`: `{"systemInstruction": {"role": "system", "parts": [{"text"}]}, "contents": [{"role": "user" |
  "model", "parts": [{"text"}]}, …]}` — Vertex AI Gemini supervised tuning.

Personal data is re-checked at export: a file whose sha256 is the one recorded at build time holds exactly the
texts the build scrubbed and checked; any other file (a version changed since, or built before the check) is
scanned line by line with `core.privacy`, and the export is refused at the first line that still holds any.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, privacy
from core.auth import Permission, Principal, require
from core.dataset.rawjson import decoded, raw_json
from core.errors import InputError, NotFound
from core.models import DatasetMember, DatasetPair, DatasetVersion

Format = Literal["openai", "openai-dpo", "vertex"]
Split = Literal["train", "validation"]
FORMATS: Final[tuple[Format, ...]] = ("openai", "openai-dpo", "vertex")
SPLITS: Final[tuple[Split, ...]] = ("train", "validation")
ALL: Final = "all"  # the key of the both-splits file in `DatasetVersion.files`
_VERTEX_ROLES: Final = {"user": "user", "assistant": "model"}
_BATCH: Final = 2_000


@dataclass(frozen=True)
class ExportedFile:
    path: Path
    sha256: str
    examples: int


# -- one line per example (the stored messages carry no system prompt; the version holds it once) -----------


def with_system(system_prompt: str | None, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"role": "system", "content": system_prompt}, *messages] if system_prompt else messages


def openai_line(system_prompt: str | None, messages: list[dict[str, Any]]) -> bytes:
    """Earlier assistant turns carry `"weight": 0`: only the rated (or corrected) last answer is trained on."""
    last = len(messages) - 1
    weighted = [
        {**m, "weight": 0} if m["role"] == "assistant" and i < last else m for i, m in enumerate(messages)
    ]
    return orjson.dumps({"messages": with_system(system_prompt, weighted)}) + b"\n"


def vertex_line(system_prompt: str | None, messages: list[dict[str, Any]]) -> bytes:
    record: dict[str, Any] = {}
    if system_prompt:
        record["systemInstruction"] = {"role": "system", "parts": [{"text": system_prompt}]}
    record["contents"] = [
        {"role": _VERTEX_ROLES[m["role"]], "parts": [{"text": m["content"]}]}
        for m in messages
        if m["role"] in _VERTEX_ROLES
    ]
    return orjson.dumps(record) + b"\n"


def dpo_line(
    system_prompt: str | None, prompt: list[dict[str, Any]], preferred: str, non_preferred: str
) -> bytes:
    return (
        orjson.dumps(
            {
                "input": {"messages": with_system(system_prompt, prompt)},
                "preferred_output": [{"role": "assistant", "content": preferred}],
                "non_preferred_output": [{"role": "assistant", "content": non_preferred}],
            }
        )
        + b"\n"
    )


SFT_WRITERS: Final = {"openai": openai_line, "vertex": vertex_line}


# -- the services ----------------------------------------------------------------------------------------


def export_version(
    *,
    session: Session,
    principal: Principal,
    version_id: int,
    fmt: Format,
    split: Split | None,
    out: Path,
) -> ExportedFile:
    """Write one training file of a dataset version to `out`; audited."""
    require(principal, Permission.MANAGE_DATASETS)
    version = _version(session, version_id)
    lines = iter_lines(session, version, fmt, split)
    out.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    examples = 0
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            for line in lines:
                stream.write(line)
                digest.update(line)
                examples += 1
        if examples == 0:
            raise InputError(f"{_label(version)} has no {fmt} examples{_in(split)} to export")
        if not _as_built(version, fmt, split, digest.hexdigest()):
            with open(temporary, "rb") as written:
                _check_personal_data(written, version, fmt)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _audit(session, principal, version, fmt, split, examples, destination=str(out))
    return ExportedFile(path=out, sha256=digest.hexdigest(), examples=examples)


def export_bytes(
    *, session: Session, principal: Principal, version_id: int, fmt: Format, split: Split | None
) -> bytes:
    """The same file as `export_version` writes, in memory (for a download button); audited."""
    require(principal, Permission.MANAGE_DATASETS)
    version = _version(session, version_id)
    data = b"".join(iter_lines(session, version, fmt, split))
    if not data:
        raise InputError(f"{_label(version)} has no {fmt} examples{_in(split)} to export")
    if not _as_built(version, fmt, split, hashlib.sha256(data).hexdigest()):
        _check_personal_data(data.splitlines(), version, fmt)
    _audit(session, principal, version, fmt, split, data.count(b"\n"), destination="download")
    return data


def iter_lines(
    session: Session, version: DatasetVersion, fmt: Format, split: Split | None
) -> Iterator[bytes]:
    """The file's lines in order, read from the frozen rows a batch at a time."""
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if split is not None and split not in SPLITS:
        raise InputError(f"unknown split {split!r}; choose train or validation")
    if fmt == "openai-dpo":
        pairs = select(
            raw_json(DatasetPair.messages), DatasetPair.preferred, DatasetPair.non_preferred
        ).where(DatasetPair.dataset_version_id == version.id)
        if split is not None:
            pairs = pairs.where(DatasetPair.split == split)
        for prompt, preferred, non_preferred in _stream(session, pairs.order_by(DatasetPair.position)):
            yield dpo_line(version.system_prompt, decoded(prompt), preferred, non_preferred)
        return
    write = SFT_WRITERS[fmt]
    members = select(raw_json(DatasetMember.messages)).where(
        DatasetMember.dataset_version_id == version.id, DatasetMember.messages.is_not(None)
    )
    if split is not None:
        members = members.where(DatasetMember.split == split)
    for (messages,) in _stream(session, members.order_by(DatasetMember.position)):
        yield write(version.system_prompt, decoded(messages))


def texts_of(line: bytes) -> Iterator[str]:
    """Every text of an exported line, whatever its format (for the personal-data re-check)."""
    yield from _strings(orjson.loads(line))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("content", "text"):
                if isinstance(item, str):
                    yield item
            else:
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _as_built(version: DatasetVersion, fmt: str, split: str | None, sha256: str) -> bool:
    """Whether these bytes are exactly the file the build checked (its recorded sha256)."""
    recorded = (version.files or {}).get(fmt, {}).get(split or ALL, {})
    return bool(recorded) and recorded.get("sha256") == sha256


def _check_personal_data(lines: Iterable[bytes], version: DatasetVersion, fmt: str) -> None:
    """Refuse the export at the first line that still holds personal data."""
    for number, line in enumerate(lines, start=1):
        for text in texts_of(line):
            if privacy.is_candidate(text) and (found := privacy.detect(text)):
                raise InputError(
                    f"export refused: line {number} of the {fmt} file of {_label(version)} still holds "
                    f"personal data ({', '.join(found)}); rebuild the version after scrubbing it"
                )


def _stream(session: Session, statement: Any) -> Iterator[Any]:
    yield from session.execute(statement.execution_options(yield_per=_BATCH))


def _version(session: Session, version_id: int) -> DatasetVersion:
    version = session.get(DatasetVersion, version_id)
    if version is None:
        raise NotFound(f"dataset version {version_id} does not exist")
    return version


def _audit(
    session: Session,
    principal: Principal,
    version: DatasetVersion,
    fmt: str,
    split: str | None,
    examples: int,
    *,
    destination: str,
) -> None:
    audit.record(
        session,
        principal,
        "dataset.export",
        f"dataset_version:{version.id}",
        format=fmt,
        split=split or ALL,
        examples=examples,
        destination=destination,
    )
    session.commit()


def _label(version: DatasetVersion) -> str:
    return f"dataset {version.name}:{version.version}"


def _in(split: str | None) -> str:
    return f" in the {split} split" if split else ""
