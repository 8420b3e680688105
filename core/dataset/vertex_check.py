"""A structural check of Vertex AI Gemini supervised-tuning JSONL (what `core.dataset.export` writes).

In: the lines of a file as bytes. Out: `check_vertex_lines()` → problem key → 1-based line numbers (empty when
the file is well formed); `vertex_problems(line)` → the keys one line breaks.

Rules (Vertex AI "Prepare supervised fine-tuning data for Gemini models"): one JSON object per line with a
`contents` list and optionally a `systemInstruction`; each content has a `role` of `user` or `model` and a
non-empty `parts` list of objects with a non-blank `text`; the conversation starts with `user`, alternates,
and ends with `model` (the turn that is learnt). Keys: `invalid_json`, `data_type`, `unrecognized_key`,
`missing_contents`, `bad_role`, `missing_text`, `bad_system_instruction`, `not_alternating`,
`must_end_with_model`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

_TOP_KEYS = frozenset({"systemInstruction", "contents"})
_ROLES = frozenset({"user", "model"})


def check_vertex_lines(lines: Iterable[bytes]) -> dict[str, list[int]]:
    problems: dict[str, list[int]] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        for key in vertex_problems(line):
            problems.setdefault(key, []).append(number)
    return problems


def vertex_problems(line: bytes) -> list[str]:
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return ["invalid_json"]
    if not isinstance(record, dict):
        return ["data_type"]
    found: list[str] = []
    if set(record) - _TOP_KEYS:
        found.append("unrecognized_key")
    if "systemInstruction" in record and not _has_text_parts(record["systemInstruction"]):
        found.append("bad_system_instruction")
    contents = record.get("contents")
    if not isinstance(contents, list) or not contents:
        return [*found, "missing_contents"]
    if not all(isinstance(c, dict) and c.get("role") in _ROLES for c in contents):
        return [*found, "bad_role"]
    if not all(_has_text_parts(c) for c in contents):
        found.append("missing_text")
    roles = [c["role"] for c in contents]
    if roles[0] != "user" or any(a == b for a, b in zip(roles, roles[1:], strict=False)):
        found.append("not_alternating")
    if roles[-1] != "model":
        found.append("must_end_with_model")
    return found


def _has_text_parts(content: Any) -> bool:
    if not isinstance(content, dict):
        return False
    parts = content.get("parts")
    return (
        isinstance(parts, list)
        and bool(parts)
        and all(isinstance(p, dict) and isinstance(p.get("text"), str) and p["text"].strip() for p in parts)
    )
