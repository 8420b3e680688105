"""The validator's rules: one failing example per error key, valid examples per role/key that must pass,
per-example counting with line numbers, blank lines, warnings, token statistics and the report contract."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from core.dataset.tokens import count_chat_tokens, encoding_for
from core.dataset.validate import ERROR_KEYS, validate_file, validate_lines
from core.errors import InputError

SYSTEM = {"role": "system", "content": "You are a helpful menstrual-health assistant."}
USER = {"role": "user", "content": "Is it normal to have cramps before my period?"}
ASSISTANT = {"role": "assistant", "content": "Yes, mild cramps a day or two before are common."}
TOOL_CALL = {"id": "call_1", "type": "function", "function": {"name": "cycle_day", "arguments": "{}"}}
REPORT_KEYS = {
    "examples",
    "errors",
    "error_lines",
    "warnings",
    "tokens",
    "epochs",
    "billed_tokens",
    "estimated_cost_usd",
}


def line(value: Any) -> bytes:
    return orjson.dumps(value) + b"\n"


def example(*messages: Any) -> bytes:
    return line({"messages": list(messages)})


def errors_of(raw: bytes) -> dict[str, int]:
    return validate_lines([raw]).errors


FAILING = {
    "invalid_json": b'{"messages": [',
    "data_type": line(["not", "an", "object"]),
    "missing_messages_list": line({"prompt": "hi", "completion": "hello"}),
    "message_missing_key": example(USER, {"content": "no role"}, ASSISTANT),
    "message_unrecognized_key": example(USER, {**ASSISTANT, "rating": 5}),
    "unrecognized_role": example({"role": "bot", "content": "hi"}, USER, ASSISTANT),
    "missing_content": example(USER, {"role": "assistant", "content": "   "}),
    "invalid_weight": example(USER, {**ASSISTANT, "weight": 2}),
    "example_missing_assistant_message": example(SYSTEM, USER),
}


def test_every_error_key_has_a_failing_example() -> None:
    assert set(FAILING) == set(ERROR_KEYS)


@pytest.mark.parametrize("key", ERROR_KEYS)
def test_each_error_key_is_reported_alone(key: str) -> None:
    assert errors_of(FAILING[key]) == {key: 1}


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        (b'{"messages": NaN}', "invalid_json"),
        (b'{"messages": [1e999]}', "invalid_json"),
        (b'"\\ud800"', "invalid_json"),
        (b'{"messages": "\xff\xfe"}', "invalid_json"),
        (b"\xef\xbb\xbf" + example(USER, ASSISTANT), "invalid_json"),
        (line("a string"), "data_type"),
        (line(42), "data_type"),
        (line(None), "data_type"),
        (example(USER, "not a message", ASSISTANT), "data_type"),
        (line({"messages": []}), "missing_messages_list"),
        (line({"messages": {"role": "user"}}), "missing_messages_list"),
        (line({"messages": None}), "missing_messages_list"),
        (example(USER, {"role": "user"}, ASSISTANT), "message_missing_key"),
        (example(USER, {"role": "assistant"}), "message_missing_key"),
        (example(USER, {"role": "assistant", "tool_calls": []}), "message_missing_key"),
        (example(USER, {**ASSISTANT, "Content": "x"}), "message_unrecognized_key"),
        (example({"role": 7, "content": "x"}, USER, ASSISTANT), "unrecognized_role"),
        (example({"role": ["user"], "content": "x"}, USER, ASSISTANT), "unrecognized_role"),
        (example({"role": "User", "content": "x"}, USER, ASSISTANT), "unrecognized_role"),
        (example(USER, {"role": "assistant", "content": ""}), "missing_content"),
        (example(USER, {"role": "assistant", "content": None}), "missing_content"),
        (example(USER, {"role": "assistant", "content": 5}), "missing_content"),
        (example(USER, {"role": "assistant", "content": []}), "missing_content"),
        (example(USER, {"role": "assistant", "content": [{"text": "no type"}]}), "missing_content"),
        (example({"role": "user", "content": None}, ASSISTANT), "missing_content"),
        (
            example(USER, {"role": "tool", "tool_call_id": "call_1", "content": ""}, ASSISTANT),
            "missing_content",
        ),
        (example(USER, {**ASSISTANT, "weight": True}), "invalid_weight"),
        (example(USER, {**ASSISTANT, "weight": "1"}), "invalid_weight"),
        (example(USER, {**ASSISTANT, "weight": 0.5}), "invalid_weight"),
        (example({**USER, "weight": 1}, ASSISTANT), "invalid_weight"),
        (example({**SYSTEM, "weight": 0}, USER, ASSISTANT), "invalid_weight"),
        (
            example(SYSTEM, USER, {"role": "function", "name": "f", "content": "x"}),
            "example_missing_assistant_message",
        ),
    ],
)
def test_more_failing_examples(raw: bytes, key: str) -> None:
    assert errors_of(raw) == {key: 1}


VALID = {
    "system_user_assistant": example(SYSTEM, USER, ASSISTANT),
    "developer_instead_of_system": example({"role": "developer", "content": "Be brief."}, USER, ASSISTANT),
    "multi_turn_with_weights": example(
        SYSTEM, USER, {**ASSISTANT, "weight": 0}, USER, {**ASSISTANT, "weight": 1}
    ),
    "float_weight_one": example(USER, {**ASSISTANT, "weight": 1.0}),
    "names": example({**USER, "name": "ana"}, {**ASSISTANT, "name": "bloom"}),
    "tool_call_with_null_content": example(
        USER,
        {"role": "assistant", "content": None, "tool_calls": [TOOL_CALL]},
        {"role": "tool", "tool_call_id": "call_1", "content": '{"day": 14}'},
        ASSISTANT,
    ),
    "tool_call_without_content": example(USER, {"role": "assistant", "tool_calls": [TOOL_CALL]}),
    "tool_call_with_empty_content": example(
        USER, {"role": "assistant", "content": "", "tool_calls": [TOOL_CALL]}
    ),
    "legacy_function_call": example(
        USER,
        {"role": "assistant", "content": None, "function_call": {"name": "cycle_day", "arguments": "{}"}},
        {"role": "function", "name": "cycle_day", "content": "14"},
        ASSISTANT,
    ),
    "content_parts": example(
        {"role": "user", "content": [{"type": "text", "text": "What is this?"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "A cycle chart."}]},
    ),
    "top_level_extras": line({"messages": [USER, ASSISTANT], "tools": [], "metadata": {"rating": 5}}),
    "unicode": example({"role": "user", "content": "¿Es normal? 生理痛 😣"}, ASSISTANT),
    "crlf_line_end": example(USER, ASSISTANT).rstrip(b"\n") + b"\r\n",
}


@pytest.mark.parametrize("name", VALID)
def test_valid_examples_pass(name: str) -> None:
    report = validate_lines([VALID[name]])
    assert report.ok, report.as_dict()
    assert report.examples == 1 and len(report.token_counts) == 1


def test_counts_are_per_example_with_one_based_line_numbers() -> None:
    bad = example(USER, {"content": "a"}, {"content": "b"}, {"role": "x", "content": "c"})
    report = validate_lines([example(SYSTEM, USER, ASSISTANT), bad, b"nope\n", bad])
    assert report.errors == {
        "invalid_json": 1,
        "message_missing_key": 2,
        "unrecognized_role": 2,
        "example_missing_assistant_message": 2,
    }
    assert report.error_lines["message_missing_key"] == [2, 4]
    assert report.error_lines["invalid_json"] == [3]
    assert list(report.error_lines) == [key for key in ERROR_KEYS if key in report.error_lines]
    assert not report.ok
    assert report.examples == 4 and len(report.token_counts) == 1


def test_blank_lines_are_skipped_and_reported_as_a_warning() -> None:
    report = validate_lines([b"\n", example(USER, ASSISTANT), b"   \r\n", example(USER, ASSISTANT), b""])
    assert report.ok and report.examples == 2
    assert warning(report.as_dict(), "blank_line")["lines"] == [1, 3, 5]


def warning(report: dict[str, Any], key: str) -> dict[str, Any]:
    found = [w for w in report["warnings"] if w["key"] == key]
    assert len(found) == 1, report["warnings"]
    return found[0]


def warning_keys(report: dict[str, Any]) -> set[str]:
    return {w["key"] for w in report["warnings"]}


def test_missing_system_and_user_messages_are_warnings_with_lines() -> None:
    report = validate_lines(
        [example(SYSTEM, USER, ASSISTANT), example(USER, ASSISTANT), example(SYSTEM, ASSISTANT)],
        model="gpt-4o-mini",
        training_price_per_1m=3.0,
    ).as_dict()
    assert report["errors"] == {}
    assert warning(report, "no_system_message") == {
        "key": "no_system_message",
        "message": "example has no system (or developer) message",
        "count": 1,
        "lines": [2],
    }
    assert warning(report, "no_user_message")["lines"] == [3]
    assert warning_keys(report) == {"no_system_message", "no_user_message"}


def test_too_long_examples_are_warned_and_billed_only_up_to_the_limit() -> None:
    huge = {"role": "user", "content": "word " * 70_000}
    report = validate_lines(
        [example(SYSTEM, USER, ASSISTANT), example(huge, ASSISTANT)], model="gpt-4o-mini-2024-07-18"
    )
    short, long = report.token_counts
    assert long > 65_536
    assert warning(report.as_dict(), "too_long")["lines"] == [2]
    assert report.billed_tokens == short + 65_536


def test_file_level_warnings_for_unknown_model_price_and_tokenizer() -> None:
    report = validate_lines([example(USER, ASSISTANT)], model="gemini-3.5-flash").as_dict()
    assert {"approximate_tokens", "unknown_token_limit", "unknown_price"} <= warning_keys(report)
    assert "o200k_base" in warning(report, "approximate_tokens")["message"]
    assert report["estimated_cost_usd"] is None
    known = validate_lines([example(USER, ASSISTANT)], model="gpt-4.1-mini", training_price_per_1m=5.0)
    assert warning_keys(known.as_dict()) == {"no_system_message"}


def test_token_counts_follow_the_cookbook_rule() -> None:
    encoding = encoding_for("gpt-4o")
    messages = [SYSTEM, {**USER, "name": "ana"}, ASSISTANT]
    by_hand = 3 + sum(3 + sum(len(encoding.encode(v)) for v in m.values()) for m in messages) + 1
    assert count_chat_tokens(messages, encoding) == by_hand
    report = validate_lines([example(*messages)], model="gpt-4o")
    assert report.token_counts == [by_hand]


def test_token_statistics() -> None:
    lines = [example({"role": "user", "content": "hi " * n}, ASSISTANT) for n in (1, 10, 20, 30, 100)]
    report = validate_lines([*lines, b"broken\n"], model="gpt-4o")
    counts = sorted(report.token_counts)
    tokens = report.as_dict()["tokens"]
    assert tokens["min"] == counts[0] and tokens["max"] == counts[-1]
    assert tokens["total"] == sum(counts) and tokens["mean"] == round(sum(counts) / 5, 2)
    assert tokens["p50"] == counts[2]
    assert tokens["p90"] == pytest.approx(counts[3] + 0.6 * (counts[4] - counts[3]), abs=0.01)


def test_report_has_exactly_the_contract_keys_even_when_empty() -> None:
    report = validate_lines([]).as_dict()
    assert set(report) == REPORT_KEYS
    assert report["examples"] == 0 and report["epochs"] is None and report["billed_tokens"] == 0
    assert report["tokens"] == {"min": None, "mean": None, "p50": None, "p90": None, "max": None, "total": 0}
    assert orjson.loads(orjson.dumps(report)) == report


def test_validate_file_reads_from_disk_and_refuses_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_bytes(example(SYSTEM, USER, ASSISTANT) + b"{bad\n")
    report = validate_file(path, model="gpt-4o-mini", training_price_per_1m=3.0)
    assert report.examples == 2 and report.error_lines == {"invalid_json": [2]}
    with pytest.raises(InputError, match="cannot read"):
        validate_file(tmp_path / "missing.jsonl")
    with pytest.raises(InputError, match="cannot read"):
        validate_file(tmp_path)


@pytest.mark.parametrize("depth", [300, 1000, 1019, 1020, 5000])
def test_deeply_nested_values_do_not_crash(depth: int) -> None:
    calls = b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "tool_calls": ['
    raw = calls + b"[" * depth + b"]" * depth + b"]}]}"
    report = validate_lines([raw])
    assert report.examples == 1
    assert report.ok is (depth + 4 <= 1024)  # orjson reads 1,024 levels; deeper is not JSON we accept
