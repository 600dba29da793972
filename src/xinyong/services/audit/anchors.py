"""Checkpoints kept outside the database: the anchor file, witnesses, and the witness that keeps
another instance's checkpoints.

Whoever holds the database file can delete checkpoint rows and rewrite the chain, so every signed
checkpoint is also written, after the commit that made it, to places the database does not hold:

- the **anchor file** ``<data dir>/keys/ledger-anchors.jsonl``: append-only, one checkpoint per line
  (JSON, as ``Checkpoint.to_dict``), written with ``O_APPEND``, fsync'd, under an advisory lock;
- each **witness** of ``XINYONG_LEDGER_WITNESSES``: a folder (``<folder>/<key id>.jsonl``, the same
  format) or the base URL of another Xinyong instance whose ``POST /api/v1/audit/witness`` keeps
  checkpoints it can verify (``XINYONG_LEDGER_WITNESS_FOR`` on that instance lists the public keys
  it witnesses for).

The anchor file and folders are written at once (local, milliseconds, once per checkpoint); HTTP
witnesses are sent by one background thread per process, so a slow or unreachable witness never holds
up the transaction that made the checkpoint, nor the ones after it. A write that fails is logged
(``ledger checkpoint not witnessed``); the checkpoint stays in the database and the anchor file, and
``xinyong audit verify`` reports the witness that lacks it.

A witness keeps a checkpoint only if it extends what it holds (:func:`xinyong.domain.audit.checkpoints.admit`):
the same size with another head hash is refused and kept as evidence in ``<key id>.alarms.jsonl``
beside its file (two checkpoints signed with one key that cannot both be true).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import queue
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from xinyong.domain.audit.canonical import LedgerError
from xinyong.domain.audit.checkpoints import Admission, Checkpoint, admit, key_id, signature_valid
from xinyong.domain.platform.refusal import CONFLICT, FORBIDDEN, Refusal
from xinyong.logging import get_logger

__all__ = [
    "ANCHOR_FILENAME",
    "LEGACY_ANCHOR_FILENAME",
    "WITNESS_PATH",
    "Witness",
    "anchor_file",
    "append_checkpoint",
    "collect",
    "drain",
    "held",
    "parse_witnesses",
    "publish",
    "read_anchor",
    "read_anchors",
    "read_checkpoints",
    "receive",
    "trusted_keys",
    "write_anchor",
]

ANCHOR_FILENAME = "ledger-anchors.jsonl"
LEGACY_ANCHOR_FILENAME = "ledger-anchor.json"  # one checkpoint, as `audit checkpoint` wrote it before
WITNESS_PATH = "/api/v1/audit/witness"
WITNESS_DIRNAME = "witness"  # where this instance keeps the checkpoints it witnesses for others
HTTP_TIMEOUT = 5.0
_TAIL = 64 * 1024

log = get_logger(__name__)


def anchor_file(data_dir: Path) -> Path:
    return Path(data_dir) / "keys" / ANCHOR_FILENAME


# --------------------------------------------------------------------------------------------------
# Files of checkpoints (the anchor file, a folder witness, a witness's own store)


def _parse_line(line: str) -> Checkpoint:
    try:
        data = json.loads(line)
    except ValueError as exc:
        raise LedgerError("检查点不是 JSON", f"not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise LedgerError("检查点不是 JSON 对象", "not a JSON object")
    return Checkpoint.from_dict(data)


def read_checkpoints(path: Path) -> tuple[list[Checkpoint], list[str]]:
    """Every checkpoint in a file of them (JSON lines, or the one JSON object of the older anchor), and
    a note per line that is not one. A file that does not exist holds none."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], []
    except (OSError, UnicodeDecodeError) as exc:
        return [], [f"{path}: {exc}"]
    found: list[Checkpoint] = []
    notes: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            found.append(_parse_line(line))
        except LedgerError as exc:
            notes.append(f"{path} line {number}: {exc.message_en}")
    return found, notes


def _newest(handle: Any) -> tuple[Checkpoint | None, bool]:
    """The last checkpoint of the file (a torn or foreign last line is skipped), and whether the file
    ends in the middle of a line (a write cut short: the next line must start on a line of its own)."""
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    handle.seek(max(0, size - _TAIL))
    tail = handle.read()
    for line in reversed(tail.decode("utf-8", "replace").splitlines()):
        if line.strip():
            with contextlib.suppress(LedgerError):
                return _parse_line(line), bool(tail) and not tail.endswith(b"\n")
    return None, bool(tail) and not tail.endswith(b"\n")


