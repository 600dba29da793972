"""The one access policy: who may see which credit record, with which fields masked, and why.

Pure decision logic. ``services.disclosure.inquiry`` gathers the facts (the viewer, the subject asked
about, the records, the rule values in force, the calendar) and calls ``check_request`` once per inquiry
and ``decide`` once per record; nothing else in Xinyong decides visibility. Every answer carries its
reasons, each with the article that grounds it, so the explain endpoint and the inquiry log can say
why.

Inquiry modes (``inquiry.modes``, with each mode's article in the rule file):
- ``lawful_disclosure``: what the law makes public, to anyone (the public);
- ``duty``: a department inquiring in the performance of a listed duty (``inquiry.duty_purposes``); where the
  rule file lists no duty purposes, for a purpose the department registered for its duties;
- ``self``: a real-name verified subject about itself;
- ``authorized``: a third party with the subject's written authorization (scope, purpose, term;
  the ``authorized`` mode); a credit service institution also within its agreement.

Where a regulation is silent the policy falls back to the most protective reading and cites
``BASELINE``: natural persons' information is not publicly announced, non-public information needs
an authorization, and a natural person's identifiers are masked to everyone but the person.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Any

from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.rulebook.calendar import add_span
from xinyong.domain.subjects import personal_data
from xinyong.domain.subjects.identifiers import is_citizen_id
from xinyong.domain.subjects.kinds import SubjectKind
from xinyong.domain.subjects.masking import mask_identifier, mask_name


class Mode(StrEnum):
    lawful_disclosure = "lawful_disclosure"
    duty = "duty"
    self = "self"
    authorized = "authorized"


@dataclass(frozen=True)
class Reason:
    """One ground of a decision: a stable code, the article, and what it means in both languages."""

    code: str
    cite: str
    message_zh: str
    message_en: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "cite": self.cite, "message_zh": self.message_zh,
                "message_en": self.message_en}


@dataclass(frozen=True)
class Authorization:
    """A subject's written authorization of a third party (the ``authorized`` mode)."""

    id: int
    subject_id: int
    grantee: str                       # organisation code of the authorized party
    purpose: str
    scope: tuple[str, ...]             # catalog item codes, or ("*",) for all the subject's information
    valid_from: date
    valid_until: date
    revoked_on: date | None = None

    def covers(self, item_code: str) -> bool:
        return "*" in self.scope or item_code in self.scope

    def revoked(self, today: date) -> bool:
        return self.revoked_on is not None and self.revoked_on <= today

    def in_force(self, today: date) -> bool:
        if self.revoked(today):
            return False
        return self.valid_from <= today <= self.valid_until


@dataclass(frozen=True)
class Viewer:
    """Who asks (``actor``: role, principal, organisation) and the context of this inquiry: its mode and
    purpose, and what the policy needs to know about the asker for it."""

    actor: Actor
    mode: Mode
    purpose: str | None = None
    own_subject_id: int | None = None          # set for a real-name verified subject
    authorization: Authorization | None = None
    agreement_scope: tuple[str, ...] | None = None     # a service institution's agreement
    agreement_purposes: tuple[str, ...] | None = None
    # the purpose keys the viewer's organisation registered for its duties and has in force;
    # read only where the rule file lists no duty purposes. None: none registered
    registered_purposes: frozenset[str] | None = None


@dataclass(frozen=True)
class Target:
    """The subject an inquiry is about, as far as the request-level check needs it.

    ``subject_id`` is None when the reference resolved to no subject; ``kind`` may be known before
    any lookup (a citizen identity number names a natural person)."""

    subject_id: int | None
    kind: str | None = None


@dataclass(frozen=True)
class RecordFacts:
    record_id: int
    subject_id: int
    subject_kind: str                  # a SubjectKind value (an individual business is not a natural person)
    item_code: str
    category: str                      # basic, untrustworthiness, other
    disclosure_class: str              # public, shared, authorized
    status: str = "active"             # active, revoked, restored, expired
    positive: bool = False
    withheld: bool = False             # positive information withheld (positive_withholdable)
    objection_open: bool = False
    suspended: bool = False            # suspend_on_provider_overdue: the provider is late
    display_until: date | None = None  # last day the information may be shown or queried
    display_cite: str | None = None
    period_start_missing: bool = False  # a display period applies but the record lacks its starting date
    period_rule_missing: bool = False   # the display rule had no value in force on the decision date, nor since
    publicity_until: date | None = None  # an administrative penalty's last day of publicity (lawful disclosure)
    publicity_cite: str | None = None
    personal_fields: tuple[str, ...] = ()   # payload fields holding a natural person's identifiers
    declared_personal: tuple[str, ...] = ()  # of those, the ones the catalog declares a person's name or number
    duty_only: tuple[str, ...] = ()    # payload fields the catalog serves by duty only (catalog ``duty_only``)


