"""The Training data page in a real browser: an admin builds a dataset version and downloads its OpenAI file.

In: `demo_site` (300 demo interactions served by `streamlit run` in development mode). Out: what the admin sees
and gets: the build's confirmation, the version in the list, and a downloaded JSONL file whose every line is a
chat example that our validator accepts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from core.dataset.validate import validate_file
from tests.e2e.conftest import DemoSite

pytestmark = pytest.mark.browser
TIMEOUT_MS = 60_000


def test_build_a_version_and_download_the_openai_file(
    demo_site: DemoSite, browser_page: Any, expect: Any, tmp_path: Path
) -> None:
    page = browser_page
    page.goto(f"{demo_site.url}/training")
    expect(page.get_by_role("heading", name="Training data")).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_text("Build a new dataset version").click()
    name = page.get_by_role("textbox", name="Name", exact=True)
    name.fill("browser-set")
    name.press("Tab")
    page.get_by_role("button", name="Build").click()
    expect(page.get_by_text("Built browser-set:1 —")).to_be_visible(timeout=TIMEOUT_MS)

    button = page.get_by_role("button", name="openai · all")
    expect(button).to_be_visible(timeout=TIMEOUT_MS)
    with page.expect_download(timeout=TIMEOUT_MS) as download_info:
        button.click()
    download = download_info.value
    assert download.suggested_filename == "browser-set-v1-openai.jsonl"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    lines = saved.read_bytes().splitlines()
    assert lines
    for line in lines:
        messages = orjson.loads(line)["messages"]
        assert messages[0]["role"] == "system" and messages[-1]["role"] == "assistant"
    report = validate_file(saved)
    assert report.ok and report.examples == len(lines)
