"""Checkpoints: sign the head (automatically every ``every`` entries and, while entries arrive, at
least every ``seconds`` seconds; :func:`checkpoint_if_due`, run by the server every little while, for a
quiet tail; :func:`checkpoint` on demand, ``xinyong audit checkpoint``), store them, and, after the
commit that made them, keep them outside the database: in the anchor file and by the witnesses
(``anchors``), so that verification sees checkpoint rows deleted, a rewritten or truncated tail, or a
forged one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, String, func, select, type_coerce
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from xinyong.domain.audit.canonical import LedgerError
from xinyong.domain.audit.chain import Entry
from xinyong.domain.audit.checkpoints import Checkpoint, sign_checkpoint
from xinyong.logging import get_logger
from xinyong.services.audit.config import LedgerConfig, config_for, config_of, engine_of
from xinyong.services.audit.keys import load_or_create_signing_key
from xinyong.services.audit.rows import CHECKPOINT_COLUMNS, as_checkpoint, head, lock_head, stored_seq, stored_time
from xinyong.store.models.ledger import LedgerCheckpoint, LedgerEntry

__all__ = ["after_append", "checkpoint", "checkpoint_if_due", "checkpoints", "publish_committed"]

log = get_logger(__name__)


def after_append(session: Session, connection: Connection, chained: Sequence[Entry]) -> None:
    """The automatic checkpoints due once ``chained`` (a run of entries just appended by
    ``ledger.append_many``) is in: every ``every`` entries, and one covering the run when the last
    checkpoint is ``seconds`` old; each is kept outside the database once the transaction commits."""
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


def _time_reference(connection: Connection, config: LedgerConfig, chained: Sequence[Entry]) -> datetime:
    """When this process last knew a checkpoint was made (read once: the latest checkpoint's time, or
    entry 1's when there is none)."""
    if not config.time_loaded:
        found: Any = connection.execute(select(func.max(type_coerce(LedgerCheckpoint.at, String)))).scalar()
        if found is None:
            first = (chained[0].at if chained[0].seq == 1 else connection.execute(
                select(type_coerce(LedgerEntry.at, String)).where(LedgerEntry.seq == 1)).scalar())
            found = first
        parsed = stored_time(found) if found is not None else None
        with config.lock:
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
        publish_committed(engine_of(session), cps)
    except Exception as exc:  # noqa: BLE001 - the transaction committed: nothing may undo or fail it now
        log.error("ledger checkpoints not kept outside the database", seqs=[cp.seq for cp in cps],
                  error=f"{exc.__class__.__name__}: {exc}")


def publish_committed(engine: Engine, cps: Sequence[Checkpoint]) -> list[Checkpoint]:
    """Keep in the anchor file and at the witnesses those of ``cps`` that the database holds (a
    checkpoint made in a savepoint that was rolled back is not); returns them."""
    from xinyong.services.audit import anchors
    from xinyong.store.db import READ_ONLY

    config = config_of(engine)
    if config is None:
        return []
    with engine.connect().execution_options(**{READ_ONLY: True}) as connection:
        rows = connection.execute(select(LedgerCheckpoint.seq, LedgerCheckpoint.entry_hash, LedgerCheckpoint.signature)
                                  .where(LedgerCheckpoint.seq.in_(sorted({cp.seq for cp in cps})))).all()
    stored = {(int(r.seq), r.entry_hash, r.signature) for r in rows}
    committed = [cp for cp in cps if (cp.seq, cp.entry_hash, cp.signature) in stored]
    times = [cp.at for cp in committed if isinstance(cp.at, datetime)]
    if times:
        with config.lock:
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


def checkpoint(session: Session, key: Ed25519PrivateKey | Path, *, at: datetime) -> Checkpoint | None:
    """Sign the current head now (``None`` for an empty ledger). If the head is already checkpointed,
    return that checkpoint. Runs in the session's transaction; the caller commits."""
    signing_key = key if isinstance(key, Ed25519PrivateKey) else load_or_create_signing_key(Path(key))
    current = lock_head(session)
    if current.seq == 0:
        return None
    existing = session.get(LedgerCheckpoint, current.seq)
    if existing is not None:
        cp = as_checkpoint(existing)
    else:
        cp = sign_checkpoint(signing_key, seq=current.seq, entry_hash=current.entry_hash, at=at)
        _store_checkpoint(session, cp)
    _publish_after_commit(session, [cp])  # kept (again) outside the database once committed
    return cp


def checkpoint_if_due(platform: Any) -> Checkpoint | None:
    """Sign the head now if entries were appended after the last checkpoint and that checkpoint (or
    entry 1) is ``seconds`` or more old by the platform's clock: the server runs this every little
    while, so a quiet tail is not left unsigned for long. ``None`` if nothing was due."""
    config = config_of(platform.engine)
    if config is None or not config.seconds:
        return None
    now = platform.clock.now()
    with platform.sessions() as session:
        current = head(session)
        last = session.execute(select(LedgerCheckpoint.seq, type_coerce(LedgerCheckpoint.at, String).label("at"))
                               .order_by(LedgerCheckpoint.seq.desc()).limit(1)).first()
        if current.seq == 0 or (last is not None and stored_seq(last.seq) >= current.seq):
            return None
        since: Any = last.at if last is not None else session.execute(
            select(type_coerce(LedgerEntry.at, String)).where(LedgerEntry.seq == 1)).scalar()
    reference = stored_time(since) if since is not None else None
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


def checkpoints(session: Session, *, since: int = 0, limit: int | None = None) -> list[Checkpoint]:
    """The database's checkpoints in seq order (those after ``since``, at most ``limit``)."""
    stmt = select(*CHECKPOINT_COLUMNS).where(LedgerCheckpoint.seq > since).order_by(LedgerCheckpoint.seq)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [as_checkpoint(r) for r in session.execute(stmt).all()]
