"""A fine-tune from button to registry in a real browser, against the fake OpenAI fine-tuning server.

In: a migrated SQLite database holding one frozen dataset version (no interactions, so the readiness gate fails
and the admin overrides it with a reason), the fake fine-tuning server in this process, `streamlit run` and a
`bloomtune worker` process both pointed at it, with the lifecycle date pinned before OpenAI's cut-off. Out: what
the admin sees: the confirmation with its cost, the job page that refreshes itself until the job has succeeded,
its curves, and the model in the registry.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core.db import make_engine, session_scope
from tests.e2e.conftest import BLOOMTUNE, cli, serve
from tests.fakes.openai_finetune import API_KEY, FakeFineTuning
from tests.finetune_support import TODAY, make_version

pytestmark = pytest.mark.browser
TIMEOUT_MS = 30_000
FINISH_MS = 120_000


@dataclass(frozen=True)
class Site:
    url: str
    env: dict[str, str]
    folder: Path


@pytest.fixture(scope="module")
def finetune_site(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("e2e-finetune")
    fake = FakeFineTuning().start()
    database = f"sqlite:///{folder / 'bloomtune.db'}"
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "DEV_MODE": "1",
        "PYTHONUNBUFFERED": "1",
        "OPENAI_API_KEY": API_KEY,
        "OPENAI_BASE_URL": fake.base_url,
        "FINETUNE_POLL_SECONDS": "0.5",
        "PROVIDER_TIMEOUT_SECONDS": "5",
        "DASHBOARD_CACHE_SECONDS": "0",
        "LIFECYCLE_TODAY": TODAY.isoformat(),  # gpt-4.1 takes jobs on this day, whatever the real date
    }
    env.pop("PSEUDONYM_KEY", None)
    try:
        cli(env, folder, "db", "upgrade")
        engine = make_engine(database)
        with session_scope(engine) as session:
            make_version(session)
        engine.dispose()
        with serve(folder, env) as url:
            yield Site(url, env, folder)
    finally:
        fake.stop()


@contextmanager
def worker(site: Site) -> Iterator[None]:
    """`bloomtune worker` polling every half second, stopped (SIGTERM) afterwards."""
    log = (site.folder / "worker.log").open("wb")
    process = subprocess.Popen(
        [str(BLOOMTUNE), "worker", "--interval", "0.5"], env=site.env, cwd=site.folder, stdout=log, stderr=log
    )
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def test_admin_launches_a_job_watches_it_succeed_and_finds_the_model(
    finetune_site: Site, browser_page: Any, expect: Any
) -> None:
    page = browser_page
    page.goto(f"{finetune_site.url}/finetunes")
    expect(page.get_by_text("No fine-tuning jobs yet.")).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_role("radio", name="Launch a job").click()
    expect(page.get_by_text("does not pass the readiness gate")).to_be_visible(timeout=TIMEOUT_MS)
    reason = page.get_by_label("Override reason (required to launch anyway; recorded in the audit log)")
    reason.fill("browser pilot on a fixture dataset")
    reason.press("Control+Enter")
    page.get_by_role("button", name="Review launch…").click()
    expect(page.get_by_text("Confirm the launch")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("Estimated cost")).to_be_visible()
    page.get_by_role("button", name="Launch job").click()
    expect(page.get_by_role("heading", name="Fine-tune #1")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("queued", exact=True)).to_be_visible()

    with worker(finetune_site):  # the page refreshes itself while the worker drives the job
        expect(page.get_by_text("succeeded", exact=True)).to_be_visible(timeout=FINISH_MS)
    expect(page.get_by_text("is registered as a candidate")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator(".js-plotly-plot")).to_have_count(2, timeout=TIMEOUT_MS)  # loss and token accuracy
    expect(page.get_by_text("Cost: actual / estimated")).to_be_visible()

    page.goto(f"{finetune_site.url}/models")
    source_jobs = page.get_by_text("Source jobs:")  # the table's cells are drawn on a canvas
    expect(source_jobs).to_contain_text("ft:gpt-4.1-2025-04-14:bloom::ftjob-0001", timeout=TIMEOUT_MS)
    expect(page.get_by_role("combobox", name="Model")).to_have_value(re.compile(r"\(candidate\)$"))
