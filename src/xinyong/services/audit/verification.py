"""Verify the ledger as stored: walk the whole chain in seq order, streaming, and compare the
database's checkpoints with those kept outside it (the domain's ``verification`` decides; this module
reads the rows, in short read transactions when it is not inside one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.domain.audit.chain import Entry, Head
from xinyong.domain.audit.checkpoints import Checkpoint, keyring
from xinyong.domain.audit.verification import ChainVerifier, VerifyReport, check_checkpoints
from xinyong.services.audit.rows import ENTRY_COLUMNS, as_entry, stored_checkpoints, stored_seq
from xinyong.store.models.ledger import LedgerCheckpoint, LedgerEntry, LedgerHead

__all__ = ["DEFAULT_BATCH", "VerifyReport", "verify"]

DEFAULT_BATCH = 5000


def _stream(session: Session, bound: int, batch: int, own: bool,
            on_progress: Callable[[int, int], None] | None = None) -> Iterator[Entry]:
    """Entries with seq <= bound, in seq order, one keyset-paged batch at a time."""
    last: int | None = None
    done = 0
    while True:
        stmt = select(*ENTRY_COLUMNS).where(LedgerEntry.seq <= bound).order_by(LedgerEntry.seq).limit(batch)
        if last is not None:
            stmt = stmt.where(LedgerEntry.seq > last)
        rows = session.execute(stmt).all()
        if own:
            session.rollback()  # end the read transaction between batches: writers are not held up
        if not rows:
            return
        for row in rows:
            yield as_entry(row)
        last = stored_seq(rows[-1].seq)
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
    head_row = Head(stored_seq(row.hs), row.hh) if row.hs is not None else None
    return head_row, (stored_seq(row.mx) if row.mx is not None else None), row.ha


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
    in_db = stored_checkpoints(session)
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
        late_cps = stored_checkpoints(session, LedgerCheckpoint.seq > bound_walk)
        late_cps += [cp for cp in valid_outside if cp.seq > bound_walk]
        hashes = dict(session.execute(select(LedgerEntry.seq, LedgerEntry.entry_hash).where(
            LedgerEntry.seq.in_(sorted({cp.seq for cp in late_cps})))).all()) if late_cps else {}
        late: list[tuple[Checkpoint, str | None]] = [(cp, hashes.get(cp.seq)) for cp in late_cps]
        verifier.check_late(start, head_now, max_now, hash_at_head, late)
    if own:
        session.rollback()
    return verifier.report(others, warnings, anchored_seq)
