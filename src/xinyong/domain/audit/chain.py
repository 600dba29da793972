"""The chain: entries as stored, the head, a new entry made, a stored entry's malformed field.

Entry ``n`` holds ``seq = n`` (1, 2, 3 … with no gaps), the instant, the actor's label, the action
(``subject.registered``), the entity and its id, small *facts* (ids and hashes, never personal
content, see ``facts.check_facts``), ``prev_hash`` (the ``entry_hash`` of entry ``n - 1``; 64 zeros
for entry 1) and ``entry_hash`` (``canonical.compute_hash``). No I/O and no ORM: the same values
are verified whether they come from a live database (``services.audit`` streams rows into them) or
a test's list.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from xinyong.domain.audit.canonical import LedgerError, compute_hash, encode_time
from xinyong.domain.audit.facts import encode_facts

__all__ = ["GENESIS_HASH", "Entry", "Head", "entry_defect", "entry_hash", "make_chain", "make_entry",
           "validate_event"]

GENESIS_HASH = "0" * 64

ACTION_RE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+\Z")
ENTITY_RE = re.compile(r"[a-z][a-z0-9_]*\Z")
MAX_ACTION = 100
MAX_ENTITY = 64
MAX_ENTITY_ID = 128
MAX_ACTOR = 200


@dataclass(frozen=True, slots=True)
class Entry:
    """One ledger entry as stored. ``facts`` is the stored canonical JSON text."""

    seq: int
    at: datetime | str
    actor: str
    action: str
    entity: str
    entity_id: str | None
    facts: str
    prev_hash: str
    entry_hash: str

    def recomputed_hash(self, seq: int | None = None) -> str:
        """The hash the fields give; ``""`` (never a match) when a stored value has the wrong type."""
        try:
            return compute_hash(seq=self.seq if seq is None else seq, at=self.at, actor=self.actor,
                                action=self.action, entity=self.entity, entity_id=self.entity_id,
                                facts=self.facts, prev_hash=self.prev_hash)
        except (TypeError, ValueError, AttributeError, LedgerError):
            return ""

    def intact(self) -> bool:
        return self.recomputed_hash() == self.entry_hash

    def facts_dict(self) -> dict[str, Any]:
        return json.loads(self.facts)

    def replace(self, **changes: Any) -> Entry:
        return replace(self, **changes)

    def after(self, head: Head) -> Entry:
        """The same event, numbered and linked as the successor of ``head``."""
        seq = head.seq + 1
        digest = compute_hash(seq=seq, at=self.at, actor=self.actor, action=self.action, entity=self.entity,
                              entity_id=self.entity_id, facts=self.facts, prev_hash=head.entry_hash)
        return replace(self, seq=seq, prev_hash=head.entry_hash, entry_hash=digest)


def entry_hash(entry: Entry) -> str:
    return entry.recomputed_hash()


@dataclass(frozen=True, slots=True)
class Head:
    """The last entry's seq and hash (seq 0 and the genesis hash for an empty ledger)."""

    seq: int
    entry_hash: str

    @classmethod
    def genesis(cls) -> Head:
        return cls(0, GENESIS_HASH)


def validate_event(actor: str, action: str, entity: str, entity_id: str | None) -> None:
    if not actor or len(actor) > MAX_ACTOR:
        raise LedgerError("操作者标签不能为空且不超过 200 字符", "actor label must be 1-200 characters")
    if len(action) > MAX_ACTION or not ACTION_RE.match(action):
        raise LedgerError(f"事件名称格式错误：{action!r}（应如 subject.registered）",
                          f"bad action {action!r}: expected dotted lower-case words like subject.registered")
    if len(entity) > MAX_ENTITY or not ENTITY_RE.match(entity):
        raise LedgerError(f"实体名称格式错误：{entity!r}",
                          f"bad entity {entity!r}: expected a lower-case word")
    if entity_id is not None and (not entity_id or len(entity_id) > MAX_ENTITY_ID):
        raise LedgerError("实体编号不能为空且不超过 128 字符", "entity id must be 1-128 characters")


_HASH_RE = re.compile(r"[0-9a-f]{64}\Z")
_TEXT_FIELDS = (("actor", MAX_ACTOR), ("action", MAX_ACTION), ("entity", MAX_ENTITY))


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def entry_defect(entry: Entry, *, deep: bool = True) -> tuple[str, str, str] | None:
    """The first field of a stored entry whose value is not well formed, as ``(field, reason_en,
    reason_zh)``, or ``None``. Without ``deep`` only the types are checked (cheap enough for every
    entry of a walk); ``deep`` also checks the formats (the hashes, the action, the facts' JSON)."""
    def bad(field: str, en: str, zh: str) -> tuple[str, str, str]:
        shown = _shown(getattr(entry, field))
        return field, f"{field} {en} (stored value {shown})", f"{field} {zh}（存储值 {shown}）"

    if entry.at is None:
        return bad("at", "is empty", "为空")
    if not isinstance(entry.at, datetime):
        return bad("at", "is not a valid time", "不是有效的时间")
    for name, _limit in _TEXT_FIELDS:
        value = getattr(entry, name)
        if not isinstance(value, str) or not value:
            return bad(name, "is not a non-empty text", "不是非空文本")
    if entry.entity_id is not None and not isinstance(entry.entity_id, str):
        return bad("entity_id", "is not a text", "不是文本")
    if not isinstance(entry.facts, str):
        return bad("facts", "is not a JSON text", "不是 JSON 文本")
    for name in ("prev_hash", "entry_hash"):
        value = getattr(entry, name)
        if not isinstance(value, str) or len(value) != 64:
            return bad(name, "is not a 64-digit hash", "不是 64 位哈希值")
    if not deep:
        return None
    for name in ("prev_hash", "entry_hash"):
        if not _HASH_RE.match(getattr(entry, name)):
            return bad(name, "is not a 64-digit hash", "不是 64 位哈希值")
    for name, limit in _TEXT_FIELDS:
        if len(getattr(entry, name)) > limit:
            return bad(name, f"is longer than {limit} characters", f"超过 {limit} 个字符")
    if not ACTION_RE.match(entry.action):
        return bad("action", "is not a dotted event name", "不是事件名称格式")
    if not ENTITY_RE.match(entry.entity):
        return bad("entity", "is not a lower-case word", "不是小写单词")
    try:
        facts = json.loads(entry.facts)
    except ValueError:
        return bad("facts", "is not JSON", "不是 JSON")
    if not isinstance(facts, dict):
        return bad("facts", "is not a JSON object", "不是 JSON 对象")
    return None


def make_entry(head: Head, *, at: datetime, actor: str, action: str, entity: str, entity_id: str | None,
               facts: Mapping[str, Any] | None) -> Entry:
    """The entry that follows ``head``: facts checked and encoded, hash computed."""
    validate_event(actor, action, entity, entity_id)
    text = encode_facts(facts)
    encode_time(at)  # refuses naive times
    at = at.astimezone(UTC)
    seq = head.seq + 1
    digest = compute_hash(seq=seq, at=at, actor=actor, action=action, entity=entity, entity_id=entity_id,
                          facts=text, prev_hash=head.entry_hash)
    return Entry(seq, at, actor, action, entity, entity_id, text, head.entry_hash, digest)


def make_chain(events: Iterable[Mapping[str, Any]]) -> list[Entry]:
    """Build a chain from event dicts (keys: at, actor, action, entity, entity_id, facts)."""
    chain: list[Entry] = []
    head = Head.genesis()
    for event in events:
        entry = make_entry(head, **event)
        chain.append(entry)
        head = Head(entry.seq, entry.entry_hash)
    return chain
