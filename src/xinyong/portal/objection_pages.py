"""Portal pages of objections (异议), through ``services.objections`` (the same use cases as the API and
the CLI).

- the subject (signed in, real-name verified): ``/me/objections/new?record=ID`` (the record, the
  grounds, up to five evidence files), ``POST /me/objections`` files it (the record labelled at once),
  ``/me/objections`` lists its objections with the next due date and ``/me/objections/{id}`` shows each
  step (duty) with its due date, the working days left, its article and status, the outcome, reasons
  and source, and the written notices (``/me/notices/{id}``), with the request for re-examination
  (``POST /me/objections/{id}/reexamination``) once decided or refused, where the regulation provides
  it; ``/me`` links each record in service to the form;
- the center (all), the competent department and a providing unit (those transferred to it):
  ``/staff/objections``, the queue by due date with the transfer, decide and refuse (不予受理) forms of
  the center, the providing unit's decide form, and the competent department's re-examination form.

Statuses, outcomes, duty keys and owners are shown by their labels; citations as the rule file gives
them; refusals in the page's language.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response

from xinyong.domain.duties.time_limits import describe
from xinyong.domain.identity.actors import Caller, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.portal.i18n import language
from xinyong.portal.pages import _csrf_ok, _forbidden, _redirect, _render, _to_login, current_visitor, get_platform
from xinyong.portal.restoration_pages import _duty_rows, _notice_rows, _record_row
from xinyong.services import objections
from xinyong.services.disclosure.references import resolve_record
from xinyong.services.platform.bootstrap import Platform

router = APIRouter(include_in_schema=False)
STAFF = (Role.providing_unit, Role.operator, Role.administrator, Role.competent_department)
CENTER = (Role.operator, Role.administrator)
OUTCOMES = ("corrected", "supplemented", "service_stopped", "not_corrected")



def _objection(platform: Platform, v: objections.ObjectionView, lang: str) -> dict[str, Any]:
    d = v.to_dict()
    duties = [{**x, "time_limit": describe(x["basis"], v.duties[i].due)} for i, x in enumerate(d["duties"])]
    records = [_record_row(platform, r.to_dict(), lang) for r in v.records]
    # the source by the records' unit and item names in the page's language (the stored text names codes)
    source = ("；" if lang == "zh" else "; ").join(dict.fromkeys(
        f"{r['unit']}{'：' if lang == 'zh' else ': '}{r['item']}" for r in records)) if v.source else None
    return {"id": v.id, "status": v.status, "version": v.version, "received_on": d["received_on"],
            "next_due": d["next_due"], "outcome": v.outcome, "reasons": v.reasons, "source": source,
            "decided_on": d["decided_on"], "grounds": v.grounds, "route": v.route,
            "records": records,
            "duties": _duty_rows(platform, duties, lang), "notices": _notice_rows(d["notices"], lang)}


def _subject_gate(request: Request, visitor: Caller | None, template: str) -> Response | None:
    if visitor is None:
        return _to_login(request)
    if not visitor.verified or visitor.subject_id is None:
        return _render(request, template, {"not_verified": True}, visitor=visitor, status_code=403, private=True)
    return None


def _new_form(request: Request, platform: Platform, visitor: Caller, records: list[str], *,
              refusal: Refusal | None = None, grounds: str = "", status_code: int = 200) -> HTMLResponse:
    lang = language(request)
    try:
        with platform.sessions() as session:
            found = [resolve_record(session, ref) for ref in records]
        if any(f.subject_id != visitor.subject_id for f in found):
            raise Refusal("record", "record_unknown", "没有该记录", "no such record", status=404)
        rows = [_record_row(platform, f.to_dict(), lang) for f in found]   # its own reads: after the session
    except Refusal:
        return _render(request, "me_objection_new.html", {"missing": True}, visitor=visitor, status_code=404,
                       private=True)
    if not rows:
        return _render(request, "me_objection_new.html", {"missing": True}, visitor=visitor, status_code=404,
                       private=True)
    return _render(request, "me_objection_new.html", {"records": rows, "refusal": refusal, "grounds": grounds[:4000]},
                   visitor=visitor, status_code=status_code, private=True)


@router.get("/me/objections/new", response_class=HTMLResponse)
def new_objection(request: Request, record: list[str] = Query([], max_length=20),
                  visitor: Caller | None = Depends(current_visitor),
                  platform: Platform = Depends(get_platform)) -> Response:
    gate = _subject_gate(request, visitor, "me_objection_new.html")
    if gate is not None:
        return gate
    assert visitor is not None
    return _new_form(request, platform, visitor, [r.strip()[:200] for r in record if r.strip()])


@router.post("/me/objections", response_class=HTMLResponse)
async def file_objection(request: Request, visitor: Caller | None = Depends(current_visitor),
                         platform: Platform = Depends(get_platform)) -> Response:
    from fastapi.concurrency import run_in_threadpool
    form = await request.form(max_files=objections.EVIDENCE_FILES_MAX + 1, max_fields=50)
    csrf = form.get("csrf_token")
    if not _csrf_ok(request, visitor, csrf if isinstance(csrf, str) else ""):
        return _forbidden(request, visitor)
    gate = _subject_gate(request, visitor, "me_objection_new.html")
    if gate is not None:
        return gate
    assert visitor is not None
    records = [r.strip()[:200] for r in form.getlist("record") if isinstance(r, str) and r.strip()][:20]
    raw = form.get("grounds")
    grounds = raw if isinstance(raw, str) else ""
    evidence = []
    for f in form.getlist("evidence"):
        if isinstance(f, str) or not getattr(f, "filename", ""):
            continue
        content = await f.read(objections.EVIDENCE_BYTES_MAX + 1)
        evidence.append(objections.Evidence(f.filename or "evidence", f.content_type or "", content))

    def store() -> int:
        with platform.unit_of_work(visitor.actor) as uow:
            return objections.file_objection(uow, subject_id=visitor.subject_id or 0, records=list(records),
                                              grounds=grounds, channel="portal", evidence=evidence).id

    try:
        objection_id = await run_in_threadpool(store)
    except Refusal as exc:
        return await run_in_threadpool(_new_form, request, platform, visitor, records, refusal=exc,
                                       grounds=grounds, status_code=exc.status)
    return _redirect(request, f"/me/objections/{objection_id}", done="filed")


@router.get("/me/objections", response_class=HTMLResponse)
def my_objections(request: Request, visitor: Caller | None = Depends(current_visitor),
                  platform: Platform = Depends(get_platform)) -> Response:
    gate = _subject_gate(request, visitor, "me_objections.html")
    if gate is not None:
        return gate
    assert visitor is not None
    lang = language(request)
    with platform.sessions() as session:
        views = objections.list_objections(platform, session, subject_id=visitor.subject_id)
    rows = [_objection(platform, v, lang) for v in views]
    return _render(request, "me_objections.html", {"objections": rows}, visitor=visitor, private=True)


@router.get("/me/objections/{objection_id}", response_class=HTMLResponse)
def my_objection(request: Request, objection_id: int = PathParam(..., ge=1, le=2**31 - 1),
                 visitor: Caller | None = Depends(current_visitor),
                 platform: Platform = Depends(get_platform)) -> Response:
    gate = _subject_gate(request, visitor, "me_objection.html")
    if gate is not None:
        return gate
    assert visitor is not None
    lang = language(request)
    try:
        with platform.sessions() as session:
            view = objections.get_objection(platform, session, objection_id, subject_id=visitor.subject_id)
    except Refusal:
        return _render(request, "me_objection.html", {"missing": True}, visitor=visitor, status_code=404,
                       private=True)
    return _my_objection_page(request, platform, visitor, view, lang)


def _my_objection_page(request: Request, platform: Platform, visitor: Caller, view: objections.ObjectionView,
                       lang: str, *, refusal: Refusal | None = None, status_code: int = 200) -> HTMLResponse:
    row = _objection(platform, view, lang)
    provided = platform.rulebook.get(platform.jurisdiction).has("objection.reexamine")
    row["may_request_reexamination"] = provided and view.status in ("decided", "refused")
    return _render(request, "me_objection.html", {"o": row, "done": request.query_params.get("done"),
                                                  "refusal": refusal},
                   visitor=visitor, status_code=status_code, private=True)


@router.post("/me/objections/{objection_id}/reexamination", response_class=HTMLResponse)
async def request_reexamination(request: Request, objection_id: int = PathParam(..., ge=1, le=2**31 - 1),
                                visitor: Caller | None = Depends(current_visitor),
                                platform: Platform = Depends(get_platform)) -> Response:
    """The subject asks the competent department to re-examine the result (where the regulation
    provides it); the step, its due date and article then show on the objection's page."""
    from fastapi.concurrency import run_in_threadpool
    form = await request.form(max_files=0, max_fields=5)
    csrf, version = form.get("csrf_token"), form.get("version")
    if not _csrf_ok(request, visitor, csrf if isinstance(csrf, str) else ""):
        return _forbidden(request, visitor)
    gate = _subject_gate(request, visitor, "me_objection.html")
    if gate is not None:
        return gate
    assert visitor is not None

    def ask() -> None:
        with platform.unit_of_work(visitor.actor) as uow:
            objections.request_reexamination(uow, objection_id, subject_id=visitor.subject_id,
                                             version=int(version) if isinstance(version, str)
                                             and version.isdigit() and len(version) < 10 else None)

    def page(refusal: Refusal) -> HTMLResponse:
        try:
            with platform.sessions() as session:
                view = objections.get_objection(platform, session, objection_id, subject_id=visitor.subject_id)
        except Refusal:
            return _render(request, "me_objection.html", {"missing": True}, visitor=visitor, status_code=404,
                           private=True)
        return _my_objection_page(request, platform, visitor, view, language(request), refusal=refusal,
                                  status_code=refusal.status)

    try:
        await run_in_threadpool(ask)
    except Refusal as exc:
        return await run_in_threadpool(page, exc)
    return _redirect(request, f"/me/objections/{objection_id}", done="reexamination")


