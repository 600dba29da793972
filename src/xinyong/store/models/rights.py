"""Subjects' rights and the platform's duties: objections, revocations, restorations, the written
notices they give, the duties every step creates, the violations a missed duty records, and the
sweep's lock.

- ``duties``: one row per step a regulation gives a time limit (``objection.label``, ``objection.decide``,
  ``revocation.delete``, ``restoration.decide``, …): the matter it belongs to (``matter_kind``,
  ``matter_id``; for ``double_publicity.publish``, a providing unit's late submission of a permit or
  penalty decision, the matter is the submission batch, kind ``publication``), the rule key, who owes it
  (``owner_party`` as the rule files' liability entries name parties, ``owner_org`` the unit or department
  code), the rule value's citation, the business date the period counts from (``starts_on``), the due date
  (``due``; NULL where the regulation sets no number of days), ``provisional`` when the period runs into a
  year no loaded calendar covers (the earliest possible date, counted on weekdays alone, recomputed when
  that year is loaded), its ``state`` (open, done, cancelled), and ``overdue_on`` set by the sweep the
  first working day past due. Paused time (``duty_pauses``) is allowed only for duties the rule file's
  ``pause: true`` key lists. ``version`` is the optimistic lock: two clerks closing one duty at once, one
  of them gets a conflict.
- ``violations``: one per duty found overdue (a missed statutory time limit): the rule key, the article
  breached (``cite``) and the liability article the rule file names for that party (``liability``),
  recorded by the sweep or when a duty is done late. Never deleted.
- ``objections`` (异议): filed by a subject or its representative (portal, API) or registered at the
  counter by a clerk from a paper application (``channel`` counter, ``received_at`` the day it was
  received); its records (``objection_records``, each with the objection label it put on the record) and
  evidence files (``objection_evidence``, the bytes and their digest); routed to the center or
  transferred to the providing unit; decided with an ``outcome`` (corrected, supplemented,
  service_stopped, not_corrected) or refused (no legitimate reason, or repeated on the same grounds);
  re-examined by the competent department where the regulation provides it. Route ``institution``: an
  objection to information a credit service institution holds (``institution_code``), which that
  institution labels and decides within its own limits. ``correction_notices``: a correction passed on to
  the organisations that received the record, where the subject asks and the regulation gives the right.
- ``revocations`` (撤销): a providing unit reports that a record's basis was revoked or changed; the record
  leaves service at once and its content is erased within the limit (the digest stays).
- ``restorations`` (信用修复): a subject's application to restore its credit for one record, free of
  charge (there is no fee column, by design), decided by the providing unit or the center, and the
  record's removal from every read path.
- ``notices``: the written notices the steps give (objection result, restoration decision, revocation),
  with the facts they were rendered from, the digest of the rendering, and their delivery.
- ``scheduler_locks``: one row per background job (``sweep``): the process holding it and since when,
  so one sweep runs at a time across processes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base, UTCDateTime, utcnow

MATTER_KINDS = ("objection", "revocation", "restoration", "publication")
OWNER_PARTIES = ("platform_operator", "providing_unit", "competent_department", "credit_service_institution")
DUTY_STATES = ("open", "done", "cancelled")
OBJECTION_CHANNELS = ("portal", "api", "counter")
OBJECTION_STATUSES = ("received", "transferred", "decided", "refused", "reexamination", "closed")
OBJECTION_ROUTES = ("center", "provider", "institution")
OBJECTION_OUTCOMES = ("corrected", "supplemented", "service_stopped", "not_corrected")
REVOCATION_GROUNDS = ("deciding_organ", "reconsideration", "court", "changed")
REVOCATION_STATUSES = ("reported", "erased")
RESTORATION_STATUSES = ("received", "granted", "refused")
NOTICE_KINDS = ("objection_result", "reexamination_result", "restoration_decision", "revocation", "prior_notice")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Duty(Base):
    __tablename__ = "duties"
    __table_args__ = (
        CheckConstraint(_in("matter_kind", MATTER_KINDS), name="matter_kind"),
        CheckConstraint(_in("owner_party", OWNER_PARTIES), name="owner_party"),
        CheckConstraint(_in("state", DUTY_STATES), name="state"),
        CheckConstraint("due IS NULL OR due >= starts_on", name="due_not_before_start"),
        Index("ix_duties_matter", "matter_kind", "matter_id"),
        # the sweep: open duties by due date
        Index("ix_duties_open_due", "state", "due"),
        Index("ix_duties_owner", "owner_party", "owner_org"),
        # the sweep's recount: the few open duties whose due date is provisional, without a full scan
        Index("ix_duties_open_provisional", "state", "provisional"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    matter_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    matter_id: Mapped[int] = mapped_column(Integer, nullable=False)
    key: Mapped[str] = mapped_column(String(64), nullable=False)
    owner_party: Mapped[str] = mapped_column(String(32), nullable=False)
    owner_org: Mapped[str | None] = mapped_column(String(64))
    jurisdiction: Mapped[str] = mapped_column(String(64), nullable=False)
    cite: Mapped[str | None] = mapped_column(String(200))
    basis: Mapped[str] = mapped_column(String(32), nullable=False)      # statute, operator_target, no_time_limit…
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    due: Mapped[date | None] = mapped_column(Date)
    provisional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    overdue_on: Mapped[date | None] = mapped_column(Date)
    escalated_to: Mapped[str | None] = mapped_column(String(200))
    done_on: Mapped[date | None] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class DutyPause(Base):
    """Time not counted in a duty's period (inspection, testing, evaluation, expert review), where the
    rule file's ``pause: true`` key lists the duty; ``ended_on`` NULL while the pause lasts."""

    __tablename__ = "duty_pauses"
    __table_args__ = (CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    duty_id: Mapped[int] = mapped_column(ForeignKey("duties.id", ondelete="CASCADE"), nullable=False, index=True)
    reason: Mapped[str] = mapped_column(String(32), nullable=False)     # inspection, testing, evaluation, expert_review
    started_on: Mapped[date] = mapped_column(Date, nullable=False)
    ended_on: Mapped[date | None] = mapped_column(Date)
    cite: Mapped[str | None] = mapped_column(String(200))


class Violation(Base):
    __tablename__ = "violations"
    __table_args__ = (
        CheckConstraint(_in("owner_party", OWNER_PARTIES), name="owner_party"),
        Index("ix_violations_owner", "owner_party", "owner_org"),
        Index("ix_violations_detected", "detected_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    duty_id: Mapped[int] = mapped_column(ForeignKey("duties.id", ondelete="RESTRICT"), nullable=False, unique=True)
    key: Mapped[str] = mapped_column(String(64), nullable=False)
    owner_party: Mapped[str] = mapped_column(String(32), nullable=False)
    owner_org: Mapped[str | None] = mapped_column(String(64))
    jurisdiction: Mapped[str] = mapped_column(String(64), nullable=False)
    cite: Mapped[str | None] = mapped_column(String(200))               # the article breached
    liability: Mapped[str | None] = mapped_column(String(200))          # the liability article
    due: Mapped[date] = mapped_column(Date, nullable=False)
    detected_on: Mapped[date] = mapped_column(Date, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Objection(Base):
    __tablename__ = "objections"
    __table_args__ = (
        CheckConstraint(_in("channel", OBJECTION_CHANNELS), name="channel"),
        CheckConstraint(_in("status", OBJECTION_STATUSES), name="status"),
        CheckConstraint(f"route IS NULL OR {_in('route', OBJECTION_ROUTES)}", name="route"),
        CheckConstraint(f"outcome IS NULL OR {_in('outcome', OBJECTION_OUTCOMES)}", name="outcome"),
        Index("ix_objections_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="RESTRICT"), nullable=False, index=True)
    jurisdiction: Mapped[str] = mapped_column(String(64), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    # the actor's label, never a personal identifier
    filed_by: Mapped[str] = mapped_column(String(200), nullable=False)
    # a representative's authority (the document's reference), when not the subject itself
    representative_authority: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    received_on: Mapped[date] = mapped_column(Date, nullable=False)
    grounds: Mapped[str] = mapped_column(Text, nullable=False)
    grounds_digest: Mapped[str] = mapped_column(String(64), nullable=False)   # repeated grounds are found by it
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="received")
    route: Mapped[str | None] = mapped_column(String(16))
    unit_code: Mapped[str | None] = mapped_column(String(64))             # the providing unit it went to
    transferred_on: Mapped[date | None] = mapped_column(Date)
    # route 'institution': the credit service institution holding the information (its USCC), and its own
    # reference of the report or record objected to (migration 0015)
    institution_code: Mapped[str | None] = mapped_column(String(64))
    institution_reference: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(16))
    reasons: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)                      # where the information came from
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_on: Mapped[date | None] = mapped_column(Date)
    forward_to_recipients: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    reexamination_received_on: Mapped[date | None] = mapped_column(Date)
    reexamination_outcome: Mapped[str | None] = mapped_column(String(16))
    reexamination_reasons: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class ObjectionRecord(Base):
    __tablename__ = "objection_records"
    __table_args__ = (UniqueConstraint("objection_id", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    objection_id: Mapped[int] = mapped_column(ForeignKey("objections.id", ondelete="CASCADE"), nullable=False)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="RESTRICT"), nullable=False, index=True)
    label_id: Mapped[int | None] = mapped_column(ForeignKey("objection_labels.id", ondelete="SET NULL"))


class CorrectionNotice(Base):
    """A correction passed on to an organisation the inquiry log shows receiving a corrected record, on the
    subject's request where the rule file gives the right (``objection.forward_corrections``): which
    records, at which corrected version, under which article; read by the organisation through the API
    (``delivered_at``, the first read) and acknowledged by it (migration 0015)."""

    __tablename__ = "correction_notices"
    __table_args__ = (UniqueConstraint("objection_id", "organisation"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    objection_id: Mapped[int] = mapped_column(ForeignKey("objections.id", ondelete="RESTRICT"), nullable=False)
    organisation: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    records: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)   # [{record, id, version}]
    cite: Mapped[str] = mapped_column(String(200), nullable=False)
    issued_on: Mapped[date] = mapped_column(Date, nullable=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ObjectionEvidence(Base):
    __tablename__ = "objection_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    objection_id: Mapped[int] = mapped_column(ForeignKey("objections.id", ondelete="CASCADE"), nullable=False,
                                              index=True)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Revocation(Base):
    __tablename__ = "revocations"
    __table_args__ = (
        CheckConstraint(_in("grounds", REVOCATION_GROUNDS), name="grounds"),
        CheckConstraint(_in("status", REVOCATION_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="RESTRICT"), nullable=False, unique=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="RESTRICT"), nullable=False, index=True)
    unit_code: Mapped[str] = mapped_column(String(64), nullable=False)
    jurisdiction: Mapped[str] = mapped_column(String(64), nullable=False)
    grounds: Mapped[str] = mapped_column(String(16), nullable=False)
    basis: Mapped[str] = mapped_column(Text, nullable=False)             # the revoking document, as reported
    reported_by: Mapped[str] = mapped_column(String(200), nullable=False)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    reported_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="reported")
    content_sha256: Mapped[str | None] = mapped_column(String(64))       # the erased content's digest
    erased_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class Restoration(Base):
    __tablename__ = "restorations"
    __table_args__ = (
        CheckConstraint(_in("status", RESTORATION_STATUSES), name="status"),
        CheckConstraint(_in("channel", OBJECTION_CHANNELS), name="channel"),
        Index("ix_restorations_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="RESTRICT"), nullable=False, index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="RESTRICT"), nullable=False, index=True)
    jurisdiction: Mapped[str] = mapped_column(String(64), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    filed_by: Mapped[str] = mapped_column(String(200), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    received_on: Mapped[date] = mapped_column(Date, nullable=False)
    commitment: Mapped[str | None] = mapped_column(Text)                  # the credit commitment letter
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="received")
    decider: Mapped[str | None] = mapped_column(String(32))               # providing_unit / platform_operator
    unit_code: Mapped[str | None] = mapped_column(String(64))
    reasons: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_on: Mapped[date | None] = mapped_column(Date)
    removed_on: Mapped[date | None] = mapped_column(Date)                 # left every read path
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class Notice(Base):
    __tablename__ = "notices"
    __table_args__ = (
        CheckConstraint(_in("kind", NOTICE_KINDS), name="kind"),
        Index("ix_notices_matter", "matter_kind", "matter_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    matter_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    matter_id: Mapped[int] = mapped_column(Integer, nullable=False)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="RESTRICT"), nullable=False, index=True)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)  # what the notice says, to render it again
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)      # digest of the facts as issued
    issued_on: Mapped[date] = mapped_column(Date, nullable=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    delivered_via: Mapped[str | None] = mapped_column(String(16))        # portal, post, counter
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


DELIVERY_CHANNELS = ("post", "counter", "email")


class NoticeDelivery(Base):
    """A written notice served outside the portal (by post, at the counter, by e-mail), recorded by the
    center with the day it was served and its reference (a tracking number, a receipt); the portal's own
    delivery is the notice's ``delivered_via``/``delivered_at`` (migration 0016)."""

    __tablename__ = "notice_deliveries"
    __table_args__ = (CheckConstraint(_in("via", DELIVERY_CHANNELS), name="via"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="RESTRICT"), nullable=False, index=True)
    via: Mapped[str] = mapped_column(String(16), nullable=False)
    delivered_on: Mapped[date] = mapped_column(Date, nullable=False)
    reference: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200), nullable=False)


class SchedulerLock(Base):
    __tablename__ = "scheduler_locks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(200))
    since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished: Mapped[datetime | None] = mapped_column(UTCDateTime)
