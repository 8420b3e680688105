"""The wire formats the chat gateway speaks to model servers, one class per `Route.protocol`.

In: the route, the OpenAI-style payload the gateway prepared (routed `model`, pseudonymous `user`,
sampling parameters, `stream` and `stream_options` when streaming) and, back from the server, its body or
its server-sent-event lines. Out: an `httpx.Request` to send, then an OpenAI chat completion (a dict) or
OpenAI `chat.completion.chunk` events (bytes), while the answer text and token counts are collected in a
`Reply` for the log. Sending, timing, error mapping and logging stay in `core.collector.gateway`, so every
provider shares them; a malformed answer raises `GatewayError` (502 `upstream_invalid_response`).

- `OpenAIUpstream`: OpenAI and OpenAI-compatible servers (vLLM, Ollama, llama.cpp): `POST
  {base}/chat/completions` with a bearer key; answers are relayed untouched.
- `AzureUpstream`: the same format at `POST {deployment}/chat/completions?api-version=…` with `api-key`.
- `VertexUpstream`: Gemini on Vertex AI, `POST {model}:generateContent` (or `:streamGenerateContent?alt=sse`)
  with an OAuth token from Application Default Credentials. System and developer turns become
  `systemInstruction`, assistant turns role `model`; tool turns are not translated. Answers are converted
  back: candidates → choices, `usageMetadata` → usage (thinking tokens count as completion tokens, as they
  are billed as output).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import google.auth
import google.auth.exceptions
import google.auth.transport.requests
import httpx
import orjson

from core.collector.routing import GatewayError, Route
from core.errors import InputError

ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})
VERTEX_SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
GEMINI_FINISH = {"STOP": "stop", "MAX_TOKENS": "length"}  # anything else (SAFETY, RECITATION…): filtered
GEMINI_CONFIG = {  # OpenAI parameter → Gemini generationConfig field
    "temperature": "temperature",
    "top_p": "topP",
    "max_tokens": "maxOutputTokens",
    "max_completion_tokens": "maxOutputTokens",
    "n": "candidateCount",
    "presence_penalty": "presencePenalty",
    "frequency_penalty": "frequencyPenalty",
    "seed": "seed",
}


@dataclass
class Reply:
    """What came back from the upstream so far: the first choice's text and the token counts."""

    answer: str = ""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None

    def take_usage(self, usage: Any) -> None:
        """Read an OpenAI `usage` object (ignored unless it is one)."""
        if isinstance(usage, dict):
            self.prompt_tokens = int_or_none(usage.get("prompt_tokens"))
            self.completion_tokens = int_or_none(usage.get("completion_tokens"))


class Upstream(Protocol):
    """One wire format: how to ask, and how to read the answer back as OpenAI's."""

    def request(
        self, client: httpx.Client, route: Route, payload: dict[str, Any], *, stream: bool
    ) -> httpx.Request: ...

    def answer(self, route: Route, content: bytes, reply: Reply) -> dict[str, Any]: ...

    def events(self, route: Route, lines: Iterator[str], reply: Reply) -> Iterator[bytes]: ...


class OpenAIUpstream:
    """OpenAI and OpenAI-compatible servers: the payload is sent as it is and the answer relayed untouched."""

    def request(
        self, client: httpx.Client, route: Route, payload: dict[str, Any], *, stream: bool
    ) -> httpx.Request:
        headers = {"content-type": "application/json", **self._auth(route)}
        return client.build_request(
            "POST",
            f"{route.base_url}/chat/completions",
            params=self._params(),
            content=encode(payload),
            headers=headers,
        )

    def _auth(self, route: Route) -> dict[str, str]:
        return {"authorization": f"Bearer {route.api_key}"} if route.api_key else {}

    def _params(self) -> dict[str, str]:
        return {}

    def answer(self, route: Route, content: bytes, reply: Reply) -> dict[str, Any]:
        try:
            body = orjson.loads(content)
            reply.answer = body["choices"][0]["message"].get("content") or ""
        except (orjson.JSONDecodeError, KeyError, IndexError, TypeError, AttributeError):
            raise invalid_response() from None
        reply.take_usage(body.get("usage"))
        return dict(body)

    def events(self, route: Route, lines: Iterator[str], reply: Reply) -> Iterator[bytes]:
        """Relay each event as it arrives (its lines re-joined), reading text and usage on the way."""
        event: list[str] = []
        for line in lines:
            if line:
                event.append(line)
                _read_openai_line(reply, line)
                continue
            if event:
                yield ("\n".join(event) + "\n\n").encode()
                event = []
        if event:
            yield ("\n".join(event) + "\n\n").encode()


