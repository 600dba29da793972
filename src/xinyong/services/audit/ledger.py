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
often to checkpoint automatically: every ``every`` entries (1,000 by default) and, while entries
arrive, at least every ``seconds`` seconds (checked at each append against the entries' times;
:func:`checkpoint_if_due`, run by the server every little while, covers a quiet tail).
``xinyong audit checkpoint`` checkpoints on demand.

Anchors: after the commit that made it, every checkpoint is also kept outside the database, in the
append-only ``keys/ledger-anchors.jsonl`` and by the configured witnesses (``services.anchors``), so
that ``verify`` sees checkpoint rows deleted, a rewritten or truncated tail, or a forged one.

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
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from xinyong.domain.audit.ledger import (
    GENESIS_HASH,
    ChainVerifier,
    Checkpoint,
    Entry,
    FactsRefused,
    Head,
    LedgerError,
    VerifyReport,
    check_checkpoints,
    key_id,
    keyring,
    make_entry,
    sign_checkpoint,
)
from xinyong.domain.identity.actors import Actor
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
    "checkpoint_if_due",
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
    "raw_entry",
    "read_anchor",
    "verify",
    "write_anchor",
]

DEFAULT_CHECKPOINT_EVERY = 1000
KEY_FILENAME = "ledger-ed25519.pem"
PUBLIC_KEY_FILENAME = "ledger-ed25519.pub.pem"
ANCHOR_FILENAME = "ledger-anchors.jsonl"  # append-only, one checkpoint a line (services.anchors)
DEFAULT_BATCH = 5000

log = get_logger(__name__)


# --------------------------------------------------------------------------------------------------
# Keys (files outside the database)


def key_path(data_dir: Path) -> Path:
    return Path(data_dir) / "keys" / KEY_FILENAME


def public_key_path(private_key_path: Path) -> Path:
    return Path(private_key_path).with_name(PUBLIC_KEY_FILENAME)


def anchor_path(data_dir: Path) -> Path:
    """The append-only anchor file under the data folder."""
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
    seconds: int = 0  # sign at least this often while entries arrive (0: no time bound)
    anchor_file: Path | None = None  # the append-only anchor file (None: none)
    witnesses: tuple[Any, ...] = ()  # services.anchors.Witness
    http: Any = None  # an httpx-like client for HTTP witnesses (tests pass one); None: httpx itself
    # The time of the latest committed checkpoint this process knows of (or of entry 1): never later
    # than the latest checkpoint's, so the time bound holds however many processes append.
    last_checkpoint_at: datetime | None = None
    time_loaded: bool = False
    key_broken: bool = False
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
              every: int = DEFAULT_CHECKPOINT_EVERY, seconds: int = 0, anchor_file: Path | None = None,
              witnesses: Iterable[str] = (), http: Any = None) -> LedgerConfig:
    """Set the signing key (a file, created on first use, or a key object) and the automatic
    checkpoint interval (``every`` entries; 0 turns automatic checkpoints off) for ``engine``; with
    ``seconds``, a checkpoint at least that often while entries arrive. Checkpoints made are kept in
    ``anchor_file`` and sent to ``witnesses`` (folders, http(s) URLs) after their commit."""
    from xinyong.services.audit import anchors
    if every < 0 or seconds < 0:
        raise ValueError("every and seconds must be >= 0")
    config = LedgerConfig(key_file=Path(key_file) if key_file else None, every=every, key=key, seconds=seconds,
                          anchor_file=Path(anchor_file) if anchor_file else None,
                          witnesses=tuple(anchors.parse_witnesses(witnesses)), http=http)
    _CONFIGS[engine] = config
    return config


def configure_from_settings(engine: Engine, settings: Any) -> LedgerConfig:
    """The platform's wiring: the key and the anchor file under ``settings.data_dir``; the intervals
    and the witnesses from the settings when they have them."""
    every = getattr(settings, "ledger_checkpoint_every", DEFAULT_CHECKPOINT_EVERY)
    seconds = getattr(settings, "ledger_checkpoint_seconds", 0)
    witnesses = getattr(settings, "ledger_witnesses", None) or ()
    return configure(engine, key_file=key_path(settings.data_dir), every=int(every), seconds=int(seconds),
                     anchor_file=anchor_path(settings.data_dir), witnesses=witnesses)


