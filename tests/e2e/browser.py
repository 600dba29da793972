"""What the browser tests share: signing in as a demo account, and visiting each role's pages in both
languages."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from xinyong.services.demo.loader import demo_password


def sign_in_as(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    """A fresh browser session signed in as the demo account ``username``."""
    page.context.clear_cookies()
    page.goto(f"{base}/login?lang=zh")
    page.fill("#username", username)
    page.fill("#password", demo_password())
    page.click("#login-submit")
    page.wait_for_load_state()
    assert page.locator("#nav-user").inner_text() == username


def each_page(page, base: str, pages: Mapping[str | None, Sequence[str]]) -> Iterator[tuple[str | None, str, str]]:  # type: ignore[no-untyped-def]
    """Open every page of each role (None: the public, signed out) in Chinese then English; yields (role's
    account, path, language) with the page loaded."""
    for user, paths in pages.items():
        if user:
            sign_in_as(page, base, user)
        else:
            page.context.clear_cookies()
        for path in paths:
            for lang in ("zh", "en"):
                page.goto(f"{base}{path}{'&' if '?' in path else '?'}lang={lang}")
                yield user, path, lang
