"""A fake Vertex AI Gemini server on 127.0.0.1, in a thread: what the gateway calls for `vertex` models in tests.

In: `POST /v1/projects/P/locations/L/publishers/google/models/M:generateContent` (or
`:streamGenerateContent?alt=sse`) with `Authorization: Bearer <token>` (401 unless it is `token`).
Out: a `GenerateContentResponse` echoing the last user turn (`Echo: …`) with `usageMetadata` (words as
tokens, plus `THOUGHT_TOKENS` thinking tokens), or one SSE event per word separated by CRLF as Vertex does.
Failure modes and `requests` are those of `FakeUpstream`; `base_url` is the API root (`VERTEX_BASE_URL`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from tests.fakes.openai_upstream import HANG_LIMIT_SECONDS, FakeUpstream, _Handler

VERTEX_TOKEN = "fake-token"
THOUGHT_TOKENS = 3


@dataclass
class FakeVertex(FakeUpstream):
    token: str = VERTEX_TOKEN

    @property
    def base_url(self) -> str:
        return self.root_url


def _words(parts: list[dict[str, Any]]) -> int:
    return sum(len(str(part.get("text", "")).split()) for part in parts)


class _VertexHandler(_Handler):
    upstream: FakeVertex

    def _authorized(self) -> bool:
        return self.headers.get("authorization") == f"Bearer {self.upstream.token}"

    def _answer(self, body: dict[str, Any]) -> None:
        user_turns = [turn for turn in body.get("contents", []) if turn.get("role") == "user"]
        question = " ".join(part.get("text", "") for part in user_turns[-1]["parts"]) if user_turns else ""
        answer = f"Echo: {question}"
        parts = [part for turn in body.get("contents", []) for part in turn.get("parts", [])]
        prompt = _words(parts) + _words((body.get("systemInstruction") or {}).get("parts", []))
        usage = {
            "promptTokenCount": prompt,
            "candidatesTokenCount": len(answer.split()),
            "thoughtsTokenCount": THOUGHT_TOKENS,
            "totalTokenCount": prompt + len(answer.split()) + THOUGHT_TOKENS,
        }
        if ":streamGenerateContent" in self.path:
            self._stream_gemini(answer, usage)
        else:
            self._send(200, orjson.dumps(_response(answer, "STOP", usage)))

    def _stream_gemini(self, answer: str, usage: dict[str, int]) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("connection", "close")
        self.end_headers()
        words = answer.split(" ")
        for number, word in enumerate(words):
            piece = word if number == 0 else " " + word
            last = number == len(words) - 1
            event = _response(piece, "STOP" if last else None, usage if last else None)
            self.wfile.write(b"data: " + orjson.dumps(event) + b"\r\n\r\n")
            self.wfile.flush()
            if self.upstream.mode == "hang_midstream":
                self.upstream.release.wait(HANG_LIMIT_SECONDS)
                return
        self.close_connection = True


def _response(text: str, finish: str | None, usage: dict[str, int] | None) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": text}]}}
    if finish:
        candidate["finishReason"] = finish
    response: dict[str, Any] = {
        "candidates": [candidate],
        "modelVersion": "gemini-fake",
        "responseId": "fake-1",
    }
    if usage:
        response["usageMetadata"] = usage
    return response


FakeVertex.handler = _VertexHandler