@dataclass(frozen=True)
class PolicyRules:
    """The rule values in force that the policy needs, each with its citation (None: not provided)."""

    modes: Mapping[str, str] = field(default_factory=dict)            # mode -> cite
    duty_purposes: Mapping[str, str] | None = None                    # purpose key -> cite; None: no list
    natural_person_public: tuple[bool, str] | None = None
    objection_disclosure_continues: tuple[bool, str] | None = None
    suspend_on_provider_overdue: tuple[bool, str] | None = None
    positive_withholdable: tuple[bool, str] | None = None
    desensitise_natural_person: tuple[bool, str] | None = None


@dataclass(frozen=True)
class Decision:
    visible: bool
    masked: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    reasons: tuple[Reason, ...] = ()
    withheld: tuple[str, ...] = ()    # fields left out whole: served by duty only, and this is not duty

    @property
    def denial(self) -> Reason | None:
        """The reason a record is not visible (the last reason of a denial), or None."""
        return None if self.visible or not self.reasons else self.reasons[-1]

    def to_dict(self) -> dict[str, object]:
        return {"visible": self.visible, "masked": list(self.masked), "withheld": list(self.withheld),
                "labels": list(self.labels), "reasons": [r.to_dict() for r in self.reasons]}


BASELINE = "Xinyong policy baseline"
NATURAL_PERSON = SubjectKind.natural_person.value   # a str, compared with the kind of each record
DUTY_ROLES = frozenset({Role.duty_department, Role.operator, Role.competent_department})
"""Who may inquire by duty: departments performing a statutory duty, the center, the supervisor."""
AUTHORIZED_ROLES = frozenset({Role.service_institution, Role.duty_department, Role.providing_unit,
                              Role.operator, Role.competent_department})
"""Who may hold a subject's authorization: parties with an organisation. Administrators and the
system itself run the platform; they never inquire into credit information."""
SUBJECT_NOT_FOUND = "subject_unknown"
REQUEST_STATUS = {SUBJECT_NOT_FOUND: 404}
"""Refusal codes that mean "not found" rather than "forbidden" to an interface."""
REQUEST_FIELD = {"purpose_missing": "purpose", "purpose_not_listed": "purpose", "purpose_not_registered": "purpose"}
"""The request field a refusal is about, where it is about one (an interface names it to the caller)."""


def _r(code: str, cite: str, zh: str, en: str) -> Reason:
    return Reason(code, cite, zh, en)


def default_mode(role: Role) -> Mode:
    """The mode an actor inquires in when it names none."""
    if role is Role.subject:
        return Mode.self
    if role in DUTY_ROLES:
        return Mode.duty
    if role is Role.service_institution:
        return Mode.authorized
    return Mode.lawful_disclosure


def natural_person_public(rules: PolicyRules) -> bool:
    return bool(rules.natural_person_public and rules.natural_person_public[0])


def _natural_person_refusal(rules: PolicyRules, code: str = "natural_person_not_public") -> Reason:
    np_rule = rules.natural_person_public
    return _r(code, np_rule[1] if np_rule else BASELINE,
              "自然人的公共信用信息不予公示、公告，仅通过本人查询、授权查询和政务共享提供",
              "a natural person's credit information is not publicly announced; it is served by self "
              "inquiry, authorized inquiry and government sharing only")


