"""THE one way to read credit records.

Every read of credit information — by the API, the portal, a report, an export, a public page —
comes here. ``inquire`` answers "what may this actor see about this subject, and why": it builds the
viewer and the policy rules from the rule values in force today (the injected clock), loads the
subject's records (their current versions), times each record's display period from the catalog
item's display rule and the record's own starting date (the calendar's month and year arithmetic),
asks ``domain.access.check_request`` once and ``domain.access.decide`` per record, masks fields, and
writes the inquiry log row — and, for every non-public read, an audit ledger entry — in the same
transaction, before anything is returned. If the log cannot be written, nothing is served:
``InquiryNotLogged`` is raised. A refused request is logged with its reason too.

``explain`` says, for one record, why it is or is not visible to the caller (with the articles), and
is logged the same way. ``public_listing`` serves lists of public records (double publicity).
``withhold_positive`` / ``release_positive`` and ``label_objection`` / ``close_objection_label``
keep the disclosure state the policy reads.

Nothing else under ``xinyong`` selects from ``records`` or ``record_versions`` (see
``tests/unit/test_single_read_path.py``), except ingestion, which writes them.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import dataclasses
import hashlib
import re
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, and_, bindparam, exists, func, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from xinyong.domain.catalog.items import PersonalData, display_rule_for
from xinyong.domain.disclosure import policy
from xinyong.domain.disclosure.policy import (
    BASELINE,
    Decision,
    Mode,
    PolicyRules,
    Reason,
    RecordFacts,
    Target,
    Viewer,
    check_request,
    decide,
)
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.clock import business_date
from xinyong.domain.subjects import personal_data
from xinyong.domain.subjects.identifiers import IdentifierKind, check_identifier
from xinyong.domain.subjects.masking import mask_identifier, mask_name
from xinyong.rules.errors import NoValueInForce, RuleNotProvided
from xinyong.rules.model import Span
from xinyong.services.audit import ledger
from xinyong.services.disclosure import duty_purposes
from xinyong.services.platform.bootstrap import Platform, UnitOfWork
from xinyong.store.models.access import Authorization, InquiryLog, ObjectionLabel, WithheldPositive
from xinyong.store.models.auth import User
from xinyong.store.models.catalog import CatalogItem
from xinyong.store.models.records import Record, RecordVersion
from xinyong.store.models.subjects import ResponsiblePerson, Subject, SubjectIdentifier

__all__ = [
    "AccessError", "Explanation", "InquiryNotLogged", "InquiryResult", "ListingResult", "ServedRecord",
    "SubjectSummary", "Who", "close_objection_label", "explain", "inquire", "inquire_async", "label_objection",
    "own_subject_id", "parse_mode", "policy_rules", "public_listing", "release_positive", "withhold_positive",
]

NATURAL_PERSON = "natural_person"
PERSON_IDENTIFIER_KINDS = frozenset({IdentifierKind.citizen_id, IdentifierKind.passport,
                                     IdentifierKind.other_id})
MAX_ITEMS = 50
Who = Actor | Callable[[Session], Actor]
"""Who asks: the actor, or how to find them inside the inquiry's own transaction (see ``inquire_async``)."""
MAX_LISTING = 200
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


# ---------------------------------------------------------------------------------------------
# Errors and results
# ---------------------------------------------------------------------------------------------

class AccessError(ValueError):
    """Bad input to an inquiry (it is not an inquiry yet): nothing read, nothing logged."""

    def __init__(self, field: str | None, reason: str, message_zh: str, message_en: str,
                 status: int = 422) -> None:
        super().__init__(message_en)
        self.field, self.reason, self.message_zh, self.message_en, self.status = \
            field, reason, message_zh, message_en, status

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "reason": self.reason, "message_zh": self.message_zh,
                "message_en": self.message_en}


class InquiryNotLogged(RuntimeError):
    """The inquiry could not be written to the inquiry log (or the ledger): nothing was served."""

    reason = "inquiry_not_logged"
    message_zh = "查询记录无法写入，本次查询不予提供"
    message_en = "the inquiry could not be logged, so nothing was served"

    def to_dict(self) -> dict[str, Any]:
        return {"field": None, "reason": self.reason, "message_zh": self.message_zh,
                "message_en": self.message_en}


@dataclass(frozen=True)
class SubjectSummary:
    id: int
    kind: str
    name: str                                   # masked for a natural person, to anyone but the person
    identifiers: tuple[tuple[str, str], ...]    # (kind, value), masked likewise

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "name": self.name,
                "identifiers": [{"kind": k, "value": v} for k, v in self.identifiers]}


@dataclass(frozen=True)
class ServedRecord:
    id: int
    subject_id: int
    item_code: str
    item_name_zh: str
    item_name_en: str
    category: str
    disclosure_class: str
    status: str
    version: int
    unit_code: str
    fields: Mapping[str, Any]
    decision: Decision
    decision_date: date | None = None
    conduct_ended: date | None = None
    received_on: date | None = None
    display_until: date | None = None
    display_cite: str | None = None

    def to_dict(self) -> dict[str, Any]:
        def iso(d: date | None) -> str | None:
            return d.isoformat() if d else None

        return {"id": self.id, "subject_id": self.subject_id, "item_code": self.item_code,
                "item_name_zh": self.item_name_zh, "item_name_en": self.item_name_en,
                "category": self.category, "disclosure_class": self.disclosure_class, "status": self.status,
                "version": self.version, "unit_code": self.unit_code, "fields": dict(self.fields),
                "masked": list(self.decision.masked), "labels": list(self.decision.labels),
                "reasons": [r.to_dict() for r in self.decision.reasons],
                "decision_date": iso(self.decision_date), "conduct_ended": iso(self.conduct_ended),
                "received_on": iso(self.received_on), "display_until": iso(self.display_until),
                "display_cite": self.display_cite}


@dataclass(frozen=True)
class InquiryResult:
    inquiry_id: int
    at: datetime
    mode: Mode
    purpose: str | None
    authorization_id: int | None
    subject: SubjectSummary | None
    records: tuple[ServedRecord, ...] = ()
    refused: Reason | None = None

    @property
    def served(self) -> bool:
        return self.refused is None

    @property
    def status(self) -> int:
        """The HTTP status an interface answers with."""
        if self.refused is None:
            return 200
        return policy.REQUEST_STATUS.get(self.refused.code, 403)

    def to_dict(self) -> dict[str, Any]:
        return {"inquiry_id": self.inquiry_id, "at": self.at.isoformat(), "mode": self.mode.value,
                "purpose": self.purpose, "authorization_id": self.authorization_id,
                "subject": self.subject.to_dict() if self.subject else None,
                "records": [r.to_dict() for r in self.records],
                "refused": self.refused.to_dict() if self.refused else None}


@dataclass(frozen=True)
class Explanation:
    inquiry_id: int
    record_id: int
    mode: Mode
    purpose: str | None
    decision: Decision
    refused: Reason | None = None               # the request as a whole was refused
    known: bool = True                          # whether the caller may know the record exists

    @property
    def visible(self) -> bool:
        return self.refused is None and self.decision.visible

    def concealed(self) -> AccessError | None:
        """What an interface answers instead of this explanation when the caller may not know the record
        exists: the very refusal of an id that names no record (same status, same body), so an explain
        tells no one that a record exists, nor whose it is, unless the policy shows it to them or it is
        their own. None when the explanation may be given."""
        return None if self.known else _unknown_record()

    def to_dict(self) -> dict[str, Any]:
        return {"inquiry_id": self.inquiry_id, "record_id": self.record_id, "mode": self.mode.value,
                "purpose": self.purpose, "visible": self.visible, "masked": list(self.decision.masked),
                "labels": list(self.decision.labels),
                "reasons": [r.to_dict() for r in self.decision.reasons],
                "request_refused": self.refused.to_dict() if self.refused else None}


