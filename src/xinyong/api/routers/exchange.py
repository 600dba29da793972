"""``/api/v1/exchange/changes``: the exchange between platforms, for registered peer platforms only (a
``Bearer`` token issued by ``xinyong exchange peers add``; no account, unit or session token serves).

``GET``: an upstream peer (the provincial or national platform) pulls this platform's changes of one
layout since its cursor: ``{platform, layout, since, next, more, changes}``, each change an ``upsert``
with the standard's row by element codes or a ``withdraw`` with its reason; the read is logged as the
peer's read by duty. ``POST``: a downstream peer pushes such a page here; it is checked whole, then
applied all or nothing (upserts through the normal import, withdrawals through the record writer, the
cursor, in one transaction). The shared lists (``layout=serious``, ``court_defaulters``: entries in the
catalog's fields) flow the other way: a downstream peer pulls them from here, an upstream peer pushes
them here. Refusals in the one error shape: 401 no or an unknown token, 403 a peer of the other relation,
409 a cursor past the head or a gap, 422 a bad change (named by its position and seq)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Query
from pydantic import BaseModel, Field

from xinyong.api.deps import get_platform
from xinyong.api.errors import ErrorBody
from xinyong.api.responses import JSONResponse
from xinyong.services.exchange import changes_since, peers, receive
from xinyong.services.exchange.channels import channel_named
from xinyong.services.platform.bootstrap import Platform

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange"])
ERRORS: dict[int | str, dict[str, Any]] = {s: {"model": ErrorBody} for s in (401, 403, 409, 422)}


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


class ChangesIn(BaseModel):
    layout: str = Field(min_length=1, max_length=32)
    since: int = Field(ge=0, le=10**18)
    next: int = Field(ge=0, le=10**18)
    more: bool = False
    platform: str | None = Field(default=None, max_length=100)
    changes: list[dict[str, Any]] = Field(max_length=5000)


@router.get("/changes", responses=ERRORS, summary="Pull changes since a cursor 拉取变更（上级平台）")
def pull_changes(since: int = Query(0, ge=0, le=10**18, description="The cursor: the 'next' of the last pull"),
                 layout: str = Query(..., min_length=1, max_length=32,
                                     description="penalty or permit (an upstream peer); a shared list such as "
                                                 "serious or court_defaulters (a downstream peer)"),
                 authorization: str | None = Header(None),
                 platform: Platform = Depends(get_platform)) -> Any:
    route = channel_named(layout)
    with platform.sessions() as session:
        peer = peers.authenticate(session, _bearer(authorization), route.reader)
    page = changes_since(platform, peer.actor, route.name, since, channel="export")
    return JSONResponse(page.to_dict())


@router.post("/changes", responses=ERRORS, summary="Push changes 推送变更（下级平台）")
def push_changes(body: ChangesIn, authorization: str | None = Header(None),
                 platform: Platform = Depends(get_platform)) -> Any:
    route = channel_named(body.layout)
    with platform.sessions() as session:
        peer = peers.authenticate(session, _bearer(authorization), route.sender)
    received = receive(platform, peer.name, body.layout, body.since, body.next, body.changes)
    return JSONResponse(received.to_dict())
