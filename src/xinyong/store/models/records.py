"""Submissions and credit records: batches, records and their versions, rejected rows, written consents
and prior notices.

- ``submission_batches``: one row per submission (JSON rows or a bulk file) of a providing unit. The
  idempotency key is unique per unit (the client's key, or ``sha256:<digest>`` of the content when it
  gave none), and ``body_sha256`` is the digest of what was submitted, so the same key with another
  body is told apart and refused. The platform's verification duty (``aggregation.verify``) is tracked here:
  ``verify_due`` from the working-day calendar, or NULL with ``verify_cite`` NULL when the regulation
  sets no time limit.
- ``records``: one per (unit, catalog item, the unit's own record key). ``current_version`` names the
  version in force; ``record_versions`` keeps every version (unique per record and number), so a
  correction is a new row and nothing is overwritten in place.
- ``row_rejections``: why a row was refused — the row number, field, reason code and message; never
  the rejected content (a rejected row stores nothing of itself).
- ``consents``: a natural person's written consent to the collection of consent-only categories
  (``data.consent_only``), referenced by the rows that carry such data.
- ``prior_notices``: the written notice a providing unit served on a subject before delivering
  untrustworthiness information (``aggregation.prior_notice``), referenced by those rows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base, UTCDateTime, utcnow

BATCH_STATUSES = ("received", "verified")
BATCH_SOURCES = ("json", "csv", "xlsx", "jsonl")
RECORD_STATUSES = ("active", "revoked", "restored", "expired")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class SubmissionBatch(Base):
    __tablename__ = "submission_batches"
    __table_args__ = (
        UniqueConstraint("unit_code", "idempotency_key"),
        CheckConstraint(_in("status", BATCH_STATUSES), name="status"),
        CheckConstraint(_in("source", BATCH_SOURCES), name="source"),
        CheckConstraint("rows_total = accepted + unchanged + rejected", name="counts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("providing_units.code", ondelete="RESTRICT"),
                                           nullable=False, index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), nullable=False)
    body_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    source: Mapped[str] = mapped_column(String(8), nullable=False)
    filename: Mapped[str | None] = mapped_column(String(255))
    jurisdiction: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="received")
    rows_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    accepted: Mapped[int] = mapped_column(Integer, nullable=False, default=0)   # new records + corrections
    corrected: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # of which corrections
    unchanged: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # same as the current version
    rejected: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    received_on: Mapped[date] = mapped_column(Date, nullable=False)   # business date of receipt
    verify_due: Mapped[date | None] = mapped_column(Date)             # NULL: the regulation sets no limit
    verify_count: Mapped[int | None] = mapped_column(Integer)
    verify_unit: Mapped[str | None] = mapped_column(String(16))
    verify_cite: Mapped[str | None] = mapped_column(String(200))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by: Mapped[str | None] = mapped_column(String(200))


class Record(Base):
    __tablename__ = "records"
    __table_args__ = (
        UniqueConstraint("unit_code", "item_code", "record_key"),
        CheckConstraint(_in("status", RECORD_STATUSES), name="status"),
        CheckConstraint("current_version >= 1", name="current_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("providing_units.code", ondelete="RESTRICT"),
                                           nullable=False)
    item_code: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    record_key: Mapped[str] = mapped_column(String(128), nullable=False)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="RESTRICT"), nullable=False,
                                            index=True)
    catalog_version_id: Mapped[int] = mapped_column(ForeignKey("catalog_versions.id", ondelete="RESTRICT"),
                                                    nullable=False)
    category: Mapped[str] = mapped_column(String(32), nullable=False)
    disclosure_class: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    current_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class RecordVersion(Base):
    __tablename__ = "record_versions"
    __table_args__ = (
        UniqueConstraint("record_id", "version"),
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint("version = 1 OR correction_reason IS NOT NULL", name="correction_reason"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    content_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    correction_reason: Mapped[str | None] = mapped_column(Text)
    document_kind: Mapped[str | None] = mapped_column(String(100))
    document_number: Mapped[str | None] = mapped_column(String(200))
    document_date: Mapped[date | None] = mapped_column(Date)
    document_issuer: Mapped[str | None] = mapped_column(String(200))
    decision_date: Mapped[date | None] = mapped_column(Date)
    conduct_ended: Mapped[date | None] = mapped_column(Date)
    batch_id: Mapped[int] = mapped_column(ForeignKey("submission_batches.id", ondelete="RESTRICT"),
                                          nullable=False, index=True)
    source_row: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class RowRejection(Base):
    __tablename__ = "row_rejections"
    __table_args__ = (Index("ix_row_rejections_batch_row", "batch_id", "row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("submission_batches.id", ondelete="CASCADE"),
                                          nullable=False)
    row: Mapped[int] = mapped_column(Integer, nullable=False)
    field: Mapped[str | None] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    message_zh: Mapped[str] = mapped_column(Text, nullable=False)
    message_en: Mapped[str] = mapped_column(Text, nullable=False)


class Consent(Base):
    """A written consent (书面同意) of a natural person to the collection of consent-only categories."""

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("subject_id", "reference"), Index("ix_consents_reference", "reference"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="RESTRICT"), nullable=False,
                                            index=True)
    reference: Mapped[str] = mapped_column(String(128), nullable=False)
    categories: Mapped[list[str]] = mapped_column(JSON, nullable=False)   # vocabulary keys
    given_on: Mapped[date] = mapped_column(Date, nullable=False)
    scope: Mapped[str] = mapped_column(Text, nullable=False, default="")  # the use agreed with the person
    recorded_by: Mapped[str] = mapped_column(String(200), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)


class PriorNotice(Base):
    """A written notice served on a subject before its untrustworthiness information is delivered
    (``aggregation.prior_notice``)."""

    __tablename__ = "prior_notices"
    __table_args__ = (UniqueConstraint("unit_code", "reference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="RESTRICT"), nullable=False,
                                            index=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("providing_units.code", ondelete="RESTRICT"),
                                           nullable=False)
    item_code: Mapped[str] = mapped_column(String(64), nullable=False)
    reference: Mapped[str] = mapped_column(String(128), nullable=False)
    served_on: Mapped[date] = mapped_column(Date, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
