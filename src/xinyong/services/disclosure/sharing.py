"""The exchange's read: what this platform forwards to another platform, through the one read path.

The upstream platform (the provincial or national credit platform) receives credit information by the
forwarding duty of the regulation in force, as government sharing: not lawful disclosure to the public,
not an inquiry at a point of service. ``share`` reads the changed records (``statements.shared_records``),
decides per record what the upstream platform receives (``domain.exchange.forwarding``: the catalog item's
sharing category, the record's status, a subject's withheld positive information) and logs the read
before anything is answered: one inquiry-log row per subject read (mode ``duty``, purpose
``platform_exchange``, channel ``export``, the peer as the asking organisation), so a subject sees in its
own log that its record went to the upstream platform, and why; and one ledger entry for the page
(``exchange.shared``: counts and the digest of the record ids, never content).

Personal data: a natural person's identity number and name travel unmasked, because the standard carries
them and the receiver is a government credit platform receiving by duty, to which government sharing of
natural persons' information is lawful (the same platform shows them to no member of the public); the
receiver's own access policy masks them for everyone it serves. Anything else the upstream platform is not
to see never leaves: items shared with no one are not read out at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from xinyong.domain.exchange.changes import forwarding
from xinyong.services.disclosure.statements import batch_record_ids, plain_rows, shared_records
from xinyong.services.disclosure.writer import records_digest
from xinyong.services.platform.bootstrap import UnitOfWork
from xinyong.store.models.access import InquiryLog

EXCHANGE_PURPOSE = "platform_exchange"
PAGE = 500


@dataclass(frozen=True)
class SharedRecord:
    """One record as the upstream platform receives it: ``op`` ``upsert`` with the current content, or
    ``withdraw`` with its reason (no content)."""

    record_id: int
    subject_id: int
    unit_code: str
    item_code: str
    record_key: str
    op: str
    reason: str | None
    subject_kind: str
    subject_name: str | None
    identifier_kind: str | None
    identifier: str | None
    payload: dict[str, Any] | None


def records_of_batches(uow: UnitOfWork, batch_ids: Iterable[int]) -> list[int]:
    """The records the given batches wrote versions of (their ids only: no content is read)."""
    connection = uow.session.connection()
    out: list[int] = []
    for batch_id in batch_ids:
        out.extend(connection.execute(batch_record_ids(), {"batch": batch_id}).scalars())
    return out


def share(uow: UnitOfWork, record_ids: Sequence[int], *, items: Iterable[str] | None = None,
          channel: str = "export") -> list[SharedRecord]:
    """The records ``record_ids`` as the upstream platform (``uow.actor``) receives them, in id order,
    limited to catalog ``items``; every subject read is logged and the page ledgered in ``uow``'s
    transaction."""
    wanted = sorted(set(record_ids))
    allowed = set(items) if items is not None else None
    connection = uow.session.connection()
    out: list[SharedRecord] = []
    for start in range(0, len(wanted), PAGE):
        rows = plain_rows(connection.execute(shared_records(), {"ids": wanted[start:start + PAGE]}))
        for row in rows:
            if allowed is not None and row.item_code not in allowed:
                continue
            decided = forwarding(sharing_category=row.sharing_category, status=row.status,
                                 withheld=bool(row.withheld))
            if decided is None:
                continue
            op, reason = decided
            payload = dict(row.payload or {}) if op == "upsert" else None
            out.append(SharedRecord(row.id, row.subject_id, row.unit_code, row.item_code, row.record_key, op, reason,
                                    row.subject_kind, row.subject_name, row.identifier_kind, row.identifier,
                                    payload))
    _log(uow, out, channel)
    return out


def _log(uow: UnitOfWork, shared: list[SharedRecord], channel: str) -> None:
    actor, clock = uow.actor, uow.platform.clock
    by_subject: dict[int, list[int]] = {}
    for record in shared:
        if record.op == "upsert":
            by_subject.setdefault(record.subject_id, []).append(record.record_id)
    now, today = clock.now(), clock.today()
    rows = [InquiryLog(at=now, inquired_on=today, principal=actor.principal, organisation=actor.organisation,
                       role=actor.role.value, channel=channel, mode="duty", purpose=EXCHANGE_PURPOSE,
                       subject_id=subject_id, returned_record_ids=returned, denied_records=[], cite=None)
            for subject_id, returned in by_subject.items()]
    if rows:
        uow.session.add_all(rows)
        uow.session.flush()
    uow.record("exchange.shared", "inquiry", rows[0].id if rows else None, {
        "purpose": EXCHANGE_PURPOSE, "channel": channel, "subjects": len(rows),
        "upserts": sum(1 for r in shared if r.op == "upsert"),
        "withdrawals": sum(1 for r in shared if r.op == "withdraw"),
        "records_sha256": records_digest(r.record_id for r in shared)})


__all__ = ["EXCHANGE_PURPOSE", "SharedRecord", "records_of_batches", "share"]
