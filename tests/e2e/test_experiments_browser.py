"""The Experiments page in a real browser: a skewed split raises the SRM banner, and an admin ships.

In: `skewed_site` — demo data (which registers the base and fine-tuned models) plus an imported experiment
"ft-skewed" whose arms hold 300 and 200 users for a planned 50/50 split, created and started through the
CLI and served by `streamlit run`. Out: what a person sees and does: the banner, the confirmation, the
shipped state.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.demo.conversations import BASE_MODEL, FT_MODEL
from tests.e2e.conftest import cli, serve
from tests.experiment_data import arm_fields, native_lines

pytestmark = pytest.mark.browser
TIMEOUT_MS = 30_000
EXPERIMENT = "ft-skewed"


@pytest.fixture(scope="module")
def skewed_site(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("e2e-experiments")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'bloomtune.db'}",
        "DEV_MODE": "1",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("PSEUDONYM_KEY", None)
    rows = arm_fields(EXPERIMENT, "control", [[4]] * 300) + arm_fields(EXPERIMENT, "treatment", [[5]] * 200)
    for row in rows:
        row["model"] = BASE_MODEL if row["variant"] == "control" else FT_MODEL
    export = folder / "skewed.jsonl"
    export.write_bytes(native_lines(rows))
    cli(env, folder, "db", "upgrade")
    cli(env, folder, "demo", "--interactions", "200", "--seed", "1")
    cli(env, folder, "import", str(export), "--format", "native")
    cli(env, folder, "experiment", "create", EXPERIMENT, "--control", BASE_MODEL, "--treatment", FT_MODEL)
    cli(env, folder, "experiment", "start", EXPERIMENT)
    with serve(folder, env) as url:
        yield url


def test_skewed_split_shows_srm_and_admin_ships(skewed_site: str, browser_page: Any, expect: Any) -> None:
    page = browser_page
    page.goto(f"{skewed_site}/experiments?name={EXPERIMENT}")
    expect(page.get_by_text("Sample ratio mismatch").first).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("300 control vs 200 treatment users").first).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(1, timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Ship treatment…").click()
    expect(page.get_by_text("becomes the live model for every user")).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Confirm ship").click()
    expect(page.get_by_text("is now the live model")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("(decision: ship)")).to_be_visible()
