"""Inquiry and disclosure over the API: subject inquiries, explain, the subject's own inquiry log and
authorizations, public pages' data, and the inquiry log retention sweep.

Every credit record goes out through ``services.disclosure.inquiry`` (the one access policy), which
logs the inquiry before anything is returned. A refused inquiry answers 403 (404 for an unknown subject)
in the platform's error shape, with the reason's article and the inquiry log id: the refusal itself was
logged. Bad input, and every other refusal of the services, is the platform's one ``Refusal``, answered
by its handler (``xinyong.api.errors``); an inquiry that cannot be logged is refused 503 and nothing is
served.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field

from xinyong.api.deps import current_actor, deferred_actor, forbidden, get_platform, require_operator, unauthorized
from xinyong.api.errors import ErrorBody
from xinyong.api.responses import JSONResponse
from xinyong.domain.disclosure.policy import REQUEST_FIELD, Mode
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.services.disclosure import authorizations, inquiry, inquiry_log, marks, public
from xinyong.services.disclosure.results import InquiryResult
from xinyong.services.disclosure.writer import ActorOrDeferred
from xinyong.services.platform.bootstrap import Platform

router = APIRouter(tags=["inquiry"])
ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": ErrorBody}, 403: {"model": ErrorBody},
                                           404: {"model": ErrorBody}, 409: {"model": ErrorBody},
                                           422: {"model": ErrorBody}, 503: {"model": ErrorBody}}


# --------------------------------------------------------------------------------------------------
# Documentation models (the handlers answer with the services' own dictionaries)
# --------------------------------------------------------------------------------------------------

class ReasonOut(BaseModel):
    code: str
    cite: str = Field(description="The article that grounds the decision")
    message_zh: str
    message_en: str


class IdentifierOut(BaseModel):
    kind: str
    value: str = Field(description="Masked for a natural person, to anyone but the person")


class SubjectOut(BaseModel):
    id: int
    kind: str
    name: str
    identifiers: list[IdentifierOut]


class RecordOut(BaseModel):
    id: int
    subject_id: int
    item_code: str
    item_name_zh: str
    item_name_en: str
    category: str
    disclosure_class: str
    status: str
    version: int
    unit_code: str
    fields: dict[str, Any]
    masked: list[str]
    labels: list[str] = Field(description="objection_pending, period_ended, withheld …")
    reasons: list[ReasonOut]
    decision_date: date | None
    conduct_ended: date | None
    received_on: date | None
    display_until: date | None
    display_cite: str | None


class InquiryOut(BaseModel):
    inquiry_id: int = Field(description="The inquiry log entry of this inquiry")
    at: str
    mode: Mode
    purpose: str | None
    authorization_id: int | None
    subject: SubjectOut | None
    records: list[RecordOut]
    refused: ReasonOut | None


class ExplanationOut(BaseModel):
    inquiry_id: int
    record_id: int
    mode: Mode
    purpose: str | None
    visible: bool
    masked: list[str]
    labels: list[str]
    reasons: list[ReasonOut]
    request_refused: ReasonOut | None


class InquiryLogEntryOut(BaseModel):
    id: int
    at: str
    role: str
    organisation: str | None
    principal: str
    channel: str
    mode: str
    mode_zh: str | None
    mode_en: str | None
    purpose: str | None
    purpose_zh: str | None
    purpose_en: str | None
    authorization_id: int | None
    returned_record_ids: list[int]
    refused_reason: str | None
    cite: str | None


class InquiryLogPage(BaseModel):
    total: int
    entries: list[InquiryLogEntryOut]


class AuthorizationIn(BaseModel):
    grantee: str = Field(min_length=1, max_length=64, description="The authorized organisation's code")
    purpose: str = Field(min_length=2, max_length=100, description="The one purpose authorized")
    scope: list[str] = Field(min_length=1, max_length=50, description='Catalog item codes, or ["*"]')
    valid_from: date | None = Field(None, description="Default: today")
    valid_until: date
    document_ref: str = Field(min_length=1, max_length=200,
                              description="Reference of the subject's written authorization")


class AuthorizationOut(BaseModel):
    id: int
    subject_id: int
    grantee: str
    purpose: str
    scope: list[str]
    valid_from: date
    valid_until: date
    document_ref: str
    revoked_on: date | None
    state: Literal["in_force", "not_yet", "expired", "revoked"]


class OrganisationOut(BaseModel):
    id: int
    kind: str
    name: str
    uscc: str | None


class PublicityOut(BaseModel):
    kind: Literal["permit", "penalty"]
    record: RecordOut
    organisation: SubjectOut | None
    decided_on: date | None
    received_on: date | None
    publication_due: date | None = Field(description="double_publicity.publish after the decision")
    on_time: bool | None
    cite: str | None
    publicity_until: date | None = Field(
        default=None, description="a penalty's last day of publicity (公示截止期): display.penalty.<tier> from the "
                                  "decision date; null where no publicity period applies")
    publicity_cite: str | None = None


class PurgeOut(BaseModel):
    purged: int
    cutoff: date | None
    retention: int | str | None
    cite: str | None
    kept_because: str | None


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------

def _refused(result: InquiryResult) -> JSONResponse:
    """A refused inquiry: not an error raised but its logged answer, in the error shape with the
    reason's article and the inquiry log id."""
    reason = result.refused
    assert reason is not None
    return JSONResponse(status_code=result.status, content={"detail": {
        "field": REQUEST_FIELD.get(reason.code), "reason": reason.code, "message_zh": reason.message_zh,
        "message_en": reason.message_en, "cite": reason.cite, "inquiry_id": result.inquiry_id}})


