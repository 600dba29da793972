"""Corrections passed on to the organisations that received copies, on the subject's request, where the rule
file gives that right (``objection.forward_corrections``).

- ``forward``: once an objection ended corrected or supplemented, the subject (or the center's clerk, from
  a request received at the counter) asks; an objection filed with the request is forwarded when it is
  decided. Every organisation the inquiry log shows receiving one of the objection's records gets one
  correction notice: which records, at which corrected version, under which article. Nothing of the
  subject or of the content goes in it: the organisation asks for the corrected record through the
  platform's one access policy, as for any read. Asked again, only organisations not yet notified get one.
- ``inbox`` / ``acknowledge``: the organisation, signed in with its API token, reads its notices (the first
  read is the delivery, ``delivered_at``) and acknowledges each (``acknowledged_at``).

Every notice issued, delivered and acknowledged is an entry in the audit ledger (ids, organisation code,
record ids and versions).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from xinyong.domain.platform.refusal import CONFLICT, NOT_FOUND, Refusal
from xinyong.rules.errors import NoValueInForce, RuleNotProvided
from xinyong.services.disclosure.references import resolve_record
from xinyong.services.objections.views import MATTER, correction_recipients, load_objection, record_links
from xinyong.services.platform.bootstrap import UnitOfWork
from xinyong.store.models.rights import CorrectionNotice, Objection

RIGHT = "objection.forward_corrections"
CORRECTED = ("corrected", "supplemented")


def _right(uow: UnitOfWork) -> str:
    """The citation of the right in force today; refused naming the rule key and the regulation elsewhere."""
    ruleset = uow.platform.rulebook.get(uow.platform.jurisdiction)
    cite = None
    if ruleset.has(RIGHT):
        try:
            value = ruleset.value(RIGHT, uow.platform.clock.today())
            cite = value.citation if value.value is True else None
        except (NoValueInForce, RuleNotProvided):
            cite = None
    if cite is None:
        raise Refusal("forward_to_recipients", "not_provided",
                      f"《{ruleset.title.zh}》未规定信用主体要求已获取信息的单位同步更正的权利（{RIGHT}）",
                      f"{ruleset.title.en} gives no right to have the organisations holding copies correct them "
                      f"({RIGHT})", status=CONFLICT)
    return cite


def issue_notices(uow: UnitOfWork, objection: Objection, cite: str) -> list[CorrectionNotice]:
    """A notice to every recipient of the objection's records not notified yet (the subject has asked)."""
    links = record_links(uow.session, objection.id)
    refs = [resolve_record(uow.session, link.record_id) for link in links]
    recipients = correction_recipients(uow.platform, uow.session, objection, [r.id for r in refs])
    done = set(uow.session.scalars(select(CorrectionNotice.organisation).where(
        CorrectionNotice.objection_id == objection.id)).all())
    records = [{"record": r.reference, "id": r.id, "version": r.current_version} for r in refs]
    made = []
    for organisation in recipients:
        if organisation in done:
            continue
        notice = CorrectionNotice(objection_id=objection.id, organisation=organisation, records=records, cite=cite,
                                  issued_on=uow.platform.clock.today(), issued_at=uow.platform.clock.now())
        uow.session.add(notice)
        uow.session.flush()
        uow.record("correction_notice.issued", MATTER, objection.id, {
            "notice_id": notice.id, "organisation": organisation,
            "records": {str(r["id"]): r["version"] for r in records}, "cite": cite})
        made.append(notice)
    return made


def forward(uow: UnitOfWork, objection_id: int, *, subject_id: int | None = None) -> list[CorrectionNotice]:
    """The subject's request that the recipients of its corrected records correct their copies."""
    cite = _right(uow)
    objection = load_objection(uow.session, objection_id, subject_id=subject_id)
    if objection.route == "institution" or objection.outcome not in CORRECTED:
        raise Refusal("objection", "nothing_corrected",
                      f"第 {objection.id} 号异议未在平台上更正或补充信息，没有可同步的更正",
                      f"objection {objection.id} corrected or supplemented nothing on the platform: there is no "
                      "correction to pass on", status=CONFLICT)
    if not objection.forward_to_recipients:
        objection.forward_to_recipients = True
        uow.session.flush()
        uow.record("objection.forward_requested", MATTER, objection.id, {"cite": cite})
    return issue_notices(uow, objection, cite)


def _as_dict(notice: CorrectionNotice) -> dict[str, Any]:
    def at(value: Any) -> str | None:
        return value.isoformat() if value is not None else None
    return {"id": notice.id, "objection_id": notice.objection_id, "organisation": notice.organisation,
            "records": notice.records, "cite": notice.cite, "issued_on": notice.issued_on.isoformat(),
            "issued_at": at(notice.issued_at), "delivered_at": at(notice.delivered_at),
            "acknowledged_at": at(notice.acknowledged_at),
            "message": {"zh": f"信用主体依据 {notice.cite} 要求：贵单位已获取的下列信用信息已在平台上更正，请同步更正"
                              "（更正后的信息请通过平台查询获取）。",
                        "en": f"At the credit subject's request under {notice.cite}: the credit information below, "
                              "which your organisation received, was corrected on the platform; please correct "
                              "your copy (obtain the corrected information by an inquiry on the platform)."}}


def inbox(uow: UnitOfWork, organisation: str, *, unacknowledged: bool = False) -> list[dict[str, Any]]:
    """The organisation's correction notices, newest first; the first read of each is its delivery."""
    q = select(CorrectionNotice).where(CorrectionNotice.organisation == organisation)
    if unacknowledged:
        q = q.where(CorrectionNotice.acknowledged_at.is_(None))
    notices = uow.session.scalars(q.order_by(CorrectionNotice.id.desc()).limit(500)).all()
    now = uow.platform.clock.now()
    for notice in notices:
        if notice.delivered_at is None:
            notice.delivered_at = now
            uow.record("correction_notice.delivered", MATTER, notice.objection_id,
                       {"notice_id": notice.id, "organisation": organisation})
    uow.session.flush()
    return [_as_dict(n) for n in notices]


def acknowledge(uow: UnitOfWork, notice_id: int, organisation: str) -> dict[str, Any]:
    """The organisation acknowledges a notice (another organisation's is unknown to it)."""
    notice = uow.session.get(CorrectionNotice, notice_id)
    if notice is None or notice.organisation != organisation:
        raise Refusal("notice", "notice_unknown", f"没有编号为 {notice_id} 的更正通知",
                      f"no correction notice {notice_id}", status=NOT_FOUND)
    if notice.acknowledged_at is not None:
        raise Refusal("notice", "already_acknowledged", f"更正通知 {notice_id} 已经确认",
                      f"the correction notice {notice_id} is already acknowledged", status=CONFLICT)
    now = uow.platform.clock.now()
    notice.delivered_at = notice.delivered_at or now
    notice.acknowledged_at = now
    uow.session.flush()
    uow.record("correction_notice.acknowledged", MATTER, notice.objection_id,
               {"notice_id": notice.id, "organisation": organisation})
    return _as_dict(notice)
