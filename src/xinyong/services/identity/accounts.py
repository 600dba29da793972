"""Sign-in: accounts with Argon2 passwords, scoped revocable API tokens, portal sessions, and
real-name verification of credit subjects through a pluggable verifier.

A token or session id is shown once, at creation; only its SHA-256 digest is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.exc import IntegrityError

from xinyong.domain.identity.actors import CITIZEN_ROLES, Actor, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.domain.subjects.identifiers import IdentifierKind, SubjectKind, check_identifier
from xinyong.services.identity import throttle as signin_throttle
from xinyong.services.platform.bootstrap import Platform, UnitOfWork
from xinyong.store.models.auth import ApiToken, PortalSession, User
from xinyong.store.models.subjects import Subject, SubjectIdentifier

_hasher = PasswordHasher()
TOKEN_PREFIX = "xyu_"  # noqa: S105 - a public prefix, not a secret
SESSION_HOURS = 8


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def actor_for(user: User) -> Actor:
    return Actor(Role(user.role), f"user:{user.id}", user.organisation)


def create_user(uow: UnitOfWork, *, username: str, role: Role | str, password: str | None = None,
                organisation: str | None = None, subject_id: int | None = None) -> User:
    role = Role(role)
    if not username or len(username) > 64:
        raise Refusal("username", "username_invalid", "用户名须为 1 至 64 个字符",
                      "username must be 1 to 64 characters")
    if password is not None and len(password) < 10:
        raise Refusal("password", "password_too_short", "密码至少 10 个字符", "password must be at least 10 characters")
    if uow.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Refusal("username", "username_taken", "用户名已存在", "username already exists")
    user = User(username=username, role=role.value, organisation=organisation, subject_id=subject_id,
                password_hash=_hasher.hash(password) if password else None, created_at=uow.platform.clock.now())
    uow.session.add(user)
    uow.session.flush()
    uow.record("user.created", "user", user.id, {"role": role.value, "organisation": organisation})
    return user


def check_password(uow: UnitOfWork, username: str, password: str) -> User:
    """The active account ``username`` if ``password`` is its password. An unknown account (or one
    without a password) is refused without computing any Argon2 hash: what probing for names costs
    the platform, and how fast it can go, is bounded by the sign-in throttle (``sign_in``), not by a
    dummy hash. The answer is the same as for a wrong password; only its timing differs."""
    user = uow.session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None or not user.password_hash:
        raise Refusal(None, "bad_credentials", "用户名或密码错误", "wrong username or password", status=401)
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise Refusal(None, "bad_credentials", "用户名或密码错误", "wrong username or password",
                      status=401) from None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def issue_token(uow: UnitOfWork, user: User, *, label: str = "", scopes: list[str] | None = None,
                expires_at: datetime | None = None) -> str:
    now = uow.platform.clock.now()
    if expires_at is not None and (expires_at.tzinfo is None or expires_at.utcoffset() is None):
        raise Refusal("expires_at", "expires_at_naive", "到期时间须带时区（例如 +08:00）",
                      "the expiry time needs a time zone offset (e.g. +08:00)")
    if expires_at is not None and expires_at <= now:
        raise Refusal("expires_at", "expires_at_past", "到期时间必须晚于现在：不能签发已过期的令牌",
                      "the expiry time must be later than now: a token cannot be issued already expired")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_sha256=digest(token), label=label, scopes=scopes or [],
                   created_at=now, expires_at=expires_at)
    uow.session.add(row)
    uow.session.flush()
    uow.record("token.issued", "api_token", row.id, {"user_id": user.id, "scopes": row.scopes})
    return token


def revoke_token(uow: UnitOfWork, token_id: int) -> None:
    row = uow.session.get(ApiToken, token_id)
    if row is None:
        raise Refusal("token_id", "token_unknown", "令牌不存在", "no such token")
    if row.revoked_at is None:
        row.revoked_at = uow.platform.clock.now()
        uow.record("token.revoked", "api_token", row.id, {"user_id": row.user_id})


@dataclass(frozen=True)
class TokenHolder:
    """Who a bearer token speaks for: what a request needs, read in one query."""

    user_id: int
    role: str
    organisation: str | None
    subject_id: int | None
    token_id: int

    def actor(self) -> Actor:
        return Actor(Role(self.role), f"user:{self.user_id}", self.organisation)


_TOKEN_HOLDER = (select(User.id, User.role, User.organisation, User.subject_id, ApiToken.id.label("token_id"),
                        ApiToken.token_sha256, ApiToken.expires_at)
                 .join(ApiToken, ApiToken.user_id == User.id)
                 .where(ApiToken.token_sha256 == bindparam("digest"), ApiToken.revoked_at.is_(None),
                        User.active.is_(True)))


def holder_on(connection: Connection, token: str, now: datetime) -> TokenHolder | None:
    """The one test of a user token, on a connection the caller has: known, unrevoked, unexpired, its
    user active."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    wanted = digest(token)
    row = connection.execute(_TOKEN_HOLDER, {"digest": wanted}).first()
    if row is None or not hmac.compare_digest(row.token_sha256, wanted):
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    return TokenHolder(row.id, row.role, row.organisation, row.subject_id, row.token_id)