def _same_size(handle: Any, seq: int) -> Checkpoint | None:
    handle.seek(0)
    for raw in handle.read().decode("utf-8", "replace").splitlines():
        with contextlib.suppress(LedgerError):
            cp = _parse_line(raw)
            if cp.seq == seq:
                return cp
    return None


def _line(cp: Checkpoint) -> bytes:
    """A checkpoint as a line of a file of them. Not canonical JSON (the signature covers the checkpoint's
    own canonical payload, not this line): the standard library's ``", "`` and ``": "`` separators that
    every anchor and witness file already holds, kept byte for byte so that a file stays one format."""
    return (json.dumps(cp.to_dict(), ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def append_checkpoint(path: Path, cp: Checkpoint, *, strict: bool = False) -> Admission:
    """Keep ``cp`` at the end of the file at ``path`` unless it is held already; refuse one whose size
    is held with another head (an alarm, kept in ``<name>.alarms.jsonl``) and, when ``strict`` (a
    witness for another instance), one older than the newest held. Safe across processes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    with os.fdopen(fd, "r+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            newest, torn = _newest(handle)
            same = newest if newest is not None and newest.seq == cp.seq else None
            if same is None and newest is not None and cp.seq < newest.seq:
                same = _same_size(handle, cp.seq)
            verdict = admit(cp, newest, same)
            if verdict is Admission.accepted or (verdict is Admission.stale and not strict):
                handle.write((b"\n" if torn else b"") + _line(cp))
                handle.flush()
                os.fsync(handle.fileno())
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    if verdict is Admission.inconsistent:
        alarms = path.with_name(path.name.removesuffix(".jsonl") + ".alarms.jsonl")
        with open(alarms, "ab") as out:
            out.write(_line(cp))
        log.error("ledger checkpoint ALARM: the same size is held with another head hash",
                  file=str(path), seq=cp.seq, entry_hash=cp.entry_hash, evidence=str(alarms))
    return Admission.accepted if verdict is Admission.stale and not strict else verdict


def write_anchor(path: Path, cp: Checkpoint) -> None:
    """Keep a checkpoint in an append-only anchor file (call after the commit; a checkpoint held
    already is not written twice)."""
    append_checkpoint(Path(path), cp)


def read_anchor(path: Path) -> Checkpoint | None:
    """The latest checkpoint of an anchor file (``None`` if it does not exist)."""
    return max(read_anchors(path), key=lambda cp: cp.seq, default=None)


def read_anchors(path: Path) -> list[Checkpoint]:
    """Every checkpoint of an anchor file (JSON lines; the older one-object file too); ``LedgerError``
    when the file holds none that can be read (an integrity failure, not a refused request)."""
    path = Path(path)
    if not path.exists():
        return []
    found, notes = read_checkpoints(path)
    if notes and not found:
        raise LedgerError(f"无法读取锚点文件 {path}", f"cannot read the anchor file {path}: {notes[0]}")
    return found


# --------------------------------------------------------------------------------------------------
# Witnesses


@dataclass(frozen=True)
class Witness:
    location: str  # a folder path or an http(s) URL

    @property
    def is_http(self) -> bool:
        return self.location.startswith(("http://", "https://"))

    @property
    def url(self) -> str:
        """The witness endpoint: the location itself if it names it, else the instance base + the path."""
        base = self.location.rstrip("/")
        return base if urlsplit(base).path.endswith(WITNESS_PATH) else base + WITNESS_PATH

    def file(self, kid: str) -> Path:
        return Path(self.location).expanduser() / f"{kid}.jsonl"


def parse_witnesses(values: Iterable[str]) -> list[Witness]:
    return [Witness(v.strip()) for v in values if v and v.strip()]


class _Courier:
    """One background thread per process that sends checkpoints to HTTP witnesses in order."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[str, dict[str, Any], Any] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def send(self, url: str, body: dict[str, Any], client: Any = None) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="xinyong-ledger-witness", daemon=True)
                self._thread.start()
        self._queue.put((url, body, client))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                url, body, client = item
                _post(url, body, client)
            finally:
                self._queue.task_done()

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every queued checkpoint was sent (or failed); False if ``timeout`` ran out."""
        done = threading.Event()

        def wait() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=wait, daemon=True).start()
        return done.wait(timeout)


_COURIER = _Courier()


def _post(url: str, body: dict[str, Any], client: Any = None) -> None:
    try:
        if client is not None:
            response = client.post(url, json=body)
        else:
            response = httpx.post(url, json=body, timeout=HTTP_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - any failure to reach a witness is logged, never raised
        log.error("ledger checkpoint not witnessed: the witness is unreachable", witness=url, seq=body.get("seq"),
                  error=f"{exc.__class__.__name__}: {exc}")
        return
    if response.status_code >= 300:
        log.error("ledger checkpoint not witnessed: the witness refused it", witness=url, seq=body.get("seq"),
                  status=response.status_code, answer=response.text[:300])


def drain(timeout: float | None = None) -> bool:
    """Wait for the checkpoints queued for HTTP witnesses to be sent (the CLI does before it exits)."""
    return _COURIER.drain(timeout)


atexit.register(drain, 10.0)


def publish(cps: Sequence[Checkpoint], *, anchor: Path | None, witnesses: Sequence[Witness],
            client: Any = None) -> None:
    """Keep committed checkpoints outside the database: the anchor file and folder witnesses now, HTTP
    witnesses in the background. Never raises: a failure is logged, the checkpoint stays where it is."""
    for cp in sorted(cps, key=lambda c: c.seq):
        targets: list[tuple[str, Path]] = []
        if anchor is not None:
            targets.append(("anchor file", anchor))
        targets += [("witness", w.file(cp.key_id)) for w in witnesses if not w.is_http]
        for what, path in targets:
            try:
                verdict = append_checkpoint(path, cp)
            except OSError as exc:
                log.error(f"ledger checkpoint not kept in the {what}", path=str(path), seq=cp.seq,
                          error=f"{exc.__class__.__name__}: {exc}")
                continue
            if verdict is Admission.inconsistent:
                log.error(f"ledger checkpoint refused by the {what}: it holds another head of this size",
                          path=str(path), seq=cp.seq)
        for witness in witnesses:
            if witness.is_http:
                _COURIER.send(witness.url, cp.to_dict(), client)


# --------------------------------------------------------------------------------------------------
# What `audit verify` compares the database with


def _fetch(witness: Witness, kid: str, client: Any = None) -> list[Checkpoint]:
    found: list[Checkpoint] = []
    since = 0
    while True:
        params: dict[str, str | int] = {"key_id": kid, "since": since, "limit": 1000}
        if client is not None:
            response = client.get(witness.url, params=params)
        else:
            response = httpx.get(witness.url, params=params, timeout=HTTP_TIMEOUT)
        if response.status_code == 404:
            return found  # it holds nothing for this key
        response.raise_for_status()
        body = response.json()
        found += [Checkpoint.from_dict(item) for item in body.get("checkpoints", [])]
        nxt = body.get("next_since")
        if not nxt or nxt <= since:
            return found
        since = nxt


def collect(*, anchor_files: Sequence[Path], witnesses: Sequence[Witness], key_ids: Iterable[str],
            stored: Sequence[Checkpoint], client: Any = None,
            ) -> tuple[list[tuple[str, Checkpoint]], list[tuple[str, str]]]:
    """Every checkpoint kept outside the database (each with where), and warnings: a witness that
    cannot be read, a witness or anchor that lacks checkpoints the database has, lines that are not
    checkpoints. ``stored``: the database's checkpoints."""
    anchored: list[tuple[str, Checkpoint]] = []
    warnings: list[tuple[str, str]] = []
    kids = sorted(set(key_ids))

    def lacking(source: str, held_here: list[Checkpoint]) -> None:
        have = {(c.seq, c.entry_hash) for c in held_here}
        absent = [c.seq for c in stored if (c.seq, c.entry_hash) not in have]
        if absent:
            warnings.append((f"{source} lacks {len(absent)} of the database's checkpoints (the latest "
                             f"missing at entry {absent[-1]}): it was unreachable when they were made, or "
                             "was added since",
                             f"{source} 缺少数据库中的 {len(absent)} 个检查点（最近缺失的在第 {absent[-1]} 条）："
                             "检查点生成时它无法访问，或是之后才加入的"))

    for path in anchor_files:
        cps, notes = read_checkpoints(path)
        warnings += [(f"not a checkpoint: {n}", f"不是检查点：{n}") for n in notes]
        anchored += [(str(path), cp) for cp in cps]
    for witness in witnesses:
        held_here: list[Checkpoint] = []
        source = f"witness {witness.location}"
        try:
            for kid in kids:
                if witness.is_http:
                    held_here += _fetch(witness, kid, client)
                else:
                    cps, notes = read_checkpoints(witness.file(kid))
                    held_here += cps
                    warnings += [(f"not a checkpoint: {n}", f"不是检查点：{n}") for n in notes]
        except (httpx.HTTPError, OSError, ValueError, LedgerError) as exc:
            warnings.append((f"{source} cannot be read: {exc.__class__.__name__}: {exc}",
                             f"无法读取{source}：{exc.__class__.__name__}: {exc}"))
            continue
        if not witness.is_http and not Path(witness.location).expanduser().is_dir():
            warnings.append((f"{source} is not a folder that exists", f"{source} 不是存在的文件夹"))
            continue
        anchored += [(source, cp) for cp in held_here]
        lacking(source, held_here)
    return anchored, warnings


# --------------------------------------------------------------------------------------------------
# The witness: keeping the checkpoints of other instances


def _public_key(value: str) -> Ed25519PublicKey:
    text = value.strip()
    if len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text):
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(text))
    from xinyong.services.audit.keys import load_public_key

    return load_public_key(Path(text).expanduser())


