"""The entry point: who gets in, which pages they see, and the labels above every page.

In: `dashboard/app.py` under AppTest against the per-test database. Out: the banners, refusals and page
lists each situation produces.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from streamlit.testing.v1 import AppTest

from core.auth import Principal, Role
from core.db import session_scope
from core.ingest.bulk_indexes import SET_ASIDE, restore_indexes
from tests.dashboard.conftest import Store, make_records, outside_development, reload_settings

DEV_BANNER = "Development mode — signed in as demo admin; never use with real data"


def texts(elements: object) -> str:
    return " ".join(str(element.value) for element in elements)  # type: ignore[attr-defined]


def test_development_mode_shows_the_banner_and_opens_the_overview(app: AppTest) -> None:
    at = app.run()
    assert not at.exception
    assert DEV_BANNER in texts(at.warning)
    assert [title.value for title in at.title] == ["Overview"]


@pytest.mark.parametrize("page", ["views/overview.py", "views/interactions.py"])
def test_every_page_carries_the_dev_banner(app: AppTest, page: str) -> None:
    at = app.switch_page(page).run()
    assert not at.exception
    assert DEV_BANNER in texts(at.warning)


@pytest.mark.parametrize("page", ["views/overview.py", "views/interactions.py"])
def test_demo_data_is_labelled_on_every_page(app: AppTest, store: Store, page: str) -> None:
    store(make_records(4), source="demo")
    store(make_records(3, prefix="real"))
    at = app.switch_page(page).run()
    assert not at.exception
    assert "Demo data" in texts(at.caption)
    assert "4 interactions here were generated" in texts(at.caption)


def test_no_demo_label_without_demo_data(app: AppTest, store: Store) -> None:
    store(make_records(3))
    at = app.run()
    assert "Demo data" not in texts(at.caption)


def test_indexes_a_large_import_set_aside_are_announced_until_they_are_back(
    app: AppTest, engine: Engine
) -> None:
    assert "indexes are set aside" not in texts(app.run().info)
    with session_scope(engine) as session:
        session.execute(text(f"DROP INDEX {SET_ASIDE[0]}"))  # as a running or killed import leaves it
        session.commit()
    at = app.run()
    assert not at.exception
    assert "some indexes are set aside" in texts(at.info) and "bloomtune db upgrade" in texts(at.info)
    with session_scope(engine) as session:
        restore_indexes(session)
    assert "indexes are set aside" not in texts(app.run().info)


@pytest.mark.parametrize("page", [None, "views/overview.py", "views/interactions.py"])
def test_outside_development_mode_no_page_is_reachable(
    app: AppTest, store: Store, environ: pytest.MonkeyPatch, page: str | None
) -> None:
    store(make_records(3))
    outside_development(environ)
    reload_settings()
    if page:
        app.switch_page(page)  # before the first run: a deep link, as a browser would send it
    at = app.run()
    assert not at.exception
    assert [field.label for field in at.text_input] == ["Email", "Password"]
    assert [title.value for title in at.title] == ["Bloomtune"]
    assert not at.metric and not at.dataframe
    assert DEV_BANNER not in texts(at.warning)


def test_an_unmigrated_database_names_the_upgrade_command(
    app: AppTest, environ: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    environ.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    reload_settings()
    at = app.run()
    assert not at.exception
    assert "bloomtune db upgrade" in texts(at.error)
    assert not at.title


def test_invalid_settings_are_shown_not_raised(app: AppTest, environ: pytest.MonkeyPatch) -> None:
    outside_development(environ)
    environ.delenv("PSEUDONYM_KEY")
    reload_settings()
    at = app.run()
    assert not at.exception
    assert "PSEUDONYM_KEY" in texts(at.error)
    assert not at.title


def test_pages_follow_the_role(app: AppTest, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    store(make_records(3))
    viewer = Principal(email="viewer@example.org", role=Role.VIEWER)
    monkeypatch.setattr("dashboard.context.resolve_principal", lambda settings: viewer)
    at = app.run()
    assert [title.value for title in at.title] == ["Overview"]
    assert "Signed in as viewer@example.org (viewer)" in texts(at.sidebar.caption)
    with pytest.raises(ValueError, match="not a registered page|registered"):
        at.switch_page("views/interactions.py")
