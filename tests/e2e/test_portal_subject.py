"""A credit subject in a real browser (Debian chromium through Playwright): sign in, verify the real
name with the demo verifier, see my credit record, grant then revoke a written authorization, and see
who looked at my information — including a department that inquired by duty."""

from __future__ import annotations

import pytest

from xinyong.domain.identity.actors import Actor, Role
from xinyong.portal.citations import in_chinese
from xinyong.services.disclosure import inquiry
from xinyong.services.disclosure.rules_in_force import policy_rules
from xinyong.services.identity import accounts as auth

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"  # noqa: S105 - a test password
PERSON = ("510107197811213459", "王芳")       # a demo person (demo/subjects.yaml) with a demo penalty
PENALTY = "示市监罚〔2025〕3号"


def _duty_purpose(platform, organisation: str) -> str:  # type: ignore[no-untyped-def]
    """The first listed duty purpose or, where the rule file lists none, one the department registers."""
    listed = policy_rules(platform, platform.clock.today()).duty_purposes
    if listed:
        return sorted(listed)[0]
    from xinyong.services.disclosure import duty_purposes
    with platform.unit_of_work(Actor.system("e2e")) as uow:
        duty_purposes.register(uow, organisation=organisation, key="administrative_permit", duty="示范职责",
                               legal_basis="示范法规第一条", label_zh="实施行政许可",
                               label_en="Granting administrative permits")
    return "administrative_permit"


def test_a_subject_signs_in_verifies_sees_the_record_authorizes_and_sees_the_log(  # type: ignore[no-untyped-def]
        live_server, page, platform) -> None:
    with platform.unit_of_work(Actor.system("e2e")) as uow:
        user_id = auth.create_user(uow, username="wangfang", role=Role.public, password=PASSWORD).id

    # Signing in: /me sends an anonymous visitor to the sign-in page and back.
    page.goto(live_server + "/me")
    page.wait_for_url("**/login?next=*")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.fill("#username", "wangfang")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url("**/me")
    assert page.locator("#nav-user").inner_text() == "wangfang"
    assert "未核验" in page.locator("#real-name-state").inner_text()

    # A wrong evidence is refused with its reason; nothing changes.
    page.fill("#identifier", PERSON[0])
    page.fill("#display_name", PERSON[1])
    page.fill("#evidence", "guess")
    page.click("#verify-submit")
    assert page.locator("#errors").is_visible()
    assert "实名核验未通过" in page.locator("#errors").inner_text()
    assert page.locator("#verify-form").is_visible()

    # The demo verifier accepts the evidence "demo".
    assert "demo" in page.locator("#demo-hint").inner_text()
    page.fill("#identifier", PERSON[0])
    page.fill("#display_name", PERSON[1])
    page.fill("#evidence", "demo")
    page.click("#verify-submit")
    page.wait_for_url("**/me?done=verified")
    assert "已核验" in page.locator("#real-name-state").inner_text()

    # My credit record: the penalty with its providing unit, dates and the article behind the decision.
    record = page.locator("article.record", has_text=PENALTY)
    assert record.count() == 1
    text = record.inner_text()
    assert "提供单位" in text and "决定日期" in text and "2025-06-10" in text
    cite = policy_rules(platform, platform.clock.today()).modes["self"]
    assert in_chinese(cite, platform.rulebook) in record.locator(".basis").inner_text()   # 《…条例》第…条

    # Grant a written authorization, then revoke it.
    page.click("#link-authorizations")
    page.wait_for_url("**/me/authorizations")
    page.fill("#grantee", "91500000MA5U0AB10L")
    page.select_option("#purpose", "loan_review")
    page.check("input[name=scope][value=admin_penalty]")
    page.fill("#valid_until", "2026-12-31")
    page.fill("#document_ref", "授权书 2026-007")
    page.click("#grant-submit")
    page.wait_for_url("**/me/authorizations?done=granted")
    row = page.locator("tr.authorization").first
    assert row.get_attribute("data-state") == "in_force"
    assert "91500000MA5U0AB10L" in row.inner_text() and "信贷审批" in row.inner_text()
    row.locator("input[name=confirm]").check()          # a revocation is confirmed first
    row.locator("button.revoke").click()
    page.wait_for_url("**/me/authorizations?done=revoked")
    row = page.locator("tr.authorization").first
    assert row.get_attribute("data-state") == "revoked"
    assert "已撤销" in row.inner_text() and row.locator("button.revoke").count() == 0

    # A department inquires by duty; the subject sees who looked, when, how and why.
    with platform.sessions() as session:
        subject_id = inquiry.own_subject_id(session, Actor(Role.subject, f"user:{user_id}"))
    assert subject_id is not None
    purpose = _duty_purpose(platform, "dept-e2e-tax")
    department = Actor(Role.duty_department, "user:4242", "dept-e2e-tax")
    assert inquiry.inquire(platform, department, subject_ref=subject_id, mode="duty", purpose=purpose).served
    page.goto(live_server + "/me")
    page.click("#link-inquiries")
    page.wait_for_url("**/me/inquiries")
    first = page.locator("tr.inquiry").first
    log = page.locator("#inquiry-log").inner_text()
    assert "dept-e2e-tax" in log and purpose in log and "依职责查询" in log
    assert "本人" in log and "本人查询" in log                       # my own look, too
    assert page.locator("tr.inquiry[data-mode=duty]").count() == 1
    assert first.get_attribute("data-mode") == "self"                 # newest first: the /me visit after it

    # English on request; the choice sticks.
    page.click("#lang-switch")
    page.wait_for_url("**lang=en")
    assert "Who looked at my information" in page.content()
    assert "inquiry by duty" in page.locator("#inquiry-log").inner_text()

    # Signing out.
    page.click("#logout")
    page.wait_for_url(live_server + "/")
    page.goto(live_server + "/me")
    page.wait_for_url("**/login?next=*")
