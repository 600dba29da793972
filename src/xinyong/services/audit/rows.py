"""The ledger's rows as the domain's values: the head row and its lock, entries and checkpoints read
as stored (a value tampered into something the column type cannot read is reported by verification,
not raised here). Shared by ``ledger``, ``checkpoints`` and ``verification``.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, String, select, type_coerce
from sqlalchemy.orm import Session

from xinyong.domain.audit.chain import GENESIS_HASH, Entry, Head
from xinyong.domain.audit.checkpoints import Checkpoint
from xinyong.store.models.ledger import LedgerCheckpoint, LedgerEntry, LedgerHead

__all__ = ["CHECKPOINT_COLUMNS", "ENTRY_COLUMNS", "as_checkpoint", "as_entry", "head", "lock_head",
           "stored_checkpoints", "stored_seq", "stored_time"]


def _insert_genesis_head(session: Session) -> None:
    dialect = session.get_bind().dialect.name
    values = {"id": 1, "seq": 0, "entry_hash": GENESIS_HASH}
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(LedgerHead).values(**values).on_conflict_do_nothing(index_elements=["id"]))
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        session.execute(sqlite_insert(LedgerHead).values(**values).on_conflict_do_nothing(index_elements=["id"]))
    else:  # pragma: no cover - the platform runs on SQLite and PostgreSQL
        from sqlalchemy import insert

        session.execute(insert(LedgerHead).values(**values))


# Built once: an inquiry appends an entry per read, and building these each time cost more than running them.
_HEAD_FOR_UPDATE = select(LedgerHead.seq, LedgerHead.entry_hash).where(LedgerHead.id == 1).with_for_update()


def lock_head(session: Session, connection: Connection | None = None) -> Head:
    """Lock the head row for this transaction and read it (creating the genesis row if absent)."""
    row = (connection or session.connection()).execute(_HEAD_FOR_UPDATE).first()
    if row is None:
        _insert_genesis_head(session)
        row = session.connection().execute(_HEAD_FOR_UPDATE).first()
        assert row is not None
    return Head(int(row.seq), row.entry_hash)


def head(session: Session) -> Head:
    """The head row as it stands (not locked; the genesis head for an empty ledger)."""
    row = session.execute(select(LedgerHead.seq, LedgerHead.entry_hash).where(LedgerHead.id == 1)).first()
    return Head(int(row.seq), row.entry_hash) if row else Head.genesis()


def stored_time(value: Any) -> Any:
    """A stored instant as the verifier needs it: aware UTC, or the raw text if it does not parse
    (``None`` stays ``None``)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def stored_seq(value: Any) -> int:
    """A stored seq; a value that is not an integer (SQLite stores what it is given) sorts after all."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return sys.maxsize


# ``at`` is read as the driver gives it (a datetime on PostgreSQL, the stored text on SQLite), so that a
# value tampered into something unparseable is reported as a modified entry instead of stopping the walk.
ENTRY_COLUMNS = (LedgerEntry.seq, type_coerce(LedgerEntry.at, String).label("at"), LedgerEntry.actor,
                 LedgerEntry.action, LedgerEntry.entity, LedgerEntry.entity_id, LedgerEntry.facts,
                 LedgerEntry.prev_hash, LedgerEntry.entry_hash)


def as_entry(row: Any) -> Entry:
    """A row of ``ENTRY_COLUMNS`` as the domain's entry."""
    return Entry(stored_seq(row.seq), stored_time(row.at), row.actor, row.action, row.entity, row.entity_id,
                 row.facts, row.prev_hash, row.entry_hash)


# The checkpoint columns as stored (``at`` as the driver gives it), so a tampered value is reported, not raised.
CHECKPOINT_COLUMNS = (LedgerCheckpoint.seq, LedgerCheckpoint.entry_hash,
                      type_coerce(LedgerCheckpoint.at, String).label("at"), LedgerCheckpoint.key_id,
                      LedgerCheckpoint.signature)


def stored_checkpoints(session: Session, *conditions: Any) -> list[Checkpoint]:
    """The database's checkpoints (those meeting ``conditions``) in seq order, as stored."""
    rows = session.execute(select(*CHECKPOINT_COLUMNS).where(*conditions).order_by(LedgerCheckpoint.seq)).all()
    return [as_checkpoint(r) for r in rows]


def as_checkpoint(row: Any) -> Checkpoint:
    """A row of ``CHECKPOINT_COLUMNS`` (or a ``LedgerCheckpoint``) as the domain's checkpoint."""
    return Checkpoint(stored_seq(row.seq), row.entry_hash, stored_time(row.at), row.key_id, row.signature)

