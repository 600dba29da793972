"""Inquiries, explanations and public listings: what a caller may see of credit records, and why.

``inquire`` answers "what may this actor see about this subject, and why": it builds the viewer and the
policy rules from the rule values in force today (the injected clock), loads the subject's records
(their current versions, ``statements``), times each record's display period (``rules_in_force``),
asks ``domain.disclosure.policy.check_request`` once and ``decide`` per record, masks fields, and stages
the inquiry log row — and, for every non-public read, an audit ledger entry — which the writer
(``writer``) stores in the same transaction before anything is returned. If the log cannot be written,
nothing is served (the refusal ``inquiry_not_logged``). A refused request is logged with its reason too.
Bad input is refused before anything is read or logged.

``explain`` says, for one record, why it is or is not visible to the caller (with the articles), and is
logged the same way. ``public_listing`` serves lists of public records (double publicity).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from xinyong.domain.disclosure import policy
from xinyong.domain.disclosure.policy import (
    BASELINE,
    Decision,
    Mode,
    PolicyRules,
    RecordFacts,
    Target,
    Viewer,
    check_request,
    decide,
)
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.clock import business_date
from xinyong.domain.platform.refusal import Refusal
from xinyong.domain.subjects.identifiers import IdentifierKind, check_identifier
from xinyong.domain.subjects.kinds import SubjectKind
from xinyong.domain.subjects.masking import business_name_as_shown, mask_identifier, mask_name
from xinyong.services.disclosure import duty_purposes
from xinyong.services.disclosure.results import (
    Explanation,
    InquiryResult,
    ListingResult,
    ServedRecord,
    SubjectSummary,
    unknown_record,
)
from xinyong.services.disclosure.rules_in_force import Period, Periods, as_date, policy_rules
from xinyong.services.disclosure.statements import (
    NATURAL_PERSON,
    NOTHING_DECLARED,
    NOTHING_DUTY_ONLY,
    declared_fields,
    duty_only_fields,
    people_of,
    plain_rows,
    public_records,
    sql,
)
from xinyong.services.disclosure.writer import ActorOrDeferred, digest, logged, logged_async
from xinyong.services.platform.bootstrap import Platform, UnitOfWork
from xinyong.store.models.access import Authorization
from xinyong.store.models.subjects import Subject

INDIVIDUAL_BUSINESS = SubjectKind.individual_business.value
PERSON_IDENTIFIER_KINDS = frozenset({IdentifierKind.citizen_id, IdentifierKind.passport,
                                     IdentifierKind.other_id})
MAX_ITEMS = 50
MAX_LISTING = 200
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


# ---------------------------------------------------------------------------------------------
# Who asks, about whom
# ---------------------------------------------------------------------------------------------

def parse_mode(mode: str | Mode | None, actor: Actor) -> Mode:
    if mode is None or mode == "":
        return policy.default_mode(actor.role)
    try:
        return Mode(mode)
    except ValueError:
        raise Refusal("mode", "mode_unknown", "查询方式须为 lawful_disclosure、duty、self 或 authorized",
                      "mode must be lawful_disclosure, duty, self or authorized") from None


def _check_purpose(purpose: str | None) -> str | None:
    if purpose is None or purpose == "":
        return None
    if not policy.PURPOSE_PATTERN.match(purpose):
        raise Refusal("purpose", "purpose_invalid",
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
        raise Refusal("items", "items_invalid", f"信息事项须为目录代码（至多 {MAX_ITEMS} 个）",
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
    row = session.connection().execute(sql().user, {"uid": user_id}).first()
    if row is None or not row.active or row.real_name_verified_at is None:
        return None
    return row.subject_id


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
        raise Refusal("subject", "subject_ref_invalid",
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
            raise Refusal("subject", "subject_ref_invalid", "证件号码或统一社会信用代码无效",
                          "the identifier or Unified Social Credit Code is not valid")
        known_kind = NATURAL_PERSON if check.kind in PERSON_IDENTIFIER_KINDS else None
        public = mode is Mode.lawful_disclosure
        if public and known_kind == NATURAL_PERSON and not policy.natural_person_public(rules):
            return _Resolved(Target(None, NATURAL_PERSON), None, [], digest(ref))
        by = "identifier"
        params.update(kind=check.kind.value, value=check.identifier)
    rows = plain_rows(connection.execute(sql().subject_records[(by, bool(codes))], params))
    if not rows:
        return _Resolved(Target(None, known_kind), None, [], digest(ref))
    first = rows[0]
    return _Resolved(Target(first.s_id, first.s_kind), first, [r for r in rows if r.id is not None], None)


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
    return Viewer(actor, mode, purpose=purpose, own_subject_id=own, authorization=auth, agreement_scope=scope,
                  agreement_purposes=purposes, registered_purposes=registered)


def _summary(subject_id: int, kind: str, name: str, identifiers: Sequence[tuple[str, str]], *,
             full: bool, operators: Sequence[str] = ()) -> SubjectSummary:
    """The subject as the viewer sees it: a natural person's name and numbers masked unless ``full``; an
    individual business's name with its ``operators``' names (or a bare personal name) masked unless
    ``full`` (``masking.business_name_as_shown``); an organisation's as registered."""
    if kind == INDIVIDUAL_BUSINESS and not full:
        name = business_name_as_shown(name, tuple(operators))
    if full or kind != NATURAL_PERSON:
        return SubjectSummary(subject_id, kind, name, tuple((k, v) for k, v in identifiers))
    return SubjectSummary(subject_id, kind, mask_name(name),
                          tuple((k, mask_identifier(v, IdentifierKind(k))) for k, v in identifiers))


