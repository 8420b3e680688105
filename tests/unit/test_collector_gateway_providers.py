"""The chat gateway with Azure OpenAI and Vertex AI Gemini upstreams, against local fakes (no internet).

Each provider case runs the same checks: the request reaches the right path with the right credentials,
the answer comes back in OpenAI's shape (JSON and server-sent events), the interaction is logged with
provider, tokens and price, and failures are 502 / 504 in OpenAI's error shape and logged too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import google.auth
import google.auth.exceptions
import httpx
import orjson
import pytest
from fastapi.testclient import TestClient
from google.oauth2.credentials import Credentials
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.app import create_app
from core.collector.routing import Route
from core.collector.upstreams import Reply, VertexUpstream, gemini_request
from core.config import Settings
from core.models import Interaction
from core.pseudonym import Pseudonymizer
from tests.collector_support import add_model, collector_settings, serve
from tests.fakes.openai_upstream import AZURE_KEY, FakeUpstream
from tests.fakes.vertex_upstream import THOUGHT_TOKENS, VERTEX_TOKEN, FakeVertex

PROJECT, LOCATION = "bloom-test", "europe-west4"
CHAT = {
    "messages": [
        {"role": "system", "content": "Be kind."},
        {"role": "user", "content": "When will my period come?"},
    ],
    "temperature": 0.2,
    "user": "user-1",
}
ANSWER = "Echo: When will my period come?"


@dataclass(frozen=True)
class Provider:
    name: str  # the registry's provider
    model: str  # the registered model (for Azure: the deployment)
    path: str  # where the fake must be called
    completion_tokens: int  # Gemini's thinking tokens count as output


AZURE = Provider(
    "azure",
    "gpt-4.1-mini",
    "/openai/deployments/gpt-4.1-mini/chat/completions?api-version=2025-04-01-preview",
    6,
)
VERTEX = Provider(
    "vertex",
    "gemini-3.5-flash",
    f"/v1/projects/{PROJECT}/locations/{LOCATION}/publishers/google/models/gemini-3.5-flash:generateContent",
    6 + THOUGHT_TOKENS,
)


@dataclass
class Setup:
    """One provider wired up: its fake server and a way to build the app with extra settings."""

    provider: Provider
    fake: FakeUpstream
    db_url: str
    engine: Engine
    app_key: str
    upstream: FakeUpstream
    vertex: FakeVertex

    def settings(self, **overrides: Any) -> Settings:
        if self.provider is AZURE:
            extra = {
                "azure_openai_api_key": SecretStr(AZURE_KEY),
                "azure_openai_endpoint": self.upstream.root_url,
            }
        else:
            extra = {
                "google_cloud_project": PROJECT,
                "google_cloud_location": LOCATION,
                "vertex_base_url": self.vertex.base_url,
            }
        return collector_settings(self.db_url, self.upstream, **{**extra, **overrides})

    def client(self, **overrides: Any) -> TestClient:
        app = create_app(self.settings(**overrides), self.engine)
        return TestClient(app, headers={"authorization": f"Bearer {self.app_key}"})


@pytest.fixture(autouse=True)
def adc(monkeypatch: pytest.MonkeyPatch) -> None:
    """Application Default Credentials that need no Google account: a fixed, never-expiring token."""
    monkeypatch.setattr(google.auth, "default", lambda scopes=None: (Credentials(VERTEX_TOKEN), PROJECT))


@pytest.fixture(params=[AZURE, VERTEX], ids=lambda provider: provider.name)
def setup(
    request: pytest.FixtureRequest,
    db_url: str,
    engine: Engine,
    session: Session,
    app_key: str,
    upstream: FakeUpstream,
    vertex: FakeVertex,
) -> Iterator[Setup]:
    provider: Provider = request.param
    add_model(session, provider.model, status="live", provider=provider.name)
    fake = upstream if provider is AZURE else vertex
    yield Setup(provider, fake, db_url, engine, app_key, upstream, vertex)
    fake.release.set()


def stored(engine: Engine, interaction_id: str) -> Interaction:
    with Session(engine) as session:
        row = session.get(Interaction, interaction_id)
        assert row is not None
        return row


def events(text: str) -> list[dict[str, Any]]:
    datas = [line[6:] for line in text.splitlines() if line.startswith("data: ")]
    return [orjson.loads(d) for d in datas if d != "[DONE]"]


def test_completion_is_forwarded_answered_in_openai_shape_and_logged(setup: Setup) -> None:
    response = setup.client().post("/v1/chat/completions", json=CHAT)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["choices"][0]["message"] == {"role": "assistant", "content": ANSWER}
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["usage"]["completion_tokens"] == setup.provider.completion_tokens

    sent = setup.fake.requests[-1]
    assert sent.path == setup.provider.path
    headers = {key.lower(): value for key, value in sent.headers.items()}
    if setup.provider is AZURE:
        assert headers["api-key"] == AZURE_KEY and "authorization" not in headers
        assert sent.body["user"] == Pseudonymizer("test-pseudonym-key")("user-1")
        assert sent.body["temperature"] == 0.2
    else:
        assert headers["authorization"] == f"Bearer {VERTEX_TOKEN}"
        assert sent.body == {
            "contents": [{"role": "user", "parts": [{"text": "When will my period come?"}]}],
            "systemInstruction": {"parts": [{"text": "Be kind."}]},
            "generationConfig": {"temperature": 0.2},
        }  # the raw user id never leaves, and neither does anything Gemini does not know
    assert AZURE_KEY not in response.text and VERTEX_TOKEN not in response.text

    row = stored(setup.engine, response.headers["x-interaction-id"])
    assert (row.status, row.source, row.provider, row.model) == (
        "ok",
        "gateway",
        setup.provider.name,
        setup.provider.model,
    )
    assert row.assistant_message == ANSWER
    assert (row.prompt_tokens, row.completion_tokens) == (7, setup.provider.completion_tokens)
    assert row.cost_usd is not None and row.cost_usd > 0
    assert row.latency_ms is not None and row.latency_ms >= 0


def test_streaming_through_a_real_server_relays_openai_events_and_logs_usage(setup: Setup) -> None:
    app = create_app(setup.settings(), setup.engine)
    with (
        serve(app) as base,
        httpx.Client(base_url=base, headers={"authorization": f"Bearer {setup.app_key}"}) as http,
        http.stream("POST", "/v1/chat/completions", json={**CHAT, "stream": True}) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        interaction_id = response.headers["x-interaction-id"]
        text = "".join(response.iter_text())
    assert text.rstrip().endswith("data: [DONE]")
    chunks = events(text)
    answer = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert answer == ANSWER
    assert chunks[-1]["usage"]["completion_tokens"] == setup.provider.completion_tokens
    if setup.provider is VERTEX:
        assert setup.fake.requests[-1].path.endswith(":streamGenerateContent?alt=sse")
        assert all(c["object"] == "chat.completion.chunk" for c in chunks)
        assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
        assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    row = stored(setup.engine, interaction_id)
    assert (row.status, row.provider, row.assistant_message) == ("ok", setup.provider.name, ANSWER)
    assert (row.prompt_tokens, row.completion_tokens) == (7, setup.provider.completion_tokens)
    assert row.cost_usd is not None and row.cost_usd > 0


@pytest.mark.parametrize(
    ("mode", "code", "stream"),
    [
        ("error", "upstream_http_500", False),
        ("garbage", "upstream_invalid_response", False),
        ("error", "upstream_http_500", True),
    ],
    ids=["http-500", "not-a-completion", "http-500-streaming"],
)
def test_upstream_failures_are_502_in_openai_shape_and_logged(
    setup: Setup, mode: str, code: str, stream: bool
) -> None:
    setup.fake.mode = mode
    response = setup.client().post("/v1/chat/completions", json={**CHAT, "stream": stream})
    assert response.status_code == 502
    error = response.json()["error"]
    assert error["code"] == code and set(error) == {"message", "type", "param", "code"}
    assert "sk-" not in response.text  # the upstream's own message is not passed on
    row = stored(setup.engine, response.headers["x-interaction-id"])
    assert (row.status, row.error_code, row.provider) == ("error", code, setup.provider.name)


def test_timeouts_are_504_before_the_answer_and_end_the_stream_after_it(setup: Setup) -> None:
    client = setup.client(gateway_timeout_seconds=0.2)
    setup.fake.mode = "hang"
    response = client.post("/v1/chat/completions", json=CHAT)
    setup.fake.release.set()
    assert response.status_code == 504 and response.json()["error"]["code"] == "upstream_timeout"
    row = stored(setup.engine, response.headers["x-interaction-id"])
    assert (row.status, row.error_code, row.provider) == ("error", "upstream_timeout", setup.provider.name)

    setup.fake.release.clear()
    setup.fake.mode = "hang_midstream"
    response = client.post("/v1/chat/completions", json={**CHAT, "stream": True})
    setup.fake.release.set()
    assert response.status_code == 200
    chunks = events(response.text)
    assert chunks[0]["choices"][0]["delta"]["content"] == "Echo:"
    assert chunks[-1]["error"]["code"] == "upstream_timeout"
    assert stored(setup.engine, response.headers["x-interaction-id"]).error_code == "upstream_timeout"


def test_azure_with_a_wrong_key_is_502(
    db_url: str, engine: Engine, session: Session, app_key: str, upstream: FakeUpstream, vertex: FakeVertex
) -> None:
    add_model(session, AZURE.model, status="live", provider="azure")
    setup = Setup(AZURE, upstream, db_url, engine, app_key, upstream, vertex)
    response = setup.client(azure_openai_api_key=SecretStr("wrong")).post("/v1/chat/completions", json=CHAT)
    assert response.status_code == 502 and response.json()["error"]["code"] == "upstream_http_401"


def test_azure_endpoint_may_name_the_deployment(
    db_url: str, engine: Engine, session: Session, app_key: str, upstream: FakeUpstream, vertex: FakeVertex
) -> None:
    endpoint = f"{upstream.root_url}/openai/deployments/bloom-prod/"
    add_model(session, "ft:gpt-4.1-mini:bloom:v1:abc", status="live", provider="azure", endpoint=endpoint)
    setup = Setup(AZURE, upstream, db_url, engine, app_key, upstream, vertex)
    response = setup.client(azure_openai_endpoint=None).post("/v1/chat/completions", json=CHAT)
    assert response.status_code == 200
    assert upstream.requests[-1].path.startswith(
        "/openai/deployments/bloom-prod/chat/completions?api-version="
    )


def test_vertex_without_credentials_is_503_and_logged(
    db_url: str,
    engine: Engine,
    session: Session,
    app_key: str,
    upstream: FakeUpstream,
    vertex: FakeVertex,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_credentials(scopes: object = None) -> None:
        raise google.auth.exceptions.DefaultCredentialsError("no ADC here")

    monkeypatch.setattr(google.auth, "default", no_credentials)
    add_model(session, VERTEX.model, status="live", provider="vertex")
    setup = Setup(VERTEX, vertex, db_url, engine, app_key, upstream, vertex)
    response = setup.client().post("/v1/chat/completions", json=CHAT)
    assert response.status_code == 503 and response.json()["error"]["code"] == "no_credentials"
    assert stored(engine, response.headers["x-interaction-id"]).error_code == "no_credentials"
    assert not vertex.requests


def test_vertex_global_location_uses_the_global_host() -> None:
    from core.collector.routing import ModelEntry, _upstream

    settings = Settings(dev_mode=True, google_cloud_project=PROJECT, google_cloud_location="global")
    route = _upstream("gemini-3.5-flash", ModelEntry("vertex", None), settings, None, None)
    assert route.base_url == (
        f"https://aiplatform.googleapis.com/v1/projects/{PROJECT}/locations/global"
        "/publishers/google/models/gemini-3.5-flash"
    )
    assert route.protocol == "vertex" and route.api_key is None


def test_gemini_request_translates_roles_and_parameters() -> None:
    payload = {
        "model": "gemini-3.5-flash",
        "user": "pseudonym",
        "stream_options": {"include_usage": True},
        "messages": [
            {"role": "system", "content": "Be kind."},
            {"role": "developer", "content": "Answer briefly."},
            {"role": "user", "content": [{"type": "text", "text": "Hi"}]},
            {"role": "user", "content": "Cramps?"},
            {"role": "assistant", "content": "They are common."},
            {"role": "tool", "content": "ignored"},
            {"role": "user", "content": "Why?"},
        ],
        "max_tokens": 100,
        "top_p": 0.9,
        "stop": "END",
        "response_format": {"type": "json_object"},
    }
    assert gemini_request(payload) == {
        "contents": [
            {"role": "user", "parts": [{"text": "Hi"}, {"text": "Cramps?"}]},
            {"role": "model", "parts": [{"text": "They are common."}]},
            {"role": "user", "parts": [{"text": "Why?"}]},
        ],
        "systemInstruction": {"parts": [{"text": "Be kind.\n\nAnswer briefly."}]},
        "generationConfig": {
            "maxOutputTokens": 100,
            "topP": 0.9,
            "stopSequences": ["END"],
            "responseMimeType": "application/json",
        },
    }


def test_vertex_blocked_prompt_is_an_empty_filtered_answer() -> None:
    route = Route("gemini-3.5-flash", "vertex", "http://unused", None, protocol="vertex")
    reply = Reply()
    blocked = {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 4}}
    body = VertexUpstream(lambda: "token").answer(route, orjson.dumps(blocked), reply)
    assert body["choices"] == [
        {"index": 0, "message": {"role": "assistant", "content": ""}, "finish_reason": "content_filter"}
    ]
    assert (reply.answer, reply.prompt_tokens, reply.completion_tokens) == ("", 4, 0)
