"""Credit service institutions: their permit or filing and the agreements under which they
may use public credit information. Without a filing and an agreement in force there
is no authorized inquiry by an institution; the access policy reads ``agreement_in_force``.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from xinyong.domain.platform.refusal import Refusal
from xinyong.domain.subjects.identifiers import IdentifierKind, check_identifier
from xinyong.services.platform.bootstrap import UnitOfWork
from xinyong.store.models.auth import InstitutionAgreement, ServiceInstitution


def register(uow: UnitOfWork, *, code: str, name: str, filing_kind: str, filing_number: str, filed_with: str,
             filed_on: date) -> ServiceInstitution:
    check = check_identifier(code, hint=IdentifierKind.uscc)
    if not check.valid or check.kind is not IdentifierKind.uscc:
        raise Refusal("code", "identifier_invalid", check.message_zh or "须为统一社会信用代码",
                      check.message_en or "must be a Unified Social Credit Code")
    if filing_kind not in ("permit", "filing"):
        raise Refusal("filing_kind", "invalid", "须为 permit（许可）或 filing（备案）",
                      "must be permit or filing")
    if not filing_number.strip():
        raise Refusal("filing_number", "required", "须填写许可或备案编号",
                      "the permit or filing number is required")
    existing = uow.session.scalar(select(ServiceInstitution).where(ServiceInstitution.code == check.identifier))
    if existing is not None:
        return existing
    row = ServiceInstitution(code=check.identifier, name=name.strip(), filing_kind=filing_kind,
                             filing_number=filing_number.strip(), filed_with=filed_with.strip(), filed_on=filed_on,
                             created_at=uow.platform.clock.now())
    uow.session.add(row)
    uow.session.flush()
    uow.record("institution.registered", "service_institution", row.id,
               {"code": row.code, "filing_kind": filing_kind, "filing_number": row.filing_number})
    return row


def add_agreement(uow: UnitOfWork, institution_code: str, *, number: str, scope: list[str], purposes: list[str],
                  valid_from: date, valid_until: date) -> InstitutionAgreement:
    inst = uow.session.scalar(select(ServiceInstitution).where(ServiceInstitution.code == institution_code))
    if inst is None:
        raise Refusal("institution", "unknown", "未登记的信用服务机构（须先许可或备案）",
                      "unknown credit service institution (it must be permitted or filed first)")
    if valid_until < valid_from:
        raise Refusal("valid_until", "term", "协议终止日期早于起始日期", "the agreement ends before it starts")
    if not scope or not purposes:
        raise Refusal("scope" if not scope else "purposes", "required", "协议须写明范围和用途",
                      "an agreement must state its scope and purposes")
    row = InstitutionAgreement(institution_id=inst.id, number=number, scope=list(scope), purposes=list(purposes),
                               valid_from=valid_from, valid_until=valid_until, created_at=uow.platform.clock.now())
    uow.session.add(row)
    uow.session.flush()
    uow.record("institution.agreement_added", "service_institution", inst.id,
               {"agreement_id": row.id, "scope": row.scope, "purposes": row.purposes,
                "valid_from": valid_from.isoformat(), "valid_until": valid_until.isoformat()})
    return row


def terminate_agreement(uow: UnitOfWork, agreement_id: int, on: date) -> None:
    row = uow.session.get(InstitutionAgreement, agreement_id)
    if row is None:
        raise Refusal("agreement", "unknown", "协议不存在", "no such agreement")
    row.terminated_on = on
    uow.record("institution.agreement_terminated", "service_institution", row.institution_id,
               {"agreement_id": row.id, "on": on.isoformat()})


def agreement_in_force(session, institution_code: str, today: date) -> InstitutionAgreement | None:  # type: ignore[no-untyped-def]
    """The institution's agreement in force today, if it is filed and not revoked; else None."""
    inst = session.scalar(select(ServiceInstitution).where(ServiceInstitution.code == institution_code))
    if inst is None or (inst.revoked_on is not None and inst.revoked_on <= today):
        return None
    rows = session.scalars(select(InstitutionAgreement).where(
        InstitutionAgreement.institution_id == inst.id,
        InstitutionAgreement.valid_from <= today, InstitutionAgreement.valid_until >= today)).all()
    for row in rows:
        if row.terminated_on is None or row.terminated_on > today:
            return row
    return None


def list_institutions(session) -> list[tuple[ServiceInstitution, list[InstitutionAgreement]]]:  # type: ignore[no-untyped-def]
    """Every registered credit service institution with its agreements (newest first)."""
    institutions = session.scalars(select(ServiceInstitution).order_by(ServiceInstitution.name)).all()
    agreements: dict[int, list[InstitutionAgreement]] = {}
    for row in session.scalars(select(InstitutionAgreement).order_by(InstitutionAgreement.valid_from.desc())):
        agreements.setdefault(row.institution_id, []).append(row)
    return [(inst, agreements.get(inst.id, [])) for inst in institutions]
