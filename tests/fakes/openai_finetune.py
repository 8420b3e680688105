"""A fake OpenAI (and Azure OpenAI) fine-tuning server on 127.0.0.1, in a thread, that the real SDK talks to.

In: `/v1/files` (multipart upload, `purpose=fine-tune`), `/v1/files/ID/content`, `/v1/fine_tuning/jobs`
(create, list with `metadata[k]=v`), `…/jobs/ID` (retrieve), `…/events`, `…/checkpoints`, `…/cancel`,
`…/pause`, `…/resume` — and the same under `/openai/…?api-version=` for Azure (`api-key` header).
Out: a job that moves one step along `script` on every retrieve (validating_files → queued → running … →
succeeded), adding a metrics event and a checkpoint per running step, then a fine-tuned model id,
`trained_tokens` and a result CSV (base64-encoded when `result_base64`). `failures` injects errors: each is
consumed by the first request whose "METHOD path" contains its `match` (401, 429 with Retry-After, 400, 404,
500, or a hang that makes the client time out). Every request is kept in `requests`.
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from tests.fakes.openai_upstream import HANG_LIMIT_SECONDS, FakeUpstream, SeenRequest, _Handler

API_KEY = "sk-fake-finetune"
DEFAULT_SCRIPT = ("validating_files", "queued", "running", "running", "running", "succeeded")
TOKENS_PER_LINE = 100


@dataclass
class Failure:
    match: str  # a substring of "METHOD /path" (without the /v1 or /openai prefix)
    status: int = 500
    message: str = "injected failure"
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False


@dataclass
class FakeFineTuning(FakeUpstream):
    api_key: str = API_KEY
    script: tuple[str, ...] = DEFAULT_SCRIPT
    result_base64: bool = True
    failures: list[Failure] = field(default_factory=list)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    checkpoints: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, match: str, status: int = 500, **kwargs: Any) -> None:
        self.failures.append(Failure(match, status, **kwargs))

    def take_failure(self, request_line: str) -> Failure | None:
        with self.lock:
            for failure in self.failures:
                if failure.match in request_line:
                    self.failures.remove(failure)
                    return failure
        return None

    # -- the job simulation -------------------------------------------------------------------------------
    def create_job(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            number = len(self.jobs) + 1
            job_id = f"ftjob-{number:04d}"
            job = {
                "id": job_id,
                "object": "fine_tuning.job",
                "created_at": 1_790_000_000 + number,
                "model": body["model"],
                "training_file": body["training_file"],
                "validation_file": body.get("validation_file"),
                "status": self.script[0],
                "method": body.get("method"),
                "metadata": body.get("metadata"),
                "suffix": body.get("suffix"),
                "seed": body.get("seed") or 42,
                "hyperparameters": {"n_epochs": "auto"},
                "fine_tuned_model": None,
                "trained_tokens": None,
                "result_files": [],
                "organization_id": "org-fake",
                "error": None,
                "finished_at": None,
                "_step": 0,
            }
            self.jobs[job_id] = job
            self.events[job_id] = []
            self.checkpoints[job_id] = []
            self._event(job_id, "Created fine-tuning job")
            return job

    def advance(self, job_id: str) -> dict[str, Any]:
        """Move the job one step along the script (a finished, paused or cancelled job stays put)."""
        with self.lock:
            job = self.jobs[job_id]
            if job["status"] in ("succeeded", "failed", "cancelled", "paused"):
                return job
            job["_step"] = min(job["_step"] + 1, len(self.script) - 1)
            job["status"] = self.script[job["_step"]]
            if job["status"] == "running":
                self._metric(job_id)
            elif job["status"] == "succeeded":
                self._succeed(job)
            elif job["status"] == "failed":
                job["error"] = {
                    "code": "invalid_training_file",
                    "message": "training file invalid",
                    "param": None,
                }
                self._event(job_id, "Job failed: training file invalid", level="error")
            return job

    def _metric(self, job_id: str) -> None:
        step = len(self.checkpoints[job_id]) + 1
        loss = round(2.0 / step, 4)
        data = {
            "step": step * 10,
            "train_loss": loss,
            "valid_loss": loss + 0.1,
            "train_mean_token_accuracy": 0.5 + step / 20,
        }
        self._event(job_id, f"Step {step * 10}: training loss={loss}", data=data, kind="metrics")
        self.checkpoints[job_id].append(
            {
                "id": f"ftckpt-{job_id}-{step}",
                "object": "fine_tuning.job.checkpoint",
                "created_at": 1_790_000_100 + step,
                "fine_tuned_model_checkpoint": f"ft:{self.jobs[job_id]['model']}:bloom::{job_id}:ckpt-step-{step * 10}",
                "fine_tuning_job_id": job_id,
                "step_number": step * 10,
                "metrics": {"step": step * 10, "train_loss": loss, "valid_loss": loss + 0.1},
            }
        )

    def _succeed(self, job: dict[str, Any]) -> None:
        lines = self.files.get(job["training_file"], {}).get("lines", 1)
        job["fine_tuned_model"] = f"ft:{job['model']}:bloom::{job['id']}"
        job["trained_tokens"] = lines * TOKENS_PER_LINE * 3
        job["finished_at"] = 1_790_000_900
        rows = ["step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy"]
        rows += [
            f"{c['step_number']},{c['metrics']['train_loss']},0.8,{c['metrics']['valid_loss']},0.7"
            for c in self.checkpoints[job["id"]]
        ]
        csv_bytes = ("\n".join(rows) + "\n").encode()
        file_id = f"file-result-{job['id']}"
        self.files[file_id] = {"content": base64.b64encode(csv_bytes) if self.result_base64 else csv_bytes}
        job["result_files"] = [file_id]
        self._event(job["id"], "The job has successfully completed")

    def _event(
        self, job_id: str, message: str, *, level: str = "info", data: Any = None, kind: str = "message"
    ) -> None:
        events = self.events[job_id]
        events.append(
            {
                "id": f"ftevent-{job_id}-{len(events) + 1}",
                "object": "fine_tuning.job.event",
                "created_at": 1_790_000_000 + len(events),
                "level": level,
                "message": message,
                "data": data,
                "type": kind,
            }
        )


def public(job: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in job.items() if not key.startswith("_")}


def cursor_page(items: list[dict[str, Any]], query: dict[str, list[str]]) -> dict[str, Any]:
    """Newest first, `after` = the last id of the previous page, `limit` items per page."""
    ordered = items[::-1]
    after = query.get("after", [None])[0]
    if after is not None:
        ids = [item["id"] for item in ordered]
        ordered = ordered[ids.index(after) + 1 :] if after in ids else []
    limit = int(query.get("limit", ["20"])[0])
    return {"object": "list", "data": ordered[:limit], "has_more": len(ordered) > limit}


class _FineTuneHandler(_Handler):
    upstream: FakeFineTuning

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._handle("GET", b"")

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self._handle("POST", self.rfile.read(int(self.headers.get("content-length", "0"))))

    def _handle(self, method: str, raw: bytes) -> None:
        fake = self.upstream
        url = urlsplit(self.path)
        path = url.path.removeprefix("/v1").removeprefix("/openai")
        query = parse_qs(url.query)
        is_json = self.headers.get("content-type", "").startswith("application/json")
        body = orjson.loads(raw) if raw and is_json else {}
        fake.requests.append(SeenRequest(self.path, dict(self.headers.items()), body))
        if not self._authorized_ft(url.path, query):
            return self._error(401, "Incorrect API key provided")
        failure = fake.take_failure(f"{method} {path}")
        if failure is not None:
            if failure.hang:  # answer nothing: the client times out and has gone by the time we wake
                fake.release.wait(HANG_LIMIT_SECONDS)
                self.close_connection = True
                return None
            return self._error(failure.status, failure.message, failure.headers)
        parts = path.strip("/").split("/")
        if parts == ["files"] and method == "POST":
            return self._upload(raw)
        if parts[:1] == ["files"] and len(parts) == 3 and parts[2] == "content":
            stored = fake.files.get(parts[1])
            if stored is None:
                return self._error(404, f"No such File object: {parts[1]}")
            return self._raw(stored["content"])
        if parts[:2] == ["fine_tuning", "jobs"]:
            return self._jobs(method, parts[2:], body, query)
        return self._error(404, f"unknown path {path}")

    def _jobs(self, method: str, rest: list[str], body: dict[str, Any], query: dict[str, list[str]]) -> None:
        fake = self.upstream
        if not rest and method == "POST":
            if body.get("training_file") not in fake.files:
                return self._error(400, f"invalid training_file: {body.get('training_file')}")
            if str(body.get("model", "")).startswith("unknown"):
                return self._error(
                    404, f"The model `{body['model']}` does not exist or you do not have access to it."
                )
            return self._json(public(fake.create_job(body)))
        if not rest:
            wanted = {k[len("metadata[") : -1]: v[0] for k, v in query.items() if k.startswith("metadata[")}
            jobs = [
                public(j)
                for j in fake.jobs.values()
                if all((j.get("metadata") or {}).get(k) == v for k, v in wanted.items())
            ]
            return self._json(cursor_page(jobs, query))
        job = fake.jobs.get(rest[0])
        if job is None:
            return self._error(404, f"No such fine-tuning job: {rest[0]}")
        action = rest[1] if len(rest) > 1 else None
        if action is None:
            return self._json(public(fake.advance(rest[0])))
        if action == "events":
            return self._json(cursor_page(fake.events[rest[0]], query))
        if action == "checkpoints":
            return self._json(cursor_page(fake.checkpoints[rest[0]], query))
        if action in ("cancel", "pause", "resume"):
            with fake.lock:
                job["status"] = {"cancel": "cancelled", "pause": "paused", "resume": "running"}[action]
            return self._json(public(job))
        return self._error(404, "unknown action")

    def _upload(self, raw: bytes) -> None:
        fake = self.upstream
        message = BytesParser(policy=HTTP).parsebytes(
            b"content-type: " + self.headers.get("content-type", "").encode() + b"\r\n\r\n" + raw
        )
        fields: dict[str, bytes] = {}
        for part in message.iter_parts():  # type: ignore[attr-defined]
            fields[str(part.get_param("name", header="content-disposition"))] = (
                part.get_payload(decode=True) or b""
            )
        if fields.get("purpose") != b"fine-tune":
            return self._error(400, "purpose must be fine-tune")
        content = fields.get("file", b"")
        with fake.lock:
            file_id = f"file-{len(fake.files) + 1:04d}"
            fake.files[file_id] = {"content": content, "lines": max(1, content.count(b"\n"))}
        return self._json(
            {
                "id": file_id,
                "object": "file",
                "bytes": len(content),
                "created_at": 1_790_000_000,
                "filename": "train.jsonl",
                "purpose": "fine-tune",
                "status": "processed",
            }
        )

    def _authorized_ft(self, path: str, query: dict[str, list[str]]) -> bool:
        if path.startswith("/openai/"):
            return self.headers.get("api-key") == self.upstream.azure_key and "api-version" in query
        return self.headers.get("authorization") == f"Bearer {self.upstream.api_key}"

    def _json(self, payload: dict[str, Any]) -> None:
        self._send(200, orjson.dumps(payload))

    def _raw(self, content: bytes) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/octet-stream")
        self.send_header("content-length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        content = orjson.dumps({"error": {"message": message, "type": "invalid_request_error", "code": None}})
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)


FakeFineTuning.handler = _FineTuneHandler
