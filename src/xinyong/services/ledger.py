"""The audit ledger: append inside the caller's transaction, checkpoint, verify, query.

Every service writes through ``UnitOfWork.record``, which calls :func:`append` in the same
transaction as the change it records: both commit or neither does, so the chain has no gaps.

Concurrency: :func:`append` locks the one-row ``ledger_head`` (``SELECT ... FOR UPDATE`` on
PostgreSQL; on SQLite every transaction already begins ``IMMEDIATE``, so writers are serialized) and
reads the last seq and hash from it: O(1), and a single linear chain however many writers there are.
The head stays locked until the transaction ends, so ledger-writing transactions serialize from their
first append to their commit: record the event late in a transaction, not early.

Keys: checkpoints are signed with an Ed25519 key kept outside the database, by default
``<data_dir>/keys/ledger-ed25519.pem`` (0600, created on first use), its public half beside it as
``ledger-ed25519.pub.pem``. :func:`configure` tells the ledger, per engine, where the key is and how
often to checkpoint automatically (every 1,000 entries by default); ``xinyong audit checkpoint``
checkpoints on demand and also writes the checkpoint to ``keys/ledger-anchor.json``, an anchor
outside the database that lets ``verify`` see a rewrite or truncation of the whole tail.

Facts: ids, codes, counts, states and hashes only, never personal content (see
``domain.ledger.check_facts``; obviously personal keys and values are refused with ``FactsRefused``).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, Engine, String, func, insert, select, text, type_coerce
from sqlalchemy.orm import Session

from xinyong.domain.actors import Actor
from xinyong.domain.ledger import (
    GENESIS_HASH,
    ChainVerifier,
    Checkpoint,
    Entry,
    FactsRefused,
    Head,
    LedgerError,
    VerifyReport,
    key_id,
    keyring,
    make_entry,
    sign_checkpoint,
)
from xinyong.logging import get_logger
from xinyong.store.models.ledger import LedgerCheckpoint, LedgerEntry, LedgerHead

__all__ = [
    "DEFAULT_CHECKPOINT_EVERY",
    "FactsRefused",
    "LedgerConfig",
    "LedgerEntry",
    "LedgerError",
    "VerifyReport",
    "anchor_path",
    "append",
    "checkpoint",
    "checkpoints",
    "configure",
    "configure_from_settings",
    "count",
    "entries",
    "get",
    "head",
    "key_path",
    "keyring",
    "load_or_create_signing_key",
    "load_public_key",
    "load_public_keys",
    "public_key_path",
    "read_anchor",
    "verify",
    "write_anchor",
]

DEFAULT_CHECKPOINT_EVERY = 1000
KEY_FILENAME = "ledger-ed25519.pem"
PUBLIC_KEY_FILENAME = "ledger-ed25519.pub.pem"
ANCHOR_FILENAME = "ledger-anchor.json"
DEFAULT_BATCH = 5000

log = get_logger(__name__)


# --------------------------------------------------------------------------------------------------
# Keys (files outside the database)


def key_path(data_dir: Path) -> Path:
    return Path(data_dir) / "keys" / KEY_FILENAME


def public_key_path(private_key_path: Path) -> Path:
    return Path(private_key_path).with_name(PUBLIC_KEY_FILENAME)


def anchor_path(data_dir: Path) -> Path:
    return Path(data_dir) / "keys" / ANCHOR_FILENAME


def _write_exclusive(path: Path, data: bytes, mode: int) -> bool:
    """Write ``path`` atomically unless it exists (then leave it): True when this call created it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)  # atomic, and fails if someone else created it first
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def load_or_create_signing_key(path: Path) -> Ed25519PrivateKey:
    """The ledger's private key from ``path`` (PEM, PKCS#8); created with mode 0600 if absent.

    The public key is written beside it (``ledger-ed25519.pub.pem``) for verifiers. Safe when several
    processes start at once: exactly one key is created and every process uses it.
    """
    path = Path(path)
    if not path.exists():
        fresh = Ed25519PrivateKey.generate()
        pem = fresh.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
        if _write_exclusive(path, pem, 0o600):
            log.info("ledger signing key created", path=str(path), key_id=key_id(fresh))
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise LedgerError(f"{path} 不是 Ed25519 私钥", f"{path} is not an Ed25519 private key")
    public = public_key_path(path)
    if not public.exists():
        _write_exclusive(public, key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo), 0o644)
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    data = Path(path).read_bytes()
    try:
        key: Any = serialization.load_pem_public_key(data)
    except ValueError:
        key = serialization.load_pem_private_key(data, password=None).public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise LedgerError(f"{path} 不是 Ed25519 公钥", f"{path} is not an Ed25519 public key")
    return key


