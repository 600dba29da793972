"""The audit ledger's rules: canonical hashing, the chain, signed checkpoints and their
verification (``ledger``)."""

from xinyong.domain.audit.ledger import Checkpoint, Entry, verify_chain

__all__ = ["Checkpoint", "Entry", "verify_chain"]
