"""Page script times: each dashboard page run through Streamlit's AppTest on a large demo database.

In: a database kind and an interaction count. Out: one result row per page with the median of a few runs
(the first, cold run is reported separately). The database is filled by `core.demo.generate_demo`.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from bench.databases import fresh_database
from core import config, db
from core.auth import DEV_ADMIN
from core.config import Settings
from core.db import make_engine, session_scope
from core.demo import generate_demo
from dashboard.app import PAGES

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
RUNS = 3


def measure_pages(kind: str, interactions: int, folder: Path) -> list[dict[str, object]]:
    with fresh_database(kind, folder) as url:
        engine = make_engine(url)
        settings = Settings(database_url=url, dev_mode=True, pseudonym_key=SecretStr("bench-key"))
        started = time.perf_counter()
        with session_scope(engine) as session:
            generate_demo(
                session=session, principal=DEV_ADMIN, settings=settings, interactions=interactions, seed=1
            )
        filled = time.perf_counter() - started
        if kind == "postgresql":  # what autovacuum does soon after a bulk load: visibility map, statistics
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
        engine.dispose()
        rows: list[dict[str, object]] = [
            {
                "benchmark": f"demo data, {interactions:,} interactions",
                "database": kind,
                "seconds": round(filled, 2),
                "rate": f"{interactions / filled:,.0f} interactions/s",
            }
        ]
        os.environ.update(
            {"DATABASE_URL": url, "DEV_MODE": "1", "DEV_MODE_FORCE": "1", "PSEUDONYM_KEY": "bench-key"}
        )
        config.get_settings.cache_clear()
        db.get_engine.cache_clear()
        try:
            rows += [_time_page(kind, interactions, path, title) for _, path, title, _ in PAGES]
        finally:
            db.get_engine().dispose()
            db.get_engine.cache_clear()
            config.get_settings.cache_clear()
    return rows


def _time_page(kind: str, interactions: int, path: str, title: str) -> dict[str, object]:
    times = []
    for _ in range(RUNS + 1):
        app = AppTest.from_file(APP, default_timeout=120)
        app.switch_page(path)
        started = time.perf_counter()
        app.run()
        times.append(time.perf_counter() - started)
        if app.exception:
            raise RuntimeError(f"{title} failed: {app.exception[0].message}")
        if title not in [element.value for element in app.title]:
            shown = [element.value for element in app.error]
            raise RuntimeError(f"{title} did not render: {shown}")
    return {
        "benchmark": f"page {title} on {interactions:,} interactions",
        "database": kind,
        "seconds": round(statistics.median(times[1:]), 3),
        "rate": f"cold {times[0]:.3f} s",
    }
