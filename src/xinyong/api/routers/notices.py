"""Written notices: ``/api/v1/me/notices`` (the signed-in subject's own; opening one sets its
``read_at``) and ``/api/v1/notices/{id}`` (the operator: any). Each as JSON, as HTML (``.html``) and as
PDF (``.pdf``), in Chinese or, with ``?lang=en``, English. A notice of another subject answers 404 as if
it did not exist; 401 not signed in, 403 another role.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from xinyong.api.deps import get_platform, require_role
from xinyong.api.errors import ErrorBody
from xinyong.api.responses import JSONResponse
from xinyong.domain.identity.actors import Caller, Role
from xinyong.services import notices
from xinyong.services.platform.bootstrap import Platform

router = APIRouter(tags=["notices"])
ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": ErrorBody}, 403: {"model": ErrorBody},
                                           404: {"model": ErrorBody}}
# An HTML or PDF notice answers its refusals in JSON: documented as such beside the route's own type.
FILE_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}
    for code in (401, 403, 404)}
STAFF = (Role.operator, Role.administrator)
NOTICE_ID = Path(..., ge=1, le=2**31 - 1)
LANG = Query("zh", pattern="^(zh|en)$", description="zh (default) or en")


def _own(platform: Platform, caller: Caller, notice_id: int) -> notices.NoticeView:
    """The subject's own notice, marked read the first time it is opened."""
    with platform.unit_of_work(caller.actor) as uow:
        return notices.mark_read(uow, notice_id, caller.subject_id or 0)


def _as(platform: Platform, view: notices.NoticeView, fmt: str, lang: str) -> Response:
    with platform.sessions() as session:
        if fmt == "pdf":
            body = notices.render_pdf(platform, session, view, lang)
            return Response(body, media_type="application/pdf", headers={
                "Content-Disposition": f'inline; filename="notice-{view.id}-{lang}.pdf"',
                "Cache-Control": "no-store"})
        return HTMLResponse(notices.render_html(platform, session, view, lang),
                            headers={"Cache-Control": "no-store"})


@router.get("/api/v1/me/notices", responses=ERRORS, summary="My written notices 我的书面告知")
def my_notices(caller: Caller = Depends(require_role(Role.subject)),
               platform: Platform = Depends(get_platform)) -> Any:
    with platform.sessions() as session:
        views = notices.notices_of_subject(session, caller.subject_id or 0)
    return JSONResponse([v.to_dict() for v in views], headers={"Cache-Control": "no-store"})


@router.get("/api/v1/me/notices/{notice_id:int}.pdf", responses=FILE_ERRORS, response_class=Response,
            summary="My notice as PDF 告知书（PDF）")
def my_notice_pdf(notice_id: int = NOTICE_ID, lang: str = LANG, caller: Caller = Depends(require_role(Role.subject)),
                  platform: Platform = Depends(get_platform)) -> Response:
    return _as(platform, _own(platform, caller, notice_id), "pdf", lang)


@router.get("/api/v1/me/notices/{notice_id:int}.html", responses=FILE_ERRORS, response_class=HTMLResponse,
            summary="My notice as HTML 告知书（HTML）")
def my_notice_html(notice_id: int = NOTICE_ID, lang: str = LANG, caller: Caller = Depends(require_role(Role.subject)),
                   platform: Platform = Depends(get_platform)) -> Response:
    return _as(platform, _own(platform, caller, notice_id), "html", lang)


@router.get("/api/v1/me/notices/{notice_id:int}", responses=ERRORS, summary="My notice 告知书")
def my_notice(notice_id: int = NOTICE_ID, caller: Caller = Depends(require_role(Role.subject)),
              platform: Platform = Depends(get_platform)) -> Any:
    return JSONResponse(_own(platform, caller, notice_id).to_dict(), headers={"Cache-Control": "no-store"})


def _any(platform: Platform, notice_id: int) -> notices.NoticeView:
    with platform.sessions() as session:
        return notices.notice_for_subject(session, notice_id, None)


@router.get("/api/v1/notices/{notice_id:int}.pdf", responses=FILE_ERRORS, response_class=Response,
            summary="A notice as PDF (operator) 告知书（PDF，运营机构）")
def notice_pdf(notice_id: int = NOTICE_ID, lang: str = LANG, caller: Caller = Depends(require_role(*STAFF)),
               platform: Platform = Depends(get_platform)) -> Response:
    return _as(platform, _any(platform, notice_id), "pdf", lang)


@router.get("/api/v1/notices/{notice_id:int}.html", responses=FILE_ERRORS, response_class=HTMLResponse,
            summary="A notice as HTML (operator) 告知书（HTML，运营机构）")
def notice_html(notice_id: int = NOTICE_ID, lang: str = LANG, caller: Caller = Depends(require_role(*STAFF)),
                platform: Platform = Depends(get_platform)) -> Response:
    return _as(platform, _any(platform, notice_id), "html", lang)


@router.get("/api/v1/notices/{notice_id:int}", responses=ERRORS, summary="A notice (operator) 告知书（运营机构）")
def notice(notice_id: int = NOTICE_ID, caller: Caller = Depends(require_role(*STAFF)),
           platform: Platform = Depends(get_platform)) -> Any:
    return JSONResponse(_any(platform, notice_id).to_dict())


class DeliveryIn(BaseModel):
    via: Literal["post", "counter", "email"] = Field(description="How the notice was served outside the portal")
    delivered_on: date = Field(description="The day it was served (not before it was issued, not in the future)")
    reference: str | None = Field(default=None, max_length=200,
                                  description="A tracking number or the receipt's reference")


@router.post("/api/v1/notices/{notice_id:int}/deliveries", responses=ERRORS, status_code=201,
             summary="Record a notice served by post, at the counter or by e-mail 登记书面告知的送达")
def record_delivery(body: DeliveryIn, notice_id: int = NOTICE_ID, caller: Caller = Depends(require_role(*STAFF)),
                    platform: Platform = Depends(get_platform)) -> Any:
    """The center records that a written notice was served outside the portal, with the day and reference;
    the subject sees it on the notice (``deliveries``), and the ledger records it."""
    with platform.unit_of_work(caller.actor) as uow:
        view = notices.record_delivery(uow, notice_id, via=body.via, delivered_on=body.delivered_on,
                                       reference=body.reference)
    return JSONResponse(view.to_dict(), status_code=201)
