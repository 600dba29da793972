"""Credit subjects: register, find, link responsible persons.

Identifiers are validated by ``domain.subjects.identifiers`` before anything is stored; a bad identifier
is refused (:func:`invalid_identifier`: the field, the check's reason, the message in Chinese and
English) and stores nothing. The same identifier registered twice names the same subject (a unique
constraint, not luck).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from xinyong.domain.platform.refusal import Refusal
from xinyong.domain.subjects.identifiers import IdentifierCheck, IdentifierKind, SubjectKind, check_identifier
from xinyong.services.platform.bootstrap import UnitOfWork
from xinyong.store.models import ResponsiblePerson, Subject, SubjectIdentifier

RESPONSIBLE_ROLES = ("legal_representative", "principal_responsible", "actual_controller", "directly_responsible")


def invalid_identifier(field: str, check: IdentifierCheck) -> Refusal:
    """The refusal of an identifier that fails its check: the check's reason (``checksum``, ``length``,
    ...) and messages; the check itself in ``extra["check"]``."""
    return Refusal(field, str(check.reason.value if check.reason else "invalid"), check.message_zh,
                   check.message_en, check=check)


def identifier_digest(kind: str, value: str) -> str:
    """A stable, non-reversible reference to an identifier for the audit ledger (no personal content)."""
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


@dataclass(frozen=True)
class SubjectView:
    id: int
    kind: str
    display_name: str
    identifiers: tuple[tuple[str, str], ...]


def _view(subject: Subject) -> SubjectView:
    return SubjectView(subject.id, subject.kind, subject.display_name,
                       tuple((i.kind, i.value) for i in subject.identifiers))


def find_by_identifier(uow: UnitOfWork, identifier: str) -> Subject | None:
    check = check_identifier(identifier)
    value = check.identifier
    return uow.session.scalars(
        select(Subject).join(SubjectIdentifier).where(SubjectIdentifier.value == value)
    ).first()


def register(uow: UnitOfWork, *, identifier: str, display_name: str, kind: SubjectKind | str | None = None,
             hint: IdentifierKind | None = None, field: str = "identifier") -> Subject:
    """Register a subject by its key identifier, or return the one already registered under it."""
    check = check_identifier(identifier, hint=hint)
    if not check.valid:
        raise invalid_identifier(field, check)
    if not display_name or not display_name.strip():
        raise Refusal("display_name", "required", "名称不能为空", "display name is required")
    wanted = SubjectKind(kind) if kind else None
    if wanted is None:
        if len(check.subject_kinds) != 1:
            raise Refusal("kind", "ambiguous", "无法从代码确定主体类型，请指明类型",
                          "the subject kind cannot be told from this code: give the kind")
        wanted = check.subject_kinds[0]
    elif wanted not in check.subject_kinds:
        raise Refusal("kind", "kind_mismatch",
                      f"该代码不能标识类型为 {wanted.value} 的主体",
                      f"this identifier cannot identify a subject of kind {wanted.value}")
    assert check.kind is not None
    existing = uow.session.scalars(
        select(Subject).join(SubjectIdentifier)
        .where(SubjectIdentifier.kind == check.kind.value, SubjectIdentifier.value == check.identifier)
    ).first()
    if existing is not None:
        return existing
    now = uow.platform.clock.now()
    subject = Subject(kind=wanted.value, display_name=display_name.strip(), created_at=now, updated_at=now)
    subject.identifiers.append(SubjectIdentifier(kind=check.kind.value, value=check.identifier, created_at=now))
    try:
        with uow.session.begin_nested():
            uow.session.add(subject)
            uow.session.flush()
    except IntegrityError:
        # Someone registered the same identifier between our read and our write: theirs stands.
        existing = uow.session.scalars(
            select(Subject).join(SubjectIdentifier)
            .where(SubjectIdentifier.kind == check.kind.value, SubjectIdentifier.value == check.identifier)
        ).one()
        return existing
    uow.record("subject.registered", "subject", subject.id,
               {"kind": subject.kind, "identifier_kind": check.kind.value,
                "identifier_sha256": identifier_digest(check.kind.value, check.identifier)})
    return subject


def link_responsible_person(uow: UnitOfWork, organisation: Subject, person: Subject, role: str) -> ResponsiblePerson:
    """Record a legal representative, principal, actual controller or directly responsible person."""
    if role not in RESPONSIBLE_ROLES:
        raise Refusal("role", "unknown_role", f"未知的责任人类型：{role}",
                      f"unknown responsible-person role: {role}")
    if organisation.kind == SubjectKind.natural_person.value:
        raise Refusal("organisation", "not_organisation", "自然人不能有责任人",
                      "a natural person has no responsible persons")
    if person.kind != SubjectKind.natural_person.value:
        raise Refusal("person", "not_natural_person", "责任人必须是自然人",
                      "a responsible person must be a natural person")
    existing = uow.session.scalars(
        select(ResponsiblePerson).where(ResponsiblePerson.organisation_id == organisation.id,
                                        ResponsiblePerson.person_id == person.id,
                                        ResponsiblePerson.role == role)
    ).first()
    if existing:
        return existing
    link = ResponsiblePerson(organisation_id=organisation.id, person_id=person.id, role=role,
                             created_at=uow.platform.clock.now())
    uow.session.add(link)
    uow.session.flush()
    uow.record("subject.responsible_person_linked", "subject", organisation.id,
               {"person_subject_id": person.id, "role": role})
    return link


def get(uow: UnitOfWork, subject_id: int) -> Subject | None:
    return uow.session.get(Subject, subject_id)


def count(uow: UnitOfWork) -> int:
    from sqlalchemy import func

    return uow.session.scalar(select(func.count(Subject.id))) or 0
