"""Credit restoration (信用修复): the subject's application for one of its records, its eligibility under
the rule files, the decision, and the record's removal from every read path.

Free of charge everywhere: nothing in the application, the decision or the JSON carries a fee (there is
no such column, by design; the rule files' ``restoration.free``).

Eligibility (an ineligible application is refused with the reason and the article): the record is the
applicant's own, in service, and untrustworthiness information; no application for it is pending; the
minimum publicity period of its display rule in force on its decision date has been served (the span's
``min``: the national tiers of ``display.penalty.*``); where the rule file requires it
(``restoration.commitment``), the credit commitment letter is given.

Duties: ``restoration.decide`` (owed by the providing unit, counted from the application's receipt; with
no due date where the regulation sets none or defers to a State rule without a value) and, on a grant,
``restoration.remove`` (owed by the center, counted from the decision): the record is removed at once
(``aggregation.writer.restore_record``) and the duty done the same day. Two deciders at once: the
restoration's version column lets one decision stand and the other is refused with 409. The subject gets
the written notice (kind ``restoration_decision``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from xinyong.domain.duties import Owner
from xinyong.domain.duties.time_limits import describe
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.clock import business_date
from xinyong.domain.platform.refusal import CONFLICT, FORBIDDEN, NOT_FOUND, Refusal
from xinyong.rules.errors import NoValueInForce, RuleNotProvided
from xinyong.services.aggregation import writer
from xinyong.services.disclosure.references import RecordRef, minimum_publicity, records_resting_on, resolve_record
from xinyong.services.duties import complete, duties_of, open_duty, open_duty_of
from xinyong.services.notices import issue
from xinyong.services.platform.bootstrap import Platform, UnitOfWork
from xinyong.store.models.rights import OBJECTION_CHANNELS, Notice, Restoration

CENTER_ROLES = frozenset({Role.operator, Role.administrator, Role.system})
MAX_TEXT = 8000
UNTRUSTWORTHY = "untrustworthiness"

# The cascade of a granted restoration. Done: the records that follow the restored decision out of service
# (``references.records_resting_on``): the same subject's entries naming it as their basis
# (``basis_document_number``: a serious-list or joint-punishment entry designated on it), and the records of
# the organisation's responsible persons on the same decision. Still to come, once the features exist
# (punishment measures, credit assessments, copies held by institutions): shown in the restoration's JSON,
# so that nobody takes them for done.
CASCADE_DONE: tuple[dict[str, str], ...] = (
    {"key": "serious_list", "why": "listed", "zh": "移出以该决定为依据的严重失信主体名单和联合惩戒名单",
     "en": "off the serious and joint-punishment lists entered on this decision"},
    {"key": "responsible_persons", "why": "responsible", "zh": "删除相关责任人就同一决定的关联记录",
     "en": "the responsible persons' records on the same decision removed"},
)
CASCADE_PENDING: tuple[dict[str, str], ...] = (
    {"key": "measures", "zh": "解除相应的失信惩戒措施", "en": "the punishment measures lifted"},
    {"key": "assessments", "zh": "重新计算信用评价", "en": "credit assessments recomputed"},
    {"key": "copies", "zh": "通知已获取该信息的机构", "en": "institutions holding copies notified"},
)


@dataclass(frozen=True)
class RestorationView:
    id: int
    subject_id: int
    status: str
    channel: str
    record: dict[str, Any]
    unit: str | None
    received_on: date
    commitment: str | None
    decider: str | None
    reasons: str | None
    decided_on: date | None
    removed_on: date | None
    version: int
    duties: list[dict[str, Any]]
    notices: list[dict[str, Any]]
    cascaded: tuple[tuple[int, str], ...] = ()     # the records that left service with it, and why

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "subject_id": self.subject_id, "status": self.status, "channel": self.channel,
                "record": self.record, "unit": self.unit, "received_on": self.received_on.isoformat(),
                "commitment": self.commitment, "decider": self.decider, "reasons": self.reasons,
                "decided_on": self.decided_on.isoformat() if self.decided_on else None,
                "removed_on": self.removed_on.isoformat() if self.removed_on else None,
                "version": self.version, "duties": self.duties, "notices": self.notices,
                "cascade": {"status": "partial", "done": [
                    {"key": c["key"], "zh": c["zh"], "en": c["en"],
                     "records": [i for i, why in self.cascaded if why == c["why"]]} for c in CASCADE_DONE],
                    "will_cover": list(CASCADE_PENDING)}}


def view(platform: Platform, session: Any, r: Restoration) -> RestorationView:
    ref = resolve_record(session, r.record_id)
    duties = [{**d.to_dict(), "time_limit": describe(d.basis, d.due)}
              for d in duties_of(platform, session, "restoration", r.id)]
    notices = [{"id": n.id, "kind": n.kind, "issued_on": n.issued_on.isoformat()}
               for n in session.scalars(select(Notice).where(Notice.matter_kind == "restoration",
                                                             Notice.matter_id == r.id).order_by(Notice.id)).all()]
    cascaded = tuple(records_resting_on(session, r.record_id, status="restored")) if r.status == "granted" else ()
    return RestorationView(r.id, r.subject_id, r.status, r.channel, ref.to_dict(), r.unit_code, r.received_on,
                           r.commitment, r.decider, r.reasons, r.decided_on, r.removed_on, r.version, duties,
                           notices, cascaded)


def _flag(platform: Platform, key: str, on: date) -> tuple[bool, str | None]:
    ruleset = platform.rulebook.get(platform.jurisdiction)
    if not ruleset.has(key):
        return False, None
    try:
        value = ruleset.value(key, on)
    except (NoValueInForce, RuleNotProvided):
        return False, None
    return bool(value.value), value.citation


def _refuse(field: str, reason: str, zh: str, en: str, status: int = 422) -> Refusal:
    return Refusal(field, reason, zh, en, status=status)


@dataclass(frozen=True)
class Eligibility:
    """What the rule files ask of an application for one record, before it is filed (the portal's form
    shows it): the minimum publicity period's last day and article, whether the commitment letter is
    required and the article, that restoration is free and the article; ``refusal``, what applying now
    would be refused with (the commitment letter aside: the form asks for it)."""

    ref: RecordRef
    minimum_ends: date | None
    minimum_cite: str | None
    commitment_required: bool
    commitment_cite: str | None
    free: bool
    free_cite: str | None
    refusal: Refusal | None


def eligibility(platform: Platform, session: Any, subject_id: int, record_ref: str | int, *,
                on: date | None = None) -> Eligibility:
    """The eligibility of ``subject_id``'s application for a record on ``on`` (today by default): the
    checks ``apply_restoration`` makes, answered instead of raised. Another subject's record, or an
    unknown one, is refused as unknown (404)."""
    ref = resolve_record(session, record_ref)
    if ref.subject_id != subject_id:
        raise _refuse("record", "record_not_own", "该记录不属于申请人", "the record is not the applicant's own",
                      NOT_FOUND)
    today = platform.clock.today()
    on = on or today
    minimum = minimum_publicity(platform, session, ref.id) if ref.status == "active" else None
    needed, cite = _flag(platform, "restoration.commitment", on)
    free, free_cite = _flag(platform, "restoration.free", on)
    refusal: Refusal | None = None
    pending = session.scalar(select(Restoration.id).where(Restoration.record_id == ref.id,
                                                          Restoration.status == "received"))
    if ref.status != "active":
        refusal = _refuse("record", "record_not_active", "该记录已不在服务中，无需修复",
                          "the record is no longer in service: there is nothing to restore", CONFLICT)
    elif ref.category != UNTRUSTWORTHY:
        refusal = _refuse("record", "not_untrustworthiness", "信用修复只适用于失信信息",
                          "credit restoration applies to untrustworthiness information only")
    elif pending is not None:
        refusal = _refuse("record", "restoration_pending", f"该记录的信用修复申请（编号 {pending}）正在办理",
                          f"an application for this record (no. {pending}) is being handled", CONFLICT)
    elif minimum is not None and minimum.ends is not None and today <= minimum.ends:
        refusal = _refuse("record", "minimum_period_not_served",
                          f"最短公示期限至 {minimum.ends.isoformat()} 届满，届满后方可申请信用修复（{minimum.cite}）",
                          f"the minimum publicity period ends on {minimum.ends.isoformat()}; restoration can be "
                          f"applied for after it ({minimum.cite})")
    return Eligibility(ref, minimum.ends if minimum else None, minimum.cite if minimum else None, needed, cite,
                       free, free_cite, refusal)


def apply_restoration(uow: UnitOfWork, subject_id: int, record_ref: str | int, *, commitment: str | None = None,
                      received: datetime | None = None, channel: str = "portal") -> RestorationView:
    """The subject's application (portal, API) or one a clerk registers at the counter from paper
    (``received``: when it was received). Refused with the reason and the article when ineligible."""
    actor, session, platform = uow.actor, uow.session, uow.platform
    if channel not in OBJECTION_CHANNELS:
        raise _refuse("channel", "channel_unknown", f"渠道须为：{'、'.join(OBJECTION_CHANNELS)}",
                      f"channel must be one of {', '.join(OBJECTION_CHANNELS)}")
    if actor.role not in CENTER_ROLES and actor.role is not Role.subject:
        raise _refuse("subject", "role_not_allowed", "只有信息主体本人或信用中心窗口可以申请信用修复",
                      "only the subject itself or the center's counter may apply for restoration", FORBIDDEN)
    at = received or platform.clock.now()
    found = eligibility(platform, session, subject_id, record_ref, on=business_date(at))
    if found.refusal is not None:
        raise found.refusal
    ref, needed, cite = found.ref, found.commitment_required, found.commitment_cite
    commitment = (commitment or "").strip() or None
    if needed and not commitment:
        raise _refuse("commitment", "commitment_required", f"申请信用修复须提交信用承诺书（{cite}）",
                      f"a restoration application needs the credit commitment letter ({cite})")
    if commitment and len(commitment) > MAX_TEXT:
        raise _refuse("commitment", "commitment_too_long", f"承诺书不超过 {MAX_TEXT} 字",
                      f"the commitment letter is at most {MAX_TEXT} characters")
    restoration = Restoration(subject_id=subject_id, record_id=ref.id, jurisdiction=platform.jurisdiction,
                              channel=channel, filed_by=actor.label(), received_at=at, received_on=business_date(at),
                              commitment=commitment, status="received", decider="providing_unit",
                              unit_code=ref.unit_code, created_at=platform.clock.now())
    session.add(restoration)
    session.flush()
    uow.record("restoration.applied", "restoration", restoration.id,
               {"record_id": ref.id, "unit": ref.unit_code, "channel": channel,
                "received_on": restoration.received_on.isoformat(), "commitment": commitment is not None})
    open_duty(uow, matter_kind="restoration", matter_id=restoration.id, key="restoration.decide",
              owner=Owner.providing_unit, owner_org=ref.unit_code, starts=at)
    return view(platform, session, restoration)


def _restoration(session: Any, restoration_id: int) -> Restoration:
    r = session.get(Restoration, restoration_id)
    if r is None:
        raise _refuse("id", "restoration_unknown", f"没有编号为 {restoration_id} 的信用修复申请",
                      f"no restoration application {restoration_id}", NOT_FOUND)
    return r


def _may_decide(actor: Actor, r: Restoration) -> None:
    if actor.role in CENTER_ROLES:
        return
    if actor.role is Role.providing_unit and actor.organisation == r.unit_code:
        return
    raise _refuse("id", "not_restorations_unit", "只有提供该信息的单位或信用中心可以作出修复决定",
                  "only the providing unit of the record or the center may decide", FORBIDDEN)


def decide_restoration(uow: UnitOfWork, restoration_id: int, *, grant: bool, reasons: str,
                       expected_version: int | None = None) -> RestorationView:
    """Grant or refuse; a grant removes the record from every read path at once. A decision already
    made (or a stale ``expected_version``, or another decision committed meanwhile) is a 409."""
    session, platform = uow.session, uow.platform
    r = _restoration(session, restoration_id)
    _may_decide(uow.actor, r)
    reasons = (reasons or "").strip()
    if not reasons or len(reasons) > MAX_TEXT:
        raise _refuse("reasons", "reasons_required", "请填写决定理由", "give the decision's reasons")
    if r.status != "received" or (expected_version is not None and expected_version != r.version):
        raise _refuse("id", "already_decided", "该申请已由他人作出决定（或已变化），请刷新后查看",
                      "the application was decided (or changed) meanwhile: reload it", CONFLICT)
    today = platform.clock.today()
    r.status = "granted" if grant else "refused"
    r.reasons, r.decided_by, r.decided_on = reasons, uow.actor.label(), today
    r.decider = "platform_operator" if uow.actor.role in CENTER_ROLES else "providing_unit"
    try:
        session.flush()
    except StaleDataError:
        raise _refuse("id", "already_decided", "该申请已由他人作出决定，请刷新后查看",
                      "another decision was made meanwhile: reload the application", CONFLICT) from None
    uow.record("restoration.decided", "restoration", r.id, {"grant": grant, "decider": r.decider,
                                                            "decided_on": today.isoformat()})
    decide = open_duty_of(uow, "restoration", r.id, "restoration.decide")
    if decide is not None:
        complete(uow, decide, on=today)
    facts: dict[str, Any] = {"grant": grant, "reasons": reasons, "decided_on": today.isoformat(),
                             "received_on": r.received_on.isoformat()}
    if grant:
        record = writer.restore_record(uow, r.record_id, restoration_id=r.id)
        cascaded = records_resting_on(session, record.id)      # lists entered on it, responsible persons
        for rid, _why in cascaded:
            writer.restore_record(uow, rid, restoration_id=r.id)
        if cascaded:
            uow.record("restoration.cascaded", "restoration", r.id,
                       {"records": [rid for rid, _ in cascaded], "why": [why for _, why in cascaded]})
        facts["cascaded"] = len(cascaded)
        remove = open_duty(uow, matter_kind="restoration", matter_id=r.id, key="restoration.remove",
                           owner=Owner.platform_operator, owner_org=None, starts=today)
        complete(uow, remove, on=today)
        r.removed_on = today
        session.flush()
        facts.update({"record_id": record.id, "unit": record.unit_code, "item": record.item_code,
                      "removed_on": today.isoformat(), "remove_cite": remove.cite})
    issue(uow, kind="restoration_decision", matter_kind="restoration", matter_id=r.id, subject_id=r.subject_id,
          facts=facts)
    return view(platform, session, r)


def get_restoration(platform: Platform, session: Any, restoration_id: int, actor: Actor,
                    subject_id: int | None = None) -> RestorationView:
    """One application: the center and the competent department see any, a providing unit its own
    records', a subject its own (``subject_id``); anyone else is told there is no such application."""
    r = session.get(Restoration, restoration_id)
    allowed = r is not None and (
        actor.role in CENTER_ROLES or actor.role is Role.competent_department
        or (actor.role is Role.providing_unit and actor.organisation == r.unit_code)
        or (actor.role is Role.subject and subject_id is not None and r.subject_id == subject_id))
    if not allowed:
        raise _refuse("id", "restoration_unknown", f"没有编号为 {restoration_id} 的信用修复申请",
                      f"no restoration application {restoration_id}", NOT_FOUND)
    assert r is not None
    return view(platform, session, r)


def list_restorations(platform: Platform, session: Any, actor: Actor, *, subject_id: int | None = None,
                      status: str | None = None, limit: int = 500) -> list[RestorationView]:
    """The queue by the decision's due date (undated last): the center and the competent department
    all, a providing unit its own records', a subject its own."""
    q = select(Restoration)
    if actor.role in CENTER_ROLES or actor.role is Role.competent_department:
        pass
    elif actor.role is Role.providing_unit and actor.organisation:
        q = q.where(Restoration.unit_code == actor.organisation)
    elif actor.role is Role.subject and subject_id is not None:
        q = q.where(Restoration.subject_id == subject_id)
    else:
        raise _refuse(None, "role_not_allowed", "当前身份无权查看信用修复申请",
                      "this role may not see restoration applications", FORBIDDEN)
    if status is not None:
        q = q.where(Restoration.status == status)
    views = [view(platform, session, r) for r in session.scalars(q.order_by(Restoration.id).limit(limit)).all()]

    def due(v: RestorationView) -> tuple[int, str, int]:
        decide = next((d for d in v.duties if d["key"] == "restoration.decide"), None)
        when = decide["due"] if decide else None
        return (0 if when else 1, when or "", v.id)

    return sorted(views, key=due)
