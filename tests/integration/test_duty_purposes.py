"""Duty purposes registered by departments (SH 17(2), BJ 20) on a real database (SQLite, and
PostgreSQL with XINYONG_TEST_DATABASE_URL): where the rule file lists no duty purposes, a duty
inquiry is served only for a purpose its department registered and has in force; where it lists
them, the list governs as before. Registering and withdrawing are ledgered and only the department
itself or the operator may do them."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import event, select

from access_seed import Seed
from xinyong.domain.disclosure.policy import BASELINE
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.services.audit import verification
from xinyong.services.disclosure import duty_purposes, inquiry
from xinyong.services.disclosure.rules_in_force import policy_rules
from xinyong.services.platform.bootstrap import Platform
from xinyong.store.models.access import InquiryLog
from xinyong.store.models.ledger import LedgerEntry

SYSTEM = Actor.system("test")
DEPT = Actor(Role.duty_department, "user:dept", "dept-a")
OTHER_DEPT = Actor(Role.duty_department, "user:other", "dept-b")
OPERATOR = Actor(Role.operator, "user:op", "center")


def register(platform: Platform, actor: Actor, key: str, organisation: str | None = None,
             **overrides: str) -> duty_purposes.DutyPurposeView:
    fields = {"duty": "依法实施行政许可", "legal_basis": "《示范法》第十条", "label_zh": "实施行政许可",
              "label_en": "Granting permits", **overrides}
    with platform.unit_of_work(actor) as uow:
        return duty_purposes.register(uow, organisation=organisation, key=key, **fields)


def withdraw(platform: Platform, actor: Actor, key: str, organisation: str | None = None) -> None:
    with platform.unit_of_work(actor) as uow:
        duty_purposes.withdraw(uow, organisation=organisation, key=key)


@pytest.fixture
def world(platform):  # type: ignore[no-untyped-def]
    seed = Seed(platform).catalog()
    org = seed.subject("legal_person", "示范登记有限公司")
    seed.record(org, "public_penalty", conduct_ended=date(2025, 1, 1))
    seed.record(org, "shared_arrears")
    return {"seed": seed, "org": org}


@pytest.fixture
def make_platform(settings, clock):  # type: ignore[no-untyped-def]
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


def duty_cite(platform: Platform) -> str:
    """The article the rule file gives for inquiry by duty (the baseline where it gives none)."""
    rules = policy_rules(platform, platform.clock.today())
    assert rules.duty_purposes is None, "the test regulation must list no duty purposes"
    return rules.modes.get("duty") or BASELINE


def test_an_unregistered_purpose_is_refused_with_the_article(platform, world) -> None:  # type: ignore[no-untyped-def]
    result = inquiry.inquire(platform, DEPT, subject_ref=world["org"], purpose="administrative_permit")
    assert not result.served and result.refused is not None
    assert result.refused.code == "purpose_not_registered"
    assert result.refused.cite == duty_cite(platform) != BASELINE
    assert result.refused.message_zh and result.refused.message_en
    with platform.sessions() as session:
        row = session.scalars(select(InquiryLog)).one()
        entry = session.scalars(select(LedgerEntry).where(LedgerEntry.action == "inquiry.refused")).one()
    assert (row.refused_reason, row.returned_record_ids) == ("purpose_not_registered", [])
    assert entry.facts_dict()["refused"] == "purpose_not_registered"


def test_a_registered_purpose_is_served_and_a_withdrawn_one_refused(platform, world) -> None:  # type: ignore[no-untyped-def]
    view = register(platform, DEPT, "administrative_permit")
    assert (view.organisation, view.key, view.state) == ("dept-a", "administrative_permit", "in_force")
    served = inquiry.inquire(platform, DEPT, subject_ref=world["org"], purpose="administrative_permit")
    assert served.served and len(served.records) == 2
    unregistered = inquiry.inquire(platform, DEPT, subject_ref=world["org"], purpose="inspection")
    assert unregistered.refused is not None and unregistered.refused.code == "purpose_not_registered"

    withdraw(platform, DEPT, "administrative_permit")
    refused = inquiry.inquire(platform, DEPT, subject_ref=world["org"], purpose="administrative_permit")
    assert refused.refused is not None and refused.refused.code == "purpose_not_registered"
    explained = inquiry.explain(platform, DEPT, served.records[0].id, mode="duty", purpose="administrative_permit")
    assert not explained.decision.visible and explained.refused is not None
    assert explained.refused.code == "purpose_not_registered"

    register(platform, DEPT, "administrative_permit")          # registered again: in force again
    assert inquiry.inquire(platform, DEPT, subject_ref=world["org"], purpose="administrative_permit").served
    with platform.sessions() as session:
        history = duty_purposes.listing(session, platform.clock.today(), organisation="dept-a",
                                        include_withdrawn=True)
        in_force = duty_purposes.listing(session, platform.clock.today(), organisation="dept-a")
    assert [v.state for v in history] == ["withdrawn", "in_force"] and len(in_force) == 1


def test_another_departments_purpose_is_refused(platform, world) -> None:  # type: ignore[no-untyped-def]
    register(platform, OTHER_DEPT, "administrative_permit")
    result = inquiry.inquire(platform, DEPT, subject_ref=world["org"], purpose="administrative_permit")
    assert result.refused is not None and result.refused.code == "purpose_not_registered"
    assert inquiry.inquire(platform, OTHER_DEPT, subject_ref=world["org"], purpose="administrative_permit").served
    nameless = Actor(Role.duty_department, "user:nameless", None)      # a department account with no code
    refused = inquiry.inquire(platform, nameless, subject_ref=world["org"], purpose="administrative_permit")
    assert refused.refused is not None and refused.refused.code == "purpose_not_registered"


def test_the_operator_inquires_by_duty_for_its_own_registered_purposes(platform, world) -> None:  # type: ignore[no-untyped-def]
    refused = inquiry.inquire(platform, OPERATOR, subject_ref=world["org"], purpose="credit_supervision")
    assert refused.refused is not None and refused.refused.code == "purpose_not_registered"
    register(platform, OPERATOR, "credit_supervision")
    assert inquiry.inquire(platform, OPERATOR, subject_ref=world["org"], purpose="credit_supervision").served


def test_a_duty_inquiry_reads_the_registered_purposes_once(platform, world) -> None:  # type: ignore[no-untyped-def]
    register(platform, DEPT, "administrative_permit")
    seen: list[str] = []

    def watch(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if "duty_purposes" in statement:
            seen.append(statement)

    event.listen(platform.engine, "before_cursor_execute", watch)
    try:
        assert inquiry.inquire(platform, DEPT, subject_ref=world["org"], purpose="administrative_permit").served
        assert len(seen) == 1 and "organisation" in seen[0]
        seen.clear()
        inquiry.inquire(platform, Actor(Role.public, "anonymous"), subject_ref=world["org"])
        assert seen == []                       # only a duty inquiry under a regulation without a list asks
    finally:
        event.remove(platform.engine, "before_cursor_execute", watch)


@pytest.mark.parametrize("abbrev", ["GS", "SH", "BJ"])
def test_a_rule_listed_purpose_is_unaffected_by_registrations(make_platform, abbrev: str) -> None:  # type: ignore[no-untyped-def]
    p = make_platform(abbrev)
    seed = Seed(p).catalog()
    org = seed.subject("legal_person", "示范清单有限公司")
    seed.record(org, "public_penalty", conduct_ended=date(2025, 1, 1))
    rules = policy_rules(p, p.clock.today())
    assert rules.duty_purposes, f"{abbrev} lists duty purposes"
    listed = sorted(rules.duty_purposes)[0]
    assert inquiry.inquire(p, DEPT, subject_ref=org, purpose=listed).served          # nothing registered
    register(p, DEPT, "not_on_the_list")
    off_list = inquiry.inquire(p, DEPT, subject_ref=org, purpose="not_on_the_list")
    assert off_list.refused is not None and off_list.refused.code == "purpose_not_listed"
    seen: list[str] = []

    def watch(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if "duty_purposes" in statement:
            seen.append(statement)

    event.listen(p.engine, "before_cursor_execute", watch)
    try:
        assert inquiry.inquire(p, DEPT, subject_ref=org, purpose=listed).served
    finally:
        event.remove(p.engine, "before_cursor_execute", watch)
    assert seen == []                            # the list governs: registrations are not even read


def test_who_may_register_and_withdraw(platform) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Refusal) as other:
        register(platform, DEPT, "administrative_permit", organisation="dept-b")
    assert (other.value.status, other.value.field, other.value.reason) == (403, "organisation", "not_own_department")
    for role in (Role.service_institution, Role.providing_unit, Role.competent_department, Role.subject,
                 Role.public, Role.administrator):
        with pytest.raises(Refusal) as refused:
            register(platform, Actor(role, "user:x", "dept-a"), "administrative_permit", organisation="dept-a")
        assert refused.value.status == 403, role
    assert register(platform, OPERATOR, "administrative_permit", organisation="dept-a").organisation == "dept-a"
    with pytest.raises(Refusal) as foreign:
        withdraw(platform, OTHER_DEPT, "administrative_permit", organisation="dept-a")
    assert foreign.value.status == 403
    withdraw(platform, DEPT, "administrative_permit")
    with pytest.raises(Refusal) as gone:
        withdraw(platform, DEPT, "administrative_permit")
    assert (gone.value.status, gone.value.reason) == (404, "purpose_unknown")


@pytest.mark.parametrize(("overrides", "field", "reason"), [
    ({"key": "Administrative Permit"}, "key", "invalid"),
    ({"key": "x"}, "key", "invalid"),
    ({"legal_basis": "  "}, "legal_basis", "required"),
    ({"duty": ""}, "duty", "required"),
    ({"label_zh": ""}, "label_zh", "required"),
    ({"label_en": "x" * 201}, "label_en", "too_long"),
    ({"organisation": "bad code"}, "organisation", "invalid"),
])
def test_a_bad_registration_names_the_field_and_changes_nothing(platform, overrides, field, reason) -> None:  # type: ignore[no-untyped-def]
    values = {"key": "administrative_permit", "organisation": "dept-a", **overrides}
    key, organisation = values.pop("key"), values.pop("organisation")
    with pytest.raises(Refusal) as refused:
        register(platform, OPERATOR, key, organisation=organisation, **values)
    assert (refused.value.field, refused.value.reason, refused.value.status) == (field, reason, 422)
    assert refused.value.message_zh and refused.value.message_en
    with platform.sessions() as session:
        assert duty_purposes.listing(session, platform.clock.today(), include_withdrawn=True) == []


def test_registering_twice_is_refused_and_both_changes_are_ledgered(platform) -> None:  # type: ignore[no-untyped-def]
    first = register(platform, DEPT, "administrative_permit")
    with pytest.raises(Refusal) as twice:
        register(platform, DEPT, "administrative_permit")
    assert (twice.value.status, twice.value.reason) == (409, "already_registered")
    withdraw(platform, DEPT, "administrative_permit")
    with platform.sessions() as session:
        entries = list(session.scalars(select(LedgerEntry).where(LedgerEntry.action.like("duty_purpose.%"))
                                       .order_by(LedgerEntry.seq)))
        assert verification.verify(session, None).ok
    assert [(e.action, e.entity_id) for e in entries] == [("duty_purpose.registered", str(first.id)),
                                                          ("duty_purpose.withdrawn", str(first.id))]
    facts = entries[0].facts_dict()
    assert facts["organisation"] == "dept-a" and facts["key"] == "administrative_permit"
    assert len(facts["content_sha256"]) == 64 and "legal_basis" not in facts


def test_the_demo_registers_the_market_inspectors_purposes(platform) -> None:  # type: ignore[no-untyped-def]
    from xinyong.services.demo.loader import load_duty_purposes

    assert load_duty_purposes(platform) >= 1
    assert load_duty_purposes(platform) == 0          # again: kept, none added
    with platform.sessions() as session:
        keys = {v.key for v in duty_purposes.listing(session, platform.clock.today(),
                                                     organisation="market-regulation")}
    assert "administrative_permit" in keys


def test_the_readme_purpose_works_under_every_regulation() -> None:
    """The README's market-inspector example names ``administrative_permit``: under every rule file it is
    either on the rule file's list of duty purposes or registered by the demo for the department."""
    from importlib import resources

    import yaml

    from xinyong.rules import load_rulebook
    from xinyong.rules.errors import NoValueInForce, RuleNotProvided

    demo = yaml.safe_load(resources.files("xinyong.demo").joinpath("subjects.yaml").read_text(encoding="utf-8"))
    registered = {(e["organisation"], e["key"]) for e in demo["duty_purposes"]}
    inspector = next(a for a in demo["accounts"] if a["username"] == "market-inspector")
    assert (inspector["organisation"], "administrative_permit") in registered
    for ruleset in load_rulebook():
        try:
            listed = ruleset.value("inquiry.duty_purposes", date(2026, 3, 18)).value
        except (RuleNotProvided, NoValueInForce):       # no list: the registered purposes decide
            continue
        assert "administrative_permit" in {p.key for p in listed}, ruleset.id


