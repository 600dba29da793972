"""``/healthz``: ok only while the database answers."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from xinyong.api.deps import get_platform
from xinyong.api.responses import JSONResponse
from xinyong.services.platform import Platform

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok", "unavailable"]


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
def healthz(platform: Platform = Depends(get_platform)) -> JSONResponse:
    """``{"status": "ok"}`` while the database is reachable, otherwise 503 ``{"status": "unavailable"}``."""
    if platform.healthy():
        return JSONResponse({"status": "ok"})
    return JSONResponse({"status": "unavailable"}, status_code=503)