def token_holder(platform: Platform, token: str) -> TokenHolder | None:
    """The active user behind an unrevoked, unexpired user token, read with one query on a read-only
    connection (on SQLite it takes no write lock): every API request with a token asks this."""
    from xinyong.store.db import READ_ONLY

    with platform.engine.connect().execution_options(**{READ_ONLY: True}) as connection:
        holder = holder_on(connection, token, platform.clock.now())
        connection.rollback()
    return holder


def resolve_token(uow: UnitOfWork, token: str) -> tuple[User, ApiToken] | None:
    """The user and token row behind a bearer token inside a transaction, or None for an unknown,
    revoked or expired token (the same test as :func:`token_holder`)."""
    holder = holder_on(uow.session.connection(), token, uow.platform.clock.now())
    if holder is None:
        return None
    user, row = uow.session.get(User, holder.user_id), uow.session.get(ApiToken, holder.token_id)
    assert user is not None and row is not None
    return user, row


def throttled(retry_after: int, window_minutes: int) -> Refusal:
    """Too many failed sign-ins for this account or from this address in the window, refused before
    any password is checked: 429 with ``Retry-After``, the whole seconds until an attempt is counted
    again (also ``extra["retry_after"]``)."""
    minutes = max(1, -(-retry_after // 60))
    return Refusal(None, "sign_in_throttled",
                   f"登录失败次数过多（每 {window_minutes} 分钟有限制），请 {minutes} 分钟后再试",
                   f"too many failed sign-ins (limited per {window_minutes} minutes): try again in "
                   f"{minutes} minute{'s' if minutes != 1 else ''}",
                   status=429, headers={"Retry-After": str(retry_after)}, retry_after=retry_after)


def sign_in(platform: Platform, actor: Actor, username: str, password: str,
            address: str | None = None) -> tuple[User, str]:
    """Check the password and start a portal session (one transaction), unless the sign-in throttle
    refuses the attempt first (:func:`throttled`, reason ``sign_in_throttled``: failures per account and
    per client ``address``, ``XINYONG_SIGNIN_*``), before any password hash is computed. A wrong
    password or unknown account is the refusal ``bad_credentials`` (401).

    A failed sign-in is written to the audit ledger in a transaction of its own, since the attempt's
    own transaction rolls back; a throttled one only when it is the first refusal of its account or
    address in the window (the rest are counted by the throttle), so a flood of attempts cannot grow
    the ledger without bound. The ledger keeps only a digest of the username tried, never the name or
    the address."""
    throttle = signin_throttle.for_platform(platform)
    refused = throttle.attempt(username, address)
    if refused is not None:
        if refused.first:
            with platform.unit_of_work(actor) as uow:
                uow.record("auth.throttled", "user", None, {"username_sha256": digest(username), "by": refused.by,
                                                            "window_minutes": throttle.window_minutes})
        raise throttled(refused.retry_after, throttle.window_minutes)
    try:
        with platform.unit_of_work(actor) as uow:
            user = check_password(uow, username, password)
            secret = start_session(uow, user)
    except Refusal:                     # bad_credentials, 401
        with platform.unit_of_work(actor) as uow:
            uow.record("auth.failed", "user", None, {"username_sha256": digest(username)})
        raise
    throttle.succeeded(username, address)
    return user, secret


def start_session(uow: UnitOfWork, user: User) -> str:
    secret = secrets.token_urlsafe(32)
    now = uow.platform.clock.now()
    row = PortalSession(user_id=user.id, session_sha256=digest(secret), created_at=now,
                        expires_at=now + timedelta(hours=SESSION_HOURS))
    uow.session.add(row)
    uow.session.flush()
    uow.record("session.started", "user", user.id, {})
    return secret


def resolve_session(uow: UnitOfWork, secret: str) -> User | None:
    row = uow.session.scalar(select(PortalSession).where(PortalSession.session_sha256 == digest(secret)))
    now = uow.platform.clock.now()
    if row is None or row.ended_at is not None or row.expires_at <= now:
        return None
    user = uow.session.get(User, row.user_id)
    return user if user is not None and user.active else None


def end_session(uow: UnitOfWork, secret: str) -> None:
    row = uow.session.scalar(select(PortalSession).where(PortalSession.session_sha256 == digest(secret)))
    if row is not None and row.ended_at is None:
        row.ended_at = uow.platform.clock.now()
        uow.record("session.ended", "user", row.user_id, {})


# --- real-name verification -------------------------------------------------------------------

class RealNameVerifier(Protocol):
    """Checks that a person is who they say they are (a face check, a bank card, a government app…)."""

    name: str

    def verify(self, *, identifier: str, display_name: str, evidence: str) -> bool: ...


@dataclass(frozen=True)
class DemoVerifier:
    """For local use only: accepts a valid identity number whose registered name matches and the
    evidence string ``demo``. Never configure it in production."""

    name: str = "demo"

    def verify(self, *, identifier: str, display_name: str, evidence: str) -> bool:
        return evidence == "demo" and check_identifier(identifier).valid and bool(display_name)


def binding_refusal(user: User) -> Refusal | None:
    """Why ``user`` may not be bound to a credit subject by real-name verification, or None when it may:
    only a natural person's own account (a citizen role, no organisation) that is neither bound nor
    verified yet. The one test the portal and the API both apply (through :func:`verify_real_name`)."""
    if Role(user.role) not in CITIZEN_ROLES or user.organisation:
        return Refusal("account", "role_not_allowed", "机构账户不能进行信用主体实名核验，请使用个人账户",
                       "an organisation's account cannot be verified as a credit subject: use a personal account",
                       status=403)
    if user.subject_id is not None or user.real_name_verified_at is not None:
        return Refusal("account", "already_verified",
                       "该账户已完成实名核验，不能再绑定其他身份；如有错误，请联系平台运营机构",
                       "this account is already real-name verified and cannot be bound to another identity; "
                       "if the binding is wrong, ask the platform operator", status=409)
    return None


def _subject_taken() -> Refusal:
    return Refusal("identifier", "subject_already_bound",
                   "该身份已绑定另一个账户；如非本人所为，请联系平台运营机构处理",
                   "this identity is already bound to another account; if that was not you, ask the platform "
                   "operator to resolve it", status=409)


def _bound_elsewhere(uow: UnitOfWork, subject_id: int, user_id: int) -> int | None:
    """The account other than ``user_id`` already bound to ``subject_id``, if any."""
    return uow.session.scalar(select(User.id).where(User.subject_id == subject_id, User.id != user_id))


def verify_real_name(uow: UnitOfWork, user: User, *, identifier: str, display_name: str, evidence: str,
                     verifier: RealNameVerifier) -> Subject:
    """Bind ``user`` to the natural person ``identifier`` after the verifier confirms the person: the one
    binding path of the portal and the API.

    Refused (a ``Refusal`` with the field, the reason and its HTTP status), changing nothing: an
    account that is not a citizen's own or is already verified (:func:`binding_refusal`); a value that
    is not a valid citizen identity number (an organisation's credit code cannot be bound); a name that
    is not the one registered, or a verifier that does not confirm; a person already bound to another
    account (checked, and enforced by the unique index on ``users.subject_id``: losing a race to the
    index is the same refusal). A person with no records yet is registered as a subject, then bound.
    """
    refusal = binding_refusal(user)
    if refusal is not None:
        raise refusal
    check = check_identifier(identifier, today=uow.platform.clock.today())
    if not check.valid:
        raise Refusal("identifier", "identifier_invalid", check.message_zh, check.message_en)
    if check.kind is not IdentifierKind.citizen_id:
        raise Refusal("identifier", "not_citizen_id",
                      "实名核验只接受公民身份号码：机构的统一社会信用代码等不能绑定个人账户",
                      "real-name verification takes a citizen identity number: an organisation's credit code "
                      "or another document cannot be bound to a personal account")
    name = display_name.strip()
    subject = uow.session.scalar(select(Subject).join(SubjectIdentifier).where(
        SubjectIdentifier.kind == IdentifierKind.citizen_id.value, SubjectIdentifier.value == check.identifier))
    known_mismatch = subject is not None and (subject.kind != SubjectKind.natural_person.value
                                              or subject.display_name != name)
    if known_mismatch or not name or not verifier.verify(identifier=check.identifier, display_name=name,
                                                         evidence=evidence):
        uow.record("realname.failed", "user", user.id, {"method": verifier.name})
        raise Refusal(None, "realname_failed", "实名核验未通过", "real-name verification failed")
    registered = subject is None
    if subject is None:
        from xinyong.services.subjects import registry as subjects
        subject = subjects.register(uow, identifier=check.identifier, display_name=name,
                                    kind=SubjectKind.natural_person, hint=IdentifierKind.citizen_id)
    if _bound_elsewhere(uow, subject.id, user.id) is not None:
        raise _subject_taken()
    try:
        with uow.session.begin_nested():
            user.subject_id = subject.id
            user.role = Role.subject.value
            user.real_name_verified_at = uow.platform.clock.now()
            user.real_name_method = verifier.name
            uow.session.flush()
    except IntegrityError:
        raise _subject_taken() from None        # another account was bound to the person meanwhile
    uow.record("realname.verified", "user", user.id,
               {"subject_id": subject.id, "method": verifier.name, "subject_registered": registered})
    return subject


_PERSONAL_IN_TEXT = (re.compile(r"\d{15}|\d{17}[\dXx]"), re.compile(r"1[3-9]\d{9}"))


@dataclass(frozen=True)
class Unbound:
    user_id: int
    subject_id: int


def unbind(uow: UnitOfWork, username: str, *, reason: str) -> Unbound:
    """The operator's resolution of a disputed binding: the account ``username`` is no longer bound to
    its credit subject and is back to an unverified citizen account (the person may then verify the
    right account). Recorded in the audit ledger with the reason, which must therefore carry no
    personal content (no identity or phone number, not the person's name: say who decided, and the
    case or ticket number)."""
    reason = " ".join((reason or "").split())
    if not reason or len(reason) > 500:
        raise Refusal("reason", "reason_required", "须写明解除绑定的理由（1 至 500 个字符）",
                      "give the reason for unbinding (1 to 500 characters)")
    row = uow.session.execute(select(User.id, User.subject_id, User.real_name_method)
                              .where(User.username == username)).first()
    if row is None:
        raise Refusal("username", "user_unknown", f"没有该用户：{username}", f"no such user: {username}", status=404)
    if row.subject_id is None:
        raise Refusal("username", "not_bound", "该账户未绑定任何信用主体",
                      "this account is not bound to a credit subject", status=409)
    name = uow.session.scalar(select(Subject.display_name).where(Subject.id == row.subject_id)) or ""
    if any(pattern.search(reason) for pattern in _PERSONAL_IN_TEXT) or (name and name in reason):
        raise Refusal("reason", "reason_personal",
                      "理由会写入审计账本，不能含有姓名、证件号码或电话号码：请写明决定人和工单号",
                      "the reason goes into the audit ledger and may not hold a name, an identity or phone "
                      "number: say who decided and the case number")
    uow.session.execute(update(User).where(User.id == row.id).values(
        subject_id=None, role=Role.public.value, real_name_verified_at=None, real_name_method=None))
    uow.record("realname.unbound", "user", row.id,
               {"subject_id": row.subject_id, "method": row.real_name_method, "reason": reason})
    return Unbound(row.id, row.subject_id)


def configured_verifier(platform) -> RealNameVerifier:  # type: ignore[no-untyped-def]
    """The real-name verifier of this deployment (``XINYONG_REAL_NAME_VERIFIER``; ``demo`` for local use)."""
    name = platform.settings.real_name_verifier
    if name == "demo":
        return DemoVerifier()
    raise Refusal(None, "verifier_unavailable", f"未配置实名核验服务：{name}", f"no real-name verifier named {name}")
