"""A deployment running on a draft regulation says so on every portal page, in Chinese and English;
one on an enacted regulation shows no banner."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from xinyong.api.app import create_app
from xinyong.services.platform.bootstrap import Platform

PAGES = ["/", "/check", "/login", "/catalog", "/public/organisations", "/public/double-publicity", "/me"]


def _client(platform: Platform, jurisdiction: str) -> TestClient:
    settings = platform.settings.model_copy(update={"jurisdiction": jurisdiction})
    return TestClient(create_app(Platform(settings=settings, engine=platform.engine, clock=platform.clock)))


@pytest.mark.parametrize("jurisdiction", ["hubei-2017-draft", "beijing-draft"])
def test_every_page_of_a_draft_deployment_carries_the_banner(platform: Platform, jurisdiction: str) -> None:
    with _client(platform, jurisdiction) as client:
        for lang, words in (("zh", ("法规草案，尚未施行", "征求意见稿")),
                            ("en", ("Draft regulation, not in force", "draft for public comment"))):
            for path in PAGES:
                page = client.get(path, params={"lang": lang}, follow_redirects=True)
                assert 'id="draft-banner"' in page.text, (path, lang, page.status_code)
                assert all(word in page.text for word in words), (path, lang)
        home = client.get("/", params={"lang": "en"})
        assert "Draft regulation on trial" in home.text and "Regulation in force" not in home.text


def test_an_enacted_deployment_shows_no_banner(platform: Platform) -> None:
    with _client(platform, "chongqing-2021") as client:
        for path in PAGES:
            page = client.get(path, follow_redirects=True)
            assert 'id="draft-banner"' not in page.text, path
