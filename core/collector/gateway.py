"""The chat gateway: forward an OpenAI-style chat completion to the routed model, measure it, log it.

In: the request body (`messages`, optional `stream`, sampling parameters…) and the end user's raw id.
Out: `complete()` returns the upstream's JSON answer; `stream()` returns an iterator of server-sent events
relayed as they arrive. Either way an interaction id is minted first and the call — model, arm, latency,
tokens (from the upstream's `usage`), price, and for failures `status="error"` with an `error_code` — is
logged through `IngestWriter` (source `gateway`). Failures raise `GatewayError` (502 upstream error or
unreachable, 504 timeout), whose `interaction_id` names the logged failure.

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
import orjson
from sqlalchemy.orm import Session

from core.collector.ingest import IngestContext
from core.collector.routing import GatewayError, Route, RouteTable
from core.config import Settings
from core.errors import InputError
from core.ingest.records import Record, RecordError

Sessions = Callable[[], AbstractContextManager[Session]]
_ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})


@dataclass
class Call:
    """One gateway call in flight: what was asked, where it goes, and what came back so far."""

    interaction_id: str
    route: Route
    user_id: str | None
    messages: list[dict[str, str]]
    started: float = field(default_factory=time.perf_counter)
    answer: str = ""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None

    def take_usage(self, usage: Any) -> None:
        if isinstance(usage, dict):
            self.prompt_tokens = _int_or_none(usage.get("prompt_tokens"))
            self.completion_tokens = _int_or_none(usage.get("completion_tokens"))


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
    ) -> None:
        self._settings = settings
        self._context = context
        self._sessions = sessions
        self._table: RouteTable | None = None
        self._table_loaded = 0.0
        self._routes_lock = threading.Lock()
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
        call, request = self._start(body, user_id, stream=False)
        try:
            response = self._client.send(request)
        except httpx.HTTPError as exc:
            raise self._fail(call, _transport_error(exc)) from None
        if response.status_code >= 400:
            raise self._fail(call, _status_error(response.status_code))
        try:
            answer = orjson.loads(response.content)
            message = answer["choices"][0]["message"]
            call.answer = message.get("content") or ""
        except (orjson.JSONDecodeError, KeyError, IndexError, TypeError, AttributeError):
            raise self._fail(
                call,
                GatewayError(
                    502, "upstream_invalid_response", "the upstream answer was not a chat completion"
                ),
            ) from None
        call.take_usage(answer.get("usage"))
        self._log(call, error=None)
        return Completion(call.interaction_id, answer)

    def stream(self, body: dict[str, Any], user_id: str | None) -> StreamingCompletion:
        """Open the upstream stream; errors before the first byte raise, later ones end the stream."""
        call, request = self._start(body, user_id, stream=True)
        try:
            response = self._client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise self._fail(call, _transport_error(exc)) from None
        if response.status_code >= 400:
            response.close()
            raise self._fail(call, _status_error(response.status_code))
        return StreamingCompletion(call.interaction_id, self._relay(call, response))

    # -- steps -----------------------------------------------------------------------------------------
    def _start(
        self, body: dict[str, Any], user_id: str | None, *, stream: bool
    ) -> tuple[Call, httpx.Request]:
        route = self._routes().route(user_id, self._settings)
        call = Call(str(uuid.uuid4()), route, user_id, _messages(body.get("messages")))
        payload = {key: value for key, value in body.items() if key not in ("model", "user", "stream")}
        payload["model"] = route.model
        pseudonym = self._context.pseudonymize(user_id)
        if pseudonym:
            payload["user"] = pseudonym
        if stream:
            payload["stream"] = True
            payload["stream_options"] = {**(body.get("stream_options") or {}), "include_usage": True}
        headers = {"content-type": "application/json"}
        if route.api_key:
            headers["authorization"] = f"Bearer {route.api_key}"
        request = self._client.build_request(
            "POST", f"{route.base_url}/chat/completions", content=_encode(payload), headers=headers
        )
        call.started = time.perf_counter()
        return call, request

    def _relay(self, call: Call, response: httpx.Response) -> Iterator[bytes]:
        error: GatewayError | None = None
        event: list[str] = []
        try:
            for line in response.iter_lines():
                if line:
                    event.append(line)
                    _read_event_line(call, line)
                    continue
                if event:
                    yield ("\n".join(event) + "\n\n").encode()
                    event = []
            if event:
                yield ("\n".join(event) + "\n\n").encode()
        except httpx.HTTPError as exc:
            error = _transport_error(exc)
            yield b"data: " + orjson.dumps(error.body()) + b"\n\n"
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
            messages.append({"role": "assistant", "content": call.answer})
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
            "prompt_tokens": call.prompt_tokens,
            "completion_tokens": call.completion_tokens,
        }
        try:
            record = Record.model_validate(fields)
        except ValueError as exc:  # e.g. no user message: nothing meaningful to log
            raise RecordError(str(exc)) from None
        with self._sessions() as session:
            self._context.writer(session, "gateway").write([record])
            session.commit()


def _encode(payload: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(payload)
    except TypeError as exc:  # e.g. an integer beyond 64 bits
        raise InputError(f"the request cannot be forwarded: {exc}") from None


def _read_event_line(call: Call, line: str) -> None:
    """Collect the answer text and the usage from one `data:` line of an OpenAI stream."""
    if not line.startswith("data:"):
        return
    data = line[5:].strip()
    if not data or data == "[DONE]":
        return
    try:
        chunk = orjson.loads(data)
    except orjson.JSONDecodeError:
        return
    if not isinstance(chunk, dict):
        return
    for choice in chunk.get("choices") or []:
        delta = choice.get("delta") if isinstance(choice, dict) else None
        if isinstance(delta, dict) and isinstance(delta.get("content"), str):
            call.answer += delta["content"]
    if chunk.get("usage"):
        call.take_usage(chunk["usage"])


def _messages(raw: Any) -> list[dict[str, str]]:
    """The request's turns as plain role/content pairs (text parts joined; unknown roles dropped)."""
    turns: list[dict[str, str]] = []
    for message in raw if isinstance(raw, list) else []:
        if not isinstance(message, dict) or message.get("role") not in _ROLES:
            continue
        turns.append({"role": message["role"], "content": _text(message.get("content"))})
    return turns


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part.get("text", "") for part in content if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _transport_error(exc: httpx.HTTPError) -> GatewayError:
    if isinstance(exc, httpx.TimeoutException):
        return GatewayError(504, "upstream_timeout", "the upstream model server did not answer in time")
    return GatewayError(502, "upstream_unreachable", "the upstream model server could not be reached")


def _status_error(status: int) -> GatewayError:
    return GatewayError(502, f"upstream_http_{status}", f"the upstream model server answered HTTP {status}")
