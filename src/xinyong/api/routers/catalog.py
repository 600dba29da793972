"""``/api/v1/catalog``: the published catalog in force, its versions and history (public), and the
operator's lifecycle endpoints (draft → public comment → assessment → approval → in force).

Public reads: ``GET /api/v1/catalog`` (the catalog in force on a date, with each item's providing
units), ``GET /api/v1/catalog/versions`` and ``/versions/{id}`` (every version past the
draft stage: a draft becomes public when it is published for comment), ``GET /api/v1/catalog/items/{code}``
(an item as the version in force on a date defines it).

Operator endpoints sit behind ``xinyong.api.deps.require_operator`` (an operator or administrator
account's bearer token). Refusals use the one error shape ``{"detail": {"field", "reason",
"message_zh", "message_en"}}``: 404 for an unknown version or an item not in force, 409 for a step
the version's state does not allow (e.g. ``assessment_required``), 422 for bad input.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from xinyong.api.deps import RowId, current_caller, get_platform, require_operator
from xinyong.api.errors import ErrorBody
from xinyong.domain.catalog.items import Category, DisclosureClass, FieldType, Origin, PersonalData, item_to_dict
from xinyong.domain.catalog.lifecycle import CommentStance, VersionState
from xinyong.domain.identity.actors import Caller, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.domain.subjects.kinds import SubjectKind
from xinyong.services import catalog
from xinyong.services.platform.bootstrap import Platform

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "Unknown version, or item not in the catalog in force"},
    409: {"model": ErrorBody, "description": "The version's state does not allow this step"},
    422: {"model": ErrorBody, "description": "Invalid input"},
}
OPERATOR_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    401: {"model": ErrorBody, "description": "Sign in as an operator"},
    403: {"model": ErrorBody, "description": "Only an operator may do this"},
}


def _is_operator(caller: Caller) -> bool:
    return caller.actor.role in (Role.operator, Role.administrator, Role.competent_department)


# ---------------------------------------------------------------------------------------------
# Bodies
# ---------------------------------------------------------------------------------------------

class FieldIn(BaseModel):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$", description="English identifier of the field")
    type: FieldType
    required: bool = Field(default=False, strict=True)
    label_zh: str = Field(min_length=1, max_length=100)
    label_en: str = Field(min_length=1, max_length=100)
    choices: list[str] = Field(default_factory=list, description="For enum fields: the allowed values")
    max_length: int | None = Field(default=None, ge=1, le=100000)
    personal_data: PersonalData = Field(
        default=PersonalData.refuse,
        description="String and text fields: what intake does with a natural person's identity, passport or "
                    "mobile number found in the value (refuse the row, the default; mask: store it masked), or "
                    "that the field holds a person's name or identifier on purpose (name, identifier: served "
                    "masked to all but the person)")


class ItemIn(BaseModel):
    """A catalog item with the elements the regulations list."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    category: Category
    origin: Origin
    subject_kinds: list[str] = Field(min_length=1, description=", ".join(k.value for k in SubjectKind))
    fields: list[FieldIn] = Field(min_length=1)
    legal_document_required: bool = Field(strict=True)
    disclosure_class: DisclosureClass
    display_rule: str | None = Field(default=None,
                                     description="A rule key, e.g. display.untrustworthy.organisation")
    counts_from_field: str | None = Field(default=None,
                                          description="The date field that starts the display period")
    sharing_category: str = Field(min_length=1, max_length=100)
    usage_authorization: str = Field(min_length=1, max_length=200)
    data_format: str = Field(min_length=1, max_length=200)
    update_period: str = Field(min_length=1, max_length=100)
    allowed_by: str = Field(min_length=1, max_length=200, description="The article that allows the item")
    positive: bool = Field(default=False, strict=True)
    consent_categories: list[str] = Field(default_factory=list)
    penalty_item: bool = Field(default=False, strict=True)


class VersionIn(BaseModel):
    title_zh: str = Field(min_length=1, max_length=200)
    title_en: str = Field(min_length=1, max_length=200)
    reason: str = Field(default="", max_length=10000, description="The proposer's reasons (catalog.reasons_required)")
    proposer: str = Field(default="", max_length=200)
    significant_impact: bool = Field(default=False, strict=True,
                                     description="May cause significant social impact "
                                                 "(catalog.assessment.significant_impact)")
    based_on: int | None = Field(default=None, ge=1, le=2**31 - 1,
                                 description="Version id to start from")
    copy_items: bool = Field(default=True, strict=True, description="Start from the items of based_on or of the latest "
                             "version that took effect")


class OpenCommentIn(BaseModel):
    opened_on: date | None = None
    closes_on: date | None = None


class CommentIn(BaseModel):
    received_on: date
    commenter_kind: str = Field(description=", ".join(catalog.COMMENTER_KINDS))
    commenter: str = Field(default="", max_length=200)
    stance: CommentStance
    body: str = Field(min_length=1, max_length=20000)
    item_code: str | None = None


