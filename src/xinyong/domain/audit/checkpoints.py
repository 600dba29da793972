"""Checkpoints: a signed head, and the rule a witness keeps one by.

A checkpoint signs (Ed25519) the canonical JSON of ``{seq, entry_hash, at, key_id}``; ``key_id`` is
the first 16 hex digits of SHA-256 over the raw public key. The private key lives outside the
database, so whoever can rewrite rows cannot re-sign: a chain that was rewritten consistently
(every hash recomputed) still disagrees with the signed checkpoint after the rewrite.

Witnesses: :func:`admit` is the rule a witness applies before it keeps a checkpoint: it must extend
what it holds; the same size with another head hash is an alarm (two signed, inconsistent histories).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from xinyong.domain.audit.canonical import TIME_FORMAT, LedgerError, canonical_json, encode_time

__all__ = ["Admission", "Checkpoint", "admit", "checkpoint_payload", "key_id", "keyring", "sign_checkpoint",
           "signature_valid"]


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

