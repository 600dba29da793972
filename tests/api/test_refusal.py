"""The one refusal: whatever process refuses, each interface answers it one way — the API with the error
shape and the refusal's status, the portal with a page in the visitor's language, the command line with
both messages on standard error and exit status 1 — without any endpoint mapping it by hand."""

from __future__ import annotations

from fastapi import APIRouter

from xinyong.domain.platform.refusal import Refusal

REFUSAL = Refusal("identifier", "identifier_invalid", "证件号码无效", "the identifier is not valid", status=409,
                  headers={"Retry-After": "7"})


def _refusing_app(client):  # type: ignore[no-untyped-def]
    router = APIRouter()

    @router.get("/api/v1/test-refusal")
    def api_refusal() -> None:
        raise REFUSAL

    @router.get("/test-refusal")
    def page_refusal() -> None:
        raise REFUSAL

    client.app.include_router(router)
    return client


def test_the_api_answers_a_refusal_with_the_error_shape_status_and_headers(client) -> None:  # type: ignore[no-untyped-def]
    response = _refusing_app(client).get("/api/v1/test-refusal")
    assert response.status_code == 409 and response.headers["retry-after"] == "7"
    assert response.json() == {"detail": {"field": "identifier", "reason": "identifier_invalid",
                                          "message_zh": "证件号码无效", "message_en": "the identifier is not valid"}}


def test_the_portal_answers_a_refusal_with_a_page_in_the_visitors_language(client) -> None:  # type: ignore[no-untyped-def]
    app = _refusing_app(client)
    zh = app.get("/test-refusal")
    assert zh.status_code == 409 and zh.headers["content-type"].startswith("text/html")
    assert "证件号码无效" in zh.text and "返回首页" in zh.text and "identifier_invalid" not in zh.text
    en = app.get("/test-refusal?lang=en")
    assert "the identifier is not valid" in en.text and "Back to the home page" in en.text


def test_the_command_line_prints_both_messages_and_exits_one(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import pytest

    import xinyong.cli as cli

    def refuse() -> None:
        raise REFUSAL

    monkeypatch.setattr(cli, "app", refuse)
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "identifier: 证件号码无效" in err and "identifier: the identifier is not valid" in err


