"""Revocation (撤销): a providing unit reports that a record's basis was revoked or changed; the record
leaves service at once and its content is erased within the limit (the ledger keeps the event and the
digest, never the content)."""
