"""Scratch databases for the proof-of-quality tests (fuzzing, concurrency, crash trials) that need a
database of their own rather than the per-test one of ``conftest.database_url``: a temporary SQLite
file, or a fresh database on the PostgreSQL server of ``XINYONG_TEST_DATABASE_URL`` (or the URL
given), created empty and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PG_URL = os.environ.get("XINYONG_TEST_DATABASE_URL")


def suite_jurisdiction() -> str:
    """The jurisdiction the suite runs under: ``XINYONG_TEST_JURISDICTION``, else the deployment's
    (``XINYONG_JURISDICTION``, which ``make`` sets), else the settings' default."""
    from xinyong.settings import Settings

    return os.environ.get("XINYONG_TEST_JURISDICTION") or Settings().jurisdiction


def _admin_engine(server_url: str) -> Any:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from xinyong.store.db import normalise_url

    base = make_url(normalise_url(server_url))
    return base, create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")


@contextmanager
def postgres_database(server_url: str, prefix: str = "xinyong_scratch") -> Iterator[str]:
    """A new, empty PostgreSQL database on the server of ``server_url``; dropped afterwards."""
    from sqlalchemy import text

    base, admin = _admin_engine(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def scratch_url(folder: Path, *, postgres: str | None = PG_URL, prefix: str = "xinyong_scratch") -> Iterator[str]:
    """A scratch database URL: on PostgreSQL when ``postgres`` (a server URL) is given, else a SQLite file
    in ``folder``."""
    if postgres:
        with postgres_database(postgres, prefix) as url:
            yield url
        return
    folder.mkdir(parents=True, exist_ok=True)
    yield f"sqlite:///{folder / f'{prefix}-{uuid.uuid4().hex[:8]}.db'}"


def make_platform(url: str, data_dir: Path, *, clock: Any = None, jurisdiction: str | None = None,
                  migrate: bool = True) -> Any:
    """A platform on ``url`` (migrated to head unless told otherwise)."""
    from xinyong.services.platform.bootstrap import Platform
    from xinyong.settings import Settings

    settings = Settings(data_dir=data_dir, database_url=url,
                        jurisdiction=jurisdiction or suite_jurisdiction(),
                        calendar_dirs=str(data_dir / "calendar"))
    data_dir.mkdir(parents=True, exist_ok=True)
    platform = Platform.from_settings(settings, clock=clock)
    if migrate:
        platform.migrate()
    return platform