@dataclass(frozen=True)
class ListingResult:
    inquiry_id: int
    records: tuple[ServedRecord, ...]
    subjects: Mapping[int, SubjectSummary] = field(default_factory=dict)


def _unknown_record() -> AccessError:
    return AccessError("record_id", "record_unknown", "没有该信用记录", "no such credit record", status=404)


# ---------------------------------------------------------------------------------------------
# The rules in force
# ---------------------------------------------------------------------------------------------

_RULES_CACHE: dict[tuple[Any, date], PolicyRules] = {}


def _prefix(value: Any) -> str:
    """The abbreviation a rule value's citation carries before its cite ("CQ "), or ""."""
    citation, cite = value.citation, value.cite
    return citation[: len(citation) - len(cite)] if citation.endswith(cite) else ""


def _value(ruleset: Any, key: str, on: date) -> Any | None:
    try:
        return ruleset.value(key, on)
    except (RuleNotProvided, NoValueInForce):
        return None


def _flag(ruleset: Any, key: str, on: date) -> tuple[bool, str] | None:
    value = _value(ruleset, key, on)
    return None if value is None else (bool(value.value), value.citation)


def _purposes(ruleset: Any, key: str, on: date) -> dict[str, str] | None:
    value = _value(ruleset, key, on)
    if value is None:
        return None
    prefix = _prefix(value)
    return {p.key: f"{prefix}{p.cite}" if p.cite else value.citation for p in value.value}


def policy_rules(platform: Platform, today: date) -> PolicyRules:
    """The rule values the policy needs, as in force ``today`` in this deployment's jurisdiction."""
    ruleset = platform.rulebook.get(platform.jurisdiction)
    cache_key = (ruleset, today)        # the rule set itself (immutable once loaded), not its id
    found = _RULES_CACHE.get(cache_key)
    if found is not None:
        return found
    rules = PolicyRules(
        modes=_purposes(ruleset, "inquiry.modes", today) or {},
        duty_purposes=_purposes(ruleset, "inquiry.duty_purposes", today),
        natural_person_public=_flag(ruleset, "disclosure.natural_person_public", today),
        objection_disclosure_continues=_flag(ruleset, "objection.disclosure_continues", today),
        suspend_on_provider_overdue=_flag(ruleset, "objection.suspend_on_provider_overdue", today),
        positive_withholdable=_flag(ruleset, "disclosure.positive_withholdable", today),
        desensitise_natural_person=_flag(ruleset, "disclosure.desensitise_natural_person", today),
    )
    if len(_RULES_CACHE) > 64:
        _RULES_CACHE.clear()
    _RULES_CACHE[cache_key] = rules
    return rules


class _Period(NamedTuple):
    until: date | None
    cite: str | None
    start_missing: bool
    rule_missing: bool = False      # no value of the display rule in force on the decision date, nor since


class _ItemRule(NamedTuple):
    display_rule: str | None


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


class _NotInForce(NamedTuple):
    """No value of a display rule in force on the decision date nor any day since, up to today."""

    citation: str       # the rule file's citation of the nearest value (what would have governed)


class _Periods:
    """Display periods of records: the item's display rule, the value in force on the record's
    decision date (a penalty decided on 2026-03-31 and one decided on 2026-04-01 fall under different
    national tiers), counted from the date the rule names (or the item's counts-from field).

    A record decided when no value of its rule was in force (before the first one, or in a gap after
    one lapsed) is timed by the first value that came into force after its decision, never by today's:
    that is the rule that first governed its display, the one a record decided that day would have,
    and records decided earlier never fall under a later regime than records decided after them. The
    citation says so. Where no value has come into force since (up to today), the period cannot be
    known: the record is not served to anyone but its subject (``period_rule_not_in_force``).
    """

    _CACHE: dict[tuple[Any, date], dict[tuple[str, date], Any]] = {}

    def __init__(self, platform: Platform, today: date) -> None:
        self.ruleset = platform.rulebook.get(platform.jurisdiction)
        self.today = today
        # Rule values are immutable once loaded: share the lookups of one rule set and day.
        cache_key = (self.ruleset, today)   # the object itself: kept alive, never confused
        values = self._CACHE.get(cache_key)
        if values is None:
            if len(self._CACHE) > 16:
                self._CACHE.clear()
            values = self._CACHE[cache_key] = {}
        self._values: dict[tuple[str, date], Any] = values

    def _rule(self, key: str, on: date) -> Any | None:
        cache_key = (key, on)
        if cache_key not in self._values:
            if len(self._values) > 50_000:
                self._values.clear()
            try:
                value = self.ruleset.value(key, on)
            except RuleNotProvided:
                value = None
            except NoValueInForce:
                value = self._first_after(key, on)
            self._values[cache_key] = value
        return self._values[cache_key]

    def _first_after(self, key: str, on: date) -> Any:
        """The first value of ``key`` that came into force after ``on`` and by today, its citation
        labelled; else ``_NotInForce`` with the citation of the nearest value."""
        entries = self.ruleset.rule(key).entries
        for entry in entries:
            if on < entry.effective <= self.today:
                label = (f"{entry.citation} [in force from {entry.effective.isoformat()}, after the decision "
                         f"of {on.isoformat()}, when no value was]")
                return dataclasses.replace(entry, citation=label)
        earlier = [e for e in entries if e.effective <= on]
        return _NotInForce((earlier[-1] if earlier else entries[0]).citation)

    def of(self, row: Any, subject_kind: str) -> _Period:
        payload = row.payload or {}
        key = display_rule_for(_ItemRule(row.display_rule), subject_kind, payload)  # type: ignore[arg-type]
        if key is None:
            return _Period(None, None, False)
        decided = row.decision_date or _as_date(payload.get("decision_date")) or row.document_date \
            or _as_date(payload.get("document_date"))
        value = self._rule(key, decided or self.today)
        if isinstance(value, _NotInForce):
            return _Period(None, value.citation, False, rule_missing=True)
        if value is None or not isinstance(value.value, Span):
            return _Period(None, None, False)
        span = value.value
        if span.unlimited:
            return _Period(None, value.citation, False)
        counts_from = span.counts_from
        if counts_from == "conduct_ended":
            start = row.conduct_ended or _as_date(payload.get("conduct_ended"))
        elif counts_from == "decision_date":
            start = decided
        else:
            name = row.counts_from_field
            start = _as_date(payload.get(name)) if name else None
            if start is None and name in ("conduct_ended", "decision_date", "document_date"):
                start = {"conduct_ended": row.conduct_ended, "decision_date": decided,
                         "document_date": row.document_date}[name]
        if start is None:
            return _Period(None, value.citation, True)
        return _Period(policy.display_until(start, span.max, span.unit), value.citation, False)


# ---------------------------------------------------------------------------------------------
# Viewer and subject
# ---------------------------------------------------------------------------------------------

