"""Disclosure and inquiry: the inquiry log, subjects' written authorizations, withheld positive
information and objection labels.

- ``inquiry_log``: one row per inquiry, served or refused: when, who (the
  actor's principal, organisation and role), the mode, purpose and authorization, which subject,
  which records were returned and which were withheld with the reason code, and for a refused
  inquiry the reason code and its article. Kept for the period ``inquiry_log.retention`` (3 years
  from the inquiry, or long-term, per rule file), then purged by ``services.inquiry_log``.
  Written only by ``services.disclosure.writer``, in the transaction that serves the inquiry.
- ``authorizations``: a subject's written authorization of a third party (the ``authorized`` mode):
  grantee organisation, purpose, scope (catalog item codes, ``*`` for all), term, revocation and the
  reference of the written document. Never deleted: a revoked authorization keeps its history.
- ``withheld_positive``: positive information (commendations, volunteer service, donations) the
  subject asked not to be displayed (``disclosure.positive_withholdable``); ``released_on`` set when
  the subject lifts it.
- ``objection_labels``: the label a record carries while an objection is handled
  (``objection.*``). ``provider_due`` is the providing unit's deadline; past it, with the objection
  still open, disclosure is suspended where the regulation says so
  (``objection.suspend_on_provider_overdue``). The objection workflow
  writes these rows; the access policy reads them.
- ``duty_purposes``: the inquiry purposes a department registered for its duties:
  the organisation, the purpose key, the duty, its legal basis and the labels. Under a regulation
  whose rule file lists no duty purposes, a duty inquiry's purpose must be one of these, in force
  (registered, not withdrawn). Never deleted: a withdrawal keeps its history; at most one row per
  organisation and key is in force (a partial unique index).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base, UTCDateTime, utcnow

MODES = ("lawful_disclosure", "duty", "self", "authorized")
CHANNELS = ("api", "portal", "cli", "report", "export", "explain", "service")

# A big integer on PostgreSQL, SQLite's rowid alias (INTEGER PRIMARY KEY) there.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class InquiryLog(Base):
    __tablename__ = "inquiry_log"
    __table_args__ = (
        CheckConstraint(_in("mode", MODES), name="mode"),
        CheckConstraint(_in("channel", CHANNELS), name="channel"),
        Index("ix_inquiry_log_subject_at", "subject_id", "at"),
        Index("ix_inquiry_log_inquired_on", "inquired_on"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # business date: retention runs from it
    inquired_on: Mapped[date] = mapped_column(Date, nullable=False)
    principal: Mapped[str] = mapped_column(String(200), nullable=False)   # user or token id, never a name
    organisation: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False, default="api")
    mode: Mapped[str] = mapped_column(String(32), nullable=False)
    purpose: Mapped[str | None] = mapped_column(String(100))
    # as asked; may name none that exists
    authorization_id: Mapped[int | None] = mapped_column(Integer)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id", ondelete="RESTRICT"))
    # what was asked for, when unresolved
    subject_ref_sha256: Mapped[str | None] = mapped_column(String(64))
    items: Mapped[list[str] | None] = mapped_column(JSON)                 # item codes asked for, if limited
    returned_record_ids: Mapped[list[int]] = mapped_column(JSON, nullable=False, default=list)
    # [[id, code], ...]
    denied_records: Mapped[list[list]] = mapped_column(JSON, nullable=False, default=list)
    refused_reason: Mapped[str | None] = mapped_column(String(64))
    # the basis, or the refusal's article
    cite: Mapped[str | None] = mapped_column(String(300))


class Authorization(Base):
    __tablename__ = "authorizations"
    __table_args__ = (
        CheckConstraint("valid_from <= valid_until", name="term"),
        Index("ix_authorizations_grantee", "grantee"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="RESTRICT"), nullable=False,
                                            index=True)
    grantee: Mapped[str] = mapped_column(String(64), nullable=False)      # the authorized party's code
    purpose: Mapped[str] = mapped_column(String(100), nullable=False)
    scope: Mapped[list[str]] = mapped_column(JSON, nullable=False)        # item codes, or ["*"]
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[date] = mapped_column(Date, nullable=False)
    document_ref: Mapped[str] = mapped_column(String(200), nullable=False)  # the written authorization
    granted_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    revoked_on: Mapped[date | None] = mapped_column(Date)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WithheldPositive(Base):
    __tablename__ = "withheld_positive"
    __table_args__ = (UniqueConstraint("record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), nullable=False)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="RESTRICT"), nullable=False,
                                            index=True)
    requested_on: Mapped[date] = mapped_column(Date, nullable=False)
    requested_by: Mapped[str] = mapped_column(String(200), nullable=False)
    released_on: Mapped[date | None] = mapped_column(Date)
    cite: Mapped[str] = mapped_column(String(200), nullable=False)


class ObjectionLabel(Base):
    __tablename__ = "objection_labels"
    __table_args__ = (
        CheckConstraint("closed_on IS NULL OR closed_on >= labelled_on", name="closed_after_labelled"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), nullable=False,
                                           index=True)
    # the objection's id, when it has one
    objection_ref: Mapped[str | None] = mapped_column(String(64))
    labelled_on: Mapped[date] = mapped_column(Date, nullable=False)
    provider_due: Mapped[date | None] = mapped_column(Date)              # the providing unit's deadline
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class DutyPurpose(Base):
    __tablename__ = "duty_purposes"
    __table_args__ = (
        CheckConstraint("withdrawn_on IS NULL OR withdrawn_on >= registered_on", name="withdrawn_after_registered"),
        # One row in force per department and key; the inquiry's lookup reads this index.
        Index("uq_duty_purposes_in_force", "organisation", "key", unique=True,
              sqlite_where=text("withdrawn_on IS NULL"), postgresql_where=text("withdrawn_on IS NULL")),
        Index("ix_duty_purposes_organisation", "organisation"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation: Mapped[str] = mapped_column(String(64), nullable=False)   # the department's code
    key: Mapped[str] = mapped_column(String(100), nullable=False)
    duty: Mapped[str] = mapped_column(String(300), nullable=False)          # the statutory duty
    legal_basis: Mapped[str] = mapped_column(String(300), nullable=False)   # the law that gives the duty
    label_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    label_en: Mapped[str] = mapped_column(String(200), nullable=False)
    registered_on: Mapped[date] = mapped_column(Date, nullable=False)
    registered_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))
