"""The portal's front door and its conventions of a government service site.

- ``/``: the home page: the organisation search, sign-in (or who is signed in and a way to their own
  workspace), the services with what each is for, and the regulation the site rests on (its title and
  status, never an internal id, the database or the software version);
- ``/staff``: a staff role's home page, what this role can do here (a subject goes to ``/me``); after
  sign-in each role lands on its own home page;
- ``/help``: how to use the site, step by step, and its legal basis;
- ``/privacy``: what the platform keeps about a person, who may see it and for how long (the inquiry
  log's retention from the rule file in force, with its article), and the person's rights.

Every page in the visitor's language, with the signed-in visitor in the header.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from xinyong.domain.identity.actors import Caller, Role
from xinyong.portal.i18n import N_, language
from xinyong.portal.pages import _redirect, _render, _to_login, current_visitor, get_platform, organisation_name
from xinyong.rules.errors import RuleError
from xinyong.rules.model import UNIT_WORDS
from xinyong.services.platform import overview
from xinyong.services.platform.bootstrap import Platform

router = APIRouter(include_in_schema=False)

# What each staff role finds on its home page: (path, the label's message key, the explanation's key).
STAFF_LINKS: dict[Role, tuple[tuple[str, str, str], ...]] = {
    Role.providing_unit: (
        ("/staff/batches", N_("staff.link.batches"), N_("staff.why.batches.unit")),
        ("/staff/tokens", N_("staff.link.tokens"), N_("staff.why.tokens")),
        ("/staff/objections", N_("staff.link.objections"), N_("staff.why.objections.unit")),
        ("/staff/restorations", N_("staff.link.restorations"), N_("staff.why.restorations.unit")),
        ("/staff/revocations/new", N_("staff.link.revocation"), N_("staff.why.revocation")),
    ),
    Role.operator: (
        ("/staff/objections", N_("staff.link.objections"), N_("staff.why.objections.center")),
        ("/staff/restorations", N_("staff.link.restorations"), N_("staff.why.restorations.center")),
        ("/staff/compliance", N_("staff.link.compliance"), N_("staff.why.compliance.center")),
        ("/staff/batches", N_("staff.link.batches.center"), N_("staff.why.batches.center")),
        ("/staff/catalog", N_("staff.link.catalog.versions"), N_("staff.why.catalog.versions")),
        ("/staff/units", N_("staff.link.units"), N_("staff.why.units")),
        ("/staff/institutions", N_("staff.link.institutions"), N_("staff.why.institutions")),
        ("/staff/inquiry-log", N_("staff.link.inquiry_log"), N_("staff.why.inquiry_log")),
        ("/catalog", N_("staff.link.catalog"), N_("staff.why.catalog")),
    ),
    Role.competent_department: (
        ("/staff/compliance", N_("staff.link.compliance"), N_("staff.why.compliance.department")),
        ("/staff/catalog", N_("staff.link.catalog.versions"), N_("staff.why.catalog.versions")),
        ("/staff/objections", N_("staff.link.objections"), N_("staff.why.objections.department")),
        ("/catalog", N_("staff.link.catalog"), N_("staff.why.catalog")),
    ),
    Role.duty_department: (
        ("/public/organisations", N_("staff.link.organisations"), N_("staff.why.duty")),
        ("/docs", N_("staff.link.api"), N_("staff.why.api")),
    ),
    Role.service_institution: (
        ("/public/organisations", N_("staff.link.organisations"), N_("staff.why.institution")),
        ("/docs", N_("staff.link.api"), N_("staff.why.api")),
    ),
}
STAFF_LINKS[Role.administrator] = STAFF_LINKS[Role.operator]


def home_of(role: Role) -> str:
    """Where a signed-in account lands: a person's own credit, or its staff role's home page."""
    return "/staff" if role in STAFF_LINKS else "/me"


@router.get("/", response_class=HTMLResponse)
def home(request: Request, visitor: Caller | None = Depends(current_visitor),
         platform: Platform = Depends(get_platform)) -> HTMLResponse:
    info = overview.describe(platform)
    return _render(request, "home.html", {"info": info, "workspace": home_of(visitor.actor.role) if visitor
                                          else None}, visitor=visitor)


@router.get("/staff", response_class=HTMLResponse)
def staff_home(request: Request, visitor: Caller | None = Depends(current_visitor)) -> Response:
    if visitor is None:
        return _to_login(request)
    links = STAFF_LINKS.get(visitor.actor.role)
    if links is None:
        return _redirect(request, "/me")
    organisation = organisation_name(get_platform(request), visitor.actor, language(request))
    return _render(request, "staff_home.html", {"links": links, "role": visitor.actor.role.value,
                                                "organisation": organisation}, visitor=visitor, private=True)


@router.get("/help", response_class=HTMLResponse)
def help_page(request: Request, visitor: Caller | None = Depends(current_visitor),
              platform: Platform = Depends(get_platform)) -> HTMLResponse:
    return _render(request, "help.html", {"info": overview.describe(platform)}, visitor=visitor)


@router.get("/privacy", response_class=HTMLResponse)
def privacy_page(request: Request, visitor: Caller | None = Depends(current_visitor),
                 platform: Platform = Depends(get_platform)) -> HTMLResponse:
    return _render(request, "privacy.html", {"retention": inquiry_log_retention(platform, language(request))},
                   visitor=visitor)


def inquiry_log_retention(platform: Platform, lang: str) -> dict[str, Any] | None:
    """How long the inquiry log is kept under the regulation in force (``inquiry_log.retention``), as
    words in ``lang`` with its citation; None where the regulation sets no period."""
    try:
        ruleset = platform.rulebook.get(platform.jurisdiction)
        if not ruleset.has("inquiry_log.retention"):
            return None
        value = ruleset.value("inquiry_log.retention", platform.clock.today())
    except RuleError:
        return None
    words = UNIT_WORDS.get(value.period_unit or "", ("", ""))
    amount = value.value
    text = f"{amount} {words[1]}" if lang == "en" else f"{amount}{words[0]}"
    return {"text": text, "cite": value.citation}
