"""The change feed: what changed in forwardable records since a cursor, as the upstream platform receives it.

The cursor is this platform's audit-ledger sequence number. Every change to a credit record is ledgered
in the transaction that makes it, and entries commit in sequence order under the ledger head's lock, so
"the entries after N up to the head" is exactly what committed since N, with no gap a concurrent writer
could open (an id or a timestamp would have one). The feed reads the entries that name changed records:
``batch.received`` (the records a batch wrote a version of: new records and corrections), a correction
from an objection (``record.corrected`` of a record), and a record leaving service (``record.revoked``,
``record.restored``, ``record.service_stopped``, ``record.erased``); nothing is written at ingestion for
the feed's sake.

A change is the record's state now (``domain.exchange.changes``): an upsert with its current version
written in the standard (``Layout.from_record``, the element codes as keys) or a withdrawal, once per
record per page, in the order the records last changed. The records are read through the one read path
(``services.disclosure.sharing``: logged as the upstream platform's read by duty). ``next`` is the cursor to
ask from next time: the head read (or, when a page is full, the last entry read: ``more``).

A record's key is the one the standard derives from the row (``<文书号>#<主体>``), which a receiving
Xinyong derives too when it imports the same row from a file; the key a record was first forwarded under
is kept (``exchange_keys``) so that its withdrawal names the same key after its content was erased here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from xinyong.domain.aggregation.layouts import CellProblem, Layout
from xinyong.domain.exchange.changes import Change, parse_cursor
from xinyong.domain.identity.actors import Actor
from xinyong.domain.platform.refusal import CONFLICT, Refusal
from xinyong.services.aggregation.layouts import standard_layouts
from xinyong.services.audit import ledger
from xinyong.services.disclosure import sharing
from xinyong.services.exchange.channels import Channel, channel_named
from xinyong.services.platform.bootstrap import Platform, UnitOfWork
from xinyong.store.models.exchange import ExchangeKey

ACTIONS = ("batch.received", "record.corrected", "record.revoked", "record.restored", "record.service_stopped",
           "record.erased")
ENTRIES_PER_PAGE = 200
MAX_KEY = 128


@dataclass
class Page:
    """One page of the feed: the changes in ``(since, next]`` of one layout."""

    platform: str
    layout: str
    since: int
    next: int
    more: bool
    changes: list[Change] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"platform": self.platform, "layout": self.layout, "since": self.since, "next": self.next,
                "more": self.more, "changes": [c.to_dict() for c in self.changes]}

    def counts(self) -> dict[str, int]:
        return {"upserts": sum(1 for c in self.changes if c.op == "upsert"),
                "withdrawals": sum(1 for c in self.changes if c.op == "withdraw")}


def layout_named(name: str) -> Layout:
    found = standard_layouts().get((name or "").strip())
    if found is None:
        known = ", ".join(sorted(standard_layouts()))
        raise Refusal("layout", "layout_unknown", f"未知的数据标准格式“{str(name)[:40]}”（可选：{known}）",
                      f"unknown layout '{str(name)[:40]}' (one of: {known})")
    return found


def changes_since(platform: Platform, actor: Actor, layout_name: str, since: Any, *,
                  entries: int = ENTRIES_PER_PAGE, channel: str = "export") -> Page:
    """The page of changes of ``layout_name`` (a double-publicity layout, or a shared list: ``channels``)
    after cursor ``since``, read as ``actor`` (the peer that reads it, or the operator exporting for it):
    logged, ledgered, committed before it is returned."""
    route = channel_named(layout_name)
    start = parse_cursor(since)
    entries = max(1, min(int(entries), 1000))
    with platform.unit_of_work(actor) as uow:
        head = ledger.head(uow.session).seq
        if start > head:
            raise Refusal("since", "cursor_ahead", f"游标 {start} 超过本平台的最新位置 {head}（是否来自另一平台？）",
                          f"cursor {start} is past this platform's latest position {head} (from another platform?)",
                          status=CONFLICT)
        found = ledger.entries_after(uow.session, start, head, ACTIONS, entries)
        more = len(found) == entries
        upto = found[-1].seq if more else head
        last_seq = _changed_records(uow, found)
        shared = sharing.share(uow, list(last_seq), items={route.item}, channel=channel)
        keys = _known_keys(uow, [r.record_id for r in shared])
        changes = [_change(uow, route, record, last_seq[record.record_id], keys) for record in shared]
        changes.sort(key=lambda c: c.seq)
        uow.record("exchange.page", "exchange", route.name, {"since": start, "next": upto, "more": more,
                                                             "upserts": sum(c.op == "upsert" for c in changes),
                                                             "withdrawals": sum(c.op == "withdraw" for c in changes)})
    return Page(platform.jurisdiction, route.name, start, upto, more, changes)


def _changed_records(uow: UnitOfWork, found: list[Any]) -> dict[int, int]:
    """Record id -> the seq of its last change on the page."""
    last: dict[int, int] = {}
    for entry in found:
        if entry.entity == "submission_batch" and entry.action == "batch.received":
            if not entry.facts_dict().get("accepted"):
                continue
            for record_id in sharing.records_of_batches(uow, [int(entry.entity_id)]):
                last[record_id] = entry.seq
        elif entry.entity == "record" and entry.entity_id is not None:
            last[int(entry.entity_id)] = entry.seq
    return last


def _known_keys(uow: UnitOfWork, record_ids: list[int]) -> dict[int, str]:
    if not record_ids:
        return {}
    rows = uow.session.execute(select(ExchangeKey.record_id, ExchangeKey.key)
                               .where(ExchangeKey.record_id.in_(record_ids)))
    return {r.record_id: r.key for r in rows}


def _derived_key(layout: Layout, row: dict[str, str], record: sharing.SharedRecord) -> str:
    try:
        key = layout.to_row(row).get("record_key")
    except CellProblem:
        key = None
    if isinstance(key, str) and 0 < len(key) <= MAX_KEY:
        return key
    return f"{record.unit_code}/{record.record_key}"[:MAX_KEY]


def _change(uow: UnitOfWork, route: Channel, record: sharing.SharedRecord, seq: int, keys: dict[int, str]) -> Change:
    if record.op == "withdraw":
        key = keys.get(record.record_id) or record.record_key
        return Change(seq, "withdraw", route.name, key[:MAX_KEY], None, "standard", record.reason, route.item)
    if route.layout is not None:        # upward, in the standard's element codes
        row = route.layout.from_record(record.payload or {}, identifier=record.identifier or "",
                                       subject_kind=record.subject_kind, subject_name=record.subject_name or "",
                                       identifier_kind=record.identifier_kind, codes=True)
        form = "standard"
    else:                               # a shared list, downward, in the catalog item's own fields
        row = {"identifier": record.identifier or "", "subject_name": record.subject_name or "",
               **(record.payload or {})}
        form = "catalog"
    key = keys.get(record.record_id)
    if key is None:
        key = (_derived_key(route.layout, row, record) if route.layout is not None
               else f"{record.unit_code}/{record.record_key}"[:MAX_KEY])
        uow.session.add(ExchangeKey(record_id=record.record_id, layout=route.name, key=key,
                                    first_sent_at=uow.platform.clock.now()))
        keys[record.record_id] = key
    return Change(seq, "upsert", route.name, key, row, form, None, route.item)


__all__ = ["ACTIONS", "Page", "changes_since", "layout_named"]
