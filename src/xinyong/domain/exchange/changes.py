"""A change exchanged between platforms, and the checks a receiving platform makes before applying any.

A change is what happened to one forwardable record since a cursor, as its state now stands:

- ``upsert``: the record in service, its current version as the standard row (``row``): by the standard's
  element codes (``form: standard``, ``CF_WSH`` …) or, where a layout has no outgoing mapping yet, by the
  catalog item's field names with the envelope (``form: catalog``). A correction is an upsert of the same
  ``key`` with other content: the receiver stores it as a new version.
- ``withdraw``: the record left service on the sending platform (revoked, restored, past its period,
  erased, withheld by its subject, or no longer shared): the receiver takes its copy out of service at
  once and erases its content. The top complaint about credit restoration is that repaired records live
  on elsewhere: a withdrawal travels exactly like an upsert.

``key`` identifies the record on both platforms (the sender's providing unit and its record key), so a
correction or a withdrawal finds the copy an earlier upsert made. ``seq`` is the sender's cursor (its
audit-ledger sequence number) at which the change was seen.

What is forwarded upward (``forwarding``): records of catalog items whose sharing category
(``sharing_category``, the government data-sharing class of the catalog) is ``unconditional`` or
``conditional``: the upstream platform is a government credit platform receiving by the forwarding duty of
the regulation in force, which is the condition conditional sharing asks. Items shared with no one
(``none``) never leave the platform.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from xinyong.domain.platform.refusal import Refusal

OPS = ("upsert", "withdraw")
FORMS = ("standard", "catalog")
WITHDRAW_REASONS = ("revoked", "restored", "expired", "erased", "withheld", "not_shared")
FORWARDED_SHARING = frozenset({"unconditional", "conditional"})
MAX_CHANGES = 5000
MAX_KEY = 128
_LAYOUT = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_CURSOR = re.compile(r"^[0-9]{1,18}$")

_STATUS_REASON = {"revoked": "revoked", "restored": "restored", "expired": "expired"}


@dataclass(frozen=True)
class Change:
    seq: int
    op: str
    layout: str
    key: str
    row: dict[str, Any] | None = None
    form: str = "standard"
    reason: str | None = None
    item: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"seq": self.seq, "op": self.op, "layout": self.layout, "key": self.key}
        if self.item:
            out["item"] = self.item
        if self.op == "upsert":
            out["form"] = self.form
            out["row"] = self.row
        else:
            out["reason"] = self.reason
        return out


def forwarding(*, sharing_category: str | None, status: str, withheld: bool) -> tuple[str, str | None] | None:
    """What the upstream platform receives of a record: ``("upsert", None)``, ``("withdraw", reason)``, or
    None when the item is never forwarded (shared with no one)."""
    if (sharing_category or "") not in FORWARDED_SHARING:
        return None
    if status != "active":
        return ("withdraw", _STATUS_REASON.get(status, "erased"))
    if withheld:
        return ("withdraw", "withheld")
    return ("upsert", None)


def parse_cursor(value: Any, field_name: str = "since") -> int:
    """A cursor as given (``0`` for the beginning); refused, naming the field, when it is not one."""
    text = str(value if value is not None else "0").strip() or "0"
    if not _CURSOR.match(text):
        raise Refusal(field_name, "cursor_invalid", f"游标须为非负整数（上次交换返回的 next），收到“{text[:40]}”",
                      f"a cursor is a non-negative integer (the 'next' of the last exchange), got '{text[:40]}'")
    return int(text)


def _bad(index: int, seq: Any, what: str, reason: str, zh: str, en: str) -> Refusal:
    where = f"changes[{index}]" + (f".{what}" if what else "")
    return Refusal(where, reason, f"第 {index + 1} 项变更（seq {seq}）：{zh}",
                   f"change {index + 1} (seq {seq}): {en}", index=index, seq=seq)


def parse_changes(items: Any, layouts: Iterable[str], *, since: int, upto: int) -> list[Change]:
    """Every change of a received exchange, checked before any is applied: a bad one refuses the whole
    exchange, naming the change (its position and seq), the field and the reason."""
    known = set(layouts)
    if not isinstance(items, list):
        raise Refusal("changes", "changes_invalid", "changes 须为数组", "changes must be an array")
    if len(items) > MAX_CHANGES:
        raise Refusal("changes", "too_many_changes", f"一次交换至多 {MAX_CHANGES} 项变更",
                      f"at most {MAX_CHANGES} changes per exchange")
    out: list[Change] = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise _bad(index, None, "", "change_invalid", "每项变更须为 JSON 对象", "each change must be a JSON object")
        seq = item.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or not since < seq <= upto:
            raise _bad(index, seq, "seq", "seq_out_of_range", f"seq 须在游标区间 ({since}, {upto}] 内",
                       f"seq must lie in the cursor range ({since}, {upto}]")
        op = item.get("op")
        if op not in OPS:
            raise _bad(index, seq, "op", "op_unknown", "op 须为 upsert 或 withdraw", "op must be upsert or withdraw")
        layout = item.get("layout")
        if not isinstance(layout, str) or not _LAYOUT.match(layout) or layout not in known:
            raise _bad(index, seq, "layout", "layout_unknown", f"未知的数据标准格式“{str(layout)[:40]}”",
                       f"unknown layout '{str(layout)[:40]}'")
        key = item.get("key")
        if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY:
            raise _bad(index, seq, "key", "key_invalid", f"key 须为 1-{MAX_KEY} 个字符",
                       f"key must be 1-{MAX_KEY} characters")
        item_code = item.get("item")
        if item_code is not None and not isinstance(item_code, str):
            raise _bad(index, seq, "item", "item_invalid", "item 须为目录事项代码", "item must be a catalog item code")
        if op == "upsert":
            row = item.get("row")
            form = item.get("form", "standard")
            if form not in FORMS:
                raise _bad(index, seq, "form", "form_unknown", "form 须为 standard 或 catalog",
                           "form must be standard or catalog")
            if not isinstance(row, Mapping) or not row:
                raise _bad(index, seq, "row", "row_missing", "upsert 须带有数据行 row",
                           "an upsert carries its row")
            out.append(Change(seq, op, layout, key.strip(), dict(row), form, None, item_code))
        else:
            reason = item.get("reason")
            if reason not in WITHDRAW_REASONS:
                raise _bad(index, seq, "reason", "reason_unknown",
                           f"撤回原因须为 {'、'.join(WITHDRAW_REASONS)} 之一",
                           f"a withdrawal's reason is one of {', '.join(WITHDRAW_REASONS)}")
            out.append(Change(seq, op, layout, key.strip(), None, "standard", reason, item_code))
    return out
