"""FastAPI dependencies: the platform the app was built with, and who is calling.

A caller (``domain.identity.actors.Caller``, the same type the portal's pages use) is identified by, in
order: a bearer token (a user's ``xyu_…`` API token, or a providing unit's token), then the portal
session cookie; anyone else is the public. An unknown, revoked or expired token is refused with 401
rather than silently treated as the public; a database that cannot be reached while the caller is
looked up is a 503 (``api.errors``), never a 401. Refusals are the platform's one ``Refusal``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from xinyong.domain.identity.actors import Actor, Caller, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.services.disclosure.writer import ActorOrDeferred
from xinyong.services.platform.bootstrap import Platform

SESSION_COOKIE = "xy_session"
_CALLERS = "xinyong.callers"        # session.info: the callers already found in this transaction
PUBLIC = Actor(Role.public, "anonymous")
# A row id in a path: the range of the integer key columns (larger numbers name nothing; never a 500).
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


async def get_platform(request: Request) -> Platform:
    return request.app.state.platform


def unauthorized(reason: str, zh: str, en: str, *, field: str | None = "Authorization") -> Refusal:
    """A 401 refusal that asks for a bearer token (``WWW-Authenticate: Bearer``)."""
    return Refusal(field, reason, zh, en, status=401, headers={"WWW-Authenticate": "Bearer"})


def forbidden(field: str | None, reason: str, zh: str, en: str) -> Refusal:
    """A 403 refusal: the caller is known, and may not do this."""
    return Refusal(field, reason, zh, en, status=403)


def _credentials(request: Request) -> tuple[str | None, str | None]:
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else None
    return token or None, request.cookies.get(SESSION_COOKIE) or None


async def current_caller(request: Request, platform: Platform = Depends(get_platform)) -> Caller:
    """The caller, as a dependency: a request without credentials is the public at once (no trip to a
    worker thread); a token or cookie is looked up in one."""
    token, cookie = _credentials(request)
    if not token and not cookie:
        return Caller(PUBLIC)
    return await run_in_threadpool(_resolve_caller, platform, token, cookie)


def caller_of(request: Request, platform: Platform) -> Caller:
    """The caller, for code already running in a worker thread (the same answer as ``current_caller``)."""
    return _resolve_caller(platform, *_credentials(request))


async def deferred_actor(request: Request, platform: Platform = Depends(get_platform)) -> ActorOrDeferred:
    """The caller for an endpoint whose work runs in a transaction of its own anyway (an inquiry): the
    public at once, or a function that finds the actor behind the credentials inside that
    transaction — the same lookups and refusals as ``current_caller``, without a connection and a
    worker thread of their own."""
    token, cookie = _credentials(request)
    if not token and not cookie:
        return PUBLIC

    def resolve(session: Session) -> Actor:
        # Inquiries of one batch share a transaction; one department's system asks many of them with
        # one token: its holder is read once per transaction (a revocation counts from the next one).
        known = session.info.setdefault(_CALLERS, {})
        caller = known.get((token, cookie))
        if caller is None:
            caller = known[(token, cookie)] = _resolve_in(session, platform, token, cookie)
        return caller.actor

    return resolve


def _resolve_caller(platform: Platform, token: str | None, cookie: str | None) -> Caller:
    """The caller behind a bearer token or a portal session cookie (database lookups). A user token,
    the common case, is read on a read-only connection (on SQLite: beside a writer, not after it)."""
    from xinyong.services.identity import accounts as auth
    if not token and not cookie:
        return Caller(PUBLIC)
    if token:
        holder = auth.token_holder(platform, token)
        if holder is not None:
            return Caller(holder.actor(), user_id=holder.user_id, subject_id=holder.subject_id)
    with platform.sessions() as session:
        return _resolve_in(session, platform, token, cookie)


def _resolve_in(session: Session, platform: Platform, token: str | None, cookie: str | None) -> Caller:
    """The caller behind the credentials, read in ``session``: a user's token, a providing unit's token
    (an unknown, revoked or expired token is refused with 401), else the portal session, else the
    public."""
    from xinyong.services.identity import accounts as auth
    from xinyong.services.platform.bootstrap import UnitOfWork

    if token:
        holder = auth.holder_on(session.connection(), token, platform.clock.now())
        if holder is not None:
            return Caller(holder.actor(), user_id=holder.user_id, subject_id=holder.subject_id)
        unit = _unit_for_token(session, token, platform.clock.now())
        if unit is not None:
            return Caller(Actor(Role.providing_unit, f"unit:{unit}", unit), unit_code=unit)
        raise unauthorized("token_invalid", "令牌无效、已撤销或已过期", "the token is unknown, revoked or expired")
    if cookie:
        user = auth.resolve_session(UnitOfWork(platform, session, Actor.system("auth")), cookie)
        if user is not None:
            return Caller(auth.actor_for(user), user_id=user.id, username=user.username,
                          subject_id=user.subject_id, verified_at=user.real_name_verified_at,
                          verified_method=user.real_name_method)
    return Caller(PUBLIC)


def _unit_for_token(session, token: str, now: datetime) -> str | None:  # type: ignore[no-untyped-def]
    try:
        from xinyong.services.identity import units
    except ImportError:  # pragma: no cover - units arrive with the catalog
        return None
    try:
        info = units.authenticate(session, token, now=now, touch=False)
    except Refusal as refused:      # 401: unknown, revoked, expired, unit suspended: not a unit token
        if refused.status != 401:   # (a database error is no refusal: it goes up, and is a 503)
            raise
        return None
    return info.code if info is not None else None


async def current_actor(caller: Caller = Depends(current_caller)) -> Actor:
    return caller.actor


def require_role(*roles: Role):  # type: ignore[no-untyped-def]
    """A dependency that admits only callers in ``roles`` (403 with the reason otherwise)."""

    async def dependency(caller: Caller = Depends(current_caller)) -> Caller:
        if caller.actor.role not in roles:
            if caller.actor.role is Role.public:
                raise unauthorized("sign_in_required", "请先登录", "sign in first")
            raise forbidden(None, "role_not_allowed", "当前身份无权执行此操作",
                            f"role {caller.actor.role.value} may not do this")
        return caller

    return dependency


require_operator = require_role(Role.operator, Role.administrator)
