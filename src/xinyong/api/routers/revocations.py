"""``/api/v1/revocations``: a providing unit reports that the basis of one of its records was revoked or
changed (``POST``: by the unit's token or account, or the operator on its behalf); the record leaves
service at once and its content is erased in the same transaction. ``GET /{id}``: the revocation with
its duties and notices, for the center, the competent department, the reporting unit and the subject it
concerns. Refusals in the one error shape: 401, 403 another unit's record, 404, 409 already revoked or
not in service, 422."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from xinyong.api.deps import RowId, current_caller, get_platform, require_role
from xinyong.api.errors import ErrorBody
from xinyong.api.responses import JSONResponse
from xinyong.domain.identity.actors import Caller, Role
from xinyong.services import revocation
from xinyong.services.platform.bootstrap import Platform

router = APIRouter(prefix="/api/v1/revocations", tags=["revocations"])
ERRORS: dict[int | str, dict[str, Any]] = {s: {"model": ErrorBody} for s in (401, 403, 404, 409, 422)}


class RevocationIn(BaseModel):
    record: str = Field(min_length=1, max_length=200,
                        description="A record id, or the providing unit and its record key (unit/record_key)")
    grounds: Literal["deciding_organ", "reconsideration", "court", "changed"] = "deciding_organ"
    basis: str = Field(min_length=1, max_length=4000, description="The revoking or changing document")


@router.post("", status_code=201, responses=ERRORS, summary="Report a revocation 报告信用信息依据被撤销")
def report(body: RevocationIn,
           caller: Caller = Depends(require_role(Role.providing_unit, Role.operator, Role.administrator)),
           platform: Platform = Depends(get_platform)) -> Any:
    with platform.unit_of_work(caller.actor) as uow:
        view = revocation.report_revocation(uow, body.record, grounds=body.grounds, basis=body.basis)
    return JSONResponse(view.to_dict(), status_code=201)


@router.get("/{revocation_id}", responses=ERRORS, summary="A revocation 撤销报告")
def show(revocation_id: RowId, caller: Caller = Depends(current_caller),
         platform: Platform = Depends(get_platform)) -> Any:
    require_signed_in(caller)
    with platform.sessions() as session:
        if caller.actor.role is Role.subject and caller.subject_id is not None:
            view = revocation.get_own_revocation(platform, session, revocation_id, caller.subject_id)
        else:
            view = revocation.get_revocation(platform, session, revocation_id, caller.actor)
    return JSONResponse(view.to_dict())


def require_signed_in(caller: Caller) -> None:
    from xinyong.api.deps import unauthorized
    if caller.actor.role is Role.public:
        raise unauthorized("sign_in_required", "请先登录", "sign in first", field=None)
