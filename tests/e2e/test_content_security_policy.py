"""The Content-Security-Policy in a real browser: the portal's pages, their stylesheet and forms, and
the inline script of the OpenAPI page (allowed by its hash) run without a single violation."""

from __future__ import annotations

import pytest

from xinyong.domain.identity.actors import Actor, Role
from xinyong.services.identity import accounts as auth

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"  # noqa: S105 - a test password
WATCH = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));"""


def test_the_portal_and_the_api_documentation_run_under_the_policy(live_server, page, platform) -> None:  # type: ignore[no-untyped-def]
    with platform.unit_of_work(Actor.system("e2e")) as uow:
        auth.create_user(uow, username="csp", role=Role.public, password=PASSWORD)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(WATCH)

    def violations() -> list[str]:
        return page.evaluate("window.__csp") + [m for m in console if "Content Security Policy" in m]

    for path in ("/", "/catalog", "/public/organisations", "/public/double-publicity", "/check", "/login"):
        response = page.goto(live_server + path)
        assert response is not None and "frame-ancestors 'none'" in response.headers["content-security-policy"]
        # site.css applied (the header's accent border): the stylesheet is this site's own file
        border = page.evaluate("getComputedStyle(document.querySelector('header')).borderBottomColor")
        assert border == "rgb(166, 27, 27)", path
        assert violations() == [], path

    # A form posts to this site and is redirected (form-action 'self').
    page.fill("#username", "csp")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/me*")
    assert page.locator("#nav-user").inner_text() == "csp"
    assert violations() == []

    # /docs: its inline script runs (allowed by its hash). Swagger UI itself comes from the CDN, which a
    # machine without the internet cannot reach: that is a failed load, not a violation.
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server + "/docs", wait_until="domcontentloaded")
    page.wait_for_timeout(500)
    assert violations() == []
    assert errors == [] or any("SwaggerUIBundle" in e for e in errors)     # offline: it ran, found no bundle

    # The watch itself works: a script injected into a portal page is refused and seen.
    page.goto(live_server + "/")
    page.evaluate("(() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';"
                  " document.body.appendChild(s); })()")
    assert page.evaluate("window.x") is None
    assert any(v.startswith("script-src") for v in violations())
