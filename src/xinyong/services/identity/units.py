"""Providing units (信息提供单位): the registry, their API credentials, and which catalog items each
may submit (the "providing unit" element of a catalog item).

A credential is a random 32-byte token shown once, at creation; only its SHA-256 digest is stored,
so a copy of the database submits nothing. Tokens are scoped, revocable, may expire, and remember
when they were last used. ``authenticate`` is what the submission API calls; ``may_submit`` is the
per-item check.

Every change is recorded in the audit ledger in the same transaction (facts: codes and ids only).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyong.domain.platform.refusal import Refusal
from xinyong.services.platform.bootstrap import UnitOfWork
from xinyong.store.models.catalog import (
    UNIT_KINDS,
    CatalogItem,
    CatalogVersion,
    ProvidingUnit,
    UnitCredential,
    UnitItemGrant,
)

TOKEN_PREFIX = "xyp_"  # noqa: S105 - a public marker telling unit tokens apart, not a secret
TOKEN_BYTES = 32
SCOPES = ("submit", "batches.read", "objections.answer")
DEFAULT_SCOPES = ("submit", "batches.read")
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
LAST_USED_GRANULARITY = timedelta(minutes=1)   # bookkeeping only; not a legal period


_BEARER = {"WWW-Authenticate": "Bearer"}
"""The header of a token that does not authenticate (status 401): unknown, revoked, expired, unit inactive."""


def unit_not_found(code: str) -> Refusal:
    """No providing unit has the code ``code`` (reason ``unit_not_found``)."""
    return Refusal("unit", "unit_not_found", f"没有代码为 {code} 的信息提供单位", f"there is no providing unit {code}")


@dataclass(frozen=True)
class UnitInfo:
    """Who a valid token speaks for, and what it may submit."""

    code: str
    name: str
    items: frozenset[str]
    scopes: frozenset[str] = frozenset()
    credential_id: int | None = None
    name_en: str = ""

    def may_submit(self, item_code: str) -> bool:
        return "submit" in self.scopes and item_code in self.items

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "name": self.name, "name_en": self.name_en, "items": sorted(self.items),
                "scopes": sorted(self.scopes), "credential_id": self.credential_id}


@dataclass(frozen=True)
class UnitView:
    code: str
    name_zh: str
    name_en: str
    kind: str
    origin: str
    uscc: str | None
    active: bool
    items: tuple[str, ...]
    credentials: tuple[CredentialView, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "name_zh": self.name_zh, "name_en": self.name_en, "kind": self.kind,
                "origin": self.origin, "uscc": self.uscc, "active": self.active, "items": list(self.items),
                "credentials": [c.to_dict() for c in self.credentials]}


@dataclass(frozen=True)
class CredentialView:
    id: int
    hint: str
    label: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def to_dict(self) -> dict[str, object]:
        def iso(t: datetime | None) -> str | None:
            return t.isoformat() if t else None

        return {"id": self.id, "hint": self.hint, "label": self.label, "scopes": list(self.scopes),
                "created_at": iso(self.created_at), "expires_at": iso(self.expires_at),
                "revoked_at": iso(self.revoked_at), "last_used_at": iso(self.last_used_at)}


@dataclass(frozen=True)
class IssuedToken:
    """The token in clear, returned once; store it now, it cannot be shown again."""

    token: str
    credential: CredentialView
    unit_code: str

    def to_dict(self) -> dict[str, object]:
        return {"token": self.token, "unit": self.unit_code, **self.credential.to_dict()}


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _credential_view(row: UnitCredential) -> CredentialView:
    return CredentialView(row.id, row.hint, row.label, tuple(row.scopes), row.created_at, row.expires_at,
                          row.revoked_at, row.last_used_at)


def _granted(unit: ProvidingUnit) -> tuple[str, ...]:
    return tuple(sorted(g.item_code for g in unit.grants if g.revoked_at is None))


def _unit_view(unit: ProvidingUnit) -> UnitView:
    return UnitView(unit.code, unit.name_zh, unit.name_en, unit.kind, unit.origin, unit.uscc, unit.active,
                    _granted(unit), tuple(_credential_view(c) for c in unit.credentials))


def _load(session: Session, code: str) -> ProvidingUnit:
    unit = session.scalars(select(ProvidingUnit).where(ProvidingUnit.code == code)).first()
    if unit is None:
        raise unit_not_found(code)
    return unit


# ---------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------

def register_unit(uow: UnitOfWork, *, code: str, name_zh: str, kind: str, name_en: str = "",
                  origin: str = "public", uscc: str | None = None) -> UnitView:
    """Register a providing unit; refused if the code is taken."""
    code = (code or "").strip()
    if not CODE_PATTERN.match(code):
        raise Refusal("code", "bad_code", "单位代码须为 2-64 位小写字母、数字、点、下划线或连字符",
                      "the unit code must be 2-64 lower-case letters, digits, dots, underscores or hyphens")
    if not (name_zh or "").strip():
        raise Refusal("name_zh", "required", "单位名称不能为空", "the unit's name is required")
    if kind not in UNIT_KINDS:
        raise Refusal("kind", "unknown_kind", f"未知的单位类型：{kind}",
                      f"unknown unit kind: {kind} (one of {', '.join(UNIT_KINDS)})")
    if origin not in ("public", "market"):
        raise Refusal("origin", "unknown_origin", f"未知的信息来源：{origin}", f"unknown origin: {origin}")
    if uscc is not None:
        from xinyong.domain.subjects.identifiers import IdentifierKind, check_identifier

        check = check_identifier(uscc, hint=IdentifierKind.uscc)
        if not check.valid:
            raise Refusal("uscc", "bad_uscc", check.message_zh, check.message_en)
        uscc = check.identifier
    unit = ProvidingUnit(code=code, name_zh=name_zh.strip(), name_en=(name_en or "").strip(), kind=kind,
                         origin=origin, uscc=uscc, active=True, created_at=uow.platform.clock.now())
    try:
        with uow.session.begin_nested():
            uow.session.add(unit)
            uow.session.flush()
    except IntegrityError:
        raise Refusal("code", "unit_exists", f"单位代码 {code} 已被使用", f"the unit code {code} is taken") from None
    uow.record("unit.registered", "providing_unit", unit.id, {"code": code, "kind": kind, "origin": origin})
    return _unit_view(unit)


def set_active(uow: UnitOfWork, code: str, active: bool) -> UnitView:
    """Suspend or restore a unit: an inactive unit's tokens authenticate nothing."""
    unit = _load(uow.session, code)
    if unit.active != active:
        unit.active = active
        uow.session.flush()
        uow.record("unit.activated" if active else "unit.suspended", "providing_unit", unit.id,
                   {"code": code})
    return _unit_view(unit)