# ---------------------------------------------------------------------------------------------
# A record as the policy sees it, and as the viewer receives it
# ---------------------------------------------------------------------------------------------

def declared_names(payload: Mapping[str, Any] | None, declared: Mapping[str, str]) -> tuple[str, ...]:
    """The persons' names in the fields the catalog declares to hold a name (a legal representative's, an
    individual business's operator's)."""
    return tuple(v for k, v in (payload or {}).items() if declared.get(k) == "name" and isinstance(v, str))


def _facts(row: Any, subject_kind: str, period: Period, today: date, declared: Mapping[str, str] = NOTHING_DECLARED,
           names: Sequence[str] = (), duty_only: frozenset[str] = NOTHING_DUTY_ONLY) -> RecordFacts:
    payload = row.payload or {}
    suspended = bool(row.objection_open) and row.provider_due is not None and today > row.provider_due
    return RecordFacts(
        record_id=row.id, subject_id=row.subject_id, subject_kind=subject_kind, item_code=row.item_code,
        category=row.category, disclosure_class=row.disclosure_class, status=row.status,
        positive=bool(row.positive), withheld=bool(row.withheld), objection_open=bool(row.objection_open),
        suspended=suspended, display_until=period.until, display_cite=period.cite,
        period_start_missing=period.start_missing, period_rule_missing=period.rule_missing,
        publicity_until=period.publicity_until, publicity_cite=period.publicity_cite,
        personal_fields=policy.personal_fields(payload, subject_kind, declared, names),
        declared_personal=tuple(declared),
        duty_only=tuple(sorted(f for f in duty_only if payload.get(f) not in (None, ""))))