def parse_mode(mode: str | Mode | None, actor: Actor) -> Mode:
    if mode is None or mode == "":
        return policy.default_mode(actor.role)
    try:
        return Mode(mode)
    except ValueError:
        raise AccessError("mode", "mode_unknown", "查询方式须为 lawful_disclosure、duty、self 或 authorized",
                          "mode must be lawful_disclosure, duty, self or authorized") from None


def _check_purpose(purpose: str | None) -> str | None:
    if purpose is None or purpose == "":
        return None
    if not policy.PURPOSE_PATTERN.match(purpose):
        raise AccessError("purpose", "purpose_invalid",
                          "用途须为查询事项清单中的键（小写字母、数字和下划线）",
                          "the purpose is a key from the list of purposes (lower-case letters, digits, _)")
    return purpose


def _check_items(items: Iterable[str] | None) -> tuple[str, ...] | None:
    if items is None:
        return None
    codes = tuple(dict.fromkeys(i.strip() for i in items if i and i.strip()))
    if not codes:
        return None
    if len(codes) > MAX_ITEMS or any(not _CODE.match(c) for c in codes):
        raise AccessError("items", "items_invalid", f"信息事项须为目录代码（至多 {MAX_ITEMS} 个）",
                          f"items are catalog item codes (at most {MAX_ITEMS})")
    return codes


def own_subject_id(session: Session, actor: Actor) -> int | None:
    """The credit subject a signed-in, real-name verified subject user is; None for anyone else."""
    if actor.role is not Role.subject or not actor.principal.startswith("user:"):
        return None
    try:
        user_id = int(actor.principal.split(":", 1)[1])
    except ValueError:
        return None
    row = session.connection().execute(_sql().user, {"uid": user_id}).first()
    if row is None or not row.active or row.real_name_verified_at is None:
        return None
    return row.subject_id


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Resolved(NamedTuple):
    target: Target
    subject: Any | None          # the first joined row: s_id, s_kind, s_name, s_ident_kind, s_ident_value
    rows: list[Any]              # the subject's records (none when unresolved or it has none)
    ref_sha256: str | None


def _resolve(connection: Connection, subject_ref: str | int, today: date, mode: Mode, rules: PolicyRules,
             codes: tuple[str, ...] | None) -> _Resolved:
    """The subject a reference names — an identifier (citizen identity number, USCC, passport …) or a
    subject id — with its records, in one round trip. The public asking by a natural person's
    identifier is answered before any lookup."""
    if isinstance(subject_ref, int) and not isinstance(subject_ref, bool):
        ref = str(subject_ref)
    else:
        ref = str(subject_ref or "").strip()
    if not ref or len(ref) > 64:
        raise AccessError("subject", "subject_ref_invalid",
                          "须给出信用主体的证件号码、统一社会信用代码或编号",
                          "give the subject's identifier, Unified Social Credit Code or id")
    params: dict[str, Any] = {"codes": list(codes)} if codes else {}
    known_kind = None
    if ref.isascii() and ref.isdigit() and int(ref) <= 2**31 - 1:   # a subject id ("²" is a digit too)
        by = "id"
        params["sid"] = int(ref)
    else:
        check = check_identifier(ref, today=today)
        if not check.valid or check.kind is None:
            raise AccessError("subject", "subject_ref_invalid", "证件号码或统一社会信用代码无效",
                              "the identifier or Unified Social Credit Code is not valid")
        known_kind = NATURAL_PERSON if check.kind in PERSON_IDENTIFIER_KINDS else None
        public = mode is Mode.lawful_disclosure
        if public and known_kind == NATURAL_PERSON and not policy.natural_person_public(rules):
            return _Resolved(Target(None, NATURAL_PERSON), None, [], _digest(ref))
        by = "identifier"
        params.update(kind=check.kind.value, value=check.identifier)
    rows = _plain_rows(connection.execute(_sql().subject_records[(by, bool(codes))], params))
    if not rows:
        return _Resolved(Target(None, known_kind), None, [], _digest(ref))
    first = rows[0]
    return _Resolved(Target(first.s_id, first.s_kind), first, [r for r in rows if r.id is not None], None)


_ROW_TYPES: dict[tuple[str, ...], Any] = {}    # per statement's keys (a handful of statements)


def _plain_rows(result: Any) -> list[Any]:
    """A result's rows as named tuples with the same names. The policy reads some forty attributes of
    every record row; on a SQLAlchemy ``Row`` each costs about 0.3 µs (a mapping lookup), on a named
    tuple a few nanoseconds: a tenth of an inquiry's time in the writer."""
    keys = tuple(result.keys())
    if keys not in _ROW_TYPES:
        try:
            _ROW_TYPES[keys] = collections.namedtuple("PolicyRow", keys)._make
        except ValueError:          # a key that cannot be a name: the rows stay as they are
            _ROW_TYPES[keys] = None
    make = _ROW_TYPES[keys]
    rows = result.all()
    return [make(row) for row in rows] if make is not None else rows


def _authorization(session: Session, authorization_id: int | None) -> policy.Authorization | None:
    """The written authorization an authorized inquiry names (it must name one: the log and the ledger
    say which document the inquiry relied on)."""
    row = session.get(Authorization, authorization_id) if authorization_id is not None else None
    if row is None:
        return None
    return policy.Authorization(row.id, row.subject_id, row.grantee, row.purpose, tuple(row.scope or ()),
                                row.valid_from, row.valid_until, row.revoked_on)


def _viewer(session: Session, actor: Actor, mode: Mode, purpose: str | None, authorization_id: int | None,
            today: date, rules: PolicyRules, connection: Connection | None = None) -> Viewer:
    auth = None
    scope = purposes = None
    if mode is Mode.authorized:
        auth = _authorization(session, authorization_id)
        if actor.role is Role.service_institution and actor.organisation:
            from xinyong.services.identity.institutions import agreement_in_force

            agreement = agreement_in_force(session, actor.organisation, today)
            if agreement is not None:
                scope, purposes = tuple(agreement.scope or ()), tuple(agreement.purposes or ())
    own = own_subject_id(session, actor) if mode is Mode.self else None
    registered = None
    if mode is Mode.duty and rules.duty_purposes is None and purpose and actor.organisation:
        # No list in the rule file: the department's registered purposes decide (one indexed read).
        registered = duty_purposes.in_force(connection or session.connection(), actor.organisation, today)
    return Viewer(role=actor.role, mode=mode, principal=actor.principal, organisation=actor.organisation,
                  purpose=purpose, own_subject_id=own, authorization=auth, agreement_scope=scope,
                  agreement_purposes=purposes, registered_purposes=registered)


def _summary(subject_id: int, kind: str, name: str, identifiers: Sequence[tuple[str, str]], *,
             full: bool) -> SubjectSummary:
    if full or kind != NATURAL_PERSON:
        return SubjectSummary(subject_id, kind, name, tuple((k, v) for k, v in identifiers))
    return SubjectSummary(subject_id, kind, mask_name(name),
                          tuple((k, mask_identifier(v, IdentifierKind(k))) for k, v in identifiers))


# ---------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------