def _own_subject(platform: Platform, actor: Actor) -> int:
    """The credit subject the caller is, verified by real name; refused 401 (not signed in) or 403."""
    with platform.sessions() as session:
        subject_id = inquiry.own_subject_id(session, actor)
    if subject_id is not None:
        return subject_id
    if actor.role is Role.public:
        raise unauthorized("sign_in_required", "请先登录", "sign in first")
    raise forbidden(None, "not_verified", "只有完成实名核验的信用主体可以这样做",
                    "only a real-name verified credit subject can do this")


# --------------------------------------------------------------------------------------------------
# Inquiry and explain
# --------------------------------------------------------------------------------------------------

@router.get("/api/v1/subjects/{ref}/records", response_model=InquiryOut, responses=ERRORS,
            summary="Inquire into a subject's credit records 查询信用信息")
async def subject_records(
    ref: str = Path(..., min_length=1, max_length=64,
                    description="Citizen identity number, USCC, passport or other ID, or the subject id"),
    mode: Mode | None = Query(None, description="Default: self for a subject, duty for departments, "
                              "authorized for credit service institutions, lawful_disclosure otherwise"),
    purpose: str | None = Query(None, max_length=100, description="Duty purpose key (inquiry.duty_purposes)"),
    authorization: int | None = Query(None, ge=1, le=2**31 - 1, description="The subject's written authorization"),
    items: list[str] | None = Query(None, max_length=50, description="Only these catalog items"),
    who: ActorOrDeferred = Depends(deferred_actor), platform: Platform = Depends(get_platform),
) -> Any:
    """The subject's records the caller may see in this mode, each with its reasons and articles,
    masked where the law requires. Logged in the inquiry log before it is answered."""
    result = await inquiry.inquire_async(platform, who, subject_ref=ref, mode=mode, purpose=purpose,
                                         authorization_id=authorization, items=items, channel="api")
    if result.refused is not None:
        return _refused(result)
    return JSONResponse(result.to_dict())


@router.get("/api/v1/records/{record_id}/explain", response_model=ExplanationOut, responses=ERRORS,
            summary="Why a record is or is not visible to you 可见性说明")
def explain_record(
    record_id: int = Path(..., ge=1, le=2**31 - 1),
    mode: Mode | None = Query(None), purpose: str | None = Query(None, max_length=100),
    authorization: int | None = Query(None, ge=1, le=2**31 - 1),
    actor: Actor = Depends(current_actor), platform: Platform = Depends(get_platform),
) -> Any:
    """Whether the record is visible to the caller in this mode, which fields would be masked, and
    every reason with its article. The record's content is not returned. A record the caller may not
    know about (neither shown to them nor their own) is answered exactly like an id that names no
    record (404), though the explanation is logged with its real reason."""
    explanation = inquiry.explain(platform, actor, record_id, mode=mode, purpose=purpose,
                                  authorization_id=authorization)
    concealed = explanation.concealed()
    if concealed is not None:
        raise concealed
    return JSONResponse(explanation.to_dict())