def check_request(viewer: Viewer, rules: PolicyRules, today: date,
                  target: Target | None = None) -> Reason | None:
    """The lawful basis of an inquiry as a whole; a ``Reason`` to refuse it, or None when it may proceed.

    With ``target`` the subject asked about is checked too (a self inquiry about someone else, an
    authorization from another subject, the public asking about a natural person, an unknown subject),
    so that a refused request reveals nothing about the subject's records, nor whether it has any."""
    cite = rules.modes.get(viewer.mode.value)
    if rules.modes and cite is None:
        return _r("mode_not_provided", "; ".join(sorted(set(rules.modes.values()))),
                  f"现行法规未规定“{viewer.mode.value}”查询方式",
                  f"the regulation in force provides no '{viewer.mode.value}' inquiry mode")
    cite = cite or BASELINE
    refusal = _check_viewer(viewer, rules, today, cite)
    if refusal is not None or target is None:
        return refusal
    return _check_target(viewer, rules, target, cite)


def _check_viewer(viewer: Viewer, rules: PolicyRules, today: date, cite: str) -> Reason | None:
    if viewer.mode is Mode.lawful_disclosure:
        return None
    role = viewer.actor.role
    if viewer.mode is Mode.duty:
        if role not in DUTY_ROLES:
            return _r("not_a_duty_body", cite, "只有履行法定职责的部门可以依职责查询",
                      "only a department performing a statutory duty may inquire by duty")
        if not viewer.purpose:
            return _r("purpose_missing", cite, "依职责查询须说明查询事项（用途）",
                      "an inquiry by duty must state its purpose")
        if rules.duty_purposes is not None and viewer.purpose not in rules.duty_purposes:
            listed = "; ".join(sorted(set(rules.duty_purposes.values()))) or cite
            return _r("purpose_not_listed", listed, "查询事项不在法定查询事项清单中",
                      "the purpose is not among the listed duty purposes")
        if rules.duty_purposes is None and viewer.purpose not in (viewer.registered_purposes or ()):
            # No list in the rule file: the purpose must be one the department registered for a duty
            # the law gives it (the duty mode's article: inquiry in the performance of duties).
            return _r("purpose_not_registered", cite, "查询事项不是本部门已登记并有效的依职责查询事项",
                      "the purpose is not one the department has registered for its duties and has in force")
        return None
    if viewer.mode is Mode.self:
        if role is not Role.subject or viewer.own_subject_id is None:
            return _r("not_verified", cite, "本人查询须先完成实名核验",
                      "self inquiry requires real-name verification")
        return None
    # authorized
    organisation = viewer.actor.organisation
    if role not in AUTHORIZED_ROLES or not organisation:
        return _r("not_an_authorized_party", cite, "授权查询须由具名的机构提出",
                  "an authorized inquiry is made by a named organisation")
    auth = viewer.authorization
    if auth is None:
        return _r("authorization_missing", cite, "查询非公开信息须取得信息主体的书面授权",
                  "non-public information requires the subject's written authorization")
    if auth.revoked(today):
        return _r("authorization_revoked", cite, "信息主体已撤销该授权",
                  "the subject revoked the authorization")
    if not auth.in_force(today):
        return _r("authorization_not_in_force", cite, "授权不在有效期内",
                  "the authorization is not in its term")
    if organisation != auth.grantee:
        return _r("authorization_other_party", cite, "该授权并非授予查询方",
                  "the authorization was not given to the inquiring party")
    if viewer.purpose and viewer.purpose != auth.purpose:
        return _r("authorization_purpose", cite, "查询用途超出授权用途",
                  "the stated purpose differs from the authorized purpose")
    if role is Role.service_institution:
        if viewer.agreement_scope is None:
            return _r("no_agreement", BASELINE, "信用服务机构没有有效的备案和信息使用协议",
                      "the credit service institution has no filing and agreement in force")
        if viewer.agreement_purposes and auth.purpose not in viewer.agreement_purposes:
            return _r("outside_agreement_purpose", BASELINE, "查询用途不在信用服务机构协议约定的用途内",
                      "the purpose is outside the institution's agreement")
    return None


def _check_target(viewer: Viewer, rules: PolicyRules, target: Target, cite: str) -> Reason | None:
    if viewer.mode is Mode.self:
        if target.subject_id is None or target.subject_id != viewer.own_subject_id:
            return _r("not_own_subject", cite, "本人查询只能查询本人的信息",
                      "a self inquiry covers only the inquirer's own information")
        return None
    if viewer.mode is Mode.authorized:
        auth = viewer.authorization
        if auth is None or target.subject_id is None or target.subject_id != auth.subject_id:
            return _r("not_authorized_subject", cite, "没有该信息主体的授权",
                      "no authorization from this credit subject")
        return None
    public = viewer.mode is Mode.lawful_disclosure
    if public and target.kind == NATURAL_PERSON and not natural_person_public(rules):
        return _natural_person_refusal(rules)
    if target.subject_id is None:
        return _r(SUBJECT_NOT_FOUND, BASELINE, "没有该信用主体", "no such credit subject")
    return None


