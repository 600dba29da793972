"""Verification: the first entry modified, removed, reordered or forged, and checkpoints compared
with their copies outside the database.

What verification can and cannot see
    It names the first entry that was modified, removed, reordered or forged, and the field of an
    entry whose stored value is not even well formed (``chain.entry_defect``). A consistent rewrite of
    the entries *after the last checkpoint* together with the head row can only be seen against a
    checkpoint kept outside the database (an *anchor*): every checkpoint is also kept in an
    append-only anchor file and by witnesses (``services.audit.anchors``), and :func:`check_checkpoints`
    compares the database's checkpoints with them, and expects one every ``every`` entries. The
    window no signature covers is bounded in time as well: the ledger signs at least every
    ``seconds`` seconds while entries arrive, so an entry stamped that long after the last
    checkpoint and covered by none was not appended through the ledger (or its checkpoint was
    removed). Entries appended after the last checkpoint within that window are, by construction,
    vouched for by nothing yet.

:class:`ChainVerifier` walks a chain once in constant memory (the services stream a database into it);
:func:`verify_chain` does the same for plain data.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from xinyong.domain.audit.canonical import encode_time
from xinyong.domain.audit.chain import GENESIS_HASH, Entry, Head, entry_defect
from xinyong.domain.audit.checkpoints import Checkpoint, keyring, signature_valid

__all__ = ["ChainVerifier", "Problem", "ProblemKind", "VerifyReport", "check_checkpoints", "verify_chain"]


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
