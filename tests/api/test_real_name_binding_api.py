"""One identity, one account (issue 12, part 2): the binding cases of the outside probe, through the
API and the portal, which share ``services.auth.verify_real_name``. Zero allowed: an organisation's,
a department's, the operator's or an institution's account binding itself to a person; a verified
account re-verifying as someone else; a second account binding a person already bound; a citizen
account binding an organisation's credit code. A valid identity number with no records yet is a
normal case: the person is registered as a subject and verified."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from access_seed import Seed, citizen_id, uscc
from xinyong.domain.identity.actors import Actor, Role
from xinyong.services.identity import accounts as auth
from xinyong.store.models.auth import User
from xinyong.store.models.ledger import LedgerEntry
from xinyong.store.models.subjects import Subject, SubjectIdentifier

SETUP = Actor.system("binding-test")
PASSWORD = "correct horse battery"  # noqa: S105 - a test password
PERSON = (citizen_id(701, "19800202"), "钱七一")           # registered, with a record
OTHER = (citizen_id(702, "19900303"), "周七二")            # registered, no account
NEWCOMER = (citizen_id(703, "19950404"), "吴七三")         # valid, never registered
ORG = (uscc(7070), "示范绑定有限公司")
# Organisation accounts (role, organisation code): none may bind itself to a person.
ORGANISATION_ACCOUNTS = [
    (Role.duty_department, "dept-binding"),
    (Role.providing_unit, "unit-binding"),
    (Role.operator, "center"),
    (Role.service_institution, uscc(7171)),
    (Role.competent_department, "supervisor"),
    (Role.administrator, None),
    (Role.public, "org-with-a-public-account"),     # a citizen role, but an organisation's account
]


@pytest.fixture
def world(platform):  # type: ignore[no-untyped-def]
    seed = Seed(platform).catalog()
    person = seed.subject("natural_person", PERSON[1], PERSON[0])
    other = seed.subject("natural_person", OTHER[1], OTHER[0])
    org = seed.subject("legal_person", ORG[1], ORG[0])
    return {"platform": platform, "person": person, "other": other, "org": org,
            "record": seed.record(person, "private_detail")}


def account(platform, username: str, role: Role = Role.public, organisation: str | None = None) -> str:  # type: ignore[no-untyped-def]
    """A new account and a bearer token of it."""
    with platform.unit_of_work(SETUP) as uow:
        user = auth.create_user(uow, username=username, role=role, password=PASSWORD, organisation=organisation)
        return auth.issue_token(uow, user, label="test")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def bind(client, token: str, who: tuple[str, str], evidence: str = "demo"):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/auth/real-name", headers=bearer(token),
                       json={"identifier": who[0], "display_name": who[1], "evidence": evidence})


def bound_to(platform, username: str) -> tuple[int | None, str, object]:  # type: ignore[no-untyped-def]
    with platform.sessions() as session:
        user = session.scalar(select(User).where(User.username == username))
        return user.subject_id, user.role, user.real_name_verified_at


def assert_refusal(response, status: int, reason: str, field: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert (detail["reason"], detail["field"]) == (reason, field)
    assert detail["message_zh"] and detail["message_en"] and detail["message_zh"] != detail["message_en"]


# --------------------------------------------------------------------------------------------------
# The API
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "organisation"), ORGANISATION_ACCOUNTS, ids=lambda v: str(v))
def test_an_organisations_account_cannot_bind_itself_to_a_person(client, world, role, organisation) -> None:  # type: ignore[no-untyped-def]
    platform = world["platform"]
    token = account(platform, "org-account", role, organisation)
    assert_refusal(bind(client, token, PERSON), 403, "role_not_allowed", "account")
    assert bound_to(platform, "org-account") == (None, role.value, None)
    # and so it never reads the person's records in self mode
    own = client.get(f"/api/v1/subjects/{world['person']}/records", params={"mode": "self"}, headers=bearer(token))
    assert own.status_code == 403 and "records" not in own.json()
    assert client.get("/api/v1/auth/me", headers=bearer(token)).json()["subject_id"] is None


def test_a_verified_account_cannot_reverify_as_someone_else(client, world) -> None:  # type: ignore[no-untyped-def]
    platform = world["platform"]
    token = account(platform, "qian")
    first = bind(client, token, PERSON)
    assert first.status_code == 200 and first.json()["subject_id"] == world["person"]
    assert_refusal(bind(client, token, OTHER), 409, "already_verified", "account")
    assert_refusal(bind(client, token, PERSON), 409, "already_verified", "account")    # not even again
    assert bound_to(platform, "qian")[:2] == (world["person"], "subject")
    # a subject account bound by the operator (an organisation's own account) cannot re-bind either
    with platform.unit_of_work(SETUP) as uow:
        owner = auth.create_user(uow, username="org-owner", role=Role.subject, subject_id=world["org"])
        owner_token = auth.issue_token(uow, owner)
    assert_refusal(bind(client, owner_token, OTHER), 409, "already_verified", "account")


def test_a_second_account_cannot_bind_a_person_already_bound(client, world) -> None:  # type: ignore[no-untyped-def]
    platform = world["platform"]
    assert bind(client, account(platform, "first"), PERSON).status_code == 200
    second = account(platform, "second")
    assert_refusal(bind(client, second, PERSON), 409, "subject_already_bound", "identifier")
    assert bound_to(platform, "second") == (None, "public", None)
    own = client.get(f"/api/v1/subjects/{world['person']}/records", params={"mode": "self"}, headers=bearer(second))
    assert own.status_code == 403
    # the refusal comes only after the verifier: a stranger learns nothing about who has an account
    assert_refusal(bind(client, second, PERSON, evidence="wrong"), 422, "realname_failed", None)


def test_a_valid_person_with_no_records_yet_is_registered_and_verified(client, world) -> None:  # type: ignore[no-untyped-def]
    platform = world["platform"]
    token = account(platform, "wu")
    with platform.sessions() as session:
        assert session.scalar(select(SubjectIdentifier.id).where(SubjectIdentifier.value == NEWCOMER[0])) is None
    # the verifier still decides
    assert_refusal(bind(client, token, NEWCOMER, evidence="not demo"), 422, "realname_failed", None)
    with platform.sessions() as session:
        assert session.scalar(select(SubjectIdentifier.id).where(SubjectIdentifier.value == NEWCOMER[0])) is None
    done = bind(client, token, NEWCOMER)
    assert done.status_code == 200, done.text
    assert done.json()["role"] == "subject"
    subject_id = done.json()["subject_id"]
    with platform.sessions() as session:
        subject = session.get(Subject, subject_id)
        assert (subject.kind, subject.display_name) == ("natural_person", NEWCOMER[1])
        actions = [e.action for e in session.scalars(select(LedgerEntry).order_by(LedgerEntry.seq))][-2:]
        facts = session.scalar(select(LedgerEntry.facts).where(LedgerEntry.action == "realname.verified"))
    assert actions == ["subject.registered", "realname.verified"]
    assert NEWCOMER[0] not in facts and NEWCOMER[1] not in facts
    assert bound_to(platform, "wu")[:2] == (subject_id, "subject")
    own = client.get(f"/api/v1/subjects/{subject_id}/records", headers=bearer(token))
    assert own.status_code == 200 and own.json()["mode"] == "self" and own.json()["records"] == []


def test_a_citizen_account_cannot_bind_an_organisations_credit_code(client, world) -> None:  # type: ignore[no-untyped-def]
    platform = world["platform"]
    token = account(platform, "zheng")
    assert_refusal(bind(client, token, ORG), 422, "not_citizen_id", "identifier")
    assert_refusal(bind(client, token, ("P12345678", "郑七四")), 422, "not_citizen_id", "identifier")  # passport
    assert bound_to(platform, "zheng") == (None, "public", None)


def test_binding_needs_a_signed_in_account(client, world) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/auth/real-name", json={"identifier": PERSON[0], "display_name": PERSON[1],
                                                            "evidence": "demo"})
    assert response.status_code == 401


# --------------------------------------------------------------------------------------------------
# The portal: the same function, the same refusals, rendered in the page's language
# --------------------------------------------------------------------------------------------------

def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def portal_sign_in(client, platform, username: str, role: Role = Role.public,  # type: ignore[no-untyped-def]
                   organisation: str | None = None) -> None:
    with platform.unit_of_work(SETUP) as uow:
        auth.create_user(uow, username=username, role=role, password=PASSWORD, organisation=organisation)
    page = client.get("/login")
    signed = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": _csrf(page.text)},
                         follow_redirects=False)
    assert signed.status_code == 303


def portal_bind(client, who: tuple[str, str], lang: str = "en"):  # type: ignore[no-untyped-def]
    page = client.get(f"/me?lang={lang}")
    return client.post(f"/me/verify?lang={lang}", data={"identifier": who[0], "display_name": who[1],
                                                        "evidence": "demo", "csrf_token": _csrf(page.text)},
                       follow_redirects=False)


def assert_page_refusal(response, status: int, reason: str, english: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert f'data-reason="{reason}"' in response.text and english in response.text


@pytest.mark.parametrize(("role", "organisation"), ORGANISATION_ACCOUNTS, ids=lambda v: str(v))
def test_the_portal_refuses_an_organisations_account_the_same_way(client, world, role, organisation) -> None:  # type: ignore[no-untyped-def]
    platform = world["platform"]
    portal_sign_in(client, platform, "org-portal", role, organisation)
    assert_page_refusal(portal_bind(client, PERSON), 403, "role_not_allowed", "use a personal account")
    assert bound_to(platform, "org-portal") == (None, role.value, None)


def test_the_portal_refuses_reverifying_and_a_second_binding(client, world) -> None:  # type: ignore[no-untyped-def]
    platform = world["platform"]
    portal_sign_in(client, platform, "portal-one")
    assert portal_bind(client, PERSON).status_code == 303
    assert_page_refusal(portal_bind(client, OTHER), 409, "already_verified", "already real-name verified")
    assert bound_to(platform, "portal-one")[0] == world["person"]
    client.cookies.clear()
    portal_sign_in(client, platform, "portal-two")
    refused = portal_bind(client, PERSON, lang="zh")
    assert_page_refusal(refused, 409, "subject_already_bound", "该身份已绑定另一个账户")
    assert bound_to(platform, "portal-two") == (None, "public", None)
    assert portal_bind(client, NEWCOMER).status_code == 303            # an unregistered person: verified
    assert bound_to(platform, "portal-two")[1] == "subject"