def decide(viewer: Viewer, record: RecordFacts, rules: PolicyRules, today: date) -> Decision:
    """Whether ``viewer`` may see ``record`` today, which fields are masked, and every reason why."""
    mode = viewer.mode      # read once: decide runs per record
    is_self = mode is Mode.self and viewer.own_subject_id == record.subject_id
    reasons: list[Reason] = []
    labels: list[str] = []

    def deny(reason: Reason) -> Decision:
        return Decision(False, (), tuple(labels), (*reasons, reason))

    mode_cite = rules.modes.get(mode.value) or BASELINE

    # 1. The mode must reach this subject and this item at all.
    if mode is Mode.self and not is_self:
        return deny(_r("not_own_record", mode_cite, "本人查询只能查询本人的信息",
                       "a self inquiry covers only the inquirer's own information"))
    if mode is Mode.authorized:
        auth = viewer.authorization
        if auth is None or auth.subject_id != record.subject_id or not auth.in_force(today):
            return deny(_r("not_authorized_subject", mode_cite, "没有该信息主体有效的授权",
                           "no authorization in force from this credit subject"))
        if not auth.covers(record.item_code):
            return deny(_r("outside_authorized_scope", mode_cite, "该信息不在授权范围内",
                           "this information is outside the authorized scope"))
        if viewer.actor.role is Role.service_institution and (
                viewer.agreement_scope is None
                or ("*" not in viewer.agreement_scope and record.item_code not in viewer.agreement_scope)):
            return deny(_r("outside_agreement", BASELINE, "该信息不在信用服务机构协议范围内",
                           "this information is outside the institution's agreement"))

    # 2. Information that has left service.
    if record.status == "revoked":
        return deny(_r("revoked", BASELINE, "信息所依据的文书已被撤销，信息已删除",
                       "the decision behind this information was revoked and it was deleted"))
    if record.status == "restored":     # out of every read path, the subject's own included
        return deny(_r("restored", BASELINE, "信用已修复，信息不再提供查询",
                       "credit was restored; the information is no longer served"))
    if record.status == "expired":
        if not is_self:
            return deny(_r("expired", record.display_cite or BASELINE, "信息已超过公开期限，不再提供查询",
                           "the information's display period has ended"))
        labels.append("expired")
    if record.display_until is not None and today > record.display_until:
        if not is_self:
            return deny(_r("period_ended", record.display_cite or BASELINE,
                           f"失信信息的查询期限已于 {record.display_until.isoformat()} 届满",
                           f"the period for showing this information ended on "
                           f"{record.display_until.isoformat()}"))
        labels.append("period_ended")
    if record.period_start_missing and not is_self:
        return deny(_r("period_start_unknown", record.display_cite or BASELINE,
                       "该信息的展示期限无法确定起算日，暂不提供查询",
                       "the day this information's display period starts from is not recorded; it is not "
                       "served until it is"))
    if record.period_rule_missing and not is_self:
        return deny(_r("period_rule_not_in_force", record.display_cite or BASELINE,
                       "该信息的展示期限规则在其决定之日没有施行中的规定，此后至今也没有，暂不提供查询",
                       "no value of this information's display period rule was in force on its decision date, "
                       "nor has been since; it is not served until the rule file provides one"))

    # 3. Withheld positive information (disclosure.positive_withholdable).
    if record.positive and record.withheld:
        if not is_self:
            cite = rules.positive_withholdable[1] if rules.positive_withholdable else BASELINE
            return deny(_r("withheld_by_subject", cite, "信息主体已申请不公开该守信信息",
                           "the subject withheld this positive information from display"))
        labels.append("withheld")

    # 4. Objections: labelled while handled; suspended where the provider missed its deadline
    # (objection.suspend_on_provider_overdue).
    if record.objection_open:
        labels.append("objection_pending")
        suspend = rules.suspend_on_provider_overdue
        if record.suspended and suspend and suspend[0]:
            if not is_self:
                return deny(_r("suspended_objection_overdue", suspend[1],
                               "信息提供单位逾期未处理异议，暂停公开和查询",
                               "the providing unit missed its objection deadline: disclosure is suspended"))
            labels.append("suspended")
        elif rules.objection_disclosure_continues and rules.objection_disclosure_continues[0]:
            reasons.append(_r("objection_disclosure_continues", rules.objection_disclosure_continues[1],
                              "异议处理期间不影响信息的公开和查询，已作异议标注",
                              "disclosure continues while the objection is handled, with an objection label"))

    # 5. The mode against the item's disclosure class and the subject's kind.
    natural = record.subject_kind == NATURAL_PERSON
    if mode is Mode.lawful_disclosure:
        if natural and not natural_person_public(rules):
            return deny(_natural_person_refusal(rules))
        if record.disclosure_class != "public":
            return deny(_r("not_public", BASELINE, "该信息不属于依法公开的信息",
                           "this information is not lawfully public"))
        if record.publicity_until is not None and today > record.publicity_until:
            # publicity has its own clock: it ends before the display period, which inquiry by duty and
            # the subject's own inquiry keep (domain.disclosure.publicity)
            return deny(_r("publicity_ended", record.publicity_cite or BASELINE,
                           f"行政处罚信息的公示期已于 {record.publicity_until.isoformat()} 届满，不再公开",
                           f"the publicity period of this administrative penalty ended on "
                           f"{record.publicity_until.isoformat()}; it is no longer public"))
        reasons.append(_r("lawful_disclosure", mode_cite, "依法公开的信息", "lawfully public information"))
    elif mode is Mode.duty:
        if record.disclosure_class == "authorized":
            return deny(_r("needs_authorization", BASELINE, "该信息须经信息主体书面授权方可查询",
                           "this information may be queried only with the subject's written authorization"))
        cite = mode_cite = (rules.duty_purposes or {}).get(viewer.purpose or "") or mode_cite
        reasons.append(_r("duty_inquiry", cite, f"依职责查询：{viewer.purpose}",
                          f"inquiry by duty for: {viewer.purpose}"))
    elif mode is Mode.self:
        reasons.append(_r("self_inquiry", mode_cite, "信息主体查询本人信息", "the subject's own information"))
    else:
        reasons.append(_r("authorized_inquiry", mode_cite, "经信息主体书面授权查询",
                          "inquiry with the subject's written authorization"))

    # 6. Fields the catalog serves by duty only (a legal representative's 法定代表人证件号码: kept for duty
    # inquiries and the upstream platform) are left out of any other inquiry but the subject's own.
    withheld: tuple[str, ...] = ()
    if record.duty_only and mode is not Mode.duty and not is_self:
        withheld = record.duty_only
        cite = rules.desensitise_natural_person[1] if rules.desensitise_natural_person else BASELINE
        reasons.append(_r("duty_only_withheld", cite, "仅供依职责查询的字段（如法定代表人证件号码）不予提供",
                          "fields served by duty only (such as a legal representative's identity number) are "
                          "left out"))
    # 7. Masking: a natural person's identifiers are shown only to the person and, where the catalog
    # declares the field a person's name or number (a party's, an operator's, a legal representative's
    # 法定代表人证件号码), to a duty inquiry; personal data found elsewhere stays masked to duty too.
    masked: tuple[str, ...] = ()
    if not is_self and record.personal_fields:
        by_duty = record.declared_personal if mode is Mode.duty else ()
        masked = tuple(f for f in record.personal_fields if f not in by_duty and f not in withheld)
        if masked:
            cite = rules.desensitise_natural_person[1] if rules.desensitise_natural_person else BASELINE
            reasons.append(_r("masked_personal_identifiers", cite, "自然人的证件号码、姓名等个人信息已脱敏",
                              "natural persons' identity numbers, names and other personal data are masked"))
        if any(f not in masked and f not in withheld for f in record.personal_fields):
            reasons.append(_r("personal_data_by_duty", mode_cite, "依职责查询：显示目录列明的自然人姓名、证件号码",
                              "inquiry by duty: the names and identity numbers the catalog declares are shown"))
    return Decision(True, masked, tuple(labels), tuple(reasons), withheld)


