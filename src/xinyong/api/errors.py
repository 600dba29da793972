"""One error shape for every refusal: the field, a reason code, and the message in both languages."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote_to_bytes

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xinyong.api.responses import JSONResponse
from xinyong.domain.platform.refusal import Refusal


class ErrorDetail(BaseModel):
    field: str | None = None
    reason: str
    message_zh: str
    message_en: str


class ErrorBody(BaseModel):
    detail: ErrorDetail | list[ErrorDetail]


def error_response(status: int, field: str | None, reason: str, zh: str, en: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": {"field": field, "reason": reason,
                                                                "message_zh": zh, "message_en": en}})


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        if wants_page(request):
            return refusal_response(request, _page_validation_refusal(exc.errors()))
        details = []
        for error in exc.errors():
            loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
            field = ".".join(loc) or None
            details.append({"field": field, "reason": error.get("type", "invalid"),
                            "message_zh": f"字段 {field or '请求'} 无效：{error.get('msg', '')}",
                            "message_en": f"field {field or 'request'} is invalid: {error.get('msg', '')}"})
        return JSONResponse(status_code=422, content={"detail": details})

    @app.exception_handler(Refusal)
    async def _refusal(request: Request, exc: Refusal) -> Response:
        return refusal_response(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        response = _framework_error(request, exc)
        if wants_page(request) and response.status_code in _PAGE_WORDS:
            zh, en = _PAGE_WORDS[response.status_code]
            headers = {k: v for k, v in response.headers.items() if k.lower() == "allow"}
            return refusal_response(request, Refusal(None, HTTPStatus(response.status_code).phrase.lower()
                                                     .replace(" ", "_"), zh, en, status=response.status_code,
                                                     headers=headers))
        return response

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(PoolTimeout)
    async def _database(request: Request, exc: Exception) -> Response:
        return database_unavailable(request, exc)

    app.add_middleware(RefuseNulCharacters)
    _document_error_shape(app)


# Paths a program reads: they answer in the error shape; every other path is a portal page a person
# reads, answered with a page in the visitor's language and a way back.
_MACHINE_PREFIXES = ("/api/", "/static/", "/docs", "/redoc")
_MACHINE_PATHS = frozenset({"/openapi.json", "/healthz"})
_PAGE_WORDS = {
    404: ("您要找的页面不存在，可能地址有误或已经移除。", "The page you asked for does not exist: the address may be "
          "mistyped, or the page was removed."),
    405: ("该页面不支持这种操作。", "This page does not support that action."),
    413: ("提交的内容过大。", "What you sent is too large."),
    422: ("提交的内容无法读取（编码或格式错误）。", "What you sent cannot be read (bad encoding or format)."),
}
# The words for a query or form parameter in a page's error (never the parameter's internal name).
_PARAMETER_WORDS = {
    "page": ("页码", "the page number"), "q": ("查询内容", "the search text"), "kind": ("类别", "the kind"),
    "lang": ("语言", "the language"), "version": ("版本", "the version"), "record": ("记录", "the record"),
    "limit": ("每页条数", "the number per page"), "since": ("起始日期", "the start date"),
    "until": ("截止日期", "the end date"), "date_from": ("起始日期", "the start date"),
    "date_to": ("截止日期", "the end date"), "unit": ("信息提供单位", "the providing unit"),
}


def wants_page(request: Request) -> bool:
    """Whether a person's browser asked (a portal path), not a program (the API, OpenAPI, health)."""
    path = request.url.path
    return not path.startswith(_MACHINE_PREFIXES) and path not in _MACHINE_PATHS


def _page_validation_refusal(errors: Any) -> Refusal:
    """The first invalid parameter of a portal request, in words a visitor reads (``?page=abc``: the
    page number must be a whole number), never the framework's English or a parameter's code."""
    error = next(iter(errors), {}) or {}
    loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
    name = loc[-1] if loc else ""
    zh_name, en_name = _PARAMETER_WORDS.get(name, ("编号", "the number") if name.endswith("_id")
                                            else ("请求参数", "a parameter of the request"))
    kind, ctx = str(error.get("type", "")), error.get("ctx") or {}
    if kind in ("int_parsing", "int_type", "int_from_float"):
        zh, en = "应为整数", "must be a whole number"
    elif kind in ("date_parsing", "date_from_datetime_parsing", "date_type"):
        zh, en = "应为日期（YYYY-MM-DD）", "must be a date (YYYY-MM-DD)"
    elif kind == "string_too_long":
        most = ctx.get("max_length")
        zh, en = f"过长（最多 {most} 个字符）", f"is too long (at most {most} characters)"
    elif kind == "string_too_short":
        zh, en = "过短或为空", "is too short or empty"
    elif kind in ("greater_than_equal", "greater_than"):
        limit = ctx.get("ge", ctx.get("gt"))
        zh, en = f"不能小于 {limit}", f"cannot be less than {limit}"
    elif kind in ("less_than_equal", "less_than"):
        limit = ctx.get("le", ctx.get("lt"))
        zh, en = f"不能大于 {limit}", f"cannot be more than {limit}"
    elif kind == "missing":
        zh, en = "缺失", "is missing"
    elif kind in ("enum", "literal_error", "string_pattern_mismatch"):
        zh, en = "不是可以接受的值", "is not one of the accepted values"
    else:
        zh, en = "无效", "is invalid"
    return Refusal(name or None, kind or "invalid", f"{zh_name}{zh}。", f"{en_name[0].upper()}{en_name[1:]} {en}.")


