"""The portal's front door (issue 14, parts 2 and 6): each role lands on its own home page after sign-in
and the header names who is signed in on every page; the home page offers the organisation search and
sign-in and shows no internals; every page's footer names the operating center, its contact, the legal
basis, the privacy statement and help; the language switch keeps the page and its query but never a
person's identity number; /help and /privacy in both languages, the inquiry log's retention from the
rule file with its article in Chinese."""

from __future__ import annotations

import re
import secrets
from html import unescape

import pytest
from fastapi.testclient import TestClient

from xinyong.domain.identity.actors import Actor, Role
from xinyong.services.identity import accounts as auth

SETUP = Actor.system("site-pages-test")
PASSWORD = "correct horse battery"  # noqa: S105 - a test password


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([0-9a-f]{64})"', html).group(1)  # type: ignore[union-attr]


def _signed_in(client, platform, role: Role, organisation: str | None = None) -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    name = f"u{secrets.token_hex(3)}"
    with platform.unit_of_work(SETUP) as uow:
        auth.create_user(uow, username=name, role=role, password=PASSWORD, organisation=organisation)
    browser = TestClient(client.app)
    page = browser.get("/login")
    done = browser.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": _csrf(page.text)},
                        follow_redirects=False)
    assert done.status_code == 303
    return browser, done.headers["location"]


@pytest.mark.parametrize(("role", "organisation", "links"), [
    (Role.operator, "center", ("/staff/objections", "/staff/restorations", "/staff/compliance")),
    (Role.providing_unit, "market-regulation", ("/staff/objections", "/staff/revocations/new")),
    (Role.competent_department, "dept", ("/staff/compliance", "/staff/objections")),
])
def test_each_staff_role_lands_on_its_own_home_page(client, platform, role, organisation, links) -> None:  # type: ignore[no-untyped-def]
    browser, landed = _signed_in(client, platform, role, organisation)
    assert landed == "/staff"
    for lang, words in (("zh", "工作台"), ("en", "Workspace")):
        page = browser.get(f"/staff?lang={lang}")
        assert page.status_code == 200 and words in _text(page.text)
        assert all(f'href="{link}' in page.text for link in links), role
        assert 'id="nav-user"' in page.text and 'id="logout"' in page.text
    if role is Role.providing_unit:      # only what the role may do: a unit has no compliance monitor
        assert 'href="/staff/compliance' not in browser.get("/staff").text


def test_a_citizen_lands_on_my_credit_and_staff_sends_it_there(client, platform) -> None:  # type: ignore[no-untyped-def]
    browser, landed = _signed_in(client, platform, Role.public)
    assert landed == "/me"
    assert browser.get("/staff", follow_redirects=False).headers["location"].startswith("/me")
    assert client.get("/staff", follow_redirects=False).headers["location"].startswith("/login")


def test_home_page_offers_search_and_sign_in_and_names_who_is_signed_in(client, platform) -> None:  # type: ignore[no-untyped-def]
    home = client.get("/")
    assert 'id="home-search"' in home.text and 'id="home-login"' in home.text
    browser, _ = _signed_in(client, platform, Role.operator, "center")
    signed = browser.get("/?lang=en")
    assert 'id="home-workspace"' in signed.text and 'href="/staff?lang=en"' in signed.text
    assert "platform operator" in _text(signed.text)
    assert 'id="nav-user"' in browser.get("/check").text          # the header on every page, /check included


def test_every_page_has_the_footer_of_a_government_service_site(client, platform) -> None:  # type: ignore[no-untyped-def]
    title = platform.rulebook.get(platform.jurisdiction).title
    for path in ("/", "/catalog", "/public/double-publicity", "/check", "/help", "/privacy", "/no-such-page"):
        for lang in ("zh", "en"):
            page = client.get(f"{path}?lang={lang}")
            footer = page.text.split('id="site-footer"', 1)[1]
            assert 'href="/privacy"' in footer and 'href="/help"' in footer and 'href="/help#legal"' in footer
            operator = platform.settings.operator_name_en if lang == "en" else platform.settings.operator_name
            assert operator in unescape(footer)
            assert getattr(title, lang) in unescape(footer), (path, lang)


def test_the_language_switch_keeps_the_page_and_query_but_not_an_identity_number(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/public/double-publicity?kind=penalty&page=1")
    switch = re.search(r'id="lang-switch" href="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert unescape(switch) == "?kind=penalty&page=1&lang=en"
    person = client.get("/check?identifier=11010519491231002X")
    switch = re.search(r'id="lang-switch" href="([^"]+)"', person.text).group(1)  # type: ignore[union-attr]
    assert unescape(switch) == "?lang=en" and "11010519491231002X" not in person.text


def test_help_and_privacy_in_both_languages_with_the_retention_article(client, platform) -> None:  # type: ignore[no-untyped-def]
    from xinyong.portal.citations import in_chinese

    ruleset = platform.rulebook.get(platform.jurisdiction)
    for lang in ("zh", "en"):
        helped = client.get(f"/help?lang={lang}")
        assert helped.status_code == 200 and 'id="legal"' in helped.text
        assert getattr(ruleset.title, lang) in _text(helped.text)
        privacy = client.get(f"/privacy?lang={lang}")
        assert privacy.status_code == 200
    if ruleset.has("inquiry_log.retention"):
        value = ruleset.value("inquiry_log.retention", platform.clock.today())
        zh = _text(client.get("/privacy?lang=zh").text)
        assert in_chinese(value.citation, platform.rulebook) in zh and str(value.value) in zh
        assert value.citation in _text(client.get("/privacy?lang=en").text)
