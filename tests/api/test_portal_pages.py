"""The portal pages of credit subjects and the public (``xinyong.portal.pages``): sign-in, my credit
record, who looked at it, authorizations, withholding positive information, organisation lookup,
double publicity and the catalog — in Chinese and English, CSRF-protected, and never showing a natural
person's identifier on a public page."""

from __future__ import annotations

import re
from html import unescape

import pytest

from access_seed import Seed, citizen_id
from xinyong.domain.identity.actors import Actor, Role
from xinyong.portal import pages
from xinyong.portal.citations import in_chinese
from xinyong.services.audit import ledger
from xinyong.services.demo.loader import load_demo
from xinyong.services.disclosure import authorizations, duty_purposes, inquiry
from xinyong.services.disclosure.rules_in_force import policy_rules
from xinyong.services.identity import accounts as auth
from xinyong.services.platform.bootstrap import Platform

SETUP = Actor.system("portal-test")
PASSWORD = "correct horse battery"  # noqa: S105 - a test password
DEMO_PERSON = ("510107197811213459", "王芳")        # demo/subjects.yaml: has a demo penalty record
DEMO_PERSON_PENALTY = "示市监罚〔2025〕3号"
DEMO_ORG = "91500103MA60XY2K06"
UNTRANSLATED = re.compile(r"\b(?:field|label|role|kind|mode|channel|record_status|notice|nav|me|auth|dp|org|orgs|"
                          r"catalog|record|inquiries|login|csrf|pager|form|error)\.[a-z_.]+\b")


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------

def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def make_user(platform: Platform, username: str) -> int:
    with platform.unit_of_work(SETUP) as uow:
        return auth.create_user(uow, username=username, role=Role.public, password=PASSWORD).id


def sign_in(client, username: str) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login")
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith(("/me", "/staff"))     # each role's own home page
    assert pages.SESSION_COOKIE in response.cookies or client.cookies.get(pages.SESSION_COOKIE)


def verify(client, identifier: str, name: str, evidence: str = "demo"):  # type: ignore[no-untyped-def]
    page = client.get("/me")
    return client.post("/me/verify", data={"identifier": identifier, "display_name": name, "evidence": evidence,
                                           "csrf_token": csrf_of(page.text)}, follow_redirects=False)


def subject_user(client, platform: Platform, username: str = "wang") -> int:  # type: ignore[no-untyped-def]
    """Sign in as a new user and verify as the demo person; returns the subject id."""
    user_id = make_user(platform, username)
    sign_in(client, username)
    response = verify(client, *DEMO_PERSON)
    assert response.status_code == 303, response.text
    subject_id = own_subject(platform, user_id)
    assert subject_id is not None
    return subject_id


def own_subject(platform: Platform, user_id: int) -> int | None:
    with platform.sessions() as session:
        return inquiry.own_subject_id(session, Actor(Role.subject, f"user:{user_id}"))


def ledger_count(platform: Platform) -> int:
    with platform.sessions() as session:
        return ledger.count(session)


def text_of(html: str) -> str:
    """The visible text, tags dropped, entities decoded, white space collapsed ("a : b" -> "a: b")."""
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))
    return re.sub(r" ([:：])", r"\1", text)


def duty_purpose(platform: Platform, organisation: str | None = None) -> str:
    """A purpose a department may inquire for: the first on the rule file's list or, where the rule file
    lists none, one ``organisation`` registered for its duties (registered here when not yet)."""
    listed = policy_rules(platform, platform.clock.today()).duty_purposes
    if listed:
        return sorted(listed)[0]
    if organisation is not None:
        with platform.sessions() as session:
            known = {v.key for v in duty_purposes.listing(session, platform.clock.today(), organisation=organisation)}
        if "administrative_permit" not in known:
            with platform.unit_of_work(Actor.system("test")) as uow:
                duty_purposes.register(uow, organisation=organisation, key="administrative_permit",
                                       duty="示范职责", legal_basis="示范法规第一条", label_zh="实施行政许可",
                                       label_en="Granting administrative permits")
    return "administrative_permit"


