"""The browser tier: the real CLI fills a temporary database, the real server serves it, Chromium reads it.

In: Debian's `/usr/bin/chromium` and Playwright's Python package. Out: `demo_site` — the URL of a running
`streamlit run dashboard/app.py` in development mode over 300 demo interactions, with the total that
`bloomtune stats --json` reports — `review_site`, a smaller demo database a module may write to, with an
engine to read it back, `serve()` and `cli()` for other servers, `browser_page`, a fresh headless Chromium
page, `expect`, Playwright's assertions (imported only once the browser tier is known to be available), and
helpers on a page: `current_id` (its `id` query parameter), `finished_run`, `no_page_error` and, on the Review page,
`approve_with_ideal_answer`.

Without Chromium (or Playwright) the tests are skipped with the reason; with `REQUIRE_BROWSER=1` (CI)
they fail instead. The server is stopped when the module's tests are done.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from time import monotonic
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import Engine

from core.db import make_engine

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
BLOOMTUNE = Path(sys.executable).with_name("bloomtune")
DEMO_INTERACTIONS = 300
REVIEW_INTERACTIONS = 60
IDEAL_LABEL = "Ideal answer (replaces the original in training)"
SERVER_START_SECONDS = 60


@dataclass(frozen=True)
class DemoSite:
    url: str
    total_interactions: int


@dataclass(frozen=True)
class ReviewSite:
    url: str
    engine: Engine


def _unavailable(reason: str) -> None:
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Chromium's path; skips (or fails under REQUIRE_BROWSER=1) when the browser tier cannot run."""
    if not CHROMIUM.is_file():
        _unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    return CHROMIUM


def cli(env: dict[str, str], cwd: Path, *args: str) -> str:
    done = subprocess.run(
        [str(BLOOMTUNE), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"bloomtune {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _wait_until_healthy(server: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Poll the health endpoint until it answers; the short wait between polls is on the server process."""
    deadline = monotonic() + SERVER_START_SECONDS
    while not _healthy(url):
        if monotonic() > deadline:
            pytest.fail(f"the dashboard did not answer within {SERVER_START_SECONDS} s:\n{log.read_text()}")
        try:
            server.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"the dashboard exited with code {server.returncode}:\n{log.read_text()}")


@pytest.fixture(scope="module")
def demo_site(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    """A migrated SQLite database filled by `bloomtune demo`, served by `streamlit run` on 127.0.0.1."""
    folder = tmp_path_factory.mktemp("e2e")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'bloomtune.db'}",
        "DEV_MODE": "1",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("PSEUDONYM_KEY", None)
    cli(env, folder, "db", "upgrade")
    cli(env, folder, "demo", "--interactions", str(DEMO_INTERACTIONS), "--seed", "1")
    stats: dict[str, Any] = json.loads(cli(env, folder, "stats", "--json"))
    with serve(folder, env) as url:
        yield DemoSite(url=url, total_interactions=int(stats["total_interactions"]))


@pytest.fixture(scope="module")
def review_site(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReviewSite]:
    """Each module's own demo database (60 interactions, seed 3) served in development mode, to write to."""
    folder = tmp_path_factory.mktemp("e2e-review")
    database_url = f"sqlite:///{folder / 'bloomtune.db'}"
    env = {**os.environ, "DATABASE_URL": database_url, "DEV_MODE": "1", "PYTHONUNBUFFERED": "1"}
    env.pop("PSEUDONYM_KEY", None)
    cli(env, folder, "db", "upgrade")
    cli(env, folder, "demo", "--interactions", str(REVIEW_INTERACTIONS), "--seed", "3")
    engine = make_engine(database_url)
    with serve(folder, env) as url:
        yield ReviewSite(url=url, engine=engine)
    engine.dispose()


@contextmanager
def serve(folder: Path, env: dict[str, str]) -> Iterator[str]:
    """`streamlit run dashboard/app.py` on a free loopback port with `env`; yields its URL, stops it after."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py")]
            + ["--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true"]
            + ["--browser.gatherUsageStats", "false"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(server, url, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture
def browser_page(chromium: Path) -> Iterator[Any]:
    """A fresh page in headless Chromium, closed after the test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            yield page
        finally:
            browser.close()


@pytest.fixture
def expect(chromium: Path) -> Any:
    """Playwright's `expect`, which retries an assertion until it holds or times out."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def current_id(page: Any) -> str:
    """The interaction the page shows (its `id` query parameter)."""
    return parse_qs(urlparse(page.url).query)["id"][0]


def finished_run(page: Any, expect: Any) -> None:
    """Wait until the app's script run is over: an element can show while the run goes on drawing the page."""
    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=30_000
    )


def no_page_error(page: Any, expect: Any) -> None:
    """Neither a Python exception nor an error box on the page."""
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)


def approve_with_ideal_answer(page: Any, expect: Any, ideal_answer: str) -> None:
    """On the Review page: write `ideal_answer`, mark the review approved, save, and wait for the save."""
    finished_run(page, expect)
    interaction_id = current_id(page)
    editor = page.get_by_label(IDEAL_LABEL)
    editor.fill(ideal_answer)
    editor.press("Control+Enter")
    expect(page.get_by_text("Changes against the original answer")).to_be_visible(timeout=30_000)
    page.get_by_text("approved", exact=True).click()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(f"Saved interaction {interaction_id}")).to_be_visible(timeout=30_000)
    no_page_error(page, expect)
