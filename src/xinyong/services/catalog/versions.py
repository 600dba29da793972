"""The catalog's use cases: versions through their lifecycle, and the question every submission asks,
"is this item in the catalog in force on this date?" (``aggregation.catalog_required``).

Lifecycle (``domain.catalog`` decides, this module loads, stores and writes the ledger):
``create_version`` (a draft, by default carrying the items of the version in force) → ``add_item`` /
``replace_item`` / ``remove_item`` → ``open_comment`` (``catalog.public_comment``) → ``record_comment``
→ ``record_assessment`` where required (``catalog.assessment.*``) → ``approve`` (``catalog.approval``)
→ ``set_in_force`` from a date (the version it replaces is superseded from that date and kept).
``withdraw`` ends a version that never took effect.

The rules come from the rule file of the version's jurisdiction, as in force on the day of the act
(``catalog_law``): a rule the regulation lacks, or that is not in force that day, is absent, and the
domain applies the platform's labelled baseline or no requirement (see ``domain.catalog``), never
another regulation's article and never today's value.

Reads: ``list_versions``, ``get_version``, ``version_in_force``, ``item_in_force`` (raises
``CatalogRefusal`` with code ``not_in_catalog`` or ``not_in_force``), ``published_catalog``, and
``CatalogIndex`` for bulk work (loads a jurisdiction's versions once, answers in memory).

Every change is recorded in the audit ledger in the same transaction; facts hold ids, codes and
SHA-256 digests, never the text of a comment or the name of a commenter.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.domain.catalog import items as dc
from xinyong.domain.catalog.items import (
    AssessmentGround,
    CatalogError,
    CatalogItemSpec,
    CommentStance,
    FieldSpec,
    VersionState,
)
from xinyong.services.platform.bootstrap import UnitOfWork
from xinyong.store.models.catalog import (
    CatalogAssessment,
    CatalogComment,
    CatalogItem,
    CatalogVersion,
    ProvidingUnit,
    UnitItemGrant,
)

COMMENTER_KINDS = ("government", "department", "market_entity", "industry_association", "legal_service",
                   "expert", "public", "other")
"""Who comments on a draft catalog (the lists of ``catalog.public_comment``' articles): governments of
the districts, departments, market entities, industry associations and chambers of commerce, legal
service institutions, experts and scholars, the public."""

IN_FORCE_STATES = (VersionState.in_force.value, VersionState.superseded.value)


class CatalogRefusal(Exception):
    """An item that may not be used on a date: ``not_in_catalog`` or ``not_in_force``."""

    def __init__(self, code: str, message_zh: str, message_en: str, field: str | None = "item_code") -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.field = field

    @property
    def reason(self) -> str:
        return self.code

    def to_dict(self) -> dict[str, str | None]:
        return {"field": self.field, "reason": self.code, "message_zh": self.message_zh,
                "message_en": self.message_en}


class VersionNotFound(CatalogError):
    def __init__(self, version_id: int) -> None:
        super().__init__("version_not_found", f"没有编号为 {version_id} 的目录版本",
                         f"there is no catalog version {version_id}", "version_id")


# ---------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class VersionView:
    id: int
    jurisdiction: str
    number: int
    title_zh: str
    title_en: str
    state: VersionState
    reason: str
    proposer: str
    significant_impact: bool
    based_on_id: int | None
    comment_opened_on: date | None
    comment_closes_on: date | None
    approved_on: date | None
    approved_by: str | None
    approval_document: str | None
    in_force_from: date | None
    superseded_from: date | None
    withdrawn_on: date | None
    item_count: int
    comment_count: int
    assessment_count: int
    grounds: tuple[AssessmentGround, ...] = ()

    @property
    def assessment_required(self) -> bool:
        return bool(self.grounds)

    def to_dict(self) -> dict[str, Any]:
        def iso(d: date | None) -> str | None:
            return d.isoformat() if d else None

        zh, en = dc.STATE_LABELS[self.state]
        return {
            "id": self.id, "jurisdiction": self.jurisdiction, "number": self.number,
            "title_zh": self.title_zh, "title_en": self.title_en, "state": self.state.value,
            "state_zh": zh, "state_en": en, "reason": self.reason, "proposer": self.proposer,
            "significant_impact": self.significant_impact, "based_on_id": self.based_on_id,
            "comment_opened_on": iso(self.comment_opened_on),
            "comment_closes_on": iso(self.comment_closes_on),
            "approved_on": iso(self.approved_on), "approved_by": self.approved_by,
            "approval_document": self.approval_document, "in_force_from": iso(self.in_force_from),
            "superseded_from": iso(self.superseded_from), "withdrawn_on": iso(self.withdrawn_on),
            "item_count": self.item_count, "comment_count": self.comment_count,
            "assessment_count": self.assessment_count,
            "assessment_required": self.assessment_required, "grounds": [g.value for g in self.grounds],
        }


@dataclass(frozen=True)
class CommentView:
    id: int
    version_id: int
    received_on: date
    commenter_kind: str
    commenter: str
    item_code: str | None
    stance: str
    body: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "version_id": self.version_id, "received_on": self.received_on.isoformat(),
                "commenter_kind": self.commenter_kind, "commenter": self.commenter,
                "item_code": self.item_code, "stance": self.stance, "body": self.body}


@dataclass(frozen=True)
class AssessmentView:
    id: int
    version_id: int
    held_on: date
    grounds: tuple[str, ...]
    experts: tuple[str, ...]
    groups_heard: tuple[str, ...]
    conclusion: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "version_id": self.version_id, "held_on": self.held_on.isoformat(),
                "grounds": list(self.grounds), "experts": list(self.experts),
                "groups_heard": list(self.groups_heard), "conclusion": self.conclusion}


@dataclass(frozen=True)
class UnitRef:
    code: str
    name_zh: str
    name_en: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "name_zh": self.name_zh, "name_en": self.name_en}


@dataclass(frozen=True)
class PublishedItem:
    spec: CatalogItemSpec
    providing_units: tuple[UnitRef, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = dc.item_to_dict(self.spec)
        out["category_zh"], out["category_en"] = dc.CATEGORY_LABELS[self.spec.category]
        out["origin_zh"], out["origin_en"] = dc.ORIGIN_LABELS[self.spec.origin]
        out["disclosure_zh"], out["disclosure_en"] = dc.DISCLOSURE_LABELS[self.spec.disclosure_class]
        out["providing_units"] = [u.to_dict() for u in self.providing_units]
        return out


@dataclass(frozen=True)
class PublishedCatalog:
    version: VersionView
    on: date
    items: tuple[PublishedItem, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {"on": self.on.isoformat(), "version": self.version.to_dict(),
                "items": [i.to_dict() for i in self.items]}


# ---------------------------------------------------------------------------------------------
# Conversions
# ---------------------------------------------------------------------------------------------

def spec_of(row: CatalogItem) -> CatalogItemSpec:
    return CatalogItemSpec(
        code=row.code, name_zh=row.name_zh, name_en=row.name_en, category=dc.Category(row.category),
        origin=dc.Origin(row.origin), subject_kinds=tuple(row.subject_kinds),
        fields=tuple(dc.field_from_dict(f) for f in row.fields),
        legal_document_required=row.legal_document_required,
        disclosure_class=dc.DisclosureClass(row.disclosure_class), display_rule=row.display_rule,
        counts_from_field=row.counts_from_field, sharing_category=row.sharing_category,
        usage_authorization=row.usage_authorization, data_format=row.data_format,
        update_period=row.update_period, allowed_by=row.allowed_by, positive=row.positive,
        consent_categories=tuple(row.consent_categories or ()), penalty_item=row.penalty_item,
    )


def _columns(spec: CatalogItemSpec) -> dict[str, Any]:
    """The item's elements as ``catalog_items`` columns (fields, kinds and categories as JSON)."""
    return dc.item_to_dict(spec)


def spec_digest(spec: CatalogItemSpec) -> str:
    """A SHA-256 of the item's canonical JSON: the ledger's proof of exactly what was catalogued."""
    canonical = json.dumps(dc.item_to_dict(spec), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def items_digest(items: Iterable[CatalogItem]) -> str:
    """One SHA-256 over every item's digest, in code order: what exactly was published for comment
    (the ledger keeps this, not a list that could outgrow its facts)."""
    lines = sorted(f"{i.code}:{spec_digest(spec_of(i))}" for i in items)
    return _sha256("\n".join(lines))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def catalog_law(rulebook: Any, jurisdiction: str, on: date) -> dc.CatalogLaw:
    """The catalog rules of ``jurisdiction``'s rule file in force on ``on``, with their citations.

    A key the file does not provide, or provides no value of on ``on`` (the regulation was not yet in
    force, or the value lapsed), is left out: the domain then applies its labelled baseline or no
    requirement. An unknown jurisdiction has no rules at all.
    """
    from xinyong.rules.errors import RuleLookupError

    if jurisdiction not in rulebook:
        return dc.CatalogLaw()
    ruleset = rulebook.get(jurisdiction)

    def cited(key: str) -> Any | None:
        try:
            value = ruleset.value(key, on)
        except RuleLookupError:
            return None
        return value if value.value else None

    flags: dict[str, Any] = {}
    for name, key in dc.CATALOG_RULE_KEYS.items():
        found = cited(key)
        flags[name] = found.citation if found is not None else None
    grounds = {ground: found.citation for ground, key in dc.GROUND_KEYS.items()
               if (found := cited(key)) is not None}
    approval = cited("catalog.approval")
    return dc.CatalogLaw(**flags, assessment=grounds,
                         approval=(approval.value.zh, approval.value.en, approval.citation)
                         if approval is not None else None)


def _law(jurisdiction: str, on: date) -> dc.CatalogLaw:
    from xinyong.rules.loader import load_rulebook

    return catalog_law(load_rulebook(), jurisdiction, on)


def _decided_on(row: CatalogVersion) -> date:
    """The day whose rules govern a pending version's requirements: its approval, the opening of its
    comment, or (a draft) the day it was created."""
    from xinyong.domain.platform.clock import business_tz

    return row.approved_on or row.comment_opened_on or row.created_at.astimezone(business_tz()).date()


def _view(session: Session, row: CatalogVersion) -> VersionView:
    return VersionView(
        id=row.id, jurisdiction=row.jurisdiction, number=row.number, title_zh=row.title_zh,
        title_en=row.title_en, state=VersionState(row.state), reason=row.reason, proposer=row.proposer,
        significant_impact=row.significant_impact, based_on_id=row.based_on_id,
        comment_opened_on=row.comment_opened_on, comment_closes_on=row.comment_closes_on,
        approved_on=row.approved_on, approved_by=row.approved_by, approval_document=row.approval_document,
        in_force_from=row.in_force_from, superseded_from=row.superseded_from, withdrawn_on=row.withdrawn_on,
        item_count=len(row.items), comment_count=len(row.comments), assessment_count=len(row.assessments),
        grounds=_grounds(session, row),
    )


def _comparison_items(session: Session, row: CatalogVersion) -> dict[str, CatalogItemSpec]:
    """The items a version is compared with (``catalog.assessment.rights_reduced``): those of the version
    it was based on, else of the latest version that took effect before it was created."""
    base: CatalogVersion | None = None
    if row.based_on_id is not None:
        base = session.get(CatalogVersion, row.based_on_id)
    else:
        base = session.scalars(
            select(CatalogVersion).where(CatalogVersion.jurisdiction == row.jurisdiction,
                                         CatalogVersion.state.in_(IN_FORCE_STATES),
                                         CatalogVersion.id != row.id, CatalogVersion.number < row.number)
            .order_by(CatalogVersion.in_force_from.desc())
        ).first()
    if base is None:
        return {}
    return {item.code: spec_of(item) for item in base.items}


def _grounds(session: Session, row: CatalogVersion, on: date | None = None) -> tuple[AssessmentGround, ...]:
    """The grounds on which the regulation in force on ``on`` (default ``_decided_on``) requires an
    assessment of this version; for a version decided long ago, those its assessment recorded."""
    if row.state in IN_FORCE_STATES or row.state == VersionState.withdrawn.value:
        # Decided long ago: report what the assessment (if any) recorded.
        recorded: list[AssessmentGround] = []
        for assessment in row.assessments:
            for ground in assessment.grounds:
                if AssessmentGround(ground) not in recorded:
                    recorded.append(AssessmentGround(ground))
        return tuple(recorded)
    facts = dc.assessment_grounds([spec_of(i) for i in row.items], _comparison_items(session, row),
                                  stances=[c.stance for c in row.comments],
                                  significant_impact=row.significant_impact)
    return _law(row.jurisdiction, on or _decided_on(row)).required(facts)


def _load(session: Session, version_id: int, *, lock: bool = False) -> CatalogVersion:
    stmt = select(CatalogVersion).where(CatalogVersion.id == version_id)
    if lock:
        stmt = stmt.with_for_update()
    row = session.scalars(stmt).first()
    if row is None:
        raise VersionNotFound(version_id)
    return row


def _touch(uow: UnitOfWork, row: CatalogVersion) -> None:
    row.updated_at = uow.platform.clock.now()


# ---------------------------------------------------------------------------------------------
# Jurisdictions and item checks
# ---------------------------------------------------------------------------------------------

def _articles(uow: UnitOfWork, jurisdiction: str) -> frozenset[int] | None:
    """The article numbers of the jurisdiction's regulation text (None: national, cites documents)."""
    from xinyong.rules import TEXTS_DIR, article_numbers

    rulebook = uow.platform.rulebook
    if jurisdiction in rulebook:
        ruleset = rulebook.get(jurisdiction)
        if ruleset.articles is not None:
            return ruleset.articles
        if ruleset.text is None:
            return None
    path = TEXTS_DIR / f"{jurisdiction}.txt"
    if path.is_file():
        return article_numbers(path.read_text(encoding="utf-8"))
    if jurisdiction in rulebook:
        return None
    raise CatalogError("unknown_jurisdiction", f"未知的法规（辖区）：{jurisdiction}",
                       f"unknown jurisdiction (rule file): {jurisdiction}", "jurisdiction")


def _check_jurisdiction(uow: UnitOfWork, jurisdiction: str) -> None:
    _articles(uow, jurisdiction)


def _check_allowed_by(uow: UnitOfWork, jurisdiction: str, spec: CatalogItemSpec) -> None:
    from xinyong.rules import CiteSyntaxError, parse_cite

    at = f"items.{spec.code}.allowed_by"
    articles = _articles(uow, jurisdiction)
    if articles is None:
        return  # national: a document and its article, checked for presence only
    try:
        refs = parse_cite(spec.allowed_by)
    except CiteSyntaxError as exc:
        raise CatalogError("bad_cite", f"目录事项 {spec.code} 的设定依据无法识别：{exc}",
                           f"catalog item {spec.code}: cannot read the cite {spec.allowed_by!r}: {exc}",
                           at) from None
    missing = sorted({n for ref in refs for n in ref.articles} - set(articles))
    if missing:
        listed = ", ".join(str(n) for n in missing)
        raise CatalogError("cite_not_in_text",
                           f"目录事项 {spec.code} 引用的条款在法规文本中不存在：第{listed}条",
                           f"catalog item {spec.code} cites articles absent from the regulation text: "
                           f"{listed}", at)


def _check_spec(uow: UnitOfWork, jurisdiction: str, spec: CatalogItemSpec) -> None:
    rulebook = uow.platform.rulebook
    dc.check_item(spec, known_rule_keys=list(rulebook.keys), known_vocabulary=list(rulebook.vocabulary),
                  law=catalog_law(rulebook, jurisdiction, uow.platform.clock.today()))
    _check_allowed_by(uow, jurisdiction, spec)
    _check_display_rule(uow, jurisdiction, spec)
    _check_not_forbidden(uow, jurisdiction, spec)


def _check_display_rule(uow: UnitOfWork, jurisdiction: str, spec: CatalogItemSpec) -> None:
    """The display rule an item names must be one the jurisdiction's rule file provides (or defers)."""
    rulebook = uow.platform.rulebook
    if not spec.display_rule or jurisdiction not in rulebook:
        return
    ruleset = rulebook.get(jurisdiction)
    if not any(ruleset.has(key) for key in dc.display_rules(spec)):
        raise CatalogError("display_rule_not_provided",
                           f"目录事项 {spec.code} 的展示期限规则 {spec.display_rule} "
                           f"在 {jurisdiction} 中没有规定",
                           f"catalog item {spec.code}: {jurisdiction} provides no display rule "
                           f"{spec.display_rule}", f"items.{spec.code}.display_rule")


def _check_not_forbidden(uow: UnitOfWork, jurisdiction: str, spec: CatalogItemSpec) -> None:
    """An item may not carry, even with consent, a category the regulation forbids outright."""
    from xinyong.rules import RuleError

    rulebook = uow.platform.rulebook
    if jurisdiction not in rulebook or not spec.consent_categories:
        return
    try:
        rule = rulebook.get(jurisdiction).value("data.forbidden", on=uow.platform.clock.today())
        forbidden = set(rule.value)
    except (RuleError, LookupError):
        return
    clash = sorted(set(spec.consent_categories) & forbidden)
    if clash:
        raise CatalogError("forbidden_category",
                           f"目录事项 {spec.code} 含有禁止采集的信息类别：{', '.join(clash)}",
                           f"catalog item {spec.code} carries categories that must never be collected: "
                           f"{', '.join(clash)}", f"items.{spec.code}.consent_categories")


# ---------------------------------------------------------------------------------------------
# Lifecycle
# ---------------------------------------------------------------------------------------------

def create_version(uow: UnitOfWork, *, jurisdiction: str, title_zh: str, title_en: str, reason: str = "",
                   proposer: str = "", significant_impact: bool = False, based_on: int | None = None,
                   copy_items: bool = True) -> VersionView:
    """A new draft. ``copy_items`` starts it from the items of ``based_on`` or of the latest version that
    took effect, so a revision changes only what it means to change."""
    _check_jurisdiction(uow, jurisdiction)
    if not title_zh.strip() or not title_en.strip():
        raise CatalogError("required", "目录版本须有中英文标题",
                           "a catalog version needs a title in zh and en", "title")
    session = uow.session
    base: CatalogVersion | None = None
    if based_on is not None:
        base = _load(session, based_on)
        if base.jurisdiction != jurisdiction:
            raise CatalogError("other_jurisdiction", "基础版本属于其他法规（辖区）",
                               "the version to start from belongs to another jurisdiction", "based_on")
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
            row.items.append(CatalogItem(position=position, created_at=now, **_columns(spec_of(item))))
    session.flush()
    uow.record("catalog.version_created", "catalog_version", row.id,
               {"jurisdiction": jurisdiction, "number": number, "based_on": row.based_on_id,
                "item_count": len(row.items), "items_sha256": items_digest(row.items),
                "reason_sha256": _sha256(row.reason)})
    return _view(session, row)


def add_item(uow: UnitOfWork, version_id: int, spec: CatalogItemSpec) -> CatalogItemSpec:
    """Add an item to a draft; refused if the code is already there (use ``replace_item``)."""
    row = _load(uow.session, version_id, lock=True)
    dc.check_editable(row.state)
    _check_spec(uow, row.jurisdiction, spec)
    if any(i.code == spec.code for i in row.items):
        raise CatalogError("item_exists", f"目录草案已有事项 {spec.code}，请使用替换",
                           f"the draft already has item {spec.code}: replace it instead", "code")
    position = max((i.position for i in row.items), default=-1) + 1
    row.items.append(CatalogItem(position=position, created_at=uow.platform.clock.now(), **_columns(spec)))
    _touch(uow, row)
    uow.session.flush()
    uow.record("catalog.item_added", "catalog_version", row.id,
               {"item": spec.code, "category": spec.category.value, "spec_sha256": spec_digest(spec)})
    return spec


def replace_item(uow: UnitOfWork, version_id: int, spec: CatalogItemSpec) -> CatalogItemSpec:
    """Replace the item with the same code in a draft."""
    row = _load(uow.session, version_id, lock=True)
    dc.check_editable(row.state)
    _check_spec(uow, row.jurisdiction, spec)
    existing = next((i for i in row.items if i.code == spec.code), None)
    if existing is None:
        raise CatalogError("item_absent", f"目录草案没有事项 {spec.code}，无法替换",
                           f"the draft has no item {spec.code} to replace", "code")
    before = spec_digest(spec_of(existing))
    for key, value in _columns(spec).items():
        setattr(existing, key, value)
    _touch(uow, row)
    uow.session.flush()
    uow.record("catalog.item_replaced", "catalog_version", row.id,
               {"item": spec.code, "before_sha256": before, "spec_sha256": spec_digest(spec)})
    return spec


def put_item(uow: UnitOfWork, version_id: int, spec: CatalogItemSpec) -> CatalogItemSpec:
    """Add the item, or replace the one with the same code."""
    row = _load(uow.session, version_id)
    if any(i.code == spec.code for i in row.items):
        return replace_item(uow, version_id, spec)
    return add_item(uow, version_id, spec)


def remove_item(uow: UnitOfWork, version_id: int, code: str) -> None:
    row = _load(uow.session, version_id, lock=True)
    dc.check_editable(row.state)
    existing = next((i for i in row.items if i.code == code), None)
    if existing is None:
        raise CatalogError("item_absent", f"目录草案没有事项 {code}", f"the draft has no item {code}", "code")
    digest = spec_digest(spec_of(existing))
    row.items.remove(existing)
    _touch(uow, row)
    uow.session.flush()
    uow.record("catalog.item_removed", "catalog_version", row.id, {"item": code, "spec_sha256": digest})


def open_comment(uow: UnitOfWork, version_id: int, *, opened_on: date | None = None,
                 closes_on: date | None = None) -> VersionView:
    """Publish the draft for public comment (``catalog.public_comment``)."""
    row = _load(uow.session, version_id, lock=True)
    opened_on = opened_on or uow.platform.clock.today()
    dc.check_open_comment(row.state, item_count=len(row.items), reason=row.reason,
                          law=catalog_law(uow.platform.rulebook, row.jurisdiction, opened_on))
    if closes_on is not None and closes_on < opened_on:
        raise CatalogError("bad_period", "征求意见截止日期早于开始日期",
                           "the comment period closes before it opens", "closes_on")
    row.state = VersionState.public_comment.value
    row.comment_opened_on, row.comment_closes_on = opened_on, closes_on
    _touch(uow, row)
    uow.session.flush()
    uow.record("catalog.comment_opened", "catalog_version", row.id,
               {"opened_on": opened_on.isoformat(), "closes_on": closes_on.isoformat() if closes_on else None,
                "item_count": len(row.items), "items_sha256": items_digest(row.items)})
    return _view(uow.session, row)


def record_comment(uow: UnitOfWork, version_id: int, *, received_on: date, commenter_kind: str, stance: str,
                   body: str, commenter: str = "", item_code: str | None = None) -> CommentView:
    """Record a comment on the draft: who kind of commenter, its stance, on which item."""
    row = _load(uow.session, version_id, lock=True)
    dc.check_comment(row.state, received=received_on, comment_opened=row.comment_opened_on,
                     comment_closes=row.comment_closes_on)
    if commenter_kind not in COMMENTER_KINDS:
        raise CatalogError("unknown_commenter_kind", f"未知的意见提出方类型：{commenter_kind}",
                           f"unknown commenter kind: {commenter_kind} (one of {', '.join(COMMENTER_KINDS)})",
                           "commenter_kind")
    try:
        stance = CommentStance(stance).value
    except ValueError:
        raise CatalogError("unknown_stance", f"未知的意见倾向：{stance}",
                           f"unknown stance: {stance} (support, oppose, amend, neutral)", "stance") from None
    if not body.strip():
        raise CatalogError("required", "意见内容不能为空", "the comment has no text", "body")
    if item_code is not None and not any(i.code == item_code for i in row.items):
        raise CatalogError("item_absent", f"目录草案没有事项 {item_code}",
                           f"the draft has no item {item_code}", "item_code")
    comment = CatalogComment(received_on=received_on, commenter_kind=commenter_kind,
                             commenter=commenter.strip(), item_code=item_code, stance=stance,
                             body=body.strip(), created_at=uow.platform.clock.now())
    row.comments.append(comment)
    uow.session.flush()
    uow.record("catalog.comment_recorded", "catalog_version", row.id,
               {"comment_id": comment.id, "commenter_kind": commenter_kind, "stance": stance,
                "item": item_code, "body_sha256": _sha256(comment.body),
                "commenter_sha256": _sha256(comment.commenter) if comment.commenter else None})
    return _comment_view(comment)


def record_assessment(uow: UnitOfWork, version_id: int, *, held_on: date, experts: Sequence[str],
                      groups_heard: Sequence[str], conclusion: str) -> AssessmentView:
    """Record the assessment hearing experts and the groups concerned (``catalog.assessment.*``; an
    assessment the regulation does not require may still be held and recorded)."""
    row = _load(uow.session, version_id, lock=True)
    dc.check_assessment(row.state)
    experts = [e.strip() for e in experts if e and e.strip()]
    groups = [g.strip() for g in groups_heard if g and g.strip()]
    if not experts:
        raise CatalogError("experts_required", "评估须听取专家意见", "an assessment hears experts: name them",
                           "experts")
    if not groups:
        law = catalog_law(uow.platform.rulebook, row.jurisdiction, held_on)
        zh, en = dc.basis("; ".join(dict.fromkeys(law.assessment.values())) or None)
        raise CatalogError("groups_required", f"评估须听取有关群体代表的意见（{zh}）",
                           f"an assessment hears the groups concerned ({en}): name them", "groups_heard")
    if not conclusion.strip():
        raise CatalogError("required", "评估须有结论", "the assessment needs its conclusion", "conclusion")
    if row.comment_opened_on is not None and held_on < row.comment_opened_on:
        raise CatalogError("assessment_before_comment", "评估日期早于征求意见开始日期",
                           "the assessment is dated before the draft was published for comment", "held_on")
    grounds = _grounds(uow.session, row)
    assessment = CatalogAssessment(held_on=held_on, grounds=[g.value for g in grounds], experts=experts,
                                   groups_heard=groups, conclusion=conclusion.strip(),
                                   created_at=uow.platform.clock.now())
    row.assessments.append(assessment)
    if row.state == VersionState.public_comment.value:
        dc.check_transition(row.state, VersionState.expert_assessment)
        row.state = VersionState.expert_assessment.value
    _touch(uow, row)
    uow.session.flush()
    uow.record("catalog.assessment_recorded", "catalog_version", row.id,
               {"assessment_id": assessment.id, "held_on": held_on.isoformat(),
                "grounds": [g.value for g in grounds], "experts": len(experts), "groups": len(groups),
                "conclusion_sha256": _sha256(assessment.conclusion)})
    return _assessment_view(assessment)


def approve(uow: UnitOfWork, version_id: int, *, approved_by: str, approved_on: date | None = None,
            document: str | None = None) -> VersionView:
    """Approval by the body the regulation names (``catalog.approval``), after public comment and any
    assessment the regulation in force on ``approved_on`` requires."""
    row = _load(uow.session, version_id, lock=True)
    approved_on = approved_on or uow.platform.clock.today()
    law = catalog_law(uow.platform.rulebook, row.jurisdiction, approved_on)
    grounds = _grounds(uow.session, row, approved_on)
    dc.check_approve(row.state, grounds=grounds, assessed=bool(row.assessments), law=law)
    if not approved_by.strip():
        if law.approval is not None:
            body_zh, body_en, cite = law.approval
            raise CatalogError("required", f"须写明批准机关（{body_zh}，{cite}）",
                               f"name the approving body ({body_en}, {cite})", "approved_by")
        raise CatalogError("required", "须写明批准机关", "name the approving body", "approved_by")
    if row.comment_opened_on is not None and approved_on < row.comment_opened_on:
        raise CatalogError("approval_before_comment", "批准日期早于征求意见开始日期",
                           "the approval is dated before the draft was published for comment", "approved_on")
    row.state = VersionState.approved.value
    row.approved_on, row.approved_by = approved_on, approved_by.strip()
    row.approval_document = document.strip() if document else None
    _touch(uow, row)
    uow.session.flush()
    uow.record("catalog.approved", "catalog_version", row.id,
               {"approved_on": approved_on.isoformat(), "approved_by": row.approved_by,
                "document": row.approval_document, "grounds": [g.value for g in grounds],
                "assessments": [a.id for a in row.assessments], "items_sha256": items_digest(row.items)})
    return _view(uow.session, row)


def set_in_force(uow: UnitOfWork, version_id: int, in_force_from: date) -> VersionView:
    """The approved version takes effect from ``in_force_from``; the one it replaces is superseded from
    that day and kept, so records dated earlier stay governed by it."""
    session = uow.session
    row = _load(session, version_id, lock=True)
    current = session.scalars(
        select(CatalogVersion).where(CatalogVersion.jurisdiction == row.jurisdiction,
                                     CatalogVersion.state == VersionState.in_force.value,
                                     CatalogVersion.id != row.id)
        .order_by(CatalogVersion.in_force_from.desc()).with_for_update()
    ).all()
    latest = current[0] if current else None
    dc.check_in_force(row.state, in_force_from=in_force_from,
                      current_from=latest.in_force_from if latest else None)
    for previous in current:
        dc.check_transition(previous.state, VersionState.superseded)
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
    return _view(session, row)


def withdraw(uow: UnitOfWork, version_id: int, *, reason: str) -> VersionView:
    row = _load(uow.session, version_id, lock=True)
    dc.check_withdraw(row.state)
    if not reason.strip():
        raise CatalogError("required", "撤回须说明理由", "give the reason for withdrawing", "reason")
    row.state = VersionState.withdrawn.value
    row.withdrawn_on = uow.platform.clock.today()
    _touch(uow, row)
    uow.session.flush()
    uow.record("catalog.withdrawn", "catalog_version", row.id, {"reason_sha256": _sha256(reason.strip())})
    return _view(uow.session, row)


# ---------------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------------

def _comment_view(c: CatalogComment) -> CommentView:
    return CommentView(c.id, c.version_id, c.received_on, c.commenter_kind, c.commenter, c.item_code,
                       c.stance, c.body)


def _assessment_view(a: CatalogAssessment) -> AssessmentView:
    return AssessmentView(a.id, a.version_id, a.held_on, tuple(a.grounds), tuple(a.experts),
                          tuple(a.groups_heard), a.conclusion)


def list_versions(session: Session, jurisdiction: str) -> list[VersionView]:
    rows = session.scalars(select(CatalogVersion).where(CatalogVersion.jurisdiction == jurisdiction)
                           .order_by(CatalogVersion.number)).all()
    return [_view(session, r) for r in rows]


def get_version(session: Session, version_id: int) -> VersionView:
    return _view(session, _load(session, version_id))


def get_version_by_number(session: Session, jurisdiction: str, number: int) -> VersionView:
    row = session.scalars(select(CatalogVersion).where(CatalogVersion.jurisdiction == jurisdiction,
                                                       CatalogVersion.number == number)).first()
    if row is None:
        raise CatalogError("version_not_found", f"{jurisdiction} 没有第{number}版目录",
                           f"{jurisdiction} has no catalog version {number}", "version")
    return _view(session, row)


def version_items(session: Session, version_id: int) -> list[CatalogItemSpec]:
    return [spec_of(i) for i in _load(session, version_id).items]


def version_comments(session: Session, version_id: int) -> list[CommentView]:
    return [_comment_view(c) for c in _load(session, version_id).comments]


def version_assessments(session: Session, version_id: int) -> list[AssessmentView]:
    return [_assessment_view(a) for a in _load(session, version_id).assessments]


def _governing_row(session: Session, jurisdiction: str, on: date) -> CatalogVersion | None:
    rows = session.scalars(
        select(CatalogVersion).where(CatalogVersion.jurisdiction == jurisdiction,
                                     CatalogVersion.state.in_(IN_FORCE_STATES),
                                     CatalogVersion.in_force_from <= on)
    ).all()
    return dc.governing(((r, r.in_force_from, r.superseded_from) for r in rows), on)


def version_in_force(session: Session, jurisdiction: str, on: date) -> VersionView | None:
    """The version that governs ``on`` (a record's date), or None."""
    row = _governing_row(session, jurisdiction, on)
    return _view(session, row) if row is not None else None


def _refuse(session: Session, jurisdiction: str, item_code: str, on: date,
            governing: CatalogVersion | None) -> CatalogRefusal:
    known = session.scalar(
        select(func.count(CatalogItem.id)).join(CatalogVersion)
        .where(CatalogVersion.jurisdiction == jurisdiction, CatalogItem.code == item_code)
    )
    return _refusal(item_code, on, known=bool(known),
                    number=governing.number if governing is not None else None)


def _refusal(item_code: str, on: date, *, known: bool, number: int | None) -> CatalogRefusal:
    day = on.isoformat()
    if not known:
        return CatalogRefusal("not_in_catalog", f"信息事项 {item_code} 未列入目录，不得归集",
                              f"item {item_code} is in no catalog: information not in the catalog must "
                              "not be aggregated")
    if number is None:
        return CatalogRefusal("not_in_force", f"{day} 没有施行中的目录版本",
                              f"no catalog version is in force on {day}")
    return CatalogRefusal("not_in_force", f"信息事项 {item_code} 不在 {day} 施行的目录版本（第{number}版）中",
                          f"item {item_code} is not in the catalog version in force on {day} "
                          f"(version {number})")


def item_in_force(session: Session, jurisdiction: str, item_code: str, on: date) -> CatalogItemSpec:
    """The item as the version in force on ``on`` defines it; ``CatalogRefusal`` if there is none."""
    row = _governing_row(session, jurisdiction, on)
    if row is not None:
        item = session.scalars(select(CatalogItem).where(CatalogItem.version_id == row.id,
                                                         CatalogItem.code == item_code)).first()
        if item is not None:
            return spec_of(item)
    raise _refuse(session, jurisdiction, item_code, on, row)


def providing_units_by_item(session: Session, codes: Iterable[str] | None = None) -> dict[str, list[UnitRef]]:
    stmt = (select(UnitItemGrant.item_code, ProvidingUnit.code, ProvidingUnit.name_zh, ProvidingUnit.name_en)
            .join(ProvidingUnit).where(UnitItemGrant.revoked_at.is_(None), ProvidingUnit.active.is_(True))
            .order_by(ProvidingUnit.code))
    if codes is not None:
        stmt = stmt.where(UnitItemGrant.item_code.in_(list(codes)))
    out: dict[str, list[UnitRef]] = {}
    for item_code, code, name_zh, name_en in session.execute(stmt):
        out.setdefault(item_code, []).append(UnitRef(code, name_zh, name_en))
    return out


def published_catalog(session: Session, jurisdiction: str, on: date) -> PublishedCatalog:
    """The catalog in force on ``on`` as published: items with their providing units."""
    row = _governing_row(session, jurisdiction, on)
    if row is None:
        raise CatalogRefusal("not_in_force", f"{on.isoformat()} 没有施行中的目录版本",
                             f"no catalog version is in force on {on.isoformat()}", "on")
    units = providing_units_by_item(session, [i.code for i in row.items])
    items = tuple(PublishedItem(spec_of(i), tuple(units.get(i.code, ()))) for i in row.items)
    return PublishedCatalog(_view(session, row), on, items)


def item_history(session: Session, jurisdiction: str,
                 item_code: str) -> list[tuple[VersionView, CatalogItemSpec]]:
    """Every version that has the item, oldest first, with the item as that version defines it."""
    rows = session.execute(
        select(CatalogVersion, CatalogItem).join(CatalogItem)
        .where(CatalogVersion.jurisdiction == jurisdiction, CatalogItem.code == item_code)
        .order_by(CatalogVersion.number)
    ).all()
    return [(_view(session, v), spec_of(i)) for v, i in rows]


@dataclass
class CatalogIndex:
    """A jurisdiction's versions that took effect, loaded once, answering ``item(code, on)`` in memory.

    For bulk work (a million-row import asks the same question a million times). Build it with
    ``CatalogIndex.load(session, jurisdiction)`` at the start of a batch.
    """

    jurisdiction: str
    periods: list[tuple[int, int, date, date | None]]            # (version id, number, from, until)
    items: dict[int, dict[str, CatalogItemSpec]]
    known_codes: frozenset[str]

    @classmethod
    def load(cls, session: Session, jurisdiction: str) -> CatalogIndex:
        rows = session.scalars(select(CatalogVersion)
                               .where(CatalogVersion.jurisdiction == jurisdiction)).all()
        periods: list[tuple[int, int, date, date | None]] = []
        items: dict[int, dict[str, CatalogItemSpec]] = {}
        known: set[str] = set()
        for row in rows:
            known.update(i.code for i in row.items)
            if row.state in IN_FORCE_STATES and row.in_force_from is not None:
                periods.append((row.id, row.number, row.in_force_from, row.superseded_from))
                items[row.id] = {i.code: spec_of(i) for i in row.items}
        return cls(jurisdiction, periods, items, frozenset(known))

    def version_on(self, on: date) -> tuple[int, int] | None:
        return dc.governing((((vid, number), start, until) for vid, number, start, until in self.periods), on)

    def item(self, item_code: str, on: date) -> CatalogItemSpec:
        found = self.version_on(on)
        if found is not None:
            spec = self.items[found[0]].get(item_code)
            if spec is not None:
                return spec
        raise _refusal(item_code, on, known=item_code in self.known_codes,
                       number=found[1] if found is not None else None)


def spec_from_dict(data: dict[str, Any]) -> CatalogItemSpec:
    """Plain data (API body, YAML) to a spec; refusals are ``CatalogError``."""
    return dc.item_from_dict(data)


__all__ = [
    "COMMENTER_KINDS", "AssessmentView", "CatalogError", "CatalogIndex", "CatalogItemSpec",
    "CatalogRefusal", "CommentView", "FieldSpec", "PublishedCatalog", "PublishedItem", "UnitRef",
    "VersionNotFound", "VersionView", "add_item", "approve", "catalog_law", "create_version", "get_version",
    "get_version_by_number",
    "item_history", "item_in_force", "list_versions", "open_comment", "providing_units_by_item",
    "published_catalog", "put_item", "record_assessment", "record_comment", "remove_item", "replace_item",
    "set_in_force", "spec_digest", "spec_from_dict", "spec_of", "version_assessments", "version_comments",
    "version_in_force", "version_items", "withdraw",
]
