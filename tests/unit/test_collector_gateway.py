"""POST /v1/chat/completions: routing, forwarding, logging (successes and failures), errors, streaming."""

from __future__ import annotations

import httpx
import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.app import create_app
from core.collector.assignments import arm_for
from core.models import Experiment, Interaction
from core.pseudonym import Pseudonymizer
from tests.collector_support import UPSTREAM_KEY, add_experiment, add_model, collector_settings, serve
from tests.fakes.openai_upstream import FakeUpstream

CHAT = {
    "model": "whatever",
    "messages": [
        {"role": "system", "content": "Be kind."},
        {"role": "user", "content": "When will my period come?"},
    ],
}


def stored(engine: Engine, interaction_id: str) -> Interaction:
    with Session(engine) as session:
        row = session.get(Interaction, interaction_id)
        assert row is not None
        return row


def test_completion_goes_to_the_live_model_and_is_logged_and_priced(
    client: TestClient, session: Session, engine: Engine, upstream: FakeUpstream
) -> None:
    add_model(session, "gpt-4.1-mini", status="live")
    response = client.post("/v1/chat/completions", json={**CHAT, "user": "user-1", "temperature": 0.2})
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "Echo: When will my period come?"
    sent = upstream.requests[-1]
    assert sent.path == "/v1/chat/completions"
    assert sent.body["model"] == "gpt-4.1-mini" and sent.body["temperature"] == 0.2
    assert sent.body["user"] == Pseudonymizer("test-pseudonym-key")("user-1")  # never the raw id
    assert sent.headers["authorization"] == f"Bearer {UPSTREAM_KEY}"
    assert UPSTREAM_KEY not in response.text and UPSTREAM_KEY not in str(response.headers)

    row = stored(engine, response.headers["x-interaction-id"])
    assert (row.status, row.source, row.model, row.provider) == ("ok", "gateway", "gpt-4.1-mini", "openai")
    assert row.assistant_message == "Echo: When will my period come?"
    assert (row.prompt_tokens, row.completion_tokens) == (7, 6)
    assert row.cost_usd is not None and row.cost_usd > 0
    assert row.latency_ms is not None and row.latency_ms >= 0
    assert row.experiment is None and row.user_pseudonym == sent.body["user"]
    feedback = client.post("/v1/feedback", json={"interaction_id": row.id, "thumbs": "up"})
    assert feedback.status_code == 200


def test_running_experiment_routes_each_user_to_their_arm(
    client: TestClient, session: Session, engine: Engine, upstream: FakeUpstream
) -> None:
    add_model(session, "gpt-4.1-mini", status="live")
    add_experiment(session)
    experiment = session.query(Experiment).one()
    for number in range(12):
        user = f"user-{number}"
        response = client.post("/v1/chat/completions", json=CHAT, headers={"x-user-id": user})
        arm = arm_for(experiment, user)
        expected = experiment.treatment_model if arm == "treatment" else experiment.control_model
        assert upstream.requests[-1].body["model"] == expected
        row = stored(engine, response.headers["x-interaction-id"])
        assert (row.experiment, row.variant, row.model) == ("ft-v1", arm, expected)


def test_local_model_endpoint_gets_no_provider_key(
    client: TestClient, session: Session, upstream: FakeUpstream
) -> None:
    add_model(session, "qwen-bloom-lora", status="live", provider="local", endpoint=upstream.base_url + "/")
    assert client.post("/v1/chat/completions", json=CHAT).status_code == 200
    assert upstream.requests[-1].body["model"] == "qwen-bloom-lora"
    assert "authorization" not in {k.lower() for k in upstream.requests[-1].headers}


@pytest.mark.parametrize(
    ("mode", "status", "code"),
    [("error", 502, "upstream_http_500"), ("garbage", 502, "upstream_invalid_response")],
)
def test_upstream_failures_are_502_in_openai_shape_and_logged(
    client: TestClient,
    session: Session,
    engine: Engine,
    upstream: FakeUpstream,
    mode: str,
    status: int,
    code: str,
) -> None:
    add_model(session, "gpt-4.1-mini", status="live")
    upstream.mode = mode
    response = client.post("/v1/chat/completions", json={**CHAT, "user": "u1"})
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code and set(error) == {"message", "type", "param", "code"}
    assert "sk-" not in response.text  # the upstream's own message is not passed on
    row = stored(engine, response.headers["x-interaction-id"])
    assert (row.status, row.error_code, row.assistant_message) == ("error", code, "")


