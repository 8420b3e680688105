"""`bloomtune dashboard`: serve the Streamlit console.

In: host, port and whether to run in development mode. Out: a running `streamlit run` process
(this command replaces itself with it). The database must be migrated first.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import typer

from core.config import check_dev_mode, get_settings
from core.db import get_engine
from core.errors import InputError
from core.migrate import ensure_current


def dashboard_command(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8501, help="Port to listen on."),
    dev: bool = typer.Option(False, "--dev", help="Development mode: demo admin signed in, with a banner."),
) -> None:
    """Serve the dashboard (Streamlit) on http://HOST:PORT."""
    if dev:
        os.environ["DEV_MODE"] = "1"
        get_settings.cache_clear()
    check_dev_mode(get_settings())
    ensure_current(get_engine())
    spec = importlib.util.find_spec("dashboard")
    if spec is None or spec.origin is None:
        raise InputError("the dashboard package is not installed; reinstall bloomtune")
    app_path = Path(spec.origin).parent / "app.py"
    args = [sys.executable, "-m", "streamlit", "run", str(app_path)]
    args += ["--server.address", host, "--server.port", str(port), "--server.headless", "true"]
    os.execv(sys.executable, args)
