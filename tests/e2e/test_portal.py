"""The portal in a real browser: Chinese by default, the English switch, the identifier check."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_home_page_in_chinese_then_english(live_server, page, platform):
    page.goto(live_server + "/")
    title = platform.rulebook.get(platform.jurisdiction).title
    assert page.locator("#jurisdiction").inner_text().startswith(title.zh)
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.click("#lang-switch")
    page.wait_for_url("**lang=en")
    assert title.en in page.locator("#jurisdiction").inner_text()
    assert "Services" in page.content() and "Find an organisation" in page.content()
    # the choice sticks for the next page
    page.goto(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "en"


def test_identifier_check_page_explains_and_masks(live_server, page):
    page.goto(live_server + "/check")
    page.fill("#identifier", "91500000MA5U0AB10O")
    page.click("button[type=submit]")
    assert "无效" in page.locator("#result").inner_text()
    assert "O" in page.locator("#result").inner_text()
    page.fill("#identifier", "11010519491231002X")
    page.click("button[type=submit]")
    result = page.locator("#result").inner_text()
    assert "有效" in result and "110105********002X" in result and "11010519491231002X" not in result
