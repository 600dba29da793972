"""The subjects' rights in a real browser (Debian chromium through Playwright), on the demo data: a
citizen objects to a record and follows the steps, the decision deadline passes and the competent
department sees the violation on the compliance monitor, the center decides, the subject reads the written
notice and downloads its PDF; a company applies for credit restoration and the providing unit grants it;
the providing unit reports a revocation. After each the record is gone from /me and the public pages.

Every page is in Chinese (the objection once more in English, up to its page); a screenshot of each step
is kept under ``XINYONG_E2E_ARTIFACTS`` (default: the test's tmp_path), never in the repository. Due dates
and working-day countdowns are read from services.duties, never typed here."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from xinyong.domain.duties.model import Owner
from xinyong.domain.identity.actors import Actor, Role
from xinyong.portal.citations import in_chinese
from xinyong.services import compliance, objections
from xinyong.services.demo.loader import demo_password
from xinyong.services.disclosure.references import resolve_record
from xinyong.services.duties import duties_of
from xinyong.services.duties.engine import liability_of
from xinyong.services.identity import accounts as auth
from xinyong.store.models.auth import User

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"  # noqa: S105 - a test password
SETUP = Actor.system("e2e-rights")
UNIT = "market-regulation"                                   # the demo providing unit
PERSON_RECORD, PERSON_PENALTY = "CF-2025-003", "示市监罚〔2025〕3号"   # 王芳's demo penalty
RESTORED = ("CF-2025-001", "示市监罚〔2025〕1号", "91500000MA5U0AB10L")  # 示范建设工程有限公司
REVOKED = ("CF-2025-002", "示市监罚〔2025〕2号", "91500103MA60XY2K06")   # 示范食品贸易有限公司
# What a Chinese page never shows: internal codes of keys, owners, statuses and outcomes, raw JSON.
CODES = ("objection.", "restoration.", "revocation.", "providing_unit", "platform_operator", "competent_department",
         "received", "transferred", "not_corrected", "state_rule_pending", "no_time_limit", "done_late",
         '{"', "{'", "[{", "None")
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def shot(request, tmp_path: Path):  # type: ignore[no-untyped-def]
    root = Path(os.environ["XINYONG_E2E_ARTIFACTS"]) if os.environ.get("XINYONG_E2E_ARTIFACTS") else tmp_path
    folder = root / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    count = iter(range(1, 100))

    def take(page, name: str) -> Path:  # type: ignore[no-untyped-def]
        path = folder / f"{next(count):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def _account(platform, role: Role, *, organisation: str | None = None,  # type: ignore[no-untyped-def]
             subject_id: int | None = None) -> str:
    name = f"e2e-{role.value}-{subject_id or organisation or 'x'}"
    with platform.unit_of_work(SETUP) as uow:
        if subject_id is not None:    # one account per subject: the demo's own account (its password) if it has one
            bound = uow.session.query(User).filter(User.subject_id == subject_id).one_or_none()
            if bound is not None:
                bound.password_hash = PasswordHasher().hash(PASSWORD)
                return bound.username
        user = auth.create_user(uow, username=name, role=role, password=PASSWORD, organisation=organisation,
                                subject_id=subject_id)
        if subject_id is not None:    # the binding real-name verification makes (its journey: test_portal_subject)
            row = uow.session.get(User, user.id)
            row.real_name_verified_at, row.real_name_method = platform.clock.now(), "demo"
    return name


def _record(platform, key: str):  # type: ignore[no-untyped-def]
    with platform.sessions() as session:
        return resolve_record(session, f"{UNIT}/{key}")


def _sign_in(page, base: str, username: str, password: str = PASSWORD, lang: str = "zh") -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto(f"{base}/login?lang={lang}")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_load_state()
    assert page.locator("#nav-user").inner_text() == username


def _chinese_clean(page) -> str:  # type: ignore[no-untyped-def]
    """The page's visible text, asserted to be a Chinese page without internal codes."""
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    text = page.locator("main").inner_text() if page.locator("main").count() else page.locator("body").inner_text()
    shown = [code for code in CODES if code in text]
    assert not shown, f"internal codes on a Chinese page {page.url}: {shown}"
    return text