# -- the center and the providing units --------------------------------------------------------------

def _scope(visitor: Caller) -> dict[str, Any]:
    if visitor.actor.role is Role.providing_unit:
        return {"unit_code": visitor.unit_code or visitor.actor.organisation or ""}
    return {}


def _queue(request: Request, platform: Platform, visitor: Caller, *, refusal: Refusal | None = None,
           status_code: int = 200) -> HTMLResponse:
    lang = language(request)
    with platform.sessions() as session:
        views = objections.list_objections(platform, session, **_scope(visitor))
    rows = [_objection(platform, v, lang) for v in views]
    role = visitor.actor.role
    for row in rows:
        row["may_transfer"] = role in CENTER and row["status"] == "received"
        row["may_decide"] = (role in CENTER and row["status"] in ("received", "transferred")) or (
            role is Role.providing_unit and row["status"] == "transferred")
        row["may_refuse"] = role in CENTER and row["status"] in ("received", "transferred")
        row["may_reexamine"] = role is Role.competent_department and row["status"] == "reexamination"
    return _render(request, "staff_objections.html",
                   {"objections": rows, "refusal": refusal, "outcomes": OUTCOMES,
                    "reexamination_outcomes": objections.REEXAMINATION_OUTCOMES,
                    "done": request.query_params.get("done") == "1"},
                   visitor=visitor, status_code=status_code, private=True)


