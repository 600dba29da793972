"""``/api/v1/restorations``: credit restoration (信用修复), free of charge (no fee field exists anywhere).

``POST``: the subject applies for one of its own records (a real-name verified subject's account), or
the operator registers an application received at the counter (``subject`` and ``received`` given);
refused with the reason and the article when ineligible under the rule file. ``GET``: the queue by the
decision's due date (the operator and the competent department: all; a providing unit: its records';
a subject: its own). ``GET /{id}``; ``POST /{id}/decide``: the providing unit of the record, or the
operator, grants or refuses with reasons (a grant removes the record from every read path at once; a
decision made meanwhile is a 409). Each application's JSON: ``id``, ``status``, ``duties`` (``key,
owner, due, provisional, cite, status``), the record's reference, the notices, and the cascade still to
come."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from xinyong.api.deps import RowId, current_caller, forbidden, get_platform, unauthorized
from xinyong.api.errors import ErrorBody
from xinyong.api.responses import JSONResponse
from xinyong.domain.identity.actors import Caller, Role
from xinyong.domain.platform.refusal import NOT_FOUND, Refusal
from xinyong.services import restoration
from xinyong.services.platform.bootstrap import Platform, UnitOfWork

router = APIRouter(prefix="/api/v1/restorations", tags=["restorations"])
ERRORS: dict[int | str, dict[str, Any]] = {s: {"model": ErrorBody} for s in (401, 403, 404, 409, 422)}
STAFF = (Role.operator, Role.administrator)


class RestorationIn(BaseModel):
    record: str = Field(min_length=1, max_length=200, description="A record id, or unit/record_key")
    commitment: str | None = Field(default=None, max_length=8000, description="The credit commitment letter")
    subject: str | None = Field(default=None, max_length=64,
                                description="The operator only: the subject's id, identity number or USCC")
    received: datetime | None = Field(default=None, description="The operator only: when a paper application "
                                                                "was received at the counter")


class DecisionIn(BaseModel):
    decision: Literal["grant", "refuse"]
    reasons: str = Field(min_length=1, max_length=8000)
    version: int | None = Field(default=None, ge=1, description="The version the decider saw (409 if stale)")


def _signed_in(caller: Caller) -> None:
    if caller.actor.role is Role.public:
        raise unauthorized("sign_in_required", "请先登录", "sign in first", field=None)


def _subject_of(uow: UnitOfWork, ref: str) -> int:
    from xinyong.services.subjects import registry as subjects
    found = subjects.get(uow, int(ref)) if ref.isdigit() and len(ref) <= 12 else subjects.find_by_identifier(uow, ref)
    if found is None:
        raise Refusal("subject", "subject_unknown", "没有该信用主体", "no such credit subject", status=NOT_FOUND)
    return found.id


@router.post("", status_code=201, responses=ERRORS, summary="Apply for credit restoration 申请信用修复（免费）")
def apply(body: RestorationIn, caller: Caller = Depends(current_caller),
          platform: Platform = Depends(get_platform)) -> Any:
    _signed_in(caller)
    role = caller.actor.role
    with platform.unit_of_work(caller.actor) as uow:
        if role is Role.subject and caller.subject_id is not None:
            if body.subject is not None or body.received is not None:
                raise forbidden("subject", "counter_only", "只有信用中心窗口可以代为登记申请",
                                "only the center's counter registers an application for a subject")
            subject_id, channel = caller.subject_id, "api"
        elif role in STAFF:
            if not body.subject:
                raise Refusal("subject", "subject_required", "请填写信用主体", "give the subject")
            subject_id, channel = _subject_of(uow, body.subject), "counter"
        else:
            raise forbidden(None, "role_not_allowed", "只有信息主体本人或信用中心可以申请信用修复",
                            "only the subject itself or the center may apply")
        view = restoration.apply_restoration(uow, subject_id, body.record, commitment=body.commitment,
                                             received=body.received, channel=channel)
    return JSONResponse(view.to_dict(), status_code=201)


@router.get("", responses=ERRORS, summary="Restoration applications by due date 信用修复申请（按期限）")
def queue(status: Literal["received", "granted", "refused"] | None = Query(None),
          caller: Caller = Depends(current_caller), platform: Platform = Depends(get_platform)) -> Any:
    _signed_in(caller)
    with platform.sessions() as session:
        views = restoration.list_restorations(platform, session, caller.actor, subject_id=caller.subject_id,
                                              status=status)
    return JSONResponse([v.to_dict() for v in views])


@router.get("/{restoration_id}", responses=ERRORS, summary="A restoration application 信用修复申请")
def show(restoration_id: RowId, caller: Caller = Depends(current_caller),
         platform: Platform = Depends(get_platform)) -> Any:
    _signed_in(caller)
    with platform.sessions() as session:
        view = restoration.get_restoration(platform, session, restoration_id, caller.actor, caller.subject_id)
    return JSONResponse(view.to_dict())


@router.post("/{restoration_id}/decide", responses=ERRORS, summary="Decide a restoration 作出信用修复决定")
def decide(restoration_id: RowId, body: DecisionIn, caller: Caller = Depends(current_caller),
           platform: Platform = Depends(get_platform)) -> Any:
    _signed_in(caller)
    with platform.unit_of_work(caller.actor) as uow:
        view = restoration.decide_restoration(uow, restoration_id, grant=body.decision == "grant",
                                              reasons=body.reasons, expected_version=body.version)
    return JSONResponse(view.to_dict())
