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
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
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
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _framework_error(request, exc)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(PoolTimeout)
    async def _database(request: Request, exc: Exception) -> Response:
        return database_unavailable(request, exc)

    app.add_middleware(RefuseNulCharacters)
    _document_error_shape(app)


def refusal_response(request: Request, exc: Refusal) -> Response:
    """The one answer to a refusal: the error shape under ``/api/`` (with the refusal's status and
    headers), a page in the visitor's language elsewhere."""
    if not request.url.path.startswith("/api/"):
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
    if not request.url.path.startswith("/api/"):
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
