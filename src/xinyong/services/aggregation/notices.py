"""Written consents and prior notices, recorded before the rows that cite them: a natural person's
written consent to the collection of consent-only categories (``record_consent``, ``data.consent_only``)
and the written notice a unit served on a subject before delivering untrustworthiness information
(``record_prior_notice``, ``aggregation.prior_notice``). Rows then cite their references
(``consent_reference``, ``prior_notice_reference``) and the row validator looks them up
(``lookups.BatchLookups``). An unknown subject is registered when its name is given."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy.exc import IntegrityError

from xinyong.domain.platform.refusal import Refusal
from xinyong.domain.subjects.identifiers import check_identifier
from xinyong.domain.subjects.kinds import SubjectKind
from xinyong.services.aggregation.lookups import granted_items
from xinyong.services.platform.bootstrap import UnitOfWork
from xinyong.services.subjects import registry as subjects
from xinyong.store.models.records import Consent, PriorNotice
from xinyong.store.models.subjects import Subject


def _subject_for(uow: UnitOfWork, identifier: str, name: str | None, kind: str | None = None) -> Subject:
    """The subject registered under the identifier; registered now when a name is given."""
    subject = subjects.find_by_identifier(uow, identifier)
    if subject is not None:
        return subject
    if not name:
        raise Refusal("identifier", "subject_unknown", "该主体尚未登记：请同时填写主体名称",
                      "no subject is registered under this identifier: give its name too")
    if kind is None:   # as the row validator does: the most likely kind the identifier allows
        check = check_identifier(identifier, today=uow.platform.clock.today())
        kind = check.subject_kinds[0].value if check.valid and check.subject_kinds else None
    return subjects.register(uow, identifier=identifier, display_name=name, kind=kind)


def record_consent(uow: UnitOfWork, *, identifier: str, reference: str, categories: Iterable[str],
                   given_on: date, scope: str = "", subject_name: str | None = None) -> int:
    """Record a natural person's written consent to the collection of consent-only categories."""
    vocabulary = uow.platform.rulebook.vocabulary
    wanted = sorted(set(categories))
    unknown = [c for c in wanted if c not in vocabulary]
    if not wanted or unknown:
        raise Refusal("categories", "categories", f"未知的信息类别：{', '.join(unknown) or '-'}",
                      f"unknown data categories: {', '.join(unknown) or '-'}")
    reference = (reference or "").strip()
    if not reference or len(reference) > 128:
        raise Refusal("reference", "reference", "须填写书面同意编号（不超过 128 个字符）",
                      "the consent reference is required (at most 128 characters)")
    subject = _subject_for(uow, identifier, subject_name, SubjectKind.natural_person.value)
    if subject.kind != SubjectKind.natural_person.value:
        raise Refusal("identifier", "not_natural_person", "书面同意适用于自然人",
                      "written consent is given by a natural person")
    consent = Consent(subject_id=subject.id, reference=reference, categories=wanted, given_on=given_on,
                      scope=scope or "", recorded_by=uow.actor.label()[:200],
                      recorded_at=uow.platform.clock.now())
    try:
        with uow.session.begin_nested():
            uow.session.add(consent)
            uow.session.flush()
    except IntegrityError:
        raise Refusal("reference", "duplicate", "该主体已有相同编号的书面同意",
                      "this subject already has a consent with this reference") from None
    uow.record("consent.recorded", "consent", consent.id,
               {"subject_id": subject.id, "categories": wanted, "given_on": given_on.isoformat()})
    return consent.id


def record_prior_notice(uow: UnitOfWork, *, unit_code: str, identifier: str, item_code: str, reference: str,
                        served_on: date, subject_name: str | None = None) -> int:
    """Record the written notice a unit served before delivering untrustworthiness information
    (``aggregation.prior_notice``).

    A notice counts for rows received on or after the day it was served (``served_on``)."""
    granted_items(uow.session, unit_code)
    reference = (reference or "").strip()
    if not reference or len(reference) > 128:
        raise Refusal("reference", "reference", "须填写书面告知编号（不超过 128 个字符）",
                      "the notice reference is required (at most 128 characters)")
    subject = _subject_for(uow, identifier, subject_name)
    notice = PriorNotice(subject_id=subject.id, unit_code=unit_code, item_code=item_code, reference=reference,
                         served_on=served_on, recorded_at=uow.platform.clock.now())
    try:
        with uow.session.begin_nested():
            uow.session.add(notice)
            uow.session.flush()
    except IntegrityError:
        raise Refusal("reference", "duplicate", "本单位已登记相同编号的书面告知",
                      "this unit already recorded a notice with this reference") from None
    uow.record("prior_notice.recorded", "prior_notice", notice.id,
               {"subject_id": subject.id, "unit": unit_code, "item": item_code,
                "served_on": served_on.isoformat()})
    return notice.id