def refusal_response(request: Request, exc: Refusal) -> Response:
    """The one answer to a refusal: the error shape under ``/api/`` (with the refusal's status and
    headers), a page in the visitor's language elsewhere."""
    if wants_page(request):
        from xinyong.portal.routes import refusal_page

        return refusal_page(request, exc)
    return JSONResponse(status_code=exc.status, content={"detail": exc.to_dict()}, headers=exc.headers or None)


def database_unavailable(request: Request, exc: Exception) -> Response:
    """The database cannot be reached (refused, dropped, timed out): 503, never a 401 or a 500 — who
    the caller is could not even be read. The API answers in the error shape, the portal with a page in
    the visitor's language."""
    from xinyong.logging import get_logger

    get_logger(__name__).error("database unavailable", path=request.url.path,
                               error=f"{exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    if wants_page(request):
        from xinyong.portal.routes import unavailable_page

        return unavailable_page(request)
    return error_response(503, None, "database_unavailable", "数据库暂时无法访问，请稍后再试",
                          "the database cannot be reached right now: try again later")


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _framework_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """The framework's own refusals (unknown path, wrong method, unreadable body) in the one error shape.

    A body that cannot be parsed at all (not UTF-8, broken multipart) is answered 422 like a malformed
    JSON body, not with the framework's undocumented 400; a 405 lists in ``Allow`` every method the path
    has, not only those of the first route that matched it.
    """
    headers = dict(exc.headers or {})
    status, detail = exc.status_code, exc.detail
    if status == 400 and isinstance(detail, str):
        # Only the framework answers 400 (a body that is not UTF-8, broken multipart …); the platform's
        # own refusals carry their reason. Answered like a malformed JSON body: 422.
        return JSONResponse(status_code=422, content={"detail": [{
            "field": None, "reason": "body_unparseable", "message_zh": f"请求体无法解析（编码或格式错误）：{detail}",
            "message_en": f"the request body cannot be parsed (bad encoding or format): {detail}"}]},
            headers=headers or None)
    if status == 405:
        allowed = [method for method in _METHODS
                   if any(route.matches({**request.scope, "method": method})[0] is Match.FULL
                          for route in request.app.router.routes)]
        if allowed:
            headers["Allow"] = ", ".join(allowed)
    if isinstance(detail, str):
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "error"
        detail = {"field": None, "reason": phrase.lower().replace(" ", "_").replace("-", "_"),
                  "message_zh": detail, "message_en": detail}
    return JSONResponse(status_code=status, content={"detail": detail}, headers=headers or None)


def _document_error_shape(app: FastAPI) -> None:
    """Document the 422 the validation handler really sends (``ErrorBody``), not FastAPI's default."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        if "HTTPValidationError" in components:
            body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, definition in body.pop("$defs", {}).items():
                components.setdefault(name, definition)
            components.setdefault("ErrorBody", body)
            components["HTTPValidationError"] = {"$ref": "#/components/schemas/ErrorBody"}
            components.pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class RefuseNulCharacters:
    """Refuse (422, ``nul_character``) a request whose path, query, JSON or form text holds a NUL
    character: no text column can store one (PostgreSQL refuses it outright), and no credit information
    contains one. Uploaded files are not inspected here: their readers judge their bytes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope.get("path", "") or b"\x00" in unquote_to_bytes(scope.get("query_string", b"")):
            await self._refuse(scope, receive, send)
            return
        content_type = dict(scope.get("headers") or ()).get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type not in (b"application/json", b"application/x-www-form-urlencoded") and \
                not content_type.endswith(b"+json"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if self._body_has_nul(body, content_type):
            await self._refuse(scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    def _body_has_nul(body: bytes, content_type: bytes) -> bool:
        if content_type == b"application/x-www-form-urlencoded":
            return b"\x00" in unquote_to_bytes(body.replace(b"+", b" "))
        if b"\x00" in body:
            return True
        if b"\\u0000" not in body:    # the JSON escape of NUL: parse only when it may be there
            return False
        try:
            return _has_nul(json.loads(body))
        except ValueError:
            return False                # malformed JSON: the validation layer answers that

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(422, None, "nul_character", "请求中含有空字符（NUL），无法处理",
                                  "the request contains a NUL character, which no field may hold")
        await response(scope, receive, send)