def config_of(engine: Engine) -> LedgerConfig | None:
    return _CONFIGS.get(engine)


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
    if config is not None and (config.every or config.seconds):
        due = [entry for entry in chained if config.every and entry.seq % config.every == 0]
        if config.seconds and not config.key_broken and (not due or due[-1] is not chained[-1]):
            reference = _time_reference(connection, config, chained)
            latest = max(entry.at for entry in chained if isinstance(entry.at, datetime))
            if (latest - reference).total_seconds() >= config.seconds:
                due.append(chained[-1])  # it covers every entry of this run
        made = [cp for cp in (_automatic_checkpoint(session, config, entry) for entry in due) if cp is not None]
        if made:
            _publish_after_commit(session, made)
    return [LedgerEntry(**row) for row in values] if copies else []


def _time_reference(connection: Connection, config: LedgerConfig, chained: Sequence[Entry]) -> datetime:
    """When this process last knew a checkpoint was made (read once: the latest checkpoint's time, or
    entry 1's when there is none)."""
    if not config.time_loaded:
        found: Any = connection.execute(select(func.max(type_coerce(LedgerCheckpoint.at, String)))).scalar()
        if found is None:
            first = (chained[0].at if chained[0].seq == 1 else connection.execute(
                select(type_coerce(LedgerEntry.at, String)).where(LedgerEntry.seq == 1)).scalar())
            found = first
        parsed = _time(found) if found is not None else None
        with config._lock:
            if isinstance(parsed, datetime) and (config.last_checkpoint_at is None
                                                 or parsed > config.last_checkpoint_at):
                config.last_checkpoint_at = parsed
            config.time_loaded = True
    reference = config.last_checkpoint_at
    if reference is None:  # unreadable: sign now rather than leave the tail unsigned
        return datetime.min.replace(tzinfo=UTC)
    return reference


def _automatic_checkpoint(session: Session, config: LedgerConfig, entry: Entry) -> Checkpoint | None:
    try:
        signing_key = config.signing_key()
    except (OSError, ValueError, LedgerError) as exc:
        # The entry stands (its hash chain is the evidence); a missed checkpoint can be made on
        # demand later (``audit verify`` reports it). Refusing the platform's writes would help no one.
        config.key_broken = True
        log.error("ledger automatic checkpoint skipped: the signing key cannot be loaded",
                  seq=entry.seq, key_file=str(config.key_file), error=str(exc))
        return None
    config.key_broken = False
    if signing_key is None or not isinstance(entry.at, datetime):
        return None
    cp = sign_checkpoint(signing_key, seq=entry.seq, entry_hash=entry.entry_hash, at=entry.at)
    _store_checkpoint(session, cp)
    return cp


# --------------------------------------------------------------------------------------------------
# Keeping checkpoints outside the database, after their commit

_PENDING = "xinyong_ledger_checkpoints_to_publish"


def _publish_after_commit(session: Session, cps: Sequence[Checkpoint]) -> None:
    """Have ``cps`` kept outside the database once the session's transaction commits (never before: an
    anchor must not name an entry that was rolled back)."""
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        if not sa_event.contains(session, "after_commit", _after_commit):
            sa_event.listen(session, "after_commit", _after_commit)
    pending.extend(cps)


def _after_commit(session: Session) -> None:
    cps = session.info.pop(_PENDING, None)
    if not cps:
        return
    try:
        publish_committed(_engine_of(session), cps)
    except Exception as exc:  # noqa: BLE001 - the transaction committed: nothing may undo or fail it now
        log.error("ledger checkpoints not kept outside the database", seqs=[cp.seq for cp in cps],
                  error=f"{exc.__class__.__name__}: {exc}")


