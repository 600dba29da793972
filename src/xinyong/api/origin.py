"""Cookie-authenticated API writes must come from this site.

The portal's session cookie also signs API requests in (``api.deps``). A browser sends that cookie with
a request another site's page makes, so a state-changing API request (POST, PUT, PATCH, DELETE under
``/api/``) that carries the cookie and no bearer token must show it comes from this site: an
``Origin`` (or, without one, a ``Referer``) of this very site, or the portal's CSRF token of the
session in the ``X-CSRF-Token`` header (the token the portal's forms carry). Otherwise it is refused
403 (``cross_site_request``, field ``Origin``) before any handler runs. A request with a bearer token is
not affected: the token, not the cookie, says who is calling, and no browser adds it on its own.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from xinyong.api.errors import error_response

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER = "x-csrf-token"
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _origin(scheme: str, netloc: str) -> str:
    """``scheme://host[:port]``, lower case, without the scheme's default port."""
    scheme, netloc = scheme.lower(), netloc.lower()
    host, colon, port = netloc.rpartition(":")
    if colon and port == _DEFAULT_PORTS.get(scheme):
        netloc = host
    return f"{scheme}://{netloc}"


def _sent_origin(headers: Headers) -> str | None:
    """The origin the request says it comes from: ``Origin``, else the ``Referer``'s; None if neither."""
    origin = headers.get("origin")
    if origin is None:
        referer = headers.get("referer")
        if not referer:
            return None
        origin = referer
    parts = urlsplit(origin.strip())
    if not parts.scheme or not parts.netloc:
        return None                                   # "null" (a sandboxed or privacy-stripped origin), junk
    return _origin(parts.scheme, parts.netloc)


def _bearer(headers: Headers) -> bool:
    header = headers.get("authorization", "")
    return header.lower().startswith("bearer ") and bool(header[7:].strip())


class CookieWritesNeedOrigin:
    """The ASGI middleware that applies the rule of this module (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, session_cookie: str) -> None:
        self.app = app
        self.session_cookie = session_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE_METHODS or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        secret = cookie_parser(headers.get("cookie", "")).get(self.session_cookie)
        if not secret or _bearer(headers) or self._from_this_site(scope, headers, secret):
            await self.app(scope, receive, send)
            return
        response = error_response(
            403, "Origin", "cross_site_request",
            "使用登录会话（Cookie）的写操作必须来自本站：请求须带本站的 Origin（或 Referer）或门户的 CSRF 令牌"
            "（X-CSRF-Token）；脚本请使用 API 令牌（Authorization: Bearer）",
            "a change made with the session cookie must come from this site: send this site's Origin (or "
            "Referer) or the portal's CSRF token (X-CSRF-Token); scripts use an API token (Authorization: Bearer)")
        await response(scope, receive, send)

    @staticmethod
    def _from_this_site(scope: Scope, headers: Headers, secret: str) -> bool:
        sent = _sent_origin(headers)
        host = headers.get("host")
        if sent is not None and host and sent == _origin(scope.get("scheme", "http"), host):
            return True
        token = headers.get(CSRF_HEADER)
        if token:
            from xinyong.portal.pages import csrf_token_of

            return hmac.compare_digest(token.encode(), csrf_token_of(secret).encode())
        return False
