"""The web application: API under /api/v1, portal pages, OpenAPI at /docs, health at /healthz."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from xinyong import __version__
from xinyong.api.deps import SESSION_COOKIE
from xinyong.api.errors import install_error_handlers
from xinyong.api.origin import CookieWritesNeedOrigin
from xinyong.api.responses import JSONResponse
from xinyong.api.security import SecureResponses
from xinyong.services.platform.bootstrap import Platform

# Routes are matched in this order, one by one: the inquiry router, whose subject inquiry is the
# busiest route of the platform, comes right after the health check (no two routers share a path).
ROUTERS = (
    "xinyong.api.routers.health",
    "xinyong.api.routers.inquiry",
    "xinyong.api.routers.subjects",
    "xinyong.api.routers.auth",
    "xinyong.api.routers.rules",
    "xinyong.api.routers.catalog",
    "xinyong.api.routers.submissions",
    "xinyong.api.routers.audit",
    "xinyong.api.routers.duty_purposes",
    "xinyong.api.routers.compliance",
    "xinyong.api.routers.notices",
    "xinyong.api.routers.revocations",
    "xinyong.api.routers.restorations",
    "xinyong.api.routers.objections",
    "xinyong.api.routers.corrections",
    "xinyong.api.routers.exchange",
    "xinyong.portal.routes",
)


def tune_gc(threshold: int) -> None:
    """Let the process's garbage collector run after ``threshold`` new container objects instead of
    Python's 700 (0: leave it). A request allocates thousands of short-lived objects, nearly all freed
    by reference counting; at 700 the collector still ran some 65 times a second under the inquiry
    benchmark and took about 5% of the server's time (measured with ``gc.callbacks``); at 10,000 it
    ran about ten times a minute. Called when the server starts (the app's lifespan)."""
    if threshold:
        _young, middle, old = gc.get_threshold()
        gc.set_threshold(threshold, middle, old)


async def sign_quiet_ledger_tail(platform: Platform) -> None:
    """Every little while, sign the ledger's head if entries came after the last checkpoint and it is
    ``XINYONG_LEDGER_CHECKPOINT_SECONDS`` old (appends check this too, but a quiet tail appends nothing)."""
    from xinyong.logging import get_logger
    from xinyong.services.audit import checkpoints
    seconds = platform.settings.ledger_checkpoint_seconds
    pause = min(60.0, max(1.0, seconds / 4))
    while True:
        await asyncio.sleep(pause)
        try:
            await asyncio.to_thread(checkpoints.checkpoint_if_due, platform)
        except Exception as exc:  # noqa: BLE001 - logged; the next round tries again
            get_logger(__name__).error("ledger checkpoint of a quiet tail failed", error=str(exc))


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    tune_gc(app.state.platform.settings.gc_threshold)
    tasks = []
    if app.state.platform.settings.ledger_checkpoint_seconds:
        tasks.append(asyncio.create_task(sign_quiet_ledger_tail(app.state.platform)))
    if app.state.platform.settings.sweep_seconds:   # the duty sweep and the log's retention (services.compliance)
        from xinyong.services.compliance.scheduler import run_sweeps
        tasks.append(asyncio.create_task(run_sweeps(app.state.platform)))
    yield
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


DOCS_ASSETS_URL = "/docs-assets"
DOCS_PAGES = ("/docs", "/redoc", "/docs/oauth2-redirect")


def _documentation(app: FastAPI) -> None:
    """``/docs`` (Swagger UI) and ``/redoc`` with their scripts, styles and icon served by the platform
    from the ``fastapi-offline`` package's files, so they work with no internet (FastAPI's own pages load
    them from a CDN); ReDoc without Google's fonts."""
    from importlib.resources import files

    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
    from fastapi.responses import HTMLResponse
    from fastapi.staticfiles import StaticFiles

    assets = files("fastapi_offline") / "static"
    app.mount(DOCS_ASSETS_URL, StaticFiles(directory=str(assets)), name="docs-assets")
    title, openapi_url = app.title, app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=openapi_url, title=f"{title} – Swagger UI",
                                   swagger_js_url=f"{DOCS_ASSETS_URL}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{DOCS_ASSETS_URL}/swagger-ui.css",
                                   swagger_favicon_url=f"{DOCS_ASSETS_URL}/favicon.png",
                                   oauth2_redirect_url="/docs/oauth2-redirect")

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def swagger_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=openapi_url, title=f"{title} – ReDoc",
                              redoc_js_url=f"{DOCS_ASSETS_URL}/redoc.standalone.js",
                              redoc_favicon_url=f"{DOCS_ASSETS_URL}/favicon.png", with_google_fonts=False)


def create_app(platform: Platform | None = None) -> FastAPI:
    platform = platform or Platform.from_settings()
    app = FastAPI(
        title="Xinyong 信用平台 API",
        version=__version__,
        description="Public credit information platform. Every value is cited to the regulation in force.",
        docs_url=None,          # served below with their assets from this platform (no CDN): _documentation
        redoc_url=None,
        openapi_url="/openapi.json",
        default_response_class=JSONResponse,
        lifespan=_lifespan,
    )
    app.state.platform = platform
    install_error_handlers(app)
    app.add_middleware(CookieWritesNeedOrigin, session_cookie=SESSION_COOKIE)
    # Outermost: the request id and the security headers on every response, the refusals above included.
    app.add_middleware(SecureResponses, docs_paths=DOCS_PAGES)
    _documentation(app)
    for module in ROUTERS:
        app.include_router(importlib.import_module(module).router)
    from xinyong.portal.routes import mount_static

    mount_static(app)
    return app
