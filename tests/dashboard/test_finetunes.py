"""The Fine-tunes page under AppTest: the jobs list per role, the launch form (refusals, confirmation, one job
per form), and the job page (curves, checkpoints, events, cancel)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from streamlit.testing.v1 import AppTest

from core.audit import utcnow
from core.auth import Principal, Role
from core.db import session_scope
from core.models import AuditLog, FinetuneJob, JobEvent
from tests.dashboard.conftest import reload_settings
from tests.finetune_support import make_version

PAGE = "views/finetunes.py"
PLAN = "ft_launch_plan"


def as_role(monkeypatch: pytest.MonkeyPatch, role: Role) -> None:
    principal = Principal(email=f"{role.value}@example.org", role=role)
    monkeypatch.setattr("dashboard.context.resolve_principal", lambda settings: principal)


def button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


def jobs(engine: Engine) -> list[FinetuneJob]:
    with session_scope(engine) as session:
        return list(session.scalars(select(FinetuneJob).order_by(FinetuneJob.id)))


@pytest.fixture
def openai_key(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("OPENAI_API_KEY", "sk-test-dashboard")
    reload_settings()


def running_job(engine: Engine, *, steps: int = 3) -> int:
    """A submitted job, running, with metric events and a checkpoint."""
    now = utcnow()
    with session_scope(engine) as session:
        version = make_version(session)
        job = FinetuneJob(
            provider="openai",
            base_model="gpt-4o-mini-2024-07-18",
            method="sft",
            dataset_version_id=version.id,
            hyperparameters={"epochs": 2},
            idempotency_key="k-running",
            external_id="ftjob-0001",
            status="running",
            raw_status="running",
            created_by="admin@example.org",
            created_at=now - timedelta(minutes=5),
            started_at=now - timedelta(minutes=4),
            estimated_cost_usd=0.42,
            attempts=0,
            details={
                "checkpoints": [
                    {"external_id": "c1", "step": 20, "model": "ft:ckpt-20", "metrics": {"train_loss": 1.0}}
                ]
            },
        )
        session.add(job)
        session.flush()
        session.add(JobEvent(job_id=job.id, external_id="e0", ts=now, message="Fine-tuning job started"))
        for step in range(1, steps + 1):
            session.add(
                JobEvent(
                    job_id=job.id,
                    external_id=f"m{step}",
                    ts=now,
                    message=f"Step {step * 10}",
                    step=step * 10,
                    train_loss=2.0 / step,
                    valid_loss=2.0 / step + 0.1,
                    accuracy=0.5 + step / 20,
                )
            )
        session.commit()
        return job.id


@pytest.mark.parametrize("role", list(Role))
def test_empty_list_for_every_role_and_the_launch_view_for_admins_only(
    app: AppTest, monkeypatch: pytest.MonkeyPatch, role: Role
) -> None:
    as_role(monkeypatch, role)
    at = app.switch_page(PAGE).run()
    assert not at.exception
    assert any("No fine-tuning jobs yet." in info.value for info in at.info)
    assert bool(at.get("button_group")) == (role == Role.ADMIN)


def test_the_list_shows_status_chips_and_filters(app: AppTest, engine: Engine) -> None:
    job_id = running_job(engine)
    at = app.switch_page(PAGE).run()
    table = at.dataframe[0].value
    assert list(table["Status"]) == [["running"]] and list(table["Job"]) == [f"?job={job_id}"]
    assert list(table["Dataset version"]) == ["health v1"]
    at.selectbox(key="ft_status").set_value("succeeded").run()
    assert any("No fine-tuning jobs yet." in info.value for info in at.info)
    at.selectbox(key="ft_status").set_value("All").run()
    button(at, "Open job").click().run()
    assert any(t.value == f"Fine-tune #{job_id}" for t in at.title)


def open_launch(at: AppTest) -> AppTest:
    at.get("button_group")[0].set_value("Launch a job").run()
    return at


def test_a_retired_base_model_is_refused_with_its_reason(app: AppTest, engine: Engine) -> None:
    with session_scope(engine) as session:
        make_version(session)
    at = open_launch(app.switch_page(PAGE).run())
    at.selectbox(key="ft_provider").set_value("vertex").run()
    at.selectbox(key="ft_model_vertex").set_value("gemini-2.5-flash").run()
    assert not at.exception
    assert any("Gemini 2.x models are retired" in e.value for e in at.error)
    assert "Review launch…" not in {b.label for b in at.button}


@pytest.mark.parametrize(
    ("today", "model", "refusal"),
    [
        (
            "2027-01-07",
            "gpt-4.1-nano-2025-04-14",
            "openai takes no new fine-tuning jobs on gpt-4.1-nano after 2027-01-06",
        ),
        ("2027-01-14", "gpt-4o-mini-2024-07-18", "gpt-4o-mini was retired on 2027-01-14"),
    ],
)
def test_openai_models_are_refused_with_the_date_after_the_cut_off(
    app: AppTest, engine: Engine, environ: pytest.MonkeyPatch, today: str, model: str, refusal: str
) -> None:
    environ.setenv("LIFECYCLE_TODAY", today)
    reload_settings()
    with session_scope(engine) as session:
        make_version(session)
    at = open_launch(app.switch_page(PAGE).run())
    picker = at.selectbox(key="ft_model_openai")
    assert all(option.endswith(" — unavailable") for option in picker.options)
    picker.set_value(model).run()
    assert not at.exception
    assert any(refusal in e.value for e in at.error)
    assert "Review launch…" not in {b.label for b in at.button}
    at.selectbox(key="ft_provider").set_value("vertex").run()  # Vertex AI stays open
    assert not at.error and "Review launch…" in {b.label for b in at.button}


def test_missing_credentials_name_the_setting(
    app: AppTest, engine: Engine, environ: pytest.MonkeyPatch
) -> None:
    environ.delenv("OPENAI_API_KEY", raising=False)
    reload_settings()
    with session_scope(engine) as session:
        make_version(session)
    at = open_launch(app.switch_page(PAGE).run())
    at.text_area(key="ft_override").input("pilot").run()
    button(at, "Review launch…").click().run()
    assert not at.exception
    assert any("OPENAI_API_KEY" in e.value for e in at.error)
    assert jobs(engine) == []


def test_admin_reviews_confirms_and_lands_on_the_job_page_with_one_job(
    app: AppTest, engine: Engine, openai_key: None
) -> None:
    with session_scope(engine) as session:
        make_version(session)
    at = open_launch(app.switch_page(PAGE).run())
    at.selectbox(key="ft_model_openai").set_value("gpt-4o-mini-2024-07-18").run()
    assert any("does not pass the readiness gate" in w.value for w in at.warning)
    button(at, "Review launch…").click().run()
    assert any("override reason" in e.value for e in at.error)  # no reason, no launch
    at.text_area(key="ft_override").input("pilot on demo data").run()
    at.number_input(key="ft_epochs").set_value(2).run()
    button(at, "Review launch…").click().run()
    assert not at.exception
    cards = {m.label: m.value for m in at.metric}
    assert cards["Training examples"] == "6" and cards["Epochs"] == "2"
    assert cards["Estimated cost"].startswith("$")
    assert jobs(engine) == []  # nothing is launched before the confirmation
    staged = at.session_state[PLAN]
    button(at, "Launch job").click().run()
    assert not at.exception
    (job,) = jobs(engine)
    assert (job.status, job.base_model, job.hyperparameters) == (
        "queued",
        "gpt-4o-mini-2024-07-18",
        {"epochs": 2},
    )
    assert job.idempotency_key == staged[1].idempotency_key
    assert any(t.value == f"Fine-tune #{job.id}" for t in at.title)

    # a second click on the same confirmation (a double click) finds the same job
    at.session_state[PLAN] = staged
    at.query_params.pop("job", None)
    open_launch(at.run())
    button(at, "Launch job").click().run()
    assert not at.exception
    assert [j.id for j in jobs(engine)] == [job.id]
    with session_scope(engine) as session:
        actions = session.scalars(select(AuditLog.action).where(AuditLog.action.like("finetune.%"))).all()
    assert sorted(actions) == ["finetune.launch", "finetune.readiness_override"]


def test_the_job_page_shows_curves_checkpoints_and_events(app: AppTest, engine: Engine) -> None:
    job_id = running_job(engine)
    at = app.switch_page(PAGE)
    at.query_params["job"] = str(job_id)
    at.run()
    assert not at.exception
    assert any(t.value == f"Fine-tune #{job_id}" for t in at.title)
    assert len(at.get("plotly_chart")) == 2  # loss and token accuracy
    cards = {m.label: m.value for m in at.metric}
    assert cards["Cost: actual / estimated"] == "— / $0.42"
    assert " min " in cards["Elapsed"]  # started four minutes ago
    checkpoints, events = at.dataframe[0].value, at.dataframe[1].value
    assert list(checkpoints["Model"]) == ["ft:ckpt-20"]
    assert len(events) == 4 and events.iloc[-1]["Message"] == "Fine-tuning job started"
    assert "Cancel job…" in {b.label for b in at.button}


def test_admin_cancels_after_confirming_and_viewers_cannot(
    app: AppTest, engine: Engine, monkeypatch: pytest.MonkeyPatch, environ: pytest.MonkeyPatch
) -> None:
    job_id = running_job(engine)
    with session_scope(engine) as session:  # not submitted yet: cancelling needs no provider call
        session.get(FinetuneJob, job_id).external_id = None  # type: ignore[union-attr]
        session.commit()
    at = app.switch_page(PAGE)
    at.query_params["job"] = str(job_id)
    at.run()
    button(at, "Cancel job…").click().run()
    button(at, "Keep it running").click().run()
    assert jobs(engine)[0].status == "running"
    button(at, "Cancel job…").click().run()
    button(at, "Confirm cancel").click().run()
    assert not at.exception
    assert jobs(engine)[0].status == "cancelled"
    assert "Cancel job…" not in {b.label for b in at.button}

    as_role(monkeypatch, Role.VIEWER)
    with session_scope(engine) as session:
        session.get(FinetuneJob, job_id).status = "running"  # type: ignore[union-attr]
        session.commit()
    viewer = app.switch_page(PAGE)
    viewer.query_params["job"] = str(job_id)
    viewer.run()
    assert not viewer.exception and viewer.get("plotly_chart")
    assert "Cancel job…" not in {b.label for b in viewer.button}
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(FinetuneJob)) == 1


def test_a_local_jobs_page_shows_progress_and_how_to_serve_it(app: AppTest, engine: Engine) -> None:
    job_id = running_job(engine)
    serve = "vllm serve Qwen/Qwen2.5-0.5B-Instruct --enable-lora --lora-modules bloom=/models/job-1/adapter"
    with session_scope(engine) as session:
        job = session.get(FinetuneJob, job_id)
        assert job is not None
        job.provider = "local"
        job.details = {"provider": {"step": 3, "max_steps": 12, "serve_command": serve}}
        session.commit()
    at = app.switch_page(PAGE)
    at.query_params["job"] = str(job_id)
    at.run()
    assert not at.exception
    (bar,) = at.get("progress")
    assert bar.value == 25 and "Step 3 of 12" in bar.proto.text
    assert [c.value for c in at.code] == [serve]
