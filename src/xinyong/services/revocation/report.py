"""A providing unit reports that the basis of one of its records was revoked or changed (by the deciding
organ, on reconsideration, by a court, or otherwise changed).

In one transaction: the revocation is stored; the record leaves service (``revoked``: the access
policy serves it to no one, its subject included); the ``revocation.delete`` duty opens, owed by the
center and counted from the report under the rule file (where the regulation defers to the State and
the State's rule has no value, it opens with no due date, basis ``state_rule_pending``); the content is
erased at once (``aggregation.writer.erase_record_content``: every version's payload emptied, the
digest kept) and the duty completes the same day, within any limit; the subject gets the written
notice (kind ``revocation``). The ledger gets the events, the record's id and the content's digest,
never the content or the reported basis.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from xinyong.domain.duties import Owner
from xinyong.domain.duties.time_limits import describe
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.clock import business_date
from xinyong.domain.platform.refusal import CONFLICT, FORBIDDEN, NOT_FOUND, Refusal
from xinyong.services.aggregation import writer
from xinyong.services.disclosure.references import RecordRef, resolve_record
from xinyong.services.duties import complete, duties_of, open_duty
from xinyong.services.notices import issue
from xinyong.services.platform.bootstrap import Platform, UnitOfWork
from xinyong.store.models.rights import REVOCATION_GROUNDS, Notice, Revocation

CENTER_ROLES = frozenset({Role.operator, Role.administrator, Role.system})
MAX_BASIS = 4000


def _may_report(actor: Actor, ref: RecordRef) -> None:
    """The providing unit that owns the record, or the center on its behalf."""
    if actor.role in CENTER_ROLES:
        return
    if actor.role is Role.providing_unit and actor.organisation == ref.unit_code:
        return
    raise Refusal("record", "not_records_unit", "只有提供该信息的单位（或信用中心代为）可以报告撤销",
                  "only the providing unit that submitted the record (or the center on its behalf) may report "
                  "its revocation", status=FORBIDDEN)


@dataclass(frozen=True)
class RevocationView:
    id: int
    status: str
    record: dict[str, Any]
    grounds: str
    basis: str
    reported_by: str
    reported_on: date
    erased_on: date | None
    content_sha256: str | None
    duties: list[dict[str, Any]]
    notices: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "record": self.record, "grounds": self.grounds,
                "basis": self.basis, "reported_by": self.reported_by, "reported_on": self.reported_on.isoformat(),
                "erased_on": self.erased_on.isoformat() if self.erased_on else None,
                "content_sha256": self.content_sha256, "duties": self.duties, "notices": self.notices}


def _duty_dicts(platform: Platform, session: Any, matter_id: int) -> list[dict[str, Any]]:
    return [{**d.to_dict(), "time_limit": describe(d.basis, d.due)}
            for d in duties_of(platform, session, "revocation", matter_id)]


def view(platform: Platform, session: Any, revocation: Revocation) -> RevocationView:
    ref = resolve_record(session, revocation.record_id)
    notices = [{"id": n.id, "kind": n.kind, "issued_on": n.issued_on.isoformat()}
               for n in session.scalars(select(Notice).where(Notice.matter_kind == "revocation",
                                                             Notice.matter_id == revocation.id)
                                        .order_by(Notice.id)).all()]
    return RevocationView(revocation.id, revocation.status, ref.to_dict(), revocation.grounds, revocation.basis,
                          revocation.reported_by, revocation.reported_on, revocation.erased_on,
                          revocation.content_sha256, _duty_dicts(platform, session, revocation.id), notices)


def report_revocation(uow: UnitOfWork, record_ref: str | int, *, grounds: str, basis: str,
                      received: datetime | None = None) -> RevocationView:
    """Report a record's basis revoked: the record leaves service at once and its content is erased in
    the same transaction (the ``revocation.delete`` duty done on the day it opens)."""
    session = uow.session
    ref = resolve_record(session, record_ref)
    _may_report(uow.actor, ref)
    if grounds not in REVOCATION_GROUNDS:
        raise Refusal("grounds", "grounds_unknown", f"撤销依据须为：{'、'.join(REVOCATION_GROUNDS)}",
                      f"grounds must be one of {', '.join(REVOCATION_GROUNDS)}")
    basis = (basis or "").strip()
    if not basis or len(basis) > MAX_BASIS:
        raise Refusal("basis", "basis_required", f"请填写撤销或变更的文书（不超过 {MAX_BASIS} 字）",
                      f"give the revoking or changing document (at most {MAX_BASIS} characters)")
    if session.scalar(select(Revocation.id).where(Revocation.record_id == ref.id)) is not None:
        raise Refusal("record", "already_revoked", "该记录的撤销已经报告", "the record's revocation was already "
                      "reported", status=CONFLICT)
    now = uow.platform.clock.now()
    at = received or now
    revocation = Revocation(record_id=ref.id, subject_id=ref.subject_id, unit_code=ref.unit_code,
                            jurisdiction=uow.platform.jurisdiction, grounds=grounds, basis=basis,
                            reported_by=uow.actor.label(), reported_at=at, reported_on=business_date(at),
                            status="reported")
    session.add(revocation)
    session.flush()
    uow.record("revocation.reported", "revocation", revocation.id,
               {"record_id": ref.id, "unit": ref.unit_code, "grounds": grounds, "channel": "report"})
    writer.revoke_record(uow, ref.id, revocation_id=revocation.id)
    duty = open_duty(uow, matter_kind="revocation", matter_id=revocation.id, key="revocation.delete",
                     owner=Owner.platform_operator, owner_org=None, starts=at)
    digest = writer.erase_record_content(uow, ref.id)
    today = uow.platform.clock.today()
    revocation.status, revocation.content_sha256, revocation.erased_on = "erased", digest, today
    session.flush()
    complete(uow, duty, on=today)
    uow.record("revocation.erased", "revocation", revocation.id, {"record_id": ref.id, "content_sha256": digest})
    issue(uow, kind="revocation", matter_kind="revocation", matter_id=revocation.id, subject_id=ref.subject_id,
          facts={"record": ref.reference, "item": ref.item_code, "unit": ref.unit_code, "grounds": grounds,
                 "reported_on": revocation.reported_on.isoformat(), "erased_on": today.isoformat(),
                 "duty": {"key": duty.key, "cite": duty.cite, "basis": duty.basis,
                          "due": duty.due.isoformat() if duty.due else None}})
    return view(uow.platform, session, revocation)


def get_revocation(platform: Platform, session: Any, revocation_id: int, actor: Actor) -> RevocationView:
    """One revocation, for the center, the unit that reported it, or the subject it concerns (by the
    interface: ``actor`` of role subject is checked against the subject by the caller)."""
    revocation = session.get(Revocation, revocation_id)
    if revocation is None or not (actor.role in CENTER_ROLES or actor.role is Role.competent_department
                                  or (actor.role is Role.providing_unit
                                      and actor.organisation == revocation.unit_code)):
        raise Refusal("id", "revocation_unknown", f"没有编号为 {revocation_id} 的撤销",
                      f"no revocation {revocation_id}", status=NOT_FOUND)
    return view(platform, session, revocation)


def get_own_revocation(platform: Platform, session: Any, revocation_id: int, subject_id: int) -> RevocationView:
    revocation = session.get(Revocation, revocation_id)
    if revocation is None or revocation.subject_id != subject_id:
        raise Refusal("id", "revocation_unknown", f"没有编号为 {revocation_id} 的撤销",
                      f"no revocation {revocation_id}", status=NOT_FOUND)
    return view(platform, session, revocation)
