"""The one access path on a real database (SQLite, and PostgreSQL with XINYONG_TEST_DATABASE_URL):
inquiries logged with what they returned, refusals logged with their reasons, nothing served when the
log cannot be written, objection labels and suspension, withheld positive information, records that
left service, display periods counted from the right date, authorizations, the subject's own view of
the log, its retention sweep, and the public pages' data."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event, func, select

from access_seed import Seed, uscc
from xinyong.domain.disclosure.policy import Mode
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.services.audit import ledger, verification
from xinyong.services.disclosure import authorizations, inquiry, inquiry_log, marks, public, writer
from xinyong.services.disclosure.results import NOT_LOGGED, InquiryResult
from xinyong.services.platform.bootstrap import Platform
from xinyong.store.models.access import InquiryLog
from xinyong.store.models.ledger import LedgerEntry

PUBLIC = Actor(Role.public, "anonymous")
BANK_CODE = uscc(990001)


def is_not_logged(outcome: object) -> bool:
    """The refusal of an inquiry that could not be logged (503): nothing was served."""
    return isinstance(outcome, Refusal) and outcome.reason == NOT_LOGGED and outcome.status == 503


@contextlib.contextmanager
def not_logged() -> Iterator[None]:
    with pytest.raises(Refusal) as refused:
        yield
    assert is_not_logged(refused.value), refused.value


@pytest.fixture
def make_platform(settings, clock):  # type: ignore[no-untyped-def]
    """A platform under the regulation with this abbreviation (CQ, HB, BJ, GS, SH, NAT)."""
    made = []

    def make(abbrev: str) -> Platform:
        from xinyong.rules import load_rulebook

        ruleset = load_rulebook().by_abbrev(abbrev)
        assert ruleset is not None
        p = Platform.from_settings(settings.model_copy(update={"jurisdiction": ruleset.id}), clock=clock)
        made.append(p)
        return p

    yield make
    for p in made:
        p.engine.dispose()


def logs(platform: Platform) -> list[InquiryLog]:
    with platform.sessions() as session:
        return list(session.scalars(select(InquiryLog).order_by(InquiryLog.id)))


def ledger_actions(platform: Platform, prefix: str = "inquiry.") -> list[LedgerEntry]:
    with platform.sessions() as session:
        return list(session.scalars(select(LedgerEntry).where(LedgerEntry.action.like(prefix + "%"))
                                    .order_by(LedgerEntry.seq)))


@pytest.fixture
def world(platform):  # type: ignore[no-untyped-def]
    """The default regulation (CQ): an organisation and a person with records of each class."""
    seed = Seed(platform).catalog()
    w = {"seed": seed}
    w["org"] = seed.subject("legal_person", "示范建设有限公司")
    w["person"] = seed.subject("natural_person", "李四海")
    w["org_penalty"] = seed.record(w["org"], "public_penalty", {"summary": "罚款"}, conduct_ended=date(2025, 1, 1))
    w["org_shared"] = seed.record(w["org"], "shared_arrears")
    w["org_private"] = seed.record(w["org"], "private_detail")
    w["person_penalty"] = seed.record(w["person"], "public_penalty",
                                      {"party_name": "李四海", "summary": "李四海未履行"},
                                      conduct_ended=date(2025, 1, 1))
    w["person_private"] = seed.record(w["person"], "private_detail")
    w["duty"], _ = seed.user(Role.duty_department, organisation="dept-01")
    # CQ lists no duty purposes: the departments inquire for the purposes they registered (SH 17(2), BJ 20)
    seed.duty_purposes("dept-01", "administrative_permit")
    seed.duty_purposes("dept-02", "administrative_permit")
    w["me"], _ = seed.user(Role.subject, subject_id=w["person"])
    return w


# ---------------------------------------------------------------------------------------------
# Logging
# ---------------------------------------------------------------------------------------------

def test_an_inquiry_is_logged_with_the_records_it_returned(platform, world) -> None:  # type: ignore[no-untyped-def]
    result = inquiry.inquire(platform, world["duty"], subject_ref=world["person"], mode="duty",
                            purpose="administrative_permit")
    assert result.served
    assert [r.id for r in result.records] == [world["person_penalty"]]          # authorized-only: not by duty
    (row,) = logs(platform)
    assert row.id == result.inquiry_id
    assert (row.principal, row.organisation, row.role, row.mode, row.purpose, row.subject_id) == \
        (world["duty"].principal, "dept-01", "duty_department", "duty", "administrative_permit", world["person"])
    assert row.returned_record_ids == [world["person_penalty"]]
    assert row.denied_records == [[world["person_private"], "needs_authorization"]]
    assert row.refused_reason is None and row.cite and row.cite.startswith("CQ Art. 22")
    (entry,) = ledger_actions(platform)
    facts = entry.facts_dict()
    assert (entry.action, entry.entity, entry.entity_id) == ("inquiry.served", "inquiry", str(row.id))
    assert facts["returned"] == 1 and facts["records_sha256"] == writer.records_digest([world["person_penalty"]])
    assert "李四海" not in entry.facts and "李" not in entry.facts                # no personal content


def test_a_natural_persons_name_and_identifiers_are_masked_to_a_department(platform, world) -> None:  # type: ignore[no-untyped-def]
    result = inquiry.inquire(platform, world["duty"], subject_ref=world["person"], purpose="administrative_permit")
    assert result.subject is not None and result.subject.name == "李**"
    assert all("*" in value for _kind, value in result.subject.identifiers)
    (record,) = result.records
    assert record.fields["party_name"] == "李**" and record.fields["summary"] == "李**未履行"
    own = inquiry.inquire(platform, world["me"], subject_ref=world["person"])
    assert own.subject is not None and own.subject.name == "李四海"
    assert {r.id for r in own.records} == {world["person_penalty"], world["person_private"]}
    assert own.records[0].fields["party_name"] == "李四海"


def test_a_public_inquiry_is_logged_but_not_ledgered(platform, world) -> None:  # type: ignore[no-untyped-def]
    result = inquiry.inquire(platform, PUBLIC, subject_ref=world["org"])
    assert [r.id for r in result.records] == [world["org_penalty"]]
    (row,) = logs(platform)
    assert (row.role, row.mode, row.returned_record_ids) == ("public", "lawful_disclosure", [world["org_penalty"]])
    assert sorted(code for _id, code in row.denied_records) == ["not_public", "not_public"]
    assert ledger_actions(platform) == []


def test_a_refusal_is_logged_with_its_reason(platform, world) -> None:  # type: ignore[no-untyped-def]
    refused = inquiry.inquire(platform, PUBLIC, subject_ref=world["person"])
    assert refused.refused is not None and refused.refused.code == "natural_person_not_public"
    assert refused.records == () and refused.subject is None and refused.status == 403
    no_purpose = inquiry.inquire(platform, world["duty"], subject_ref=world["person"], mode="duty")
    assert no_purpose.refused is not None and no_purpose.refused.code == "purpose_missing"
    first, second = logs(platform)
    assert (first.refused_reason, first.returned_record_ids, first.subject_id) == \
        ("natural_person_not_public", [], world["person"])
    assert (second.refused_reason, second.cite) == ("purpose_missing", no_purpose.refused.cite)
    (entry,) = ledger_actions(platform)          # the public's refusal is logged, the department's ledgered too
    assert entry.action == "inquiry.refused" and entry.facts_dict()["refused"] == "purpose_missing"


def test_an_unknown_subject_is_logged_by_a_digest_of_the_reference(platform, world) -> None:  # type: ignore[no-untyped-def]
    result = inquiry.inquire(platform, PUBLIC, subject_ref=uscc(424242))
    assert result.refused is not None and result.refused.code == "subject_unknown" and result.status == 404
    (row,) = logs(platform)
    assert row.subject_id is None and row.subject_ref_sha256 and len(row.subject_ref_sha256) == 64


def test_a_personal_identifier_is_refused_to_the_public_before_any_lookup(platform, world) -> None:  # type: ignore[no-untyped-def]
    from access_seed import citizen_id

    for ref in (citizen_id(1), citizen_id(777)):        # registered or not: the same answer
        result = inquiry.inquire(platform, PUBLIC, subject_ref=ref)
        assert result.refused is not None and result.refused.code == "natural_person_not_public"


def test_bad_input_is_refused_and_logs_nothing(platform, world) -> None:  # type: ignore[no-untyped-def]
    for kwargs in ({"subject_ref": "not an id"}, {"subject_ref": world["org"], "mode": "gossip"},
                   {"subject_ref": world["org"], "purpose": "DROP TABLE"},
                   {"subject_ref": world["org"], "items": ["Bad Code"]}):
        with pytest.raises(Refusal):
            inquiry.inquire(platform, PUBLIC, **kwargs)
    assert logs(platform) == []


def test_if_the_log_cannot_be_written_nothing_is_served(platform, world) -> None:  # type: ignore[no-untyped-def]
    def refuse(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO INQUIRY_LOG"):
            raise RuntimeError("disk full")

    event.listen(platform.engine, "before_cursor_execute", refuse)
    try:
        with not_logged():
            inquiry.inquire(platform, world["duty"], subject_ref=world["person"], purpose="administrative_permit")
        with not_logged():
            inquiry.inquire(platform, PUBLIC, subject_ref=world["person"])       # a refusal too
        with not_logged():
            inquiry.explain(platform, PUBLIC, world["org_penalty"])
        with not_logged():
            public.double_publicity(platform)
    finally:
        event.remove(platform.engine, "before_cursor_execute", refuse)
    assert logs(platform) == [] and ledger_actions(platform) == []


def test_if_the_ledger_cannot_be_written_nothing_is_served(platform, world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("ledger unavailable")

    monkeypatch.setattr(ledger, "append_many", broken)
    with not_logged():
        inquiry.inquire(platform, world["duty"], subject_ref=world["person"], purpose="administrative_permit")
    monkeypatch.undo()
    assert logs(platform) == []                  # the log row rolled back with the failed ledger entry


# ---------------------------------------------------------------------------------------------
# Objections
# ---------------------------------------------------------------------------------------------

def test_an_objection_label_goes_out_with_the_record(platform, world) -> None:  # type: ignore[no-untyped-def]
    with platform.unit_of_work(Actor(Role.operator, "user:op")) as uow:
        label = marks.label_objection(uow, record_id=world["org_penalty"], provider_due=date(2026, 3, 25))
    (record,) = inquiry.inquire(platform, PUBLIC, subject_ref=world["org"]).records
    assert record.decision.labels == ("objection_pending",)
    assert ("objection_disclosure_continues", "CQ Art. 41(1)") in [(r.code, r.cite) for r in record.decision.reasons]
    with platform.unit_of_work(Actor(Role.operator, "user:op")) as uow:
        marks.close_objection_label(uow, label.id)
    (record,) = inquiry.inquire(platform, PUBLIC, subject_ref=world["org"]).records
    assert record.decision.labels == ()


def test_hb29_disclosure_is_suspended_when_the_provider_misses_its_deadline(make_platform, clock) -> None:  # type: ignore[no-untyped-def]
    hb = make_platform("HB")
    seed = Seed(hb).catalog()
    org = seed.subject("legal_person", "示范物流有限公司")
    rid = seed.record(org, "public_penalty", conduct_ended=date(2025, 1, 1))
    owner, _ = seed.user(Role.subject, subject_id=org)
    with hb.unit_of_work(Actor(Role.operator, "user:op")) as uow:
        marks.label_objection(uow, record_id=rid, provider_due=date(2026, 3, 18))
    (record,) = inquiry.inquire(hb, PUBLIC, subject_ref=org).records            # due today: still on time
    assert record.decision.labels == ("objection_pending",)
    clock.set(datetime(2026, 3, 19, 2, 0, tzinfo=UTC))                           # the day after the deadline
    result = inquiry.inquire(hb, PUBLIC, subject_ref=org)
    assert result.records == ()
    assert logs(hb)[-1].denied_records == [[rid, "suspended_objection_overdue"]]
    explained = inquiry.explain(hb, PUBLIC, rid)
    assert not explained.visible and explained.decision.denial is not None
    assert (explained.decision.denial.code, explained.decision.denial.cite) == \
        ("suspended_objection_overdue", "HB Art. 29(2)")
    (own,) = inquiry.inquire(hb, owner, subject_ref=org).records                  # the subject still sees it
    assert own.decision.labels == ("objection_pending", "suspended")


def test_without_a_suspension_rule_an_overdue_objection_only_labels(platform, world, clock) -> None:  # type: ignore[no-untyped-def]
    with platform.unit_of_work(Actor(Role.operator, "user:op")) as uow:
        marks.label_objection(uow, record_id=world["org_penalty"], provider_due=date(2026, 3, 1))
    (record,) = inquiry.inquire(platform, PUBLIC, subject_ref=world["org"]).records
    assert record.decision.labels == ("objection_pending",)


# ---------------------------------------------------------------------------------------------
# Withheld positive information
# ---------------------------------------------------------------------------------------------

def test_a_subject_withholds_positive_information(make_platform) -> None:  # type: ignore[no-untyped-def]
    bj = make_platform("BJ")
    seed = Seed(bj).catalog()
    org = seed.subject("legal_person", "示范志愿服务中心")
    commendation = seed.record(org, "commendation", {"summary": "年度表彰"})
    penalty = seed.record(org, "public_penalty", conduct_ended=date(2025, 6, 1))
    owner, _ = seed.user(Role.subject, subject_id=org)
    with bj.unit_of_work(owner) as uow:
        with pytest.raises(Refusal) as refused:
            marks.withhold_positive(uow, subject_id=org, record_id=penalty)     # not positive information
        assert refused.value.reason == "not_positive"
    with bj.unit_of_work(owner) as uow:
        marks.withhold_positive(uow, subject_id=org, record_id=commendation)
    public_view = inquiry.inquire(bj, PUBLIC, subject_ref=org)
    assert [r.id for r in public_view.records] == [penalty]
    assert logs(bj)[-1].denied_records == [[commendation, "withheld_by_subject"]]
    own = inquiry.inquire(bj, owner, subject_ref=org)
    assert {r.id: r.decision.labels for r in own.records}[commendation] == ("withheld",)
    with bj.unit_of_work(owner) as uow:
        marks.release_positive(uow, subject_id=org, record_id=commendation)
    assert {r.id for r in inquiry.inquire(bj, PUBLIC, subject_ref=org).records} == {commendation, penalty}
    assert [e.action for e in ledger_actions(bj, "disclosure.")] == ["disclosure.positive_withheld",
                                                                      "disclosure.positive_released"]


def test_withholding_needs_the_regulation_to_allow_it(platform, world) -> None:  # type: ignore[no-untyped-def]
    seed = world["seed"]
    commendation = seed.record(world["org"], "commendation")
    with platform.unit_of_work(world["me"]) as uow, pytest.raises(Refusal) as refused:
        marks.withhold_positive(uow, subject_id=world["org"], record_id=commendation)
    assert refused.value.reason == "not_provided"


# ---------------------------------------------------------------------------------------------
# Records that left service
# ---------------------------------------------------------------------------------------------

def test_revoked_restored_and_expired_records(platform, world) -> None:  # type: ignore[no-untyped-def]
    seed = world["seed"]
    person = world["person"]
    ids = {status: seed.record(person, "public_penalty", conduct_ended=date(2025, 1, 1), status=status)
           for status in ("revoked", "restored", "expired")}
    duty = inquiry.inquire(platform, world["duty"], subject_ref=person, purpose="administrative_permit")
    assert [r.id for r in duty.records] == [world["person_penalty"]]
    denied = dict(map(tuple, logs(platform)[-1].denied_records))
    assert {denied[ids[s]] for s in ids} == {"revoked", "restored", "expired"}
    own = {r.id: r.decision.labels for r in inquiry.inquire(platform, world["me"], subject_ref=person).records}
    assert ids["revoked"] not in own and ids["restored"] not in own   # out of every read path, own included
    assert own[ids["expired"]] == ("expired",)


# ---------------------------------------------------------------------------------------------
# Display periods
# ---------------------------------------------------------------------------------------------

def test_national_tiers_are_taken_on_the_decision_date(make_platform, clock) -> None:  # type: ignore[no-untyped-def]
    nat = make_platform("NAT")
    seed = Seed(nat).catalog()
    org = seed.subject("legal_person", "示范化工有限公司")
    clock.set(datetime(2026, 4, 2, 2, 0, tzinfo=UTC))
    before = seed.record(org, "tiered_penalty", decision_date=date(2026, 3, 31))   # NDRC Order 58: 3-36 months
    after = seed.record(org, "tiered_penalty", decision_date=date(2026, 4, 1))     # NDRC Order 36: 3-12 months
    serious = seed.record(org, "tiered_penalty", {"severity": "serious"}, decision_date=date(2026, 4, 1))
    result = inquiry.inquire(nat, PUBLIC, subject_ref=org)
    until = {r.id: (r.display_until, r.display_cite) for r in result.records}
    assert until[before][0] == date(2029, 3, 31) and "Order No. 58" in until[before][1]
    assert until[after][0] == date(2027, 4, 1) and "Order No. 36" in until[after][1]
    assert until[serious][0] == date(2029, 4, 1)                                    # serious: 1-3 years
    clock.set(datetime(2027, 4, 2, 2, 0, tzinfo=UTC))
    shown = {r.id for r in inquiry.inquire(nat, PUBLIC, subject_ref=org).records}
    assert shown == {before, serious}
    denial = inquiry.explain(nat, PUBLIC, after).decision.denial
    assert denial is not None and denial.code == "period_ended" and "Order No. 36" in denial.cite


def test_five_years_from_the_end_of_the_conduct(platform, world, clock) -> None:  # type: ignore[no-untyped-def]
    seed = world["seed"]
    person = world["person"]
    ended_early = seed.record(person, "public_penalty", conduct_ended=date(2021, 3, 17))   # until 2026-03-17
    ended_later = seed.record(person, "public_penalty", conduct_ended=date(2021, 3, 18))   # until 2026-03-18
    undated = seed.record(person, "public_penalty")                                        # no conduct_ended
    result = inquiry.inquire(platform, world["duty"], subject_ref=person, purpose="administrative_permit")
    shown = {r.id: r for r in result.records}
    assert ended_later in shown and ended_early not in shown and undated not in shown
    assert shown[ended_later].display_until == date(2026, 3, 18)
    assert shown[ended_later].display_cite == "CQ Art. 43"
    denied = dict(map(tuple, logs(platform)[-1].denied_records))
    assert denied[ended_early] == "period_ended" and denied[undated] == "period_start_unknown"


# ---------------------------------------------------------------------------------------------
# Authorizations
# ---------------------------------------------------------------------------------------------

def test_authorized_inquiry_grant_use_revoke(platform, world) -> None:  # type: ignore[no-untyped-def]
    seed = world["seed"]
    seed.institution(BANK_CODE, purposes=["loan_review"])
    bank, _ = seed.user(Role.service_institution, organisation=BANK_CODE)
    person = world["person"]
    nothing = inquiry.inquire(platform, bank, subject_ref=person, purpose="loan_review")
    assert nothing.refused is not None and nothing.refused.code == "authorization_missing"
    with platform.unit_of_work(world["me"]) as uow:
        grant = authorizations.grant(uow, subject_id=person, grantee=BANK_CODE, purpose="loan_review",
                                     scope=["private_detail"], valid_until=date(2026, 12, 31),
                                     document_ref="书面授权书 2026-001")
    result = inquiry.inquire(platform, bank, subject_ref=person, authorization_id=grant.id)
    assert result.served and result.authorization_id == grant.id and result.purpose == "loan_review"
    assert [r.id for r in result.records] == [world["person_private"]]              # the scope only
    assert logs(platform)[-1].denied_records == [[world["person_penalty"], "outside_authorized_scope"]]
    other = inquiry.inquire(platform, bank, subject_ref=world["org"], authorization_id=grant.id)
    assert other.refused is not None and other.refused.code == "not_authorized_subject"
    with platform.unit_of_work(world["me"]) as uow:
        revoked = authorizations.revoke(uow, subject_id=person, authorization_id=grant.id)
    assert revoked.state == "revoked"
    after = inquiry.inquire(platform, bank, subject_ref=person, authorization_id=grant.id)
    assert after.refused is not None and after.refused.code == "authorization_revoked"
    assert [e.action for e in ledger_actions(platform, "authorization.")] == ["authorization.granted",
                                                                               "authorization.revoked"]


def test_an_authorization_is_refused_when_incomplete(platform, world) -> None:  # type: ignore[no-untyped-def]
    with platform.unit_of_work(world["me"]) as uow, pytest.raises(Refusal) as bad:
        authorizations.grant(uow, subject_id=world["person"], grantee=BANK_CODE, purpose="loan_review",
                             scope=["no_such_item"], valid_until=date(2026, 12, 31), document_ref="x")
    assert bad.value.reason == "unknown_item"
    with platform.unit_of_work(world["me"]) as uow, pytest.raises(Refusal) as bad:
        authorizations.revoke(uow, subject_id=world["org"], authorization_id=999)
    assert bad.value.status == 404


# ---------------------------------------------------------------------------------------------
# The subject's view of the log, and its retention
# ---------------------------------------------------------------------------------------------

def test_a_subject_sees_who_looked_and_why(platform, world) -> None:  # type: ignore[no-untyped-def]
    inquiry.inquire(platform, world["duty"], subject_ref=world["person"], purpose="administrative_permit")
    inquiry.inquire(platform, PUBLIC, subject_ref=world["person"])
    inquiry.inquire(platform, world["duty"], subject_ref=world["org"], purpose="administrative_permit")
    total, entries = inquiry_log.my_inquiries(platform, world["me"])
    assert total == 2
    assert [(e.role, e.organisation, e.mode, e.purpose, e.refused_reason) for e in entries] == [
        ("public", None, "lawful_disclosure", None, "natural_person_not_public"),
        ("duty_department", "dept-01", "duty", "administrative_permit", None)]
    assert entries[0].mode_label is not None                                     # the rule file's wording
    with pytest.raises(Refusal):
        inquiry_log.my_inquiries(platform, world["duty"])


def test_the_sweep_purges_logs_older_than_three_years(platform, world, clock) -> None:  # type: ignore[no-untyped-def]
    for moment in (datetime(2023, 3, 16, 2, tzinfo=UTC), datetime(2023, 3, 17, 2, tzinfo=UTC),
                   datetime(2023, 3, 18, 2, tzinfo=UTC)):
        clock.set(moment)
        inquiry.inquire(platform, PUBLIC, subject_ref=world["org"])
    clock.set(datetime(2026, 3, 18, 2, tzinfo=UTC))
    inquiry.inquire(platform, PUBLIC, subject_ref=world["org"])
    result = inquiry_log.purge_expired_logs(platform)
    assert (result.purged, result.cutoff, result.retention, result.cite) == (2, date(2023, 3, 18), 3, "CQ Art. 22(3)")
    assert [r.inquired_on for r in logs(platform)] == [date(2023, 3, 18), date(2026, 3, 18)]
    (entry,) = ledger_actions(platform, "inquiry_log.")
    assert entry.facts_dict() == {"purged": 2, "cutoff": "2023-03-18", "retention_years": 3, "cite": "CQ Art. 22(3)"}
    again = inquiry_log.purge_expired_logs(platform)
    assert again.purged == 0


@pytest.mark.parametrize(("abbrev", "kept_because"), [("BJ", "unlimited"), ("GS", "not_provided")])
def test_long_term_or_unset_retention_purges_nothing(make_platform, clock, abbrev: str, kept_because: str) -> None:  # type: ignore[no-untyped-def]
    p = make_platform(abbrev)
    seed = Seed(p).catalog()
    org = seed.subject("legal_person", "示范长期公司")
    clock.set(datetime(2010, 1, 5, 2, tzinfo=UTC))
    inquiry.inquire(p, PUBLIC, subject_ref=org)
    clock.set(datetime(2026, 3, 18, 2, tzinfo=UTC))
    result = inquiry_log.purge_expired_logs(p)
    assert (result.purged, result.kept_because) == (0, kept_because)
    assert len(logs(p)) == 1 and ledger_actions(p, "inquiry_log.") == []


# ---------------------------------------------------------------------------------------------
# Public pages' data
# ---------------------------------------------------------------------------------------------

def test_organisation_lookup_never_finds_natural_persons(platform, world) -> None:  # type: ignore[no-untyped-def]
    with platform.sessions() as session:
        from xinyong.store.models.subjects import SubjectIdentifier

        code = session.scalar(select(SubjectIdentifier.value).where(SubjectIdentifier.subject_id == world["org"]))
        person_id = session.scalar(select(SubjectIdentifier.value)
                                   .where(SubjectIdentifier.subject_id == world["person"]))
    assert [h.id for h in public.find_organisations(platform, "示范建设")] == [world["org"]]
    assert [h.uscc for h in public.find_organisations(platform, code)] == [code]
    assert public.find_organisations(platform, "李四海") == []
    assert public.find_organisations(platform, person_id) == []
    assert public.find_organisations(platform, "%_") == []                     # LIKE wildcards are literal
    with pytest.raises(Refusal):
        public.find_organisations(platform, "x")


def test_double_publicity_with_publication_due_dates(make_platform, clock) -> None:  # type: ignore[no-untyped-def]
    nat = make_platform("NAT")
    seed = Seed(nat).catalog()
    org = seed.subject("legal_person", "示范食品有限公司")
    person = seed.subject("natural_person", "王五六")
    permit = seed.record(org, "admin_permit", decision_date=date(2026, 3, 2))
    penalty = seed.record(org, "tiered_penalty", decision_date=date(2026, 3, 2))
    seed.record(person, "tiered_penalty", decision_date=date(2026, 3, 2))     # a natural person: never listed
    seed.record(org, "shared_arrears")                                        # not a permit or penalty
    entries = public.double_publicity(nat)
    assert [e.record.id for e in entries] == [penalty, permit]
    by_kind = {e.kind: e for e in entries}
    # decided Monday 2026-03-02; 7 working days: due Wednesday 2026-03-11; received 2026-03-18: late
    assert by_kind["permit"].due == date(2026, 3, 11) and by_kind["permit"].on_time is False
    assert by_kind["penalty"].cite is not None and "2016" in by_kind["penalty"].cite
    assert by_kind["permit"].organisation is not None and by_kind["permit"].organisation.name == "示范食品有限公司"
    assert [e.record.id for e in public.double_publicity(nat, kind="permit")] == [permit]
    row = logs(nat)[0]
    assert row.mode == "lawful_disclosure" and sorted(row.returned_record_ids) == sorted([permit, penalty])


def test_double_publicity_under_a_local_regulation_takes_the_states_period(platform, world) -> None:  # type: ignore[no-untyped-def]
    # CQ defers double_publicity.publish to the State (Art. 24(2)): the same 7 working days, the State's cite
    world["seed"].record(world["org"], "admin_permit", decision_date=date(2026, 3, 2))
    (entry,) = public.double_publicity(platform, kind="permit")
    assert entry.due == date(2026, 3, 11) and entry.on_time is False
    assert entry.cite is not None and "2016" in entry.cite


def test_explain_without_a_record_is_not_found(platform, world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Refusal) as missing:
        inquiry.explain(platform, PUBLIC, 987654)
    assert missing.value.status == 404
    with platform.sessions() as session:
        assert session.scalar(select(func.count(InquiryLog.id))) == 0


# ---------------------------------------------------------------------------------------------
# Concurrent inquiries share commits, and each is still logged (or refused) on its own
# ---------------------------------------------------------------------------------------------

def _inquire_into(outcomes: dict[int, object], n: int, platform: Platform, who: Actor, kwargs: dict) -> None:  # type: ignore[type-arg]
    """One inquiry, as a thread's work: its result, or what it raised, under ``n``."""
    try:
        outcomes[n] = inquiry.inquire(platform, who, **kwargs)
    except Exception as exc:  # noqa: BLE001
        outcomes[n] = exc


