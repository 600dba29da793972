"""Aggregation: submission files read as rows and imported as one batch each.

- ``files``: the bulk-file readers (CSV, GB18030, XLSX, JSONL) and the error reports.
- ``batches``: ``import_file``, ``submit_rows`` (one batch = one transaction, idempotency keys),
  ``get_batch``, ``batch_errors``, ``verify_batch``.
- ``law``: the law in force for a batch (``law_in_force``, the verification duty ``verify_due``).
- ``lookups``: what the row validator asks storage (items granted and in force, consents, notices).
- ``writer``: the record writer, the only code that writes credit records (subjects, records,
  versions, corrections, rejections; SQLite and PostgreSQL paths).
- ``integrity``: the Merkle roots a batch's chunks are ledgered with, and ``batch_integrity``.
- ``notices``: written consents and prior notices (``record_consent``, ``record_prior_notice``).
"""

from xinyong.services.aggregation.batches import (
    BatchSummary,
    batch_errors,
    get_batch,
    import_file,
    submit_rows,
    verify_batch,
)
from xinyong.services.aggregation.integrity import batch_integrity
from xinyong.services.aggregation.notices import record_consent, record_prior_notice

__all__ = [
    "BatchSummary",
    "batch_errors",
    "batch_integrity",
    "get_batch",
    "import_file",
    "record_consent",
    "record_prior_notice",
    "submit_rows",
    "verify_batch",
]