class AzureUpstream(OpenAIUpstream):
    """Azure OpenAI: OpenAI's format on a deployment URL, with the `api-key` header and an `api-version`."""

    def __init__(self, api_version: str) -> None:
        self._api_version = api_version

    def _auth(self, route: Route) -> dict[str, str]:
        return {"api-key": route.api_key} if route.api_key else {}

    def _params(self) -> dict[str, str]:
        return {"api-version": self._api_version}


class GoogleToken:
    """OAuth access tokens for Vertex AI from Application Default Credentials, refreshed before they expire.

    Credentials are looked up on first use (so a gateway without Vertex models needs none); missing ones
    fail the call with 503 `no_credentials`, a failed refresh with 502 `upstream_auth_failed`.
    """

    def __init__(self) -> None:
        self._credentials: Any = None
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            try:
                if self._credentials is None:
                    self._credentials, _ = google.auth.default(scopes=VERTEX_SCOPES)
                if not self._credentials.valid:
                    self._credentials.refresh(google.auth.transport.requests.Request())
            except google.auth.exceptions.DefaultCredentialsError:
                raise GatewayError(
                    503,
                    "no_credentials",
                    "Vertex AI needs Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS)",
                    "service_unavailable",
                ) from None
            except google.auth.exceptions.GoogleAuthError:
                raise GatewayError(
                    502, "upstream_auth_failed", "no Vertex AI access token could be obtained"
                ) from None
            return str(self._credentials.token)


class VertexUpstream:
    """Gemini on Vertex AI: OpenAI requests translated to `generateContent`, answers translated back."""

    def __init__(self, token: Callable[[], str]) -> None:
        self._token = token

    def request(
        self, client: httpx.Client, route: Route, payload: dict[str, Any], *, stream: bool
    ) -> httpx.Request:
        method = "streamGenerateContent" if stream else "generateContent"
        headers = {"content-type": "application/json", "authorization": f"Bearer {self._token()}"}
        return client.build_request(
            "POST",
            f"{route.base_url}:{method}",
            params={"alt": "sse"} if stream else {},
            content=encode(gemini_request(payload)),
            headers=headers,
        )

    def answer(self, route: Route, content: bytes, reply: Reply) -> dict[str, Any]:
        try:
            body = orjson.loads(content)
        except orjson.JSONDecodeError:
            raise invalid_response() from None
        if not isinstance(body, dict) or not ("candidates" in body or "promptFeedback" in body):
            raise invalid_response()
        candidates = body.get("candidates") or []
        choices: list[dict[str, Any]] = [
            {
                "index": index,
                "message": {"role": "assistant", "content": _gemini_text(candidate)},
                "finish_reason": _finish_reason(candidate),
            }
            for index, candidate in enumerate(candidates)
            if isinstance(candidate, dict)
        ] or [  # no candidates: the prompt itself was blocked
            {"index": 0, "message": {"role": "assistant", "content": ""}, "finish_reason": "content_filter"}
        ]
        reply.answer = _gemini_text(candidates[0]) if candidates and isinstance(candidates[0], dict) else ""
        usage = openai_usage(body.get("usageMetadata"))
        reply.take_usage(usage)
        completion = _openai_envelope(route, body, "chat.completion")
        return {**completion, "choices": choices, **({"usage": usage} if usage else {})}

    def events(self, route: Route, lines: Iterator[str], reply: Reply) -> Iterator[bytes]:
        """One OpenAI chunk per Gemini event, then a usage chunk and `[DONE]`, as OpenAI streams end."""
        envelope: dict[str, Any] | None = None
        usage: dict[str, int] | None = None
        for line in lines:
            if not line.startswith("data:"):
                continue
            try:
                event = orjson.loads(line[5:].strip())
            except orjson.JSONDecodeError:
                continue
            if not isinstance(event, dict):
                continue
            if "error" in event:
                raise GatewayError(
                    502, "upstream_stream_error", "the upstream model server failed mid-stream"
                )
            first = envelope is None
            envelope = envelope or _openai_envelope(route, event, "chat.completion.chunk")
            usage = openai_usage(event.get("usageMetadata")) or usage
            for index, candidate in enumerate(event.get("candidates") or []):
                if not isinstance(candidate, dict):
                    continue
                text, finish = _gemini_text(candidate), _finish_reason(candidate)
                if index == 0:
                    reply.answer += text
                delta: dict[str, str] = {"role": "assistant"} if first else {}
                if text:
                    delta["content"] = text
                choice = {"index": index, "delta": delta, "finish_reason": finish}
                yield sse({**envelope, "choices": [choice]})
        if usage is not None:
            reply.take_usage(usage)
            yield sse(
                {
                    **(envelope or _openai_envelope(route, {}, "chat.completion.chunk")),
                    "choices": [],
                    "usage": usage,
                }
            )
        yield b"data: [DONE]\n\n"