def test_concurrent_inquiries_are_each_logged_and_one_failure_spoils_no_other(platform, world) -> None:  # type: ignore[no-untyped-def]
    import threading

    poison = Actor(Role.duty_department, "user:poison", "dept-02")

    def refuse(_conn, _cursor, statement, parameters, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO INQUIRY_LOG") and "user:poison" in str(parameters):
            raise RuntimeError("this one cannot be logged")

    outcomes: dict[int, object] = {}

    def ask(n: int) -> None:
        who, kwargs = [(PUBLIC, {"subject_ref": world["org"]}),
                       (world["duty"], {"subject_ref": world["person"], "purpose": "administrative_permit"}),
                       (poison, {"subject_ref": world["org"], "purpose": "administrative_permit"})][n % 3 if n < 3
                                                                                                  else n % 2]
        _inquire_into(outcomes, n, platform, who, kwargs)

    event.listen(platform.engine, "before_cursor_execute", refuse)
    try:
        threads = [threading.Thread(target=ask, args=(n,)) for n in range(24)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        event.remove(platform.engine, "before_cursor_execute", refuse)
    assert is_not_logged(outcomes[2])
    served = [o for n, o in outcomes.items() if n != 2]
    assert all(isinstance(o, InquiryResult) and o.served for o in served), served
    rows = logs(platform)
    assert sorted(r.id for r in rows) == sorted(o.inquiry_id for o in served)        # one row each, no more
    duty_rows = [r for r in rows if r.mode == "duty"]
    assert len(ledger_actions(platform)) == len(duty_rows)
    with platform.sessions() as session:
        report = verification.verify(session, None)
    assert report.ok, report.to_dict()


@pytest.mark.parametrize("poisoned", [False, True])
def test_inquiries_queued_behind_a_busy_writer_share_one_commit_and_one_failure_costs_only_itself(  # type: ignore[no-untyped-def]
        platform, world, poisoned) -> None:
    """While the writer runs one inquiry, the next ones queue and run as one batch: first together
    without savepoints; when one fails, that attempt is rolled back and the batch runs again with a
    savepoint each — every other inquiry is served, logged once and ledgered once."""
    import threading

    group = writer._group(platform)
    first_running, release = threading.Event(), threading.Event()
    statements: list[str] = []
    poison = Actor(Role.duty_department, "user:poison", "dept-02")
    duty_kwargs = {"subject_ref": world["person"], "purpose": "administrative_permit"}
    askers = [(PUBLIC, {"subject_ref": world["org"]}), (world["duty"], duty_kwargs),
              (poison, {"subject_ref": world["org"], "purpose": "administrative_permit"}),
              (PUBLIC, {"subject_ref": world["org"]}), (world["duty"], duty_kwargs)]

    def watch(_conn, _cursor, statement, parameters, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement.split()[0].upper())
        if statement.lstrip().upper().startswith("INSERT INTO INQUIRY_LOG"):
            if "user:first" in str(parameters):
                first_running.set()
                assert release.wait(10)
            if poisoned and "user:poison" in str(parameters):
                raise RuntimeError("this one cannot be logged")

    outcomes: dict[int, object] = {}
    first_department = Actor(Role.duty_department, "user:first", "dept-01")

    event.listen(platform.engine, "before_cursor_execute", watch)
    try:
        first = threading.Thread(target=_inquire_into, args=(outcomes, -1, platform, first_department, duty_kwargs))
        first.start()
        assert first_running.wait(10)
        threads = [threading.Thread(target=_inquire_into, args=(outcomes, n, platform, who, kwargs))
                   for n, (who, kwargs) in enumerate(askers)]
        for t in threads:
            t.start()
        deadline = datetime.now(UTC).timestamp() + 10
        while len(group.queue) < len(askers) and datetime.now(UTC).timestamp() < deadline:
            threading.Event().wait(0.01)
        assert len(group.queue) == len(askers)          # all queued behind the busy writer
        statements.clear()
        release.set()
        for t in [first, *threads]:
            t.join()
    finally:
        event.remove(platform.engine, "before_cursor_execute", watch)
    assert is_not_logged(outcomes[2]) is poisoned
    served = [o for n, o in outcomes.items() if n != 2 or not poisoned]
    assert all(isinstance(o, InquiryResult) and o.served for o in served), served
    # The batch ran together without savepoints; poisoned, that attempt failed and it ran again with
    # one savepoint per inquiry.
    assert statements.count("SAVEPOINT") == (len(askers) if poisoned else 0)
    rows = logs(platform)
    assert sorted(r.id for r in rows) == sorted(o.inquiry_id for o in served)        # one row each, no more
    by_id = {r.id: r for r in rows}
    for n, (who, _kwargs) in enumerate(askers):       # each answer names its own log row
        if not (poisoned and n == 2):
            result = outcomes[n]
            assert isinstance(result, InquiryResult)
            assert by_id[result.inquiry_id].principal == who.principal
            assert by_id[result.inquiry_id].subject_id == result.subject.id
    entries = ledger_actions(platform)
    assert len(entries) == len([r for r in rows if r.mode == "duty"])
    assert {e.entity_id for e in entries} == {str(r.id) for r in rows if r.mode == "duty"}
    with platform.sessions() as session:
        assert verification.verify(session, None).ok


def test_the_writer_ends_when_idle_and_the_next_inquiry_starts_another(platform, world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(writer, "_WRITER_IDLE_SECONDS", 0.05)
    group = writer._group(platform)
    assert inquiry.inquire(platform, PUBLIC, subject_ref=world["org"]).served
    thread = group.writer
    if thread is not None:
        thread.join(10)
        assert not thread.is_alive()
    assert group.writer is None
    assert inquiry.inquire(platform, PUBLIC, subject_ref=world["org"]).served
    assert len(logs(platform)) == 2


def test_an_awaited_inquiry_finds_its_caller_in_its_own_transaction(platform, world) -> None:  # type: ignore[no-untyped-def]
    """``inquire_async`` with a function for the caller: it runs inside the inquiry's transaction;
    what it raises, the caller gets, with nothing logged; what it returns is who the log names."""
    import asyncio

    seen: list[bool] = []

    def the_department(session) -> Actor:  # type: ignore[no-untyped-def]
        seen.append(session.in_transaction())
        return world["duty"]

    def nobody(_session) -> Actor:  # type: ignore[no-untyped-def]
        raise PermissionError("unknown token")

    async def both() -> tuple[object, object]:
        served = await inquiry.inquire_async(platform, the_department, subject_ref=world["person"],
                                            purpose="administrative_permit")
        try:
            await inquiry.inquire_async(platform, nobody, subject_ref=world["org"])
        except PermissionError as exc:
            return served, exc
        return served, None

    served, refused = asyncio.run(both())
    assert isinstance(served, InquiryResult) and served.served and served.mode is Mode.duty
    assert isinstance(refused, PermissionError) and seen == [True]
    (row,) = logs(platform)
    assert row.principal == world["duty"].principal and row.organisation == world["duty"].organisation


def test_a_record_decided_before_any_value_is_timed_by_the_first_value_after_it(make_platform, clock) -> None:  # type: ignore[no-untyped-def]
    """Decided a day before the first national value came into force: timed by that first value (the rule
    that first governed its display, as for a record decided the next day), labelled so; never by
    today's value, which would put an older record under a later regime than younger ones."""
    nat = make_platform("NAT")
    seed = Seed(nat).catalog()
    org = seed.subject("legal_person", "示范化工有限公司")
    clock.set(datetime(2026, 4, 2, 2, 0, tzinfo=UTC))
    early = seed.record(org, "tiered_penalty", decision_date=date(2023, 4, 30))     # no value in force then
    first = seed.record(org, "tiered_penalty", decision_date=date(2023, 5, 1))      # NDRC Order 58 from here
    result = inquiry.inquire(nat, PUBLIC, subject_ref=org)
    until = {r.id: (r.display_until, r.display_cite) for r in result.records}
    assert until[early][0] == date(2026, 4, 30) and until[first][0] == date(2026, 5, 1)   # 36 months each
    assert "Order No. 58" in until[early][1] and "in force from 2023-05-01" in until[early][1]
    assert "after the decision of 2023-04-30" in until[early][1]
    assert "after the decision" not in until[first][1]