def load_public_keys(keys_dir: Path) -> dict[str, Ed25519PublicKey]:
    """Every ledger public key in ``keys_dir`` (``ledger-ed25519*.pub.pem``; older keys kept after a
    rotation stay valid for the checkpoints they signed), or the public half of the private key."""
    keys_dir = Path(keys_dir)
    found = [load_public_key(p) for p in sorted(keys_dir.glob("ledger-ed25519*.pub.pem"))]
    private = keys_dir / KEY_FILENAME
    if not found and private.exists():
        found = [load_public_key(private)]
    return keyring(found)


# --------------------------------------------------------------------------------------------------
# Configuration per engine: where the signing key is, how often to checkpoint automatically


@dataclass
class LedgerConfig:
    key_file: Path | None = None
    every: int = DEFAULT_CHECKPOINT_EVERY
    key: Ed25519PrivateKey | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def signing_key(self) -> Ed25519PrivateKey | None:
        if self.key is None and self.key_file is not None:
            with self._lock:
                if self.key is None:
                    self.key = load_or_create_signing_key(self.key_file)
        return self.key


_CONFIGS: weakref.WeakKeyDictionary[Engine, LedgerConfig] = weakref.WeakKeyDictionary()
_WARNED: weakref.WeakSet[Engine] = weakref.WeakSet()


def configure(engine: Engine, *, key_file: Path | None = None, key: Ed25519PrivateKey | None = None,
              every: int = DEFAULT_CHECKPOINT_EVERY) -> LedgerConfig:
    """Set the signing key (a file, created on first use, or a key object) and the automatic
    checkpoint interval (``every`` entries; 0 turns automatic checkpoints off) for ``engine``."""
    if every < 0:
        raise ValueError("every must be >= 0")
    config = LedgerConfig(key_file=Path(key_file) if key_file else None, every=every, key=key)
    _CONFIGS[engine] = config
    return config


def configure_from_settings(engine: Engine, settings: Any) -> LedgerConfig:
    """The platform's wiring: the key under ``settings.data_dir``; the interval from
    ``settings.ledger_checkpoint_every`` when the settings have it."""
    every = getattr(settings, "ledger_checkpoint_every", DEFAULT_CHECKPOINT_EVERY)
    return configure(engine, key_file=key_path(settings.data_dir), every=int(every))


def _engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind


def config_for(session: Session) -> LedgerConfig | None:
    engine = _engine_of(session)
    config = _CONFIGS.get(engine)
    if config is None and engine not in _WARNED:
        _WARNED.add(engine)
        log.warning("ledger automatic checkpoints are off: no signing key configured for this engine "
                    "(services.ledger.configure)")
    return config


# --------------------------------------------------------------------------------------------------
# Append


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
_ADD_ENTRY = insert(LedgerEntry.__table__)
# PostgreSQL: migration 0007's function inserts each entry and moves the head to it, in seq order.
_APPEND_PG = text("SELECT xinyong_ledger_append(CAST(:entries AS jsonb))")


def _lock_head(session: Session, connection: Connection | None = None) -> Head:
    """Lock the head row for this transaction and read it (creating the genesis row if absent)."""
    row = (connection or session.connection()).execute(_HEAD_FOR_UPDATE).first()
    if row is None:
        _insert_genesis_head(session)
        row = session.connection().execute(_HEAD_FOR_UPDATE).first()
        assert row is not None
    return Head(int(row.seq), row.entry_hash)


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
    head = _lock_head(session, connection)
    chained: list[Entry] = []
    for event in prepared:
        entry = event.after(head)
        chained.append(entry)
        head = Head(entry.seq, entry.entry_hash)
    values = [{"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action, "entity": e.entity,
               "entity_id": e.entity_id, "facts": e.facts, "prev_hash": e.prev_hash, "entry_hash": e.entry_hash}
              for e in chained]
    # The database checks that each new entry follows the head (a trigger), so the head moves per entry.
    if connection.dialect.name == "postgresql":
        # The same two statements per entry, run by a function in the database: one round trip.
        connection.execute(_APPEND_PG, {"entries": json.dumps(
            [{**row, "at": row["at"].isoformat()} for row in values], ensure_ascii=False)})
    else:
        # SQLite: a trigger (migration 0008) moves the head after each insert, so the entries go in
        # one executemany, in seq order, each still checked against the head it must follow.
        connection.execute(_ADD_ENTRY, values)
    config = config_for(session)
    if config is not None and config.every:
        for entry in chained:
            if entry.seq % config.every == 0:
                _automatic_checkpoint(session, config, entry)
    return [LedgerEntry(**row) for row in values] if copies else []


