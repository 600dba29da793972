"""The audit ledger: append-only, hash-chained entries written with every change, signed checkpoints
and their verification.

- ``ledger``: append inside the caller's transaction (the head lock, one round trip), and the reads.
- ``checkpoints``: sign the head (automatically, when due, on demand) and keep each checkpoint outside
  the database after its commit.
- ``anchors``: the anchor file and the witnesses that keep checkpoints outside the database; the
  witness that keeps another instance's checkpoints.
- ``verification``: ``verify``, the whole chain walked and compared with the checkpoints kept outside.
- ``keys``: the signing key and the public keys (files outside the database).
- ``config``: per engine, the key, the checkpoint intervals, the anchor file and the witnesses.
- ``rows``: the ledger's rows as the domain's values (the head row and its lock, stored values read).
"""

from xinyong.services.audit.checkpoints import checkpoint, checkpoint_if_due
from xinyong.services.audit.ledger import append, append_many
from xinyong.services.audit.verification import verify

__all__ = ["append", "append_many", "checkpoint", "checkpoint_if_due", "verify"]
