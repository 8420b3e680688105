"""The validator never crashes: arbitrary bytes, arbitrary JSON values, and message-shaped objects with
arbitrary (deeply nested, huge, non-finite) values all give a well-formed report."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from core.dataset.validate import ERROR_KEYS, validate_lines

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**20, max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30,
)
KEYS = st.sampled_from(
    ["role", "content", "name", "weight", "tool_calls", "tool_call_id", "function_call", "x"]
)
ROLES = st.sampled_from(["system", "developer", "user", "assistant", "tool", "function", "bot", ""])
MESSAGES = st.dictionaries(KEYS, JSON_VALUES, max_size=5) | st.fixed_dictionaries(
    {"role": ROLES, "content": JSON_VALUES}, optional={"weight": JSON_VALUES, "tool_calls": JSON_VALUES}
)
EXAMPLES = st.dictionaries(
    st.sampled_from(["messages", "tools", "x"]), JSON_VALUES | st.lists(MESSAGES, max_size=5), max_size=3
)


def dumps(value: Any) -> bytes:
    # The standard library writes NaN, Infinity and huge integers; the validator must cope with them.
    return json.dumps(value, allow_nan=True).encode()


def assert_well_formed(lines: list[bytes], model: str | None = None) -> None:
    report = validate_lines(lines, model=model, training_price_per_1m=1.0)
    result = report.as_dict()
    nonblank = sum(1 for line in lines if line.strip())
    assert result["examples"] == nonblank
    assert set(result["errors"]) <= set(ERROR_KEYS)
    flagged = {n for numbers in result["error_lines"].values() for n in numbers}
    assert len(flagged) + len(report.token_counts) == nonblank
    assert all(count > 0 for count in report.token_counts)
    assert result["billed_tokens"] >= 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=200), max_size=5))
def test_arbitrary_bytes(lines: list[bytes]) -> None:
    assert_well_formed(lines)


@settings(max_examples=200, deadline=None)
@given(st.lists(JSON_VALUES, max_size=5))
def test_arbitrary_json_values(values: list[Any]) -> None:
    assert_well_formed([dumps(value) for value in values], model="gpt-4o-mini")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(EXAMPLES, min_size=1, max_size=5), st.sampled_from([None, "gpt-4o", "gpt-3.5-turbo", "gemini-x"])
)
def test_message_shaped_objects(examples: list[dict[str, Any]], model: str | None) -> None:
    assert_well_formed([dumps(example) for example in examples], model=model)


@given(st.integers(min_value=1, max_value=5000))
@example(1000)  # deeper than orjson writes, shallower than it reads
@settings(max_examples=20, deadline=None)
def test_deep_nesting(depth: int) -> None:
    nested = b'{"messages": ' + b"[" * depth + b"]" * depth + b"}"
    content = b'{"messages": [{"role": "user", "content": ' + b"[" * depth + b"]" * depth + b"}]}"
    calls = b'{"messages": [{"role": "assistant", "tool_calls": [' + b"[" * depth + b"]" * depth + b"]}]}"
    name = (
        b'{"messages": [{"role": "assistant", "content": "x", "name": '
        + b'{"a":' * depth
        + b"1"
        + b"}" * depth
    )
    assert_well_formed([nested, content, calls, name + b"}]}", b"[" * depth])
