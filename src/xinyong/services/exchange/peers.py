"""The peer platforms this platform exchanges with: registered by the operator, each with the token it
presents here (issued once, stored as its SHA-256 digest), and the cursors of each exchange.

An ``upstream`` peer (the provincial or national platform) receives what this platform forwards: it may
pull ``GET /api/v1/exchange/changes`` with its token, or this platform pushes to its ``url``. A
``downstream`` peer (a municipal platform) sends here: this platform pulls from its ``url``, or it pushes
``POST /api/v1/exchange/changes`` with its token. What a downstream peer sends is imported as the batches
of the providing unit that stands for it (``unit``: registered with the peer if it does not exist, and
granted the items of the standard's layouts). The other way, an upstream peer shares its lists down
(``channels``: the serious untrustworthiness list, joint-punishment lists): it pushes them here or this
platform pulls them, imported as the batches of the unit that stands for the upstream peer (granted the
lists' items the catalog has); a downstream peer reads the lists from here. The token this platform
presents to a peer is the peer's to issue; it is not stored here (``client`` reads it from the
environment at each pull or push).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import CONFLICT, NOT_FOUND, Refusal
from xinyong.services.exchange.channels import channels
from xinyong.services.identity import units
from xinyong.services.platform.bootstrap import UnitOfWork
from xinyong.store.models.exchange import PEER_RELATIONS, ExchangeCursor, ExchangePeer

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
TOKEN_PREFIX = "xyp_"  # noqa: S105 (the prefix of issued tokens, not a secret)


@dataclass(frozen=True)
class PeerView:
    id: int
    name: str
    relation: str
    url: str | None
    unit: str | None
    token_hint: str
    active: bool

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "relation": self.relation, "url": self.url, "unit": self.unit,
                "token_hint": self.token_hint, "active": self.active}

    @property
    def actor(self) -> Actor:
        """The peer platform as an actor here: a government body by duty, never a person."""
        return Actor(Role.duty_department, f"peer:{self.name}", self.name)

    @property
    def actor_as_unit(self) -> Actor:
        """A downstream peer as the providing unit that stands for it (what it sends is that unit's)."""
        return Actor(Role.providing_unit, f"peer:{self.name}", self.unit)


def _view(row: ExchangePeer) -> PeerView:
    return PeerView(row.id, row.name, row.relation, row.url, row.unit_code, row.token_hint, row.removed_at is None)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _unknown(name: str) -> Refusal:
    return Refusal("peer", "peer_unknown", f"没有名为“{name}”的交换平台", f"no peer platform named '{name}'",
                   status=NOT_FOUND)


def add_peer(uow: UnitOfWork, *, name: str, relation: str, url: str | None = None, unit: str | None = None,
             unit_name: str | None = None) -> tuple[PeerView, str]:
    """Register a peer platform; returns it and the token it presents here (shown once)."""
    name = (name or "").strip()
    if not NAME.match(name):
        raise Refusal("name", "peer_name_invalid", "平台名称须为 2-64 位小写字母、数字、点、下划线或连字符",
                      "a peer's name is 2-64 lower-case letters, digits, dots, underscores or hyphens")
    if relation not in PEER_RELATIONS:
        raise Refusal("relation", "relation_unknown", "关系须为 upstream（上级平台）或 downstream（下级平台）",
                      "the relation is upstream (a higher platform) or downstream (a lower platform)")
    if url is not None and not re.match(r"^https?://[^\s]{1,490}$", url.strip()):
        raise Refusal("url", "url_invalid", "平台地址须为 http(s):// 开头的网址", "the peer's url starts with http(s)://")
    unit = _stand_in_unit(uow, name, relation, unit, unit_name)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ExchangePeer(name=name, relation=relation, url=url.strip().rstrip("/") if url else None,
                       unit_code=unit, token_sha256=token_digest(token),
                       token_hint=token[-4:], created_at=uow.platform.clock.now(), created_by=uow.actor.label())
    try:
        with uow.session.begin_nested():
            uow.session.add(row)
            uow.session.flush()
    except IntegrityError:
        raise Refusal("name", "peer_exists", f"交换平台“{name}”已登记", f"the peer '{name}' is registered",
                      status=CONFLICT) from None
    uow.record("exchange.peer_added", "exchange_peer", row.id, {"peer": name, "relation": relation,
                                                                "unit": row.unit_code, "hint": row.token_hint})
    return _view(row), token


def _stand_in_unit(uow: UnitOfWork, name: str, relation: str, unit: str | None, unit_name: str | None) -> str:
    """The providing unit that stands for the peer here (registered if it does not exist), granted the items
    of what this platform receives from a peer of that relation and the catalog knows: a downstream peer's
    double-publicity layouts, an upstream peer's shared lists."""
    unit = (unit or f"peer-{name}")[:64]
    which = ("下级", "downstream") if relation == "downstream" else ("上级", "upstream")
    try:
        units.get_unit(uow.session, unit)
    except Refusal as missing:
        if missing.reason != "unit_not_found":
            raise
        units.register_unit(uow, code=unit, name_zh=unit_name or f"{which[0]}信用平台 {name}",
                            name_en=f"{which[1]} credit platform {name}", kind="public_institution")
    granted = set(units.get_unit(uow.session, unit).items)
    for route in channels().values():
        if route.sender != relation or route.item in granted:
            continue
        try:
            units.grant_item(uow, unit, route.item)
        except Refusal as unknown:     # a list whose item the catalog lacks: refused when it arrives
            if unknown.reason != "not_in_catalog":
                raise
        granted.add(route.item)
    return unit


def ensure_unit(uow: UnitOfWork, name: str) -> PeerView:
    """Give a peer registered without one (an upstream peer before shared lists) its stand-in unit."""
    row = _load(uow.session, name)
    if row.unit_code is None:
        row.unit_code = _stand_in_unit(uow, row.name, row.relation, None, None)
        uow.session.flush()
        uow.record("exchange.peer_unit", "exchange_peer", row.id, {"peer": row.name, "unit": row.unit_code})
    return _view(row)


def _load(session: Session, name: str) -> ExchangePeer:
    row = session.scalar(select(ExchangePeer).where(ExchangePeer.name == (name or "").strip()))
    if row is None:
        raise _unknown(name)
    return row


def get_peer(session: Session, name: str, *, relation: str | None = None) -> PeerView:
    row = _load(session, name)
    if row.removed_at is not None:
        raise Refusal("peer", "peer_removed", f"交换平台“{name}”已移除", f"the peer '{name}' was removed",
                      status=CONFLICT)
    if relation is not None and row.relation != relation:
        which = "上级" if relation == "upstream" else "下级"
        raise Refusal("peer", "peer_relation", f"交换平台“{name}”不是{which}平台",
                      f"the peer '{name}' is not {relation}", status=CONFLICT)
    return _view(row)


def list_peers(session: Session) -> list[PeerView]:
    return [_view(r) for r in session.scalars(select(ExchangePeer).order_by(ExchangePeer.name))]


def remove_peer(uow: UnitOfWork, name: str) -> PeerView:
    """The peer's token stops working at once; its cursors and the records it sent stay."""
    row = _load(uow.session, name)
    if row.removed_at is None:
        row.removed_at = uow.platform.clock.now()
        uow.session.flush()
        uow.record("exchange.peer_removed", "exchange_peer", row.id, {"peer": row.name})
    return _view(row)


def authenticate(session: Session, token: str | None, relation: str) -> PeerView:
    """The registered, not removed peer presenting ``token``, of the given relation; refused (401 for no
    or an unknown token, 403 for a peer of the other relation)."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise Refusal(None, "peer_token_required", "须以已登记交换平台的令牌访问",
                      "a registered peer platform's token is required", status=401,
                      headers={"WWW-Authenticate": "Bearer"})
    row = session.scalar(select(ExchangePeer).where(ExchangePeer.token_sha256 == token_digest(token)))
    if row is None or row.removed_at is not None:
        raise Refusal(None, "peer_token_invalid", "交换平台令牌无效或已移除",
                      "the peer platform's token is invalid or removed", status=401,
                      headers={"WWW-Authenticate": "Bearer"})
    if row.relation != relation:
        raise Refusal(None, "peer_relation",
                      f"只有{'上级' if relation == 'upstream' else '下级'}平台可以进行这一交换（双公示信息向上报送，"
                      f"名单向下共享）",
                      f"only a {relation} peer may make this exchange (double publicity flows up, lists down)",
                      status=403)
    return _view(row)


def cursor(session: Session, peer_id: int, layout: str, direction: str) -> int:
    row = session.get(ExchangeCursor, (peer_id, layout, direction))
    return int(row.cursor) if row is not None else 0


def set_cursor(uow: UnitOfWork, peer_id: int, layout: str, direction: str, value: int) -> None:
    row = uow.session.get(ExchangeCursor, (peer_id, layout, direction), with_for_update=True)
    now = uow.platform.clock.now()
    if row is None:
        uow.session.add(ExchangeCursor(peer_id=peer_id, layout=layout, direction=direction, cursor=value,
                                       updated_at=now))
    else:
        row.cursor, row.updated_at = value, now
    uow.session.flush()


__all__ = ["PeerView", "add_peer", "authenticate", "cursor", "get_peer", "list_peers", "remove_peer",
           "set_cursor", "token_digest"]