def _record_columns() -> tuple[Any, ...]:
    r, v, c = Record, RecordVersion, CatalogItem
    withheld = exists().where(WithheldPositive.record_id == r.id, WithheldPositive.released_on.is_(None))
    objection = exists().where(ObjectionLabel.record_id == r.id, ObjectionLabel.closed_on.is_(None))
    provider_due = (select(func.min(ObjectionLabel.provider_due))
                    .where(ObjectionLabel.record_id == r.id, ObjectionLabel.closed_on.is_(None))
                    .scalar_subquery())
    return (r.id, r.subject_id, r.item_code, r.category, r.disclosure_class, r.status, r.current_version,
            r.unit_code, r.created_at, v.payload, v.decision_date, v.conduct_ended, v.document_date, c.name_zh,
            c.name_en, c.display_rule, c.counts_from_field, c.positive, c.id.label("catalog_item_id"),
            withheld.label("withheld"),
            objection.label("objection_open"), provider_due.label("provider_due"))


def _version_joins(stmt: Any, outer: bool) -> Any:
    r, v, c = Record, RecordVersion, CatalogItem
    on_version = and_(v.record_id == r.id, v.version == r.current_version)
    stmt = stmt.outerjoin(v, on_version) if outer else stmt.join(v, on_version)
    return stmt.outerjoin(c, and_(c.version_id == r.catalog_version_id, c.code == r.item_code))


def _record_query() -> Any:
    return _version_joins(select(*_record_columns()), outer=False)


def _subject_records_query(by: str, items: bool) -> Any:
    """One round trip for an inquiry: the subject (by id or by identifier), its first identifier, and
    its records' current versions with their catalog items and disclosure marks (outer-joined, so a
    subject without records still comes back as one row)."""
    first = (select(SubjectIdentifier.id).where(SubjectIdentifier.subject_id == Subject.id)
             .order_by(SubjectIdentifier.id).limit(1).scalar_subquery())
    ident = SubjectIdentifier.__table__.alias("first_identifier")
    on_records = Record.subject_id == Subject.id
    if items:
        on_records = and_(on_records, Record.item_code.in_(bindparam("codes", expanding=True)))
    stmt = (select(Subject.id.label("s_id"), Subject.kind.label("s_kind"), Subject.display_name.label("s_name"),
                   ident.c.kind.label("s_ident_kind"), ident.c.value.label("s_ident_value"), *_record_columns())
            .select_from(Subject)
            .outerjoin(ident, ident.c.id == first)
            .outerjoin(Record, on_records))
    stmt = _version_joins(stmt, outer=True)
    if by == "id":
        stmt = stmt.where(Subject.id == bindparam("sid"))
    else:
        stmt = stmt.where(Subject.id == select(SubjectIdentifier.subject_id)
                          .where(SubjectIdentifier.kind == bindparam("kind"),
                                 SubjectIdentifier.value == bindparam("value")).scalar_subquery())
    return stmt.order_by(Record.id)


class _Statements:
    """The statements of the hot path, built once (SQLAlchemy memoizes their cache keys) and run on the
    session's Core connection with bound parameters."""

    def __init__(self) -> None:
        self.subject_records = {(by, items): _subject_records_query(by, items)
                                for by in ("id", "identifier") for items in (False, True)}
        self.identifiers = (select(SubjectIdentifier.kind, SubjectIdentifier.value)
                            .where(SubjectIdentifier.subject_id == bindparam("sid"))
                            .order_by(SubjectIdentifier.id))
        self.user = (select(User.subject_id, User.real_name_verified_at, User.active)
                     .where(User.id == bindparam("uid")))
        kind = select(Subject.kind).where(Subject.id == Record.subject_id).scalar_subquery()
        self.record_by_id = _record_query().add_columns(kind.label("subject_kind")).where(Record.id == bindparam("rid"))
        self.people_of = (select(Subject.display_name)
                          .join(ResponsiblePerson, ResponsiblePerson.person_id == Subject.id)
                          .where(ResponsiblePerson.organisation_id == bindparam("oid"),
                                 Subject.kind == NATURAL_PERSON))
        log = InquiryLog.__table__
        self.insert_logs = insert(log).returning(log.c.id, sort_by_parameter_order=True)


_STATEMENTS: _Statements | None = None


def _sql() -> _Statements:
    global _STATEMENTS
    if _STATEMENTS is None:
        _STATEMENTS = _Statements()
    return _STATEMENTS


_DECLARED: dict[int, dict[str, str]] = {}
_NOTHING_DECLARED: dict[str, str] = {}


def _declared(connection: Connection, row: Any) -> dict[str, str]:
    """The fields the record's catalog item declares to hold a natural person's name or identifier
    (field -> ``name`` / ``identifier``). An item of a catalog version, once it can carry records, does
    not change: read once per item and kept."""
    item_id = row.catalog_item_id
    if item_id is None:
        return _NOTHING_DECLARED
    found = _DECLARED.get(item_id)
    if found is None:
        fields = connection.execute(select(CatalogItem.fields).where(CatalogItem.id == item_id)).scalar() or []
        found = {f["name"]: f["personal_data"] for f in fields
                 if isinstance(f, dict) and f.get("personal_data") in _HOLDS_PERSONAL}
        if len(_DECLARED) > 10_000:
            _DECLARED.clear()
        _DECLARED[item_id] = found
    return found


def _people_of(connection: Connection, organisation_id: int) -> tuple[str, ...]:
    """The names of the natural persons recorded as responsible for an organisation (its legal
    representative, principal, controller, as the regulations name them). Its records' text often names them;
    they are masked there for every viewer, the organisation included."""
    return tuple(connection.execute(_sql().people_of, {"oid": organisation_id}).scalars())


_HOLDS_PERSONAL = frozenset({PersonalData.name.value, PersonalData.identifier.value})


def _facts(row: Any, subject_kind: str, period: _Period, today: date, declared: Mapping[str, str] = _NOTHING_DECLARED,
           names: Sequence[str] = ()) -> RecordFacts:
    payload = row.payload or {}
    suspended = bool(row.objection_open) and row.provider_due is not None and today > row.provider_due
    return RecordFacts(
        record_id=row.id, subject_id=row.subject_id, subject_kind=subject_kind, item_code=row.item_code,
        category=row.category, disclosure_class=row.disclosure_class, status=row.status,
        positive=bool(row.positive), withheld=bool(row.withheld), objection_open=bool(row.objection_open),
        suspended=suspended, display_until=period.until, display_cite=period.cite,
        period_start_missing=period.start_missing, period_rule_missing=period.rule_missing,
        personal_fields=policy.personal_fields(payload, subject_kind, declared, names))


def _served(row: Any, decision: Decision, period: _Period, names: Sequence[str],
            declared: Mapping[str, str] = _NOTHING_DECLARED, keep: Sequence[str] = ()) -> ServedRecord:
    """A visible record as the viewer receives it: the decision's fields masked whole or, in free text,
    the personal data in them; natural persons' numbers and names masked in every other string too,
    but for what ``keep`` holds (the viewer's own name and identity number)."""
    payload = row.payload or {}
    fields = policy.mask_payload(payload, decision.masked, names, declared=declared, keep=keep)
    return ServedRecord(
        id=row.id, subject_id=row.subject_id, item_code=row.item_code,
        item_name_zh=row.name_zh or row.item_code, item_name_en=row.name_en or row.item_code,
        category=row.category, disclosure_class=row.disclosure_class, status=row.status,
        version=row.current_version, unit_code=row.unit_code, fields=fields, decision=decision,
        decision_date=row.decision_date or _as_date(payload.get("decision_date")) or row.document_date,
        conduct_ended=row.conduct_ended or _as_date(payload.get("conduct_ended")),
        received_on=business_date(row.created_at) if row.created_at else None,
        display_until=period.until, display_cite=period.cite)


