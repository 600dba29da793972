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
from xinyong.rules.errors import RuleLookupError
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
    _copy_to_subject(uow, notice, subject.id)
    return notice.id


def _copy_to_subject(uow: UnitOfWork, notice: PriorNotice, subject_id: int) -> None:
    """The written prior notice, as the subject reads it on the portal (``/me/notices``, HTML and PDF):
    which unit will deliver which information, the unit's own reference and the day it served the notice,
    the article that requires it (``aggregation.prior_notice``, where the regulation has it) and the
    subject's remedy; the unit's own service (post, in person) stays the legal delivery."""
    from xinyong.services import notices
    from xinyong.services.identity import units

    unit = units.get_unit(uow.session, notice.unit_code)
    item = _item_names(uow, notice.item_code)
    ruleset = uow.platform.rulebook.get(uow.platform.jurisdiction)
    today = uow.platform.clock.today()
    cites: dict[str, str] = {}
    for key in ("aggregation.prior_notice", "objection.label"):
        if ruleset.has(key):
            try:
                cites[key] = ruleset.value(key, today).citation
            except RuleLookupError:
                pass
    notices.issue(uow, kind="prior_notice", matter_kind="prior_notice", matter_id=notice.id, subject_id=subject_id,
                  facts={"reference": notice.reference, "served_on": notice.served_on.isoformat(),
                         "source": {"unit_code": unit.code, "unit_name_zh": unit.name_zh,
                                    "unit_name_en": unit.name_en or unit.name_zh, "item_code": notice.item_code,
                                    "item_zh": item[0], "item_en": item[1]},
                         "statements": [{
                             "zh": f"{unit.name_zh}已于 {notice.served_on.isoformat()} 书面告知"
                                   f"（编号 {notice.reference}）：将向公共信用信息平台提供您的{item[0]}。",
                             "en": f"{unit.name_en or unit.name_zh} informed you in writing on "
                                   f"{notice.served_on.isoformat()} (reference {notice.reference}) that it will "
                                   f"deliver your {item[1]} to the public credit information platform.",
                             "cite": cites.get("aggregation.prior_notice", "")}],
                         "cites": cites,
                         "remedy": {"zh": "信息归集后，您可以在“我的信用”中查看；认为有误的，可以提出异议。",
                                    "en": "Once it is delivered you can see it under My credit, and object if "
                                          "you find it wrong.", "cite": cites.get("objection.label", "")}})


def _item_names(uow: UnitOfWork, item_code: str) -> tuple[str, str]:
    """The catalog item's name (zh, en) in the catalog in force, else its code."""
    from xinyong.services.catalog import published_catalog

    try:
        catalog = published_catalog(uow.session, uow.platform.jurisdiction, uow.platform.clock.today())
    except Refusal:
        return item_code, item_code
    for entry in catalog.items:
        if entry.spec.code == item_code:
            return entry.spec.name_zh, entry.spec.name_en
    return item_code, item_code