def _automatic_checkpoint(session: Session, config: LedgerConfig, entry: Entry) -> None:
    try:
        signing_key = config.signing_key()
    except (OSError, ValueError, LedgerError) as exc:
        # The entry stands (its hash chain is the evidence); a missed checkpoint can be made on
        # demand later. Refusing every 1,000th write of the platform would help no one.
        log.error("ledger automatic checkpoint skipped: the signing key cannot be loaded",
                  seq=entry.seq, key_file=str(config.key_file), error=str(exc))
        return
    _store_checkpoint(session, sign_checkpoint(signing_key, seq=entry.seq, entry_hash=entry.entry_hash,
                                               at=entry.at))


# --------------------------------------------------------------------------------------------------
# Checkpoints


def _store_checkpoint(session: Session, cp: Checkpoint) -> LedgerCheckpoint:
    assert isinstance(cp.at, datetime)
    row = LedgerCheckpoint(seq=cp.seq, entry_hash=cp.entry_hash, at=cp.at, key_id=cp.key_id,
                           signature=cp.signature)
    session.add(row)
    session.flush()
    return row


def _as_checkpoint(row: Any) -> Checkpoint:
    return Checkpoint(int(row.seq), row.entry_hash, _time(row.at), row.key_id, row.signature)


def checkpoint(session: Session, key: Ed25519PrivateKey | Path, *,
               at: datetime | None = None) -> Checkpoint | None:
    """Sign the current head now (``None`` for an empty ledger). If the head is already checkpointed,
    return that checkpoint. Runs in the session's transaction; the caller commits."""
    signing_key = key if isinstance(key, Ed25519PrivateKey) else load_or_create_signing_key(Path(key))
    current = _lock_head(session)
    if current.seq == 0:
        return None
    existing = session.get(LedgerCheckpoint, current.seq)
    if existing is not None:
        return _as_checkpoint(existing)
    cp = sign_checkpoint(signing_key, seq=current.seq, entry_hash=current.entry_hash,
                         at=at or datetime.now(UTC))
    _store_checkpoint(session, cp)
    return cp


def checkpoints(session: Session) -> list[Checkpoint]:
    rows = session.execute(select(LedgerCheckpoint).order_by(LedgerCheckpoint.seq)).scalars()
    return [_as_checkpoint(r) for r in rows]


def write_anchor(path: Path, cp: Checkpoint) -> None:
    """Keep a checkpoint outside the database (atomically replaced; call after the commit)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(cp.to_dict(), handle, ensure_ascii=False, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def read_anchor(path: Path) -> Checkpoint | None:
    path = Path(path)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LedgerError(f"无法读取锚点文件 {path}", f"cannot read the anchor file {path}: {exc}") from exc
    return Checkpoint.from_dict(data)


# --------------------------------------------------------------------------------------------------
# Verify


def _time(value: Any) -> datetime | str:
    """A stored instant as the verifier needs it: aware UTC, or the raw text if it does not parse."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


# ``at`` is read as the driver gives it (a datetime on PostgreSQL, the stored text on SQLite), so that a
# value tampered into something unparseable is reported as a modified entry instead of stopping the walk.
_ENTRY_COLUMNS = (LedgerEntry.seq, type_coerce(LedgerEntry.at, String).label("at"), LedgerEntry.actor,
                  LedgerEntry.action, LedgerEntry.entity, LedgerEntry.entity_id, LedgerEntry.facts,
                  LedgerEntry.prev_hash, LedgerEntry.entry_hash)


def _as_entry(row: Any) -> Entry:
    return Entry(_int(row.seq), _time(row.at), row.actor, row.action, row.entity, row.entity_id, row.facts,
                 row.prev_hash, row.entry_hash)


def _stream(session: Session, bound: int, batch: int, own: bool,
            on_progress: Callable[[int, int], None] | None = None) -> Iterator[Entry]:
    """Entries with seq <= bound, in seq order, one keyset-paged batch at a time."""
    last: int | None = None
    done = 0
    while True:
        stmt = select(*_ENTRY_COLUMNS).where(LedgerEntry.seq <= bound).order_by(LedgerEntry.seq).limit(batch)
        if last is not None:
            stmt = stmt.where(LedgerEntry.seq > last)
        rows = session.execute(stmt).all()
        if own:
            session.rollback()  # end the read transaction between batches: writers are not held up
        if not rows:
            return
        for row in rows:
            yield _as_entry(row)
        last = _int(rows[-1].seq)
        done += len(rows)
        if on_progress is not None:
            on_progress(done, bound)
        if len(rows) < batch:
            return