# ---------------------------------------------------------------------------------------------
# Logging: the inquiry log row and the ledger entry, or nothing is served
# ---------------------------------------------------------------------------------------------

class _Logged(NamedTuple):
    id: int         # 0 until the row is stored: the writer then puts the stored id into the result
    at: datetime


class _Staged(NamedTuple):
    """An inquiry's log row, and for a non-public read its ledger event, waiting to be stored."""

    values: dict[str, Any]
    event: tuple[str, dict[str, Any]] | None


def _log(uow: UnitOfWork, job: _Job, *, mode: Mode, purpose: str | None, authorization_id: int | None,
         subject_id: int | None, ref_sha256: str | None, items: Sequence[str] | None, returned: Sequence[int],
         denied: Sequence[tuple[int, str]], refused: Reason | None, cite: str | None, channel: str) -> _Logged:
    """Stage the inquiry's log row (and ledger event): the writer stores the rows of a batch with one
    statement (``_store``), in the same transaction, before anyone is answered."""
    viewer_actor = uow.actor
    now = uow.platform.clock.now()
    values = {"at": now, "inquired_on": uow.platform.clock.today(), "principal": viewer_actor.principal,
              "organisation": viewer_actor.organisation, "role": viewer_actor.role.value, "channel": channel,
              "mode": mode.value, "purpose": purpose, "authorization_id": authorization_id,
              "subject_id": subject_id, "subject_ref_sha256": ref_sha256,
              "items": list(items) if items else None,
              "returned_record_ids": list(returned), "denied_records": [[i, c] for i, c in denied],
              "refused_reason": refused.code if refused else None, "cite": refused.cite if refused else cite}
    event = None
    if mode is not Mode.lawful_disclosure:
        ids = ",".join(str(i) for i in returned)
        event = ("inquiry.refused" if refused else "inquiry.served", {
            "mode": mode.value, "purpose": purpose, "authorization_id": authorization_id,
            "subject_id": subject_id, "channel": channel, "returned": len(returned), "denied": len(denied),
            "records_sha256": _digest(ids), "refused": refused.code if refused else None})
    job.staged = _Staged(values, event)
    return _Logged(0, now)


def _store(jobs: Sequence[_Job]) -> None:
    """Store the staged log rows of ``jobs`` with one statement, put each stored id into its job's
    result, and append all their ledger entries with one ``append_many`` (in the jobs' order: they
    share the transaction)."""
    if not jobs:
        return
    uow = jobs[0].uow
    assert uow is not None
    staged = [job for job in jobs if job.staged is not None]
    if staged:
        ids = uow.connection.execute(_sql().insert_logs, [job.staged.values for job in staged]).scalars()
        for job, inquiry_id in zip(staged, ids, strict=True):
            assert job.uow is not None and job.staged is not None
            job.result = dataclasses.replace(job.result, inquiry_id=int(inquiry_id))
            if job.staged.event is not None:
                action, facts = job.staged.event
                job.uow.record(action, "inquiry", int(inquiry_id), facts)
    recorded = [event for job in jobs if job.uow is not None for event in job.uow.take_recorded()]
    ledger.append_many(uow.session, recorded, uow.connection, copies=False)


class _Job:
    """One inquiry waiting to be run and logged: by a thread that waits for it, or by a coroutine that
    awaits its future."""

    __slots__ = ("platform", "actor", "resolve", "work", "context", "uow", "staged", "result", "error",
                 "logging", "finished", "loop", "future")

    def __init__(self, platform: Platform, who: Who, work: Any) -> None:
        self.platform, self.work = platform, work
        # The actor, or how to find out who it is inside the inquiry's own transaction.
        self.actor: Actor | None = who if isinstance(who, Actor) else None
        self.resolve: Callable[[Session], Actor] | None = None if isinstance(who, Actor) else who
        self.context = contextvars.copy_context()      # the caller's log context goes with the work
        self.uow: UnitOfWork | None = None
        self.staged: _Staged | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.logging = False
        self.finished = False
        self.loop: asyncio.AbstractEventLoop | None = None
        self.future: asyncio.Future[Any] | None = None

    def reset(self) -> None:
        """Forget an attempt that was rolled back (the inquiry runs again)."""
        self.result, self.error, self.logging = None, None, False
        self.uow, self.staged = None, None
        if self.resolve is not None:
            self.actor = None

    def outcome(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.result

    def settle_future(self) -> None:
        """(On the event loop.) Hand the outcome to the awaiting coroutine, unless it went away."""
        future = self.future
        if future is None or future.done():
            return
        if self.error is not None:
            future.set_exception(self.error)
        else:
            future.set_result(self.result)


_WRITER_IDLE_SECONDS = 5.0


class _GroupCommit:
    """Inquiries of one process (per database) are run by one writer thread, one after another,
    inside one transaction whose commit they share (group commit).

    Every inquiry is a durable write — its log row, and for a non-public read its ledger entry — and
    the commit's flush to disk is what it costs most. Callers queue their inquiries here; the writer
    takes everything queued as the next batch: every inquiry reads and decides, then the batch's log
    rows and ledger entries are stored, then it commits (``_commit``). Nobody is answered before the
    commit that holds its log row has succeeded; if that commit fails, every inquiry of the batch
    raises ``InquiryNotLogged`` and nothing is served. A failure of one inquiry costs only that
    inquiry (after a failed statement the batch runs again with a savepoint per inquiry). On SQLite
    this also keeps the process's inquiries from contending for the database's single write lock.

    A thread waits for its inquiry (``run``); a request handler awaits it (``run_async``) without
    holding a worker thread, so serving an inquiry over HTTP costs no thread hand-offs beyond the
    writer's. The writer starts with the first inquiry and ends after a few idle seconds.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.work_ready = threading.Condition(self.lock)
        self.done = threading.Condition(self.lock)
        self.queue: list[_Job] = []
        self.writer: threading.Thread | None = None

    def run(self, job: _Job) -> Any:
        with self.lock:
            self._enqueue(job)
            while not job.finished:
                self.done.wait()
        return job.outcome()

    async def run_async(self, job: _Job) -> Any:
        job.loop = asyncio.get_running_loop()
        job.future = job.loop.create_future()
        with self.lock:
            self._enqueue(job)
        return await job.future

    def _enqueue(self, job: _Job) -> None:
        """(Holding the lock.) Queue the job and make sure a writer will take it."""
        self.queue.append(job)
        if self.writer is None:
            self._start_writer()
        else:
            self.work_ready.notify()

    def _write(self) -> None:
        held = _HeldConnection()
        try:
            while True:
                with self.lock:
                    if not self.queue:
                        self.work_ready.wait(_WRITER_IDLE_SECONDS)
                    if not self.queue:
                        self.writer = None
                        return
                    batch, self.queue = self.queue, []
                try:
                    _commit(batch, held)
                except BaseException as exc:  # the writer itself failed: its batch is answered, not lost
                    for job in batch:
                        if job.error is None:
                            job.error, job.result = InquiryNotLogged(str(exc)), None
                    with self.lock:
                        self.writer = None
                        if self.queue:          # the next writer takes what is queued
                            self._start_writer()
                    raise
                finally:
                    self._finish(batch)
        finally:
            held.drop()

    def _start_writer(self) -> None:
        """(Holding the lock.)"""
        self.writer = threading.Thread(target=self._write, name="xinyong-inquiry-writer", daemon=True)
        self.writer.start()

    def _finish(self, batch: list[_Job]) -> None:
        waiting = False
        with self.lock:
            for job in batch:
                job.finished = True
                waiting = waiting or job.loop is None
            if waiting:
                self.done.notify_all()
        for job in batch:
            if job.loop is not None:
                try:
                    job.loop.call_soon_threadsafe(job.settle_future)
                except RuntimeError:    # the loop has closed: nobody is waiting any more
                    pass


class _HeldConnection:
    """The writer's own connection, kept from batch to batch while the writer runs (no pool checkout,
    liveness ping and return per batch) and given up after a failure, so the next batch starts on a
    fresh one."""

    def __init__(self) -> None:
        self.connection: Connection | None = None

    def session(self, platform: Platform) -> Session:
        if self.connection is None or self.connection.closed or self.connection.invalidated:
            self.drop()
            self.connection = platform.engine.connect()
        return platform.sessions(bind=self.connection)

    def drop(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            with contextlib.suppress(Exception):     # a broken connection is simply not reused
                connection.close()


def _commit(batch: list[_Job], held: _HeldConnection) -> None:
    """Run the batch and commit it: first all in one go, without savepoints (the common case:
    nobody fails); if an inquiry fails, that attempt is rolled back whole and the batch runs again
    with each inquiry in its own savepoint, so a failure costs only the inquiry that failed. A
    failed commit is not tried again (it may have happened): its inquiries are not served."""
    if len(batch) > 1:
        if _together(batch, held):
            return
        for job in batch:
            job.reset()
    _one_by_one(batch, held)


def _together(batch: list[_Job], held: _HeldConnection) -> bool:
    """Run the batch in one transaction without savepoints: every inquiry reads and decides, then all
    their log rows are stored with one statement and their ledger entries appended. An inquiry that
    fails while reading gets its error and the others go on. False if the database failed a
    statement (then nothing of the attempt remains); True once the batch is answered (committed, or
    its commit failed)."""
    session = held.session(batch[0].platform)
    try:
        transaction = session.begin()
        for job in batch:
            try:
                job.context.run(_run_job, job, session)
            except Exception as exc:  # noqa: BLE001
                if isinstance(exc, DBAPIError):
                    # The database may refuse the rest of the transaction (PostgreSQL does after an
                    # error): run again, one savepoint per inquiry.
                    transaction.rollback()
                    return False
                job.error = _failure(job, exc)      # it only read: the others go on
        try:
            _store([job for job in batch if job.error is None])
        except Exception:  # noqa: BLE001 - which row was refused? one savepoint per inquiry tells
            transaction.rollback()
            return False
        try:
            transaction.commit()
        except Exception as exc:  # noqa: BLE001 - nothing of the batch is served
            held.drop()
            for job in batch:
                job.logging = True
                job.error, job.result = _failure(job, exc), None
        return True
    finally:
        session.close()


def _one_by_one(batch: list[_Job], held: _HeldConnection) -> None:
    """Run the batch in one transaction, each inquiry in its own savepoint (alone: none)."""
    session = held.session(batch[0].platform)
    try:
        with session.begin():
            for job in batch:
                try:
                    with contextlib.nullcontext() if len(batch) == 1 else session.begin_nested():
                        job.context.run(_run_job, job, session)
                        _store([job])
                except Exception as exc:  # noqa: BLE001 - handed to the job's own caller
                    if len(batch) == 1:
                        raise
                    job.error = _failure(job, exc)
    except Exception as exc:  # noqa: BLE001 - the commit (or a lone inquiry) failed
        held.drop()
        for job in batch:
            if job.error is None:
                job.logging = job.logging or job.result is not None
                job.error = _failure(job, exc)
                job.result = None
    finally:
        session.close()


def _run_job(job: _Job, session: Session) -> None:
    """Find who asks, and do the inquiry's reading and deciding; its log row is staged, not stored."""
    if job.resolve is not None:
        job.actor = job.resolve(session)
    assert job.actor is not None
    job.uow = UnitOfWork(job.platform, session, job.actor)
    job.staged = None
    job.result = job.work(job.uow, _logger(job))