# --------------------------------------------------------------------------------------------------
# The subject's own: inquiry log, authorizations, withheld positive information
# --------------------------------------------------------------------------------------------------

@router.get("/api/v1/me/inquiries", response_model=InquiryLogPage, responses=ERRORS,
            summary="Who looked at my information, and why 我的被查询记录")
def my_inquiries(limit: int = Query(100, ge=1, le=500), offset: int = Query(0, ge=0, le=10**9),
                 actor: Actor = Depends(current_actor), platform: Platform = Depends(get_platform)) -> Any:
    _own_subject(platform, actor)
    total, views = inquiry_log.my_inquiries(platform, actor, limit=limit, offset=offset)
    return JSONResponse({"total": total, "entries": [v.to_dict() for v in views]})


@router.get("/api/v1/me/authorizations", response_model=list[AuthorizationOut], responses=ERRORS,
            summary="My written authorizations 我的授权")
def my_authorizations(actor: Actor = Depends(current_actor),
                      platform: Platform = Depends(get_platform)) -> Any:
    own = _own_subject(platform, actor)
    with platform.sessions() as session:
        views = authorizations.for_subject(session, own, platform.clock.today())
    return JSONResponse([v.to_dict() for v in views])


@router.post("/api/v1/me/authorizations", response_model=AuthorizationOut, status_code=201, responses=ERRORS,
             summary="Authorize a third party 书面授权")
def grant_authorization(body: AuthorizationIn, actor: Actor = Depends(current_actor),
                        platform: Platform = Depends(get_platform)) -> Any:
    """Record your written authorization of an organisation to inquire into your information, for one
    purpose, within a scope and a term. Revocable at any time."""
    own = _own_subject(platform, actor)
    with platform.unit_of_work(actor) as uow:
        view = authorizations.grant(uow, subject_id=own, grantee=body.grantee, purpose=body.purpose,
                                    scope=body.scope, valid_from=body.valid_from,
                                    valid_until=body.valid_until, document_ref=body.document_ref)
    return JSONResponse(view.to_dict(), status_code=201)


@router.delete("/api/v1/me/authorizations/{authorization_id}", response_model=AuthorizationOut,
               responses=ERRORS, summary="Revoke an authorization 撤销授权")
def revoke_authorization(authorization_id: int = Path(..., ge=1, le=2**31 - 1),
                         actor: Actor = Depends(current_actor),
                         platform: Platform = Depends(get_platform)) -> Any:
    own = _own_subject(platform, actor)
    with platform.unit_of_work(actor) as uow:
        view = authorizations.revoke(uow, subject_id=own, authorization_id=authorization_id)
    return JSONResponse(view.to_dict())


@router.post("/api/v1/me/withheld/{record_id}", status_code=204, response_model=None,
             responses={**ERRORS, 409: {"model": ErrorBody}},
             summary="Withhold positive information from display 不公开守信信息")
def withhold(record_id: int = Path(..., ge=1, le=2**31 - 1), actor: Actor = Depends(current_actor),
             platform: Platform = Depends(get_platform)) -> Any:
    """Withhold a commendation, volunteer service or donation record from display (disclosure.positive_withholdable),
    where the regulation in force gives that right."""
    own = _own_subject(platform, actor)
    with platform.unit_of_work(actor) as uow:
        marks.withhold_positive(uow, subject_id=own, record_id=record_id)
    return Response(status_code=204)


@router.delete("/api/v1/me/withheld/{record_id}", status_code=204, response_model=None,
               responses=ERRORS,
               summary="Display withheld positive information again 恢复公开守信信息")
def release(record_id: int = Path(..., ge=1, le=2**31 - 1), actor: Actor = Depends(current_actor),
            platform: Platform = Depends(get_platform)) -> Any:
    own = _own_subject(platform, actor)
    with platform.unit_of_work(actor) as uow:
        marks.release_positive(uow, subject_id=own, record_id=record_id)
    return Response(status_code=204)


# --------------------------------------------------------------------------------------------------
# Public pages' data
# --------------------------------------------------------------------------------------------------