def _staff_gate(request: Request, visitor: Caller | None) -> Response | None:
    if visitor is None:
        return _to_login(request)
    if visitor.actor.role not in STAFF:
        return _render(request, "staff_objections.html", {"forbidden": True}, visitor=visitor, status_code=403,
                       private=True)
    return None


@router.get("/staff/objections", response_class=HTMLResponse)
def staff_objections(request: Request, visitor: Caller | None = Depends(current_visitor),
                     platform: Platform = Depends(get_platform)) -> Response:
    gate = _staff_gate(request, visitor)
    if gate is not None:
        return gate
    assert visitor is not None
    return _queue(request, platform, visitor)


@router.post("/staff/objections/{objection_id}/{step}", response_class=HTMLResponse)
async def staff_step(request: Request, objection_id: int = PathParam(..., ge=1, le=2**31 - 1),
                     step: str = PathParam(..., pattern="^(transfer|decide|refuse|reexamine)$"),
                     visitor: Caller | None = Depends(current_visitor),
                     platform: Platform = Depends(get_platform)) -> Response:
    from fastapi.concurrency import run_in_threadpool
    form = await request.form(max_files=0, max_fields=20)

    def text(name: str, limit: int = 4000) -> str:
        value = form.get(name)
        return value[:limit] if isinstance(value, str) else ""

    if not _csrf_ok(request, visitor, text("csrf_token", 200)):
        return _forbidden(request, visitor)
    gate = _staff_gate(request, visitor)
    if gate is not None:
        return gate
    assert visitor is not None
    version = int(text("version", 12)) if text("version", 12).isdigit() else None
    unit = _scope(visitor).get("unit_code")

    def act() -> None:
        with platform.unit_of_work(visitor.actor) as uow:
            if step == "transfer":
                if visitor.actor.role not in CENTER:
                    raise Refusal(None, "role_not_allowed", "只有平台运行机构可以转交", "only the center transfers",
                                  status=403)
                objections.transfer(uow, objection_id, version=version)
            elif step == "refuse":
                if visitor.actor.role not in CENTER:
                    raise Refusal(None, "role_not_allowed", "只有平台运行机构可以不予受理",
                                  "only the center refuses an objection", status=403)
                objections.refuse(uow, objection_id, reasons=text("reasons"), version=version)
            elif step == "reexamine":
                if visitor.actor.role is not Role.competent_department:
                    raise Refusal(None, "role_not_allowed", "只有社会信用主管部门可以作出复核决定",
                                  "only the competent department decides a re-examination", status=403)
                objections.decide_reexamination(uow, objection_id, outcome=text("outcome", 32),
                                                reasons=text("reasons"), version=version)
            else:
                if visitor.actor.role not in (*CENTER, Role.providing_unit):
                    raise Refusal(None, "role_not_allowed", "当前身份不能作出决定", "this role may not decide",
                                  status=403)
                objections.decide(uow, objection_id, outcome=text("outcome", 32), reasons=text("reasons") or None,
                                  unit_code=unit, version=version)

    try:
        await run_in_threadpool(act)
    except Refusal as exc:
        return await run_in_threadpool(_queue, request, platform, visitor, refusal=exc, status_code=exc.status)
    return _redirect(request, "/staff/objections", done="1")