def publish_committed(engine: Engine, cps: Sequence[Checkpoint]) -> list[Checkpoint]:
    """Keep in the anchor file and at the witnesses those of ``cps`` that the database holds (a
    checkpoint made in a savepoint that was rolled back is not); returns them."""
    from xinyong.services.audit import anchors
    from xinyong.store.db import READ_ONLY

    config = _CONFIGS.get(engine)
    if config is None:
        return []
    with engine.connect().execution_options(**{READ_ONLY: True}) as connection:
        rows = connection.execute(select(LedgerCheckpoint.seq, LedgerCheckpoint.entry_hash, LedgerCheckpoint.signature)
                                  .where(LedgerCheckpoint.seq.in_(sorted({cp.seq for cp in cps})))).all()
    stored = {(int(r.seq), r.entry_hash, r.signature) for r in rows}
    committed = [cp for cp in cps if (cp.seq, cp.entry_hash, cp.signature) in stored]
    times = [cp.at for cp in committed if isinstance(cp.at, datetime)]
    if times:
        with config._lock:
            if config.last_checkpoint_at is None or max(times) > config.last_checkpoint_at:
                config.last_checkpoint_at = max(times)
    anchors.publish(committed, anchor=config.anchor_file, witnesses=config.witnesses, client=config.http)
    return committed


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
    return Checkpoint(_int(row.seq), row.entry_hash, _time(row.at), row.key_id, row.signature)


def checkpoint(session: Session, key: Ed25519PrivateKey | Path, *, at: datetime) -> Checkpoint | None:
    """Sign the current head now (``None`` for an empty ledger). If the head is already checkpointed,
    return that checkpoint. Runs in the session's transaction; the caller commits."""
    signing_key = key if isinstance(key, Ed25519PrivateKey) else load_or_create_signing_key(Path(key))
    current = _lock_head(session)
    if current.seq == 0:
        return None
    existing = session.get(LedgerCheckpoint, current.seq)
    if existing is not None:
        cp = _as_checkpoint(existing)
    else:
        cp = sign_checkpoint(signing_key, seq=current.seq, entry_hash=current.entry_hash, at=at)
        _store_checkpoint(session, cp)
    _publish_after_commit(session, [cp])  # kept (again) outside the database once committed
    return cp


def checkpoint_if_due(platform: Any) -> Checkpoint | None:
    """Sign the head now if entries were appended after the last checkpoint and that checkpoint (or
    entry 1) is ``seconds`` or more old by the platform's clock: the server runs this every little
    while, so a quiet tail is not left unsigned for long. ``None`` if nothing was due."""
    config = _CONFIGS.get(platform.engine)
    if config is None or not config.seconds:
        return None
    now = platform.clock.now()
    with platform.sessions() as session:
        current = head(session)
        last = session.execute(select(LedgerCheckpoint.seq, type_coerce(LedgerCheckpoint.at, String).label("at"))
                               .order_by(LedgerCheckpoint.seq.desc()).limit(1)).first()
        if current.seq == 0 or (last is not None and _int(last.seq) >= current.seq):
            return None
        since: Any = last.at if last is not None else session.execute(
            select(type_coerce(LedgerEntry.at, String)).where(LedgerEntry.seq == 1)).scalar()
    reference = _time(since) if since is not None else None
    if isinstance(reference, datetime) and (now - reference).total_seconds() < config.seconds:
        return None
    try:
        signing_key = config.signing_key()
    except (OSError, ValueError, LedgerError) as exc:
        log.error("ledger checkpoint not made: the signing key cannot be loaded", error=str(exc))
        return None
    if signing_key is None:
        return None
    with platform.sessions.begin() as session:
        return checkpoint(session, signing_key, at=now)


# The checkpoint columns as stored (``at`` as the driver gives it), so a tampered value is reported, not raised.
_CHECKPOINT_COLUMNS = (LedgerCheckpoint.seq, LedgerCheckpoint.entry_hash,
                       type_coerce(LedgerCheckpoint.at, String).label("at"), LedgerCheckpoint.key_id,
                       LedgerCheckpoint.signature)


def _stored_checkpoints(session: Session, *conditions: Any) -> list[Checkpoint]:
    rows = session.execute(select(*_CHECKPOINT_COLUMNS).where(*conditions).order_by(LedgerCheckpoint.seq)).all()
    return [_as_checkpoint(r) for r in rows]


def checkpoints(session: Session, *, since: int = 0, limit: int | None = None) -> list[Checkpoint]:
    """The database's checkpoints in seq order (those after ``since``, at most ``limit``)."""
    stmt = select(*_CHECKPOINT_COLUMNS).where(LedgerCheckpoint.seq > since).order_by(LedgerCheckpoint.seq)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [_as_checkpoint(r) for r in session.execute(stmt).all()]


