"""Portal pages of the catalog's lifecycle for the center and the competent department, through
``services.catalog`` (the same use cases as ``/api/v1/catalog/versions`` and ``xinyong catalog``; no second
path): ``/staff/catalog`` lists every version with its state and starts a draft; ``/staff/catalog/{id}``
shows a version (its items, the comments received, the assessments, the assessment the regulation
requires before approval, with its grounds) and the step its state allows: open the public comment,
record a comment, record the assessment, approve, put in force from a date, withdraw. Items are edited
through the API or the CLI (a field list is a structured document). States, stances, commenters and
grounds are shown by their labels; a refusal answers the page in its language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response

from xinyong.domain.catalog.items import CATEGORY_LABELS
from xinyong.domain.catalog.law import GROUND_LABELS
from xinyong.domain.catalog.lifecycle import STATE_LABELS, CommentStance, VersionState
from xinyong.domain.identity.actors import Caller, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.portal.i18n import language
from xinyong.portal.pages import (
    _redirect,
    _render,
    current_visitor,
    form_day,
    get_platform,
    staff_form_gate,
    staff_gate,
)
from xinyong.services import catalog
from xinyong.services.platform.bootstrap import Platform, UnitOfWork

router = APIRouter(include_in_schema=False)
STEWARDS = (Role.operator, Role.administrator, Role.competent_department)
ACTIONS = ("open-comment", "comment", "assessment", "approve", "in-force", "withdraw")


def _state(state: VersionState, lang: str) -> str:
    return STATE_LABELS[state][0 if lang == "zh" else 1]


@router.get("/staff/catalog", response_class=HTMLResponse)
def versions(request: Request, visitor: Caller | None = Depends(current_visitor),
             platform: Platform = Depends(get_platform)) -> Response:
    gate = staff_gate(request, visitor, "staff_catalog.html", STEWARDS)
    if gate is not None:
        return gate
    assert visitor is not None
    return _list(request, platform, visitor)


def _list(request: Request, platform: Platform, visitor: Caller, *, refusal: Refusal | None = None,
          form: dict[str, str] | None = None, status_code: int = 200) -> HTMLResponse:
    lang = language(request)
    with platform.sessions() as session:
        found = catalog.list_versions(session, platform.jurisdiction)
    rows = [{"v": v, "state": _state(v.state, lang)} for v in reversed(found)]
    return _render(request, "staff_catalog.html", {"rows": rows, "refusal": refusal, "form": form or {}},
                   visitor=visitor, status_code=status_code, private=True)


@router.post("/staff/catalog", response_class=HTMLResponse)
def new_draft(request: Request, title_zh: str = Form("", max_length=200), title_en: str = Form("", max_length=200),
              reason: str = Form("", max_length=10000), proposer: str = Form("", max_length=200),
              significant_impact: str = Form(""), csrf_token: str = Form(""),
              visitor: Caller | None = Depends(current_visitor),
              platform: Platform = Depends(get_platform)) -> Response:
    gate = staff_form_gate(request, visitor, csrf_token, "staff_catalog.html", STEWARDS)
    if gate is not None:
        return gate
    assert visitor is not None
    form = {"title_zh": title_zh, "title_en": title_en, "reason": reason, "proposer": proposer}
    try:
        with platform.unit_of_work(visitor.actor) as uow:
            made = catalog.create_version(uow, jurisdiction=platform.jurisdiction, title_zh=title_zh.strip(),
                                          title_en=title_en.strip(), reason=reason.strip(),
                                          proposer=proposer.strip(), significant_impact=significant_impact == "yes")
    except Refusal as exc:
        return _list(request, platform, visitor, refusal=exc, form=form, status_code=exc.status)
    return _redirect(request, f"/staff/catalog/{made.id}", done="draft")


def _version_page(request: Request, platform: Platform, visitor: Caller, version_id: int, *,
                  refusal: Refusal | None = None, status_code: int = 200) -> HTMLResponse:
    lang = language(request)
    pick = 0 if lang == "zh" else 1
    try:
        with platform.sessions() as session:
            view = catalog.get_version(session, version_id)
            if view.jurisdiction != platform.jurisdiction:
                raise catalog.version_not_found(version_id)
            items = catalog.version_items(session, version_id)
            comments = catalog.version_comments(session, version_id)
            assessments = catalog.version_assessments(session, version_id)
    except Refusal as exc:
        return _render(request, "staff_catalog_version.html", {"missing": True, "refusal": exc}, visitor=visitor,
                       status_code=exc.status, private=True)
    names = {i.code: (i.name_zh, i.name_en)[pick] for i in items}
    state = view.state
    return _render(request, "staff_catalog_version.html", {
        "v": view, "state": _state(state, lang), "refusal": refusal, "done": request.query_params.get("done"),
        "items": [{"name": (i.name_zh, i.name_en)[pick], "category": CATEGORY_LABELS[i.category][pick],
                   "allowed_by": i.allowed_by, "fields": len(i.fields)} for i in items],
        "comments": [{"c": c, "item": names.get(c.item_code or "", c.item_code)} for c in comments],
        "assessments": assessments,
        "grounds": [GROUND_LABELS[g][pick] for g in view.grounds],
        "may": {"open_comment": state is VersionState.draft,
                "comment": state in (VersionState.public_comment, VersionState.expert_assessment),
                "assessment": state in (VersionState.public_comment, VersionState.expert_assessment),
                "approve": state in (VersionState.public_comment, VersionState.expert_assessment),
                "in_force": state is VersionState.approved,
                "withdraw": state in (VersionState.draft, VersionState.public_comment,
                                      VersionState.expert_assessment, VersionState.approved)},
        "commenters": catalog.COMMENTER_KINDS, "stances": [s.value for s in CommentStance],
        "item_choices": sorted(names.items(), key=lambda kv: kv[1]), "today": platform.clock.today(),
        "abbrev": platform.rulebook.get(platform.jurisdiction).abbrev,
    }, visitor=visitor, status_code=status_code, private=True)


@router.get("/staff/catalog/{version_id}", response_class=HTMLResponse)
def version(request: Request, version_id: int = PathParam(..., ge=1, le=2**31 - 1),
            visitor: Caller | None = Depends(current_visitor),
            platform: Platform = Depends(get_platform)) -> Response:
    gate = staff_gate(request, visitor, "staff_catalog_version.html", STEWARDS)
    if gate is not None:
        return gate
    assert visitor is not None
    return _version_page(request, platform, visitor, version_id)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace("；", "\n").replace(";", "\n").splitlines() if line.strip()]


@router.post("/staff/catalog/{version_id}/{action}", response_class=HTMLResponse)
def step(request: Request, version_id: int = PathParam(..., ge=1, le=2**31 - 1),
         action: str = PathParam(..., pattern="^(open-comment|comment|assessment|approve|in-force|withdraw)$"),
         opened_on: str = Form(""), closes_on: str = Form(""), received_on: str = Form(""),
         commenter_kind: str = Form(""), commenter: str = Form("", max_length=200), stance: str = Form(""),
         body: str = Form("", max_length=20000), item_code: str = Form(""), held_on: str = Form(""),
         experts: str = Form("", max_length=4000), groups_heard: str = Form("", max_length=4000),
         conclusion: str = Form("", max_length=20000), approved_by: str = Form("", max_length=200),
         approved_on: str = Form(""), document: str = Form("", max_length=200), in_force_from: str = Form(""),
         reason: str = Form("", max_length=10000), csrf_token: str = Form(""),
         visitor: Caller | None = Depends(current_visitor),
         platform: Platform = Depends(get_platform)) -> Response:
    gate = staff_form_gate(request, visitor, csrf_token, "staff_catalog_version.html", STEWARDS)
    if gate is not None:
        return gate
    assert visitor is not None
    steps: dict[str, Callable[[UnitOfWork], Any]] = {
        "open-comment": lambda uow: catalog.open_comment(
            uow, version_id, opened_on=form_day(opened_on, "opened_on", required=False),
            closes_on=form_day(closes_on, "closes_on", required=False)),
        "comment": lambda uow: catalog.record_comment(
            uow, version_id, received_on=form_day(received_on, "received_on"), commenter_kind=commenter_kind,
            commenter=commenter.strip(), stance=stance, body=body.strip(), item_code=item_code or None),
        "assessment": lambda uow: catalog.record_assessment(
            uow, version_id, held_on=form_day(held_on, "held_on"), experts=_lines(experts),
            groups_heard=_lines(groups_heard), conclusion=conclusion.strip()),
        "approve": lambda uow: catalog.approve(
            uow, version_id, approved_by=approved_by.strip(), approved_on=form_day(approved_on, "approved_on",
                                                                                required=False),
            document=document.strip() or None),
        "in-force": lambda uow: catalog.set_in_force(uow, version_id, form_day(in_force_from, "in_force_from")),
        "withdraw": lambda uow: catalog.withdraw(uow, version_id, reason=reason.strip()),
    }
    try:
        with platform.unit_of_work(visitor.actor) as uow:
            view = catalog.get_version(uow.session, version_id)
            if view.jurisdiction != platform.jurisdiction:
                raise catalog.version_not_found(version_id)
            steps[action](uow)
    except Refusal as exc:
        return _version_page(request, platform, visitor, version_id, refusal=exc, status_code=exc.status)
    return _redirect(request, f"/staff/catalog/{version_id}", done=action)


__all__ = ["router"]