# ---------------------------------------------------------------------------------------------
# Masking
# ---------------------------------------------------------------------------------------------

PERSONAL_FIELD_WORDS = ("name", "identifier", "id_number", "id_no", "id_card", "citizen_id", "passport",
                        "phone", "mobile", "telephone", "email", "address", "birth", "birthday")
"""Words that, as a payload field's name or its last part, mark a natural person's personal data."""


@lru_cache(maxsize=4096)
def _personal_name(field_name: str) -> bool:
    name = field_name.lower()
    return any(name == word or name.endswith("_" + word) or name.startswith(word + "_")
               for word in PERSONAL_FIELD_WORDS)


def personal_fields(payload: Mapping[str, Any], subject_kind: str,
                    declared: Mapping[str, str] | None = None, names: Iterable[str] = ()) -> tuple[str, ...]:
    """The payload fields that hold a natural person's personal data: fields the catalog declares to
    hold a person's name or identifier (``declared``: field -> ``name`` / ``identifier``); for a
    natural person's record, fields named for a name, identifier, contact or address; for any record,
    a value that is a valid citizen identity number (a legal representative's, say), and a string
    that carries personal data inside it (an identity, passport or mobile number, a name the text
    marks as a person's, or one of ``names``)."""
    out = []
    for key, value in payload.items():
        if (declared and key in declared) or (subject_kind == NATURAL_PERSON and _personal_name(key)) \
                or is_citizen_id(value) or (isinstance(value, str) and personal_data.holds(value, names)):
            out.append(key)
    return tuple(sorted(out))


