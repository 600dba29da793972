"""Aggregation: submission files read as rows (``files``: CSV, GB18030, XLSX, JSONL, error reports) and
imported as one batch each: validated under the law in force, subjects registered, records written
as versions (the only writer of credit records), rejections, verification (``ingest``)."""

from xinyong.services.aggregation.ingest import (
    batch_errors,
    get_batch,
    import_file,
    record_consent,
    record_prior_notice,
    submit_rows,
    verify_batch,
)

__all__ = [
    "batch_errors",
    "get_batch",
    "import_file",
    "record_consent",
    "record_prior_notice",
    "submit_rows",
    "verify_batch",
]