def last_json(output: str):  # type: ignore[no-untyped-def]
    """The JSON a command printed (its last line; log lines may come before it)."""
    return json.loads(output.strip().splitlines()[-1])


def test_the_cli_registers_lists_and_withdraws(monkeypatch, settings, platform, world, clock) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from typer.testing import CliRunner

    from xinyong.cli import app
    from xinyong.settings import reset_settings

    monkeypatch.setenv("XINYONG_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("XINYONG_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("XINYONG_JURISDICTION", settings.jurisdiction)
    reset_settings()
    clock.set(datetime.now(UTC))        # the command runs on the system clock: the same day
    runner = CliRunner()
    try:
        made = runner.invoke(app, ["duty-purposes", "register", "inspection", "--org", "dept-a", "--duty", "监督检查",
                                   "--basis", "《示范法》第十二条", "--label-zh", "检查", "--label-en", "Inspections",
                                   "--json"])
        assert made.exit_code == 0, made.output
        assert last_json(made.output)["state"] == "in_force"
        assert inquiry.inquire(platform, DEPT, subject_ref=world["org"], purpose="inspection").served
        bad = runner.invoke(app, ["duty-purposes", "register", "Bad Key", "--org", "dept-a", "--duty", "x",
                                  "--basis", "y", "--label-zh", "z", "--label-en", "z"])
        assert bad.exit_code == 2 and "key" in bad.output
        listed = runner.invoke(app, ["duty-purposes", "list", "--org", "dept-a", "--json"])
        assert [p["key"] for p in last_json(listed.output)] == ["inspection"]
        gone = runner.invoke(app, ["duty-purposes", "withdraw", "inspection", "--org", "dept-a", "--json"])
        assert gone.exit_code == 0 and last_json(gone.output)["state"] == "withdrawn"
        refused = inquiry.inquire(platform, DEPT, subject_ref=world["org"], purpose="inspection")
        assert refused.refused is not None and refused.refused.code == "purpose_not_registered"
    finally:
        reset_settings()
