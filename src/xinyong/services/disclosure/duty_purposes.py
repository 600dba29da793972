"""Duty purposes registered by departments (``inquiry.duty_purposes``): register, withdraw, list, and the one
lookup a duty inquiry makes.

A department states, for each duty the law gives it, the purpose it inquires for: the duty, its
legal basis, a purpose key, and labels in Chinese and English. Where the rule file in force lists the
duty purposes itself, that list governs and registrations have no effect on inquiries; where it
lists none, a duty inquiry's purpose must be one its department registered and has in force
(``domain.disclosure.policy.check_request``). Registered purposes are public: administrative organs publish
their inquiry items.

Who may register or withdraw: the department itself (a ``duty_department`` account of that
organisation), the operator, and the platform itself (the CLI, the demo). A withdrawal takes effect
the day it is made; nothing is deleted, and a withdrawn key may be registered again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyong.domain.disclosure.policy import duty_purpose_problems
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import CONFLICT, FORBIDDEN, NOT_FOUND, Refusal
from xinyong.services.platform.bootstrap import UnitOfWork
from xinyong.store.models.access import DutyPurpose

MANAGERS = frozenset({Role.operator, Role.system})
"""Who may register or withdraw any department's purposes; a department manages its own."""


@dataclass(frozen=True)
class DutyPurposeView:
    id: int
    organisation: str
    key: str
    duty: str
    legal_basis: str
    label_zh: str
    label_en: str
    registered_on: date
    withdrawn_on: date | None
    state: str                      # in_force, withdrawn

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "organisation": self.organisation, "key": self.key, "duty": self.duty,
                "legal_basis": self.legal_basis, "label_zh": self.label_zh, "label_en": self.label_en,
                "registered_on": self.registered_on.isoformat(),
                "withdrawn_on": self.withdrawn_on.isoformat() if self.withdrawn_on else None, "state": self.state}


def _view(row: DutyPurpose, today: date) -> DutyPurposeView:
    withdrawn = row.withdrawn_on is not None and row.withdrawn_on <= today
    state = "withdrawn" if withdrawn else "in_force" if row.registered_on <= today else "not_yet"
    return DutyPurposeView(row.id, row.organisation, row.key, row.duty, row.legal_basis, row.label_zh,
                           row.label_en, row.registered_on, row.withdrawn_on, state)


def may_manage(actor: Actor, organisation: str) -> bool:
    """The department itself, or the operator (and the platform's own CLI and demo)."""
    if actor.role in MANAGERS:
        return True
    return actor.role is Role.duty_department and bool(actor.organisation) and actor.organisation == organisation


def _check_manager(actor: Actor, organisation: str) -> None:
    if not may_manage(actor, organisation):
        raise Refusal("organisation", "not_own_department",
                      "只有该部门本身或平台运营机构可以登记、撤回其依职责查询事项",
                      "only the department itself or the platform operator may register or withdraw "
                      "its duty purposes", status=FORBIDDEN)


def _text(value: str | None) -> str:
    return (value or "").strip()


def register(uow: UnitOfWork, *, organisation: str | None, key: str, duty: str, legal_basis: str,
             label_zh: str, label_en: str) -> DutyPurposeView:
    """Register a purpose for one of ``organisation``'s duties, in force from today (the caller's own
    organisation when none is named)."""
    organisation = _text(organisation) or _text(uow.actor.organisation)
    key = _text(key)
    problems = duty_purpose_problems(organisation=organisation, key=key, duty=duty, legal_basis=legal_basis,
                                     label_zh=label_zh, label_en=label_en)
    if problems:
        field, reason, zh, en = problems[0]
        raise Refusal(field, reason, zh, en)
    _check_manager(uow.actor, organisation)
    session = uow.session
    if _current(session, organisation, key) is not None:
        raise Refusal("key", "already_registered", "该部门已登记此查询事项",
                      "the department has already registered this purpose", status=CONFLICT)
    today = uow.platform.clock.today()
    row = DutyPurpose(organisation=organisation, key=key, duty=_text(duty), legal_basis=_text(legal_basis),
                      label_zh=_text(label_zh), label_en=_text(label_en), registered_on=today,
                      registered_by=uow.actor.label(), created_at=uow.platform.clock.now())
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:      # registered at the same moment by another transaction
        raise Refusal("key", "already_registered", "该部门已登记此查询事项",
                      "the department has already registered this purpose", status=CONFLICT) from None
    content = "\x1f".join((row.duty, row.legal_basis, row.label_zh, row.label_en))
    uow.record("duty_purpose.registered", "duty_purpose", row.id, {
        "organisation": organisation, "key": key, "registered_on": today.isoformat(),
        "content_sha256": hashlib.sha256(content.encode()).hexdigest()})
    return _view(row, today)


def withdraw(uow: UnitOfWork, *, organisation: str | None, key: str) -> DutyPurposeView:
    """Withdraw a registered purpose, from today: duty inquiries for it are refused from then on."""
    organisation = _text(organisation) or _text(uow.actor.organisation)
    _check_manager(uow.actor, organisation)
    row = _current(uow.session, organisation, _text(key), lock=True)
    if row is None:
        raise Refusal("key", "purpose_unknown", "该部门没有登记此查询事项（或已撤回）",
                      "the department has no such purpose registered (or it was withdrawn)", status=NOT_FOUND)
    today = uow.platform.clock.today()
    row.withdrawn_on = max(today, row.registered_on)
    row.withdrawn_at, row.withdrawn_by = uow.platform.clock.now(), uow.actor.label()
    uow.record("duty_purpose.withdrawn", "duty_purpose", row.id, {
        "organisation": organisation, "key": row.key, "withdrawn_on": row.withdrawn_on.isoformat()})
    return _view(row, today)


def _current(session: Session, organisation: str, key: str, *, lock: bool = False) -> DutyPurpose | None:
    stmt = select(DutyPurpose).where(DutyPurpose.organisation == organisation, DutyPurpose.key == key,
                                     DutyPurpose.withdrawn_on.is_(None))
    return session.scalar(stmt.with_for_update() if lock else stmt)


def listing(session: Session, today: date, *, organisation: str | None = None,
            include_withdrawn: bool = False) -> list[DutyPurposeView]:
    """The registered purposes (of one organisation, or of all), in force only unless asked otherwise."""
    stmt = select(DutyPurpose)
    if organisation:
        stmt = stmt.where(DutyPurpose.organisation == organisation)
    if not include_withdrawn:
        stmt = stmt.where(DutyPurpose.withdrawn_on.is_(None))
    rows = session.scalars(stmt.order_by(DutyPurpose.organisation, DutyPurpose.key, DutyPurpose.id)).all()
    return [_view(r, today) for r in rows]


_IN_FORCE = (select(DutyPurpose.key)
             .where(DutyPurpose.organisation == bindparam("org"), DutyPurpose.withdrawn_on.is_(None),
                    DutyPurpose.registered_on <= bindparam("today")))


def in_force(connection: Connection, organisation: str, today: date) -> frozenset[str]:
    """The purpose keys ``organisation`` has registered and in force ``today``: one statement on the
    partial unique index (organisation, key) of the rows in force. A duty inquiry asks this once,
    only where the rule file lists no duty purposes."""
    return frozenset(connection.execute(_IN_FORCE, {"org": organisation, "today": today}).scalars())
