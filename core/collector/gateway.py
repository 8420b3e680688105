"""The chat gateway: forward an OpenAI-style chat completion to the routed model, measure it, log it.

In: the request body (`messages`, optional `stream`, sampling parameters…) and the end user's raw id.
Out: `complete()` returns the upstream's answer as an OpenAI chat completion; `stream()` returns an iterator
of OpenAI server-sent events relayed as they arrive. The route's protocol picks the wire format
(`core.collector.upstreams`: OpenAI-compatible, Azure OpenAI, Vertex AI Gemini); everything else here is
shared by all providers. Either way an interaction id is minted first and the call — model, arm, latency,
tokens (from the upstream's `usage`), price, and for failures `status="error"` with an `error_code` — is
logged through `IngestWriter` (source `gateway`). Failures raise `GatewayError` (502 upstream error or
unreachable, 504 timeout; 503 when Vertex AI credentials are missing), whose `interaction_id` names the
logged failure.

The body's `model` is ignored (routing decides); its `user` is replaced by the pseudonym, so the raw id
never reaches a provider. Provider keys are added here and never appear in answers, errors or logs.
Sessions come from the injected `sessions` factory, because a streamed answer is logged after the HTTP
handler has returned. The routing table is kept for `GATEWAY_ROUTE_CACHE_SECONDS` between reads.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy.orm import Session

from core.collector.ingest import IngestContext
from core.collector.routing import GatewayError, Protocol, Route, RouteTable
from core.collector.upstreams import (
    AzureUpstream,
    GoogleToken,
    OpenAIUpstream,
    Reply,
    Upstream,
    VertexUpstream,
    messages_of,
    sse,
)
from core.config import Settings
from core.ingest.records import Record, RecordError

Sessions = Callable[[], AbstractContextManager[Session]]


@dataclass
class Call:
    """One gateway call in flight: what was asked, where it goes, and what came back so far."""

    interaction_id: str
    route: Route
    user_id: str | None
    messages: list[dict[str, str]]
    started: float = field(default_factory=time.perf_counter)
    reply: Reply = field(default_factory=Reply)


@dataclass(frozen=True)
class Completion:
    interaction_id: str
    body: dict[str, Any]


@dataclass(frozen=True)
class StreamingCompletion:
    interaction_id: str
    events: Iterator[bytes]


class ChatGateway:
    def __init__(
        self,
        *,
        settings: Settings,
        context: IngestContext,
        sessions: Sessions,
        client: httpx.Client | None = None,
        vertex_token: Callable[[], str] | None = None,
    ) -> None:
        """`vertex_token` yields OAuth tokens for Vertex AI (default: Application Default Credentials)."""
        self._settings = settings
        self._context = context
        self._sessions = sessions
        self._table: RouteTable | None = None
        self._table_loaded = 0.0
        self._routes_lock = threading.Lock()
        self._upstreams: dict[Protocol, Upstream] = {
            "openai": OpenAIUpstream(),
            "azure": AzureUpstream(settings.azure_openai_api_version),
            "vertex": VertexUpstream(vertex_token or GoogleToken()),
        }
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(
                settings.gateway_timeout_seconds, connect=settings.gateway_connect_timeout_seconds
            ),
            transport=httpx.HTTPTransport(
                limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
                socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],  # no Nagle delay per call
            ),
        )

    def _routes(self) -> RouteTable:
        """The routing table, re-read from the database at most every `GATEWAY_ROUTE_CACHE_SECONDS`."""
        with self._routes_lock:
            now = time.monotonic()
            if self._table is None or now - self._table_loaded >= self._settings.gateway_route_cache_seconds:
                with self._sessions() as session:
                    self._table = RouteTable.load(session)
                self._table_loaded = now
            return self._table

    def close(self) -> None:
        self._client.close()

    def complete(self, body: dict[str, Any], user_id: str | None) -> Completion:
        call, upstream, request = self._start(body, user_id, stream=False)
        try:
            response = self._client.send(request)
        except httpx.HTTPError as exc:
            raise self._fail(call, _transport_error(exc)) from None
        if response.status_code >= 400:
            raise self._fail(call, _status_error(response.status_code))
        try:
            answer = upstream.answer(call.route, response.content, call.reply)
        except GatewayError as exc:
            raise self._fail(call, exc) from None
        self._log(call, error=None)
        return Completion(call.interaction_id, answer)

    def stream(self, body: dict[str, Any], user_id: str | None) -> StreamingCompletion:
        """Open the upstream stream; errors before the first byte raise, later ones end the stream."""
        call, upstream, request = self._start(body, user_id, stream=True)
        try:
            response = self._client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise self._fail(call, _transport_error(exc)) from None
        if response.status_code >= 400:
            response.close()
            raise self._fail(call, _status_error(response.status_code))
        return StreamingCompletion(call.interaction_id, self._relay(call, upstream, response))

    # -- steps -----------------------------------------------------------------------------------------
    def _start(
        self, body: dict[str, Any], user_id: str | None, *, stream: bool
    ) -> tuple[Call, Upstream, httpx.Request]:
        """Route the call and build the upstream request (an OpenAI payload, translated by the upstream)."""
        route = self._routes().route(user_id, self._settings)
        call = Call(str(uuid.uuid4()), route, user_id, messages_of(body.get("messages")))
        payload = {key: value for key, value in body.items() if key not in ("model", "user", "stream")}
        payload["model"] = route.model
        pseudonym = self._context.pseudonymize(user_id)
        if pseudonym:
            payload["user"] = pseudonym
        if stream:
            payload["stream"] = True
            payload["stream_options"] = {**(body.get("stream_options") or {}), "include_usage": True}
        upstream = self._upstreams[route.protocol]
        try:
            request = upstream.request(self._client, route, payload, stream=stream)
        except GatewayError as exc:  # e.g. no Vertex AI access token
            raise self._fail(call, exc) from None
        call.started = time.perf_counter()
        return call, upstream, request

    def _relay(self, call: Call, upstream: Upstream, response: httpx.Response) -> Iterator[bytes]:
        error: GatewayError | None = None
        try:
            yield from upstream.events(call.route, response.iter_lines(), call.reply)
        except httpx.HTTPError as exc:
            error = _transport_error(exc)
            yield sse(error.body())
        except GatewayError as exc:  # the upstream reported a failure inside the stream
            error = exc
            yield sse(error.body())
        except GeneratorExit:
            error = GatewayError(499, "client_disconnected", "the client went away mid-stream")
            raise
        finally:
            response.close()
            self._log(call, error=error)

    def _fail(self, call: Call, error: GatewayError) -> GatewayError:
        self._log(call, error=error)
        error.interaction_id = call.interaction_id
        return error

    def _log(self, call: Call, *, error: GatewayError | None) -> None:
        messages = list(call.messages)
        if error is None:
            messages.append({"role": "assistant", "content": call.reply.answer})
        fields: dict[str, Any] = {
            "id": call.interaction_id,
            "user_id": call.user_id,
            "status": "ok" if error is None else "error",
            "error_code": None if error is None else error.code,
            "messages": messages,
            "model": call.route.model,
            "provider": call.route.provider,
            "experiment": call.route.experiment,
            "variant": call.route.variant,
            "latency_ms": round((time.perf_counter() - call.started) * 1000),
            "prompt_tokens": call.reply.prompt_tokens,
            "completion_tokens": call.reply.completion_tokens,
        }
        try:
            record = Record.model_validate(fields)
        except ValueError as exc:  # e.g. no user message: nothing meaningful to log
            raise RecordError(str(exc)) from None
        with self._sessions() as session:
            self._context.writer(session, "gateway").write([record])
            session.commit()


def _transport_error(exc: httpx.HTTPError) -> GatewayError:
    if isinstance(exc, httpx.TimeoutException):
        return GatewayError(504, "upstream_timeout", "the upstream model server did not answer in time")
    return GatewayError(502, "upstream_unreachable", "the upstream model server could not be reached")


def _status_error(status: int) -> GatewayError:
    return GatewayError(502, f"upstream_http_{status}", f"the upstream model server answered HTTP {status}")
