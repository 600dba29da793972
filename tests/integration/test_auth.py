"""Sign-in: Argon2 passwords, hashed revocable tokens, sessions, real-name verification, institutions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.services.identity import accounts as auth
from xinyong.services.identity import institutions
from xinyong.services.subjects import registry as subjects
from xinyong.store.models.auth import ApiToken, User

ADMIN = Actor.system("test")


def test_passwords_are_stored_as_argon2_hashes_and_checked(platform):
    with platform.unit_of_work(ADMIN) as uow:
        auth.create_user(uow, username="op1", role=Role.operator, password="correct horse battery")
    with platform.sessions() as session:
        stored = session.scalar(select(User.password_hash))
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    with platform.unit_of_work(ADMIN) as uow:
        assert auth.check_password(uow, "op1", "correct horse battery").role == "operator"
    with pytest.raises(Refusal) as caught, platform.unit_of_work(ADMIN) as uow:
        auth.check_password(uow, "op1", "wrong password!")
    assert caught.value.reason == "bad_credentials"


def test_short_passwords_and_duplicate_usernames_are_refused(platform):
    with pytest.raises(Refusal) as short, platform.unit_of_work(ADMIN) as uow:
        auth.create_user(uow, username="a", role=Role.operator, password="short")
    assert short.value.field == "password"
    with platform.unit_of_work(ADMIN) as uow:
        auth.create_user(uow, username="a", role=Role.operator, password="long enough pw")
    with pytest.raises(Refusal) as dup, platform.unit_of_work(ADMIN) as uow:
        auth.create_user(uow, username="a", role=Role.operator, password="long enough pw")
    assert dup.value.reason == "username_taken"


def test_tokens_are_stored_hashed_resolve_until_revoked_or_expired(platform, clock):
    with platform.unit_of_work(ADMIN) as uow:
        user = auth.create_user(uow, username="dept", role=Role.duty_department, organisation="D1")
        token = auth.issue_token(uow, user, label="counter")
        short = auth.issue_token(uow, user, expires_at=clock.now() + timedelta(hours=1))
    with platform.sessions() as session:
        digests = set(session.scalars(select(ApiToken.token_sha256)))
    assert token not in digests and auth.digest(token) in digests
    with platform.unit_of_work(ADMIN) as uow:
        found = auth.resolve_token(uow, token)
        assert found is not None and auth.actor_for(found[0]) == Actor(Role.duty_department, f"user:{user.id}", "D1")
        token_id = found[1].id
    clock.advance(hours=2)
    with platform.unit_of_work(ADMIN) as uow:
        assert auth.resolve_token(uow, short) is None
        auth.revoke_token(uow, token_id)
    with platform.unit_of_work(ADMIN) as uow:
        assert auth.resolve_token(uow, token) is None
        assert auth.resolve_token(uow, "xyu_made-up") is None


def test_real_name_verification_binds_a_user_to_their_subject(platform):
    with platform.unit_of_work(ADMIN) as uow:
        subjects.register(uow, identifier="11010519491231002X", display_name="张三", kind="natural_person")
        user = auth.create_user(uow, username="zhang", role=Role.public, password="a long password")
        with pytest.raises(Refusal) as refused:
            auth.verify_real_name(uow, user, identifier="11010519491231002X", display_name="李四", evidence="demo",
                                  verifier=auth.DemoVerifier())
        assert refused.value.reason == "realname_failed"
        subject = auth.verify_real_name(uow, user, identifier="11010519491231002X", display_name="张三",
                                        evidence="demo", verifier=auth.DemoVerifier())
        assert user.subject_id == subject.id and user.role == "subject"


def test_an_institution_needs_a_filing_and_an_agreement_in_force(platform):
    today = date(2026, 3, 18)
    with platform.unit_of_work(ADMIN) as uow:
        with pytest.raises(Refusal) as refused:
            institutions.add_agreement(uow, "91500000MA5U0AB10L", number="A1", scope=["x"], purposes=["loan"],
                                       valid_from=today, valid_until=today)
        assert (refused.value.field, refused.value.reason) == ("institution", "unknown")
        institutions.register(uow, code="91500000MA5U0AB10L", name="示范征信有限公司", filing_kind="filing",
                              filing_number="备-001", filed_with="competent department", filed_on=date(2025, 1, 1))
        institutions.add_agreement(uow, "91500000MA5U0AB10L", number="A1", scope=["admin_penalty"],
                                   purposes=["loan"], valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31))
    with platform.sessions() as session:
        assert institutions.agreement_in_force(session, "91500000MA5U0AB10L", today).scope == ["admin_penalty"]
        assert institutions.agreement_in_force(session, "91500000MA5U0AB10L", date(2027, 1, 1)) is None


def test_the_demo_brings_accounts_a_newcomer_can_sign_in_with(platform):
    """After ``xinyong demo`` (``make run``) the documented accounts work with the printed password."""
    from xinyong.services.demo.loader import demo_password, load_demo

    summary = load_demo(platform)
    assert summary["accounts"] == ["zhangming", "sunlei-shop", "newcomer", "market-inspector", "operator",
                                   "market-clerk", "supervisor"]
    with platform.unit_of_work(ADMIN) as uow:
        person = auth.check_password(uow, "zhangming", demo_password())
        assert person.role == "subject" and person.real_name_verified_at is not None
        assert subjects.get(uow, person.subject_id).display_name == "张明"
        inspector = auth.check_password(uow, "market-inspector", demo_password())
        assert (inspector.role, inspector.organisation) == ("duty_department", "market-regulation")
        assert auth.check_password(uow, "newcomer", demo_password()).subject_id is None
    assert load_demo(platform, once=False)["accounts"] == []      # loading again keeps them, adds none


def test_a_refused_sign_in_is_in_the_audit_ledger_without_the_username(platform):
    from xinyong.services.audit import ledger
    with platform.unit_of_work(ADMIN) as uow:
        auth.create_user(uow, username="op2", role=Role.operator, password="correct horse battery")
    with pytest.raises(Refusal) as refused:
        auth.sign_in(platform, ADMIN, "op2", "not the password")
    assert (refused.value.reason, refused.value.status) == ("bad_credentials", 401)
    user, secret = auth.sign_in(platform, ADMIN, "op2", "correct horse battery")
    assert user.username == "op2" and secret
    with platform.sessions() as session:
        failed = ledger.entries(session, entity="user")
        actions = [e.action for e in failed]
        assert actions.count("auth.failed") == 1 and "session.started" in actions
        (entry,) = [e for e in failed if e.action == "auth.failed"]
        assert "op2" not in entry.facts and entry.facts_dict()["username_sha256"] == auth.digest("op2")
