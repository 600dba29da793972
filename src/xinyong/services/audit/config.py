"""The ledger's configuration per engine: where the signing key is, how often to checkpoint
automatically (every ``every`` entries, 1,000 by default, and, while entries arrive, at least every
``seconds`` seconds), where checkpoints are kept outside the database (the anchor file, witnesses).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from xinyong.logging import get_logger
from xinyong.services.audit.keys import anchor_path, key_path, load_or_create_signing_key

__all__ = ["DEFAULT_CHECKPOINT_EVERY", "LedgerConfig", "config_for", "config_of", "configure",
           "configure_from_settings", "engine_of"]

DEFAULT_CHECKPOINT_EVERY = 1000

log = get_logger(__name__)


@dataclass
class LedgerConfig:
    key_file: Path | None = None
    every: int = DEFAULT_CHECKPOINT_EVERY
    key: Ed25519PrivateKey | None = None
    seconds: int = 0  # sign at least this often while entries arrive (0: no time bound)
    anchor_file: Path | None = None  # the append-only anchor file (None: none)
    witnesses: tuple[Any, ...] = ()  # anchors.Witness
    http: Any = None  # an httpx-like client for HTTP witnesses (tests pass one); None: httpx itself
    # The time of the latest committed checkpoint this process knows of (or of entry 1): never later
    # than the latest checkpoint's, so the time bound holds however many processes append.
    last_checkpoint_at: datetime | None = None
    time_loaded: bool = False
    key_broken: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)  # guards the fields above

    def signing_key(self) -> Ed25519PrivateKey | None:
        if self.key is None and self.key_file is not None:
            with self.lock:
                if self.key is None:
                    self.key = load_or_create_signing_key(self.key_file)
        return self.key


_CONFIGS: weakref.WeakKeyDictionary[Engine, LedgerConfig] = weakref.WeakKeyDictionary()
_WARNED: weakref.WeakSet[Engine] = weakref.WeakSet()


def configure(engine: Engine, *, key_file: Path | None = None, key: Ed25519PrivateKey | None = None,
              every: int = DEFAULT_CHECKPOINT_EVERY, seconds: int = 0, anchor_file: Path | None = None,
              witnesses: Iterable[str] = (), http: Any = None) -> LedgerConfig:
    """Set the signing key (a file, created on first use, or a key object) and the automatic
    checkpoint interval (``every`` entries; 0 turns automatic checkpoints off) for ``engine``; with
    ``seconds``, a checkpoint at least that often while entries arrive. Checkpoints made are kept in
    ``anchor_file`` and sent to ``witnesses`` (folders, http(s) URLs) after their commit."""
    from xinyong.services.audit import anchors
    if every < 0 or seconds < 0:
        raise ValueError("every and seconds must be >= 0")
    config = LedgerConfig(key_file=Path(key_file) if key_file else None, every=every, key=key, seconds=seconds,
                          anchor_file=Path(anchor_file) if anchor_file else None,
                          witnesses=tuple(anchors.parse_witnesses(witnesses)), http=http)
    _CONFIGS[engine] = config
    return config


def configure_from_settings(engine: Engine, settings: Any) -> LedgerConfig:
    """The platform's wiring: the key and the anchor file under ``settings.data_dir``; the intervals
    and the witnesses from the settings when they have them."""
    every = getattr(settings, "ledger_checkpoint_every", DEFAULT_CHECKPOINT_EVERY)
    seconds = getattr(settings, "ledger_checkpoint_seconds", 0)
    witnesses = getattr(settings, "ledger_witnesses", None) or ()
    return configure(engine, key_file=key_path(settings.data_dir), every=int(every), seconds=int(seconds),
                     anchor_file=anchor_path(settings.data_dir), witnesses=witnesses)


def config_of(engine: Engine) -> LedgerConfig | None:
    """The configuration of ``engine`` (``None``: the ledger signs nothing automatically there)."""
    return _CONFIGS.get(engine)


def engine_of(session: Session) -> Engine:
    """The engine a session is bound to (its connection's, when bound to one)."""
    bind = session.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind


def config_for(session: Session) -> LedgerConfig | None:
    engine = engine_of(session)
    config = config_of(engine)
    if config is None and engine not in _WARNED:
        _WARNED.add(engine)
        log.warning("ledger automatic checkpoints are off: no signing key configured for this engine "
                    "(services.audit.config.configure)")
    return config
