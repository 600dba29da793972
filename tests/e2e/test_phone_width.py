"""Pages usable on a phone's width (issue 14 part 6): at 390 CSS pixels no page of the public, a citizen, a
providing unit or the operator is wider than the screen (nothing to scroll sideways), in both languages."""

from __future__ import annotations

import pytest
from browser import each_page

pytestmark = pytest.mark.e2e

PAGES = {
    None: ["/", "/catalog", "/public/organisations?q=示范", "/public/organisations/91500000MA5U0AB10L",
           "/public/double-publicity", "/help", "/privacy", "/login"],
    "zhangming": ["/me", "/me/inquiries", "/me/authorizations", "/me/objections", "/me/notices",
                  "/me/restorations"],
    "market-clerk": ["/staff", "/staff/batches", "/staff/batches/new", "/staff/tokens"],
    "operator": ["/staff/catalog", "/staff/units", "/staff/institutions", "/staff/objections"],
}


def test_no_page_is_wider_than_a_phone(live_server, page) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 390, "height": 844})
    too_wide = []
    for user, path, lang in each_page(page, live_server, PAGES):
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 392:
            too_wide.append((user, path, lang, width))
    assert too_wide == []
