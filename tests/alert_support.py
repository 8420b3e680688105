"""Shared by the alert and target tests (SQLite and PostgreSQL tiers): data that breaches one target, and a
local webhook receiver.

In: a session. Out: `write_low_satisfaction()` — 20 rated interactions averaging 3 stars (target 4.0: a
breach; every other target is met); `Receiver` — an `http.server` on 127.0.0.1 in a thread that records
every JSON body posted to it and answers `status` (200 unless a test changes it).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
from sqlalchemy.orm import Session

from core.ingest.records import Record
from tests.conftest import TEST_KEY
from tests.experiment_data import write

END = datetime(2026, 10, 30, 12, 0)


def write_low_satisfaction(session: Session) -> None:
    records = [
        Record.model_validate(
            {
                "id": f"alert-{i}",
                "conversation_id": f"alert-c-{i // 2}",
                "user_id": f"alert-u-{i % 4}",
                "created_at": END - timedelta(hours=i),
                "messages": [
                    {"role": "user", "content": f"q {i}"},
                    {"role": "assistant", "content": f"a {i}"},
                ],
                "status": "ok",
                "latency_ms": 900,
                "cost_usd": 0.002,
                "rating": 3,
            }
        )
        for i in range(20)
    ]
    write(session, records, TEST_KEY)


class Receiver:
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.status = 200
        self.url = ""


@contextmanager
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on a free port of 127.0.0.1; `url` has a secret-looking path and query string."""
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length", "0"))
            state.bodies.append(orjson.loads(self.rfile.read(length)))
            state.paths.append(self.path)
            self.send_response(state.status)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence stderr
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/SECRETPATH?token=SECRETTOKEN"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
