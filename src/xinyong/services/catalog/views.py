"""What the catalog's use cases answer with (``VersionView``, ``CommentView``, ``AssessmentView``, the
published catalog and its items), built from the rows; a version loaded by id (``load_version``:
404 ``version_not_found`` when there is none), and the grounds on which the regulation in force
requires an assessment of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.domain.catalog import items as dc_items
from xinyong.domain.catalog import lifecycle as dc_life
from xinyong.domain.catalog.items import CatalogItemSpec
from xinyong.domain.catalog.law import AssessmentGround
from xinyong.domain.catalog.lifecycle import VersionState
from xinyong.domain.platform.refusal import NOT_FOUND, Refusal
from xinyong.services.catalog.items import spec_of
from xinyong.services.catalog.law import decided_on, law_on
from xinyong.store.models.catalog import CatalogAssessment, CatalogComment, CatalogVersion

__all__ = ["IN_FORCE_STATES", "AssessmentView", "CommentView", "PublishedCatalog", "PublishedItem", "UnitRef",
           "VersionView", "assessment_view", "comment_view", "load_version", "required_grounds", "version_not_found",
           "view"]

IN_FORCE_STATES = (VersionState.in_force.value, VersionState.superseded.value)


def version_not_found(version_id: int) -> Refusal:
    """The refusal of a version id that names no version (or none the caller may see): 404."""
    return Refusal("version_id", "version_not_found", f"没有编号为 {version_id} 的目录版本",
                   f"there is no catalog version {version_id}", status=NOT_FOUND)


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

        zh, en = dc_life.STATE_LABELS[self.state]
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
        out = dc_items.item_to_dict(self.spec)
        out["category_zh"], out["category_en"] = dc_items.CATEGORY_LABELS[self.spec.category]
        out["origin_zh"], out["origin_en"] = dc_items.ORIGIN_LABELS[self.spec.origin]
        out["disclosure_zh"], out["disclosure_en"] = dc_items.DISCLOSURE_LABELS[self.spec.disclosure_class]
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


def view(session: Session, row: CatalogVersion) -> VersionView:
    return VersionView(
        id=row.id, jurisdiction=row.jurisdiction, number=row.number, title_zh=row.title_zh,
        title_en=row.title_en, state=VersionState(row.state), reason=row.reason, proposer=row.proposer,
        significant_impact=row.significant_impact, based_on_id=row.based_on_id,
        comment_opened_on=row.comment_opened_on, comment_closes_on=row.comment_closes_on,
        approved_on=row.approved_on, approved_by=row.approved_by, approval_document=row.approval_document,
        in_force_from=row.in_force_from, superseded_from=row.superseded_from, withdrawn_on=row.withdrawn_on,
        item_count=len(row.items), comment_count=len(row.comments), assessment_count=len(row.assessments),
        grounds=required_grounds(session, row),
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


def required_grounds(session: Session, row: CatalogVersion, on: date | None = None) -> tuple[AssessmentGround, ...]:
    """The grounds on which the regulation in force on ``on`` (default ``decided_on``) requires an
    assessment of this version; for a version decided long ago, those its assessment recorded."""
    if row.state in IN_FORCE_STATES or row.state == VersionState.withdrawn.value:
        # Decided long ago: report what the assessment (if any) recorded.
        recorded: list[AssessmentGround] = []
        for assessment in row.assessments:
            for ground in assessment.grounds:
                if AssessmentGround(ground) not in recorded:
                    recorded.append(AssessmentGround(ground))
        return tuple(recorded)
    facts = dc_life.assessment_grounds([spec_of(i) for i in row.items], _comparison_items(session, row),
                                  stances=[c.stance for c in row.comments],
                                  significant_impact=row.significant_impact)
    return law_on(row.jurisdiction, on or decided_on(row)).required(facts)


def load_version(session: Session, version_id: int, *, lock: bool = False) -> CatalogVersion:
    stmt = select(CatalogVersion).where(CatalogVersion.id == version_id)
    if lock:
        stmt = stmt.with_for_update()
    row = session.scalars(stmt).first()
    if row is None:
        raise version_not_found(version_id)
    return row


def comment_view(c: CatalogComment) -> CommentView:
    return CommentView(c.id, c.version_id, c.received_on, c.commenter_kind, c.commenter, c.item_code,
                       c.stance, c.body)


def assessment_view(a: CatalogAssessment) -> AssessmentView:
    return AssessmentView(a.id, a.version_id, a.held_on, tuple(a.grounds), tuple(a.experts),
                          tuple(a.groups_heard), a.conclusion)
