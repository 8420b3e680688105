"""`bloomtune dataset build / list / export`: one JSON object each, versions by label, name or id, clear errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from core.cli import app
from tests import dataset_data
from tests.dataset_data import EXAMPLES


def _json(*args: str) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    return orjson.loads(result.stdout)  # type: ignore[no-any-return]


def test_build_list_and_export(app_env: str, session: Session, tmp_path: Path) -> None:
    dataset_data.seed(session)
    built = _json("dataset", "build", "--name", "cycle", "--topic", "period", "--topic", "pms", "--seed", "2")
    assert built["label"] == "cycle:1" and built["spec"]["topics"] == ["period", "pms"]
    assert built["counts"]["examples"] == 3  # i01, i03, i09
    everything = _json("dataset", "build", "--name", "cycle", "--since", "2026-10-01", "--min-rating", "4")
    assert everything["label"] == "cycle:2" and everything["counts"]["examples"] == len(EXAMPLES)

    listed = _json("dataset", "list")
    assert [v["label"] for v in listed["versions"]] == ["cycle:2", "cycle:1"] and listed["total"] == 2

    for ref in ("cycle:2", "cycle", str(everything["id"])):
        out = tmp_path / f"{ref.replace(':', '-')}.jsonl"
        exported = _json("dataset", "export", ref, "--format", "openai", "--out", str(out))
        assert exported["version"] == "cycle:2" and exported["examples"] == len(EXAMPLES)
        assert exported["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
        assert exported["sha256"] == everything["files"]["openai"]["all"]["sha256"]
    train = _json(
        "dataset",
        "export",
        "cycle:1",
        "--format",
        "vertex",
        "--split",
        "train",
        "--out",
        str(tmp_path / "v.jsonl"),
    )
    assert train["split"] == "train" and train["sha256"] == built["files"]["vertex"]["train"]["sha256"]


def test_handled_errors_exit_1(app_env: str, session: Session, tmp_path: Path) -> None:
    dataset_data.seed(session)
    out = str(tmp_path / "x.jsonl")
    for args, needle in (
        (["dataset", "export", "nothing:1", "--format", "openai", "--out", out], "does not exist"),
        (["dataset", "export", "1", "--format", "csv", "--out", out], "unknown format"),
        (["dataset", "build", "--name", "x", "--topic", "astrology"], "unknown topics"),
        (["dataset", "build", "--name", "x", "--model", "nope"], "no examples match"),
    ):
        result = CliRunner().invoke(app, args)
        assert result.exit_code != 0 and needle in str(result.exception), (args, result.exception)
