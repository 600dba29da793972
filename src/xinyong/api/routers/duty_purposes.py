"""``/api/v1/duty-purposes``: the inquiry purposes departments registered for their duties
(where the rule file lists no ``inquiry.duty_purposes``).

``GET`` is public (administrative organs publish their inquiry items); ``POST`` registers a purpose and
``DELETE /{key}`` withdraws one, by the department itself (a ``duty_department`` account of that
organisation) or the operator. Where the rule file in force lists no duty purposes, a duty inquiry's
purpose must be one its department registered here and has in force. Refusals are the platform's
one ``Refusal``, in the one error shape: 401 not signed in, 403 another department's purposes, 404 no
such purpose in force, 409 already registered, 422 bad input.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from xinyong.api.deps import current_actor, get_platform, unauthorized
from xinyong.api.errors import ErrorBody
from xinyong.api.responses import JSONResponse
from xinyong.domain.identity.actors import Actor, Role
from xinyong.services.disclosure import duty_purposes
from xinyong.services.platform.bootstrap import Platform

router = APIRouter(prefix="/api/v1/duty-purposes", tags=["duty purposes"])
ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": ErrorBody}, 403: {"model": ErrorBody},
                                           404: {"model": ErrorBody}, 409: {"model": ErrorBody},
                                           422: {"model": ErrorBody}}


class DutyPurposeIn(BaseModel):
    organisation: str | None = Field(default=None, max_length=64,
                                     description="The department's code; the caller's own when omitted")
    key: str = Field(min_length=1, max_length=100, description="lower-case letters, digits and _")
    duty: str = Field(min_length=1, max_length=300, description="The statutory duty the inquiry serves")
    legal_basis: str = Field(min_length=1, max_length=300, description="The law or regulation and its article")
    label_zh: str = Field(min_length=1, max_length=200)
    label_en: str = Field(min_length=1, max_length=200)


class DutyPurposeOut(BaseModel):
    id: int
    organisation: str
    key: str
    duty: str
    legal_basis: str
    label_zh: str
    label_en: str
    registered_on: str
    withdrawn_on: str | None
    state: str


def _signed_in(actor: Actor) -> None:
    """Refuse (401) the public: registering and withdrawing need a signed-in department or operator."""
    if actor.role is Role.public:
        raise unauthorized("sign_in_required", "请先登录", "sign in first", field=None)


@router.get("", response_model=list[DutyPurposeOut], responses=ERRORS,
            summary="Duty purposes registered by departments 部门登记的依职责查询事项")
def list_purposes(organisation: str | None = Query(None, max_length=64),
                  include_withdrawn: bool = Query(False),
                  platform: Platform = Depends(get_platform)) -> Any:
    with platform.sessions() as session:
        views = duty_purposes.listing(session, platform.clock.today(), organisation=organisation,
                                      include_withdrawn=include_withdrawn)
    return JSONResponse([v.to_dict() for v in views])


@router.post("", response_model=DutyPurposeOut, status_code=201, responses=ERRORS,
             summary="Register a duty purpose 登记依职责查询事项")
def register_purpose(body: DutyPurposeIn, actor: Actor = Depends(current_actor),
                     platform: Platform = Depends(get_platform)) -> Any:
    """Register, for one of the department's duties, the purpose it inquires for: the duty, its legal
    basis, the purpose key and its labels. In force from today."""
    _signed_in(actor)
    with platform.unit_of_work(actor) as uow:
        view = duty_purposes.register(uow, organisation=body.organisation, key=body.key, duty=body.duty,
                                      legal_basis=body.legal_basis, label_zh=body.label_zh,
                                      label_en=body.label_en)
    return JSONResponse(view.to_dict(), status_code=201)


@router.delete("/{key}", response_model=DutyPurposeOut, responses=ERRORS,
               summary="Withdraw a duty purpose 撤回依职责查询事项")
def withdraw_purpose(key: str = Path(..., min_length=1, max_length=100),
                     organisation: str | None = Query(None, max_length=64,
                                                      description="The caller's own when omitted"),
                     actor: Actor = Depends(current_actor), platform: Platform = Depends(get_platform)) -> Any:
    """Withdraw a registered purpose from today: duty inquiries for it are refused from then on."""
    _signed_in(actor)
    with platform.unit_of_work(actor) as uow:
        view = duty_purposes.withdraw(uow, organisation=organisation, key=key)
    return JSONResponse(view.to_dict())
