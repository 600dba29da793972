"""A batch's accepted versions in the audit ledger, and their check.

Accepted records are ledgered per chunk, not per row: one ``record.accepted`` entry per chunk holds the
count, the range of input rows it covers and a Merkle root (``merkle_root``) over the chunk's
(record id, version, content digest) leaves in row order (``chunk_facts``, computed by the record
writer), and one ``record.corrected`` entry the same for the chunk's corrections. The per-record digests
stay in ``record_versions``; ``batch_integrity`` recomputes every root from them and compares it with the
ledger, so a changed, added or removed version is detected as surely as with one entry per record, with
one append per chunk of ``writer.CHUNK_ROWS`` rows instead of one per row.

``batch_integrity`` reads ``record_versions`` (ids, versions and digests of one batch, never a payload):
the one read of the records' tables outside ``services.disclosure.statements`` besides the writer's own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from xinyong.store.models.records import RecordVersion

_VERSIONS: Table = RecordVersion.__table__  # type: ignore[assignment]


def merkle_leaf(record_id: int, version: int, digest: str) -> bytes:
    return hashlib.sha256(b"\x00" + f"{record_id}:{version}:{digest}".encode()).digest()


def merkle_root(leaves: Iterable[bytes]) -> str:
    """RFC 6962-style root (leaves prefixed 0x00, nodes 0x01; an odd node is carried up)."""
    level = list(leaves)
    if not level:
        return hashlib.sha256(b"").hexdigest()
    while len(level) > 1:
        paired = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest()
                  for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0].hex()



def chunk_facts(batch_id: int, chunk: int, leaves: list[tuple[int, int, int, str]]) -> dict[str, Any]:
    """Ledger facts of a chunk's versions: (source row, record id, version, digest), in row order.

    A chunk holds consecutive rows of the input, so its row range names its versions in the batch.
    """
    return {"batch": batch_id, "chunk": chunk, "records": len(leaves), "first_row": leaves[0][0],
            "last_row": leaves[-1][0],
            "merkle_root": merkle_root(merkle_leaf(rid, version, digest)
                                       for _, rid, version, digest in leaves)}


def batch_integrity(session: Session, batch_id: int) -> list[str]:
    """Recompute every chunk's Merkle root from ``record_versions`` and compare with the ledger.

    Returns the problems found (empty when the batch's accepted versions are exactly what was ledgered).
    """
    from xinyong.services.audit import ledger
    problems: list[str] = []
    entries = [e for e in ledger.entries(session, entity="submission_batch", entity_id=batch_id)
               if e.action in ("record.accepted", "record.corrected")]
    covered = 0
    for entry in entries:
        facts = entry.facts_dict()
        rows = session.execute(
            select(_VERSIONS.c.record_id, _VERSIONS.c.version, _VERSIONS.c.content_sha256)
            .where(_VERSIONS.c.batch_id == batch_id,
                   _VERSIONS.c.source_row.between(facts["first_row"], facts["last_row"]))
            .order_by(_VERSIONS.c.source_row)
        ).all()
        if entry.action == "record.corrected":
            rows = [r for r in rows if r.version > 1]
        else:
            covered += len(rows)
        root = merkle_root(merkle_leaf(r.record_id, r.version, r.content_sha256) for r in rows)
        if len(rows) != facts["records"] or root != facts["merkle_root"]:
            problems.append(f"{entry.action} chunk {facts['chunk']} of batch {batch_id}: the stored versions "
                            "do not match the ledgered root")
    total = session.scalar(select(func.count()).select_from(_VERSIONS)
                           .where(_VERSIONS.c.batch_id == batch_id)) or 0
    if total != covered:
        problems.append(f"batch {batch_id} has {total} versions but the ledger covers {covered}")
    return problems
