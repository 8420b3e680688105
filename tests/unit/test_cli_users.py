"""`bloomtune user …`: accounts from the command line, and end users' export and erasure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLE
from tests.unit.test_cli import assert_one_line_error, env, one_json_object, run  # noqa: F401 - fixture


@pytest.fixture
def migrated(env: dict[str, str], tmp_path: Path) -> dict[str, str]:  # noqa: F811 - reuses the fixture
    assert run(["db", "upgrade"], env, tmp_path).returncode == 0
    return env


def test_add_with_a_generated_password_prints_it_once(migrated: dict[str, str], tmp_path: Path) -> None:
    added = one_json_object(
        run(["user", "add", "Rita@Example.org", "--role", "reviewer", "--json"], migrated, tmp_path).stdout
    )
    assert added["email"] == "rita@example.org" and added["role"] == "reviewer"
    assert len(added["password"]) >= 20
    listed = one_json_object(run(["user", "list", "--json"], migrated, tmp_path).stdout)
    assert [(u["email"], u["role"], u["disabled"]) for u in listed["users"]] == [
        ("rita@example.org", "reviewer", False)
    ]
    assert added["password"] not in str(listed)


def test_add_with_a_password_on_stdin(migrated: dict[str, str], tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from core.cli import main; main()", "user", "add", "v@example.org"]
        + ["--role", "viewer", "--password-stdin", "--json"],
        input="a long enough password\n",
        env=migrated,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert one_json_object(done.stdout) == {"email": "v@example.org", "role": "viewer"}


def test_set_role_disable_and_errors(migrated: dict[str, str], tmp_path: Path) -> None:
    run(["user", "add", "v@example.org", "--role", "viewer"], migrated, tmp_path)
    changed = one_json_object(
        run(["user", "set-role", "v@example.org", "clinician", "--json"], migrated, tmp_path).stdout
    )
    assert changed["role"] == "clinician"
    disabled = one_json_object(run(["user", "disable", "v@example.org", "--json"], migrated, tmp_path).stdout)
    assert disabled["disabled"] is True
    assert_one_line_error(
        run(["user", "add", "V@example.org", "--role", "viewer"], migrated, tmp_path), "already exists"
    )
    assert_one_line_error(
        run(["user", "add", "x@example.org", "--role", "boss"], migrated, tmp_path), "unknown role"
    )
    assert_one_line_error(run(["user", "disable", "nobody@example.org"], migrated, tmp_path), "no account")


def test_export_and_erase_one_end_user(migrated: dict[str, str], tmp_path: Path) -> None:
    assert run(["import", str(SAMPLE)], migrated, tmp_path).returncode == 0
    exported = one_json_object(run(["user", "export", "u-100", "--json"], migrated, tmp_path).stdout)
    erased = one_json_object(run(["user", "erase", "u-100", "--json"], migrated, tmp_path).stdout)
    assert erased["interactions"] == len(exported["interactions"]) == 1
    assert set(erased) == {"pseudonym", "interactions", "conversations", "dataset_versions", "models"}
    again = one_json_object(run(["user", "export", "u-100", "--json"], migrated, tmp_path).stdout)
    assert again["interactions"] == [] and again["ratings"] == []
