"""The CLI contract: one JSON object with --json, exit 1 with one line (no traceback) on user error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tests.conftest import SAMPLE, TEST_KEY


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from core.cli import main; main()", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEV_MODE", "PSEUDONYM_KEY"}}
    return {**clean, "DATABASE_URL": f"sqlite:///{tmp_path}/cli.db", "PSEUDONYM_KEY": TEST_KEY}


def one_json_object(stdout: str) -> dict:  # type: ignore[type-arg]
    lines = stdout.strip().splitlines()
    assert len(lines) == 1, stdout
    value = orjson.loads(lines[0])
    assert isinstance(value, dict)
    return value


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_unmigrated_database_is_refused_with_the_command_to_run(env: dict[str, str], tmp_path: Path) -> None:
    assert_one_line_error(run(["stats", "--json"], env, tmp_path), "bloomtune db upgrade")
    assert_one_line_error(run(["import", str(SAMPLE)], env, tmp_path), "bloomtune db upgrade")


def test_upgrade_import_stats_round(env: dict[str, str], tmp_path: Path) -> None:
    upgraded = one_json_object(run(["db", "upgrade", "--json"], env, tmp_path).stdout)
    assert upgraded["from_revision"] is None and upgraded["to_revision"]
    again = one_json_object(run(["db", "upgrade", "--json"], env, tmp_path).stdout)
    assert again["from_revision"] == again["to_revision"]

    first = one_json_object(run(["import", str(SAMPLE), "--json"], env, tmp_path).stdout)
    assert (first["imported"], first["rejected"]) == (7, 2)
    assert [e["line"] for e in first["errors"]] == [8, 9]
    second = one_json_object(run(["import", str(SAMPLE), "--format", "auto", "--json"], env, tmp_path).stdout)
    assert (second["imported"], second["duplicates"]) == (0, 7)

    stats = one_json_object(run(["stats", "--json"], env, tmp_path).stdout)
    assert stats["total_interactions"] == 7 and stats["high_rated_interactions"] == 5
    assert stats["ready_for_training"] is False
    assert {c["name"] for c in stats["checks"]} >= {"enough_examples", "topics_covered"}
    assert all({"passed", "value", "threshold", "next_step"} <= c.keys() for c in stats["checks"])

    human = run(["stats"], env, tmp_path)
    assert human.returncode == 0 and "ready for training: no" in human.stdout


def test_user_errors_are_one_line(env: dict[str, str], tmp_path: Path) -> None:
    run(["db", "upgrade"], env, tmp_path)
    assert_one_line_error(run(["import", "missing.jsonl"], env, tmp_path), "no such file")
    assert_one_line_error(run(["import", str(SAMPLE), "--format", "xml"], env, tmp_path), "unknown format")
    placeholder = {k: v for k, v in env.items() if k != "PSEUDONYM_KEY"}
    assert_one_line_error(run(["stats"], placeholder, tmp_path), "PSEUDONYM_KEY")
    unreachable = {**env, "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    assert_one_line_error(run(["stats"], unreachable, tmp_path), "cannot reach the database")


def test_demo_if_empty_only_fills_an_empty_database(env: dict[str, str], tmp_path: Path) -> None:
    run(["db", "upgrade"], env, tmp_path)
    filled = one_json_object(
        run(["demo", "--interactions", "300", "--seed", "3", "--json"], env, tmp_path).stdout
    )
    assert filled.get("skipped") is not True
    skipped = one_json_object(run(["demo", "--if-empty", "--json"], env, tmp_path).stdout)
    assert skipped["skipped"] is True
    stats = one_json_object(run(["stats", "--json"], env, tmp_path).stdout)
    assert stats["total_interactions"] == 300
