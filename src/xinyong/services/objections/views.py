"""An objection as it is read: the view the API, the CLI and the portal show (records, duties with their due
dates, notices, the recipients of corrections), one or a queue sorted by the nearest due date, and an evidence
file. Nothing here writes (``handling`` holds the steps)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from xinyong.domain.platform.refusal import NOT_FOUND, Refusal
from xinyong.services import duties, notices
from xinyong.services.disclosure.inquiry_log import MAX_PAGE, subject_inquiries
from xinyong.services.disclosure.references import RecordRef, resolve_record
from xinyong.services.platform.bootstrap import Platform
from xinyong.store.models.auth import ServiceInstitution
from xinyong.store.models.rights import CorrectionNotice, Objection, ObjectionEvidence, ObjectionRecord

MATTER = "objection"
STATUS_ZH = {"received": "已受理", "transferred": "已转交", "decided": "已处理", "refused": "不予受理",
             "reexamination": "复核中", "closed": "已办结"}


@dataclass(frozen=True)
class Evidence:
    """An evidence file as handed in (API multipart, portal upload)."""

    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class ObjectionView:
    id: int
    subject_id: int
    status: str
    channel: str
    route: str | None
    unit_code: str | None
    institution: dict[str, Any] | None          # route institution: {code, name, reference}
    received_on: date
    grounds: str
    representative_authority: str | None
    outcome: str | None
    reasons: str | None
    source: str | None
    decided_on: date | None
    forward_to_recipients: bool
    recipients: list[str]
    reexamination_received_on: date | None
    reexamination_outcome: str | None
    reexamination_reasons: str | None
    version: int
    records: list[RecordRef]
    evidence: list[dict[str, Any]]
    duties: list[duties.DutyView]
    notices: list[notices.NoticeView]
    corrections: list[dict[str, Any]]           # the correction notices passed on, and when each was read

    @property
    def next_due(self) -> date | None:
        due = [d.due for d in self.duties if d.due is not None and d.status in ("open", "overdue")]
        return min(due) if due else None

    def to_dict(self, *, grounds: bool = True) -> dict[str, Any]:
        """The JSON of an objection; ``grounds`` only to the subject and staff."""
        out: dict[str, Any] = {
            "id": self.id, "subject_id": self.subject_id, "status": self.status, "channel": self.channel,
            "route": self.route, "unit": self.unit_code, "institution": self.institution,
            "received_on": self.received_on.isoformat(),
            "representative_authority": self.representative_authority, "outcome": self.outcome,
            "reasons": self.reasons, "source": self.source,
            "decided_on": self.decided_on.isoformat() if self.decided_on else None,
            "forward_to_recipients": self.forward_to_recipients, "recipients": self.recipients,
            "reexamination": {"received_on": self.reexamination_received_on.isoformat()
                              if self.reexamination_received_on else None,
                              "outcome": self.reexamination_outcome, "reasons": self.reexamination_reasons},
            "version": self.version, "next_due": self.next_due.isoformat() if self.next_due else None,
            "records": [r.to_dict() for r in self.records], "evidence": self.evidence,
            "duties": [d.to_dict() for d in self.duties], "notices": [n.to_dict() for n in self.notices],
            "corrections_forwarded": self.corrections}
        if grounds:
            out["grounds"] = self.grounds
        return out


# -- reading ----------------------------------------------------------------------------------------

def unknown_objection(objection_id: int) -> Refusal:
    return Refusal("objection", "objection_unknown", f"没有编号为 {objection_id} 的异议",
                   f"no objection {objection_id}", status=NOT_FOUND)


def load_objection(session: Any, objection_id: int, *, subject_id: int | None = None,
                   unit_code: str | None = None, institution_code: str | None = None) -> Objection:
    """The objection; one the caller may not see (another subject's, not transferred to this unit, not
    made to this credit service institution) is answered as unknown."""
    objection = session.get(Objection, objection_id)
    if objection is None or (subject_id is not None and objection.subject_id != subject_id) or (
            unit_code is not None and (objection.unit_code != unit_code or objection.route != "provider")) or (
            institution_code is not None and (objection.institution_code != institution_code
                                              or objection.route != "institution")):
        raise unknown_objection(objection_id)
    return objection


def record_links(session: Any, objection_id: int) -> list[ObjectionRecord]:
    return list(session.scalars(select(ObjectionRecord).where(ObjectionRecord.objection_id == objection_id)
                                .order_by(ObjectionRecord.record_id)).all())


def correction_recipients(platform: Platform, session: Any, objection: Objection, record_ids: list[int]) -> list[str]:
    """The organisations the inquiry log shows receiving one of the records, where the subject asked
    for it (``objection.forward_corrections``: they are asked to correct their copies too)."""
    if not objection.forward_to_recipients:
        return []
    wanted, found, offset = set(record_ids), set(), 0
    while True:
        total, page = subject_inquiries(platform, session, objection.subject_id, limit=MAX_PAGE, offset=offset)
        found.update(v.organisation for v in page if v.organisation and wanted.intersection(v.returned_record_ids))
        offset += len(page)
        if not page or offset >= total:
            return sorted(found)


def _institution(session: Any, objection: Objection) -> dict[str, Any] | None:
    if objection.institution_code is None:
        return None
    name = session.scalar(select(ServiceInstitution.name).where(ServiceInstitution.code == objection.institution_code))
    return {"code": objection.institution_code, "name": name, "reference": objection.institution_reference}


def corrections_of(session: Any, objection_id: int) -> list[dict[str, Any]]:
    """The correction notices passed on for an objection: to whom, when, read and acknowledged when."""
    def at(value: Any) -> str | None:
        return value.isoformat() if value is not None else None
    return [{"id": n.id, "organisation": n.organisation, "records": n.records, "cite": n.cite,
             "issued_on": n.issued_on.isoformat(), "issued_at": at(n.issued_at), "delivered_at": at(n.delivered_at),
             "acknowledged_at": at(n.acknowledged_at)}
            for n in session.scalars(select(CorrectionNotice).where(CorrectionNotice.objection_id == objection_id)
                                     .order_by(CorrectionNotice.organisation)).all()]


def view_of(platform: Platform, session: Any, objection: Objection) -> ObjectionView:
    links = record_links(session, objection.id)
    records = [resolve_record(session, link.record_id) for link in links]
    evidence = [{"id": e.id, "filename": e.filename, "content_type": e.content_type, "size": e.size,
                 "sha256": e.sha256} for e in session.scalars(
        select(ObjectionEvidence).where(ObjectionEvidence.objection_id == objection.id)
        .order_by(ObjectionEvidence.id)).all()]
    own = [n for n in notices.notices_of_subject(session, objection.subject_id)
           if n.matter_kind == MATTER and n.matter_id == objection.id]
    return ObjectionView(
        objection.id, objection.subject_id, objection.status, objection.channel, objection.route,
        objection.unit_code, _institution(session, objection), objection.received_on, objection.grounds,
        objection.representative_authority,
        objection.outcome, objection.reasons, objection.source, objection.decided_on,
        objection.forward_to_recipients, correction_recipients(platform, session, objection, [r.id for r in records]),
        objection.reexamination_received_on, objection.reexamination_outcome, objection.reexamination_reasons,
        objection.version, records, evidence, duties.duties_of(platform, session, MATTER, objection.id),
        sorted(own, key=lambda n: n.id), corrections_of(session, objection.id))


def get_objection(platform: Platform, session: Any, objection_id: int, *, subject_id: int | None = None,
                  unit_code: str | None = None, institution_code: str | None = None) -> ObjectionView:
    """One objection as its subject (``subject_id``), a providing unit (``unit_code``: only those
    transferred to it), a credit service institution (``institution_code``: only those made to it) or
    the center (none) sees it."""
    return view_of(platform, session, load_objection(session, objection_id, subject_id=subject_id, unit_code=unit_code,
                                                     institution_code=institution_code))


def list_objections(platform: Platform, session: Any, *, status: str | None = None, subject_id: int | None = None,
                    unit_code: str | None = None, institution_code: str | None = None,
                    limit: int = 200) -> list[ObjectionView]:
    """The queue, the nearest open due date first (those with none last): the center's (all), a
    providing unit's (transferred to it), a credit service institution's (made to it), a subject's (its
    own)."""
    q = select(Objection)
    if status is not None:
        q = q.where(Objection.status == status)
    if subject_id is not None:
        q = q.where(Objection.subject_id == subject_id)
    if unit_code is not None:
        q = q.where(Objection.unit_code == unit_code, Objection.route == "provider")
    if institution_code is not None:
        q = q.where(Objection.institution_code == institution_code, Objection.route == "institution")
    rows = session.scalars(q.order_by(Objection.id.desc()).limit(limit)).all()
    views = [view_of(platform, session, o) for o in rows]
    return sorted(views, key=lambda v: (v.next_due is None, v.next_due or date.max, v.id))


def evidence_file(session: Any, objection_id: int, evidence_id: int, *, subject_id: int | None = None,
                  institution_code: str | None = None) -> ObjectionEvidence:
    """An evidence file's bytes (the subject's own, the institution an objection was made to, or staff:
    both None)."""
    load_objection(session, objection_id, subject_id=subject_id, institution_code=institution_code)
    row = session.get(ObjectionEvidence, evidence_id)
    if row is None or row.objection_id != objection_id:
        raise Refusal("evidence", "evidence_unknown", f"没有编号为 {evidence_id} 的证明材料",
                      f"no evidence file {evidence_id}", status=NOT_FOUND)
    return row
