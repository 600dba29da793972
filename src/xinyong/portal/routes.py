"""Portal pages (server-rendered, Chinese by default with an English switch)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from xinyong import __version__
from xinyong.domain.platform.refusal import Refusal
from xinyong.domain.subjects.identifiers import check_identifier
from xinyong.domain.subjects.masking import mask_identifier
from xinyong.portal.batch_pages import router as batch_router
from xinyong.portal.catalog_pages import router as catalog_router
from xinyong.portal.center_pages import router as center_router
from xinyong.portal.i18n import language, translator
from xinyong.portal.objection_pages import router as objection_router
from xinyong.portal.pages import _render, current_visitor
from xinyong.portal.pages import router as pages_router
from xinyong.portal.regulation import regulation_context
from xinyong.portal.restoration_pages import router as restoration_router
from xinyong.portal.rights import router as rights_router
from xinyong.portal.site_pages import router as site_router
from xinyong.services.platform.bootstrap import Platform

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"), context_processors=[regulation_context])
router = APIRouter(include_in_schema=False)
router.include_router(pages_router)  # sign-in, my credit, public lookups, the catalog (pages.py)
router.include_router(rights_router)  # written notices, the compliance monitor (rights.py)
router.include_router(restoration_router)  # restoration and revocation (restoration_pages.py)
router.include_router(objection_router)  # objections (objection_pages.py)
router.include_router(site_router)  # home, staff home pages, help, privacy (site_pages.py)
router.include_router(batch_router)  # a providing unit's batches, uploads and tokens (batch_pages.py)
router.include_router(catalog_router)  # the catalog's versions for the center and the department (catalog_pages.py)
router.include_router(center_router)  # the center's units, institutions and inquiry-log retention (center_pages.py)


def get_platform(request: Request) -> Platform:
    return request.app.state.platform


def render(request: Request, name: str, context: dict, status_code: int = 200, *,
           with_visitor: bool = True) -> HTMLResponse:
    """A page with the signed-in visitor in its header (looked up from the session cookie), except where
    the database cannot be asked (``with_visitor=False``: the outage page)."""
    if with_visitor:
        visitor = current_visitor(request, get_platform(request))
        return _render(request, name, context, visitor=visitor, status_code=status_code)
    lang = language(request)
    base = {"request": request, "lang": lang, "t": translator(lang), "app_version": __version__,
            "other_lang": "en" if lang == "zh" else "zh"}
    response = templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
    if request.query_params.get("lang") == lang:
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="lax")
    return response


@router.get("/check", response_class=HTMLResponse)
def check_page(request: Request, identifier: str | None = Query(None, max_length=64)) -> HTMLResponse:
    result = check_identifier(identifier) if identifier else None
    shown = None
    if result is not None:
        shown = mask_identifier(result.identifier, result.kind)
    return render(request, "check.html", {"result": result, "shown": shown})


def unavailable_page(request: Request) -> HTMLResponse:
    """The page of a database outage (503), in the visitor's language (``api.errors`` answers with it)."""
    return render(request, "unavailable.html", {}, status_code=503, with_visitor=False)


def refusal_page(request: Request, refusal: Refusal) -> HTMLResponse:
    """A refusal the page itself did not show beside its form: a page in the visitor's language with
    what was refused and why, and a way back."""
    response = render(request, "refused.html", {"refusal": refusal}, status_code=refusal.status)
    for name, value in refusal.headers.items():
        response.headers[name] = value
    return response


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
