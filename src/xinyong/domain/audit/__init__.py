"""The audit ledger's rules, plain Python:

- ``canonical``: canonical JSON (the platform's one helper for hashed and digested JSON), the time
  encoding, an entry's hash; ``LedgerError``.
- ``facts``: what may enter as an event's facts (never personal content); ``FactsRefused``.
- ``chain``: entries and the head, a new entry made, a stored entry's malformed field.
- ``checkpoints``: signed heads, key ids, and a witness's admission of a checkpoint.
- ``verification``: the chain walk, checkpoints compared with their copies outside the database, the
  time bound, the report.
"""

from xinyong.domain.audit.canonical import canonical_json
from xinyong.domain.audit.chain import Entry
from xinyong.domain.audit.checkpoints import Checkpoint
from xinyong.domain.audit.verification import verify_chain

__all__ = ["Checkpoint", "Entry", "canonical_json", "verify_chain"]
