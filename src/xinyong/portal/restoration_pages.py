"""Portal pages of credit restoration (信用修复) and revocation (撤销), through ``services.restoration`` and
``services.revocation`` (the same use cases as the API and the CLI; no second path).

- the subject (signed in, real-name verified): ``/me/restorations/new?record=ID`` (the record, what the
  rule file asks: the minimum publicity period, the commitment letter where required, free of charge; a
  record not eligible shows why, with its article), ``POST /me/restorations`` files it,
  ``/me/restorations`` lists its applications and ``/me/restorations/{id}`` shows each step (duty) with
  its due date, the working days left, its article and status, the decision and reasons, the notices;
  ``/me`` links each restorable record (in service, untrustworthiness information) to the form;
- the providing unit (its records' applications) and the center (all; the competent department reads):
  ``/staff/restorations``, the queue by due date with the grant/refuse form; ``/staff/revocations/new``
  reports a revocation of one of the unit's records and ``/staff/revocations/{id}`` shows the result (the
  record out of service, its content erased, the duty with its article or, where the regulation defers
  to a State rule without a value, that time limit in words).

Statuses, grounds, duty keys and owners are shown by their labels; citations as the rule file gives
them; refusals in the page's language, never as JSON.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response

from xinyong.domain.catalog.items import CATEGORY_LABELS
from xinyong.domain.identity.actors import Caller, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.portal.i18n import language, translator
from xinyong.portal.pages import (
    _csrf_ok,
    _forbidden,
    _item_specs,
    _redirect,
    _render,
    _to_login,
    _unit_names,
    current_visitor,
    get_platform,
    staff_form_gate,
    staff_gate,
    templates,
)
from xinyong.services import restoration, revocation
from xinyong.services.compliance import OWNER_LABELS, key_label
from xinyong.services.notices.render import TITLES
from xinyong.services.platform.bootstrap import Platform
from xinyong.store.models.rights import REVOCATION_GROUNDS

router = APIRouter(include_in_schema=False)
STAFF = (Role.providing_unit, Role.operator, Role.administrator, Role.competent_department)
DECIDERS = (Role.providing_unit, Role.operator, Role.administrator)
REPORTERS = (Role.providing_unit, Role.operator, Role.administrator)
UNTRUSTWORTHY_LABELS = frozenset(CATEGORY_LABELS["untrustworthiness"])  # type: ignore[index]


def _restorable(r: Any) -> bool:
    """A record of ``/me`` that may be applied for (in service, untrustworthiness information): the
    link beside it. The service decides the rest (the minimum period, a pending application)."""
    return r.get("status") == "active" and r.get("category") in UNTRUSTWORTHY_LABELS


templates.env.tests["restorable"] = _restorable


# --------------------------------------------------------------------------------------------------
# What the templates show: labels, never codes
# --------------------------------------------------------------------------------------------------

def _duty_rows(platform: Platform, duties: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    return [{"label": key_label(platform, d["key"])[lang],
             "owner": OWNER_LABELS.get(d["owner"], {"zh": "", "en": ""})[lang],
             "due": d["due"], "provisional": d["provisional"], "time_limit": d["time_limit"][lang],
             "left": d.get("working_days_left"), "cite": d["cite"], "status": d["status"],
             "done_on": d.get("done_on")} for d in duties]


def _record_row(platform: Platform, record: dict[str, Any], lang: str) -> dict[str, Any]:
    pick = 0 if lang == "zh" else 1
    spec = _item_specs(platform, [record["item"]]).get(record["item"])
    unit = _unit_names(platform).get(record["unit"])
    return {"id": record["id"], "reference": record["reference"], "record_key": record["record_key"],
            "item": (spec.name_zh if lang == "zh" else spec.name_en) if spec else record["item"],
            "unit": unit[pick] if unit else record["unit"], "status": record["status"]}


def _notice_rows(notices: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    return [{"id": n["id"], "title": TITLES.get(n["kind"], {}).get(lang, ""), "issued_on": n["issued_on"]}
            for n in notices]


def _application(platform: Platform, v: restoration.RestorationView, lang: str) -> dict[str, Any]:
    d = v.to_dict()
    decide = next((x for x in d["duties"] if x["key"] == "restoration.decide"), None)
    return {"id": v.id, "status": v.status, "version": v.version, "received_on": d["received_on"],
            "decided_on": d["decided_on"], "removed_on": d["removed_on"], "commitment": v.commitment,
            "reasons": v.reasons, "record": _record_row(platform, v.record, lang),
            "duties": _duty_rows(platform, d["duties"], lang), "notices": _notice_rows(v.notices, lang),
            "decide": _duty_rows(platform, [decide], lang)[0] if decide else None,
            "cascade": [c[lang] for c in d["cascade"]["will_cover"]]}


# --------------------------------------------------------------------------------------------------
# The subject
# --------------------------------------------------------------------------------------------------

def _subject_gate(request: Request, visitor: Caller | None, template: str) -> Response | None:
    if visitor is None:
        return _to_login(request)
    if not visitor.verified or visitor.subject_id is None:
        return _render(request, template, {"not_verified": True}, visitor=visitor, status_code=403, private=True)
    return None


def _new_form(request: Request, platform: Platform, visitor: Caller, record: str, *,
              refusal: Refusal | None = None, commitment: str = "", status_code: int = 200) -> HTMLResponse:
    lang = language(request)
    try:
        with platform.sessions() as session:
            found = restoration.eligibility(platform, session, visitor.subject_id or 0, record)
    except Refusal as exc:
        return _render(request, "me_restoration_new.html", {"missing": True, "refusal": exc}, visitor=visitor,
                       status_code=404 if exc.status in (404, 422) else exc.status, private=True)
    context = {"record": _record_row(platform, found.ref.to_dict(), lang), "e": found,
               "refusal": refusal or found.refusal, "commitment": commitment[:8000]}
    if found.refusal is not None and status_code == 200:
        status_code = found.refusal.status
    return _render(request, "me_restoration_new.html", context, visitor=visitor, status_code=status_code,
                   private=True)


@router.get("/me/restorations/new", response_class=HTMLResponse)
def new_restoration(request: Request, record: str = Query("", max_length=200),
                    visitor: Caller | None = Depends(current_visitor),
                    platform: Platform = Depends(get_platform)) -> Response:
    gate = _subject_gate(request, visitor, "me_restoration_new.html")
    if gate is not None:
        return gate
    assert visitor is not None
    return _new_form(request, platform, visitor, record.strip())


@router.post("/me/restorations", response_class=HTMLResponse)
def apply_restoration(request: Request, record: str = Form("", max_length=200),
                      commitment: str = Form("", max_length=20000), csrf_token: str = Form(""),
                      visitor: Caller | None = Depends(current_visitor),
                      platform: Platform = Depends(get_platform)) -> Response:
    if not _csrf_ok(request, visitor, csrf_token):
        return _forbidden(request, visitor)
    gate = _subject_gate(request, visitor, "me_restoration_new.html")
    if gate is not None:
        return gate
    assert visitor is not None
    try:
        with platform.unit_of_work(visitor.actor) as uow:
            view = restoration.apply_restoration(uow, visitor.subject_id or 0, record.strip(),
                                                 commitment=commitment, channel="portal")
    except Refusal as exc:
        return _new_form(request, platform, visitor, record.strip(), refusal=exc, commitment=commitment,
                         status_code=exc.status)
    return _redirect(request, f"/me/restorations/{view.id}", done="filed")


@router.get("/me/restorations", response_class=HTMLResponse)
def my_restorations(request: Request, visitor: Caller | None = Depends(current_visitor),
                    platform: Platform = Depends(get_platform)) -> Response:
    gate = _subject_gate(request, visitor, "me_restorations.html")
    if gate is not None:
        return gate
    assert visitor is not None
    lang = language(request)
    with platform.sessions() as session:
        views = restoration.list_restorations(platform, session, visitor.actor, subject_id=visitor.subject_id)
    rows = [_application(platform, v, lang) for v in views]
    return _render(request, "me_restorations.html", {"applications": rows}, visitor=visitor, private=True)


@router.get("/me/restorations/{restoration_id}", response_class=HTMLResponse)
def my_restoration(request: Request, restoration_id: int = PathParam(..., ge=1, le=2**31 - 1),
                   visitor: Caller | None = Depends(current_visitor),
                   platform: Platform = Depends(get_platform)) -> Response:
    gate = _subject_gate(request, visitor, "me_restoration.html")
    if gate is not None:
        return gate
    assert visitor is not None
    lang = language(request)
    try:
        with platform.sessions() as session:
            view = restoration.get_restoration(platform, session, restoration_id, visitor.actor, visitor.subject_id)
    except Refusal:
        return _render(request, "me_restoration.html", {"missing": True}, visitor=visitor, status_code=404,
                       private=True)
    return _render(request, "me_restoration.html", {"a": _application(platform, view, lang),
                                                    "done": request.query_params.get("done") == "filed"},
                   visitor=visitor, private=True)


# --------------------------------------------------------------------------------------------------
# The providing unit and the center
# --------------------------------------------------------------------------------------------------

def _may_decide(visitor: Caller, application: dict[str, Any], unit: str | None) -> bool:
    if application["status"] != "received":
        return False
    role = visitor.actor.role
    return role in (Role.operator, Role.administrator) or (role is Role.providing_unit
                                                           and visitor.actor.organisation == unit)


def _queue(request: Request, platform: Platform, visitor: Caller, *, refusal: Refusal | None = None,
           status_code: int = 200) -> HTMLResponse:
    lang = language(request)
    with platform.sessions() as session:
        views = restoration.list_restorations(platform, session, visitor.actor)
    rows = []
    for v in views:
        row = _application(platform, v, lang)
        row["may_decide"] = _may_decide(visitor, row, v.unit)
        rows.append(row)
    done = request.query_params.get("done")
    return _render(request, "staff_restorations.html",
                   {"applications": rows, "refusal": refusal, "done": done if done in ("granted", "refused") else None,
                    "everyone": visitor.actor.role is not Role.providing_unit},
                   visitor=visitor, status_code=status_code, private=True)


@router.get("/staff/restorations", response_class=HTMLResponse)
def staff_restorations(request: Request, visitor: Caller | None = Depends(current_visitor),
                       platform: Platform = Depends(get_platform)) -> Response:
    gate = staff_gate(request, visitor, "staff_restorations.html", STAFF)
    if gate is not None:
        return gate
    assert visitor is not None
    return _queue(request, platform, visitor)


@router.post("/staff/restorations/{restoration_id}/decide", response_class=HTMLResponse)
def decide_restoration(request: Request, restoration_id: int = PathParam(..., ge=1, le=2**31 - 1),
                       decision: str = Form(""), reasons: str = Form("", max_length=20000),
                       version: int | None = Form(None, ge=1, le=2**31 - 1), csrf_token: str = Form(""),
                       visitor: Caller | None = Depends(current_visitor),
                       platform: Platform = Depends(get_platform)) -> Response:
    gate = staff_form_gate(request, visitor, csrf_token, "staff_restorations.html", DECIDERS)
    if gate is not None:
        return gate
    assert visitor is not None
    if decision not in ("grant", "refuse"):
        refusal = Refusal("decision", "decision_required", "请选择准予修复或不予修复",
                          "choose to grant or to refuse the restoration")
        return _queue(request, platform, visitor, refusal=refusal, status_code=422)
    try:
        with platform.sessions() as session:     # another unit's application is unknown to it (404)
            restoration.get_restoration(platform, session, restoration_id, visitor.actor)
        with platform.unit_of_work(visitor.actor) as uow:
            restoration.decide_restoration(uow, restoration_id, grant=decision == "grant", reasons=reasons,
                                           expected_version=version)
    except Refusal as exc:
        return _queue(request, platform, visitor, refusal=exc, status_code=exc.status)
    return _redirect(request, "/staff/restorations", done="granted" if decision == "grant" else "refused")


def _grounds(lang: str) -> list[tuple[str, str]]:
    t = translator(lang)
    return [(g, t(f"rr.grounds.{g}")) for g in REVOCATION_GROUNDS]


def _revocation_form(request: Request, visitor: Caller, *, form: dict[str, str] | None = None,
                     refusal: Refusal | None = None, status_code: int = 200) -> HTMLResponse:
    return _render(request, "staff_revocation_new.html",
                   {"form": form or {}, "refusal": refusal, "grounds": _grounds(language(request)),
                    "unit": visitor.actor.organisation if visitor.actor.role is Role.providing_unit else None},
                   visitor=visitor, status_code=status_code, private=True)


@router.get("/staff/revocations/new", response_class=HTMLResponse)
def new_revocation(request: Request, visitor: Caller | None = Depends(current_visitor)) -> Response:
    gate = staff_gate(request, visitor, "staff_revocation_new.html", REPORTERS)
    if gate is not None:
        return gate
    assert visitor is not None
    return _revocation_form(request, visitor)


@router.post("/staff/revocations", response_class=HTMLResponse)
def report_revocation(request: Request, record: str = Form("", max_length=200), grounds: str = Form(""),
                      basis: str = Form("", max_length=20000), csrf_token: str = Form(""),
                      visitor: Caller | None = Depends(current_visitor),
                      platform: Platform = Depends(get_platform)) -> Response:
    gate = staff_form_gate(request, visitor, csrf_token, "staff_revocation_new.html", REPORTERS)
    if gate is not None:
        return gate
    assert visitor is not None
    ref = record.strip()
    unit = visitor.actor.organisation if visitor.actor.role is Role.providing_unit else None
    if unit and ref and "/" not in ref and not ref.isdigit():
        ref = f"{unit}/{ref}"      # a unit names its own records by their record key
    form = {"record": record.strip()[:200], "grounds": grounds, "basis": basis[:4000]}
    try:
        if not ref:
            raise Refusal("record", "record_required", "请填写记录键", "give the record key")
        with platform.unit_of_work(visitor.actor) as uow:
            view = revocation.report_revocation(uow, ref, grounds=grounds, basis=basis)
    except Refusal as exc:
        return _revocation_form(request, visitor, form=form, refusal=exc, status_code=exc.status)
    return _redirect(request, f"/staff/revocations/{view.id}")


@router.get("/staff/revocations/{revocation_id}", response_class=HTMLResponse)
def staff_revocation(request: Request, revocation_id: int = PathParam(..., ge=1, le=2**31 - 1),
                     visitor: Caller | None = Depends(current_visitor),
                     platform: Platform = Depends(get_platform)) -> Response:
    gate = staff_gate(request, visitor, "staff_revocation.html", STAFF)
    if gate is not None:
        return gate
    assert visitor is not None
    lang = language(request)
    try:
        with platform.sessions() as session:
            view = revocation.get_revocation(platform, session, revocation_id, visitor.actor)
    except Refusal:
        return _render(request, "staff_revocation.html", {"missing": True}, visitor=visitor, status_code=404,
                       private=True)
    d = view.to_dict()
    r = {"id": view.id, "status": view.status, "record": _record_row(platform, view.record, lang),
         "grounds": dict(_grounds(lang)).get(view.grounds, ""), "basis": view.basis,
         "reported_on": d["reported_on"], "erased_on": d["erased_on"], "content_sha256": view.content_sha256,
         "duties": _duty_rows(platform, d["duties"], lang), "notices": _notice_rows(view.notices, lang)}
    return _render(request, "staff_revocation.html", {"r": r}, visitor=visitor, private=True)