def _served(row: Any, decision: Decision, period: Period, names: Sequence[str],
            declared: Mapping[str, str] = NOTHING_DECLARED, keep: Sequence[str] = ()) -> ServedRecord:
    """A visible record as the viewer receives it: the decision's fields masked whole or, in free text,
    the personal data in them; natural persons' numbers and names masked in every other string too,
    but for what ``keep`` holds (the viewer's own name and identity number)."""
    payload = row.payload or {}
    if decision.withheld:    # fields served by duty only: dropped, not masked
        payload = {k: v for k, v in payload.items() if k not in decision.withheld}
    fields = policy.mask_payload(payload, decision.masked, names, declared=declared, keep=keep)
    return ServedRecord(
        id=row.id, subject_id=row.subject_id, item_code=row.item_code,
        item_name_zh=row.name_zh or row.item_code, item_name_en=row.name_en or row.item_code,
        category=row.category, disclosure_class=row.disclosure_class, status=row.status,
        version=row.current_version, unit_code=row.unit_code, fields=fields, decision=decision,
        decision_date=row.decision_date or as_date(payload.get("decision_date")) or row.document_date,
        conduct_ended=row.conduct_ended or as_date(payload.get("conduct_ended")),
        received_on=business_date(row.created_at) if row.created_at else None,
        display_until=period.until, display_cite=period.cite, publicity_until=period.publicity_until,
        publicity_cite=period.publicity_cite)


# ---------------------------------------------------------------------------------------------
# Inquiry, explanation, public listing
# ---------------------------------------------------------------------------------------------

def inquire(platform: Platform, actor: Actor, *, subject_ref: str | int, mode: str | Mode | None = None,
            purpose: str | None = None, authorization_id: int | None = None,
            items: Iterable[str] | None = None, channel: str = "api") -> InquiryResult:
    """What ``actor`` may see about the subject ``subject_ref`` in ``mode``, record by record, with the
    reasons; logged (and, unless public, ledgered) before it is returned. A refused request comes back
    with ``refused`` set and no records, and is logged with its reason. Bad input raises
    a ``Refusal``, with nothing read or logged."""
    work = _inquiry(platform, subject_ref, mode, purpose, authorization_id, items, channel)
    return logged(platform, actor, work)


async def inquire_async(platform: Platform, who: ActorOrDeferred, *, subject_ref: str | int,
                        mode: str | Mode | None = None, purpose: str | None = None, authorization_id: int | None = None,
                        items: Iterable[str] | None = None, channel: str = "api") -> InquiryResult:
    """``inquire`` for a request handler on the event loop: the same inquiry, awaited. ``who`` is the
    actor, or a function that finds the actor inside the inquiry's own transaction (a bearer token's
    holder: no connection or thread of its own); whatever it raises, the caller gets, with nothing
    read or logged."""
    work = _inquiry(platform, subject_ref, mode, purpose, authorization_id, items, channel)
    return await logged_async(platform, who, work)


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
        periods = Periods(platform, today)
        is_self = the_mode is Mode.self
        connection = uow.connection
        if kind == NATURAL_PERSON:
            names = () if is_self else (subject.s_name,)
        else:
            names = people_of(connection, subject.s_id) if resolved.rows else ()
        keep = (subject.s_name, subject.s_ident_value) if is_self else ()
        served: list[ServedRecord] = []
        denied: list[tuple[int, str]] = []
        operators = list(names)
        for record in resolved.rows:
            period = periods.of(record, kind)
            declared = declared_fields(connection, record)
            operators.extend(declared_names(record.payload, declared))
            decision = decide(viewer, _facts(record, kind, period, today, declared, names,
                                             duty_only_fields(connection, record)), rules, today)
            if decision.visible:
                served.append(_served(record, decision, period, names, declared, keep))
            else:
                denied.append((record.id, decision.denial.code if decision.denial else "denied"))
        basis = rules.modes.get(the_mode.value) or BASELINE
        if the_mode is Mode.duty and rules.duty_purposes and wanted in rules.duty_purposes:
            basis = rules.duty_purposes[wanted]
        identifiers = [(subject.s_ident_kind, subject.s_ident_value)] if subject.s_ident_kind else []
        summary = _summary(subject.s_id, kind, subject.s_name, identifiers, operators=operators,
                           full=is_self or (the_mode is Mode.duty and kind != NATURAL_PERSON))
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
        row = conn.execute(sql().record_by_id, {"rid": record_id}).first()
        if row is None:
            raise unknown_record()
        kind = row.subject_kind
        viewer = _viewer(session, actor, the_mode, purpose, authorization_id, today, rules)
        auth_id = viewer.authorization.id if viewer.authorization else authorization_id
        shown_purpose = purpose or (viewer.authorization.purpose if viewer.authorization else None)
        refusal = check_request(viewer, rules, today, Target(row.subject_id, kind))
        if refusal is not None:
            decision = Decision(False, reasons=(refusal,))
        else:
            period = Periods(platform, today).of(row, kind)
            decision = decide(viewer, _facts(row, kind, period, today, declared_fields(conn, row),
                                             duty_only=duty_only_fields(conn, row)), rules, today)
        denial = decision.denial
        entry = log(uow, mode=the_mode, purpose=shown_purpose, authorization_id=auth_id,
                     subject_id=row.subject_id, ref_sha256=None, items=None, returned=(),
                     denied=[(row.id, denial.code)] if denial and refusal is None else (),
                     refused=refusal, cite=rules.modes.get(the_mode.value) or BASELINE, channel="explain")
        own = viewer.own_subject_id is not None and viewer.own_subject_id == row.subject_id
        return Explanation(entry.id, row.id, the_mode, shown_purpose, decision, refusal,
                           known=(refusal is None and decision.visible) or own)

    return logged(platform, actor, work)


