"""Every response's security headers and request id (one ASGI middleware, the outermost of the app's).

- ``X-Request-ID``: a sane id the client or its proxy sent (letters, digits and ``._:=+/@-``, at most
  128 characters) is kept, anything else replaced by a new random one; the response carries it, and
  every line logged while the request is handled (structlog's context, also in the worker threads
  the request runs code in and in the inquiry writer, which runs each inquiry in its caller's context)
  has ``request_id``.
- ``Content-Security-Policy``: the portal loads its own static files only (no inline script or style,
  no frames, forms posting to this site); nobody may frame any page (``frame-ancestors 'none'`` and
  ``X-Frame-Options: DENY``). The OpenAPI pages (``/docs``, ``/redoc``) get their own policy: their
  assets come from this site (``/docs-assets``, no CDN), but FastAPI writes an inline script into
  each page: those scripts are allowed by their hash, computed from the page sent, so nothing else
  inline runs; Swagger UI's inline styles and ReDoc's worker are allowed there too.
- ``Referrer-Policy: same-origin``, ``X-Content-Type-Options: nosniff``.

An exception that escapes the app before it answered is answered here (500, with these headers) and
raised on, so the server still logs it (with the request id: this request's context is left bound).
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from collections.abc import Iterable

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID = "X-Request-ID"
_SANE_ID = re.compile(rb"[A-Za-z0-9][A-Za-z0-9._:=+/@-]{0,127}")

_FRAMING = ("object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'")
POLICY = "; ".join(("default-src 'self'", *_FRAMING))
"""The portal and the API: this site's own files only, nothing inline."""
_DOCS_POLICY = ("default-src 'self'", "script-src 'self'{hashes}", "style-src 'self' 'unsafe-inline'",
                "font-src 'self' data:", "img-src 'self' data:", "worker-src 'self' blob:", "connect-src 'self'",
                *_FRAMING)
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)

_ALWAYS = [(b"x-frame-options", b"DENY"), (b"referrer-policy", b"same-origin"),
           (b"x-content-type-options", b"nosniff")]


def request_id(scope: Scope) -> str:
    """The request's id: the client's ``X-Request-ID`` if it is sane, else a new one."""
    for name, value in scope.get("headers") or ():
        if name == b"x-request-id":
            if _SANE_ID.fullmatch(value):
                return value.decode("ascii")
            break
    return uuid.uuid4().hex


def docs_policy(html: bytes) -> str:
    """The policy of a documentation page: this site's files and, by hash, exactly the inline scripts it
    holds."""
    hashes = "".join(f" 'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
                     for script in _INLINE_SCRIPT.findall(html))
    return "; ".join(_DOCS_POLICY).replace("{hashes}", hashes)


class SecureResponses:
    """Adds the request id and the security headers to every response (see the module's docstring)."""

    def __init__(self, app: ASGIApp, docs_paths: Iterable[str | None] = ()) -> None:
        self.app = app
        self.docs_paths = frozenset(p for p in docs_paths if p)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope)
        headers = [*_ALWAYS, (b"x-request-id", rid.encode("ascii"))]
        tokens = structlog.contextvars.bind_contextvars(request_id=rid)
        path = scope["path"]
        root = scope.get("root_path") or ""
        if root and path.startswith(root):
            path = path[len(root):]
        docs = path in self.docs_paths
        started = False
        held: list[Message] = []

        async def send_secured(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", ()), *headers]
                if not docs:
                    message["headers"].append((b"content-security-policy", POLICY.encode("ascii")))
                    await send(message)
                    return
                held.append(message)        # the policy names the page's inline scripts: wait for it
                return
            if held and message["type"] == "http.response.body":
                held.append(message)
                if message.get("more_body", False):
                    return
                start, *body = held
                held.clear()
                policy = docs_policy(b"".join(m.get("body", b"") for m in body))
                start["headers"].append((b"content-security-policy", policy.encode("ascii")))
                await send(start)
                for part in body:
                    await send(part)
                return
            await send(message)

        try:
            await self.app(scope, receive, send_secured)
        except Exception:
            if not started:
                await send({"type": "http.response.start", "status": 500, "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"), *headers,
                    (b"content-security-policy", POLICY.encode("ascii"))]})
                await send({"type": "http.response.body", "body": b"Internal Server Error"})
            raise       # the server logs it, in this request's context (left bound for that)
        structlog.contextvars.reset_contextvars(**tokens)
