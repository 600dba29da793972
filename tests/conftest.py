"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL when
``XINYONG_TEST_DATABASE_URL`` is set, as ``.ci/run`` does), a platform with a fixed clock, an API client.

Each test gets an empty database: on SQLite a copy of a migrated template file, on PostgreSQL the
tables of one migrated database truncated after the test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from xinyong.domain.platform.clock import FixedClock
from xinyong.settings import Settings
from xinyong.store.db import make_engine
from xinyong.store.migrate import upgrade_to_head

# The suite runs as a developer's machine does (XINYONG_ENV unset means production): the demo real-name
# verifier, cookies over plain HTTP; the tests of production say XINYONG_ENV=production themselves.
os.environ["XINYONG_ENV"] = "local"

PG_URL = os.environ.get("XINYONG_TEST_DATABASE_URL")
DEFAULT_JURISDICTION = os.environ.get("XINYONG_TEST_JURISDICTION", "chongqing-2021")

# A fixed instant: tests never depend on today's date. 2026-03-18 10:00 in Beijing time, a Wednesday.
FIXED_NOW = datetime(2026, 3, 18, 2, 0, tzinfo=UTC)


def pytest_report_header(config: pytest.Config) -> str:
    return f"xinyong test database: {'PostgreSQL' if PG_URL else 'SQLite'}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    if PG_URL:
        return None
    path = tmp_path_factory.mktemp("template") / "template.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade_to_head(url, engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_engine():  # type: ignore[no-untyped-def]
    if not PG_URL:
        yield None
        return
    engine = make_engine(PG_URL)
    upgrade_to_head(PG_URL, engine)
    yield engine
    engine.dispose()


def _truncate_all(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'alembic_version'"))]
        if tables:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path | None, pg_engine) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if PG_URL:
        yield PG_URL
        _truncate_all(pg_engine)
        return
    assert sqlite_template is not None
    path = tmp_path / "xinyong.db"
    shutil.copyfile(sqlite_template, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, jurisdiction=DEFAULT_JURISDICTION,
                    calendar_dirs=str(tmp_path / "calendar"))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(FIXED_NOW)


@pytest.fixture
def platform(settings: Settings, clock: FixedClock):  # type: ignore[no-untyped-def]
    from xinyong.services.platform.bootstrap import Platform

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    p = Platform.from_settings(settings, clock=clock)
    yield p
    p.engine.dispose()


@pytest.fixture
def platform_under(settings: Settings, clock: FixedClock):  # type: ignore[no-untyped-def]
    """A factory of platforms on the test database under another regulation, the shared clock set to ``at``:
    ``platform_under("shanghai-2017", at)``; each is disposed of afterwards."""
    from xinyong.services.platform.bootstrap import Platform

    made: list[Platform] = []

    def build(jurisdiction: str, at: datetime) -> Platform:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        p = Platform.from_settings(settings.model_copy(update={"jurisdiction": jurisdiction}), clock=clock)
        made.append(p)
        clock.set(at)
        return p

    yield build
    for p in made:
        p.engine.dispose()


@pytest.fixture
def client(platform):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from xinyong.api.app import create_app

    with TestClient(create_app(platform)) as c:
        yield c