def _logger(job: _Job) -> Any:
    def log(uow: UnitOfWork, **kwargs: Any) -> _Logged:
        job.logging = True
        return _log(uow, job, **kwargs)

    return log


def _failure(job: _Job, exc: BaseException) -> BaseException:
    """What the caller of a failed inquiry gets: bad input as itself; a failure once logging had begun
    (or at the commit) as ``InquiryNotLogged``: nothing was served."""
    if isinstance(exc, AccessError) or not job.logging:
        return exc
    failure = InquiryNotLogged(str(exc))
    failure.__cause__ = exc
    return failure


_COMMITS: weakref.WeakKeyDictionary[Any, _GroupCommit] = weakref.WeakKeyDictionary()
_COMMITS_LOCK = threading.Lock()


def _group(platform: Platform) -> _GroupCommit:
    with _COMMITS_LOCK:
        group = _COMMITS.get(platform.engine)
        if group is None:
            group = _COMMITS[platform.engine] = _GroupCommit()
    return group


def _logged(platform: Platform, who: Who, work: Any) -> Any:
    """Run ``work(uow, log)`` and commit its log (and ledger) entries before returning its result."""
    return _group(platform).run(_Job(platform, who, work))


async def _logged_async(platform: Platform, who: Who, work: Any) -> Any:
    """``_logged`` for a coroutine: awaits the writer instead of holding a thread."""
    return await _group(platform).run_async(_Job(platform, who, work))


# ---------------------------------------------------------------------------------------------
# Inquiry
# ---------------------------------------------------------------------------------------------

def inquire(platform: Platform, actor: Actor, *, subject_ref: str | int, mode: str | Mode | None = None,
            purpose: str | None = None, authorization_id: int | None = None,
            items: Iterable[str] | None = None, channel: str = "api") -> InquiryResult:
    """What ``actor`` may see about the subject ``subject_ref`` in ``mode``, record by record, with the
    reasons; logged (and, unless public, ledgered) before it is returned. A refused request comes back
    with ``refused`` set and no records, and is logged with its reason. Bad input raises
    ``AccessError``, with nothing read or logged."""
    work = _inquiry(platform, subject_ref, mode, purpose, authorization_id, items, channel)
    return _logged(platform, actor, work)


async def inquire_async(platform: Platform, who: Who, *, subject_ref: str | int, mode: str | Mode | None = None,
                        purpose: str | None = None, authorization_id: int | None = None,
                        items: Iterable[str] | None = None, channel: str = "api") -> InquiryResult:
    """``inquire`` for a request handler on the event loop: the same inquiry, awaited. ``who`` is the
    actor, or a function that finds the actor inside the inquiry's own transaction (a bearer token's
    holder: no connection or thread of its own); whatever it raises, the caller gets, with nothing
    read or logged."""
    work = _inquiry(platform, subject_ref, mode, purpose, authorization_id, items, channel)
    return await _logged_async(platform, who, work)


