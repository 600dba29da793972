"""What the public pages show: organisation lookup, double publicity, the published catalogs.

Every credit record here is read through ``services.disclosure.inquiry`` in ``lawful_disclosure`` mode, so the
policy decides and the inquiry log records it. Natural persons never appear: the lookup finds
organisations only (a natural person's identifier or name finds nothing), and the policy refuses a
natural person's records to the public (``disclosure.natural_person_public``; the baseline elsewhere).

Individual businesses (个体工商户) are market entities, not natural persons: they are found, and their
permits and penalties listed, under the business's name. Their operator is a natural person: the
operator's name inside the business's name, or a business registered under a bare personal name, is
masked (``domain.subjects.masking.business_name_as_shown``), and a name search matches only what the
public sees, so a person's name never finds the business they run (its USCC or 工商注册号 does). Where
the registry links no operator, the name is the one the business's public page shows (an inquiry, logged:
the operator is named only in its records). The operator's name and identity number in the records
themselves are the policy's to mask.

Double publicity (“双公示”): administrative permit and penalty decisions are published online within
7 working days of the decision (State Council 2016 No. 33, rule ``double_publicity.publish``). Each
entry carries the decision date, the day the platform received it, the publication due date counted
by the working-day calendar, and whether it was on time — where the regulation in force provides the
rule; otherwise the due date is left empty rather than guessed. A penalty entry also carries the end of its
publicity (公示截止期: ``domain.disclosure.publicity``, its tier's span from the decision date) with its
citation; past it the policy no longer shows the penalty to the public (duty and self inquiries go on).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from xinyong.domain.catalog.items import CatalogItemSpec, publicity_kind
from xinyong.domain.disclosure.policy import Mode
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.domain.rulebook.calendar import UnknownYearError
from xinyong.domain.subjects.identifiers import IdentifierKind, check_identifier
from xinyong.domain.subjects.kinds import SubjectKind
from xinyong.domain.subjects.masking import business_name_as_shown
from xinyong.rules.errors import NoValueInForce, RuleNotProvided
from xinyong.services.disclosure import inquiry
from xinyong.services.disclosure.results import InquiryResult, ServedRecord, SubjectSummary
from xinyong.services.platform.bootstrap import Platform
from xinyong.store.models.subjects import ResponsiblePerson, Subject, SubjectIdentifier

PUBLIC = Actor(Role.public, "anonymous")
_INDIVIDUAL_BUSINESS = SubjectKind.individual_business.value
PUBLICITY_KINDS = ("permit", "penalty")
MAX_HITS = 50


@dataclass(frozen=True)
class OrganisationHit:
    id: int
    kind: str
    name: str
    uscc: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "name": self.name, "uscc": self.uscc}


def find_organisations(platform: Platform, q: str, *, limit: int = 20) -> list[OrganisationHit]:
    """Organisations (legal persons, unincorporated organisations, state organs, individual businesses) by
    USCC, an individual business also by its 工商注册号, or by part of their name as the public sees it.
    Natural persons are never found, by name or by identifier."""
    q = " ".join((q or "").split())
    if len(q) < 2 or len(q) > 100:
        raise Refusal("q", "query_length", "请输入 2 至 100 个字符的名称或统一社会信用代码",
                      "give 2 to 100 characters of a name or a Unified Social Credit Code")
    limit = max(1, min(int(limit), MAX_HITS))
    check = check_identifier(q, today=platform.clock.today())
    uscc = select(SubjectIdentifier.value).where(SubjectIdentifier.subject_id == Subject.id,
                                                 SubjectIdentifier.kind == IdentifierKind.uscc.value) \
        .limit(1).scalar_subquery()
    stmt = select(Subject.id, Subject.kind, Subject.display_name, uscc.label("uscc")) \
        .where(Subject.kind != SubjectKind.natural_person.value)
    registration = check_identifier(q, hint=IdentifierKind.registration_no) if q.isdigit() else None
    if registration is not None and registration.valid and not check.valid:
        check = registration
    by_code = check.valid and check.kind in (IdentifierKind.uscc, IdentifierKind.registration_no)
    if by_code:
        assert check.kind is not None
        stmt = stmt.where(Subject.id.in_(select(SubjectIdentifier.subject_id).where(
            SubjectIdentifier.kind == check.kind.value,
            SubjectIdentifier.value == check.identifier)))
    elif check.valid:
        return []          # a personal identifier: natural persons are not looked up here
    else:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(Subject.display_name.like(pattern, escape="\\"))
    with platform.sessions() as session:
        rows = session.execute(stmt.order_by(Subject.display_name, Subject.id).limit(limit)).all()
        businesses = [r.id for r in rows if r.kind == _INDIVIDUAL_BUSINESS]
        operators: dict[int, list[str]] = {}
        if businesses:
            for oid, person in session.execute(
                    select(ResponsiblePerson.organisation_id, Subject.display_name)
                    .join(Subject, Subject.id == ResponsiblePerson.person_id)
                    .where(ResponsiblePerson.organisation_id.in_(businesses))):
                operators.setdefault(oid, []).append(person)
    hits = []
    for r in rows:
        name = r.display_name
        if r.kind == _INDIVIDUAL_BUSINESS:
            if r.id in operators:
                name = business_name_as_shown(name, tuple(operators[r.id]))
            else:       # the operator is named only in its records: the name as its public page shows it
                shown = organisation_records(platform, r.id).subject
                name = shown.name if shown is not None else business_name_as_shown(name)
            if not by_code and q not in name:
                continue            # matched only through the operator's name: not a key to the business
        hits.append(OrganisationHit(r.id, r.kind, name, r.uscc))
    return hits


def organisation_records(platform: Platform, ref: str | int, actor: Actor = PUBLIC) -> InquiryResult:
    """An organisation's public credit information: an inquiry in ``lawful_disclosure`` mode."""
    return inquiry.inquire(platform, actor, subject_ref=ref, mode=Mode.lawful_disclosure, channel="portal")


