"""`bloomtune serve`: run the collector API (FastAPI under uvicorn).

In: host, port and the number of worker processes. Out: a running server until interrupted; OpenAPI at
`http://HOST:PORT/docs`. The database must be migrated first (refused with the command to run otherwise).
Rate limits are counted per worker process.
"""

from __future__ import annotations

import typer
import uvicorn

from core.config import get_settings
from core.db import get_engine
from core.migrate import ensure_current


def serve_command(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, max=64, help="Worker processes."),
) -> None:
    """Serve the collector API and chat gateway on http://HOST:PORT (docs at /docs)."""
    get_settings()  # refuse bad settings before starting workers
    ensure_current(get_engine())
    get_engine().dispose()  # each worker opens its own connections
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="info")