def _steps_match(page, duties, rulebook) -> None:  # type: ignore[no-untyped-def]
    """Each step row shows the due date services.duties computed and, while open, its working days left,
    and its article (as a Chinese statute reference on a Chinese page)."""
    chinese = page.locator("html").get_attribute("lang") != "en"
    rows = page.locator("table.steps tr.step")
    assert rows.count() == len(duties)
    for i, duty in enumerate(duties):
        row = rows.nth(i)
        due_cell, left_cell = row.locator("td.due").inner_text(), row.locator("td.left").inner_text()
        assert duty.due is None or duty.due.isoformat() in due_cell, (duty.key, due_cell)
        if duty.status == "open" and duty.working_days_left is not None and duty.working_days_left > 0:
            assert re.search(rf"\b{duty.working_days_left}\b", left_cell), (duty.key, left_cell)
        if duty.cite:
            assert (in_chinese(duty.cite, rulebook) if chinese else duty.cite) in row.inner_text()


def _file_objection(page, base: str, shot, lang: str) -> int:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/me?lang={lang}")
    shot(page, f"me-{lang}")
    record = page.locator("article.record", has_text=PERSON_PENALTY)
    assert record.count() == 1
    record.locator("a.object-link").click()
    page.wait_for_url("**/me/objections/new?record=*")
    shot(page, f"objection-form-{lang}")
    page.fill("#grounds", "罚款金额与决定书不一致，决定书载明的罚款为 300 元。" if lang == "zh"
              else "The fine shown differs from the decision, which says 300 yuan.")
    page.set_input_files("#evidence", files=[{"name": "decision-scan.txt", "mimeType": "text/plain",
                                              "buffer": "示市监罚〔2025〕3号 罚款 300 元".encode()}])
    page.click("#objection-submit")
    page.wait_for_url(re.compile(r".*/me/objections/\d+\?.*done=filed.*"))
    return int(re.search(r"/me/objections/(\d+)", page.url).group(1))  # type: ignore[union-attr]


