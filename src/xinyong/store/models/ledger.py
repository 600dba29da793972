"""The audit ledger's tables: entries, the one-row head, and signed checkpoints.

Append-only: migration ``0002_ledger`` installs triggers (PostgreSQL and SQLite) that refuse any
UPDATE or DELETE of ``ledger_entries`` and ``ledger_checkpoints``, let the head row only step forward
to an entry that exists, and let entries be inserted only as the head's successor. Entries hold event
facts and hashes, never personal content (see ``domain.audit.facts``).

Do not alter these tables with Alembic's batch mode on SQLite: it recreates the table and drops the
triggers with it. A later migration that must change them re-creates the triggers.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base, UTCDateTime


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("seq >= 1", name="seq_positive"),
        UniqueConstraint("prev_hash"),   # a chain cannot fork: one successor per entry
        UniqueConstraint("entry_hash"),
        Index("ix_ledger_entries_entity", "entity", "entity_id"),
        Index("ix_ledger_entries_action", "action"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    action: Mapped[str] = mapped_column(String(100), nullable=False)
    entity: Mapped[str] = mapped_column(String(64), nullable=False)
    entity_id: Mapped[str | None] = mapped_column(String(128))
    facts: Mapped[str] = mapped_column(Text, nullable=False)  # canonical JSON text, hashed as stored
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    entry_hash: Mapped[str] = mapped_column(String(64), nullable=False)

    def facts_dict(self) -> dict:
        return json.loads(self.facts)


class LedgerHead(Base):
    """One row (id 1): the last entry's seq and hash, so an append reads O(1) and locks one row."""

    __tablename__ = "ledger_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    entry_hash: Mapped[str] = mapped_column(String(64), nullable=False)


class LedgerCheckpoint(Base):
    """An Ed25519 signature over {seq, entry_hash, at, key_id}; the private key is not in the database."""

    __tablename__ = "ledger_checkpoints"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entry_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    key_id: Mapped[str] = mapped_column(String(64), nullable=False)
    signature: Mapped[str] = mapped_column(String(128), nullable=False)
