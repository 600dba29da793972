"""The ledger's key files, outside the database: the Ed25519 signing key, its public half, the public
keys a verifier trusts, and where the anchor file lies.

The signing key is by default ``<data_dir>/keys/ledger-ed25519.pem`` (0600, created on first use), its
public half beside it as ``ledger-ed25519.pub.pem``; the anchor file is ``keys/ledger-anchors.jsonl``
(``anchors``). A key file that is not an Ed25519 key raises ``LedgerError`` (a configuration failure,
not a refused request).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from xinyong.domain.audit.canonical import LedgerError
from xinyong.domain.audit.checkpoints import key_id, keyring
from xinyong.logging import get_logger

__all__ = [
    "ANCHOR_FILENAME",
    "KEY_FILENAME",
    "PUBLIC_KEY_FILENAME",
    "anchor_path",
    "key_path",
    "keyring",
    "load_or_create_signing_key",
    "load_public_key",
    "load_public_keys",
    "public_key_path",
]

KEY_FILENAME = "ledger-ed25519.pem"
PUBLIC_KEY_FILENAME = "ledger-ed25519.pub.pem"
ANCHOR_FILENAME = "ledger-anchors.jsonl"  # append-only, one checkpoint a line (anchors)

log = get_logger(__name__)


def key_path(data_dir: Path) -> Path:
    return Path(data_dir) / "keys" / KEY_FILENAME


def public_key_path(private_key_path: Path) -> Path:
    return Path(private_key_path).with_name(PUBLIC_KEY_FILENAME)


def anchor_path(data_dir: Path) -> Path:
    """The append-only anchor file under the data folder."""
    return Path(data_dir) / "keys" / ANCHOR_FILENAME


def _write_exclusive(path: Path, data: bytes, mode: int) -> bool:
    """Write ``path`` atomically unless it exists (then leave it): True when this call created it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)  # atomic, and fails if someone else created it first
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def load_or_create_signing_key(path: Path) -> Ed25519PrivateKey:
    """The ledger's private key from ``path`` (PEM, PKCS#8); created with mode 0600 if absent.

    The public key is written beside it (``ledger-ed25519.pub.pem``) for verifiers. Safe when several
    processes start at once: exactly one key is created and every process uses it.
    """
    path = Path(path)
    if not path.exists():
        fresh = Ed25519PrivateKey.generate()
        pem = fresh.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
        if _write_exclusive(path, pem, 0o600):
            log.info("ledger signing key created", path=str(path), key_id=key_id(fresh))
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise LedgerError(f"{path} 不是 Ed25519 私钥", f"{path} is not an Ed25519 private key")
    public = public_key_path(path)
    if not public.exists():
        _write_exclusive(public, key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo), 0o644)
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    data = Path(path).read_bytes()
    try:
        key: Any = serialization.load_pem_public_key(data)
    except ValueError:
        key = serialization.load_pem_private_key(data, password=None).public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise LedgerError(f"{path} 不是 Ed25519 公钥", f"{path} is not an Ed25519 public key")
    return key


def load_public_keys(keys_dir: Path) -> dict[str, Ed25519PublicKey]:
    """Every ledger public key in ``keys_dir`` (``ledger-ed25519*.pub.pem``; older keys kept after a
    rotation stay valid for the checkpoints they signed), or the public half of the private key."""
    keys_dir = Path(keys_dir)
    found = [load_public_key(p) for p in sorted(keys_dir.glob("ledger-ed25519*.pub.pem"))]
    private = keys_dir / KEY_FILENAME
    if not found and private.exists():
        found = [load_public_key(private)]
    return keyring(found)

