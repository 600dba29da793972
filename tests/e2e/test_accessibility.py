"""Accessibility (issue 14, done when: "axe finds no serious violation"): axe-core, run in Debian's chromium
through axe-playwright-python, on the pages of the public, a citizen, a providing unit, the operator and the
competent department, in Chinese and English; any violation of serious or critical impact fails the test,
named with its rule, page and first element."""

from __future__ import annotations

import pytest
from browser import each_page

pytestmark = pytest.mark.e2e

PAGES = {
    None: ["/", "/catalog", "/public/organisations?q=91500000MA5U0AB10L", "/public/organisations/91500000MA5U0AB10L",
           "/public/double-publicity", "/help", "/privacy", "/login", "/check"],
    "zhangming": ["/me", "/me/inquiries", "/me/authorizations", "/me/objections", "/me/notices",
                  "/me/restorations"],
    "market-clerk": ["/staff", "/staff/batches", "/staff/batches/new", "/staff/tokens", "/staff/objections",
                     "/staff/restorations", "/staff/revocations/new"],
    "operator": ["/staff/catalog", "/staff/units", "/staff/institutions", "/staff/inquiry-log"],
    "supervisor": ["/staff", "/staff/compliance"],
}


def test_axe_finds_no_serious_violation(live_server, page) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    found = []
    for user, path, lang in each_page(page, live_server, PAGES):
        for v in axe.run(page).response["violations"]:
            if v["impact"] in ("serious", "critical"):
                found.append((user, path, lang, v["id"], v["nodes"][0]["target"]))
    assert found == []