def _snapshot(session: Session) -> tuple[Head | None, int | None, str | None]:
    """Head, highest seq and the hash of the entry at the head's seq, read in ONE statement (so the
    three agree even while others append under READ COMMITTED)."""
    head_seq = select(LedgerHead.seq).where(LedgerHead.id == 1).scalar_subquery()
    head_hash = select(LedgerHead.entry_hash).where(LedgerHead.id == 1).scalar_subquery()
    max_seq = select(func.max(LedgerEntry.seq)).scalar_subquery()
    hash_at = select(LedgerEntry.entry_hash).where(LedgerEntry.seq == head_seq).scalar_subquery()
    row = session.execute(select(head_seq.label("hs"), head_hash.label("hh"), max_seq.label("mx"),
                                 hash_at.label("ha"))).one()
    head_row = Head(_int(row.hs), row.hh) if row.hs is not None else None
    return head_row, (_int(row.mx) if row.mx is not None else None), row.ha


def _int(value: Any) -> int:
    """A stored seq; a value that is not an integer (SQLite stores what it is given) sorts after all."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return sys.maxsize


def verify(session: Session,
           public_key: Ed25519PublicKey | Mapping[str, Ed25519PublicKey] | Iterable[Ed25519PublicKey] | None,
           *, anchor: Checkpoint | None = None, batch_size: int = DEFAULT_BATCH,
           on_progress: Callable[[int, int], None] | None = None) -> VerifyReport:
    """Walk the whole chain in seq order (streaming, ``batch_size`` rows at a time), recompute every
    hash, check the links, the gap-free numbering, every checkpoint's signature and hash, the head
    row, and ``anchor`` (a checkpoint kept outside the database). Names the first bad entry.

    If the session is not in a transaction, each batch runs in its own short read transaction (on
    SQLite a long verification would otherwise hold the write lock); inside a transaction it reads
    there. Either way entries appended while it runs are not false alarms: it verifies up to the
    head it saw first, then checks in one statement that the head only moved forward consistently.
    ``on_progress(done, total)`` is called after each batch.
    """
    keys = keyring(public_key)
    own = not session.in_transaction()
    start, max_at_start, _ = _snapshot(session)
    # Walk up to the head seen now (entries beyond it are reported by check_head); without a head
    # row, walk everything there is (and report the missing head after).
    bound_walk = start.seq if start is not None else (max_at_start or 0)
    stored = [_as_checkpoint(r) for r in session.execute(
        select(LedgerCheckpoint).where(LedgerCheckpoint.seq <= bound_walk).order_by(LedgerCheckpoint.seq)
    ).scalars()]
    if anchor is not None and anchor.seq <= bound_walk:
        stored.append(anchor)
    if own:
        session.rollback()
    verifier = ChainVerifier(checkpoints=stored, public_keys=keys)
    verifier.walk(_stream(session, bound_walk, batch_size, own, on_progress))
    verifier.check_head(start, max_at_start)
    if verifier.problem is None:
        head_now, max_now, hash_at_head = _snapshot(session)
        late_rows = session.execute(
            select(LedgerCheckpoint, LedgerEntry.entry_hash)
            .outerjoin(LedgerEntry, LedgerEntry.seq == LedgerCheckpoint.seq)
            .where(LedgerCheckpoint.seq > bound_walk)
        ).all()
        late: list[tuple[Checkpoint, str | None]] = [(_as_checkpoint(cp), actual) for cp, actual in late_rows]
        if anchor is not None and anchor.seq > bound_walk:
            actual = session.execute(select(LedgerEntry.entry_hash)
                                     .where(LedgerEntry.seq == anchor.seq)).scalar()
            late.append((anchor, actual))
        verifier.check_late(start, head_now, max_now, hash_at_head, late)
    if own:
        session.rollback()
    return verifier.report()


# --------------------------------------------------------------------------------------------------
# Queries for other services and the tests


def head(session: Session) -> Head:
    row = session.execute(select(LedgerHead.seq, LedgerHead.entry_hash).where(LedgerHead.id == 1)).first()
    return Head(int(row.seq), row.entry_hash) if row else Head.genesis()


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


def get(session: Session, seq: int) -> LedgerEntry | None:
    return session.get(LedgerEntry, seq)
