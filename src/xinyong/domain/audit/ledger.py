"""The audit ledger's pure logic: canonical encoding, hashing, chain verification, checkpoints.

No I/O and no ORM: everything here works on plain :class:`Entry` and :class:`Checkpoint` values, so
the same code verifies a live database (``services.ledger`` streams rows into it) and a test's list.

The chain
    Entry ``n`` holds ``seq = n`` (1, 2, 3 … with no gaps), the instant, the actor's label, the action
    (``subject.registered``), the entity and its id, small *facts* (ids and hashes, never personal
    content, see :func:`check_facts`), ``prev_hash`` (the ``entry_hash`` of entry ``n - 1``; 64 zeros
    for entry 1) and ``entry_hash``::

        entry_hash = SHA-256(UTF-8(canonical JSON of {seq, at, actor, action, entity, entity_id,
                                                      facts, prev_hash}))

    Canonical JSON is sorted keys, no whitespace, UTF-8 kept as is (``ensure_ascii=False``); ``at`` is
    ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC; ``facts`` enters as its stored text (itself canonical
    JSON), so any change to any stored byte of any field changes the hash.

Checkpoints
    A checkpoint signs (Ed25519) the canonical JSON of ``{seq, entry_hash, at, key_id}``; ``key_id`` is
    the first 16 hex digits of SHA-256 over the raw public key. The private key lives outside the
    database, so whoever can rewrite rows cannot re-sign: a chain that was rewritten consistently
    (every hash recomputed) still disagrees with the signed checkpoint after the rewrite.

What verification can and cannot see
    It names the first entry that was modified, removed, reordered or forged, and the field of an
    entry whose stored value is not even well formed (:func:`entry_defect`). A consistent rewrite of
    the entries *after the last checkpoint* together with the head row can only be seen against a
    checkpoint kept outside the database (an *anchor*): every checkpoint is also kept in an
    append-only anchor file and by witnesses (``services.anchors``), and :func:`check_checkpoints`
    compares the database's checkpoints with them, and expects one every ``every`` entries. The
    window no signature covers is bounded in time as well: the ledger signs at least every
    ``seconds`` seconds while entries arrive, so an entry stamped that long after the last
    checkpoint and covered by none was not appended through the ledger (or its checkpoint was
    removed). Entries appended after the last checkpoint within that window are, by construction,
    vouched for by nothing yet.

Witnesses
    :func:`admit` is the rule a witness applies before it keeps a checkpoint: it must extend what it
    holds; the same size with another head hash is an alarm (two signed, inconsistent histories).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

__all__ = [
    "GENESIS_HASH",
    "Checkpoint",
    "ChainVerifier",
    "Entry",
    "FactsRefused",
    "Head",
    "LedgerError",
    "Admission",
    "Problem",
    "ProblemKind",
    "VerifyReport",
    "admit",
    "canonical_json",
    "check_facts",
    "check_checkpoints",
    "checkpoint_payload",
    "compute_hash",
    "encode_facts",
    "encode_time",
    "entry_defect",
    "entry_hash",
    "key_id",
    "keyring",
    "make_chain",
    "make_entry",
    "sign_checkpoint",
    "signature_valid",
    "verify_chain",
]

GENESIS_HASH = "0" * 64
_str = json.encoder.encode_basestring  # type: ignore[attr-defined]  # JSON string, UTF-8 kept (C speed)
MAX_FACTS_BYTES = 4096
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

ACTION_RE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+\Z")
ENTITY_RE = re.compile(r"[a-z][a-z0-9_]*\Z")
MAX_ACTION = 100
MAX_ENTITY = 64
MAX_ENTITY_ID = 128
MAX_ACTOR = 200

# Facts keys that carry personal content by their very name. Facts hold ids and hashes: a service
# that needs to refer to a person passes the subject id or a digest of the identifier
# (``services.subjects.identifier_digest``), never the name, the number or the contact details.
PERSONAL_KEYS = frozenset({
    "name", "display_name", "full_name", "person_name", "real_name", "legal_representative_name",
    "identifier", "identifier_value", "id_number", "id_no", "id_card", "citizen_id", "identity_number",
    "passport", "passport_number", "phone", "mobile", "telephone", "tel", "email", "address",
    "home_address", "birth_date", "date_of_birth", "birthday", "password", "token",
})
_CITIZEN_ID_RE = re.compile(r"\d{17}[\dXx]\Z")
_MOBILE_RE = re.compile(r"(?:\+?86)?1[3-9]\d{9}\Z")
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}\Z")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


class LedgerError(ValueError):
    """A refused ledger write, with the reason in Chinese and English."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en