def list_units(session: Session) -> list[UnitView]:
    return [_unit_view(u) for u in session.scalars(select(ProvidingUnit).order_by(ProvidingUnit.code))]


def get_unit(session: Session, code: str) -> UnitView:
    return _unit_view(_load(session, code))


# ---------------------------------------------------------------------------------------------
# Grants
# ---------------------------------------------------------------------------------------------

def _item_known(session: Session, jurisdiction: str, item_code: str) -> bool:
    return session.scalar(
        select(CatalogItem.id).join(CatalogVersion)
        .where(CatalogVersion.jurisdiction == jurisdiction, CatalogItem.code == item_code).limit(1)
    ) is not None


def grant_item(uow: UnitOfWork, unit_code: str, item_code: str, *,
               jurisdiction: str | None = None) -> UnitView:
    """Allow the unit to submit an item of the catalog (any version that has the code) of ``jurisdiction``,
    by default the deployment's."""
    unit = _load(uow.session, unit_code)
    jurisdiction = jurisdiction or uow.platform.jurisdiction
    if not _item_known(uow.session, jurisdiction, item_code):
        raise Refusal("item_code", "not_in_catalog", f"目录中没有信息事项 {item_code}",
                      f"no catalog of {jurisdiction} has the item {item_code}")
    grant = next((g for g in unit.grants if g.item_code == item_code), None)
    now = uow.platform.clock.now()
    if grant is not None and grant.revoked_at is None:
        return _unit_view(unit)
    if grant is None:
        unit.grants.append(UnitItemGrant(item_code=item_code, granted_at=now))
    else:
        grant.revoked_at, grant.granted_at = None, now
    uow.session.flush()
    uow.record("unit.item_granted", "providing_unit", unit.id, {"code": unit_code, "item": item_code})
    return _unit_view(unit)


def revoke_grant(uow: UnitOfWork, unit_code: str, item_code: str) -> UnitView:
    unit = _load(uow.session, unit_code)
    grant = next((g for g in unit.grants if g.item_code == item_code and g.revoked_at is None), None)
    if grant is None:
        raise Refusal("item_code", "not_granted", f"单位 {unit_code} 未获准报送 {item_code}",
                      f"unit {unit_code} has no grant for {item_code}")
    grant.revoked_at = uow.platform.clock.now()
    uow.session.flush()
    uow.record("unit.item_revoked", "providing_unit", unit.id, {"code": unit_code, "item": item_code})
    return _unit_view(unit)


def may_submit(session: Session, unit_code: str, item_code: str) -> bool:
    """Whether the (active) unit holds a live grant for the item."""
    return session.scalar(
        select(UnitItemGrant.id).join(ProvidingUnit)
        .where(ProvidingUnit.code == unit_code, ProvidingUnit.active.is_(True),
               UnitItemGrant.item_code == item_code, UnitItemGrant.revoked_at.is_(None)).limit(1)
    ) is not None