def trusted_keys(values: Iterable[str]) -> dict[str, Ed25519PublicKey]:
    """The public keys this instance witnesses for (``XINYONG_LEDGER_WITNESS_FOR``: raw keys in hex, as
    ``GET /api/v1/audit/checkpoints`` publishes them, or PEM files), by key id. A value that is not a
    key is logged and skipped."""
    keys: dict[str, Ed25519PublicKey] = {}
    for value in values:
        if not value or not value.strip():
            continue
        try:
            key = _public_key(value)
        except (OSError, ValueError, LedgerError) as exc:
            log.error("XINYONG_LEDGER_WITNESS_FOR: not a public key, skipped", value=value[:80], error=str(exc))
            continue
        keys[key_id(key)] = key
    return keys


def witness_file(data_dir: Path, kid: str) -> Path:
    return Path(data_dir) / WITNESS_DIRNAME / f"{kid}.jsonl"


def receive(data_dir: Path, keys: Mapping[str, Ed25519PublicKey], body: Mapping[str, Any]) -> Admission:
    """Keep another instance's checkpoint if it is signed by a key this instance witnesses for and
    extends what it holds for that key; a ``Refusal`` otherwise (403 ``not_witnessed``, 422
    ``malformed`` or ``bad_signature``, 409 ``inconsistent`` or ``stale``)."""
    kid = str(body.get("key_id", ""))
    if kid not in keys:
        raise Refusal("key_id", "not_witnessed",
                      f"本实例不为密钥 {kid} 见证检查点（XINYONG_LEDGER_WITNESS_FOR）",
                      f"this instance does not witness checkpoints of key {kid} "
                      "(XINYONG_LEDGER_WITNESS_FOR)", status=FORBIDDEN)
    try:
        cp = Checkpoint.from_dict(body)
    except LedgerError as exc:
        raise Refusal("at", "malformed", f"检查点格式错误：{exc.message_zh}",
                      f"malformed checkpoint: {exc.message_en}") from exc
    if cp.seq < 1:
        raise Refusal("seq", "malformed", "检查点的记录数必须大于 0", "a checkpoint's seq must be >= 1")
    if not signature_valid(cp, keys):
        raise Refusal("signature", "bad_signature", "检查点签名验证失败",
                      "the checkpoint's signature does not verify")
    verdict = append_checkpoint(witness_file(data_dir, kid), cp, strict=True)
    if verdict is Admission.inconsistent:
        raise Refusal("entry_hash", "inconsistent",
                      f"告警：本实例已持有第 {cp.seq} 条处的另一个哈希值，两者不可能同时为真（已留存为证据）",
                      f"alarm: a checkpoint of size {cp.seq} with another head hash is held; both "
                      "cannot be true (kept as evidence)", status=CONFLICT)
    if verdict is Admission.stale:
        raise Refusal("seq", "stale",
                      f"检查点（第 {cp.seq} 条）早于本实例持有的最新检查点，不是其延续",
                      f"the checkpoint (size {cp.seq}) is older than the newest held: it extends nothing",
                      status=CONFLICT)
    return verdict


def held(data_dir: Path, kid: str, *, since: int = 0, limit: int = 100) -> list[Checkpoint] | None:
    """The checkpoints this instance keeps for key ``kid`` with seq > ``since`` (``None``: none kept)."""
    path = witness_file(data_dir, kid)
    if not path.exists():
        return None
    cps, _notes = read_checkpoints(path)
    return sorted((c for c in cps if c.seq > since), key=lambda c: c.seq)[:limit]
