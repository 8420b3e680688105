"""Signing in through a real browser, outside development mode.

In: a temporary database migrated and filled (the shared sample export) by the real CLI, with two local accounts made by
`bloomtune user add` (a reviewer and a viewer), served by `streamlit run` without DEV_MODE.
Out: what each person sees — the reviewer gets the Interactions page, the viewer does not (nor any write
control), signing out returns to the form, and a wrong password shows only the generic message.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core.accounts import SIGN_IN_REFUSED
from tests.conftest import SAMPLE
from tests.e2e.conftest import cli, serve

pytestmark = pytest.mark.browser
TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class SignInSite:
    url: str
    passwords: dict[str, str]  # email -> the one-time password the CLI printed


@pytest.fixture(scope="module")
def signin_site(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SignInSite]:
    folder = tmp_path_factory.mktemp("e2e-signin")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'bloomtune.db'}",
        "DEV_MODE": "0",
        "PSEUDONYM_KEY": "e2e-pseudonym-key",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DEV_MODE_FORCE", None)
    cli(env, folder, "db", "upgrade")
    cli(env, folder, "import", str(SAMPLE))
    passwords = {}
    for role in ("reviewer", "viewer"):
        added: dict[str, Any] = json.loads(
            cli(env, folder, "user", "add", f"{role}@example.org", "--role", role, "--json")
        )
        passwords[added["email"]] = added["password"]
    with serve(folder, env) as url:
        yield SignInSite(url=url, passwords=passwords)


def sign_in(page: Any, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_reviewer_then_viewer(signin_site: SignInSite, browser_page: Any, expect: Any) -> None:
    page = browser_page
    page.goto(signin_site.url)
    expect(page.get_by_label("Email")).to_be_visible(timeout=TIMEOUT_MS)
    sign_in(page, "reviewer@example.org", signin_site.passwords["reviewer@example.org"])
    expect(page.get_by_text("Signed in as reviewer@example.org (reviewer)")).to_be_visible(timeout=TIMEOUT_MS)
    interactions_link = page.get_by_test_id("stSidebarNavLink").filter(has_text="Interactions")
    expect(interactions_link).to_be_visible()
    interactions_link.click()
    expect(page.get_by_test_id("stDataFrame")).to_be_visible(timeout=TIMEOUT_MS)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Email")).to_be_visible(timeout=TIMEOUT_MS)

    sign_in(page, "viewer@example.org", signin_site.passwords["viewer@example.org"])
    expect(page.get_by_text("Signed in as viewer@example.org (viewer)")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=TIMEOUT_MS)
    nav = page.get_by_test_id("stSidebarNavLink")
    expect(nav.filter(has_text="Overview")).to_be_visible()
    for hidden in ("Interactions", "Admin"):
        expect(nav.filter(has_text=hidden)).to_have_count(0)
    for title in [text.strip().splitlines()[-1] for text in nav.all_inner_texts()]:
        nav.filter(has_text=title).click()
        expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=TIMEOUT_MS)
        buttons = page.locator("button:visible").filter(has_not_text="Sign out")
        for label in ("Create account", "Erase", "Set role", "Disable", "Ship", "Add price"):
            expect(buttons.filter(has_text=label)).to_have_count(0)
        expect(page.get_by_test_id("stForm")).to_have_count(0)
        expect(page.get_by_test_id("stTextInput")).to_have_count(0)


def test_a_wrong_password_shows_only_the_generic_error(
    signin_site: SignInSite, browser_page: Any, expect: Any
) -> None:
    page = browser_page
    page.goto(signin_site.url)
    expect(page.get_by_label("Email")).to_be_visible(timeout=TIMEOUT_MS)
    sign_in(page, "reviewer@example.org", "not the password")
    alert = page.get_by_test_id("stAlertContentError")
    expect(alert).to_have_text(SIGN_IN_REFUSED, timeout=TIMEOUT_MS)
    expect(page.get_by_text("Signed in as")).to_have_count(0)
