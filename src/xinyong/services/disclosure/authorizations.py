"""A subject's written authorizations of third parties (the ``authorized`` inquiry mode): grant, revoke, list.

Only the subject grants or revokes, about itself (a real-name verified subject user: see
``services.disclosure.inquiry.own_subject_id``). An authorization names the grantee organisation, one purpose,
its scope (catalog item codes, or ``*`` for all the subject's information), its term and the
reference of the written document. Revocation takes effect the day it is made; nothing is deleted.
The access policy (``domain.disclosure.policy``) reads authorizations; this module only keeps them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.domain.disclosure.policy import authorization_problems
from xinyong.domain.platform.refusal import NOT_FOUND, Refusal
from xinyong.services.platform.bootstrap import UnitOfWork
from xinyong.store.models.access import Authorization
from xinyong.store.models.catalog import CatalogItem, CatalogVersion


@dataclass(frozen=True)
class AuthorizationView:
    id: int
    subject_id: int
    grantee: str
    purpose: str
    scope: tuple[str, ...]
    valid_from: date
    valid_until: date
    document_ref: str
    revoked_on: date | None
    state: str                      # in_force, not_yet, expired, revoked

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "subject_id": self.subject_id, "grantee": self.grantee,
                "purpose": self.purpose, "scope": list(self.scope), "valid_from": self.valid_from.isoformat(),
                "valid_until": self.valid_until.isoformat(), "document_ref": self.document_ref,
                "revoked_on": self.revoked_on.isoformat() if self.revoked_on else None, "state": self.state}


def _state(row: Authorization, today: date) -> str:
    if row.revoked_on is not None and row.revoked_on <= today:
        return "revoked"
    if today < row.valid_from:
        return "not_yet"
    if today > row.valid_until:
        return "expired"
    return "in_force"


def _view(row: Authorization, today: date) -> AuthorizationView:
    return AuthorizationView(row.id, row.subject_id, row.grantee, row.purpose, tuple(row.scope or ()),
                             row.valid_from, row.valid_until, row.document_ref, row.revoked_on,
                             _state(row, today))


def _known_items(session: Session, jurisdiction: str) -> set[str]:
    return set(session.scalars(select(CatalogItem.code).join(CatalogVersion)
                               .where(CatalogVersion.jurisdiction == jurisdiction).distinct()))


def grant(uow: UnitOfWork, *, subject_id: int, grantee: str, purpose: str, scope: Sequence[str],
          valid_until: date, document_ref: str, valid_from: date | None = None) -> AuthorizationView:
    """Record the subject's written authorization of ``grantee`` for ``purpose`` over ``scope``."""
    today = uow.platform.clock.today()
    valid_from = valid_from or today
    grantee = (grantee or "").strip()
    scope = [s.strip() for s in scope if s and s.strip()]
    problems = authorization_problems(grantee=grantee, purpose=purpose, scope=scope, valid_from=valid_from,
                                      valid_until=valid_until, document_ref=document_ref, today=today,
                                      known_items=_known_items(uow.session, uow.platform.jurisdiction))
    if problems:
        field, reason, zh, en = problems[0]
        raise Refusal(field, reason, zh, en)
    row = Authorization(subject_id=subject_id, grantee=grantee, purpose=purpose, scope=sorted(set(scope)),
                        valid_from=valid_from, valid_until=valid_until, document_ref=document_ref.strip(),
                        granted_by=uow.actor.label(), created_at=uow.platform.clock.now())
    uow.session.add(row)
    uow.session.flush()
    uow.record("authorization.granted", "authorization", row.id, {
        "subject_id": subject_id, "grantee": grantee, "purpose": purpose, "scope": row.scope,
        "valid_from": valid_from.isoformat(), "valid_until": valid_until.isoformat(),
        "document_sha256": hashlib.sha256(row.document_ref.encode()).hexdigest()})
    return _view(row, today)


def revoke(uow: UnitOfWork, *, subject_id: int, authorization_id: int) -> AuthorizationView:
    """The subject revokes its authorization, from today (an authorization is revocable)."""
    row = uow.session.get(Authorization, authorization_id)
    if row is None or row.subject_id != subject_id:
        raise Refusal("authorization_id", "authorization_unknown", "没有该授权", "no such authorization",
                      status=NOT_FOUND)
    today = uow.platform.clock.today()
    if row.revoked_on is None:
        row.revoked_on, row.revoked_at = today, uow.platform.clock.now()
        uow.record("authorization.revoked", "authorization", row.id,
                   {"subject_id": subject_id, "revoked_on": today.isoformat()})
    return _view(row, today)


def for_subject(session: Session, subject_id: int, today: date) -> list[AuthorizationView]:
    rows = session.scalars(select(Authorization).where(Authorization.subject_id == subject_id)
                           .order_by(Authorization.id)).all()
    return [_view(r, today) for r in rows]


def for_grantee(session: Session, grantee: str, today: date) -> list[AuthorizationView]:
    rows = session.scalars(select(Authorization).where(Authorization.grantee == grantee)
                           .order_by(Authorization.id)).all()
    return [_view(r, today) for r in rows]
