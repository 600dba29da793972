"""Revocation (撤销): a providing unit reports that a record's basis was revoked or changed; the record
leaves service at once and its content is erased in the same transaction, within any limit (``report``:
the ``revocation.delete`` duty opened and done, the written notice; the ledger keeps the event and the
digest, never the content)."""

from xinyong.services.revocation.report import (
    RevocationView,
    get_own_revocation,
    get_revocation,
    report_revocation,
)

__all__ = ["RevocationView", "get_own_revocation", "get_revocation", "report_revocation"]
