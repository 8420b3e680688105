"""Parsing of single records in every format, and the reason given for every kind of bad record."""

from __future__ import annotations

import uuid

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.ingest.records import RecordError, content_id, parse_csv_row, parse_json_line, uuid5_text

QA = [{"role": "user", "content": "What is PMS?"}, {"role": "assistant", "content": "Premenstrual syndrome."}]


def line(obj: object) -> bytes:
    return orjson.dumps(obj)


def test_openai_record_takes_metadata_and_ratings() -> None:
    record = parse_json_line(
        line(
            {
                "messages": QA,
                "rating": 4,
                "thumbs": "up",
                "metadata": {"user_id": 17, "created_at": "2026-10-01T09:10:00+02:00", "model": "m"},
            }
        ),
        "auto",
    )
    assert record.user_id == "17"
    assert record.rating == 4 and record.thumbs == "up"
    assert record.created_at is not None and record.created_at.hour == 7  # converted to naive UTC
    assert record.model == "m"
    assert record.user_message == "What is PMS?"
    assert record.assistant_message == "Premenstrual syndrome."


def test_native_record_keeps_its_id_and_fields() -> None:
    obj = {"id": "abc", "conversation_id": "c1", "user_id": "u1", "messages": QA, "variant": "treatment"}
    record = parse_json_line(line(obj), "auto")
    assert (record.id, record.conversation_id, record.variant) == ("abc", "c1", "treatment")


def test_auto_detects_openai_without_native_keys() -> None:
    record = parse_json_line(line({"messages": QA, "id": "x"}), "openai")
    assert record.id != "x"  # openai format ignores top-level keys it does not define


def test_missing_id_is_deterministic_from_content() -> None:
    first = parse_json_line(line({"messages": QA, "rating": 5}), "auto")
    again = parse_json_line(line({"rating": 5, "messages": QA}), "auto")
    other = parse_json_line(line({"messages": QA, "rating": 4}), "auto")
    assert first.id == again.id != other.id
    assert first.id == content_id({"messages": QA, "rating": 5})


def test_error_status_may_end_without_an_answer() -> None:
    obj = {"id": "e1", "status": "error", "error_code": "upstream_timeout", "messages": QA[:1]}
    record = parse_json_line(line(obj), "native")
    assert record.status == "error" and record.assistant_message == ""


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"messages": [', "invalid JSON"),
        (b"[1, 2]", "expected a JSON object, got list"),
        (line({"rating": 5}), "messages: is required"),
        (line({"messages": []}), "messages: List should have at least 1 item"),
        (line({"messages": QA, "rating": 9}), "rating: Input should be less than or equal to 5"),
        (line({"messages": QA, "rating": "five"}), "rating: Input should be a valid integer"),
        (line({"messages": QA, "thumbs": "sideways"}), "thumbs: Input should be 'up' or 'down'"),
        (line({"messages": QA[:1]}), "messages: the last message must be the assistant's answer"),
        (line({"messages": QA[1:]}), "messages: there is no user message"),
        (
            line({"messages": [{"role": "robot", "content": "x"}, *QA]}),
            "messages.0.role: Input should be 'system', 'developer', 'user', 'assistant' or 'tool'",
        ),
        (line({"messages": [{"role": "user"}, QA[1]]}), "messages.0.content: is required"),
        (line({"messages": QA, "metadata": "u1"}), "metadata: must be a JSON object"),
        (line({"id": "n1", "messages": QA, "status": "maybe"}), "status: must be 'ok' or 'error'"),
        (line({"id": "n1", "messages": QA, "latency_ms": -3}), "latency_ms: Input should be greater than"),
        (
            line({"id": "n1", "messages": QA, "created_at": "yesterday"}),
            "created_at: Input should be a valid",
        ),
    ],
)
def test_bad_records_say_why(raw: bytes, reason: str) -> None:
    with pytest.raises(RecordError) as caught:
        parse_json_line(raw, "auto")
    assert reason in str(caught.value)


def test_two_problems_are_both_reported() -> None:
    with pytest.raises(RecordError) as caught:
        parse_json_line(line({"messages": QA[:1], "rating": 9}), "auto")
    assert "rating" in str(caught.value) and "assistant's answer" in str(caught.value)


def test_csv_row_builds_messages_with_system_prompt() -> None:
    record = parse_csv_row(
        {"user_message": "Hi?", "assistant_message": "Hello.", "system_prompt": "Be kind.", "rating": "5"}
    )
    assert [m["role"] for m in record.messages] == ["system", "user", "assistant"]
    assert record.rating == 5


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"user_message": "", "assistant_message": "x"}, "user_message: the column is empty"),
        ({"user_message": "q", "assistant_message": ""}, "assistant_message: the column is empty"),
        ({"user_message": "q", "assistant_message": "a", "rating": "0"}, "rating: Input should be greater"),
    ],
)
def test_bad_csv_rows_say_why(row: dict[str, str | None], reason: str) -> None:
    with pytest.raises(RecordError) as caught:
        parse_csv_row(row)
    assert reason in str(caught.value)


@given(namespace=st.uuids(), name=st.text())
def test_uuid5_text_is_the_standard_uuid5(namespace: uuid.UUID, name: str) -> None:
    assert uuid5_text(namespace, name) == str(uuid.uuid5(namespace, name))