def _inquiry(platform: Platform, subject_ref: str | int, mode: str | Mode | None, purpose: str | None,
             authorization_id: int | None, items: Iterable[str] | None, channel: str) -> Any:
    """The inquiry as work for the writer; the request is checked first thing there (the default mode
    depends on who asks)."""

    def work(uow: UnitOfWork, log: Any) -> InquiryResult:
        actor = uow.actor
        today = platform.clock.today()
        the_mode = parse_mode(mode, actor)
        wanted = _check_purpose(purpose)
        codes = _check_items(items)
        rules = policy_rules(platform, today)
        session = uow.session
        resolved = _resolve(uow.connection, subject_ref, today, the_mode, rules, codes)
        target = resolved.target
        viewer = _viewer(session, actor, the_mode, wanted, authorization_id, today, rules, uow.connection)
        auth_id = viewer.authorization.id if viewer.authorization else authorization_id
        shown_purpose = wanted or (viewer.authorization.purpose if viewer.authorization else None)
        refusal = check_request(viewer, rules, today, target)
        if refusal is not None:
            row = log(uow, mode=the_mode, purpose=shown_purpose, authorization_id=auth_id,
                      subject_id=target.subject_id, ref_sha256=resolved.ref_sha256, items=codes, returned=(),
                      denied=(), refused=refusal, cite=None, channel=channel)
            return InquiryResult(row.id, row.at, the_mode, shown_purpose, auth_id, None, (), refusal)
        subject = resolved.subject
        kind = subject.s_kind
        periods = _Periods(platform, today)
        is_self = the_mode is Mode.self
        connection = uow.connection
        if kind == NATURAL_PERSON:
            names = () if is_self else (subject.s_name,)
        else:
            names = _people_of(connection, subject.s_id) if resolved.rows else ()
        keep = (subject.s_name, subject.s_ident_value) if is_self else ()
        served: list[ServedRecord] = []
        denied: list[tuple[int, str]] = []
        for record in resolved.rows:
            period = periods.of(record, kind)
            declared = _declared(connection, record)
            decision = decide(viewer, _facts(record, kind, period, today, declared, names), rules, today)
            if decision.visible:
                served.append(_served(record, decision, period, names, declared, keep))
            else:
                denied.append((record.id, decision.denial.code if decision.denial else "denied"))
        basis = rules.modes.get(the_mode.value) or BASELINE
        if the_mode is Mode.duty and rules.duty_purposes and wanted in rules.duty_purposes:
            basis = rules.duty_purposes[wanted]
        identifiers = [(subject.s_ident_kind, subject.s_ident_value)] if subject.s_ident_kind else []
        summary = _summary(subject.s_id, kind, subject.s_name, identifiers, full=is_self)
        row = log(uow, mode=the_mode, purpose=shown_purpose, authorization_id=auth_id, subject_id=subject.s_id,
                  ref_sha256=None, items=codes, returned=[r.id for r in served], denied=denied, refused=None,
                  cite=basis, channel=channel)
        return InquiryResult(row.id, row.at, the_mode, shown_purpose, auth_id, summary, tuple(served), None)

    return work


def explain(platform: Platform, actor: Actor, record_id: int, *, mode: str | Mode | None = None,
            purpose: str | None = None, authorization_id: int | None = None) -> Explanation:
    """Why ``record_id`` is or is not visible to ``actor`` in ``mode``, with the articles. The record's
    content is not returned; the explanation is logged like an inquiry (channel ``explain``).

    ``known`` is set only when the caller may know the record exists: the policy shows it to them, or
    it is about the subject they are (self mode). Otherwise an interface answers ``concealed()``, the
    same as for an id that names no record; the log keeps the real refusal or denial."""
    today = platform.clock.today()
    the_mode = parse_mode(mode, actor)
    purpose = _check_purpose(purpose)
    rules = policy_rules(platform, today)

    def work(uow: UnitOfWork, log: Any) -> Explanation:
        session = uow.session
        conn = session.connection()
        row = conn.execute(_sql().record_by_id, {"rid": record_id}).first()
        if row is None:
            raise _unknown_record()
        kind = row.subject_kind
        viewer = _viewer(session, actor, the_mode, purpose, authorization_id, today, rules)
        auth_id = viewer.authorization.id if viewer.authorization else authorization_id
        shown_purpose = purpose or (viewer.authorization.purpose if viewer.authorization else None)
        refusal = check_request(viewer, rules, today, Target(row.subject_id, kind))
        if refusal is not None:
            decision = Decision(False, reasons=(refusal,))
        else:
            period = _Periods(platform, today).of(row, kind)
            decision = decide(viewer, _facts(row, kind, period, today, _declared(conn, row)), rules, today)
        denial = decision.denial
        logged = log(uow, mode=the_mode, purpose=shown_purpose, authorization_id=auth_id,
                     subject_id=row.subject_id, ref_sha256=None, items=None, returned=(),
                     denied=[(row.id, denial.code)] if denial and refusal is None else (),
                     refused=refusal, cite=rules.modes.get(the_mode.value) or BASELINE, channel="explain")
        own = viewer.own_subject_id is not None and viewer.own_subject_id == row.subject_id
        return Explanation(logged.id, row.id, the_mode, shown_purpose, decision, refusal,
                           known=(refusal is None and decision.visible) or own)

    return _logged(platform, actor, work)


def public_listing(platform: Platform, actor: Actor, *, item_codes: Sequence[str], limit: int = 50,
                   offset: int = 0, since: date | None = None, channel: str = "api") -> ListingResult:
    """Public records of the given catalog items across organisations (double publicity, public
    pages), newest first: each decided in ``lawful_disclosure`` mode; natural persons never appear.
    One inquiry log row per listing."""
    today = platform.clock.today()
    rules = policy_rules(platform, today)
    limit = max(1, min(int(limit), MAX_LISTING))
    offset = max(0, int(offset))
    codes = _check_items(item_codes) or ()

    def work(uow: UnitOfWork, log: Any) -> ListingResult:
        session = uow.session
        served: list[ServedRecord] = []
        subjects: dict[int, SubjectSummary] = {}
        if codes:
            viewer = Viewer(role=actor.role, mode=Mode.lawful_disclosure, principal=actor.principal,
                            organisation=actor.organisation)
            kind_of = select(Subject.kind).where(Subject.id == Record.subject_id).scalar_subquery()
            stmt = (_record_query().add_columns(kind_of.label("subject_kind"))
                    .where(Record.item_code.in_(codes), Record.status == "active",
                           Record.disclosure_class == "public",
                           Record.subject_id.in_(select(Subject.id).where(Subject.kind != NATURAL_PERSON)))
                    .order_by(Record.id.desc()).offset(offset).limit(limit))
            if since is not None:
                stmt = stmt.where(RecordVersion.decision_date >= since)
            periods = _Periods(platform, today)
            connection = session.connection()
            people: dict[int, tuple[str, ...]] = {}
            for row in session.execute(stmt).all():
                period = periods.of(row, row.subject_kind)
                declared = _declared(connection, row)
                names = people.get(row.subject_id)
                if names is None:
                    names = people[row.subject_id] = _people_of(connection, row.subject_id)
                decision = decide(viewer, _facts(row, row.subject_kind, period, today, declared, names), rules,
                                  today)
                if decision.visible:
                    served.append(_served(row, decision, period, names, declared))
            ids = sorted({r.subject_id for r in served})
            if ids:
                rows = session.execute(select(Subject.id, Subject.kind, Subject.display_name)
                                       .where(Subject.id.in_(ids))).all()
                for subject in rows:
                    identifiers = session.connection().execute(_sql().identifiers, {"sid": subject.id}).all()
                    subjects[subject.id] = _summary(subject.id, subject.kind, subject.display_name,
                                                    [tuple(i) for i in identifiers], full=False)
        logged = log(uow, mode=Mode.lawful_disclosure, purpose=None, authorization_id=None, subject_id=None,
                     ref_sha256=None, items=codes, returned=[r.id for r in served], denied=(), refused=None,
                     cite=rules.modes.get(Mode.lawful_disclosure.value) or BASELINE, channel=channel)
        return ListingResult(logged.id, tuple(served), subjects)

    return _logged(platform, actor, work)


