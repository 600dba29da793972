"""The access policy (``domain.access``) as case files: who asks, in which mode, about what, and the
outcome with the article that decides it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.domain.disclosure.policy import (
    BASELINE,
    Authorization,
    Mode,
    PolicyRules,
    RecordFacts,
    Target,
    Viewer,
    authorization_problems,
    check_request,
    decide,
    default_mode,
    display_until,
    mask_payload,
    personal_fields,
    retention_cutoff,
)
from xinyong.domain.identity.actors import Actor, Role

TODAY = date(2026, 3, 18)

# A regulation that provides every rule the policy reads (cites in the shape the rule files give).
FULL = PolicyRules(
    modes={"lawful_disclosure": "HB Art. 17(1)", "duty": "HB Art. 20(1)", "self": "HB Art. 17(2)",
           "authorized": "HB Art. 19(1)"},
    duty_purposes={"administrative_permit": "GS Art. 25(1)(1)", "government_procurement": "GS Art. 25(1)(2)"},
    natural_person_public=(False, "GS Art. 23(3)"),
    objection_disclosure_continues=(True, "CQ Art. 41(1)"),
    suspend_on_provider_overdue=(True, "HB Art. 29(2)"),
    positive_withholdable=(True, "BJ Art. 36"),
    desensitise_natural_person=(True, "BJ Art. 35(3)"),
)
# A regulation that provides none of them (the national baseline): the protective defaults apply.
SILENT = PolicyRules()
# A regulation with the four modes but no list of duty purposes (CQ, HB): departments register theirs.
NO_LIST = replace(FULL, duty_purposes=None)

ORG, PERSON, OTHER = 1, 2, 3
AUTH = Authorization(id=10, subject_id=PERSON, grantee="91500000000000001X", purpose="loan_review",
                     scope=("*",), valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31))


def viewer(role: Role, mode: Mode, *, organisation: str | None = None, **kw) -> Viewer:  # type: ignore[no-untyped-def]
    return Viewer(Actor(role, "user:1", organisation), mode, **kw)


def acting(who: Viewer, **actor) -> Viewer:  # type: ignore[no-untyped-def]
    """The same inquiry asked by another actor (another role or organisation)."""
    return replace(who, actor=replace(who.actor, **actor))


PUBLIC = viewer(Role.public, Mode.lawful_disclosure)
DUTY = viewer(Role.duty_department, Mode.duty, organisation="dept", purpose="administrative_permit")
# the department registered the purpose for its duties (read where the rule file lists none)
REGISTERED = replace(DUTY, registered_purposes=frozenset({"administrative_permit", "inspection"}))
SELF = viewer(Role.subject, Mode.self, own_subject_id=PERSON)
BANK = viewer(Role.service_institution, Mode.authorized, organisation=AUTH.grantee, authorization=AUTH,
              agreement_scope=("*",), agreement_purposes=("loan_review",))


def record(**kw) -> RecordFacts:  # type: ignore[no-untyped-def]
    base = {"record_id": 100, "subject_id": PERSON, "subject_kind": "natural_person", "item_code": "penalty",
            "category": "untrustworthiness", "disclosure_class": "public"}
    base.update(kw)
    return RecordFacts(**base)


ORG_PUBLIC = record(subject_id=ORG, subject_kind="legal_person")


# ---------------------------------------------------------------------------------------------
# The request as a whole
# ---------------------------------------------------------------------------------------------

REQUESTS = [
    # (case, viewer, rules, target, refusal code or None, cite of the refusal)
    ("public asks about an organisation", PUBLIC, FULL, Target(ORG, "legal_person"), None, None),
    ("public asks about a natural person", PUBLIC, FULL, Target(PERSON, "natural_person"),
     "natural_person_not_public", "GS Art. 23(3)"),
    ("public asks by a personal identifier (before any lookup)", PUBLIC, FULL, Target(None, "natural_person"),
     "natural_person_not_public", "GS Art. 23(3)"),
    ("public asks about a natural person, regulation silent", PUBLIC, SILENT, Target(PERSON, "natural_person"),
     "natural_person_not_public", BASELINE),
    ("public asks about a natural person where the State makes it public", PUBLIC,
     replace(FULL, natural_person_public=(True, "X Art. 1")), Target(PERSON, "natural_person"), None, None),
    ("public asks about no subject", PUBLIC, FULL, Target(None, None), "subject_unknown", BASELINE),
    ("duty inquiry by a department with a listed purpose", DUTY, FULL, Target(PERSON, "natural_person"), None,
     None),
    ("duty inquiry by the public", viewer(Role.public, Mode.duty, purpose="administrative_permit"), FULL, None,
     "not_a_duty_body", "HB Art. 20(1)"),
    ("duty inquiry by a credit service institution",
     viewer(Role.service_institution, Mode.duty, organisation="x", purpose="administrative_permit"), FULL, None,
     "not_a_duty_body", "HB Art. 20(1)"),
    ("duty inquiry by an administrator", viewer(Role.administrator, Mode.duty, purpose="administrative_permit"),
     FULL, None, "not_a_duty_body", "HB Art. 20(1)"),
    ("duty inquiry without a purpose", replace(DUTY, purpose=None), FULL, None, "purpose_missing",
     "HB Art. 20(1)"),
    ("duty inquiry for an unlisted purpose", replace(DUTY, purpose="curiosity"), FULL, None,
     "purpose_not_listed", "GS Art. 25(1)(1); GS Art. 25(1)(2)"),
    # No list in the rule file: the purpose must be one the department registered and has in force
    # (SH 17(2), BJ 20); refused with the duty mode's article, or the baseline where there is none.
    ("duty inquiry, no list kept, purpose the department never registered", replace(DUTY, purpose="curiosity"),
     SILENT, None, "purpose_not_registered", BASELINE),
    ("duty inquiry, no list kept, nothing registered at all", DUTY, SILENT, None, "purpose_not_registered",
     BASELINE),
    ("duty inquiry, no list kept, purpose not registered (the mode's article cites)", DUTY, NO_LIST, None,
     "purpose_not_registered", "HB Art. 20(1)"),
    ("duty inquiry, no list kept, registered purpose", REGISTERED, NO_LIST, Target(PERSON, "natural_person"),
     None, None),
    ("duty inquiry, no list kept, registered purpose, regulation silent", REGISTERED, SILENT, None, None, None),
    ("duty inquiry, no list kept, purpose withdrawn (no longer in force)",
     replace(REGISTERED, registered_purposes=frozenset({"inspection"})), NO_LIST, None,
     "purpose_not_registered", "HB Art. 20(1)"),
    ("duty inquiry, no list kept, another department's purpose (not among the viewer's)",
     replace(REGISTERED, registered_purposes=frozenset()), NO_LIST, None, "purpose_not_registered",
     "HB Art. 20(1)"),
    ("duty inquiry, list kept: a listed purpose stands whatever was registered",
     replace(DUTY, registered_purposes=frozenset()), FULL, None, None, None),
    ("duty inquiry, list kept: a registered purpose off the list is refused",
     replace(DUTY, purpose="curiosity", registered_purposes=frozenset({"curiosity"})), FULL, None,
     "purpose_not_listed", "GS Art. 25(1)(1); GS Art. 25(1)(2)"),
    ("operator inquires by duty", acting(DUTY, role=Role.operator), FULL, None, None, None),
    ("competent department inquires by duty", acting(DUTY, role=Role.competent_department), FULL, None, None,
     None),
    ("self inquiry about oneself", SELF, FULL, Target(PERSON, "natural_person"), None, None),
    ("self inquiry without real-name verification", replace(SELF, own_subject_id=None), FULL, None,
     "not_verified", "HB Art. 17(2)"),
    ("self inquiry by a department", acting(SELF, role=Role.duty_department), FULL, None, "not_verified",
     "HB Art. 17(2)"),
    ("self inquiry about someone else", SELF, FULL, Target(OTHER, "natural_person"), "not_own_subject",
     "HB Art. 17(2)"),
    ("self inquiry about no subject", SELF, FULL, Target(None, None), "not_own_subject", "HB Art. 17(2)"),
    ("authorized inquiry within the authorization", BANK, FULL, Target(PERSON, "natural_person"), None, None),
    ("authorized inquiry without an authorization", replace(BANK, authorization=None), FULL, None,
     "authorization_missing", "HB Art. 19(1)"),
    ("authorized inquiry after revocation",
     replace(BANK, authorization=replace(AUTH, revoked_on=date(2026, 3, 1))), FULL, None,
     "authorization_revoked", "HB Art. 19(1)"),
    ("authorized inquiry revoked from today", replace(BANK, authorization=replace(AUTH, revoked_on=TODAY)),
     FULL, None, "authorization_revoked", "HB Art. 19(1)"),
    ("authorized inquiry revoked from tomorrow still stands",
     replace(BANK, authorization=replace(AUTH, revoked_on=date(2026, 3, 19))), FULL, None, None, None),
    ("authorized inquiry after the term", replace(BANK, authorization=replace(AUTH, valid_until=date(2026, 3, 17))),
     FULL, None, "authorization_not_in_force", "HB Art. 19(1)"),
    ("authorized inquiry before the term", replace(BANK, authorization=replace(AUTH, valid_from=date(2026, 3, 19))),
     FULL, None, "authorization_not_in_force", "HB Art. 19(1)"),
    ("authorized inquiry by another party", acting(BANK, organisation="91500000000000002X"), FULL, None,
     "authorization_other_party", "HB Art. 19(1)"),
    ("authorized inquiry for another purpose", replace(BANK, purpose="marketing"), FULL, None,
     "authorization_purpose", "HB Art. 19(1)"),
    ("authorized inquiry about another subject", BANK, FULL, Target(OTHER, "natural_person"),
     "not_authorized_subject", "HB Art. 19(1)"),
    ("institution without an agreement in force", replace(BANK, agreement_scope=None), FULL, None,
     "no_agreement", BASELINE),
    ("institution: purpose outside its agreement", replace(BANK, agreement_purposes=("insurance",)), FULL, None,
     "outside_agreement_purpose", BASELINE),
    ("a department holding an authorization", replace(acting(BANK, role=Role.duty_department), agreement_scope=None),
     FULL, Target(PERSON, "natural_person"), None, None),
    ("the public cannot hold an authorization", acting(BANK, role=Role.public, organisation=None), FULL, None,
     "not_an_authorized_party", "HB Art. 19(1)"),
    ("an administrator cannot hold an authorization", acting(BANK, role=Role.administrator), FULL, None,
     "not_an_authorized_party", "HB Art. 19(1)"),
    ("a mode the regulation does not provide",
     SELF, replace(FULL, modes={"lawful_disclosure": "HB Art. 17(1)"}), None, "mode_not_provided",
     "HB Art. 17(1)"),
    ("no mode list at all: the baseline allows the four", SELF, SILENT, Target(PERSON, "natural_person"), None,
     None),
]


@pytest.mark.parametrize(("case", "who", "rules", "target", "code", "cite"), REQUESTS, ids=[r[0] for r in REQUESTS])
def test_request(case, who, rules, target, code, cite) -> None:  # type: ignore[no-untyped-def]
    refusal = check_request(who, rules, TODAY, target)
    if code is None:
        assert refusal is None, f"{case}: unexpectedly refused ({refusal})"
    else:
        assert refusal is not None, f"{case}: unexpectedly allowed"
        assert (refusal.code, refusal.cite) == (code, cite)
        assert refusal.message_zh and refusal.message_en


# ---------------------------------------------------------------------------------------------
# Each record
# ---------------------------------------------------------------------------------------------

RECORDS = [
    # (case, viewer, rules, record, visible, deciding code (denial, or the first reason), its cite, labels)
    ("organisation's public record to the public", PUBLIC, FULL, ORG_PUBLIC, True, "lawful_disclosure",
     "HB Art. 17(1)", ()),
    ("organisation's shared record to the public", PUBLIC, FULL, replace(ORG_PUBLIC, disclosure_class="shared"),
     False, "not_public", BASELINE, ()),
    ("organisation's authorized-only record to the public", PUBLIC, FULL,
     replace(ORG_PUBLIC, disclosure_class="authorized"), False, "not_public", BASELINE, ()),
    ("natural person's public record to the public", PUBLIC, FULL, record(), False,
     "natural_person_not_public", "GS Art. 23(3)", ()),
    ("natural person's record to the public, regulation silent", PUBLIC, SILENT, record(), False,
     "natural_person_not_public", BASELINE, ()),
    ("shared record to a duty inquiry", DUTY, FULL, record(disclosure_class="shared"), True, "duty_inquiry",
     "GS Art. 25(1)(1)", ()),
    ("authorized-only record to a duty inquiry", DUTY, FULL, record(disclosure_class="authorized"), False,
     "needs_authorization", BASELINE, ()),
    ("authorized-only record with the authorization", BANK, FULL, record(disclosure_class="authorized"), True,
     "authorized_inquiry", "HB Art. 19(1)", ()),
    ("record outside the authorized scope", replace(BANK, authorization=replace(AUTH, scope=("permit",))), FULL,
     record(), False, "outside_authorized_scope", "HB Art. 19(1)", ()),
    ("record inside the authorized scope", replace(BANK, authorization=replace(AUTH, scope=("penalty",))), FULL,
     record(), True, "authorized_inquiry", "HB Art. 19(1)", ()),
    ("record outside the institution's agreement", replace(BANK, agreement_scope=("permit",)), FULL, record(),
     False, "outside_agreement", BASELINE, ()),
    ("another subject's record under an authorization", BANK, FULL, record(subject_id=OTHER), False,
     "not_authorized_subject", "HB Art. 19(1)", ()),
    ("someone else's record in a self inquiry", SELF, FULL, record(subject_id=OTHER), False, "not_own_record",
     "HB Art. 17(2)", ()),
    ("own authorized-only record", SELF, FULL, record(disclosure_class="authorized"), True, "self_inquiry",
     "HB Art. 17(2)", ()),
    ("revoked: deleted for everyone", SELF, FULL, record(status="revoked"), False, "revoked", BASELINE, ()),
    ("revoked: to a duty inquiry", DUTY, FULL, record(status="revoked"), False, "revoked", BASELINE, ()),
    ("restored: not served", DUTY, FULL, record(status="restored"), False, "restored", BASELINE, ()),
    ("restored: out of the subject's own inquiry too", SELF, FULL, record(status="restored"), False, "restored",
     BASELINE, ()),
    ("expired: not served", DUTY, FULL, record(status="expired", display_cite="CQ Art. 43"), False, "expired",
     "CQ Art. 43", ()),
    ("period ended yesterday", DUTY, FULL,
     record(display_until=date(2026, 3, 17), display_cite="CQ Art. 43"), False, "period_ended", "CQ Art. 43", ()),
    ("period ends today: still shown", DUTY, FULL, record(display_until=TODAY, display_cite="CQ Art. 43"), True,
     "duty_inquiry", "GS Art. 25(1)(1)", ()),
    ("period ended: the subject sees it labelled", SELF, FULL,
     record(display_until=date(2025, 1, 1), display_cite="CQ Art. 43"), True, "self_inquiry", "HB Art. 17(2)",
     ("period_ended",)),
    ("organisation's record past its period, to the public", PUBLIC, FULL,
     replace(ORG_PUBLIC, display_until=date(2026, 1, 1), display_cite="SH Art. 35"), False, "period_ended",
     "SH Art. 35", ()),
    ("period start not recorded", DUTY, FULL, record(period_start_missing=True, display_cite="CQ Art. 43"), False,
     "period_start_unknown", "CQ Art. 43", ()),
    ("withheld commendation to the public", PUBLIC, FULL,
     replace(ORG_PUBLIC, category="other", positive=True, withheld=True), False, "withheld_by_subject",
     "BJ Art. 36", ()),
    ("withheld commendation, regulation silent", PUBLIC, SILENT,
     replace(ORG_PUBLIC, category="other", positive=True, withheld=True), False, "withheld_by_subject",
     BASELINE, ()),
    ("withheld commendation to the subject", SELF, FULL, record(category="other", positive=True, withheld=True),
     True, "self_inquiry", "HB Art. 17(2)", ("withheld",)),
    ("commendation not withheld", PUBLIC, FULL, replace(ORG_PUBLIC, category="other", positive=True), True,
     "lawful_disclosure", "HB Art. 17(1)", ()),
    ("objection pending: shown with the label", PUBLIC, FULL, replace(ORG_PUBLIC, objection_open=True), True,
     "objection_disclosure_continues", "CQ Art. 41(1)", ("objection_pending",)),
    ("objection overdue at the provider: suspended", PUBLIC, FULL,
     replace(ORG_PUBLIC, objection_open=True, suspended=True), False, "suspended_objection_overdue",
     "HB Art. 29(2)", ("objection_pending",)),
    ("objection overdue, no suspension rule: shown labelled", PUBLIC, SILENT,
     replace(ORG_PUBLIC, objection_open=True, suspended=True), True, "lawful_disclosure", BASELINE,
     ("objection_pending",)),
    ("objection overdue: the subject still sees it", SELF, FULL, record(objection_open=True, suspended=True),
     True, "self_inquiry", "HB Art. 17(2)", ("objection_pending", "suspended")),
]


@pytest.mark.parametrize(("case", "who", "rules", "facts", "visible", "code", "cite", "labels"), RECORDS,
                         ids=[r[0] for r in RECORDS])
def test_record(case, who, rules, facts, visible, code, cite, labels) -> None:  # type: ignore[no-untyped-def]
    decision = decide(who, facts, rules, TODAY)
    assert decision.visible is visible, f"{case}: {decision.reasons}"
    deciding = decision.denial if not visible else decision.reasons[0]
    assert deciding is not None
    assert (deciding.code, deciding.cite) == (code, cite)
    assert decision.labels == labels
    if not visible:
        assert decision.masked == ()


def test_a_natural_persons_identifiers_are_masked_to_everyone_but_the_person() -> None:
    facts = record(personal_fields=("party_identifier", "party_name"))
    for who in (DUTY, BANK):
        decision = decide(who, facts, FULL, TODAY)
        assert decision.visible and decision.masked == ("party_identifier", "party_name")
        assert ("masked_personal_identifiers", "BJ Art. 35(3)") in [(r.code, r.cite) for r in decision.reasons]
    assert decide(SELF, facts, FULL, TODAY).masked == ()
    assert decide(DUTY, facts, SILENT, TODAY).reasons[-1].cite == BASELINE


def test_every_decision_names_its_article() -> None:
    for _case, who, rules, facts, *_ in RECORDS:
        for reason in decide(who, facts, rules, TODAY).reasons:
            assert reason.cite and reason.message_zh and reason.message_en


# ---------------------------------------------------------------------------------------------
# Properties: no unexpected allow, whatever the combination
# ---------------------------------------------------------------------------------------------

roles = st.sampled_from(list(Role))
modes = st.sampled_from(list(Mode))
kinds = st.sampled_from(["natural_person", "legal_person", "unincorporated_org", "state_organ"])
classes = st.sampled_from(["public", "shared", "authorized"])
statuses = st.sampled_from(["active", "revoked", "restored", "expired"])
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 1, 1))


@st.composite
def scenarios(draw):  # type: ignore[no-untyped-def]
    subject = draw(st.sampled_from([PERSON, OTHER, ORG]))
    auth = draw(st.none() | st.builds(
        Authorization, id=st.just(1), subject_id=st.sampled_from([PERSON, OTHER, ORG]),
        grantee=st.sampled_from(["a", "b"]), purpose=st.sampled_from(["p", "q"]),
        scope=st.sampled_from([("*",), ("penalty",), ("permit",)]), valid_from=days, valid_until=days,
        revoked_on=st.none() | days))
    who = Viewer(Actor(draw(roles), "x", draw(st.none() | st.just("a"))), draw(modes),
                 purpose=draw(st.none() | st.sampled_from(["p", "administrative_permit"])),
                 own_subject_id=draw(st.none() | st.sampled_from([PERSON, OTHER])), authorization=auth,
                 agreement_scope=draw(st.none() | st.just(("*",))))
    facts = RecordFacts(record_id=1, subject_id=subject, subject_kind=draw(kinds), item_code="penalty",
                        category="untrustworthiness", disclosure_class=draw(classes), status=draw(statuses),
                        positive=draw(st.booleans()), withheld=draw(st.booleans()),
                        objection_open=draw(st.booleans()), suspended=draw(st.booleans()),
                        display_until=draw(st.none() | days))
    return who, facts, draw(st.sampled_from([FULL, SILENT]))


@settings(max_examples=600, deadline=None)
@given(scenarios())
def test_no_unexpected_allow(scenario) -> None:  # type: ignore[no-untyped-def]
    who, facts, rules = scenario
    refusal = check_request(who, rules, TODAY, Target(facts.subject_id, facts.subject_kind))
    decision = decide(who, facts, rules, TODAY)
    if refusal is not None or not decision.visible:
        return
    is_self = who.mode is Mode.self and who.own_subject_id == facts.subject_id
    assert facts.status not in ("revoked", "restored")      # out of every read path, the subject's own too
    if not is_self:
        assert facts.status == "active"
        assert facts.display_until is None or TODAY <= facts.display_until
        assert not (facts.positive and facts.withheld)
        assert not (facts.suspended and facts.objection_open and rules is FULL)
    if who.mode is Mode.lawful_disclosure:
        assert facts.disclosure_class == "public" and facts.subject_kind != "natural_person"
    elif who.mode is Mode.duty:
        assert who.actor.role in (Role.duty_department, Role.operator, Role.competent_department)
        assert facts.disclosure_class != "authorized" and who.purpose
    elif who.mode is Mode.self:
        assert who.actor.role is Role.subject and is_self
    else:
        auth = who.authorization
        assert auth is not None and auth.in_force(TODAY) and auth.subject_id == facts.subject_id
        assert auth.grantee == who.actor.organisation and auth.covers(facts.item_code)
        assert who.actor.role not in (Role.public, Role.subject, Role.administrator, Role.system)


# ---------------------------------------------------------------------------------------------
# Helpers: default modes, masking, periods, retention, authorizations
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "mode"), [
    (Role.public, Mode.lawful_disclosure), (Role.subject, Mode.self), (Role.duty_department, Mode.duty),
    (Role.operator, Mode.duty), (Role.competent_department, Mode.duty),
    (Role.service_institution, Mode.authorized), (Role.providing_unit, Mode.lawful_disclosure),
    (Role.administrator, Mode.lawful_disclosure)])
def test_default_mode(role: Role, mode: Mode) -> None:
    assert default_mode(role) is mode


def test_personal_fields_of_a_natural_persons_record() -> None:
    payload = {"party_name": "张三", "party_identifier": "11010519491231002X", "summary": "张三 违规",
               "phone": "13800000000", "registered_name": "x", "fine": 100}
    assert personal_fields(payload, "natural_person") == ("party_identifier", "party_name", "phone",
                                                          "registered_name")
    # An organisation's record: values that are or carry a natural person's number (a representative's
    # identity number, a mobile number); a name only where the catalog declares it or the text marks it.
    assert personal_fields(payload, "legal_person") == ("party_identifier", "phone")
    assert personal_fields(payload, "legal_person", {"registered_name": "name"}) == (
        "party_identifier", "phone", "registered_name")
    assert personal_fields({"facts": "法定代表人张明未按规定公示"}, "legal_person") == ("facts",)


def test_masking_keeps_the_shape_of_names_and_identifiers_and_scrubs_free_text() -> None:
    payload = {"party_name": "张三丰", "party_identifier": "11010519491231002X", "summary": "张三丰于某日违规",
               "phone": "13800000000", "fine": 100}
    masked = mask_payload(payload, ("party_name", "party_identifier", "phone"), names=("张三丰",))
    assert masked == {"party_name": "张**", "party_identifier": "110105********002X", "summary": "张**于某日违规",
                      "phone": "***", "fine": 100}


@pytest.mark.parametrize(("start", "count", "unit", "until"), [
    (date(2021, 3, 15), 5, "years", date(2026, 3, 15)),       # SH 35 / CQ 43: 5 years from the conduct's end
    (date(2024, 2, 29), 1, "years", date(2025, 2, 28)),       # clamped, never rolled
    (date(2026, 4, 1), 3, "months", date(2026, 7, 1)),        # national minor tier
    (date(2026, 1, 31), 1, "months", date(2026, 2, 28)),
    (date(2026, 1, 1), "unlimited", "years", None),           # BJ 15: basic information long-term
    (date(2026, 1, 1), 3, None, None),
])
def test_display_until(start: date, count, unit, until) -> None:  # type: ignore[no-untyped-def]
    assert display_until(start, count, unit) == until


def test_retention_cutoff() -> None:
    assert retention_cutoff(3, TODAY, "years") == date(2023, 3, 18)      # CQ 22, HB 19: 3 years from the inquiry
    assert retention_cutoff(3, date(2028, 2, 29), "years") == date(2025, 2, 28)
    assert retention_cutoff("unlimited", TODAY, "years") is None         # BJ 53: long-term
    with pytest.raises(ValueError):
        retention_cutoff(-1, TODAY, "years")


def test_authorization_problems() -> None:
    good = {"grantee": "91500000000000001X", "purpose": "loan_review", "scope": ["*"],
            "valid_from": TODAY, "valid_until": date(2026, 12, 31), "document_ref": "AUTH-1", "today": TODAY}
    assert authorization_problems(**good) == []
    assert [p[1] for p in authorization_problems(**{**good, "purpose": "Loan Review!"})] == ["invalid"]
    assert [p[1] for p in authorization_problems(**{**good, "scope": []})] == ["required"]
    assert [p[1] for p in authorization_problems(**{**good, "valid_until": date(2025, 1, 1)})] == ["term"]
    assert [p[1] for p in authorization_problems(**{**good, "valid_from": date(2025, 1, 1),
                                                  "valid_until": date(2025, 6, 1)})] == ["past"]
    assert [p[1] for p in authorization_problems(**{**good, "document_ref": " "})] == ["required"]
    assert [p[1] for p in authorization_problems(**{**good, "scope": ["penalty", "nope"],
                                                  "known_items": ["penalty"]})] == ["unknown_item"]
    assert [p[0] for p in authorization_problems(**{**good, "grantee": ""})] == ["grantee"]