class AssessmentIn(BaseModel):
    held_on: date
    experts: list[str] = Field(min_length=1)
    groups_heard: list[str] = Field(min_length=1)
    conclusion: str = Field(min_length=1, max_length=20000)


class ApproveIn(BaseModel):
    approved_by: str = Field(min_length=1, max_length=200, description="The approving body")
    approved_on: date | None = None
    document: str | None = Field(default=None, max_length=200)


class InForceIn(BaseModel):
    in_force_from: date


class WithdrawIn(BaseModel):
    reason: str = Field(min_length=1, max_length=10000)


# ---------------------------------------------------------------------------------------------
# Public reads
# ---------------------------------------------------------------------------------------------

@router.get("", responses=ERRORS)
def published(on: date | None = Query(None, description="The date; default today (business date)"),
              platform: Platform = Depends(get_platform)) -> dict[str, Any]:
    """The catalog in force on a date: every item with its elements and providing units."""
    day = on or platform.clock.today()
    with platform.sessions() as session:
        return {"jurisdiction": platform.jurisdiction,
                **catalog.published_catalog(session, platform.jurisdiction, day).to_dict()}


def _visible(view: catalog.VersionView, caller: Caller) -> bool:
    return _is_operator(caller) or view.state is not VersionState.draft


@router.get("/versions", responses=ERRORS)
def versions(platform: Platform = Depends(get_platform),
             caller: Caller = Depends(current_caller)) -> dict[str, Any]:
    """Every version of the deployment's catalog, oldest first (drafts only for operators)."""
    with platform.sessions() as session:
        found = catalog.list_versions(session, platform.jurisdiction)
    return {"jurisdiction": platform.jurisdiction,
            "versions": [v.to_dict() for v in found if _visible(v, caller)]}


@router.get("/versions/{version_id}", responses=ERRORS)
def version(version_id: RowId, platform: Platform = Depends(get_platform),
            caller: Caller = Depends(current_caller)) -> dict[str, Any]:
    """One version in full: items, comments received (commenters named only to operators), assessments."""
    with platform.sessions() as session:
        view = catalog.get_version(session, version_id)
        if view.jurisdiction != platform.jurisdiction or not _visible(view, caller):
            raise catalog.version_not_found(version_id)
        items = catalog.version_items(session, version_id)
        comments = catalog.version_comments(session, version_id)
        assessments = catalog.version_assessments(session, version_id)
    operator = _is_operator(caller)
    shown_comments = []
    for c in comments:
        data = c.to_dict()
        if not operator:
            data.pop("commenter")
        shown_comments.append(data)
    return {"version": view.to_dict(), "items": [item_to_dict(i) for i in items], "comments": shown_comments,
            "assessments": [a.to_dict() for a in assessments]}


@router.get("/items/{code}", responses=ERRORS)
def item(code: str, on: date | None = Query(None, description="The date; default today (business date)"),
         platform: Platform = Depends(get_platform)) -> dict[str, Any]:
    """An item as the catalog version in force on a date defines it (404 ``not_in_catalog`` /
    ``not_in_force`` otherwise)."""
    day = on or platform.clock.today()
    with platform.sessions() as session:
        spec = catalog.item_in_force(session, platform.jurisdiction, code, day)
        governing = catalog.version_in_force(session, platform.jurisdiction, day)
        units = catalog.providing_units_by_item(session, [code]).get(code, [])
    assert governing is not None
    return {"on": day.isoformat(), "version": governing.to_dict(),
            "item": catalog.PublishedItem(spec, tuple(units)).to_dict()}


# ---------------------------------------------------------------------------------------------
# Operator: the lifecycle
# ---------------------------------------------------------------------------------------------

def _run(platform: Platform, caller: Caller, work):  # type: ignore[no-untyped-def]
    with platform.unit_of_work(caller.actor) as uow:
        return work(uow)


def _own(uow, version_id: int) -> None:  # type: ignore[no-untyped-def]
    view = catalog.get_version(uow.session, version_id)
    if view.jurisdiction != uow.platform.jurisdiction:
        raise catalog.version_not_found(version_id)


@router.post("/versions", status_code=201, responses=OPERATOR_ERRORS)
def create_version(body: VersionIn, platform: Platform = Depends(get_platform),
                   caller: Caller = Depends(require_operator)) -> dict[str, Any]:
    """Start a draft of the deployment's catalog (by default carrying the items of the version in force)."""
    return _run(platform, caller, lambda uow: catalog.create_version(
        uow, jurisdiction=platform.jurisdiction, title_zh=body.title_zh, title_en=body.title_en,
        reason=body.reason, proposer=body.proposer, significant_impact=body.significant_impact,
        based_on=body.based_on, copy_items=body.copy_items).to_dict())


@router.post("/versions/{version_id}/items", status_code=201, responses=OPERATOR_ERRORS)
def add_item(version_id: RowId, body: ItemIn, platform: Platform = Depends(get_platform),
             caller: Caller = Depends(require_operator)) -> dict[str, Any]:
    """Add an item to a draft (409 ``item_exists`` if the code is there: use PUT)."""
    def work(uow):  # type: ignore[no-untyped-def]
        _own(uow, version_id)
        return item_to_dict(catalog.add_item(uow, version_id, catalog.spec_from_dict(body.model_dump())))

    return _run(platform, caller, work)