@pytest.fixture
def demo(platform):  # type: ignore[no-untyped-def]
    load_demo(platform)
    return platform


PUBLIC_PAGES = ("/", "/catalog", "/public/organisations", "/public/organisations?q=示范",
                f"/public/organisations/{DEMO_ORG}", "/public/double-publicity",
                "/public/double-publicity?kind=penalty", "/public/double-publicity?kind=permit", "/login")
SUBJECT_PAGES = ("/me", "/me/inquiries", "/me/authorizations")


def _check_language(response, lang: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, (response.url, response.text[-2000:])
    assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in response.text
    leftover = UNTRANSLATED.findall(text_of(response.text))
    assert leftover == [], (response.url, leftover)


def test_every_page_renders_in_both_languages(client, demo) -> None:  # type: ignore[no-untyped-def]
    for path in PUBLIC_PAGES:
        zh = client.get(path, params={"lang": "zh"})
        _check_language(zh, "zh")
        en = client.get(path, params={"lang": "en"})
        _check_language(en, "en")
    # Chinese by default (no cookie, no parameter)
    client.cookies.clear()
    assert '<html lang="zh-CN">' in client.get("/catalog").text
    subject_user(client, demo)
    for path in SUBJECT_PAGES:
        _check_language(client.get(path, params={"lang": "zh"}), "zh")
        _check_language(client.get(path, params={"lang": "en"}), "en")
    zh, en = client.get("/me?lang=zh").text, client.get("/me?lang=en").text
    assert "我的信用记录" in zh and "My credit record" in en


def test_the_home_page_and_the_nav_link_to_the_pages(client, demo) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/").text
    for href in ("/me", "/public/organisations", "/public/double-publicity", "/catalog"):
        assert html.count(f'href="{href}"') >= 2, href      # the nav and "where to go next"


# --------------------------------------------------------------------------------------------------
# Signing in and out
# --------------------------------------------------------------------------------------------------

def test_sign_in_and_out(client, platform) -> None:  # type: ignore[no-untyped-def]
    make_user(platform, "li")
    assert client.get("/me", follow_redirects=False).headers["location"].startswith("/login?next=%2Fme")
    page = client.get("/login")
    assert page.status_code == 200 and pages.CSRF_COOKIE in client.cookies
    response = client.post("/login", data={"username": "li", "password": PASSWORD, "csrf_token": csrf_of(page.text),
                                           "next": "//evil.example/"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/me"   # no open redirect
    cookie = response.headers["set-cookie"]
    assert pages.SESSION_COOKIE in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    me = client.get("/me")
    assert me.status_code == 200 and 'id="nav-user">li<' in me.text
    assert me.headers["cache-control"] == "no-store"
    # the API recognises the portal session (the same cookie)
    from xinyong.api.deps import SESSION_COOKIE

    assert SESSION_COOKIE == pages.SESSION_COOKIE
    assert client.get("/api/v1/auth/me").json()["principal"].startswith("user:")
    out = client.post("/logout", data={"csrf_token": csrf_of(me.text)}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/me", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/auth/me").json()["role"] == "public"


def test_wrong_password_names_the_reason_and_signs_nobody_in(client, platform) -> None:  # type: ignore[no-untyped-def]
    make_user(platform, "zhao")
    page = client.get("/login?lang=en")
    response = client.post("/login", data={"username": "zhao", "password": "not the password",
                                           "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert response.status_code == 401
    assert 'data-reason="bad_credentials"' in response.text and "wrong username or password" in response.text
    assert pages.SESSION_COOKIE not in response.headers.get("set-cookie", "")
    empty = client.post("/login?lang=zh", data={"username": "", "password": "", "csrf_token": csrf_of(page.text)})
    assert empty.status_code == 422
    assert 'data-field="username"' in empty.text and 'data-field="password"' in empty.text
    assert "用户名" in text_of(empty.text) and "此项为必填项" in empty.text


# --------------------------------------------------------------------------------------------------
# My credit record, my inquiry log
# --------------------------------------------------------------------------------------------------

def test_a_subject_sees_its_own_records_with_their_basis(client, demo) -> None:  # type: ignore[no-untyped-def]
    make_user(demo, "wang")
    sign_in(client, "wang")
    before = client.get("/me?lang=zh")
    assert 'id="verify-form"' in before.text and 'id="demo-hint"' in before.text and "demo" in before.text
    assert DEMO_PERSON_PENALTY not in before.text          # nothing before verification
    assert client.get("/me/inquiries").status_code == 403
    assert verify(client, *DEMO_PERSON).status_code == 303
    html = client.get("/me?lang=zh").text
    text = text_of(html)
    assert DEMO_PERSON_PENALTY in html                     # my own penalty record
    assert "行政处罚" in text and "提供单位" in text and "market-regulation" in html
    assert "决定日期 2025-06-10" in text and "行为终止日期 2025-05-20" in text
    assert 'data-code="self_inquiry"' in html
    rules = policy_rules(demo, demo.clock.today())
    assert in_chinese(rules.modes["self"], demo.rulebook) in html   # the article behind the decision, in Chinese
    assert DEMO_PERSON[0] in html                           # the subject sees its own identifier


def test_the_inquiry_log_shows_a_duty_departments_inquiry(client, demo) -> None:  # type: ignore[no-untyped-def]
    subject_id = subject_user(client, demo)
    purpose = duty_purpose(demo, "dept-taxation")
    department = Actor(Role.duty_department, "user:9001", "dept-taxation")
    result = inquiry.inquire(demo, department, subject_ref=subject_id, mode="duty", purpose=purpose)
    assert result.served
    html = client.get("/me/inquiries?lang=zh").text
    rows = re.findall(r'<tr class="inquiry" data-mode="([a-z_]+)" data-role="([a-z_]+)">', html)
    assert ("duty", "duty_department") in rows
    assert "dept-taxation" in html and purpose in html and "依职责查询" in html
    assert rows[0] == ("duty", "duty_department")          # newest first
    en = client.get("/me/inquiries?lang=en").text
    assert "inquiry by duty" in en and "department inquiring by duty" in en


def test_the_inquiry_log_is_paged(client, demo) -> None:  # type: ignore[no-untyped-def]
    subject_id = subject_user(client, demo)
    department = Actor(Role.duty_department, "user:9002", "dept-paging")
    for _ in range(pages.PAGE_SIZE + 3):
        inquiry.inquire(demo, department, subject_ref=subject_id, mode="duty",
                       purpose=duty_purpose(demo, "dept-paging"))
    first = client.get("/me/inquiries").text
    assert first.count('<tr class="inquiry"') == pages.PAGE_SIZE and 'id="next-page"' in first
    second = client.get("/me/inquiries?page=2").text
    assert 0 < second.count('<tr class="inquiry"') <= 4 and 'id="prev-page"' in second
    assert client.get("/me/inquiries?page=0").status_code == 422


# --------------------------------------------------------------------------------------------------
# Written authorizations
# --------------------------------------------------------------------------------------------------

def _grant_form(html: str, **overrides: object) -> dict[str, object]:
    form: dict[str, object] = {"grantee": "91500000MA5U0AB10L", "purpose": "loan_review", "scope": ["admin_penalty"],
                               "valid_from": "", "valid_until": "2026-12-31", "document_ref": "授权书 2026-001",
                               "csrf_token": csrf_of(html)}
    form.update(overrides)
    return form


def test_grant_and_revoke_an_authorization(client, demo) -> None:  # type: ignore[no-untyped-def]
    subject_id = subject_user(client, demo)
    page = client.get("/me/authorizations")
    assert 'value="admin_penalty"' in page.text              # scope from the published catalog
    response = client.post("/me/authorizations", data=_grant_form(page.text), follow_redirects=False)
    assert response.status_code == 303 and "done=granted" in response.headers["location"]
    with demo.sessions() as session:
        [view] = authorizations.for_subject(session, subject_id, demo.clock.today())
    assert view.state == "in_force" and view.scope == ("admin_penalty",) and view.grantee == "91500000MA5U0AB10L"
    listing = client.get("/me/authorizations?done=granted&lang=zh").text
    assert f'id="authorization-{view.id}" data-state="in_force"' in listing and 'id="notice"' in listing
    unconfirmed = client.post(f"/me/authorizations/{view.id}/revoke", data={"csrf_token": csrf_of(listing)})
    assert unconfirmed.status_code == 422 and 'data-field="confirm"' in unconfirmed.text   # nothing revoked yet
    assert f'id="authorization-{view.id}" data-state="in_force"' in unconfirmed.text
    assert "信贷审批" in listing and "loan_review" not in text_of(listing)     # the purpose by its label
    revoked = client.post(f"/me/authorizations/{view.id}/revoke",
                          data={"csrf_token": csrf_of(listing), "confirm": "yes"}, follow_redirects=False)
    assert revoked.status_code == 303
    listing = client.get("/me/authorizations").text
    assert f'id="authorization-{view.id}" data-state="revoked"' in listing
    # another subject's authorization (or none) cannot be revoked from here
    missing = client.post("/me/authorizations/999999/revoke", data={"csrf_token": csrf_of(listing), "confirm": "yes"})
    assert missing.status_code == 404 and 'data-reason="authorization_unknown"' in missing.text


def test_bad_authorization_input_names_the_fields_and_changes_nothing(client, demo) -> None:  # type: ignore[no-untyped-def]
    subject_id = subject_user(client, demo)
    page = client.get("/me/authorizations?lang=en")
    entries = ledger_count(demo)
    response = client.post("/me/authorizations", data=_grant_form(
        page.text, grantee="", scope=[], valid_until="2026-13-40", purpose="Loan Review!"))
    assert response.status_code == 422
    fields = set(re.findall(r'class="error" data-field="([a-z_]*)" data-reason="([a-z_]+)"', response.text))
    assert {("grantee", "required"), ("scope", "required"), ("valid_until", "date_invalid"),
            ("purpose", "invalid")} <= fields
    text = text_of(response.text)
    assert "Authorized organisation's code: this field is required" in text
    assert "Valid until: a date is written YYYY-MM-DD" in text
    assert 'value="2026-13-40"' in response.text              # the form keeps what was typed
    # a check the service makes: an item in no catalog, a term that ends in the past
    unknown = client.post("/me/authorizations?lang=zh", data=_grant_form(page.text, scope=["no_such_item"]))
    assert unknown.status_code == 422 and 'data-field="scope" data-reason="unknown_item"' in unknown.text
    assert "授权查询的信息范围" in text_of(unknown.text)
    past = client.post("/me/authorizations", data=_grant_form(page.text, valid_from="2019-01-01",
                                                                  valid_until="2020-01-01"))
    assert past.status_code == 422 and 'data-field="valid_until" data-reason="past"' in past.text
    with demo.sessions() as session:
        assert authorizations.for_subject(session, subject_id, demo.clock.today()) == []
    assert ledger_count(demo) == entries


def test_bad_verification_input_names_the_field_and_changes_nothing(client, demo) -> None:  # type: ignore[no-untyped-def]
    user_id = make_user(demo, "chen")
    sign_in(client, "chen")
    client.get("/me?lang=en")
    wrong = verify(client, DEMO_PERSON[0], DEMO_PERSON[1], evidence="not demo")
    assert wrong.status_code == 422 and 'data-reason="realname_failed"' in wrong.text
    assert "real-name verification failed" in wrong.text
    invalid = verify(client, "510107197811213458", DEMO_PERSON[1])
    assert invalid.status_code == 422 and 'data-field="identifier"' in invalid.text
    assert "Identity number / Unified Social Credit Code" in text_of(invalid.text)
    empty = verify(client, "", "")
    assert 'data-field="identifier" data-reason="required"' in empty.text
    assert 'data-field="display_name" data-reason="required"' in empty.text
    me = client.get("/me").text
    assert 'id="verify-form"' in me and DEMO_PERSON_PENALTY not in me
    assert own_subject(demo, user_id) is None


def test_an_organisations_account_is_not_turned_into_a_subjects_account(client, demo) -> None:  # type: ignore[no-untyped-def]
    with demo.unit_of_work(SETUP) as uow:
        user_id = auth.create_user(uow, username="officer", role=Role.duty_department, password=PASSWORD,
                                   organisation="dept-portal").id
    sign_in(client, "officer")
    page = client.get("/me?lang=en")
    assert 'id="verify-form"' not in page.text and 'id="verify-not-for-role"' in page.text
    refused = verify(client, *DEMO_PERSON)
    assert refused.status_code == 403 and 'data-reason="role_not_allowed"' in refused.text
    assert own_subject(demo, user_id) is None
    assert client.get("/api/v1/auth/me").json()["role"] == "duty_department"


# --------------------------------------------------------------------------------------------------
# CSRF
# --------------------------------------------------------------------------------------------------

def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(client, demo) -> None:  # type: ignore[no-untyped-def]
    make_user(demo, "sun")
    client.get("/login")
    refused = client.post("/login", data={"username": "sun", "password": PASSWORD}, follow_redirects=False)
    assert refused.status_code == 403 and 'id="csrf-refused"' in refused.text
    assert "CSRF" in refused.text and pages.SESSION_COOKIE not in refused.headers.get("set-cookie", "")
    forged = client.post("/login", data={"username": "sun", "password": PASSWORD, "csrf_token": "0" * 64})
    assert forged.status_code == 403
    subject_id = subject_user(client, demo, "sun-2")
    page = client.get("/me/authorizations")
    entries = ledger_count(demo)
    form = _grant_form(page.text)
    del form["csrf_token"]
    assert client.post("/me/authorizations", data=form).status_code == 403
    assert client.post("/me/authorizations", data={**form, "csrf_token": "f" * 64}).status_code == 403
    # a token of another session does not pass either
    other = client.post("/me/authorizations", data={**form, "csrf_token": pages._csrf_token("another-session")})
    assert other.status_code == 403
    assert client.post("/me/verify", data={"identifier": "x", "display_name": "y", "evidence": "z"}).status_code == 403
    assert client.post("/me/withhold/1", data={}).status_code == 403
    assert client.post("/me/authorizations/1/revoke", data={}).status_code == 403
    assert client.post("/logout", data={}).status_code == 403
    with demo.sessions() as session:
        assert authorizations.for_subject(session, subject_id, demo.clock.today()) == []
    assert ledger_count(demo) == entries
    assert client.get("/me/authorizations").status_code == 200     # still signed in


# --------------------------------------------------------------------------------------------------
# Withholding positive information (only where the regulation gives the right: BJ 36, HB 31)
# --------------------------------------------------------------------------------------------------

def _jurisdiction_with(platform: Platform, key: str, wanted: bool) -> str | None:
    for ruleset in platform.rulebook:
        try:
            value = ruleset.value(key, platform.clock.today()).value
        except LookupError:
            value = None
        if bool(value) is wanted and ruleset.id != "national":
            return ruleset.id
    return None


def _positive_world(platform: Platform) -> tuple[Seed, int, int, str, str]:
    seed = Seed(platform).catalog()
    identifier, name = citizen_id(731, birth="19900505"), "周守信"
    person = seed.subject("natural_person", name, identifier)
    commendation = seed.record(person, "commendation", {"summary": "年度优秀志愿者"})
    return seed, person, commendation, identifier, name


def _platform_in(platform: Platform, jurisdiction: str):  # type: ignore[no-untyped-def]
    settings = platform.settings.model_copy(update={"jurisdiction": jurisdiction})
    return Platform(settings=settings, engine=platform.engine, clock=platform.clock)


def test_withholding_positive_information_where_the_rule_provides_it(platform) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from xinyong.api.app import create_app

    jurisdiction = _jurisdiction_with(platform, "disclosure.positive_withholdable", True)
    assert jurisdiction is not None, "no rule file gives the right to withhold positive information"
    there = _platform_in(platform, jurisdiction)
    _seed, person, commendation, identifier, name = _positive_world(there)
    make_user(there, "zhou")
    with TestClient(create_app(there)) as client:
        sign_in(client, "zhou")
        assert verify(client, identifier, name).status_code == 303
        html = client.get("/me?lang=zh").text
        cite = policy_rules(there, there.clock.today()).positive_withholdable[1]
        assert 'id="withhold-rule"' in html and in_chinese(cite, there.rulebook) in html
        assert f'action="/me/withhold/{commendation}"' in html
        done = client.post(f"/me/withhold/{commendation}", data={"csrf_token": csrf_of(html)}, follow_redirects=False)
        assert done.status_code == 303
        html = client.get("/me").text
        assert 'data-label="withheld"' in html and f'action="/me/release/{commendation}"' in html
        explained = inquiry.explain(there, Actor(Role.operator, "user:1", "center"), commendation, mode="duty",
                                   purpose=duty_purpose(there, "center"))
        assert explained.visible is False and explained.decision.denial.code == "withheld_by_subject"
        back = client.post(f"/me/release/{commendation}", data={"csrf_token": csrf_of(html)}, follow_redirects=False)
        assert back.status_code == 303 and 'data-label="withheld"' not in client.get("/me").text
        assert person


def test_no_withhold_button_where_the_regulation_gives_no_such_right(client, platform) -> None:  # type: ignore[no-untyped-def]
    if policy_rules(platform, platform.clock.today()).positive_withholdable:
        pytest.skip("the test jurisdiction gives the right")
    _seed, _person, commendation, identifier, name = _positive_world(platform)
    make_user(platform, "wu")
    sign_in(client, "wu")
    assert verify(client, identifier, name).status_code == 303
    html = client.get("/me?lang=en").text
    assert 'data-item="commendation"' in html and "/me/withhold/" not in html
    refused = client.post(f"/me/withhold/{commendation}", data={"csrf_token": csrf_of(html)})
    assert refused.status_code == 409 and 'data-reason="not_provided"' in refused.text
    assert "gives no right to withhold" in refused.text


# --------------------------------------------------------------------------------------------------
# Public pages
# --------------------------------------------------------------------------------------------------

def test_organisation_lookup_and_its_public_records(client, demo) -> None:  # type: ignore[no-untyped-def]
    hits = client.get("/public/organisations?q=示范食品")
    assert hits.status_code == 200 and f'href="/public/organisations/{DEMO_ORG}"' in hits.text
    page = client.get(f"/public/organisations/{DEMO_ORG}?lang=zh")
    assert page.status_code == 200 and "示范食品贸易有限公司" in page.text
    assert "示市监罚〔2025〕2号" in page.text and 'data-code="lawful_disclosure"' in page.text
    assert in_chinese(policy_rules(demo, demo.clock.today()).modes["lawful_disclosure"], demo.rulebook) in page.text
    by_code = client.get(f"/public/organisations?q={DEMO_ORG}")
    assert f'value="{DEMO_ORG}"' in by_code.text and by_code.text.count('class="hit"') == 1
    short = client.get("/public/organisations?q=a&lang=en")
    assert short.status_code == 422 and 'data-field="q" data-reason="query_length"' in short.text
    assert "Organisation name or Unified Social Credit Code" in text_of(short.text)
    unknown = client.get("/public/organisations/91500000000000009X")
    assert unknown.status_code in (404, 422)


def test_public_pages_never_show_a_natural_persons_identifier(client, demo) -> None:  # type: ignore[no-untyped-def]
    from importlib import resources

    import yaml

    people = yaml.safe_load(resources.files("xinyong.demo").joinpath("subjects.yaml").read_text(encoding="utf-8"))
    identifiers = [p["identifier"] for p in people["persons"]]
    duty = Actor(Role.duty_department, "user:9003", "dept-canary")
    for identifier in identifiers:     # the inquiry log holds them too
        inquiry.inquire(demo, duty, subject_ref=identifier, mode="duty", purpose=duty_purpose(demo, "dept-canary"))
    urls = ["/catalog", "/public/organisations?q=示范", "/public/double-publicity",
            "/public/double-publicity?kind=penalty", "/public/double-publicity?kind=permit", "/", "/login"]
    listing = client.get("/public/organisations?q=示范").text
    urls += sorted(set(re.findall(r'href="(/public/organisations/[^"?]+)"', listing)))
    assert len(urls) > 8
    for lang in ("zh", "en"):
        for url in urls:
            response = client.get(url, params={"lang": lang})
            assert response.status_code == 200, url
            leaked = [i for i in identifiers if i in response.text]
            assert leaked == [], (url, leaked)
            assert DEMO_PERSON_PENALTY not in response.text, url
    for identifier in identifiers:
        found = client.get("/public/organisations", params={"q": identifier})
        assert identifier not in found.text and mask_of(identifier) in found.text
        assert 'id="personal-note"' in found.text and 'class="hit"' not in found.text
        shown = client.get(f"/public/organisations/{identifier}")
        assert shown.status_code == 403 and identifier not in shown.text
        assert 'data-reason="natural_person_not_public"' in shown.text
        by_id = client.get(f"/public/organisations/{_subject_id(demo, identifier)}")
        assert by_id.status_code == 403 and identifier not in by_id.text and DEMO_PERSON[1] not in by_id.text


def mask_of(identifier: str) -> str:
    from xinyong.domain.subjects.masking import mask_identifier

    return mask_identifier(identifier)


def _subject_id(platform: Platform, identifier: str) -> int:
    from xinyong.services.subjects import registry as subjects
    with platform.unit_of_work(SETUP) as uow:
        found = subjects.find_by_identifier(uow, identifier)
        assert found is not None
        return found.id


def test_double_publicity_lists_organisations_permits_and_penalties(client, demo) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/public/double-publicity?lang=zh").text
    kinds = re.findall(r'<tr class="entry" data-kind="([a-z]+)">', html)
    assert "permit" in kinds and "penalty" in kinds
    assert "示范食品贸易有限公司" in html and "示市监许〔2025〕1号" in html
    penalties = client.get("/public/double-publicity?kind=penalty").text
    assert set(re.findall(r'<tr class="entry" data-kind="([a-z]+)">', penalties)) == {"penalty"}
    bad = client.get("/public/double-publicity?kind=gossip&lang=en")
    assert bad.status_code == 422 and 'data-field="kind" data-reason="kind_unknown"' in bad.text
    assert "Kind" in text_of(bad.text)


def test_the_catalog_page_shows_each_item_with_its_article(client, demo) -> None:  # type: ignore[no-untyped-def]
    from xinyong.services.disclosure import public
    published = public.catalog_in_force(demo)
    assert published is not None
    html = client.get("/catalog?lang=zh").text
    abbrev = demo.rulebook.get(demo.jurisdiction).abbrev
    for item in published["items"]:
        section = html.split(f'id="item-{item["code"]}"', 1)[1].split("</section>", 1)[0]
        assert item["category_zh"] in section and item["disclosure_zh"] in section, item["code"]
        assert in_chinese(f"{abbrev} {item['allowed_by']}", demo.rulebook) in section, item["code"]   # 《…》第…条
        assert 'class="display"' in section and f"<code>{item['code']}</code>" not in section
    en = client.get("/catalog?lang=en").text
    first = published["items"][0]
    assert f"{abbrev} {first['allowed_by']}" in en and f"<code>{first['code']}</code>" in en   # codes in English only
    assert published["items"][0]["category_en"] in en and "Allowed by" in en


def test_the_catalog_page_without_a_catalog_in_force(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/catalog")
    assert response.status_code == 200 and 'id="no-catalog"' in response.text


def test_span_text_in_both_languages() -> None:
    from xinyong.rules.model import Span

    span = Span(min=None, max=5, period_unit="years", counts_from="conduct_ended")
    assert pages.span_text(span, "zh") == "最长 5 年，自失信行为终止之日起算"
    assert pages.span_text(span, "en") == "at most 5 years, counted from the day the conduct ended"
    assert pages.span_text(Span(min=None, max="unlimited", period_unit=None), "en") == "no end"
