"""`bloomtune dataset validate`: one JSON report on stdout, exit 0 when valid and 1 when the file has errors (the
report still printed), a one-line error for a missing file, and the training price from the price table."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from core import config, db
from core.cli import app as cli_app
from tests.unit.test_cli import assert_one_line_error, run

GOOD = {
    "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "When does ovulation happen?"},
        {"role": "assistant", "content": "Usually about 14 days before the next period."},
    ]
}
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


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    path = tmp_path / "good.jsonl"
    path.write_bytes(b"".join(orjson.dumps(GOOD) + b"\n" for _ in range(50)))
    return path


@pytest.fixture
def no_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Settings pointing at a database that does not exist, without the secrets other commands need."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/empty.db")
    monkeypatch.delenv("PSEUDONYM_KEY", raising=False)
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()
    yield
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()


def validate(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(cli_app, ["dataset", "validate", *args, "--json"])
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.output
    report = orjson.loads(lines[0])
    assert set(report) == REPORT_KEYS
    return result.exit_code, report


def warning_keys(report: dict[str, Any]) -> set[str]:
    return {w["key"] for w in report["warnings"]}


def test_valid_file_exits_zero_and_needs_no_database(
    good_file: Path, tmp_path: Path, no_database: None
) -> None:
    code, report = validate(str(good_file), "--model", "gpt-4o-mini")
    assert code == 0
    assert report["examples"] == 50 and report["errors"] == {} and report["epochs"] == 3
    assert report["estimated_cost_usd"] is None and "unknown_price" in warning_keys(report)
    assert not (tmp_path / "empty.db").exists()  # a read-only command creates no database


def test_file_with_errors_exits_one_and_still_prints_the_report(
    good_file: Path, tmp_path: Path, no_database: None
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(good_file.read_bytes() + b"not json\n" + orjson.dumps({"messages": []}) + b"\n")
    code, report = validate(str(bad))
    assert code == 1
    assert report["error_lines"] == {"invalid_json": [51], "missing_messages_list": [52]}
    assert report["errors"] == {"invalid_json": 1, "missing_messages_list": 1}
    human = CliRunner().invoke(cli_app, ["dataset", "validate", str(bad)])
    assert human.exit_code == 1 and "invalid_json: 1 (lines 51)" in human.stdout


def test_price_comes_from_the_price_table_or_the_option(good_file: Path, app_env: str) -> None:
    # ft: models train at their base model's price (gpt-4o-mini-2024-07-18: $3.00 per 1M training tokens).
    code, report = validate(str(good_file), "--model", "ft:gpt-4o-mini-2024-07-18:org::abc")
    assert code == 0
    expected = report["billed_tokens"] * report["epochs"] * 3.0 / 1_000_000
    assert report["estimated_cost_usd"] == pytest.approx(expected)
    assert "unknown_price" not in warning_keys(report)
    _, priced = validate(str(good_file), "--model", "gpt-4o-mini", "--training-price", "6")
    assert priced["estimated_cost_usd"] == pytest.approx(2 * expected)


def test_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/cli.db"}
    result = run(["dataset", "validate", str(tmp_path / "nope.jsonl"), "--json"], env, tmp_path)
    assert_one_line_error(result, "nope.jsonl")