# ---------------------------------------------------------------------------------------------
# Credentials
# ---------------------------------------------------------------------------------------------

def issue_token(uow: UnitOfWork, unit_code: str, *, label: str = "", scopes: Iterable[str] | None = None,
                expires_at: datetime | None = None) -> IssuedToken:
    """A new token for the unit, returned in clear this once; only its SHA-256 digest is stored."""
    unit = _load(uow.session, unit_code)
    if not unit.active:
        raise Refusal("unit", "unit_inactive", f"单位 {unit_code} 已停用", f"unit {unit_code} is suspended")
    wanted = tuple(dict.fromkeys(scopes if scopes is not None else DEFAULT_SCOPES))
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown or not wanted:
        raise Refusal("scopes", "bad_scope", f"未知或空的权限范围：{', '.join(unknown) or '-'}",
                      f"unknown or empty scopes: {', '.join(unknown) or '-'} (one of {', '.join(SCOPES)})")
    now = uow.platform.clock.now()
    if expires_at is not None and expires_at <= now:
        raise Refusal("expires_at", "expired", "到期时间已过", "the expiry time is in the past")
    token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    row = UnitCredential(token_sha256=token_digest(token), hint=token[:10], label=(label or "").strip()[:100],
                         scopes=list(wanted), created_at=now, expires_at=expires_at)
    unit.credentials.append(row)
    uow.session.flush()
    uow.record("unit.token_issued", "unit_credential", row.id,
               {"unit": unit_code, "scopes": list(wanted), "hint": row.hint,
                "expires_at": expires_at.isoformat() if expires_at else None})
    return IssuedToken(token, _credential_view(row), unit_code)


def revoke_token(uow: UnitOfWork, credential_id: int, *, unit_code: str | None = None) -> CredentialView:
    """Revoke a credential (idempotent); with ``unit_code``, only if it belongs to that unit."""
    row = uow.session.get(UnitCredential, credential_id)
    if row is None or (unit_code is not None and row.unit.code != unit_code):
        raise Refusal("credential_id", "token_unknown", "没有该令牌", f"there is no credential {credential_id}")
    if row.revoked_at is None:
        row.revoked_at = uow.platform.clock.now()
        uow.session.flush()
        uow.record("unit.token_revoked", "unit_credential", row.id, {"unit": row.unit.code, "hint": row.hint})
    return _credential_view(row)


def authenticate(session: Session, token: str, *, now: datetime, touch: bool = True) -> UnitInfo:
    """The unit a token speaks for, with its granted items; otherwise a refusal with status 401 and
    ``WWW-Authenticate: Bearer`` (reasons ``token_invalid``, ``token_revoked``, ``token_expired``,
    ``unit_inactive``, field ``token``).

    Pass the platform clock's ``now``: expiry is judged by it, and (unless ``touch`` is false, for a
    lookup that writes nothing) the credential's ``last_used_at`` is updated in ``session`` (at most once
    a minute); the caller's transaction commits it.
    """
    refused = Refusal("token", "token_invalid", "令牌无效", "the token is not valid", status=401, headers=_BEARER)
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 128:
        raise refused
    digest = token_digest(token)
    row = session.scalars(select(UnitCredential).where(UnitCredential.token_sha256 == digest)).first()
    if row is None or not hmac.compare_digest(row.token_sha256, digest):
        raise refused
    if row.revoked_at is not None:
        raise Refusal("token", "token_revoked", "令牌已被撤销", "the token has been revoked", status=401,
                      headers=_BEARER)
    if row.expires_at is not None and row.expires_at <= now:
        raise Refusal("token", "token_expired", "令牌已过期", "the token has expired", status=401, headers=_BEARER)
    unit = row.unit
    if not unit.active:
        raise Refusal("token", "unit_inactive", "信息提供单位已停用", "the providing unit is suspended", status=401,
                      headers=_BEARER)
    if touch and (row.last_used_at is None or now - row.last_used_at >= LAST_USED_GRANULARITY):
        row.last_used_at = now
        session.flush()
    return UnitInfo(code=unit.code, name=unit.name_zh, name_en=unit.name_en, items=frozenset(_granted(unit)),
                    scopes=frozenset(row.scopes), credential_id=row.id)


__all__ = [
    "DEFAULT_SCOPES", "SCOPES", "TOKEN_PREFIX", "CredentialView", "IssuedToken", "UnitInfo", "UnitView",
    "authenticate", "get_unit", "grant_item", "issue_token", "list_units", "may_submit", "register_unit",
    "revoke_grant", "revoke_token", "set_active", "token_digest", "unit_not_found",
]
