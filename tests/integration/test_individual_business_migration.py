"""Migration 0012 (individual businesses): the subjects' and identifiers' kind lists widen on a database
that already holds subjects, identifiers and responsible persons, and none of them is lost (on SQLite the
usual table rebuild would have cascaded the drop of ``subjects`` to them); an unknown kind is still
refused; the downgrade refuses while an individual business is stored, then narrows the lists back."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.exc import IntegrityError

from scratch_db import scratch_url
from xinyong.store.db import make_engine
from xinyong.store.migrate import alembic_config

WHEN = "'2025-01-01 00:00:00'"


def _subject(conn, sid: int, kind: str, name: str) -> None:  # type: ignore[no-untyped-def]
    conn.execute(sa.text(f"INSERT INTO subjects (id, kind, display_name, created_at, updated_at) "
                         f"VALUES ({sid}, '{kind}', '{name}', {WHEN}, {WHEN})"))


def _count(url: str, table: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
    finally:
        engine.dispose()


def _run(url: str, statement) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            statement(conn)
    finally:
        engine.dispose()


def test_0012_widens_the_kinds_and_keeps_every_row(tmp_path: Path) -> None:
    with scratch_url(tmp_path, prefix="xinyong_m0012") as url:
        cfg = alembic_config(url)
        command.upgrade(cfg, "0011_rights")

        def before(conn) -> None:  # type: ignore[no-untyped-def]
            _subject(conn, 1, "legal_person", "甲公司")
            _subject(conn, 2, "natural_person", "张三")
            conn.execute(sa.text(f"INSERT INTO subject_identifiers (subject_id, kind, value, created_at) "
                                 f"VALUES (1, 'uscc', '91500000000000000A', {WHEN})"))
            conn.execute(sa.text(f"INSERT INTO responsible_persons (organisation_id, person_id, role, created_at) "
                                 f"VALUES (1, 2, 'legal_representative', {WHEN})"))
        _run(url, before)
        with pytest.raises(IntegrityError):
            _run(url, lambda conn: _subject(conn, 3, "individual_business", "王记小吃"))

        command.upgrade(cfg, "0012_individual_business")
        assert (_count(url, "subjects"), _count(url, "subject_identifiers"), _count(url, "responsible_persons")) \
            == (2, 1, 1)

        def business(conn) -> None:  # type: ignore[no-untyped-def]
            _subject(conn, 3, "individual_business", "王记小吃")
            conn.execute(sa.text(f"INSERT INTO subject_identifiers (subject_id, kind, value, created_at) "
                                 f"VALUES (3, 'registration_no', '500103600123456', {WHEN})"))
        _run(url, business)
        with pytest.raises(IntegrityError):
            _run(url, lambda conn: _subject(conn, 4, "bogus", "x"))

        with pytest.raises(RuntimeError, match="individual_business"):
            command.downgrade(cfg, "0011_rights")
        _run(url, lambda conn: conn.execute(sa.text("DELETE FROM subjects WHERE id = 3")))
        command.downgrade(cfg, "0011_rights")
        assert _count(url, "subjects") == 2
        with pytest.raises(IntegrityError):
            _run(url, lambda conn: _subject(conn, 5, "individual_business", "王记小吃"))
