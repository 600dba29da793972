"""``/api/v1/correction-notices``: corrections passed on to the organisations that received copies.

Where the rule file gives the subject the right (``objection.forward_corrections``) and the subject asked
(``POST /api/v1/objections/{id}/forward-corrections``, or on filing), every organisation the inquiry log
shows receiving a corrected record gets a notice. The organisation, signed in with its API token (a
credit service institution, a department, a providing unit: any caller acting for an organisation),
reads its notices here (``GET``: the first read is the delivery; ``?unacknowledged=true`` for the open
ones) and acknowledges each (``POST /{id}/acknowledge``; another organisation's notice is a 404, a second
acknowledgement a 409). A notice names the records and their corrected versions, never the subject or
the content: the corrected record is read through an inquiry, under the access policy.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query

from xinyong.api.deps import RowId, current_caller, forbidden, get_platform, unauthorized
from xinyong.api.errors import ErrorBody
from xinyong.api.responses import JSONResponse
from xinyong.domain.identity.actors import Caller, Role
from xinyong.services import objections
from xinyong.services.platform.bootstrap import Platform

router = APIRouter(prefix="/api/v1/correction-notices", tags=["objections"])
ERRORS: dict[int | str, dict[str, Any]] = {s: {"model": ErrorBody} for s in (401, 403, 404, 409)}


def _organisation(caller: Caller) -> str:
    if caller.actor.role is Role.public:
        raise unauthorized("sign_in_required", "请先登录", "sign in first", field=None)
    organisation = caller.unit_code or caller.actor.organisation
    if not organisation or caller.actor.role is Role.subject:
        raise forbidden(None, "no_organisation", "只有代表单位的账户或令牌可以接收更正通知",
                        "only an account or token acting for an organisation receives correction notices")
    return organisation


@router.get("", responses=ERRORS, summary="Correction notices to my organisation 更正通知")
def inbox(unacknowledged: bool = Query(False), caller: Caller = Depends(current_caller),
          platform: Platform = Depends(get_platform)) -> Any:
    organisation = _organisation(caller)
    with platform.unit_of_work(caller.actor) as uow:
        notices = objections.correction_inbox(uow, organisation, unacknowledged=unacknowledged)
    return JSONResponse(notices)


@router.post("/{notice_id}/acknowledge", responses=ERRORS, summary="Acknowledge a correction notice 确认更正通知")
def acknowledge(notice_id: RowId, caller: Caller = Depends(current_caller),
                platform: Platform = Depends(get_platform)) -> Any:
    organisation = _organisation(caller)
    with platform.unit_of_work(caller.actor) as uow:
        notice = objections.acknowledge_correction(uow, notice_id, organisation)
    return JSONResponse(notice)
