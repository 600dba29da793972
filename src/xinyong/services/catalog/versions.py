"""A catalog version through its lifecycle (``domain.catalog.lifecycle`` decides, this module loads,
stores and writes the ledger): ``create_version`` (a draft, by default carrying the items of the
version in force) → ``add_item`` / ``replace_item`` / ``remove_item`` → ``open_comment``
(``catalog.public_comment``) → ``record_comment`` → ``record_assessment`` where required
(``catalog.assessment.*``) → ``approve`` (``catalog.approval``) → ``set_in_force`` from a date (the
version it replaces is superseded from that date and kept). ``withdraw`` ends a version that never
took effect.

The rules come from the rule file of the version's jurisdiction, as in force on the day of the act
(``law.catalog_law``). Every change is recorded in the audit ledger in the same transaction; facts hold
ids, codes and SHA-256 digests, never the text of a comment or the name of a commenter.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select

from xinyong.domain.catalog import law as dc_law
from xinyong.domain.catalog import lifecycle as dc_life
from xinyong.domain.catalog.items import CatalogItemSpec
from xinyong.domain.catalog.lifecycle import CommentStance, VersionState
from xinyong.domain.platform.refusal import CONFLICT, Refusal
from xinyong.services.catalog.items import (
    check_jurisdiction,
    check_spec,
    columns,
    items_digest,
    sha256_text,
    spec_digest,
    spec_of,
)
from xinyong.services.catalog.law import catalog_law
from xinyong.services.catalog.views import (
    IN_FORCE_STATES,
    AssessmentView,
    CommentView,
    VersionView,
    assessment_view,
    comment_view,
    load_version,
    required_grounds,
    view,
)
from xinyong.services.platform.bootstrap import UnitOfWork
from xinyong.store.models.catalog import CatalogAssessment, CatalogComment, CatalogItem, CatalogVersion

__all__ = ["COMMENTER_KINDS", "add_item", "approve", "create_version", "open_comment", "put_item",
           "record_assessment", "record_comment", "remove_item", "replace_item", "set_in_force", "withdraw"]

COMMENTER_KINDS = ("government", "department", "market_entity", "industry_association", "legal_service",
                   "expert", "public", "other")
"""Who comments on a draft catalog (the lists of ``catalog.public_comment``' articles): governments of
the districts, departments, market entities, industry associations and chambers of commerce, legal
service institutions, experts and scholars, the public."""


def _touch(uow: UnitOfWork, row: CatalogVersion) -> None:
    row.updated_at = uow.platform.clock.now()


def create_version(uow: UnitOfWork, *, jurisdiction: str, title_zh: str, title_en: str, reason: str = "",
                   proposer: str = "", significant_impact: bool = False, based_on: int | None = None,
                   copy_items: bool = True) -> VersionView:
    """A new draft. ``copy_items`` starts it from the items of ``based_on`` or of the latest version that
    took effect, so a revision changes only what it means to change."""
    check_jurisdiction(uow, jurisdiction)
    if not title_zh.strip() or not title_en.strip():
        raise Refusal("title", "required", "目录版本须有中英文标题",
                      "a catalog version needs a title in zh and en")
    session = uow.session
    base: CatalogVersion | None = None
    if based_on is not None:
        base = load_version(session, based_on)
        if base.jurisdiction != jurisdiction:
            raise Refusal("based_on", "other_jurisdiction", "基础版本属于其他法规（辖区）",
                          "the version to start from belongs to another jurisdiction")
    elif copy_items:
        base = session.scalars(
            select(CatalogVersion).where(CatalogVersion.jurisdiction == jurisdiction,
                                         CatalogVersion.state.in_(IN_FORCE_STATES))
            .order_by(CatalogVersion.in_force_from.desc())
        ).first()
    number = (session.scalar(select(func.max(CatalogVersion.number))
                             .where(CatalogVersion.jurisdiction == jurisdiction)) or 0) + 1
    now = uow.platform.clock.now()
    row = CatalogVersion(jurisdiction=jurisdiction, number=number, title_zh=title_zh.strip(),
                         title_en=title_en.strip(), reason=reason.strip(), proposer=proposer.strip(),
                         state=VersionState.draft.value, significant_impact=significant_impact,
                         based_on_id=base.id if base is not None else None, created_at=now, updated_at=now)
    session.add(row)
    if base is not None and copy_items:
        for position, item in enumerate(base.items):
            row.items.append(CatalogItem(position=position, created_at=now, **columns(spec_of(item))))
    session.flush()
    uow.record("catalog.version_created", "catalog_version", row.id,
               {"jurisdiction": jurisdiction, "number": number, "based_on": row.based_on_id,
                "item_count": len(row.items), "items_sha256": items_digest(row.items),
                "reason_sha256": sha256_text(row.reason)})
    return view(session, row)


def add_item(uow: UnitOfWork, version_id: int, spec: CatalogItemSpec) -> CatalogItemSpec:
    """Add an item to a draft; refused if the code is already there (use ``replace_item``)."""
    row = load_version(uow.session, version_id, lock=True)
    dc_life.check_editable(row.state)
    check_spec(uow, row.jurisdiction, spec)
    if any(i.code == spec.code for i in row.items):
        raise Refusal("code", "item_exists", f"目录草案已有事项 {spec.code}，请使用替换",
                      f"the draft already has item {spec.code}: replace it instead", status=CONFLICT)
    position = max((i.position for i in row.items), default=-1) + 1
    row.items.append(CatalogItem(position=position, created_at=uow.platform.clock.now(), **columns(spec)))
    _touch(uow, row)
    uow.session.flush()
    uow.record("catalog.item_added", "catalog_version", row.id,
               {"item": spec.code, "category": spec.category.value, "spec_sha256": spec_digest(spec)})
    return spec


def replace_item(uow: UnitOfWork, version_id: int, spec: CatalogItemSpec) -> CatalogItemSpec:
    """Replace the item with the same code in a draft."""
    row = load_version(uow.session, version_id, lock=True)
    dc_life.check_editable(row.state)
    check_spec(uow, row.jurisdiction, spec)
    existing = next((i for i in row.items if i.code == spec.code), None)
    if existing is None:
        raise Refusal("code", "item_absent", f"目录草案没有事项 {spec.code}，无法替换",
                      f"the draft has no item {spec.code} to replace")
    before = spec_digest(spec_of(existing))
    for key, value in columns(spec).items():
        setattr(existing, key, value)
    _touch(uow, row)
    uow.session.flush()
    uow.record("catalog.item_replaced", "catalog_version", row.id,
               {"item": spec.code, "before_sha256": before, "spec_sha256": spec_digest(spec)})
    return spec


def put_item(uow: UnitOfWork, version_id: int, spec: CatalogItemSpec) -> CatalogItemSpec:
    """Add the item, or replace the one with the same code."""
    row = load_version(uow.session, version_id)
    if any(i.code == spec.code for i in row.items):
        return replace_item(uow, version_id, spec)
    return add_item(uow, version_id, spec)


def remove_item(uow: UnitOfWork, version_id: int, code: str) -> None:
    row = load_version(uow.session, version_id, lock=True)
    dc_life.check_editable(row.state)
    existing = next((i for i in row.items if i.code == code), None)
    if existing is None:
        raise Refusal("code", "item_absent", f"目录草案没有事项 {code}", f"the draft has no item {code}")
    digest = spec_digest(spec_of(existing))
    row.items.remove(existing)
    _touch(uow, row)
    uow.session.flush()
    uow.record("catalog.item_removed", "catalog_version", row.id, {"item": code, "spec_sha256": digest})


def open_comment(uow: UnitOfWork, version_id: int, *, opened_on: date | None = None,
                 closes_on: date | None = None) -> VersionView:
    """Publish the draft for public comment (``catalog.public_comment``)."""
    row = load_version(uow.session, version_id, lock=True)
    opened_on = opened_on or uow.platform.clock.today()
    dc_life.check_open_comment(row.state, item_count=len(row.items), reason=row.reason,
                          law=catalog_law(uow.platform.rulebook, row.jurisdiction, opened_on))
    if closes_on is not None and closes_on < opened_on:
        raise Refusal("closes_on", "bad_period", "征求意见截止日期早于开始日期",
                      "the comment period closes before it opens")
    row.state = VersionState.public_comment.value
    row.comment_opened_on, row.comment_closes_on = opened_on, closes_on
    _touch(uow, row)
    uow.session.flush()
    uow.record("catalog.comment_opened", "catalog_version", row.id,
               {"opened_on": opened_on.isoformat(), "closes_on": closes_on.isoformat() if closes_on else None,
                "item_count": len(row.items), "items_sha256": items_digest(row.items)})
    return view(uow.session, row)


def record_comment(uow: UnitOfWork, version_id: int, *, received_on: date, commenter_kind: str, stance: str,
                   body: str, commenter: str = "", item_code: str | None = None) -> CommentView:
    """Record a comment on the draft: who kind of commenter, its stance, on which item."""
    row = load_version(uow.session, version_id, lock=True)
    dc_life.check_comment(row.state, received=received_on, comment_opened=row.comment_opened_on,
                     comment_closes=row.comment_closes_on)
    if commenter_kind not in COMMENTER_KINDS:
        raise Refusal("commenter_kind", "unknown_commenter_kind", f"未知的意见提出方类型：{commenter_kind}",
                      f"unknown commenter kind: {commenter_kind} (one of {', '.join(COMMENTER_KINDS)})")
    try:
        stance = CommentStance(stance).value
    except ValueError:
        raise Refusal("stance", "unknown_stance", f"未知的意见倾向：{stance}",
                      f"unknown stance: {stance} (support, oppose, amend, neutral)") from None
    if not body.strip():
        raise Refusal("body", "required", "意见内容不能为空", "the comment has no text")
    if item_code is not None and not any(i.code == item_code for i in row.items):
        raise Refusal("item_code", "item_absent", f"目录草案没有事项 {item_code}",
                      f"the draft has no item {item_code}")
    comment = CatalogComment(received_on=received_on, commenter_kind=commenter_kind,
                             commenter=commenter.strip(), item_code=item_code, stance=stance,
                             body=body.strip(), created_at=uow.platform.clock.now())
    row.comments.append(comment)
    uow.session.flush()
    uow.record("catalog.comment_recorded", "catalog_version", row.id,
               {"comment_id": comment.id, "commenter_kind": commenter_kind, "stance": stance,
                "item": item_code, "body_sha256": sha256_text(comment.body),
                "commenter_sha256": sha256_text(comment.commenter) if comment.commenter else None})
    return comment_view(comment)


def record_assessment(uow: UnitOfWork, version_id: int, *, held_on: date, experts: Sequence[str],
                      groups_heard: Sequence[str], conclusion: str) -> AssessmentView:
    """Record the assessment hearing experts and the groups concerned (``catalog.assessment.*``; an
    assessment the regulation does not require may still be held and recorded)."""
    row = load_version(uow.session, version_id, lock=True)
    dc_life.check_assessment(row.state)
    experts = [e.strip() for e in experts if e and e.strip()]
    groups = [g.strip() for g in groups_heard if g and g.strip()]
    if not experts:
        raise Refusal("experts", "experts_required", "评估须听取专家意见",
                      "an assessment hears experts: name them")
    if not groups:
        law = catalog_law(uow.platform.rulebook, row.jurisdiction, held_on)
        zh, en = dc_law.basis("; ".join(dict.fromkeys(law.assessment.values())) or None)
        raise Refusal("groups_heard", "groups_required", f"评估须听取有关群体代表的意见（{zh}）",
                      f"an assessment hears the groups concerned ({en}): name them")
    if not conclusion.strip():
        raise Refusal("conclusion", "required", "评估须有结论", "the assessment needs its conclusion")
    if row.comment_opened_on is not None and held_on < row.comment_opened_on:
        raise Refusal("held_on", "assessment_before_comment", "评估日期早于征求意见开始日期",
                      "the assessment is dated before the draft was published for comment")
    grounds = required_grounds(uow.session, row)
    assessment = CatalogAssessment(held_on=held_on, grounds=[g.value for g in grounds], experts=experts,
                                   groups_heard=groups, conclusion=conclusion.strip(),
                                   created_at=uow.platform.clock.now())
    row.assessments.append(assessment)
    if row.state == VersionState.public_comment.value:
        dc_life.check_transition(row.state, VersionState.expert_assessment)
        row.state = VersionState.expert_assessment.value
    _touch(uow, row)
    uow.session.flush()
    uow.record("catalog.assessment_recorded", "catalog_version", row.id,
               {"assessment_id": assessment.id, "held_on": held_on.isoformat(),
                "grounds": [g.value for g in grounds], "experts": len(experts), "groups": len(groups),
                "conclusion_sha256": sha256_text(assessment.conclusion)})
    return assessment_view(assessment)


def approve(uow: UnitOfWork, version_id: int, *, approved_by: str, approved_on: date | None = None,
            document: str | None = None) -> VersionView:
    """Approval by the body the regulation names (``catalog.approval``), after public comment and any
    assessment the regulation in force on ``approved_on`` requires."""
    row = load_version(uow.session, version_id, lock=True)
    approved_on = approved_on or uow.platform.clock.today()
    law = catalog_law(uow.platform.rulebook, row.jurisdiction, approved_on)
    grounds = required_grounds(uow.session, row, approved_on)
    dc_life.check_approve(row.state, grounds=grounds, assessed=bool(row.assessments), law=law)
    if not approved_by.strip():
        if law.approval is not None:
            body_zh, body_en, cite = law.approval
            raise Refusal("approved_by", "required", f"须写明批准机关（{body_zh}，{cite}）",
                          f"name the approving body ({body_en}, {cite})")
        raise Refusal("approved_by", "required", "须写明批准机关", "name the approving body")
    if row.comment_opened_on is not None and approved_on < row.comment_opened_on:
        raise Refusal("approved_on", "approval_before_comment", "批准日期早于征求意见开始日期",
                      "the approval is dated before the draft was published for comment")
    row.state = VersionState.approved.value
    row.approved_on, row.approved_by = approved_on, approved_by.strip()
    row.approval_document = document.strip() if document else None
    _touch(uow, row)
    uow.session.flush()
    uow.record("catalog.approved", "catalog_version", row.id,
               {"approved_on": approved_on.isoformat(), "approved_by": row.approved_by,
                "document": row.approval_document, "grounds": [g.value for g in grounds],
                "assessments": [a.id for a in row.assessments], "items_sha256": items_digest(row.items)})
    return view(uow.session, row)


def set_in_force(uow: UnitOfWork, version_id: int, in_force_from: date) -> VersionView:
    """The approved version takes effect from ``in_force_from``; the one it replaces is superseded from
    that day and kept, so records dated earlier stay governed by it."""
    session = uow.session
    row = load_version(session, version_id, lock=True)
    current = session.scalars(
        select(CatalogVersion).where(CatalogVersion.jurisdiction == row.jurisdiction,
                                     CatalogVersion.state == VersionState.in_force.value,
                                     CatalogVersion.id != row.id)
        .order_by(CatalogVersion.in_force_from.desc()).with_for_update()
    ).all()
    latest = current[0] if current else None
    dc_life.check_in_force(row.state, in_force_from=in_force_from,
                      current_from=latest.in_force_from if latest else None)
    for previous in current:
        dc_life.check_transition(previous.state, VersionState.superseded)
        previous.state = VersionState.superseded.value
        previous.superseded_from = in_force_from
        _touch(uow, previous)
    row.state = VersionState.in_force.value
    row.in_force_from = in_force_from
    _touch(uow, row)
    session.flush()
    for previous in current:
        uow.record("catalog.superseded", "catalog_version", previous.id,
                   {"superseded_from": in_force_from.isoformat(), "by_version": row.id})
    uow.record("catalog.in_force", "catalog_version", row.id,
               {"in_force_from": in_force_from.isoformat(), "replaces": [p.id for p in current],
                "retroactive": in_force_from < uow.platform.clock.today()})
    return view(session, row)


def withdraw(uow: UnitOfWork, version_id: int, *, reason: str) -> VersionView:
    row = load_version(uow.session, version_id, lock=True)
    dc_life.check_withdraw(row.state)
    if not reason.strip():
        raise Refusal("reason", "required", "撤回须说明理由", "give the reason for withdrawing")
    row.state = VersionState.withdrawn.value
    row.withdrawn_on = uow.platform.clock.today()
    _touch(uow, row)
    uow.session.flush()
    uow.record("catalog.withdrawn", "catalog_version", row.id, {"reason_sha256": sha256_text(reason.strip())})
    return view(uow.session, row)
