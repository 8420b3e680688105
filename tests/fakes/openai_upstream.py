"""A fake OpenAI-compatible chat server on 127.0.0.1, in a thread: what the gateway forwards to in tests.

In: `POST /v1/chat/completions` bodies, or Azure OpenAI's `POST /openai/deployments/NAME/chat/completions?
api-version=…` (answered 401 unless the `api-key` header is `azure_key` and an api-version is given). Out: a deterministic answer (`Echo: <last user message>`) with
`usage`, as JSON or as server-sent events; `mode` switches to failures: `error` (HTTP 500), `garbage`
(not JSON), `hang` (no answer until `release` is set) and `hang_midstream` (one chunk, then the same).
Every request is kept in `requests` (headers and decoded body) so tests can check what was sent.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import orjson

HANG_LIMIT_SECONDS = 10.0
AZURE_KEY = "azure-test-key"


@dataclass
class SeenRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeUpstream:
    mode: str = "ok"
    requests: list[SeenRequest] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    azure_key: str = AZURE_KEY
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    handler: ClassVar[type[_Handler]]  # set below the handler class; subclasses serve other wire formats

    @property
    def root_url(self) -> str:
        """The server's root: Azure's resource endpoint (`AZURE_OPENAI_ENDPOINT`)."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    def start(self) -> FakeUpstream:
        fake = self

        class Handler(self.handler):
            upstream = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def reset(self) -> None:
        self.mode = "ok"
        self.requests.clear()
        self.release.clear()

    def stop(self) -> None:
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def answer_for(body: dict[str, Any]) -> str:
    last = next((m for m in reversed(body.get("messages", [])) if m.get("role") == "user"), {})
    return f"Echo: {last.get('content', '')}"


def usage_for(body: dict[str, Any], answer: str) -> dict[str, int]:
    prompt = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
    completion = len(answer.split())
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


class _Handler(BaseHTTPRequestHandler):
    upstream: FakeUpstream
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle delays

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        return

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        raw = self.rfile.read(int(self.headers.get("content-length", "0")))
        body = orjson.loads(raw) if raw else {}
        self.upstream.requests.append(SeenRequest(self.path, dict(self.headers.items()), body))
        mode = self.upstream.mode
        if mode == "hang":
            self.upstream.release.wait(HANG_LIMIT_SECONDS)
        if not self._authorized():
            self._send(401, orjson.dumps({"error": {"code": "401", "message": "Access denied"}}))
        elif mode == "error":
            self._send(500, orjson.dumps({"error": {"message": "boom: sk-upstream-internal"}}))
        elif mode == "garbage":
            self._send(200, b"<html>not json</html>")
        else:
            self._answer(body)

    def _authorized(self) -> bool:
        """Azure deployment paths need the `api-key` header and an api-version; other paths anything."""
        url = urlsplit(self.path)
        if not url.path.startswith("/openai/deployments/"):
            return True
        return self.headers.get("api-key") == self.upstream.azure_key and "api-version" in parse_qs(url.query)

    def _answer(self, body: dict[str, Any]) -> None:
        """A successful answer in this server's wire format (JSON, or events when the body asks to stream)."""
        if body.get("stream"):
            self._stream(body, hang=self.upstream.mode == "hang_midstream")
        else:
            answer = answer_for(body)
            completion = {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "model": body.get("model"),
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}
                ],
                "usage": usage_for(body, answer),
            }
            self._send(200, orjson.dumps(completion))

    def _send(self, status: int, content: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def _stream(self, body: dict[str, Any], *, hang: bool) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("connection", "close")
        self.end_headers()
        answer = answer_for(body)
        words = answer.split(" ")
        for number, word in enumerate(words):
            piece = word if number == 0 else " " + word
            self._event({"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
            if hang:
                self.upstream.release.wait(HANG_LIMIT_SECONDS)
                return
        self._event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        if (body.get("stream_options") or {}).get("include_usage"):
            self._event({"choices": [], "usage": usage_for(body, answer)})
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True

    def _event(self, chunk: dict[str, Any]) -> None:
        payload = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", **chunk}
        self.wfile.write(b"data: " + orjson.dumps(payload) + b"\n\n")
        self.wfile.flush()


FakeUpstream.handler = _Handler