@router.put("/versions/{version_id}/items/{code}", responses=OPERATOR_ERRORS)
def replace_item(version_id: RowId, code: str, body: ItemIn, platform: Platform = Depends(get_platform),
                 caller: Caller = Depends(require_operator)) -> dict[str, Any]:
    """Replace an item of a draft."""
    if body.code != code:
        raise Refusal("code", "code_mismatch", "路径中的事项代码与请求体不一致",
                      "the item code in the path differs from the body's")

    def work(uow):  # type: ignore[no-untyped-def]
        _own(uow, version_id)
        return item_to_dict(catalog.replace_item(uow, version_id, catalog.spec_from_dict(body.model_dump())))

    return _run(platform, caller, work)


@router.delete("/versions/{version_id}/items/{code}", status_code=204, responses=OPERATOR_ERRORS)
def remove_item(version_id: RowId, code: str, platform: Platform = Depends(get_platform),
                caller: Caller = Depends(require_operator)) -> None:
    """Remove an item from a draft."""
    def work(uow):  # type: ignore[no-untyped-def]
        _own(uow, version_id)
        catalog.remove_item(uow, version_id, code)

    _run(platform, caller, work)


@router.post("/versions/{version_id}/open-comment", responses=OPERATOR_ERRORS)
def open_comment(version_id: RowId, body: OpenCommentIn, platform: Platform = Depends(get_platform),
                 caller: Caller = Depends(require_operator)) -> dict[str, Any]:
    """Publish the draft for public comment (``catalog.public_comment``)."""
    def work(uow):  # type: ignore[no-untyped-def]
        _own(uow, version_id)
        return catalog.open_comment(uow, version_id, opened_on=body.opened_on,
                                    closes_on=body.closes_on).to_dict()

    return _run(platform, caller, work)


@router.post("/versions/{version_id}/comments", status_code=201, responses=OPERATOR_ERRORS)
def record_comment(version_id: RowId, body: CommentIn, platform: Platform = Depends(get_platform),
                   caller: Caller = Depends(require_operator)) -> dict[str, Any]:
    """Record a comment received on the draft."""
    def work(uow):  # type: ignore[no-untyped-def]
        _own(uow, version_id)
        return catalog.record_comment(uow, version_id, received_on=body.received_on,
                                      commenter_kind=body.commenter_kind, commenter=body.commenter,
                                      stance=body.stance.value, body=body.body,
                                      item_code=body.item_code).to_dict()

    return _run(platform, caller, work)


@router.post("/versions/{version_id}/assessments", status_code=201, responses=OPERATOR_ERRORS)
def record_assessment(version_id: RowId, body: AssessmentIn, platform: Platform = Depends(get_platform),
                      caller: Caller = Depends(require_operator)) -> dict[str, Any]:
    """Record the assessment with experts and the groups concerned (``catalog.assessment.*``)."""
    def work(uow):  # type: ignore[no-untyped-def]
        _own(uow, version_id)
        return catalog.record_assessment(uow, version_id, held_on=body.held_on, experts=body.experts,
                                         groups_heard=body.groups_heard, conclusion=body.conclusion).to_dict()

    return _run(platform, caller, work)


@router.post("/versions/{version_id}/approve", responses=OPERATOR_ERRORS)
def approve(version_id: RowId, body: ApproveIn, platform: Platform = Depends(get_platform),
            caller: Caller = Depends(require_operator)) -> dict[str, Any]:
    """Record the approval (409 ``assessment_required`` while a required assessment is missing)."""
    def work(uow):  # type: ignore[no-untyped-def]
        _own(uow, version_id)
        return catalog.approve(uow, version_id, approved_by=body.approved_by, approved_on=body.approved_on,
                               document=body.document).to_dict()

    return _run(platform, caller, work)


@router.post("/versions/{version_id}/in-force", responses=OPERATOR_ERRORS)
def set_in_force(version_id: RowId, body: InForceIn, platform: Platform = Depends(get_platform),
                 caller: Caller = Depends(require_operator)) -> dict[str, Any]:
    """Put an approved version in force from a date; the version it replaces is superseded from then."""
    def work(uow):  # type: ignore[no-untyped-def]
        _own(uow, version_id)
        return catalog.set_in_force(uow, version_id, body.in_force_from).to_dict()

    return _run(platform, caller, work)


@router.post("/versions/{version_id}/withdraw", responses=OPERATOR_ERRORS)
def withdraw(version_id: RowId, body: WithdrawIn, platform: Platform = Depends(get_platform),
             caller: Caller = Depends(require_operator)) -> dict[str, Any]:
    """Withdraw a version that has not taken effect."""
    def work(uow):  # type: ignore[no-untyped-def]
        _own(uow, version_id)
        return catalog.withdraw(uow, version_id, reason=body.reason).to_dict()

    return _run(platform, caller, work)
