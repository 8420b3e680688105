"""The Models page under AppTest: empty state, registry with provenance, countdown banners, promote/retire with
confirmation, and a side-by-side run with votes against the fake chat server — per role."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from core.auth import Principal, Role
from core.db import session_scope
from core.models import AuditLog, PreferenceVote, RegisteredModel
from tests.fakes.openai_upstream import FakeUpstream
from tests.finetune_support import TODAY
from tests.registry_data import base_model, candidate, dataset_version

PAGE = "views/models.py"
FT = "ft:gpt-4.1-mini-2025-04-14:bloom::abc123"
EMPTY = "No models registered yet"


def as_role(monkeypatch: pytest.MonkeyPatch, role: Role) -> None:
    principal = Principal(email=f"{role.value}@example.org", role=role)
    monkeypatch.setattr("dashboard.context.resolve_principal", lambda settings: principal)


def button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


def statuses(engine: Engine) -> dict[str, str]:
    with session_scope(engine) as session:
        return dict(session.execute(select(RegisteredModel.name, RegisteredModel.status)).all())


def seed_registry(engine: Engine, upstream: FakeUpstream | None = None) -> None:
    """A live base model retiring in 10 days and a fine-tuned candidate served by a local endpoint."""
    with session_scope(engine) as session:
        base_model(
            session,
            "gpt-4.1-mini",
            endpoint=upstream.base_url if upstream else None,
            provider="local" if upstream else "openai",
            retires_on=TODAY + timedelta(days=10),  # TODAY: the lifecycle date app_env pins
        )
        candidate(session, FT, dataset=dataset_version(session, "cycle-faq", 2))
        if upstream is not None:
            session.execute(
                RegisteredModel.__table__.update()
                .where(RegisteredModel.name == FT)
                .values(provider="local", endpoint=upstream.base_url)
            )
            session.commit()


@pytest.mark.parametrize("role", list(Role))
def test_empty_state_for_every_role(app: AppTest, monkeypatch: pytest.MonkeyPatch, role: Role) -> None:
    as_role(monkeypatch, role)
    at = app.switch_page(PAGE).run()
    assert not at.exception
    assert any(EMPTY in info.value for info in at.info)


def test_registry_shows_provenance_and_the_countdown_banner(app: AppTest, engine: Engine) -> None:
    seed_registry(engine)
    at = app.switch_page(PAGE).run()
    assert not at.exception
    banner = next(w.value for w in at.warning if "stops serving on" in w.value)
    assert "**gpt-4.1-mini** has **10 days** left" in banner
    table = at.dataframe[0].value
    ft = table[table["Model"] == FT].iloc[0]
    assert (ft["Status"], ft["Dataset version"], ft["Base model"]) == (
        ["candidate"],
        "cycle-faq v2",
        "gpt-4.1-mini-2025-04-14",
    )
    assert ft["Job"].startswith("#")
    assert {m.label: m.value for m in at.metric} == {"Candidate": "1", "Live": "1", "Retired": "0"}
    at.selectbox(key="models_status").set_value("candidate").run()
    assert list(at.dataframe[0].value["Model"]) == [FT]


def test_admin_promotes_after_confirming(app: AppTest, engine: Engine) -> None:
    seed_registry(engine)
    at = app.switch_page(PAGE).run()
    model_picker = next(s for s in at.selectbox if s.label == "Model")
    model_picker.set_value(FT).run()
    button(at, "Promote…").click().run()
    assert any("becomes the live model" in w.value for w in at.warning)
    assert statuses(engine)[FT] == "candidate"  # nothing happens before the confirmation
    button(at, "Confirm promote").click().run()
    assert not at.exception
    assert any("is now the live model" in s.value for s in at.success)
    assert statuses(engine) == {"gpt-4.1-mini": "retired", FT: "live"}


def test_admin_retires_with_a_reason_or_cancels(app: AppTest, engine: Engine) -> None:
    seed_registry(engine)
    at = app.switch_page(PAGE).run()
    next(s for s in at.selectbox if s.label == "Model").set_value(FT).run()
    button(at, "Retire…").click().run()
    button(at, "Cancel").click().run()
    assert statuses(engine)[FT] == "candidate"
    button(at, "Retire…").click().run()
    at.text_input[0].input("hallucinated doses").run()
    button(at, "Confirm retire").click().run()
    assert not at.exception
    assert statuses(engine)[FT] == "retired"
    with session_scope(engine) as session:
        entry = session.scalars(select(AuditLog).where(AuditLog.action == "model.retire")).one()
    assert entry.details["reason"] == "hallucinated doses"


@pytest.mark.parametrize("role", [Role.VIEWER, Role.REVIEWER, Role.CLINICIAN])
def test_non_admins_see_the_registry_without_lifecycle_buttons(
    app: AppTest, engine: Engine, monkeypatch: pytest.MonkeyPatch, role: Role
) -> None:
    seed_registry(engine)
    as_role(monkeypatch, role)
    at = app.switch_page(PAGE).run()
    assert not at.exception
    assert at.dataframe and any("stops serving on" in w.value for w in at.warning)
    labels = {b.label for b in at.button}
    assert not labels & {"Promote…", "Retire…"}
    assert ("Run side-by-side" in labels) == (role != Role.VIEWER)


def test_reviewer_runs_a_blind_side_by_side_and_votes(
    app: AppTest, engine: Engine, monkeypatch: pytest.MonkeyPatch, upstream: FakeUpstream
) -> None:
    seed_registry(engine, upstream)
    as_role(monkeypatch, Role.REVIEWER)
    at = app.switch_page(PAGE).run()
    at.text_area(key="sbs_typed").input("What is PMS?\nIs cramping normal?").run()
    button(at, "Run side-by-side").click().run()
    assert not at.exception
    assert len(upstream.requests) == 4
    answers = [m.value for m in at.markdown if m.value.startswith("Echo:")]
    assert sorted(answers) == ["Echo: Is cramping normal?"] * 2 + ["Echo: What is PMS?"] * 2
    assert not any(FT in m.value for m in at.markdown)  # blind: no model names before the vote
    assert "0 of 2 pairs judged" in [c.value for c in at.caption]
    at.button(key=next(b.key for b in at.button if b.label == "A is better")).click().run()
    assert not at.exception
    assert any("Your vote: A is better" in s.value for s in at.success)
    assert "1 of 2 pairs judged" in [c.value for c in at.caption]
    assert any(FT in m.value for m in at.markdown)  # revealed after the vote
    with session_scope(engine) as session:
        vote = session.scalars(select(PreferenceVote)).one()
    assert (vote.winner, vote.voter, vote.messages[-1]["content"]) == (
        "a",
        "reviewer@example.org",
        "What is PMS?",
    )
    assert {vote.model_a, vote.model_b} == {"gpt-4.1-mini", FT}


def test_admin_registers_a_locally_served_model(app: AppTest, engine: Engine) -> None:
    at = app.switch_page(PAGE).run()

    def field(label: str):  # type: ignore[no-untyped-def]
        return next(t for t in at.text_input if t.label.startswith(label))

    field("Model name").input("bloom-qwen")
    next(s for s in at.selectbox if s.label == "Provider").set_value("local")
    button(at, "Register").click().run()
    assert any("needs the base URL" in e.value for e in at.error)
    field("Model name").input("bloom-qwen")
    next(s for s in at.selectbox if s.label == "Provider").set_value("local")
    field("Endpoint").input("http://127.0.0.1:8001/v1")
    button(at, "Register").click().run()
    assert not at.exception
    assert any("is registered as a candidate" in s.value for s in at.success)
    assert statuses(engine) == {"bloom-qwen": "candidate"}
    assert list(at.dataframe[0].value["Endpoint"]) == ["http://127.0.0.1:8001/v1"]


def test_non_admins_get_no_register_form(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    as_role(monkeypatch, Role.REVIEWER)
    at = app.switch_page(PAGE).run()
    assert "Register" not in {b.label for b in at.button}
