"""A person's browser never gets raw JSON (issue 14, errors as pages): a missing page, a bad parameter
(``?page=abc``), an over-long query, a wrong method on a portal path answer with an HTML page in the
visitor's language, naming the parameter in words (never its internal name or the framework's English)
and with a way back; the API, OpenAPI and health keep the error shape a program reads."""

from __future__ import annotations

import re
from html import unescape

import pytest


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.mark.parametrize(("path", "status", "zh", "en"), [
    ("/no-such-page", 404, "页面不存在", "does not exist"),
    ("/public/double-publicity?page=abc", 422, "页码应为整数", "The page number must be a whole number"),
    ("/public/organisations?q=" + "查" * 300, 422, "查询内容过长（最多 200 个字符）", "The search text is too long"),
    ("/me/objections/abc", 422, "编号应为整数", "The number must be a whole number"),
])
def test_portal_errors_are_pages_in_the_visitors_language(client, path: str, status: int, zh: str, en: str) -> None:
    for lang, words in (("zh", zh), ("en", en)):
        joiner = "&" if "?" in path else "?"
        response = client.get(f"{path}{joiner}lang={lang}")
        assert response.status_code == status
        assert response.headers["content-type"].startswith("text/html")
        text = _text(response.text)
        assert words in text, text[:400]
        assert 'href="/"' in response.text                      # a way back
        assert "int_parsing" not in text and "string_too_long" not in text and "Input should" not in text
        assert '"detail"' not in response.text


def test_wrong_method_on_a_portal_page_is_a_page_with_allow(client) -> None:
    response = client.delete("/public/double-publicity")
    assert response.status_code == 405 and response.headers["content-type"].startswith("text/html")
    assert "GET" in response.headers["allow"] and "不支持" in _text(response.text)


def test_programs_keep_the_error_shape(client) -> None:
    for path in ("/api/v1/no-such-endpoint", "/api/v1/double-publicity?limit=abc"):
        response = client.get(path)
        assert response.headers["content-type"].startswith("application/json"), path
        assert "detail" in response.json()