# ---------------------------------------------------------------------------------------------
# Disclosure state: withheld positive information, objection labels
# ---------------------------------------------------------------------------------------------

def _own_record(uow: UnitOfWork, record_id: int, subject_id: int) -> Any:
    row = uow.session.connection().execute(_sql().record_by_id, {"rid": record_id}).first()
    if row is None or row.subject_id != subject_id:
        raise _unknown_record()
    return row


def withhold_positive(uow: UnitOfWork, *, subject_id: int, record_id: int) -> WithheldPositive:
    """The subject withholds a positive record (commendation, volunteer service, donation) from
    display (``disclosure.positive_withholdable``), where the regulation in force allows it."""
    today = uow.platform.clock.today()
    rule = policy_rules(uow.platform, today).positive_withholdable
    if rule is None or not rule[0]:
        raise AccessError(None, "not_provided", "现行法规未规定信用主体可以不公开守信信息",
                          "the regulation in force gives no right to withhold positive information",
                          status=409)
    row = _own_record(uow, record_id, subject_id)
    if not row.positive:
        raise AccessError("record_id", "not_positive",
                          "只有表彰奖励、志愿服务、慈善捐赠等守信信息可以不公开",
                          "only positive information (commendations, volunteering, donations) can be "
                          "withheld", status=409)
    mark = uow.session.scalar(select(WithheldPositive).where(WithheldPositive.record_id == record_id))
    if mark is None:
        mark = WithheldPositive(record_id=record_id, subject_id=subject_id, requested_on=today,
                                requested_by=uow.actor.label(), cite=rule[1])
        uow.session.add(mark)
    elif mark.released_on is not None:
        mark.released_on, mark.requested_on = None, today
        mark.requested_by, mark.cite = uow.actor.label(), rule[1]
    else:
        return mark
    uow.session.flush()
    uow.record("disclosure.positive_withheld", "record", record_id,
               {"subject_id": subject_id, "cite": rule[1]})
    return mark


def release_positive(uow: UnitOfWork, *, subject_id: int, record_id: int) -> None:
    """The subject lets withheld positive information be displayed again."""
    _own_record(uow, record_id, subject_id)
    mark = uow.session.scalar(select(WithheldPositive).where(WithheldPositive.record_id == record_id,
                                                             WithheldPositive.released_on.is_(None)))
    if mark is None:
        return
    mark.released_on = uow.platform.clock.today()
    uow.record("disclosure.positive_released", "record", record_id, {"subject_id": subject_id})


def label_objection(uow: UnitOfWork, *, record_id: int, provider_due: date | None = None,
                    objection_ref: str | None = None) -> ObjectionLabel:
    """Label a record while an objection about it is handled; ``provider_due`` is the providing
    unit's deadline (past it, disclosure is suspended where ``objection.suspend_on_provider_overdue``)."""
    exists_row = uow.session.scalar(select(Record.id).where(Record.id == record_id))
    if exists_row is None:
        raise _unknown_record()
    label = ObjectionLabel(record_id=record_id, objection_ref=objection_ref,
                           labelled_on=uow.platform.clock.today(), provider_due=provider_due,
                           created_at=uow.platform.clock.now())
    uow.session.add(label)
    uow.session.flush()
    uow.record("objection.labelled", "record", record_id,
               {"label_id": label.id, "provider_due": provider_due.isoformat() if provider_due else None,
                "objection_ref": objection_ref})
    return label


def close_objection_label(uow: UnitOfWork, label_id: int) -> None:
    """Remove the objection label (the objection was decided: the label goes at once)."""
    label = uow.session.get(ObjectionLabel, label_id)
    if label is None:
        raise AccessError("label_id", "label_unknown", "没有该异议标注", "no such objection label",
                          status=404)
    if label.closed_on is None:
        label.closed_on = uow.platform.clock.today()
        uow.record("objection.label_removed", "record", label.record_id, {"label_id": label.id})


# ---------------------------------------------------------------------------------------------
# Personal data already stored in free text
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PersonalDataFinding:
    """One field of one record's current version that carries personal data: where and what kind,
    never the value."""

    record_id: int
    item_code: str
    version: int
    field: str
    kinds: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"record_id": self.record_id, "item_code": self.item_code, "version": self.version,
                "field": self.field, "kinds": list(self.kinds)}


@dataclass(frozen=True)
class PersonalDataScan:
    records_scanned: int
    findings: tuple[PersonalDataFinding, ...]

    @property
    def records_with_findings(self) -> int:
        return len({f.record_id for f in self.findings})

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for finding in self.findings:
            for kind in finding.kinds:
                out[kind] = out.get(kind, 0) + 1
        return dict(sorted(out.items()))

    def by_item(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for finding in self.findings:
            out[finding.item_code] = out.get(finding.item_code, 0) + 1
        return dict(sorted(out.items()))

    def to_dict(self) -> dict[str, Any]:
        return {"records_scanned": self.records_scanned, "records_with_findings": self.records_with_findings,
                "fields_with_findings": len(self.findings), "kinds": self.counts(), "items": self.by_item(),
                "findings": [f.to_dict() for f in self.findings]}


def scan_personal_data(platform: Platform, actor: Actor, *, chunk: int = 1000) -> PersonalDataScan:
    """Rescan every record's current version for natural persons' personal data written into its
    string and free-text fields (identity, passport and mobile numbers; names the text marks as a
    person's), as intake checks new rows since this check exists. Fields the catalog declares to hold
    a person's name or identifier are expected to and are not reported.

    Nothing is returned of the content: the report names the record, item, field and kinds found, and
    its totals go to the audit ledger. What it finds is served masked by the policy to everyone but
    the person; a correction by the providing unit removes it from the record itself."""
    findings: list[PersonalDataFinding] = []
    scanned = 0
    after = 0
    stmt = (_record_query().where(Record.id > bindparam("after")).order_by(Record.id).limit(bindparam("n")))
    with platform.engine.connect() as connection:
        while True:
            rows = connection.execute(stmt, {"after": after, "n": chunk}).all()
            if not rows:
                break
            for row in rows:
                scanned += 1
                declared = _declared(connection, row)
                for key, value in (row.payload or {}).items():
                    if not isinstance(value, str) or key in declared:
                        continue
                    found = personal_data.find(value)
                    if found:
                        kinds = tuple(k.value for k in personal_data.kinds_found(found))
                        findings.append(PersonalDataFinding(row.id, row.item_code, row.current_version, key, kinds))
            after = rows[-1].id
        connection.rollback()
    result = PersonalDataScan(scanned, tuple(findings))
    with platform.unit_of_work(actor) as uow:
        uow.record("records.personal_data_scanned", "records", None,
                   {"records_scanned": scanned, "records_with_findings": result.records_with_findings,
                    "fields_with_findings": len(findings),
                    "kinds_found": [[kind, n] for kind, n in result.counts().items()]})
    return result


def records_digest(ids: Iterable[int]) -> str:
    """The digest the ledger keeps of an inquiry's returned record ids (comma-joined, in order)."""
    return _digest(",".join(str(i) for i in ids))
