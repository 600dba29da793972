"""``/healthz``: ok only while the database answers; ``warnings`` lists what an operator should act on
without the platform being down (from 1 November: next year's holiday notice not loaded)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from xinyong.api.deps import get_platform
from xinyong.api.responses import JSONResponse
from xinyong.domain.rulebook.calendar import CalendarDataError
from xinyong.services.platform.bootstrap import Platform
from xinyong.services.rulebook.calendars import notice_warning

router = APIRouter(tags=["health"])


class HealthWarning(BaseModel):
    field: str
    reason: str
    message_zh: str
    message_en: str
    year: int | None = None


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    warnings: list[HealthWarning] = []


def _warnings(platform: Platform) -> list[dict[str, Any]]:
    try:
        warning = notice_warning(platform.calendar, platform.clock.today())
    except CalendarDataError as exc:
        return [{"field": "calendar", "reason": "calendar_file", "message_zh": f"日历文件有误：{exc}",
                 "message_en": f"a calendar file is invalid: {exc}"}]
    return [warning.to_dict()] if warning else []


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
def healthz(platform: Platform = Depends(get_platform)) -> JSONResponse:
    """``{"status": "ok"}`` while the database is reachable, otherwise 503 ``{"status": "unavailable"}``;
    either way with ``warnings`` (a list, empty when all is well), which never change the status."""
    warnings = _warnings(platform)
    if platform.healthy():
        return JSONResponse({"status": "ok", "warnings": warnings})
    return JSONResponse({"status": "unavailable", "warnings": warnings}, status_code=503)