def gemini_request(payload: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI chat payload as a Gemini `GenerateContentRequest` (text turns and sampling parameters)."""
    system: list[str] = []
    contents: list[dict[str, Any]] = []
    for turn in messages_of(payload.get("messages")):
        if turn["role"] in ("system", "developer"):
            system.append(turn["content"])
            continue
        if turn["role"] not in ("user", "assistant"):
            continue
        role = "user" if turn["role"] == "user" else "model"
        if contents and contents[-1]["role"] == role:  # Gemini wants turns to alternate
            contents[-1]["parts"].append({"text": turn["content"]})
        else:
            contents.append({"role": role, "parts": [{"text": turn["content"]}]})
    request: dict[str, Any] = {"contents": contents}
    if system:
        request["systemInstruction"] = {"parts": [{"text": "\n\n".join(system)}]}
    config = {GEMINI_CONFIG[key]: value for key, value in payload.items() if key in GEMINI_CONFIG}
    stop = payload.get("stop")
    if stop:
        config["stopSequences"] = [stop] if isinstance(stop, str) else stop
    response_format = payload.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") in ("json_object", "json_schema"):
        config["responseMimeType"] = "application/json"
        schema = (response_format.get("json_schema") or {}).get("schema")
        if schema is not None:
            config["responseJsonSchema"] = schema
    if config:
        request["generationConfig"] = config
    return request


def openai_usage(metadata: Any) -> dict[str, int] | None:
    """Gemini `usageMetadata` as OpenAI `usage`; thinking tokens are billed as output, so they count there."""
    if not isinstance(metadata, dict) or int_or_none(metadata.get("promptTokenCount")) is None:
        return None
    prompt = int_or_none(metadata.get("promptTokenCount")) or 0
    completion = (int_or_none(metadata.get("candidatesTokenCount")) or 0) + (
        int_or_none(metadata.get("thoughtsTokenCount")) or 0
    )
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _openai_envelope(route: Route, body: dict[str, Any], kind: str) -> dict[str, Any]:
    response_id = body.get("responseId")
    return {
        "id": f"chatcmpl-{response_id}" if isinstance(response_id, str) else "chatcmpl-vertex",
        "object": kind,
        "created": int(time.time()),
        "model": route.model,
    }


def _gemini_text(candidate: dict[str, Any]) -> str:
    """The answer text of one candidate (thought summaries left out)."""
    content = candidate.get("content")
    parts = content.get("parts") if isinstance(content, dict) else None
    return "".join(
        part["text"]
        for part in parts or []
        if isinstance(part, dict) and isinstance(part.get("text"), str) and not part.get("thought")
    )


def _finish_reason(candidate: dict[str, Any]) -> str | None:
    reason = candidate.get("finishReason")
    if not reason or reason == "FINISH_REASON_UNSPECIFIED":
        return None
    return GEMINI_FINISH.get(reason, "content_filter")


def _read_openai_line(reply: Reply, line: str) -> None:
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
        if isinstance(delta, dict) and isinstance(delta.get("content"), str) and choice.get("index", 0) == 0:
            reply.answer += delta["content"]
    if chunk.get("usage"):
        reply.take_usage(chunk["usage"])


def messages_of(raw: Any) -> list[dict[str, str]]:
    """The request's turns as plain role/content pairs (text parts joined; unknown roles dropped)."""
    turns: list[dict[str, str]] = []
    for message in raw if isinstance(raw, list) else []:
        if not isinstance(message, dict) or message.get("role") not in ROLES:
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


def int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def encode(payload: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(payload)
    except TypeError as exc:  # e.g. an integer beyond 64 bits
        raise InputError(f"the request cannot be forwarded: {exc}") from None


def sse(chunk: dict[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(chunk) + b"\n\n"


def invalid_response() -> GatewayError:
    return GatewayError(502, "upstream_invalid_response", "the upstream answer was not a chat completion")
