"""The storage layer behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

from xinyong.store.migrate import current_revision
from xinyong.store.models import Subject, SubjectIdentifier


def test_schema_is_at_head(platform):
    from alembic.script import ScriptDirectory

    from xinyong.store.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config(str(platform.engine.url))).get_current_head()
    assert current_revision(platform.engine) == head


def test_sqlite_runs_with_wal_full_sync_and_foreign_keys(platform):
    if platform.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with platform.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_timestamps_come_back_in_utc_whatever_zone_they_were_given_in(platform):
    beijing = timezone(timedelta(hours=8))
    given = datetime(2026, 1, 1, 7, 30, tzinfo=beijing)
    with platform.sessions.begin() as session:
        session.add(Subject(kind="legal_person", display_name="x", created_at=given, updated_at=given))
    with platform.sessions() as session:
        stored = session.scalars(select(Subject)).one().created_at
    assert stored == datetime(2025, 12, 31, 23, 30, tzinfo=UTC)
    assert stored.utcoffset() == timedelta(0)


def test_naive_timestamps_are_refused(platform):
    with pytest.raises(StatementError, match="naive datetime"), platform.sessions.begin() as session:
        session.add(Subject(kind="legal_person", display_name="x", created_at=datetime(2026, 1, 1),
                            updated_at=datetime(2026, 1, 1)))
        session.flush()


def test_foreign_keys_are_enforced(platform):
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(IntegrityError), platform.sessions.begin() as session:
        session.add(SubjectIdentifier(subject_id=424242, kind="uscc", value="X", created_at=now))
        session.flush()


def test_an_identifier_value_can_name_only_one_subject(platform):
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(IntegrityError), platform.sessions.begin() as session:
        for name in ("a", "b"):
            s = Subject(kind="legal_person", display_name=name, created_at=now, updated_at=now)
            s.identifiers.append(SubjectIdentifier(kind="uscc", value="91500000MA5U0AB10L", created_at=now))
            session.add(s)
        session.flush()


def test_subject_kind_is_checked_by_the_database(platform):
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(IntegrityError), platform.sessions.begin() as session:
        session.add(Subject(kind="alien", display_name="x", created_at=now, updated_at=now))
        session.flush()


def test_health_ping_fails_when_database_is_unreachable(tmp_path):
    from xinyong.store.db import make_engine, ping

    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    assert ping(engine) is False
    with make_engine(f"sqlite:///{tmp_path / 'ok.db'}").connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
