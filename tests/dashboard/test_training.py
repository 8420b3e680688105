"""The Training data page under AppTest, per role: the readiness checklist, charts, the build form with its
progress bar, versions with lineage, downloads and costs for admins, and the file validator."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from streamlit.testing.v1 import AppTest

from core.auth import DEV_ADMIN, Principal, Role
from core.config import get_settings
from core.dataset.build import build_dataset
from core.dataset.spec import DatasetSpec
from core.db import session_scope
from core.models import DatasetVersion
from tests import dataset_data

PAGE = "views/training.py"
MANAGER_ONLY = ("Build a new dataset version", "Validate a file")


def as_role(monkeypatch: pytest.MonkeyPatch, role: Role) -> None:
    principal = Principal(email=f"{role.value}@example.org", role=role)
    monkeypatch.setattr("dashboard.context.resolve_principal", lambda settings: principal)


def texts(at: AppTest) -> str:
    parts: list[str] = []
    for kind in (
        "markdown",
        "caption",
        "subheader",
        "title",
        "info",
        "success",
        "warning",
        "error",
        "expander",
    ):
        for element in at.get(kind):
            parts.append(str(getattr(element, "label", "") or getattr(element, "value", "")))
    return "\n".join(parts)


def seeded(engine: Engine, *, build: bool) -> None:
    with session_scope(engine) as session:
        dataset_data.seed(session)
        if build:
            build_dataset(
                session=session, principal=DEV_ADMIN, settings=get_settings(), spec=DatasetSpec(name="cycle")
            )


@pytest.mark.parametrize("role", [Role.ADMIN, Role.REVIEWER, Role.CLINICIAN])
def test_empty_database_for_every_role_that_may_see_it(
    app: AppTest, monkeypatch: pytest.MonkeyPatch, role: Role
) -> None:
    as_role(monkeypatch, role)
    at = app.switch_page(PAGE).run()
    assert not at.exception
    shown = texts(at)
    assert "Not ready for training yet" in shown and "No dataset versions yet" in shown
    for label in MANAGER_ONLY:
        assert (label in shown) == (role == Role.ADMIN)


def test_viewers_do_not_get_the_page(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    as_role(monkeypatch, Role.VIEWER)
    at = app.switch_page(PAGE).run()
    assert "Training data" not in [t.value for t in at.title]


def test_checklist_charts_versions_downloads_and_costs(app: AppTest, engine: Engine) -> None:
    seeded(engine, build=True)
    at = app.switch_page(PAGE).run()
    assert not at.exception
    checks = [
        m.value for m in at.markdown if ":material/check_circle:" in m.value or ":material/cancel:" in m.value
    ]
    assert len(checks) == 5
    assert any(":red[" in c and "next:" in c for c in checks)  # i09's un-scrubbed personal data
    assert len(at.get("plotly_chart")) >= 3
    versions = at.dataframe[0].value
    assert list(versions["Version"]) == ["cycle:1"] and list(versions["Examples"]) == [
        len(dataset_data.EXAMPLES)
    ]
    downloads = at.get("download_button")
    assert len(downloads) == 9
    assert {"openai · all", "openai-dpo · train", "vertex · validation"} <= {d.label for d in downloads}
    tables = [frame.value for frame in at.dataframe]
    lineage = next(t for t in tables if "Interaction" in t.columns)
    assert set(lineage["Interaction"]) == dataset_data.EXAMPLES
    costs = next(t for t in tables if "Base model" in t.columns)
    assert {"openai", "vertex", "local"} <= set(costs["Provider"])


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.CLINICIAN])
def test_reviewers_see_versions_without_build_downloads_or_validator(
    app: AppTest, engine: Engine, monkeypatch: pytest.MonkeyPatch, role: Role
) -> None:
    seeded(engine, build=True)
    as_role(monkeypatch, role)
    at = app.switch_page(PAGE).run()
    assert not at.exception
    assert list(at.dataframe[0].value["Version"]) == ["cycle:1"]
    assert not at.get("download_button") and not at.get("file_uploader")
    assert "Build a new dataset version" not in texts(at)


def test_admin_builds_a_version_from_the_form(app: AppTest, engine: Engine) -> None:
    seeded(engine, build=False)
    at = app.switch_page(PAGE).run()
    by_label(at.text_input, "Name").set_value("from-page")
    by_label(at.slider, "Validation share").set_value(0.25)
    next(b for b in at.get("form_submit_button") if b.label == "Build").click()  # type: ignore[attr-defined]
    at.run()
    assert not at.exception
    assert any("Built **from-page:1**" in s.value for s in at.success)
    assert list(at.dataframe[0].value["Version"]) == ["from-page:1"]
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(DatasetVersion)) == 1


def test_a_bad_name_is_a_message_not_a_crash(app: AppTest, engine: Engine) -> None:
    seeded(engine, build=False)
    at = app.switch_page(PAGE).run()
    by_label(at.text_input, "Name").set_value("no spaces allowed")
    next(b for b in at.get("form_submit_button") if b.label == "Build").click()  # type: ignore[attr-defined]
    at.run()
    assert not at.exception and at.error


def test_the_validator_shows_the_offending_lines(app: AppTest) -> None:
    at = app.switch_page(PAGE).run()
    good = b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}'
    bad = b'{"messages": [{"role": "robot", "content": "beep"}]}'
    at.file_uploader[0].set_value(("upload.jsonl", b"\n".join([good, b"not json", bad]), "application/jsonl"))
    at.run()
    assert not at.exception
    offending = next(f.value for f in at.dataframe if "Content" in f.value.columns)
    assert list(offending["Line"]) == [2, 3]
    assert (
        "invalid_json" in offending["Errors"].iloc[0] and "unrecognized_role" in offending["Errors"].iloc[1]
    )


def test_the_validator_checks_vertex_files_too(app: AppTest) -> None:
    at = app.switch_page(PAGE).run()
    line = b'{"contents": [{"role": "user", "parts": [{"text": "q"}]}, {"role": "model", "parts": [{"text": "a"}]}]}'
    at.file_uploader[0].set_value(("vertex.jsonl", line + b"\n" + line, "application/jsonl"))
    at.run()
    assert any("Vertex Gemini file: 2 examples, well formed" in s.value for s in at.success)


def by_label(elements: Any, label: str) -> Any:
    return next(element for element in elements if element.label == label)
