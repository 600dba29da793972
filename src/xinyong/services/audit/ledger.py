"""The ledger's entries: append inside the caller's transaction, and read them.

Every service writes through ``UnitOfWork.record``, which calls :func:`append_many` in the same
transaction as the change it records: both commit or neither does, so the chain has no gaps.

Concurrency: appending locks the one-row ``ledger_head`` (``SELECT ... FOR UPDATE`` on PostgreSQL; on
SQLite every transaction already begins ``IMMEDIATE``, so writers are serialized) and reads the last
seq and hash from it: O(1), and a single linear chain however many writers there are. The head stays
locked until the transaction ends, so ledger-writing transactions serialize from their first append
to their commit: record the event late in a transaction, not early. A transaction's entries go in one
call of ``xinyong_ledger_append`` on PostgreSQL, one ``executemany`` on SQLite; the checkpoints then
due are made by ``checkpoints.after_append``.

Facts: ids, codes, counts, states and hashes only, never personal content (see
``domain.audit.facts.check_facts``; obviously personal keys and values are refused with
``FactsRefused``, a programming error).

Reads: :func:`head`, :func:`count`, :func:`entries`, :func:`entries_after`, :func:`get`, :func:`raw_entry`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, text
from sqlalchemy.orm import Session

from xinyong.domain.audit.canonical import canonical_json
from xinyong.domain.audit.chain import Entry, Head, make_entry
from xinyong.domain.identity.actors import Actor
from xinyong.services.audit.checkpoints import after_append
from xinyong.services.audit.rows import ENTRY_COLUMNS, head, lock_head
from xinyong.store.models.ledger import LedgerEntry

__all__ = ["LedgerEntry", "append", "append_many", "count", "entries", "entries_after", "get", "head", "prepare",
           "raw_entry"]

# Built once: an inquiry appends an entry per read, and building these each time cost more than running them.
_ADD_ENTRY = insert(LedgerEntry.__table__)
# PostgreSQL: migration 0007's function inserts each entry and moves the head to it, in seq order.
_APPEND_PG = text("SELECT xinyong_ledger_append(CAST(:entries AS jsonb))")


def append(session: Session, *, actor: Actor | str, action: str, entity: str, entity_id: str | int | None,
           facts: Mapping[str, Any] | None, at: datetime) -> LedgerEntry:
    """Append one event to the chain inside the session's transaction and return the stored entry.

    ``facts`` must be small plain JSON with no personal content (``FactsRefused`` otherwise);
    ``at`` must be aware. Refusals raise before anything is written.
    """
    return append_many(session, [prepare(actor=actor, action=action, entity=entity, entity_id=entity_id,
                                         facts=facts, at=at)])[0]


def prepare(*, actor: Actor | str, action: str, entity: str, entity_id: str | int | None,
            facts: Mapping[str, Any] | None, at: datetime) -> Entry:
    """Validate and encode one event without touching the database (``FactsRefused`` and the other
    refusals raise here). :func:`append_many` numbers and links it later in the transaction."""
    label = actor.label() if isinstance(actor, Actor) else str(actor)
    entity_id = None if entity_id is None else str(entity_id)
    return make_entry(Head.genesis(), at=at, actor=label, action=action, entity=entity,
                      entity_id=entity_id, facts=facts)


def append_many(session: Session, prepared: Sequence[Entry], connection: Connection | None = None, *,
                copies: bool = True) -> list[LedgerEntry]:
    """Append prepared events in order under one head lock.

    The rows go through the session's connection (SQL expressions, not the ORM unit of work): an
    inquiry appends one entry per read, and this is most of what its audit trail costs. The entries
    returned are transient copies of what was stored (none with ``copies=False``: building them costs
    as much as a statement). ``connection``: the session's connection, if the caller has it at hand.
    """
    if not prepared:
        return []
    connection = connection or session.connection()
    top = lock_head(session, connection)
    chained: list[Entry] = []
    for event in prepared:
        entry = event.after(top)
        chained.append(entry)
        top = Head(entry.seq, entry.entry_hash)
    values = [{"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action, "entity": e.entity,
               "entity_id": e.entity_id, "facts": e.facts, "prev_hash": e.prev_hash, "entry_hash": e.entry_hash}
              for e in chained]
    # The database checks that each new entry follows the head (a trigger), so the head moves per entry.
    if connection.dialect.name == "postgresql":
        # The same two statements per entry, run by a function in the database: one round trip.
        connection.execute(_APPEND_PG, {"entries": canonical_json(
            [{**row, "at": row["at"].isoformat()} for row in values])})
    else:
        # SQLite: a trigger (migration 0008) moves the head after each insert, so the entries go in
        # one executemany, in seq order, each still checked against the head it must follow.
        connection.execute(_ADD_ENTRY, values)
    after_append(session, connection, chained)
    return [LedgerEntry(**row) for row in values] if copies else []


def _action_filter(action_prefix: str) -> Any:
    if action_prefix.endswith("."):
        return LedgerEntry.action.startswith(action_prefix, autoescape=True)
    return (LedgerEntry.action == action_prefix) | LedgerEntry.action.startswith(action_prefix + ".",
                                                                                autoescape=True)


def count(session: Session, action_prefix: str | None = None) -> int:
    """How many entries; with ``action_prefix``, those whose action is it or lies under it
    (``"subject"`` counts ``subject.registered`` but not ``subjects.x``; a prefix ending in ``.``
    matches as a plain prefix)."""
    stmt = select(func.count()).select_from(LedgerEntry)
    if action_prefix:
        stmt = stmt.where(_action_filter(action_prefix))
    return int(session.execute(stmt).scalar_one())


def entries(session: Session, *, entity: str | None = None, entity_id: str | int | None = None,
            action_prefix: str | None = None, limit: int | None = None) -> list[LedgerEntry]:
    """Entries in seq order, optionally for one entity (and id) or under an action prefix."""
    stmt = select(LedgerEntry).order_by(LedgerEntry.seq)
    if entity is not None:
        stmt = stmt.where(LedgerEntry.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(LedgerEntry.entity_id == str(entity_id))
    if action_prefix:
        stmt = stmt.where(_action_filter(action_prefix))
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.execute(stmt).scalars())


def entries_after(session: Session, after: int, upto: int, actions: Sequence[str],
                  limit: int) -> list[LedgerEntry]:
    """Entries with ``after < seq <= upto`` whose action is one of ``actions``, in seq order, at most
    ``limit``: a change feed's page (``services.exchange``). Entries are appended under the head's lock
    and commit in seq order, so every entry up to a committed head is already visible: a reader that
    pages up to the head it read misses none."""
    stmt = (select(LedgerEntry).where(LedgerEntry.seq > after, LedgerEntry.seq <= upto,
                                      LedgerEntry.action.in_(list(actions)))
            .order_by(LedgerEntry.seq).limit(limit))
    return list(session.execute(stmt).scalars())


def get(session: Session, seq: int) -> LedgerEntry | None:
    return session.get(LedgerEntry, seq)


def raw_entry(session: Session, seq: int) -> dict[str, Any] | None:
    """Entry ``seq`` exactly as stored, each value as text (or ``None``), for showing a bad entry: a
    value tampered into something the column type cannot read is shown, not raised."""
    row = session.execute(select(*ENTRY_COLUMNS).where(LedgerEntry.seq == seq)).first()
    if row is None:
        return None
    shown: dict[str, Any] = {}
    for name, value in row._mapping.items():
        if value is None or isinstance(value, int | str):
            shown[name] = value
        elif isinstance(value, datetime):
            shown[name] = value.isoformat()
        elif isinstance(value, bytes):
            shown[name] = value.decode("utf-8", "replace")
        else:
            shown[name] = str(value)
    return shown
