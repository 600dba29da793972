"""A credit service institution's own objections: the steps the institution takes on an objection made to it
(route ``institution``, filed by ``handling.file_objection`` with ``institution_code`` where the rule file
times the institution's decision), each closing its own duty, owed by the institution and counted from the
receipt of the application on the working-day calendar:

- ``label``: the institution has labelled the disputed information it holds (``objection.institution_label``);
- ``decide``: corrected, supplemented or not corrected, with the information's source (and the reasons
  where not corrected); the written result reaches the applicant through the platform
  (``services.notices``: the result, the source, the deciding institution and the articles), closing
  ``objection.institution_decide`` and ``objection.institution_notify``. A decision without the label
  closes the label duty too (late, if its day has passed). Two answers at once: one stands, the other
  is a conflict.

The institution corrects its own copy: nothing here changes a record of the platform. A missed duty is
the sweep's, like any owing party's: overdue, escalated, a violation with the liability article the rule
file names for a credit service institution. The ledger gets each step with ids, keys and the outcome;
never the reasons or the source text.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from xinyong.domain.platform.refusal import CONFLICT, Refusal
from xinyong.services import duties, notices
from xinyong.services.objections.handling import (
    INSTITUTION_DECIDE,
    INSTITUTION_LABEL,
    INSTITUTION_NOTIFY,
    REASONS_MAX,
    _cites,
    _counts_from,
    _done,
    _expect,
    _flush,
    _record_refs,
    _text,
)
from xinyong.services.objections.views import MATTER, load_objection
from xinyong.services.platform.bootstrap import UnitOfWork
from xinyong.store.models.auth import ServiceInstitution
from xinyong.store.models.rights import Objection

OUTCOMES = ("corrected", "supplemented", "not_corrected")
SOURCE_MAX = 1000


def label(uow: UnitOfWork, objection_id: int, *, institution_code: str, version: int | None = None) -> Objection:
    """The institution reports that it has labelled the information under objection."""
    objection = load_objection(uow.session, objection_id, institution_code=institution_code)
    _expect(objection, ("received",), version)
    duty = duties.open_duty_of(uow, MATTER, objection.id, INSTITUTION_LABEL)
    if duty is None:
        raise Refusal("objection", "already_labelled", f"第 {objection.id} 号异议已经标注",
                      f"objection {objection.id} is already labelled", status=CONFLICT)
    duties.complete(uow, duty)
    uow.record("objection.institution_labelled", MATTER, objection.id, {"institution": institution_code})
    return objection


def _name(uow: UnitOfWork, code: str) -> str:
    return uow.session.scalar(select(ServiceInstitution.name).where(ServiceInstitution.code == code)) or code


def decide(uow: UnitOfWork, objection_id: int, *, institution_code: str, outcome: str, source: str,
           reasons: str | None = None, version: int | None = None) -> Objection:
    """The institution's decision and its written result to the applicant, with the information's source."""
    objection = load_objection(uow.session, objection_id, institution_code=institution_code)
    _expect(objection, ("received",), version)
    if outcome not in OUTCOMES:
        raise Refusal("outcome", "outcome_unknown", f"处理结果须为：{'、'.join(OUTCOMES)}",
                      f"the outcome must be one of {', '.join(OUTCOMES)}")
    text = _text(reasons, "reasons", REASONS_MAX, "不予更正的理由", "the reasons", required=outcome == "not_corrected")
    origin = _text(source, "source", SOURCE_MAX, "信息来源", "the source of the information")
    today = uow.platform.clock.today()
    objection.status, objection.outcome, objection.reasons = "decided", outcome, text
    objection.decided_by, objection.decided_on, objection.source = uow.actor.label(), today, origin
    _flush(uow, objection)           # a second answer on the same version is a conflict here
    if duties.open_duty_of(uow, MATTER, objection.id, INSTITUTION_LABEL) is not None:
        _done(uow, objection, INSTITUTION_LABEL)
    _done(uow, objection, INSTITUTION_DECIDE)
    name = _name(uow, institution_code)
    cites = _cites(uow, (INSTITUTION_LABEL, INSTITUTION_DECIDE, INSTITUTION_NOTIFY))
    facts: dict[str, Any] = {
        "objection_id": objection.id, "outcome": outcome, "reasons": text, "source": {"zh": origin, "en": origin},
        "records": [r.reference for r in _record_refs(uow, objection)] + [objection.institution_reference],
        "received_on": objection.received_on.isoformat(), "decided_on": today.isoformat(),
        "decided_by": "credit_service_institution", "institution": institution_code, "cites": cites,
        "statements": [{"zh": f"本异议由信用服务机构{name}（统一社会信用代码 {institution_code}）处理并作出决定，"
                              f"其报告或记录编号为 {objection.institution_reference}",
                        "en": f"This objection was handled and decided by the credit service institution {name} "
                              f"(USCC {institution_code}), its report or record {objection.institution_reference}",
                        "cite": cites.get(INSTITUTION_DECIDE, "")}],
        "reexamination": False}
    notices.issue(uow, kind="objection_result", matter_kind=MATTER, matter_id=objection.id,
                  subject_id=objection.subject_id, facts=facts)
    _done(uow, objection, INSTITUTION_NOTIFY, owner=duties.Owner.credit_service_institution, owner_org=institution_code,
          open_from=today if _counts_from(uow, INSTITUTION_NOTIFY, today) == "decision" else None)
    uow.record("objection.decided", MATTER, objection.id, {
        "outcome": outcome, "route": "institution", "by": "credit_service_institution",
        "institution": institution_code})
    return objection
