"""Engines and sessions: one place that knows how to talk to SQLite and PostgreSQL.

SQLite runs with WAL, ``synchronous=FULL`` (an acknowledged write survives a power cut) and foreign
keys on; PostgreSQL through psycopg 3. Both behave the same for the schema in ``store.models``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
)


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


READ_ONLY = "xinyong_read_only"
"""Execution option of a connection that only reads: on SQLite its transactions begin DEFERRED."""


def load_json(text: str | bytes) -> object:
    """A JSON column's value: parsed by orjson (an inquiry parses every record's payload), or, for
    what orjson refuses and the standard library reads (an integer beyond 64 bits), by ``json``."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def make_engine(url: str, **kwargs: object) -> Engine:
    url = normalise_url(url)
    kwargs.setdefault("json_deserializer", load_json)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        on_disk = bool(parsed.database) and parsed.database != ":memory:"
        if on_disk:
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        if on_disk and "poolclass" not in kwargs:
            kwargs.setdefault("pool_use_lifo", True)    # warm connections first, as below
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            # pysqlite's own transaction handling is replaced by explicit BEGIN so that
            # SQLAlchemy's transactions are real SQLite transactions (and SAVEPOINTs work).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            for pragma in SQLITE_PRAGMAS:
                cursor.execute(pragma)
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):  # type: ignore[no-untyped-def]
            # Writers take the write lock up front (no deadlock upgrading a read lock); a connection
            # marked ``READ_ONLY`` reads a WAL snapshot beside the writer instead of queueing for it.
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

        return engine
    # The most recently returned connection is handed out first (LIFO): the inquiry writer and the
    # request threads keep reusing a few warm connections (SQLite's page cache, psycopg's prepared
    # statements) instead of cycling through the pool.
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_use_lifo", True)
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits together or not at all."""
    session = factory()
    try:
        with session.begin():
            yield session
    finally:
        session.close()


def ping(engine: Engine) -> bool:
    """True while the database answers a trivial query."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False
