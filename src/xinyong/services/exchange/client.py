"""Pulling and pushing over the exchange API (httpx): the double-publicity layouts are pulled from a
downstream peer and pushed to an upstream one; the shared lists (``channels``) the other way, pulled from
an upstream peer and pushed to a downstream one.

The token this platform presents to the peer is the one the peer issued when it registered this platform;
it is read at each call from ``XINYONG_PEER_TOKEN_<NAME>`` (the peer's name upper-cased, every other
character ``_``) or given by the caller, never stored in the database. Pages are exchanged until the
sender says there are no more; each page is applied (pull) or acknowledged (push) before its cursor is
stored, so an interrupted exchange resumes where it stopped and a repeated one is a replay.
"""

from __future__ import annotations

import os
import re
from typing import Any

import httpx

from xinyong.domain.platform.refusal import Refusal
from xinyong.services.exchange import peers
from xinyong.services.exchange.channels import channel_named
from xinyong.services.exchange.feed import changes_since
from xinyong.services.exchange.receive import receive
from xinyong.services.platform.bootstrap import Platform

PATH = "/api/v1/exchange/changes"
TIMEOUT = 60.0
MAX_PAGES = 10_000


def token_variable(name: str) -> str:
    return "XINYONG_PEER_TOKEN_" + re.sub(r"[^A-Z0-9]", "_", name.upper())


def _token(name: str, token: str | None) -> str:
    found = token or os.environ.get(token_variable(name))
    if not found:
        raise Refusal("token", "peer_token_missing", f"未提供对方平台签发的令牌（环境变量 {token_variable(name)}）",
                      f"no token issued by the peer (environment variable {token_variable(name)})")
    return found


def _refused_by_peer(response: httpx.Response, name: str) -> Refusal:
    try:
        detail = response.json().get("detail", {})
    except ValueError:
        detail = {}
    if not isinstance(detail, dict):
        detail = {}
    zh, en = detail.get("message_zh", response.text[:200]), detail.get("message_en", response.text[:200])
    return Refusal(detail.get("field") or "peer", detail.get("reason") or "peer_refused",
                   f"交换平台“{name}”拒绝（HTTP {response.status_code}）：{zh}",
                   f"the peer '{name}' refused (HTTP {response.status_code}): {en}",
                   status=502 if response.status_code >= 500 else 409)


def _peer_to_call(platform: Platform, peer_name: str, layout: str, relation: str, direction: str,
                  token: str | None) -> tuple[Any, int, str]:
    """The registered peer with this ``relation``, its stored cursor for ``layout`` and ``direction``, and
    the token to present; refused when the peer has no address to call."""
    with platform.sessions() as session:
        peer = peers.get_peer(session, peer_name, relation=relation)
        since = peers.cursor(session, peer.id, layout, direction)
    if not peer.url:
        raise Refusal("url", "peer_url_missing", f"交换平台“{peer.name}”未登记地址",
                      f"the peer '{peer.name}' has no url")
    return peer, since, _token(peer.name, token)


def pull(platform: Platform, peer_name: str, layout_name: str, *, token: str | None = None,
         transport: httpx.BaseTransport | None = None) -> dict[str, Any]:
    """Pull a peer's changes since the stored cursor and apply them, page by page: a downstream peer's
    layouts, an upstream peer's lists."""
    layout = channel_named(layout_name)
    peer, since, secret = _peer_to_call(platform, peer_name, layout.name, layout.sender, "received", token)
    totals = {"peer": peer.name, "layout": layout.name, "since": since, "next": since, "pages": 0, "upserts": 0,
              "withdrawn": 0, "missing": 0, "batches": []}
    with httpx.Client(base_url=peer.url, timeout=TIMEOUT, transport=transport,
                      headers={"Authorization": f"Bearer {secret}"}) as http:
        for _ in range(MAX_PAGES):
            response = http.get(PATH, params={"since": since, "layout": layout.name})
            if response.status_code != 200:
                raise _refused_by_peer(response, peer.name)
            page = response.json()
            received = receive(platform, peer.name, layout.name, page.get("since"), page.get("next"),
                               page.get("changes"))
            totals["pages"] += 1
            for key in ("upserts", "withdrawn", "missing"):
                totals[key] += getattr(received, key)
            if received.batch:
                totals["batches"].append(received.batch["batch"])
            since = totals["next"] = received.next
            if not page.get("more"):
                break
    return totals


def push(platform: Platform, peer_name: str, layout_name: str, *, token: str | None = None,
         transport: httpx.BaseTransport | None = None) -> dict[str, Any]:
    """Push this platform's changes since the stored cursor, page by page: the layouts to an upstream peer,
    the lists to a downstream peer."""
    layout = channel_named(layout_name)
    peer, since, secret = _peer_to_call(platform, peer_name, layout.name, layout.reader, "push", token)
    totals = {"peer": peer.name, "layout": layout.name, "since": since, "next": since, "pages": 0, "upserts": 0,
              "withdrawals": 0}
    with httpx.Client(base_url=peer.url, timeout=TIMEOUT, transport=transport,
                      headers={"Authorization": f"Bearer {secret}"}) as http:
        for _ in range(MAX_PAGES):
            page = changes_since(platform, peer.actor, layout.name, since, channel="export")
            response = http.post(PATH, json=page.to_dict())
            if response.status_code != 200:
                raise _refused_by_peer(response, peer.name)
            with platform.unit_of_work(peer.actor) as uow:
                peers.set_cursor(uow, peer.id, layout.name, "push", page.next)
                uow.record("exchange.pushed", "exchange_peer", peer.id, {"layout": layout.name, "since": page.since,
                                                                        "next": page.next, **page.counts()})
            totals["pages"] += 1
            totals["upserts"] += page.counts()["upserts"]
            totals["withdrawals"] += page.counts()["withdrawals"]
            since = totals["next"] = page.next
            if not page.more:
                break
    return totals


__all__ = ["PATH", "pull", "push", "token_variable"]
