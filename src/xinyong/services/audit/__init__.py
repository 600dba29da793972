"""The audit ledger: append-only, hash-chained entries written with every change, signed checkpoints
and their verification (``ledger``); the checkpoints kept outside the database, in the anchor file
and by witnesses (``anchors``)."""

from xinyong.services.audit.ledger import append, append_many, checkpoint, checkpoint_if_due, verify

__all__ = ["append", "append_many", "checkpoint", "checkpoint_if_due", "verify"]