def write_anchor(path: Path, cp: Checkpoint) -> None:
    """Keep a checkpoint in an append-only anchor file (call after the commit; a checkpoint held
    already is not written twice)."""
    from xinyong.services.audit import anchors
    anchors.append_checkpoint(Path(path), cp)


def read_anchor(path: Path) -> Checkpoint | None:
    """The latest checkpoint of an anchor file (``None`` if it does not exist)."""
    return max(read_anchors(path), key=lambda cp: cp.seq, default=None)


def read_anchors(path: Path) -> list[Checkpoint]:
    """Every checkpoint of an anchor file (JSON lines; the older one-object file too)."""
    from xinyong.services.audit import anchors
    path = Path(path)
    if not path.exists():
        return []
    found, notes = anchors.read_checkpoints(path)
    if notes and not found:
        raise LedgerError(f"无法读取锚点文件 {path}", f"cannot read the anchor file {path}: {notes[0]}")
    return found


# --------------------------------------------------------------------------------------------------
# Verify


def _time(value: Any) -> Any:
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
           *, anchor: Checkpoint | None = None, anchored: Sequence[tuple[str, Checkpoint]] = (),
           every: int | None = None, seconds: int | None = None,
           warnings: Sequence[tuple[str, str]] = (), batch_size: int = DEFAULT_BATCH,
           on_progress: Callable[[int, int], None] | None = None) -> VerifyReport:
    """Walk the whole chain in seq order (streaming, ``batch_size`` rows at a time), recompute every
    hash, check the links, the gap-free numbering, every checkpoint's signature and hash, the head
    row, and the checkpoints kept outside the database (``anchor``; ``anchored``, each with where it
    was kept): one the database lacks or holds otherwise, a chain shorter than one records. With
    ``every``, a checkpoint is expected every ``every`` entries; with ``seconds``, no entry after the
    last checkpoint may be stamped that long after it. Names the first bad entry (and the field of a
    malformed value); every problem found is in ``report.problems``; ``warnings`` are passed through.

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
    in_db = _stored_checkpoints(session)
    outside = [*anchored, *([("anchor", anchor)] if anchor is not None else [])]
    # Checkpoints made while the walk runs (beyond its bound) are checked after it (``late``).
    others, valid_outside = check_checkpoints(in_db, outside, keys, last_seq=bound_walk, every=every)
    stored = [cp for cp in in_db if cp.seq <= bound_walk]
    known = {(cp.seq, cp.entry_hash, cp.signature) for cp in stored}
    stored += [cp for cp in valid_outside
               if cp.seq <= bound_walk and (cp.seq, cp.entry_hash, cp.signature) not in known]
    anchored_seq = max((cp.seq for cp in valid_outside), default=None)
    if own:
        session.rollback()
    verifier = ChainVerifier(checkpoints=stored, public_keys=keys, seconds=seconds)
    verifier.walk(_stream(session, bound_walk, batch_size, own, on_progress))
    verifier.check_head(start, max_at_start)
    if verifier.problem is None:
        head_now, max_now, hash_at_head = _snapshot(session)
        late_cps = _stored_checkpoints(session, LedgerCheckpoint.seq > bound_walk)
        late_cps += [cp for cp in valid_outside if cp.seq > bound_walk]
        hashes = dict(session.execute(select(LedgerEntry.seq, LedgerEntry.entry_hash).where(
            LedgerEntry.seq.in_(sorted({cp.seq for cp in late_cps})))).all()) if late_cps else {}
        late: list[tuple[Checkpoint, str | None]] = [(cp, hashes.get(cp.seq)) for cp in late_cps]
        verifier.check_late(start, head_now, max_now, hash_at_head, late)
    if own:
        session.rollback()
    return verifier.report(others, warnings, anchored_seq)


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


def raw_entry(session: Session, seq: int) -> dict[str, Any] | None:
    """Entry ``seq`` exactly as stored, each value as text (or ``None``), for showing a bad entry: a
    value tampered into something the column type cannot read is shown, not raised."""
    row = session.execute(select(*_ENTRY_COLUMNS).where(LedgerEntry.seq == seq)).first()
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