def test_timeout_is_504_and_unreachable_is_502(
    db_url: str, engine: Engine, session: Session, upstream: FakeUpstream, app_key: str
) -> None:
    add_model(session, "gpt-4.1-mini", status="live")
    upstream.mode = "hang"
    settings = collector_settings(db_url, upstream, gateway_timeout_seconds=0.2)
    client = TestClient(create_app(settings, engine), headers={"authorization": f"Bearer {app_key}"})
    response = client.post("/v1/chat/completions", json=CHAT)
    upstream.release.set()
    assert response.status_code == 504 and response.json()["error"]["code"] == "upstream_timeout"
    assert stored(engine, response.headers["x-interaction-id"]).error_code == "upstream_timeout"

    nowhere = collector_settings(db_url, upstream, openai_base_url="http://127.0.0.1:9/v1")
    client = TestClient(create_app(nowhere, engine), headers={"authorization": f"Bearer {app_key}"})
    response = client.post("/v1/chat/completions", json=CHAT)
    assert response.status_code == 502 and response.json()["error"]["code"] == "upstream_unreachable"


def test_no_model_and_unconfigured_providers_are_503(client: TestClient, session: Session) -> None:
    response = client.post("/v1/chat/completions", json=CHAT)
    assert response.status_code == 503 and response.json()["error"]["code"] == "no_model"
    add_model(session, "gemini-3.5-flash", status="live", provider="vertex")  # no GOOGLE_CLOUD_PROJECT
    response = client.post("/v1/chat/completions", json=CHAT)
    assert response.status_code == 503 and response.json()["error"]["code"] == "no_endpoint"
    assert "GOOGLE_CLOUD_PROJECT" in response.json()["error"]["message"]
    add_model(session, "bloom-azure", status="live", provider="azure")  # no AZURE_OPENAI_API_KEY
    response = client.post("/v1/chat/completions", json=CHAT)
    assert response.status_code == 503 and response.json()["error"]["code"] == "no_credentials"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"messages": []},
        {"messages": [{"role": "assistant", "content": "hi"}]},
        {"messages": [{"role": "wizard", "content": "hi"}]},
        {"messages": "hello"},
        {"messages": [{"role": "user", "content": "hi"}], "stream": "maybe"},
    ],
)
def test_chat_validation_is_422(client: TestClient, body: dict[str, object]) -> None:
    assert client.post("/v1/chat/completions", json=body).status_code == 422


def _events(text: str) -> list[dict[str, object]]:
    datas = [line[6:] for line in text.split("\n") if line.startswith("data: ")]
    return [orjson.loads(d) for d in datas if d != "[DONE]"]


def test_streaming_through_a_real_server_relays_events_and_logs_usage(
    api_app: FastAPI, session: Session, engine: Engine, app_key: str, upstream: FakeUpstream
) -> None:
    add_model(session, "gpt-4.1-mini", status="live")
    with (
        serve(api_app) as base,
        httpx.Client(base_url=base, headers={"authorization": f"Bearer {app_key}"}) as http,
    ):
        with http.stream(
            "POST", "/v1/chat/completions", json={**CHAT, "stream": True, "user": "u7"}
        ) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            interaction_id = response.headers["x-interaction-id"]
            text = "".join(response.iter_text())
        assert text.rstrip().endswith("data: [DONE]")
        answer = "".join(
            c["choices"][0]["delta"].get("content", "")
            for c in _events(text)
            if c["choices"]  # type: ignore[index]
        )
        assert answer == "Echo: When will my period come?"
        assert upstream.requests[-1].body["stream_options"] == {"include_usage": True}
        # the interaction is logged when the stream ends; feedback for it then succeeds
        row = stored(engine, interaction_id)
        assert (row.status, row.assistant_message, row.completion_tokens) == ("ok", answer, 6)
        assert (
            http.post("/v1/feedback", json={"interaction_id": interaction_id, "stars": 5}).status_code == 200
        )


def test_streaming_errors_before_and_during_the_stream(
    db_url: str, engine: Engine, session: Session, upstream: FakeUpstream, app_key: str
) -> None:
    add_model(session, "gpt-4.1-mini", status="live")
    upstream.mode = "error"
    client = TestClient(
        create_app(collector_settings(db_url, upstream), engine),
        headers={"authorization": f"Bearer {app_key}"},
    )
    response = client.post("/v1/chat/completions", json={**CHAT, "stream": True})
    assert response.status_code == 502 and response.json()["error"]["code"] == "upstream_http_500"

    upstream.mode = "hang_midstream"
    settings = collector_settings(db_url, upstream, gateway_timeout_seconds=0.2)
    client = TestClient(create_app(settings, engine), headers={"authorization": f"Bearer {app_key}"})
    response = client.post("/v1/chat/completions", json={**CHAT, "stream": True})
    upstream.release.set()
    assert response.status_code == 200
    events = _events(response.text)
    assert events[0]["choices"][0]["delta"]["content"] == "Echo:"  # type: ignore[index]
    assert events[-1]["error"]["code"] == "upstream_timeout"  # type: ignore[index]
    row = stored(engine, response.headers["x-interaction-id"])
    assert (row.status, row.error_code) == ("error", "upstream_timeout")
