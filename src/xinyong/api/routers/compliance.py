"""``/api/v1/compliance`` and ``/api/v1/duties``: the compliance monitor and the duties it counts.

``GET /api/v1/compliance`` (the competent department, the operator): open duties, due within
``soon`` working days, overdue, and the ``violations`` recorded, each with the duty's ``key``, the
article breached (``cite``) and the liability article (``liability``), grouped by owing unit, by article
and by month. ``GET /api/v1/duties`` (``overdue=true`` for those past due): the open duties by due date;
a providing unit sees only its own. 401 not signed in, 403 another role.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query

from xinyong.api.deps import get_platform as platform_of
from xinyong.api.deps import require_role
from xinyong.api.errors import ErrorBody
from xinyong.api.responses import JSONResponse
from xinyong.domain.identity.actors import Caller, Role
from xinyong.services import compliance, duties
from xinyong.services.compliance.monitor import DUE_SOON_WORKING_DAYS
from xinyong.services.platform.bootstrap import Platform

router = APIRouter(tags=["compliance"])
ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": ErrorBody}, 403: {"model": ErrorBody}}
MONITORS = (Role.competent_department, Role.operator, Role.administrator)


@router.get("/api/v1/compliance", responses=ERRORS,
            summary="Compliance monitor 合规监测：义务、逾期与违规（条款及法律责任）")
def compliance_monitor(soon: int = Query(DUE_SOON_WORKING_DAYS, ge=1, le=60,
                                         description="'Due soon': within this many working days"),
                       caller: Caller = Depends(require_role(*MONITORS)),
                       platform: Platform = Depends(platform_of)) -> Any:
    with platform.sessions() as session:
        return JSONResponse(compliance.monitor(platform, session, soon=soon).to_dict())


@router.get("/api/v1/duties", responses=ERRORS, summary="Duties by due date 法定期限义务（按到期日）")
def list_duties(overdue: bool = Query(False, description="Only open duties past their due date"),
                limit: int = Query(500, ge=1, le=5000),
                caller: Caller = Depends(require_role(*MONITORS, Role.providing_unit)),
                platform: Platform = Depends(platform_of)) -> Any:
    org = None
    if caller.actor.role is Role.providing_unit:   # a providing unit: its own duties only
        org = caller.unit_code or caller.actor.organisation or ""
    with platform.sessions() as session:
        views = duties.list_duties(platform, session, overdue=overdue, owner_org=org, limit=limit)
    return JSONResponse([v.to_dict() for v in views])