def test_objection_deadline_missed_seen_by_the_department_then_decided_and_notified(  # type: ignore[no-untyped-def]
        live_server, page, platform, clock, shot) -> None:
    record = _record(platform, PERSON_RECORD)
    citizen = _account(platform, Role.subject, subject_id=record.subject_id)
    department = _account(platform, Role.competent_department, organisation="credit-supervision")

    # The citizen objects from /me with grounds and an evidence file.
    _sign_in(page, live_server, citizen)
    objection_id = _file_objection(page, live_server, shot, "zh")
    assert "异议已提交" in page.locator("#ob-filed").inner_text()
    assert page.locator("#ob-status").inner_text().strip() == "已受理"
    with platform.sessions() as session:
        view = objections.get_objection(platform, session, objection_id, subject_id=record.subject_id)
    dated = [d for d in view.duties if d.due is not None]
    assert dated and any(d.key == "objection.decide" for d in dated)
    _steps_match(page, view.duties, platform.rulebook)
    _chinese_clean(page)
    shot(page, "objection-filed")
    page.set_viewport_size(PHONE)                       # a phone: the steps stay readable (table scrolls)
    shot(page, "objection-filed-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the objection page is {width}px wide on a 390px phone"
    page.set_viewport_size({"width": 1280, "height": 900})

    # Nobody decides: the sweep after the decision's due date records the violation.
    decide = next(d for d in view.duties if d.key == "objection.decide")
    last_due = max(d.due for d in dated)
    clock.set(datetime.combine(last_due + timedelta(days=3), datetime.min.time(), tzinfo=UTC).replace(hour=2))
    report = compliance.sweep(platform)
    assert report.overdue
    ruleset = platform.rulebook.get(platform.jurisdiction)
    cite = ruleset.value("objection.decide", decide.starts_on).citation
    liability = liability_of(platform, "objection.decide", Owner(decide.owner), clock.today())
    assert liability is not None

    _sign_in(page, live_server, citizen)            # the session of days ago has expired
    page.goto(f"{live_server}/me/objections/{objection_id}")
    assert page.locator("table.steps tr.step td.left .warn").count() >= 1     # past due, shown as such
    shot(page, "objection-overdue")

    # The competent department sees it on the compliance monitor with both articles.
    _sign_in(page, live_server, department)
    page.goto(f"{live_server}/staff/compliance")
    text = _chinese_clean(page)
    assert int(page.locator("#count-violations").inner_text()) >= 1
    cite, liability_cite = in_chinese(cite, platform.rulebook), in_chinese(liability.cite, platform.rulebook)
    assert "《" in cite and "第" in cite and "Art." not in text     # a Chinese page cites the Chinese way
    row = page.locator("tr.violation", has_text=cite)
    assert row.count() >= 1, text
    assert liability_cite in row.first.inner_text() and decide.due.isoformat() in row.first.inner_text()
    by_article = page.locator("#by-article").inner_text()
    assert cite in by_article and liability_cite in by_article
    counts = page.locator("#compliance-counts").inner_text()
    assert counts.count("（") == counts.count("）") and "(" not in counts and ")" not in counts, counts
    clipped = page.evaluate("""() => [...document.querySelectorAll('svg.chart')].flatMap(svg =>
        [...svg.querySelectorAll('text')].filter(t => t.getBBox().x + t.getBBox().width > svg.viewBox.baseVal.width
                                                || t.getComputedTextLength() > svg.viewBox.baseVal.width)
        .map(t => t.textContent))""")
    assert not clipped, f"chart text cut off at the chart's edge: {clipped}"
    shot(page, "compliance-monitor")

    # The center decides on its queue.
    _sign_in(page, live_server, "operator", demo_password())
    page.goto(f"{live_server}/staff/objections")
    item = page.locator(f"#objection-{objection_id}")
    _chinese_clean(page)
    shot(page, "staff-objections")
    item.locator(f"#outcome-{objection_id}").select_option("corrected")
    item.locator(f"#reasons-{objection_id}").fill("经核查，罚款金额录入有误，已予以更正。")
    item.locator("form.decide button[type=submit]").click()
    page.wait_for_url("**/staff/objections?*done=1*")
    assert page.locator("#ob-done").is_visible()
    shot(page, "staff-objections-decided")

    # The subject sees the result, opens the written notice and downloads its PDF.
    _sign_in(page, live_server, citizen)
    page.goto(f"{live_server}/me/objections/{objection_id}")
    assert page.locator("#ob-outcome").inner_text() == "予以更正"
    assert "已作出处理决定" in page.locator("#ob-status").inner_text()
    _chinese_clean(page)
    shot(page, "objection-decided")
    page.locator("#rr-notices a").first.click()
    page.wait_for_url(re.compile(r".*/me/notices/\d+.*"))
    assert page.locator("#notice-outcome").inner_text() == "予以更正"
    _chinese_clean(page)
    shot(page, "notice")
    pdf = page.context.request.get(page.locator("#notice-pdf").evaluate("a => a.href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")


def test_objection_in_english_up_to_its_page(live_server, page, platform, shot) -> None:  # type: ignore[no-untyped-def]
    record = _record(platform, PERSON_RECORD)
    citizen = _account(platform, Role.subject, subject_id=record.subject_id)
    _sign_in(page, live_server, citizen, lang="en")
    objection_id = _file_objection(page, live_server, shot, "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "The objection is filed" in page.locator("#ob-filed").inner_text()
    assert page.locator("#ob-status").inner_text().strip() == "Received"
    with platform.sessions() as session:
        view = objections.get_objection(platform, session, objection_id, subject_id=record.subject_id)
    _steps_match(page, view.duties, platform.rulebook)
    steps = page.locator("table.steps").inner_text()
    assert not [code for code in CODES if code in steps], steps
    assert not re.search(r"[\u4e00-\u9fff]", steps), f"Chinese in the English steps: {steps}"
    shot(page, "objection-filed-en")
    page.set_viewport_size(PHONE)
    shot(page, "objection-filed-en-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _public_text(page, base: str, uscc: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """The text of the public organisation page and of double publicity (folded details included)."""
    page.goto(f"{base}/public/organisations/{uscc}")
    organisation = page.locator("main").text_content() or ""
    page.goto(f"{base}/public/double-publicity")
    return organisation, page.locator("main").text_content() or ""


def test_restoration_applied_for_and_granted_takes_the_record_off_every_page(  # type: ignore[no-untyped-def]
        live_server, page, platform, clock, shot) -> None:
    key, number, uscc = RESTORED
    # A day the State's restoration rules are in force: the decision has a due date, a commitment letter is asked.
    clock.set(datetime(2026, 4, 15, 2, 0, tzinfo=UTC))
    record = _record(platform, key)
    company = _account(platform, Role.subject, subject_id=record.subject_id)
    unit = _account(platform, Role.providing_unit, organisation=UNIT)
    organisation, publicity = _public_text(page, live_server, uscc)
    assert number in organisation and number in publicity

    _sign_in(page, live_server, company)
    page.goto(f"{live_server}/me")
    page.locator("article.record", has_text=number).locator("a.restore-link").click()
    page.wait_for_url("**/me/restorations/new?record=*")
    text = _chinese_clean(page)
    assert "免费" in page.locator("#rr-free").inner_text(), text
    shot(page, "restoration-form")
    page.fill("#commitment", "本公司承诺已改正失信行为，履行法定义务，今后诚信守法经营。")
    page.click("#restoration-submit")
    page.wait_for_url(re.compile(r".*/me/restorations/\d+.*"))
    restoration_id = int(re.search(r"/me/restorations/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    with platform.sessions() as session:
        steps = duties_of(platform, session, "restoration", restoration_id)
    decide = next(d for d in steps if d.key == "restoration.decide")
    assert decide.due is not None
    _steps_match(page, steps, platform.rulebook)
    _chinese_clean(page)
    shot(page, "restoration-filed")

    # The providing unit grants it on its queue.
    _sign_in(page, live_server, unit)
    page.goto(f"{live_server}/staff/restorations")
    card = page.locator(f"#restoration-{restoration_id}")
    assert decide.due.isoformat() in card.inner_text()
    _chinese_clean(page)
    shot(page, "staff-restorations")
    card.locator("input[name=decision][value=grant]").check()
    card.locator(f"#reasons-{restoration_id}").fill("已改正违法行为并履行处罚决定，符合修复条件。")
    card.locator("form.decide-form button[type=submit]").click()
    page.wait_for_url("**/staff/restorations?*done=granted*")
    _chinese_clean(page)
    shot(page, "staff-restorations-granted")

    # Gone from the company's /me and from the public pages.
    _sign_in(page, live_server, company)
    page.goto(f"{live_server}/me")
    assert page.locator("article.record", has_text=number).count() == 0
    shot(page, "me-after-restoration")
    page.goto(f"{live_server}/me/restorations/{restoration_id}")
    _chinese_clean(page)
    shot(page, "restoration-granted")
    organisation, publicity = _public_text(page, live_server, uscc)
    assert number not in organisation and number not in publicity
    shot(page, "double-publicity-after-restoration")


def test_revocation_reported_by_the_unit_takes_the_record_off_every_page(  # type: ignore[no-untyped-def]
        live_server, page, platform, shot) -> None:
    key, number, uscc = REVOKED
    record = _record(platform, key)
    company = _account(platform, Role.subject, subject_id=record.subject_id)
    unit = _account(platform, Role.providing_unit, organisation=UNIT)
    organisation, publicity = _public_text(page, live_server, uscc)
    assert number in organisation and number in publicity
    _sign_in(page, live_server, company)
    page.goto(f"{live_server}/me")
    assert page.locator("article.record", has_text=number).count() == 1

    _sign_in(page, live_server, unit)
    page.goto(f"{live_server}/staff/revocations/new")
    _chinese_clean(page)
    shot(page, "revocation-form")
    page.fill("#record", key)
    page.locator("#grounds input[type=radio]").first.check()
    page.fill("#basis", "行政复议决定撤销原处罚决定（示市复决〔2026〕1号）。")
    page.click("#revocation-submit")
    page.wait_for_url(re.compile(r".*/staff/revocations/\d+.*"))
    _chinese_clean(page)
    shot(page, "revocation-reported")

    _sign_in(page, live_server, company)
    page.goto(f"{live_server}/me")
    assert page.locator("article.record", has_text=number).count() == 0
    shot(page, "me-after-revocation")
    organisation, publicity = _public_text(page, live_server, uscc)
    assert number not in organisation and number not in publicity
    shot(page, "double-publicity-after-revocation")