def mask_value(field_name: str, value: Any, declared: str | None = None, names: Iterable[str] = ()) -> Any:
    """One personal field as shown to anyone but the person: identifiers and names keep their
    masked shape; free text keeps its words with the personal data in it masked; anything else
    is replaced outright."""
    if value is None or value == "":
        return value
    if not isinstance(value, str):
        return "***"
    if declared == "identifier" or is_citizen_id(value):
        return mask_identifier(value)
    if declared == "name":
        return mask_name(value)
    lowered = field_name.lower()
    if any(w in lowered for w in ("identifier", "id_", "passport")):
        return mask_identifier(value)
    if lowered == "name" or lowered.endswith("_name"):
        return mask_name(value)
    if _personal_name(field_name):
        return "***"
    return personal_data.mask_text(value, names=names)


def mask_payload(payload: Mapping[str, Any], fields: Iterable[str], names: Iterable[str] = (),
                 *, declared: Mapping[str, str] | None = None, keep: Iterable[str] = ()) -> dict[str, Any]:
    """``payload`` as served: ``fields`` masked whole (identifiers, names, contacts) or, for free text,
    with the personal data in them masked; in every other string, the personal data found (identity,
    passport and mobile numbers; the person's ``names`` and the names the text marks as a person's)
    masked too, except what ``keep`` holds (the viewer's own name and identity number).

    ``declared`` maps the fields the catalog declares to hold a person's ``name`` or ``identifier``;
    their values are also masked wherever they recur in the record's free text."""
    fields = set(fields)
    names = tuple(n for n in names if n and len(n) >= 2)
    if declared:
        names += tuple(v for k, v in payload.items() if declared.get(k) == "name" and isinstance(v, str))
    kept = tuple(k for k in keep if k)
    out: dict[str, Any] = {}
    for key, value in payload.items():
        kind = declared.get(key) if declared else None
        if key in fields:
            out[key] = mask_value(key, value, kind, names)
        elif isinstance(value, str) and value and kind is None:
            out[key] = personal_data.mask_text(value, names=names, keep=kept)
        else:
            out[key] = value
    return out


# ---------------------------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------------------------

def display_until(start: date, count: int | str, period_unit: str | None) -> date | None:
    """The last day information counted from ``start`` may be shown: ``count`` months or years on
    (calendar arithmetic, the same day of the month: the ``display.*`` spans).
    ``unlimited`` (or no period unit) means no end."""
    if count == "unlimited" or period_unit is None or isinstance(count, str):
        return None
    return add_span(start, count, period_unit)