class FactsRefused(LedgerError):
    """The facts would put personal content (or something that is not small JSON) into the ledger."""

    def __init__(self, path: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{path}: {message_zh}", f"{path}: {message_en}")
        self.path = path


# --------------------------------------------------------------------------------------------------
# Canonical encoding and hashing


def canonical_json(value: Any) -> str:
    """Sorted keys, compact separators, UTF-8 characters kept, no NaN or infinity."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def encode_time(at: datetime | str) -> str:
    """An instant as the ledger hashes it: UTC, microseconds, ``Z``. A string is taken verbatim
    (so that a stored value that does not even parse still yields a hash, and a mismatch)."""
    if isinstance(at, str):
        return at
    if at.tzinfo is not UTC:
        if at.tzinfo is None or at.utcoffset() is None:
            raise LedgerError("账本时间必须带时区（UTC）", "ledger times must be aware (UTC)")
        at = at.astimezone(UTC)
    if at.year < 1000:  # isoformat and strftime agree from year 1000 on; keep the format exact anyway
        return at.strftime(TIME_FORMAT)
    return at.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _citizen_id_valid(value: str) -> bool:
    if not _CITIZEN_ID_RE.match(value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17].upper()


def _check_value(value: Any, path: str, depth: int) -> None:
    if depth > 8:
        raise FactsRefused(path, "事实嵌套过深", "facts are nested too deeply")
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FactsRefused(path, "数值必须有限", "numbers must be finite")
        return
    if isinstance(value, str):
        stripped = value.strip()
        if _citizen_id_valid(stripped):
            raise FactsRefused(path, "不得写入身份证号码，请写入其哈希值或主体编号",
                               "a citizen identity number may not enter the ledger: "
                               "pass its hash or the subject id")
        if _MOBILE_RE.match(stripped.replace(" ", "").replace("-", "")):
            raise FactsRefused(path, "不得写入手机号码", "a mobile phone number may not enter the ledger")
        if _EMAIL_RE.match(stripped):
            raise FactsRefused(path, "不得写入电子邮箱地址", "an e-mail address may not enter the ledger")
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_value(item, f"{path}[{i}]", depth + 1)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise FactsRefused(path, "事实的键必须是字符串", "facts keys must be strings")
            normal = key.strip().lower().replace("-", "_").replace(" ", "_")
            if normal in PERSONAL_KEYS:
                raise FactsRefused(f"{path}.{key}", "账本只记录事件事实和哈希，不记录个人信息",
                                   "the ledger holds event facts and hashes, never personal content")
            _check_value(item, f"{path}.{key}", depth + 1)
        return
    raise FactsRefused(path, f"不支持的类型 {type(value).__name__}",
                       f"unsupported type {type(value).__name__}: facts are plain JSON")


def check_facts(facts: Mapping[str, Any]) -> None:
    """Refuse facts that are not small plain JSON or that carry obviously personal content.

    The rule: facts hold ids, codes, counts, states and hashes. Refused are keys that name personal
    data (:data:`PERSONAL_KEYS`), string values that are a valid citizen identity number, a mobile
    number or an e-mail address, and anything over :data:`MAX_FACTS_BYTES` once encoded. The check
    is a safety net, not a licence: a service must not put names or free text in facts either.
    """
    if not isinstance(facts, Mapping):
        raise FactsRefused("facts", "事实必须是对象", "facts must be a JSON object")
    _check_value(facts, "facts", 0)


def encode_facts(facts: Mapping[str, Any] | None) -> str:
    """Check the facts and return their canonical JSON text (what is stored and hashed)."""
    facts = {} if facts is None else facts
    check_facts(facts)
    text = canonical_json(facts)
    if len(text.encode("utf-8")) > MAX_FACTS_BYTES:
        raise FactsRefused("facts", f"事实过大（上限 {MAX_FACTS_BYTES} 字节）",
                           f"facts too large (limit {MAX_FACTS_BYTES} bytes)")
    return text


def compute_hash(*, seq: int, at: datetime | str, actor: str, action: str, entity: str,
                 entity_id: str | None, facts: str, prev_hash: str) -> str:
    """SHA-256 (hex) of the canonical encoding of one entry's fields and its predecessor's hash.

    The encoding is exactly ``canonical_json({seq, at, actor, action, entity, entity_id, facts,
    prev_hash})``, assembled by hand in sorted-key order because verification runs it millions of times.
    """
    if type(seq) is not int:
        return _slow_hash(seq, at, actor, action, entity, entity_id, facts, prev_hash)
    payload = "".join((
        '{"action":', _str(action), ',"actor":', _str(actor), ',"at":', _str(encode_time(at)),
        ',"entity":', _str(entity), ',"entity_id":', "null" if entity_id is None else _str(entity_id),
        ',"facts":', _str(facts), ',"prev_hash":', _str(prev_hash), ',"seq":', str(seq), "}",
    ))
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def _slow_hash(seq: Any, at: datetime | str, actor: str, action: str, entity: str, entity_id: str | None,
               facts: str, prev_hash: str) -> str:
    payload = canonical_json({
        "seq": seq, "at": encode_time(at), "actor": actor, "action": action, "entity": entity,
        "entity_id": entity_id, "facts": facts, "prev_hash": prev_hash,
    })
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


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


# --------------------------------------------------------------------------------------------------
# Checkpoints


def key_id(public_key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """A short, stable name for a key: 16 hex digits of SHA-256 over the raw public key."""
    if isinstance(public_key, Ed25519PrivateKey):
        public_key = public_key.public_key()
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def keyring(keys: Ed25519PublicKey | Ed25519PrivateKey | Mapping[str, Ed25519PublicKey]
            | Iterable[Ed25519PublicKey | Ed25519PrivateKey] | None) -> dict[str, Ed25519PublicKey]:
    """Public keys by key id, from one key, several, or a mapping already keyed."""
    if keys is None:
        return {}
    if isinstance(keys, Mapping):
        return dict(keys)
    if isinstance(keys, Ed25519PublicKey | Ed25519PrivateKey):
        keys = [keys]
    ring: dict[str, Ed25519PublicKey] = {}
    for key in keys:
        public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
        ring[key_id(public)] = public
    return ring


def checkpoint_payload(*, seq: int, entry_hash: str, at: datetime | str, key_id: str) -> bytes:
    """The signed bytes: canonical JSON of ``{seq, entry_hash, at, key_id}``."""
    return canonical_json({"seq": seq, "entry_hash": entry_hash, "at": encode_time(at),
                           "key_id": key_id}).encode("utf-8", "surrogatepass")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    entry_hash: str
    at: datetime | str
    key_id: str
    signature: str  # hex

    def payload(self) -> bytes:
        return checkpoint_payload(seq=self.seq, entry_hash=self.entry_hash, at=self.at, key_id=self.key_id)

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "entry_hash": self.entry_hash, "at": encode_time(self.at),
                "key_id": self.key_id, "signature": self.signature}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Checkpoint:
        try:
            at = datetime.strptime(str(data["at"]), TIME_FORMAT).replace(tzinfo=UTC)
            return cls(int(data["seq"]), str(data["entry_hash"]), at, str(data["key_id"]),
                       str(data["signature"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise LedgerError("检查点格式错误", f"malformed checkpoint: {exc}") from exc


def sign_checkpoint(private_key: Ed25519PrivateKey, *, seq: int, entry_hash: str, at: datetime) -> Checkpoint:
    if seq < 1:
        raise LedgerError("空账本无法建立检查点", "an empty ledger has nothing to checkpoint")
    at = at.astimezone(UTC)
    kid = key_id(private_key)
    signature = private_key.sign(checkpoint_payload(seq=seq, entry_hash=entry_hash, at=at, key_id=kid))
    return Checkpoint(seq, entry_hash, at, kid, signature.hex())


def signature_valid(checkpoint: Checkpoint, public_keys: Mapping[str, Ed25519PublicKey]) -> bool:
    key = public_keys.get(checkpoint.key_id)
    if key is None:
        return False
    try:
        key.verify(bytes.fromhex(checkpoint.signature), checkpoint.payload())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


# --------------------------------------------------------------------------------------------------
# Verification


class ProblemKind(StrEnum):
    modified = "modified"            # an entry's stored bytes no longer match its hash
    missing = "missing"              # a gap: an entry was removed (or the tail truncated)
    reordered = "reordered"          # an intact entry sits at another position than its own
    forged = "forged"                # a re-hashed or inserted entry: self-consistent but not the original
    bad_signature = "bad_signature"  # a checkpoint whose signature does not verify
    head_mismatch = "head_mismatch"  # the head row disagrees with the entries
    checkpoint_missing = "checkpoint_missing"    # an expected or anchored checkpoint is not in the database
    checkpoint_mismatch = "checkpoint_mismatch"  # the database's checkpoint differs from an anchored one
    overdue_checkpoint = "overdue_checkpoint"    # an entry later than the time bound, covered by no checkpoint


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    seq: int | None
    message_en: str
    message_zh: str
    last_good_seq: int
    field: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"problem": self.kind.value, "seq": self.seq, "field": self.field,
                "message_en": self.message_en, "message_zh": self.message_zh}


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    entries: int
    checkpoints: int
    first_bad_seq: int | None = None
    problem: ProblemKind | None = None
    message_en: str = ""
    message_zh: str = ""
    last_good_seq: int | None = None
    head_seq: int | None = None
    field: str | None = None  # the entry's field whose stored value is malformed, when one is
    problems: tuple[Problem, ...] = ()  # every problem found (the first is the one above)
    warnings: tuple[tuple[str, str], ...] = ()  # (en, zh): not tampering, but worth an operator's look
    anchored_seq: int | None = None  # the largest size a checkpoint outside the database records

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "entries": self.entries, "checkpoints": self.checkpoints,
                "first_bad_seq": self.first_bad_seq,
                "problem": self.problem.value if self.problem else None,
                "field": self.field,
                "message_en": self.message_en, "message_zh": self.message_zh,
                "last_good_seq": self.last_good_seq, "head_seq": self.head_seq,
                "anchored_seq": self.anchored_seq,
                "problems": [p.to_dict() for p in self.problems],
                "warnings": [{"message_en": en, "message_zh": zh} for en, zh in self.warnings]}


class _Lookahead:
    """An iterator that can peek a bounded distance ahead (to tell a move from a removal)."""

    def __init__(self, items: Iterable[Entry]) -> None:
        self._it = iter(items)
        self._buf: deque[Entry] = deque()

    def __iter__(self) -> Iterator[Entry]:
        return self

    def __next__(self) -> Entry:
        if self._buf:
            return self._buf.popleft()
        return next(self._it)

    def ahead(self, n: int) -> list[Entry]:
        while len(self._buf) < n:
            try:
                self._buf.append(next(self._it))
            except StopIteration:
                break
        return list(self._buf)[:n]


class ChainVerifier:
    """Walks a chain once, in seq order, in constant memory (plus the checkpoints), and keeps the
    first problem. Use :meth:`walk`, then :meth:`check_head` and optionally :meth:`check_late`, then
    :meth:`report`. :func:`verify_chain` does all three for plain data."""

    def __init__(self, *, checkpoints: Iterable[Checkpoint] = (),
                 public_keys: Mapping[str, Ed25519PublicKey] | None = None, window: int = 64,
                 seconds: int | None = None) -> None:
        self._cps = sorted(checkpoints, key=lambda c: c.seq)
        self._cp_i = 0
        self._keys = dict(public_keys or {})
        self._window = window
        self._valid: dict[int, bool] = {}
        # The time bound: the ledger signs at least every ``seconds`` seconds while entries arrive, so an
        # entry after the last checkpoint stamped that long after the latest checkpoint (or entry 1) was
        # not appended through the ledger, or the checkpoint that covered it was removed.
        self._seconds = seconds or None
        signed = [cp for cp in self._cps if self._signed(cp)]
        self._last_signed_seq = max((cp.seq for cp in signed), default=0)
        self._signed_time = max((cp.at for cp in signed if isinstance(cp.at, datetime)), default=None)
        self._time_ref: datetime | None = self._signed_time
        self.overdue: tuple[int, datetime, datetime] | None = None  # (seq, at, the reference time)
        self._late_cover = 0
        self.problem: Problem | None = None
        self.entries = 0
        self.checkpoints = 0
        self.next_seq = 1
        self.prev_hash = GENESIS_HASH
        self._prev_prev: str | None = None
        self.vouched = 0  # the highest seq proven by a valid checkpoint
        self.head_seq: int | None = None
        self._recent: dict[str, int] = {}  # hash -> seq of the last ``window`` entries
        self._recent_order: deque[str] = deque()

    # -- helpers
    def _fail(self, kind: ProblemKind, seq: int | None, en: str, zh: str,
              last_good: int | None = None, field: str | None = None) -> None:
        if self.problem is None:
            good = last_good if last_good is not None else (self.next_seq - 1 if seq is None else seq - 1)
            self.problem = Problem(kind, seq, en, zh, max(good, 0), field)

    def _signed(self, cp: Checkpoint) -> bool:
        known = self._valid.get(id(cp))
        if known is None:
            known = self._valid[id(cp)] = signature_valid(cp, self._keys)
        return known

    def _malformed(self, s: int, defect: tuple[str, str, str]) -> None:
        field, en, zh = defect
        self._fail(ProblemKind.modified, s, f"entry {s} was modified: its {en}",
                   f"第 {s} 条记录被篡改：{zh}", field=field)

    def _bad_signature(self, cp: Checkpoint) -> None:
        known = cp.key_id in self._keys
        why_en = "the signature does not verify" if known else "signed by an unknown key"
        why_zh = "签名验证失败" if known else "签名密钥未知"
        self._fail(ProblemKind.bad_signature, cp.seq,
                   f"the checkpoint at entry {cp.seq} has a bad signature ({why_en}, key {cp.key_id})",
                   f"第 {cp.seq} 条记录处的检查点签名无效（{why_zh}，密钥 {cp.key_id}）")

    def _forged_after_head(self, seq: int) -> None:
        self._fail(ProblemKind.forged, seq + 1,
                   f"entry {seq + 1} is forged: entries were added after the head ({seq}) "
                   "without passing through the ledger",
                   f"第 {seq + 1} 条记录系伪造：账本头（第 {seq} 条）之后有未经账本写入的记录")

    def _home_of(self, r: Entry, stream: _Lookahead) -> int | None:
        """Where an entry that does not link here belongs: after the entry its prev_hash names,
        looked for among the recent entries and a window ahead."""
        if r.prev_hash == GENESIS_HASH:
            return 1
        if r.prev_hash in self._recent:
            return self._recent[r.prev_hash] + 1
        for e in stream.ahead(self._window):
            if e.entry_hash == r.prev_hash:
                return e.seq + 1
        return None

    # -- the walk
    def walk(self, entries: Iterable[Entry]) -> bool:
        """Check entries in the order given (the store gives them by seq). False once a problem is found."""
        if self.problem:
            return False
        while self._cp_i < len(self._cps) and self._cps[self._cp_i].seq < 1:
            self._bad_signature(self._cps[self._cp_i])
            return False
        stream = _Lookahead(entries)
        for entry in stream:
            if not self._check(entry, stream):
                return False
        return True

    def _check(self, r: Entry, stream: _Lookahead) -> bool:
        s = self.next_seq
        if r.seq != s:
            if r.seq > s:
                if any(e.seq == s for e in stream.ahead(self._window)):
                    self._fail(ProblemKind.reordered, s,
                               f"entry {s} is out of order: entry {r.seq} stands in its place",
                               f"第 {s} 条记录顺序错乱：第 {r.seq} 条记录占据了它的位置")
                else:
                    self._fail(ProblemKind.missing, s,
                               f"entry {s} is missing: the chain jumps from {s - 1} to {r.seq}",
                               f"第 {s} 条记录缺失：链条从第 {s - 1} 条跳到第 {r.seq} 条")
                return False
            if r.seq == s - 1 and r.prev_hash == self._prev_prev and r.intact():
                self._fail(ProblemKind.forged, s - 1,
                           f"two entries claim seq {s - 1} and the same predecessor: one of them is forged",
                           f"两条记录同为第 {s - 1} 条并指向同一前序记录：其中一条是伪造的")
                return False
            self._fail(ProblemKind.reordered, s,
                       f"entry {s} is out of order: an entry numbered {r.seq} appears in its place",
                       f"第 {s} 条记录顺序错乱：编号为 {r.seq} 的记录出现在此位置")
            return False
        defect = entry_defect(r, deep=False)
        if defect is not None:
            self._malformed(s, defect)
            return False
        if not r.intact():
            if r.prev_hash != self.prev_hash:  # it does not link here either: moved from elsewhere?
                homes = {self._home_of(r, stream), s + 1, s - 1} - {None, s, 0}
                for home in sorted(h for h in homes if h is not None):
                    if r.recomputed_hash(seq=home) == r.entry_hash:
                        self._fail(ProblemKind.reordered, s,
                                   f"entry {s} is out of order: it holds entry {home}, moved here",
                                   f"第 {s} 条记录顺序错乱：此处是被移动过来的第 {home} 条记录")
                        return False
            defect = entry_defect(r)
            if defect is not None:
                self._malformed(s, defect)
                return False
            self._fail(ProblemKind.modified, s,
                       f"entry {s} was modified: its content no longer matches its hash",
                       f"第 {s} 条记录被篡改：内容与其哈希值不符")
            return False
        if r.prev_hash != self.prev_hash:
            culprit = s if (s == 1 or self.vouched == s - 1) else s - 1
            if culprit == s:
                self._fail(ProblemKind.forged, s,
                           f"entry {s} is forged: it does not link to the entry before it",
                           f"第 {s} 条记录系伪造：未链接到前一条记录")
            else:
                self._fail(ProblemKind.forged, culprit,
                           f"entry {culprit} is forged: it was rewritten and re-hashed, and entry {s} "
                           "still records the original's hash",
                           f"第 {culprit} 条记录系伪造：被改写并重新计算了哈希，"
                           f"第 {s} 条记录仍指向原记录的哈希")
            return False
        while self._cp_i < len(self._cps) and self._cps[self._cp_i].seq == s:
            cp = self._cps[self._cp_i]
            if not self._signed(cp):
                self._bad_signature(cp)
                return False
            if cp.entry_hash != r.entry_hash:
                first = self.vouched + 1
                self._fail(ProblemKind.forged, first,
                           f"entries {first}-{s} were rewritten: entry {s} differs from the signed "
                           f"checkpoint (everything up to entry {self.vouched} is proven intact)",
                           f"第 {first}-{s} 条记录被改写：第 {s} 条记录与已签名的检查点不符"
                           f"（第 {self.vouched} 条及之前的记录已证实完好）",
                           last_good=self.vouched)
                return False
            self.checkpoints += 1
            self._cp_i += 1
            self.vouched = s
        if self._seconds:
            self._time_check(r)
        self.entries += 1
        self._recent[r.entry_hash] = s
        self._recent_order.append(r.entry_hash)
        if len(self._recent_order) > self._window:
            self._recent.pop(self._recent_order.popleft(), None)
        self._prev_prev = self.prev_hash
        self.prev_hash = r.entry_hash
        self.next_seq = s + 1
        return True

    def _time_check(self, r: Entry) -> None:
        at = r.at
        assert isinstance(at, datetime)
        if r.seq == 1:
            self._time_ref = at if self._time_ref is None else max(self._time_ref, at)
        if (self.overdue is None and r.seq > self._last_signed_seq and self._time_ref is not None
                and self._seconds and (at - self._time_ref).total_seconds() >= self._seconds):
            self.overdue = (r.seq, at, self._time_ref)

    def _overdue_problem(self) -> Problem | None:
        if self.overdue is None or self._late_cover >= self.overdue[0]:
            return None
        seq, at, ref = self.overdue
        gap = int((at - ref).total_seconds())
        return Problem(
            ProblemKind.overdue_checkpoint, seq,
            f"entry {seq} is stamped {encode_time(at)}, {gap} s after the last checkpoint or first entry "
            f"({encode_time(ref)}), yet no checkpoint covers it: the ledger signs at least every "
            f"{self._seconds} s while entries arrive, so the entry was not appended through the ledger "
            "or the checkpoint that covered it was removed",
            f"第 {seq} 条记录的时间为 {encode_time(at)}，晚于最近的检查点或首条记录（{encode_time(ref)}）"
            f"{gap} 秒，却没有检查点覆盖：账本在有记录写入时至少每 {self._seconds} 秒签名一次，"
            "故该记录并非经账本写入，或覆盖它的检查点已被删除",
            self.vouched)

    # -- after the walk
    def check_head(self, head: Head | None, max_seq: int | None = None) -> None:
        """The head row (``None``: there is none) and the highest seq stored, both read together."""
        if self.problem:
            return
        last = self.next_seq - 1
        max_seq = last if max_seq is None else max_seq
        self.head_seq = head.seq if head else None
        for cp in self._cps[self._cp_i:]:
            if self._signed(cp):
                self._fail(ProblemKind.missing, last + 1,
                           f"entries from {last + 1} are missing: the chain holds {last} entries, shorter than "
                           f"the signed checkpoint that records {cp.seq}",
                           f"第 {last + 1} 条起的记录缺失：链条只有 {last} 条，短于已签名检查点记录的 "
                           f"{cp.seq} 条")
            else:
                self._bad_signature(cp)
            return
        if head is None:
            if last > 0 or max_seq > 0:
                self._fail(ProblemKind.head_mismatch, None,
                           "the ledger head row is missing although entries exist",
                           "账本头记录缺失，但账本中已有记录", last_good=last)
            return
        if head.seq > last:
            self._fail(ProblemKind.missing, last + 1,
                       f"entries from {last + 1} are missing: the head records {head.seq} entries, "
                       f"{last} are present",
                       f"第 {last + 1} 条起的记录缺失：账本头记录共 {head.seq} 条，实有 {last} 条")
        elif head.seq < last or max_seq > head.seq:
            self._forged_after_head(head.seq)
        elif head.entry_hash != self.prev_hash:
            self._fail(ProblemKind.head_mismatch, head.seq,
                       f"the head records another hash for entry {head.seq} than the entry has",
                       f"账本头记录的第 {head.seq} 条哈希值与该记录不符", last_good=head.seq - 1)

    def check_late(self, start: Head | None, head: Head | None, max_seq: int | None,
                   hash_at_head: str | None, late: Iterable[tuple[Checkpoint, str | None]] = ()) -> None:
        """A consistency check read in one statement after a walk that ran while others appended:
        the head may only have moved forward, and it must still match the entries; checkpoints made
        after the walk's bound (``late``, each with the hash of the entry at its seq, or ``None``)
        must verify too."""
        if self.problem:
            return
        bound = start.seq if start else self.next_seq - 1
        if head is None:
            if start is not None or (max_seq or 0) > 0:
                self._fail(ProblemKind.head_mismatch, None, "the ledger head row disappeared",
                           "账本头记录被删除", last_good=bound)
            return
        top = max_seq or 0
        if top < bound or head.seq < bound or (start and head.seq == start.seq
                                               and head.entry_hash != start.entry_hash):
            if top < bound:
                self._fail(ProblemKind.missing, top + 1,
                           f"entries from {top + 1} were removed while the ledger was being verified",
                           f"核验期间第 {top + 1} 条起的记录被删除")
            else:
                self._fail(ProblemKind.head_mismatch, head.seq, "the ledger head moved backwards",
                           "账本头被回退", last_good=bound)
            return
        if top > head.seq:
            self._forged_after_head(head.seq)
            return
        if top < head.seq:
            self._fail(ProblemKind.missing, top + 1,
                       f"entries from {top + 1} are missing: the head records {head.seq} entries",
                       f"第 {top + 1} 条起的记录缺失：账本头记录共 {head.seq} 条")
            return
        expected = None if head.seq == 0 else head.entry_hash  # an empty ledger's head names no entry
        if hash_at_head != expected or (head.seq == 0 and head.entry_hash != GENESIS_HASH):
            self._fail(ProblemKind.head_mismatch, head.seq,
                       f"the head records another hash for entry {head.seq} than the entry has",
                       f"账本头记录的第 {head.seq} 条哈希值与该记录不符", last_good=bound)
            return
        self.head_seq = head.seq
        for cp, actual in sorted(late, key=lambda pair: pair[0].seq):
            if not self._signed(cp):
                self._bad_signature(cp)
                return
            if actual is None:
                if top < cp.seq:
                    self._fail(ProblemKind.missing, top + 1,
                               f"entries from {top + 1} are missing: the chain holds {top} entries, shorter than "
                               f"the signed checkpoint that records {cp.seq}",
                               f"第 {top + 1} 条起的记录缺失：链条只有 {top} 条，短于已签名检查点记录的 {cp.seq} 条")
                else:
                    self._fail(ProblemKind.missing, cp.seq,
                               f"entry {cp.seq} is missing: a signed checkpoint records it",
                               f"第 {cp.seq} 条记录缺失：已签名的检查点记录了该条")
                return
            if actual != cp.entry_hash:
                self._fail(ProblemKind.forged, bound + 1,
                           f"entries {bound + 1}-{cp.seq} were rewritten: entry {cp.seq} differs from the "
                           "signed checkpoint",
                           f"第 {bound + 1}-{cp.seq} 条记录被改写：第 {cp.seq} 条记录与已签名的检查点不符",
                           last_good=bound)
                return
            self.checkpoints += 1
            self._late_cover = max(self._late_cover, cp.seq)

    def report(self, others: Iterable[Problem] = (), warnings: Iterable[tuple[str, str]] = (),
               anchored_seq: int | None = None) -> VerifyReport:
        """The report: the walk's problem first, then ``others`` (checkpoint problems found beside the
        walk, :func:`check_checkpoints`) and an overdue checkpoint, by entry."""
        extra = sorted(others, key=lambda p: (p.seq is None, p.seq or 0))
        overdue = None if self.problem else self._overdue_problem()
        if overdue is not None:
            extra = sorted([*extra, overdue], key=lambda p: (p.seq is None, p.seq or 0))
        problems = tuple(([self.problem] if self.problem else []) + extra)
        warned = tuple(warnings)
        if not problems:
            last = self.next_seq - 1
            return VerifyReport(True, self.entries, self.checkpoints,
                                message_en=f"the ledger is intact: {self.entries} entries, "
                                           f"{self.checkpoints} checkpoints verified",
                                message_zh=f"账本完好：已核验 {self.entries} 条记录、"
                                           f"{self.checkpoints} 个检查点",
                                last_good_seq=last, head_seq=self.head_seq, warnings=warned,
                                anchored_seq=anchored_seq)
        p = problems[0]
        return VerifyReport(False, self.entries, self.checkpoints, p.seq, p.kind, p.message_en, p.message_zh,
                            p.last_good_seq, self.head_seq, p.field, problems, warned, anchored_seq)


def check_checkpoints(stored: Iterable[Checkpoint], anchored: Iterable[tuple[str, Checkpoint]],
                      public_keys: Mapping[str, Ed25519PublicKey], *, last_seq: int,
                      every: int | None = None) -> tuple[list[Problem], list[Checkpoint]]:
    """Compare the database's checkpoints (``stored``) with those kept outside it (``anchored``, each
    with where it was kept), and expect one every ``every`` entries up to ``last_seq``.

    Returns the problems and the anchored checkpoints whose signature verifies (for the chain walk,
    which checks each against its entry). Reported: an anchored checkpoint with a bad signature; an
    anchored checkpoint the database lacks (checkpoint rows deleted); a database checkpoint whose head
    differs from an anchored one at the same size; two anchored checkpoints of one size with different
    heads; an expected checkpoint that is nowhere.
    """
    problems: list[Problem] = []
    in_db: dict[int, Checkpoint] = {}
    for cp in stored:
        in_db.setdefault(cp.seq, cp)
    valid: list[Checkpoint] = []
    seen: dict[int, tuple[str, Checkpoint]] = {}
    missing_from_db: dict[int, str] = {}
    for source, cp in anchored:
        if not signature_valid(cp, public_keys):
            why_en = "the signature does not verify" if cp.key_id in public_keys else "signed by an unknown key"
            why_zh = "签名验证失败" if cp.key_id in public_keys else "签名密钥未知"
            problems.append(Problem(ProblemKind.bad_signature, cp.seq,
                                    f"the checkpoint at entry {cp.seq} kept in {source} has a bad signature "
                                    f"({why_en}, key {cp.key_id})",
                                    f"{source} 中第 {cp.seq} 条记录处的检查点签名无效（{why_zh}，密钥 {cp.key_id}）",
                                    max(cp.seq - 1, 0)))
            continue
        earlier = seen.get(cp.seq)
        if earlier is not None:
            if earlier[1].entry_hash != cp.entry_hash:
                problems.append(Problem(ProblemKind.checkpoint_mismatch, cp.seq,
                                        f"two signed checkpoints record entry {cp.seq} with different hashes "
                                        f"({earlier[0]} and {source}): the ledger has two histories",
                                        f"两个已签名检查点对第 {cp.seq} 条记录给出不同哈希（{earlier[0]} 与 "
                                        f"{source}）：账本存在两套历史", max(cp.seq - 1, 0)))
            continue
        seen[cp.seq] = (source, cp)
        valid.append(cp)
        db = in_db.get(cp.seq)
        if db is None:
            missing_from_db[cp.seq] = source
        elif db.entry_hash != cp.entry_hash:
            problems.append(Problem(ProblemKind.checkpoint_mismatch, cp.seq,
                                    f"the database's checkpoint at entry {cp.seq} records another hash than the "
                                    f"one kept in {source}",
                                    f"数据库中第 {cp.seq} 条记录处的检查点与 {source} 中保存的哈希不符",
                                    max(cp.seq - 1, 0)))
    if missing_from_db:
        first = min(missing_from_db)
        more = len(missing_from_db) - 1
        problems.append(Problem(ProblemKind.checkpoint_missing, first,
                                f"the signed checkpoint at entry {first} kept in {missing_from_db[first]} is "
                                f"missing from the database" + (f" ({more} more anchored checkpoints too)"
                                                                if more else "")
                                + ": checkpoint rows were deleted",
                                f"{missing_from_db[first]} 中保存的第 {first} 条记录处的已签名检查点在数据库中缺失"
                                + (f"（另有 {more} 个锚定检查点亦缺失）" if more else "") + "：检查点记录被删除",
                                max(first - 1, 0)))
    if every:
        present = set(in_db) | set(seen)
        absent = [s for s in range(every, last_seq + 1, every) if s not in present]
        if absent:
            first, more = absent[0], len(absent) - 1
            problems.append(Problem(ProblemKind.checkpoint_missing, first,
                                    f"no checkpoint at entry {first}: one is signed every {every} entries "
                                    "(XINYONG_LEDGER_CHECKPOINT_EVERY)"
                                    + (f"; {more} later expected checkpoints are missing too" if more else ""),
                                    f"第 {first} 条记录处没有检查点：账本每 {every} 条记录签名一次"
                                    "（XINYONG_LEDGER_CHECKPOINT_EVERY）"
                                    + (f"；其后另有 {more} 个应有的检查点缺失" if more else ""),
                                    max(first - 1, 0)))
    return problems, valid


class Admission(StrEnum):
    accepted = "accepted"          # new, and it extends what is held
    held = "held"                  # already held (the same size and head)
    inconsistent = "inconsistent"  # the same size as one held, another head: an alarm
    stale = "stale"                # older than the newest held, and not held: it extends nothing


def admit(new: Checkpoint, newest: Checkpoint | None, same_size: Checkpoint | None) -> Admission:
    """Whether a witness keeps ``new``, given the newest checkpoint it holds and the one it holds of
    the same size (if any). The signature is checked before (a witness keeps only signed heads)."""
    if same_size is not None:
        return Admission.held if same_size.entry_hash == new.entry_hash else Admission.inconsistent
    if newest is None or new.seq > newest.seq:
        return Admission.accepted
    return Admission.stale


def verify_chain(entries: Iterable[Entry], *, checkpoints: Iterable[Checkpoint] = (),
                 public_keys: Ed25519PublicKey | Mapping[str, Ed25519PublicKey]
                 | Iterable[Ed25519PublicKey] | None = None,
                 head: Head | None = None, check_head: bool = False,
                 window: int = 64, seconds: int | None = None) -> VerifyReport:
    """Verify plain entries (in the order given), their checkpoints and, with ``check_head``, the head;
    with ``seconds``, that no entry after the last checkpoint is later than the time bound."""
    verifier = ChainVerifier(checkpoints=checkpoints, public_keys=keyring(public_keys), window=window,
                             seconds=seconds)
    verifier.walk(entries)
    if check_head:
        verifier.check_head(head)
    elif not verifier.problem:
        # Without a head, still account for checkpoints beyond the last entry (truncation).
        last = verifier.next_seq - 1
        verifier.check_head(Head(last, verifier.prev_hash) if last else None)
    return verifier.report()
