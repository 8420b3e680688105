"""A fake Vertex AI tuning API and Cloud Storage upload endpoint on 127.0.0.1, for the real `google-genai` and
`google-cloud-storage` clients.

In: `GET /storage/v1/b/B`, `POST /upload/storage/v1/b/B/o?uploadType=multipart` (no auth, like an emulator),
and with `Authorization: Bearer fake-token`: `POST /v1beta1/projects/P/locations/L/tuningJobs`, `GET …/tuningJobs`
(`filter` on the label), `GET …/tuningJobs/ID`, `POST …/tuningJobs/ID:cancel`.
Out: a tuning job that moves one step along `script` per GET (PENDING → RUNNING … → SUCCEEDED), gaining data
stats and a checkpoint per running step, then a tuned model with an endpoint. Uploaded objects are kept in
`objects`; `fail()` injects errors exactly as `FakeFineTuning` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from tests.fakes.openai_finetune import FakeFineTuning, _FineTuneHandler
from tests.fakes.openai_upstream import HANG_LIMIT_SECONDS, SeenRequest
from tests.fakes.vertex_upstream import VERTEX_TOKEN

VERTEX_SCRIPT = ("JOB_STATE_PENDING", "JOB_STATE_RUNNING", "JOB_STATE_RUNNING", "JOB_STATE_SUCCEEDED")
BILLABLE_PER_EXAMPLE = 50


@dataclass
class FakeVertexTuning(FakeFineTuning):
    token: str = VERTEX_TOKEN
    script: tuple[str, ...] = VERTEX_SCRIPT
    objects: dict[str, bytes] = field(default_factory=dict)  # "gs://bucket/name" -> content

    @property
    def base_url(self) -> str:
        return self.root_url

    def create_tuning_job(self, parent: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            number = len(self.jobs) + 1
            job = {
                "name": f"{parent}/tuningJobs/{9000 + number}",
                "state": self.script[0],
                "baseModel": body["baseModel"],
                "supervisedTuningSpec": body.get("supervisedTuningSpec"),
                "tunedModelDisplayName": body.get("tunedModelDisplayName"),
                "labels": body.get("labels", {}),
                "createTime": "2026-11-25T12:00:00Z",
                "updateTime": "2026-11-25T12:00:00Z",
                "_step": 0,
                "_checkpoints": [],
            }
            self.jobs[job["name"]] = job
            return job

    def advance_tuning(self, name: str) -> dict[str, Any]:
        with self.lock:
            job = self.jobs[name]
            if job["state"] in ("JOB_STATE_SUCCEEDED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED"):
                return job
            job["_step"] = min(job["_step"] + 1, len(self.script) - 1)
            job["state"] = self.script[job["_step"]]
            parent = name.split("/tuningJobs/")[0]
            if job["state"] == "JOB_STATE_RUNNING":
                train = job["supervisedTuningSpec"]["trainingDatasetUri"]
                examples = max(1, self.objects.get(train, b"").count(b"\n"))
                job["tuningDataStats"] = {
                    "supervisedTuningDataStats": {
                        "tuningDatasetExampleCount": str(examples),
                        "totalBillableTokenCount": str(examples * BILLABLE_PER_EXAMPLE),
                        "tuningStepCount": "20",
                    }
                }
                step = len(job["_checkpoints"]) + 1
                job["_checkpoints"].append(
                    {
                        "checkpointId": str(step),
                        "epoch": str(step),
                        "step": str(step * 10),
                        "endpoint": f"{parent}/endpoints/ckpt-{step}",
                    }
                )
                job["tuningJobState"] = "TUNING_JOB_STATE_PROCESSING_DATASET" if step == 1 else None
            elif job["state"] == "JOB_STATE_SUCCEEDED":
                job["tunedModel"] = {
                    "model": f"{parent}/models/{name.rsplit('/', 1)[-1]}@1",
                    "endpoint": f"{parent}/endpoints/{name.rsplit('/', 1)[-1]}",
                    "checkpoints": job["_checkpoints"],
                }
                job["endTime"] = "2026-11-25T13:00:00Z"
            elif job["state"] == "JOB_STATE_FAILED":
                job["error"] = {"code": 3, "message": "dataset has invalid rows"}
            return job


def public_tuning(job: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in job.items() if not k.startswith("_") and v is not None}


class _VertexTuningHandler(_FineTuneHandler):
    upstream: FakeVertexTuning

    def _handle(self, method: str, raw: bytes) -> None:
        fake = self.upstream
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        body = (
            orjson.loads(raw)
            if raw and self.headers.get("content-type", "").startswith("application/json")
            else {}
        )
        fake.requests.append(SeenRequest(self.path, dict(self.headers.items()), body))
        is_storage = url.path.startswith(("/storage/", "/upload/storage/"))
        if not is_storage and self.headers.get("authorization") != f"Bearer {fake.token}":
            return self._google_error(401, "Request had invalid authentication credentials.")
        failure = fake.take_failure(f"{method} {url.path}")
        if failure is not None:
            if failure.hang:  # answer nothing: the client times out and has gone by the time we wake
                fake.release.wait(HANG_LIMIT_SECONDS)
                self.close_connection = True
                return None
            return self._google_error(failure.status, failure.message, failure.headers)
        if is_storage:
            return self._storage(method, url.path, raw)
        path = url.path.removeprefix("/v1beta1/").removeprefix("/v1/")
        if method == "POST" and path.endswith("/tuningJobs"):
            train = (body.get("supervisedTuningSpec") or {}).get("trainingDatasetUri")
            if train not in fake.objects:
                return self._google_error(400, f"Training dataset {train} not found or not readable")
            if str(body.get("baseModel", "")).startswith("unknown"):
                return self._google_error(404, f"Publisher model {body['baseModel']} not found")
            return self._json(public_tuning(fake.create_tuning_job(path.removesuffix("/tuningJobs"), body)))
        if method == "GET" and path.endswith("/tuningJobs"):
            wanted = query.get("filter", [""])[0]
            jobs = [
                public_tuning(j)
                for j in fake.jobs.values()
                if any(f'"{v}"' in wanted for v in j["labels"].values())
            ]
            return self._json({"tuningJobs": jobs})
        if method == "POST" and path.endswith(":cancel"):
            name = path.removesuffix(":cancel")
            if name not in fake.jobs:
                return self._google_error(404, "tuning job not found")
            with fake.lock:
                fake.jobs[name]["state"] = "JOB_STATE_CANCELLED"
            return self._json({})
        if method == "GET" and path in fake.jobs:
            return self._json(public_tuning(fake.advance_tuning(path)))
        return self._google_error(404, f"unknown path {path}")

    def _storage(self, method: str, path: str, raw: bytes) -> None:
        bucket = path.split("/b/", 1)[1].split("/", 1)[0]
        if method == "GET":
            return self._json({"kind": "storage#bucket", "name": bucket, "id": bucket})
        message = BytesParser(policy=HTTP).parsebytes(
            b"content-type: " + self.headers.get("content-type", "").encode() + b"\r\n\r\n" + raw
        )
        meta_part, data_part = list(message.iter_parts())  # type: ignore[attr-defined]
        meta = orjson.loads(meta_part.get_payload(decode=True))
        content = data_part.get_payload(decode=True) or b""
        self.upstream.objects[f"gs://{bucket}/{meta['name']}"] = content
        return self._json(
            {
                "kind": "storage#object",
                "name": meta["name"],
                "bucket": bucket,
                "size": str(len(content)),
                "generation": "1",
            }
        )

    def _google_error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        content = orjson.dumps({"error": {"code": status, "message": message, "status": "FAILED"}})
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)


FakeVertexTuning.handler = _VertexTuningHandler