def retention_cutoff(retention: int | str, today: date, period_unit: str) -> date | None:
    """Inquiry log rows made before the returned day are past their retention (kept ``retention``
    ``period_unit`` from the inquiry: the rule value's period unit, years in the registry); None for ``unlimited``
    (long-term logs): never purge."""
    if retention == "unlimited" or isinstance(retention, str):
        return None
    if isinstance(retention, bool) or retention < 0:
        raise ValueError(f"a retention period is a whole number of {period_unit}, not {retention!r}")
    return add_span(today, -retention, period_unit)


# ---------------------------------------------------------------------------------------------
# Authorizations
# ---------------------------------------------------------------------------------------------

PURPOSE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,99}$")


def authorization_problems(*, grantee: str, purpose: str, scope: Iterable[str], valid_from: date,
                           valid_until: date, document_ref: str, today: date,
                           known_items: Iterable[str] | None = None) -> list[tuple[str, str, str, str]]:
    """Why a written authorization cannot be recorded as given: (field, reason, zh, en) per problem."""
    problems: list[tuple[str, str, str, str]] = []
    scope = list(scope)
    if not grantee or not grantee.strip() or len(grantee) > 64:
        problems.append(("grantee", "required", "须写明被授权机构的代码",
                         "name the authorized organisation's code"))
    if not PURPOSE_PATTERN.match(purpose or ""):
        problems.append(("purpose", "invalid", "用途须为小写字母、数字和下划线组成的键",
                         "the purpose is a key of lower-case letters, digits and underscores"))
    if not scope:
        problems.append(("scope", "required", "须写明授权查询的信息范围",
                         "state the scope of the authorization"))
    known = set(known_items) if known_items is not None else None
    for code in scope:
        if code != "*" and known is not None and code not in known:
            problems.append(("scope", "unknown_item", "授权范围中有目录中不存在的信息事项",
                             "the scope names an item that is in no catalog"))
            break
    if valid_until < valid_from:
        problems.append(("valid_until", "term", "授权终止日期早于起始日期",
                         "the authorization ends before it starts"))
    elif valid_until < today:
        problems.append(("valid_until", "past", "授权终止日期已过",
                         "the authorization would end in the past"))
    if not document_ref or not document_ref.strip() or len(document_ref) > 200:
        problems.append(("document_ref", "required", "须载明书面授权文件的编号或存档位置",
                         "give the reference of the written authorization"))
    return problems


# ---------------------------------------------------------------------------------------------
# Duty purposes registered by departments
# ---------------------------------------------------------------------------------------------

ORGANISATION_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def duty_purpose_problems(*, organisation: str, key: str, duty: str, legal_basis: str, label_zh: str,
                          label_en: str) -> list[tuple[str, str, str, str]]:
    """Why a department's duty purpose cannot be registered: (field, reason, zh, en) per problem."""
    problems: list[tuple[str, str, str, str]] = []
    if not ORGANISATION_PATTERN.match(organisation or ""):
        problems.append(("organisation", "invalid", "须写明部门的机构代码（字母、数字、.、_、-，至多 64 个字符）",
                         "name the department's organisation code (letters, digits, . _ -, up to 64)"))
    if not PURPOSE_PATTERN.match(key or ""):
        problems.append(("key", "invalid", "查询事项的键须为小写字母开头，由小写字母、数字和下划线组成",
                         "the purpose key starts with a lower-case letter and holds lower-case letters, "
                         "digits and underscores"))
    for name, value, limit, zh, en in (
            ("duty", duty, 300, "须写明该查询服务的法定职责", "state the statutory duty the inquiry serves"),
            ("legal_basis", legal_basis, 300, "须写明职责的法律依据（法律、法规的名称和条款）",
             "state the legal basis of the duty (the law or regulation and its article)"),
            ("label_zh", label_zh, 200, "须写明查询事项的中文名称", "give the purpose's Chinese label"),
            ("label_en", label_en, 200, "须写明查询事项的英文名称", "give the purpose's English label")):
        text = (value or "").strip()
        if not text:
            problems.append((name, "required", zh, en))
        elif len(text) > limit:
            problems.append((name, "too_long", f"不得超过 {limit} 个字符", f"at most {limit} characters"))
        elif any(ord(c) < 32 for c in text):
            problems.append((name, "invalid", "不得含有控制字符", "may not hold control characters"))
    return problems
