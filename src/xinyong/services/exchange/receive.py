"""Receiving a peer's changes (pulled from it, pushed by it, or a file it exported): a downstream platform's
double-publicity layouts, or an upstream platform's shared lists (``channels``).

Every change is checked first (``domain.exchange.parse_changes``; each standard row against the standard's
own checks, ``domain.aggregation.standard_rows.prepare``, with the publicity tiers in force here): a bad
change refuses the whole exchange, naming the change (position and seq), the field and the reason in
Chinese and English, before anything is stored. A shared list is received only where the catalog in force
has its item. Then, all or nothing, in one transaction:

- the upserts go through the normal import as one batch of the providing unit that stands for the peer
  (``services.aggregation.batches.submit_rows(whole=True)``), under the key the change names and with the
  idempotency key ``exchange:<peer>:<layout>:<since>-<next>``: the same range received again is a replay of
  the first batch, not a duplicate; a correction (other content under a known key) becomes a new version
  with the reason ``exchange <peer> seq <n>``. A row this platform's catalog validator refuses (its catalog
  differs from the sender's) refuses the exchange whole: nothing is stored, the key is not used up, the
  cursor stays, and the same range is accepted once the cause is fixed;
- the withdrawals, the cursor and the ledger entry, in the batch's own transaction (``after``): the copy
  leaves service at once and its content is erased through the record writer (``revoke_record``,
  ``erase_record_content``: the ledger keeps the event and the digest), one ``exchange.withdrawn`` entry
  each; a key this platform never received is counted as ``missing`` (nothing to withdraw).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xinyong.domain.aggregation.standard_rows import prepare
from xinyong.domain.exchange.changes import Change, parse_changes, parse_cursor
from xinyong.domain.platform.refusal import CONFLICT, Refusal
from xinyong.services.aggregation import batches
from xinyong.services.aggregation.writer import erase_record_content, revoke_record
from xinyong.services.catalog import item_in_force
from xinyong.services.disclosure.references import resolve_record
from xinyong.services.exchange import peers
from xinyong.services.exchange.channels import Channel, channel_named, channels
from xinyong.services.platform.bootstrap import Platform, UnitOfWork
from xinyong.services.rulebook.publicity import publicity_check

RECEIVED = "received"


@dataclass
class Received:
    peer: str
    layout: str
    since: int
    next: int
    upserts: int = 0
    withdrawn: int = 0
    missing: int = 0
    batch: dict[str, Any] | None = None
    replayed: bool = False
    errors: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"peer": self.peer, "layout": self.layout, "since": self.since, "next": self.next,
                "upserts": self.upserts, "withdrawn": self.withdrawn, "missing": self.missing,
                "batch": self.batch, "replayed": self.replayed}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def _refused_change(changes: list[Change], upserts: list[Change], first: dict[str, Any], rejected: int,
                    batch: Any = None) -> Refusal:
    number = int(first.get("row") or 1)
    change = upserts[number - 1] if 0 < number <= len(upserts) else upserts[0]
    index = changes.index(change)
    where = f"（批次 {batch}，共 {rejected} 行被拒）" if batch else f"（共 {rejected} 项被拒，未保存任何内容）"
    where_en = (f" (batch {batch}, {rejected} rows refused)" if batch
                else f" ({rejected} refused; nothing was stored)")
    return Refusal(f"changes[{index}].row.{first.get('field')}", str(first.get("code") or "row_rejected"),
                   f"第 {index + 1} 项变更（seq {change.seq}）被拒收：{first.get('message_zh', '')}{where}",
                   f"change {index + 1} (seq {change.seq}) refused: {first.get('message_en', '')}{where_en}",
                   batch=batch)


def _rows(platform: Platform, peer: str, changes: list[Change], route: Channel) -> list[dict[str, Any]]:
    today = platform.clock.today()
    rows: list[dict[str, Any]] = []
    publicity = publicity_check(platform)      # 公示截止期 against the tiers in force here
    for index, change in enumerate(changes):
        if change.op != "upsert":
            continue
        if change.form == "standard" and route.layout is not None:
            out, errors = prepare(route.layout, index + 1, change.row or {}, received_on=today, publicity=publicity)
            if errors:
                first = errors[0]
                raise Refusal(f"changes[{index}].row.{first.field}", first.code,
                              f"第 {index + 1} 项变更（seq {change.seq}）：{first.message_zh}",
                              f"change {index + 1} (seq {change.seq}): {first.message_en}",
                              index=index, seq=change.seq, problems=[e.to_dict() for e in errors])
            row = {k: _plain(v) for k, v in out.items()}
        elif change.form == "standard":
            raise Refusal(f"changes[{index}].form", "form_unknown",
                          f"第 {index + 1} 项变更（seq {change.seq}）：名单条目须以目录字段（form catalog）交换",
                          f"change {index + 1} (seq {change.seq}): a list's entries travel in the catalog's "
                          f"fields (form catalog)")
        else:
            row = {**(change.row or {}), "item": route.item}
        row["record_key"] = change.key
        row["correction_reason"] = f"exchange {peer} seq {change.seq}"
        rows.append(row)
    return rows


def _check_item(platform: Platform, route: Channel) -> None:
    """A shared list is received only where the catalog in force has the item of its entries."""
    if route.shared is None:
        return
    with platform.sessions() as session:
        try:
            item_in_force(session, platform.jurisdiction, route.item, platform.clock.today())
        except Refusal:
            raise Refusal("layout", "list_item_not_in_catalog",
                          f"本平台现行目录中没有“{route.title_zh}”的信息事项 {route.item}，不能接收该名单"
                          f"（请先将该事项列入目录）",
                          f"the catalog in force here has no item {route.item} for the {route.title_en}: "
                          f"add it to the catalog before receiving the list", status=CONFLICT) from None


def _withdraw(uow: UnitOfWork, peer: peers.PeerView, route: Channel, changes: list[Change],
              result: Received) -> None:
    for change in changes:
        if change.op != "withdraw":
            continue
        try:
            ref = resolve_record(uow.session, f"{peer.unit}/{change.key}")
        except Refusal as unknown:
            if unknown.reason != "record_unknown":
                raise
            result.missing += 1
            continue
        if ref.status == "active":
            revoke_record(uow, ref.id)
            erase_record_content(uow, ref.id)
        result.withdrawn += 1
        uow.record("exchange.withdrawn", "record", ref.id, {"peer": peer.name, "layout": route.name,
                                                             "seq": change.seq, "reason": change.reason})


def receive(platform: Platform, peer_name: str, layout_name: str, since: Any, upto: Any,
            raw_changes: Any) -> Received:
    """Apply a peer's changes in ``(since, upto]`` (see the module docstring): a downstream peer's
    double-publicity layouts, or an upstream peer's shared lists."""
    route = channel_named(layout_name)
    start, end = parse_cursor(since, "since"), parse_cursor(upto, "next")
    if end < start:
        raise Refusal("next", "cursor_order", "next 不能小于 since", "next cannot be before since")
    with platform.sessions() as session:
        peer = peers.get_peer(session, peer_name, relation=route.sender)
        reached = peers.cursor(session, peer.id, route.name, RECEIVED)
    result = Received(peer.name, route.name, start, end)
    if start > reached:
        raise Refusal("since", "cursor_gap", f"本平台从“{peer.name}”收到的变更止于 {reached}，不能从 {start} 接续",
                      f"this platform has {peer.name}'s changes up to {reached} and cannot continue from {start}",
                      status=CONFLICT, reached=reached)
    changes = parse_changes(raw_changes, channels(), since=start, upto=end)
    if any(c.layout != route.name for c in changes):
        index = next(i for i, c in enumerate(changes) if c.layout != route.name)
        raise Refusal(f"changes[{index}].layout", "layout_mixed", f"第 {index + 1} 项变更不属于格式 {route.name}",
                      f"change {index + 1} is not of layout {route.name}")
    if end <= reached and not changes:
        result.replayed = True
        return result
    _check_item(platform, route)
    if peer.unit is None:         # an upstream peer registered before it sent lists: its unit now
        with platform.unit_of_work(peer.actor) as uow:
            peer = peers.ensure_unit(uow, peer.name)
    rows = _rows(platform, peer.name, changes, route)
    upserts = [c for c in changes if c.op == "upsert"]

    def finish(uow: UnitOfWork, batch: Any = None) -> None:
        """The withdrawals, the cursor and the ledger entry: in the batch's transaction when there is one."""
        result.withdrawn = result.missing = 0      # a transaction retried after a deadlock counts afresh
        _withdraw(uow, peer, route, changes, result)
        if end > reached:
            peers.set_cursor(uow, peer.id, route.name, RECEIVED, end)
        uow.record("exchange.received", "exchange_peer", peer.id, {
            "peer": peer.name, "layout": route.name, "since": start, "next": end, "upserts": len(upserts),
            "withdrawn": result.withdrawn, "missing": result.missing,
            "batch": batch.batch if batch is not None else None})

    if rows:
        try:
            summary = batches.submit_rows(platform, peer.actor_as_unit, peer.unit or "", rows,
                                          key=f"exchange:{peer.name}:{route.name}:{start}-{end}", whole=True,
                                          after=lambda uow, batch: finish(uow, batch))
        except batches.WholeBatchRefused as refused:
            first = refused.summary.errors[0] if refused.summary.errors else {}
            raise _refused_change(changes, upserts, first, refused.summary.rejected) from None
        result.batch, result.replayed = summary.to_dict(), summary.replayed
        result.upserts = summary.accepted
        if summary.rejected:      # a batch stored before exchanges were all or nothing, replayed
            first = summary.errors[0] if summary.errors else {}
            raise _refused_change(changes, upserts, first, summary.rejected, summary.batch)
        if summary.replayed:      # its withdrawals and cursor were stored with it
            with platform.sessions() as session:
                if peers.cursor(session, peer.id, route.name, RECEIVED) < end:
                    with platform.unit_of_work(peer.actor_as_unit) as uow:
                        finish(uow, summary)
        return result
    with platform.unit_of_work(peer.actor_as_unit) as uow:
        finish(uow)
    return result


__all__ = ["RECEIVED", "Received", "receive"]
