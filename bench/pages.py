"""Page script times: each dashboard page run through Streamlit's AppTest on a large demo database.

In: a database kind and an interaction count. Out: one result row per page with the median of a few runs
(the first, cold run is reported separately), then the Interactions page under typical filter, search and
sort combinations (`INTERACTION_VIEWS`, as URL query parameters), then the duplicate scan (first and
incremental) and the page filtered to duplicates. The database is filled by `core.demo.generate_demo`,
unless `BENCH_PAGES_DATABASE_URL` names an already filled, migrated one (it is left as it is, except that
the duplicate scan writes its groups).
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import date, timedelta
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
from core.duplicates import scan_duplicates
from dashboard.app import PAGES

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
RUNS = 3
INTERACTIONS_PAGE = "views/interactions.py"
INTERACTION_VIEWS: dict[str, dict[str, str | list[str]]] = {  # name -> URL query parameters
    "search one word": {"q": "cramps"},
    "search two words, oldest first": {"q": "period pain", "sort": "oldest"},
    "low user ratings": {"stars": ["1", "2"]},
    "lowest rated first": {"sort": "lowest_rated"},
    "unrated, pending review": {"stars": ["none"], "review": ["pending"]},
    "topic + thumbs down": {"topic": ["pregnancy"], "thumbs": ["down"]},
    "has personal data": {"pii": "yes"},
    "model + last 30 days, slowest first": {
        "model": ["gpt-4.1-mini-2025-04-14"],
        "from": (date.today() - timedelta(days=30)).isoformat(),
        "sort": "slowest",
    },
    "errors": {"status": "error"},
    "suspected unsafe first": {"suspect": "yes", "review": ["pending"], "sort": "unsafe_first"},
    "page 2,000": {"page": "2000"},
    "search + stars + topic": {"q": "pain", "stars": ["1", "2", "3"], "topic": ["cramps_pain"]},
}


def measure_pages(kind: str, interactions: int, folder: Path) -> list[dict[str, object]]:
    existing = os.environ.get("BENCH_PAGES_DATABASE_URL")
    if existing:
        return _measure(kind, interactions, existing, filled=None)
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
        return _measure(kind, interactions, url, filled=filled)


def _measure(kind: str, interactions: int, url: str, *, filled: float | None) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    if filled is not None:
        rows.append(
            {
                "benchmark": f"demo data, {interactions:,} interactions",
                "database": kind,
                "seconds": round(filled, 2),
                "rate": f"{interactions / filled:,.0f} interactions/s",
            }
        )
    os.environ.update(
        {"DATABASE_URL": url, "DEV_MODE": "1", "DEV_MODE_FORCE": "1", "PSEUDONYM_KEY": "bench-key"}
    )
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()
    try:
        rows += [_time_page(kind, interactions, path, title) for _, path, title, _ in PAGES]
        rows += [
            _time_page(kind, interactions, INTERACTIONS_PAGE, "Interactions", view=view, params=params)
            for view, params in INTERACTION_VIEWS.items()
        ]
        if os.environ.get("BENCH_DUPLICATES", "1") != "0":
            rows += _time_duplicates(kind, interactions, url)
    finally:
        db.get_engine().dispose()
        db.get_engine.cache_clear()
        config.get_settings.cache_clear()
    return rows


def _time_page(
    kind: str,
    interactions: int,
    path: str,
    title: str,
    *,
    view: str = "",
    params: dict[str, str | list[str]] | None = None,
) -> dict[str, object]:
    times = []
    for _ in range(RUNS + 1):
        app = AppTest.from_file(APP, default_timeout=120)
        for key, value in (params or {}).items():
            app.query_params[key] = value
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
        "benchmark": f"page {title}{f' ({view})' if view else ''} on {interactions:,} interactions",
        "database": kind,
        "seconds": round(statistics.median(times[1:]), 3),
        "rate": f"cold {times[0]:.3f} s",
    }


def _time_duplicates(kind: str, interactions: int, url: str) -> list[dict[str, object]]:
    """The duplicate scan twice (the first hashes every text, the second only new ones), then the
    Interactions page filtered to duplicates."""
    engine = make_engine(url)
    settings = Settings(database_url=url, dev_mode=True, pseudonym_key=SecretStr("bench-key"))
    rows: list[dict[str, object]] = []
    try:
        for run in ("first", "repeated"):
            with session_scope(engine) as session:
                report = scan_duplicates(
                    session=session, principal=DEV_ADMIN, threshold=settings.near_duplicate_threshold
                )
            rows.append(
                {
                    "benchmark": f"duplicate scan ({run}) of {interactions:,} interactions",
                    "database": kind,
                    "seconds": report.seconds,
                    "rate": f"{report.hashed:,} texts hashed, {report.groups:,} groups, "
                    f"{report.duplicates:,} duplicates",
                }
            )
    finally:
        engine.dispose()
    rows.append(
        _time_page(
            kind,
            interactions,
            INTERACTIONS_PAGE,
            "Interactions",
            view="duplicates",
            params={"duplicate": "yes"},
        )
    )
    return rows