@router.get("/api/v1/public/organisations", response_model=list[OrganisationOut], responses=ERRORS,
            summary="Find an organisation by name or USCC 机构查询")
def find_organisations(q: str = Query(..., min_length=2, max_length=100),
                       limit: int = Query(20, ge=1, le=50),
                       platform: Platform = Depends(get_platform)) -> Any:
    """Organisations only: natural persons are never found here, by name or by identifier."""
    hits = public.find_organisations(platform, q, limit=limit)
    return JSONResponse([h.to_dict() for h in hits])


@router.get("/api/v1/public/organisations/{ref}/records", response_model=InquiryOut, responses=ERRORS,
            summary="An organisation's public credit information 机构公开信用信息")
def organisation_records(ref: str = Path(..., min_length=1, max_length=64,
                                         description="USCC or subject id"),
                         actor: Actor = Depends(current_actor),
                         platform: Platform = Depends(get_platform)) -> Any:
    """An inquiry in lawful disclosure mode (logged like any other)."""
    result = inquiry.inquire(platform, actor, subject_ref=ref, mode=Mode.lawful_disclosure, channel="api")
    if result.refused is not None:
        return _refused(result)
    return JSONResponse(result.to_dict())


ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _iso_date(text: str | None, field: str) -> date | None:
    """A date parameter written YYYY-MM-DD (a number is not a date here), or None."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Refusal(field, "date_invalid", "日期无效，须为 YYYY-MM-DD", "not a date: write YYYY-MM-DD") from None


@router.get("/api/v1/public/double-publicity", response_model=list[PublicityOut], responses=ERRORS,
            summary="Double publicity of permits and penalties 双公示")
def double_publicity(kind: Literal["permit", "penalty"] | None = Query(None),
                     limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=10**9),
                     q: str | None = Query(None, max_length=100,
                                           description="An organisation's name (part of it) or credit code"),
                     decided_from: str | None = Query(None, pattern=ISO_DATE,
                                                      description="Decided on or after (YYYY-MM-DD)"),
                     decided_to: str | None = Query(None, pattern=ISO_DATE,
                                                    description="Decided on or before (YYYY-MM-DD)"),
                     unit: str | None = Query(None, max_length=64, description="The deciding department's code"),
                     actor: Actor = Depends(current_actor),
                     platform: Platform = Depends(get_platform)) -> Any:
    """Organisations' administrative permits and penalties, newest first, each with its decision date,
    the day the platform received it, and the publication due date (double_publicity.publish); searched by
    name or code, decision dates and department where given."""
    entries = public.double_publicity(platform, kind=kind, limit=limit, offset=offset, actor=actor, q=q,
                                      decided_from=_iso_date(decided_from, "decided_from"),
                                      decided_to=_iso_date(decided_to, "decided_to"), unit=unit)
    return JSONResponse([e.to_dict() for e in entries])


@router.get("/api/v1/public/catalog", responses=ERRORS, summary="The catalog in force 现行信用信息目录")
def catalog_in_force(platform: Platform = Depends(get_platform)) -> Any:
    published = public.catalog_in_force(platform)
    if published is None:
        raise Refusal(None, "no_catalog_in_force", "今天没有施行中的目录", "no catalog is in force today",
                      status=404)
    return JSONResponse(published)


@router.get("/api/v1/public/catalog/versions", summary="Catalog versions that took effect 目录版本")
def catalog_versions(platform: Platform = Depends(get_platform)) -> Any:
    return JSONResponse(public.catalog_versions(platform))


# --------------------------------------------------------------------------------------------------
# Operators
# --------------------------------------------------------------------------------------------------

@router.post("/api/v1/inquiry-log/purge", response_model=PurgeOut, responses=ERRORS,
             summary="Purge inquiry log rows past their retention 清理过期查询记录")
def purge(caller: Any = Depends(require_operator), platform: Platform = Depends(get_platform)) -> Any:
    """Delete inquiry log rows older than ``inquiry_log.retention``; nothing
    where the retention is unlimited or not provided. The purge is recorded in the ledger."""
    result = inquiry_log.purge_expired_logs(platform, caller.actor)
    return JSONResponse(result.to_dict())