@dataclass(frozen=True)
class PublicityEntry:
    kind: str
    record: ServedRecord
    organisation: SubjectSummary | None
    decided_on: date | None
    received_on: date | None
    due: date | None
    on_time: bool | None
    cite: str | None

    @property
    def publicity_until(self) -> date | None:
        """A penalty's last day on the public website (its tier's span from the decision date; None: the
        regulation in force gives the entry no publicity end)."""
        return self.record.publicity_until

    @property
    def publicity_cite(self) -> str | None:
        return self.record.publicity_cite

    def to_dict(self) -> dict[str, Any]:
        def iso(d: date | None) -> str | None:
            return d.isoformat() if d else None

        return {"kind": self.kind, "record": self.record.to_dict(),
                "organisation": self.organisation.to_dict() if self.organisation else None,
                "decided_on": iso(self.decided_on), "received_on": iso(self.received_on),
                "publication_due": iso(self.due), "on_time": self.on_time, "cite": self.cite,
                "publicity_until": iso(self.publicity_until), "publicity_cite": self.publicity_cite}


def _catalog_items(platform: Platform) -> list[CatalogItemSpec]:
    from xinyong.services.catalog import published_catalog

    with platform.sessions() as session:
        try:
            catalog = published_catalog(session, platform.jurisdiction, platform.clock.today())
        except Refusal as refused:
            if refused.reason != "not_in_force":
                raise
            return []
    return [i.spec for i in catalog.items]


def publication_due(platform: Platform, decided_on: date | None) -> tuple[date | None, str | None]:
    """The last day to publish a decision made on ``decided_on`` (double publicity), with its cite;
    (None, None) where the regulation in force sets no such period or the calendar does not know the
    year."""
    if decided_on is None:
        return None, None
    try:
        value = platform.rulebook.get(platform.jurisdiction).value("double_publicity.publish", decided_on)
    except (RuleNotProvided, NoValueInForce):
        return None, None
    try:
        due = platform.calendar.due(decided_on, int(value.value), value.period_unit).due
    except UnknownYearError:
        return None, value.citation
    return due, value.citation


def double_publicity(platform: Platform, *, kind: str | None = None, limit: int = 50, offset: int = 0,
                     actor: Actor = PUBLIC, q: str | None = None, decided_from: date | None = None,
                     decided_to: date | None = None, unit: str | None = None) -> list[PublicityEntry]:
    """Administrative permits and penalties of organisations, newest first, as the public sees them;
    narrowed, where given, to the organisations a name or code finds (``q``, as ``find_organisations``
    finds them: never by a person's name), to decisions from ``decided_from`` to ``decided_to``, and to
    the deciding department (``unit``, a providing unit's code)."""
    if kind is not None and kind not in PUBLICITY_KINDS:
        raise Refusal("kind", "kind_unknown", "类别须为 permit（行政许可）或 penalty（行政处罚）",
                      "kind must be permit or penalty")
    if decided_from is not None and decided_to is not None and decided_to < decided_from:
        raise Refusal("decided_to", "date_order", "截止日期早于起始日期", "the end date is before the start date")
    if unit is not None:
        from xinyong.services.identity import units

        with platform.sessions() as session:
            try:
                units.get_unit(session, unit)
            except Refusal:     # the value is not echoed: a query parameter may carry anything
                raise Refusal("unit", "unit_unknown", "没有该代码的部门（请从列表中选择）",
                              "no department has this code (choose one from the list)") from None
    subject_ids = None
    if q is not None and q.strip():
        subject_ids = [hit.id for hit in find_organisations(platform, q, limit=MAX_HITS)]
    kinds = {i.code: publicity_kind(i) for i in _catalog_items(platform)}
    codes = [code for code, k in kinds.items() if k is not None and (kind is None or k == kind)]
    listing = inquiry.public_listing(platform, actor, item_codes=codes, limit=limit, offset=offset,
                                     since=decided_from, until=decided_to, subject_ids=subject_ids, unit=unit)
    out = []
    for record in listing.records:
        due, cite = publication_due(platform, record.decision_date)
        on_time = None if due is None or record.received_on is None else record.received_on <= due
        out.append(PublicityEntry(kinds.get(record.item_code) or "", record,
                                  listing.subjects.get(record.subject_id), record.decision_date,
                                  record.received_on, due, on_time, cite))
    return out


def catalog_in_force(platform: Platform) -> dict[str, Any] | None:
    """The catalog in force today as published (items, their elements and providing units)."""
    from xinyong.services.catalog import published_catalog

    with platform.sessions() as session:
        try:
            return published_catalog(session, platform.jurisdiction, platform.clock.today()).to_dict()
        except Refusal as refused:
            if refused.reason != "not_in_force":
                raise
            return None


def catalog_versions(platform: Platform) -> list[dict[str, Any]]:
    """Every catalog version that took effect (in force or superseded), newest first."""
    from xinyong.services.catalog import IN_FORCE_STATES, list_versions

    with platform.sessions() as session:
        versions = list_versions(session, platform.jurisdiction)
    return [v.to_dict() for v in reversed(versions) if v.state.value in IN_FORCE_STATES]