def public_listing(platform: Platform, actor: Actor, *, item_codes: Sequence[str], limit: int = 50,
                   offset: int = 0, since: date | None = None, channel: str = "api", until: date | None = None,
                   subject_ids: Sequence[int] | None = None, unit: str | None = None) -> ListingResult:
    """Public records of the given catalog items across organisations (double publicity, public
    pages), newest first: each decided in ``lawful_disclosure`` mode; natural persons never appear.
    Narrowed, where given, to decisions from ``since`` to ``until``, to ``subject_ids`` and to one
    providing ``unit``. One inquiry log row per listing."""
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
            viewer = Viewer(actor, Mode.lawful_disclosure)
            stmt = public_records(codes, since, offset, limit, until=until, subject_ids=subject_ids, unit=unit)
            periods = Periods(platform, today)
            connection = session.connection()
            people: dict[int, tuple[str, ...]] = {}
            for row in session.execute(stmt).all():
                period = periods.of(row, row.subject_kind)
                declared = declared_fields(connection, row)
                names = people.get(row.subject_id)
                if names is None:
                    names = people[row.subject_id] = people_of(connection, row.subject_id)
                if row.subject_kind == INDIVIDUAL_BUSINESS:    # the operator named in the record, for the name
                    people[row.subject_id] = tuple(dict.fromkeys((*names, *declared_names(row.payload, declared))))
                decision = decide(viewer, _facts(row, row.subject_kind, period, today, declared, names,
                                                 duty_only_fields(connection, row)), rules, today)
                if decision.visible:
                    served.append(_served(row, decision, period, names, declared))
            ids = sorted({r.subject_id for r in served})
            if ids:
                rows = session.execute(select(Subject.id, Subject.kind, Subject.display_name)
                                       .where(Subject.id.in_(ids))).all()
                for subject in rows:
                    identifiers = session.connection().execute(sql().identifiers, {"sid": subject.id}).all()
                    subjects[subject.id] = _summary(subject.id, subject.kind, subject.display_name,
                                                    [tuple(i) for i in identifiers], full=False,
                                                    operators=people.get(subject.id, ()))
        entry = log(uow, mode=Mode.lawful_disclosure, purpose=None, authorization_id=None, subject_id=None,
                     ref_sha256=None, items=codes, returned=[r.id for r in served], denied=(), refused=None,
                     cite=rules.modes.get(Mode.lawful_disclosure.value) or BASELINE, channel=channel)
        return ListingResult(entry.id, tuple(served), subjects)

    return logged(platform, actor, work)


__all__ = ["ActorOrDeferred", "explain", "inquire", "inquire_async", "own_subject_id", "parse_mode", "public_listing"]
