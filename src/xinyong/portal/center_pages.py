"""Portal pages of the center's administration (the platform operator), through the services the CLI uses
(``services.identity.units``, ``services.identity.institutions``, ``services.disclosure.inquiry_log``; no
second path):

- ``/staff/units``: the providing units, their kinds and the catalog items each may submit; register a
  unit, grant or withdraw an item, suspend or restore a unit (an inactive unit's tokens authenticate
  nothing);
- ``/staff/institutions``: the credit service institutions with their permit or filing and their agreements
  (scope by item, purposes by label, term); register one, add or terminate an agreement;
- ``/staff/inquiry-log``: the inquiry log's retention as the rule file sets it, with its article, and the
  purge of the rows past it (written to the audit ledger), which the sweep also runs.

Kinds, items and purposes are shown by their labels; a refusal answers the page in its language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response

from xinyong.domain.identity.actors import Caller, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.portal.i18n import language
from xinyong.portal.pages import (
    _redirect,
    _render,
    _scope_items,
    authorization_purposes,
    current_visitor,
    form_day,
    get_platform,
    staff_form_gate,
    staff_gate,
)
from xinyong.rules.errors import NoValueInForce, RuleNotProvided
from xinyong.services.disclosure import inquiry_log
from xinyong.services.identity import institutions, units
from xinyong.services.platform.bootstrap import Platform, UnitOfWork
from xinyong.store.models.catalog import UNIT_KINDS

router = APIRouter(include_in_schema=False)
CENTER = (Role.operator, Role.administrator)


def _item_names(platform: Platform, lang: str) -> dict[str, str]:
    return {i.code: (i.name_zh if lang == "zh" else i.name_en) for i in _scope_items(platform)}


def _run(request: Request, platform: Platform, visitor: Caller, work: Callable[[UnitOfWork], Any],
         page: Callable[..., HTMLResponse], back: str) -> Response:
    try:
        with platform.unit_of_work(visitor.actor) as uow:
            work(uow)
    except Refusal as exc:
        return page(request, platform, visitor, refusal=exc, status_code=exc.status)
    return _redirect(request, back, done="center_done")


# --------------------------------------------------------------------------------------------------
# Providing units
# --------------------------------------------------------------------------------------------------

def _units_page(request: Request, platform: Platform, visitor: Caller, *, refusal: Refusal | None = None,
                status_code: int = 200) -> HTMLResponse:
    lang = language(request)
    names = _item_names(platform, lang)
    with platform.sessions() as session:
        found = units.list_units(session)
    rows = [{"u": u, "name": u.name_zh if lang == "zh" else (u.name_en or u.name_zh),
             "granted": [(code, names.get(code, code)) for code in u.items]} for u in found]
    return _render(request, "staff_units.html", {
        "rows": rows, "refusal": refusal, "kinds": UNIT_KINDS, "items": sorted(names.items(), key=lambda kv: kv[1]),
        "done": request.query_params.get("done") == "center_done"}, visitor=visitor, status_code=status_code,
        private=True)


@router.get("/staff/units", response_class=HTMLResponse)
def units_page(request: Request, visitor: Caller | None = Depends(current_visitor),
               platform: Platform = Depends(get_platform)) -> Response:
    gate = staff_gate(request, visitor, "staff_units.html", CENTER)
    if gate is not None:
        return gate
    assert visitor is not None
    return _units_page(request, platform, visitor)


@router.post("/staff/units", response_class=HTMLResponse)
def unit_register(request: Request, code: str = Form("", max_length=64), name_zh: str = Form("", max_length=200),
                  name_en: str = Form("", max_length=200), kind: str = Form(""), csrf_token: str = Form(""),
                  visitor: Caller | None = Depends(current_visitor),
                  platform: Platform = Depends(get_platform)) -> Response:
    gate = staff_form_gate(request, visitor, csrf_token, "staff_units.html", CENTER)
    if gate is not None:
        return gate
    assert visitor is not None
    return _run(request, platform, visitor, lambda uow: units.register_unit(
        uow, code=code, name_zh=name_zh, name_en=name_en, kind=kind), _units_page, "/staff/units")


@router.post("/staff/units/{code}/{action}", response_class=HTMLResponse)
def unit_step(request: Request, code: str = PathParam(..., max_length=64),
              action: str = PathParam(..., pattern="^(grant|revoke|suspend|restore)$"), item: str = Form(""),
              csrf_token: str = Form(""), visitor: Caller | None = Depends(current_visitor),
              platform: Platform = Depends(get_platform)) -> Response:
    gate = staff_form_gate(request, visitor, csrf_token, "staff_units.html", CENTER)
    if gate is not None:
        return gate
    assert visitor is not None
    steps: dict[str, Callable[[UnitOfWork], Any]] = {
        "grant": lambda uow: units.grant_item(uow, code, item),
        "revoke": lambda uow: units.revoke_grant(uow, code, item),
        "suspend": lambda uow: units.set_active(uow, code, False),
        "restore": lambda uow: units.set_active(uow, code, True),
    }
    return _run(request, platform, visitor, steps[action], _units_page, "/staff/units")


# --------------------------------------------------------------------------------------------------
# Credit service institutions
# --------------------------------------------------------------------------------------------------

def _institutions_page(request: Request, platform: Platform, visitor: Caller, *, refusal: Refusal | None = None,
                       status_code: int = 200) -> HTMLResponse:
    lang = language(request)
    names = _item_names(platform, lang)
    purposes = {k: v[lang] for k, v in authorization_purposes().items()}
    today = platform.clock.today()
    with platform.sessions() as session:
        found = institutions.list_institutions(session)
        rows = [{"i": inst, "agreements": [{
            "a": a, "scope": [names.get(c, c) for c in a.scope], "purposes": [purposes.get(p, p) for p in a.purposes],
            "in_force": a.valid_from <= today <= a.valid_until and (a.terminated_on is None or a.terminated_on > today)}
            for a in agreements]} for inst, agreements in found]
    return _render(request, "staff_institutions.html", {
        "rows": rows, "refusal": refusal, "items": sorted(names.items(), key=lambda kv: kv[1]),
        "purposes": purposes, "today": today, "done": request.query_params.get("done") == "center_done"},
        visitor=visitor, status_code=status_code, private=True)


@router.get("/staff/institutions", response_class=HTMLResponse)
def institutions_page(request: Request, visitor: Caller | None = Depends(current_visitor),
                      platform: Platform = Depends(get_platform)) -> Response:
    gate = staff_gate(request, visitor, "staff_institutions.html", CENTER)
    if gate is not None:
        return gate
    assert visitor is not None
    return _institutions_page(request, platform, visitor)


@router.post("/staff/institutions", response_class=HTMLResponse)
def institution_register(request: Request, code: str = Form("", max_length=64), name: str = Form("", max_length=200),
                         filing_kind: str = Form(""), filing_number: str = Form("", max_length=100),
                         filed_with: str = Form("", max_length=200), filed_on: str = Form(""),
                         csrf_token: str = Form(""), visitor: Caller | None = Depends(current_visitor),
                         platform: Platform = Depends(get_platform)) -> Response:
    gate = staff_form_gate(request, visitor, csrf_token, "staff_institutions.html", CENTER)
    if gate is not None:
        return gate
    assert visitor is not None
    if not name.strip():
        return _institutions_page(request, platform, visitor, status_code=422, refusal=Refusal(
            "name", "required", "请填写机构名称", "the institution's name is required"))
    return _run(request, platform, visitor, lambda uow: institutions.register(
        uow, code=code.strip().upper(), name=name, filing_kind=filing_kind, filing_number=filing_number,
        filed_with=filed_with, filed_on=form_day(filed_on, "filed_on")), _institutions_page, "/staff/institutions")


@router.post("/staff/institutions/{code}/agreements", response_class=HTMLResponse)
def agreement_add(request: Request, code: str = PathParam(..., max_length=64), number: str = Form("", max_length=100),
                  scope: list[str] = Form([]), purposes: list[str] = Form([]), valid_from: str = Form(""),
                  valid_until: str = Form(""), csrf_token: str = Form(""),
                  visitor: Caller | None = Depends(current_visitor),
                  platform: Platform = Depends(get_platform)) -> Response:
    gate = staff_form_gate(request, visitor, csrf_token, "staff_institutions.html", CENTER)
    if gate is not None:
        return gate
    assert visitor is not None
    if not number.strip():
        return _institutions_page(request, platform, visitor, status_code=422, refusal=Refusal(
            "number", "required", "请填写协议编号", "the agreement's number is required"))
    return _run(request, platform, visitor, lambda uow: institutions.add_agreement(
        uow, code, number=number.strip(), scope=[s for s in scope if s][:60],
        purposes=[p for p in purposes if p in authorization_purposes()],
        valid_from=form_day(valid_from, "valid_from"), valid_until=form_day(valid_until, "valid_until")),
        _institutions_page, "/staff/institutions")


@router.post("/staff/agreements/{agreement_id}/terminate", response_class=HTMLResponse)
def agreement_terminate(request: Request, agreement_id: int = PathParam(..., ge=1, le=2**31 - 1),
                        confirm: str = Form(""), csrf_token: str = Form(""),
                        visitor: Caller | None = Depends(current_visitor),
                        platform: Platform = Depends(get_platform)) -> Response:
    gate = staff_form_gate(request, visitor, csrf_token, "staff_institutions.html", CENTER)
    if gate is not None:
        return gate
    assert visitor is not None
    if confirm != "yes":
        return _institutions_page(request, platform, visitor, status_code=422, refusal=Refusal(
            "confirm", "confirmation_required", "终止协议前请勾选确认：终止后该机构不能再凭协议查询",
            "tick the confirmation first: once terminated, the institution can no longer inquire under it"))
    return _run(request, platform, visitor, lambda uow: institutions.terminate_agreement(
        uow, agreement_id, platform.clock.today()), _institutions_page, "/staff/institutions")


# --------------------------------------------------------------------------------------------------
# The inquiry log's retention
# --------------------------------------------------------------------------------------------------

def _retention(platform: Platform) -> tuple[Any, str | None]:
    try:
        value = platform.rulebook.get(platform.jurisdiction).value("inquiry_log.retention", platform.clock.today())
    except (RuleNotProvided, NoValueInForce):
        return None, None
    return value.value, value.citation


@router.get("/staff/inquiry-log", response_class=HTMLResponse)
def inquiry_log_page(request: Request, visitor: Caller | None = Depends(current_visitor),
                     platform: Platform = Depends(get_platform)) -> Response:
    gate = staff_gate(request, visitor, "staff_inquiry_log.html", CENTER)
    if gate is not None:
        return gate
    assert visitor is not None
    years, cite = _retention(platform)
    return _render(request, "staff_inquiry_log.html", {"years": years, "cite": cite, "result": None},
                   visitor=visitor, private=True)


@router.post("/staff/inquiry-log/purge", response_class=HTMLResponse)
def inquiry_log_purge(request: Request, csrf_token: str = Form(""), visitor: Caller | None = Depends(current_visitor),
                      platform: Platform = Depends(get_platform)) -> Response:
    gate = staff_form_gate(request, visitor, csrf_token, "staff_inquiry_log.html", CENTER)
    if gate is not None:
        return gate
    assert visitor is not None
    result = inquiry_log.purge_expired_logs(platform, visitor.actor)
    years, cite = _retention(platform)
    return _render(request, "staff_inquiry_log.html", {"years": years, "cite": cite, "result": result},
                   visitor=visitor, private=True)


__all__ = ["router"]
