"""Portal pages for credit subjects and the public (server-rendered; Chinese by default, ``?lang=en``).

Signed-in subject (portal session cookie, see ``services.auth``):

- ``/login``, ``/logout`` (POST): sign in with a username and password, sign out;
- ``/me``: who you are; real-name verification through the configured verifier; once verified, your
  credit record (a self inquiry through ``services.disclosure.inquiry``, logged like any other), withholding
  positive information where the regulation gives the right (``disclosure.positive_withholdable``);
- ``/me/inquiries``: who looked at your information, when, in which mode and why (newest first);
- ``/me/authorizations``: grant and revoke written authorizations.

The public:

- ``/public/organisations`` and ``/public/organisations/{ref}``: organisations by name or USCC and
  their lawfully public records (``lawful_disclosure`` mode through the access policy); natural
  persons are never found nor shown;
- ``/public/double-publicity``: administrative permits and penalties (double publicity);
- ``/catalog``: the catalog in force, each item with the article that allows it.

Every form carries a per-session CSRF token in a hidden field, checked before anything else on POST
(a missing or wrong token answers 403 and changes nothing). Signed in, the token is an HMAC of the
session secret; before signing in, of a random pre-session cookie. Cookies are ``SameSite=Lax`` and
``HttpOnly``, and ``Secure`` outside ``XINYONG_ENV=local``. Bad input re-renders the form with every
problem (the field and the reason) and changes nothing. The portal never reads credit records
itself: only through ``services.disclosure.inquiry``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from xinyong import __version__
from xinyong.domain.catalog.items import (
    CATEGORY_LABELS,
    DISCLOSURE_LABELS,
    ORIGIN_LABELS,
    CatalogItemSpec,
    display_rules,
)
from xinyong.domain.disclosure.policy import Mode
from xinyong.domain.identity.actors import CITIZEN_ROLES, Actor, Caller, Role
from xinyong.domain.platform.clock import business_tz
from xinyong.domain.platform.refusal import Refusal
from xinyong.domain.subjects.identifiers import IdentifierKind, check_identifier
from xinyong.domain.subjects.kinds import SubjectKind
from xinyong.domain.subjects.masking import mask_identifier
from xinyong.portal.citations import finalize as citations_finalize
from xinyong.portal.i18n import language, translator
from xinyong.portal.regulation import regulation_context
from xinyong.rules.errors import RuleLookupError
from xinyong.rules.model import UNIT_WORDS, Span
from xinyong.services import catalog as catalog_service
from xinyong.services.aggregation.layouts import field_display as standard_display
from xinyong.services.disclosure import authorizations, inquiry, inquiry_log, marks, public
from xinyong.services.disclosure.results import NOT_LOGGED, ServedRecord
from xinyong.services.disclosure.rules_in_force import policy_rules
from xinyong.services.identity import accounts as auth
from xinyong.services.identity import units
from xinyong.services.platform.bootstrap import Platform, UnitOfWork

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"), context_processors=[regulation_context])
templates.env.finalize = citations_finalize     # a cite reads 《<the title>》第二十二条第三款 on zh pages
router = APIRouter(include_in_schema=False)

SESSION_COOKIE = "xy_session"   # the same cookie the API reads (xinyong.api.deps.SESSION_COOKIE)
CSRF_COOKIE = "xy_csrf"         # the pre-session seed of the login form's CSRF token
CSRF_FIELD = "csrf_token"
PAGE_SIZE = 20
MAX_PAGE = 100_000
PORTAL_AUTH = Actor.system("portal-auth")
VERIFIABLE_ROLES = CITIZEN_ROLES
"""Accounts offered the verification form (``services.auth.binding_refusal`` decides, for the portal and
the API alike); an organisation's account (a department, a unit, the operator) is never turned into a
subject's account."""
PERSON_KINDS = frozenset({IdentifierKind.citizen_id, IdentifierKind.passport, IdentifierKind.other_id})
_ID_LIKE = re.compile(r"\d{15}|\d{17}[\dXx]")
NOTICES = ("verified", "withheld", "released", "granted", "revoked")


def get_platform(request: Request) -> Platform:
    return request.app.state.platform


# --------------------------------------------------------------------------------------------------
# Who is visiting
# --------------------------------------------------------------------------------------------------

def _session_secret(request: Request) -> str | None:
    secret = request.cookies.get(SESSION_COOKIE)
    return secret if secret and len(secret) <= 200 else None


def current_visitor(request: Request, platform: Platform = Depends(get_platform)) -> Caller | None:
    """The signed-in visitor (the ``Caller`` behind the session cookie, with the session's secret), or
    None."""
    secret = _session_secret(request)
    if secret is None:
        return None
    with platform.sessions() as session:
        user = auth.resolve_session(UnitOfWork(platform, session, PORTAL_AUTH), secret)
        if user is None:
            return None
        return Caller(auth.actor_for(user), user_id=user.id, username=user.username, subject_id=user.subject_id,
                      verified_at=user.real_name_verified_at, verified_method=user.real_name_method,
                      secret=secret)


# --------------------------------------------------------------------------------------------------
# CSRF
# --------------------------------------------------------------------------------------------------

def _csrf_token(seed: str) -> str:
    return hmac.new(seed.encode(), b"xinyong portal form", hashlib.sha256).hexdigest()


def csrf_token_of(session_secret: str) -> str:
    """The CSRF token of a signed-in session's forms; a cookie-authenticated API write may carry it in
    ``X-CSRF-Token`` instead of an Origin of this site (``api.origin``)."""
    return _csrf_token(session_secret)


def _csrf_seed(request: Request, visitor: Caller | None) -> tuple[str, bool]:
    """(seed, whether it is new and must be set as the pre-session cookie)."""
    if visitor is not None:
        return visitor.secret, False
    seed = request.cookies.get(CSRF_COOKIE)
    if seed and 20 <= len(seed) <= 100:
        return seed, False
    return secrets.token_urlsafe(32), True


def _csrf_ok(request: Request, visitor: Caller | None, sent: str) -> bool:
    seed = visitor.secret if visitor is not None else request.cookies.get(CSRF_COOKIE)
    if not sent or not seed:
        return False
    return hmac.compare_digest(sent.encode(), _csrf_token(seed).encode())


# --------------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FormError:
    field: str | None
    reason: str
    message_zh: str
    message_en: str


def _fmt_dt(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(business_tz()).strftime("%Y-%m-%d %H:%M")


def _fmt_date(value: date | None) -> str:
    return value.isoformat() if value else ""


templates.env.filters["dt"] = _fmt_dt
templates.env.filters["d"] = _fmt_date


def _url(request: Request, path: str, **params: Any) -> str:
    """``path`` with ``params`` (None dropped), keeping an explicit ``?lang=`` of this request."""
    query = {k: v for k, v in params.items() if v is not None}
    lang = request.query_params.get("lang")
    if lang in ("zh", "en"):
        query.setdefault("lang", lang)
    return path + ("?" + urlencode(query) if query else "")


def _redirect(request: Request, path: str, **params: Any) -> RedirectResponse:
    return RedirectResponse(_url(request, path, **params), status_code=303)


def switch_query(request: Request, lang: str) -> str:
    """The language switch's query: this page's own, in the other language; a parameter holding a
    natural person's identity number (a search for one, the identifier check) is left out, so the number
    is never written into the page or sent on as a referrer."""
    kept = [(k, v) for k, v in request.query_params.multi_items()
            if k != "lang" and not _ID_LIKE.search(v) and len(v) <= 200]
    return urlencode([*kept, ("lang", "en" if lang == "zh" else "zh")])


def _render(request: Request, name: str, context: Mapping[str, Any], *, visitor: Caller | None,
            status_code: int = 200, private: bool = False) -> HTMLResponse:
    lang = language(request)
    seed, new_seed = _csrf_seed(request, visitor)
    notice = request.query_params.get("done")
    base = {"request": request, "lang": lang, "t": translator(lang), "app_version": __version__,
            "other_lang": "en" if lang == "zh" else "zh", "switch_query": switch_query(request, lang),
            "visitor": visitor, "csrf_field": CSRF_FIELD,
            "csrf_token": _csrf_token(seed), "notice": notice if notice in NOTICES else None,
            "errors": (), "form": {}}
    response = templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
    if request.query_params.get("lang") == lang:
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="lax")
    if new_seed:
        response.set_cookie(CSRF_COOKIE, seed, httponly=True, samesite="lax", path="/", secure=_secure(request))
    if private or visitor is not None:
        response.headers["Cache-Control"] = "no-store"
    return response


def _secure(request: Request) -> bool:
    """Session and CSRF cookies are ``Secure`` (sent over HTTPS only) outside ``XINYONG_ENV=local``."""
    return not get_platform(request).settings.local


def _forbidden(request: Request, visitor: Caller | None) -> HTMLResponse:
    return _render(request, "csrf.html", {}, visitor=visitor, status_code=403, private=True)


def _to_login(request: Request) -> RedirectResponse:
    return _redirect(request, "/login", next=request.url.path)


def staff_gate(request: Request, visitor: Caller | None, template: str, roles: Iterable[Role]) -> Response | None:
    """None when ``visitor`` may use a staff page; else the way out: sign-in for nobody, ``template`` with
    ``forbidden`` (403) for a role not in ``roles``."""
    if visitor is None:
        return _to_login(request)
    if visitor.actor.role not in roles:
        return _render(request, template, {"forbidden": True}, visitor=visitor, status_code=403, private=True)
    return None


def staff_form_gate(request: Request, visitor: Caller | None, csrf_token: str, template: str,
                    roles: Iterable[Role]) -> Response | None:
    """``staff_gate`` for a form sent to a staff page: a form without the visitor's own CSRF token is
    refused (403) before anything else."""
    if not _csrf_ok(request, visitor, csrf_token):
        return _forbidden(request, visitor)
    return staff_gate(request, visitor, template, roles)


def form_day(text: str, field: str, *, required: bool = True) -> date | None:
    """A date a staff form sent (YYYY-MM-DD), None when it may be and was left empty; refused naming
    ``field`` otherwise."""
    text = (text or "").strip()
    if not text and not required:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Refusal(field, "date_invalid", "日期格式须为 YYYY-MM-DD", "a date is written YYYY-MM-DD") from None


def _safe_next(value: str | None) -> str:
    """A local path to go on to after sign-in, or "" (then the account's own home page)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value \
            and len(value) <= 200 and all(ch.isprintable() for ch in value):
        return value
    return ""


def _required(form: Mapping[str, str], names: Iterable[str]) -> list[FormError]:
    return [FormError(name, "required", "此项为必填项", "this field is required")
            for name in names if not form.get(name, "").strip()]


def _too_long(form: Mapping[str, str], limits: Mapping[str, int]) -> list[FormError]:
    return [FormError(name, "too_long", f"不得超过 {limit} 个字符", f"at most {limit} characters")
            for name, limit in limits.items() if len(form.get(name, "")) > limit]


def _from_service(exc: Any) -> FormError:
    return FormError(exc.field, exc.reason, exc.message_zh, exc.message_en)


# --------------------------------------------------------------------------------------------------
# Records as the pages show them
# --------------------------------------------------------------------------------------------------

def _item_specs(platform: Platform, codes: Iterable[str]) -> dict[str, CatalogItemSpec]:
    """The catalog items of ``codes``: as the catalog in force defines them, else their latest version."""
    wanted = set(codes)
    out: dict[str, CatalogItemSpec] = {}
    with platform.sessions() as session:
        try:
            published = catalog_service.published_catalog(session, platform.jurisdiction, platform.clock.today())
            out = {i.spec.code: i.spec for i in published.items if i.spec.code in wanted}
        except Refusal as refused:
            if refused.reason != "not_in_force":
                raise
            out = {}
        for code in wanted - set(out):
            history = catalog_service.item_history(session, platform.jurisdiction, code)
            if history:
                out[code] = history[-1][1]
    return out


def _unit_names(platform: Platform) -> dict[str, tuple[str, str]]:
    with platform.sessions() as session:
        return {u.code: (u.name_zh, u.name_en or u.name_zh) for u in units.list_units(session)}


def _field_value(value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value) if lang == "zh" else ", ".join(str(v) for v in value)
    return str(value)


def organisation_name(platform: Platform, actor: Actor, lang: str) -> str | None:
    """The signed-in account's organisation as its reader knows it: the operating center's name for the
    operator's accounts, a providing unit's or department's name from the units it registered, else as
    stored (a credit service institution's USCC)."""
    if not actor.organisation:
        return None
    if actor.role in (Role.operator, Role.administrator):
        settings = platform.settings
        return settings.operator_name if lang == "zh" else settings.operator_name_en
    unit = _unit_names(platform).get(actor.organisation)
    return unit[0 if lang == "zh" else 1] if unit else actor.organisation


def _choice_text(choices: Sequence[str], value: Any, lang: str, t: Callable[[str], str]) -> str | None:
    """An enum field's codes (a multi_enum's joined by ``;``) by their labels in the page's language
    (``choice.<code>`` in the catalogs), or None where a code has no label."""
    if not choices:
        return None
    codes = [str(c) for c in value] if isinstance(value, list | tuple) else [c for c in str(value).split(";") if c]
    names = [t(f"choice.{code}") for code in codes]
    if not codes or any(name == f"choice.{code}" for name, code in zip(names, codes, strict=True)):
        return None
    return ("、" if lang == "zh" else ", ").join(names)


def _record_views(platform: Platform, records: Sequence[ServedRecord], lang: str) -> list[dict[str, Any]]:
    specs = _item_specs(platform, {r.item_code for r in records})
    names = _unit_names(platform)
    t = translator(lang)
    out = []
    for record in records:
        spec = specs.get(record.item_code)
        labels = []
        for name, value in record.fields.items():
            if value is None or value == "":
                continue
            spec_field = spec.field(name) if spec else None
            label = (spec_field.label_zh if lang == "zh" else spec_field.label_en) if spec_field else name
            shown = (_choice_text(spec_field.choices if spec_field else (), value, lang, t)  # codes by label
                     or standard_display(record.item_code, name, value, lang))   # 万元 and 元, 长期, code names
            labels.append((label, shown if shown is not None else _field_value(value, lang)))
        unit = names.get(record.unit_code)
        category = CATEGORY_LABELS.get(record.category)  # type: ignore[call-overload]
        disclosure = DISCLOSURE_LABELS.get(record.disclosure_class)  # type: ignore[call-overload]
        pick = 0 if lang == "zh" else 1
        out.append({
            "id": record.id, "item_code": record.item_code,
            "item_name": record.item_name_zh if lang == "zh" else record.item_name_en,
            "category": category[pick] if category else record.category, "category_code": record.category,
            "disclosure": disclosure[pick] if disclosure else record.disclosure_class,
            "status": record.status, "version": record.version, "unit_code": record.unit_code,
            "unit_name": unit[pick] if unit else record.unit_code,
            "decision_date": record.decision_date, "conduct_ended": record.conduct_ended,
            "received_on": record.received_on, "display_until": record.display_until,
            "display_cite": record.display_cite, "publicity_until": record.publicity_until,
            "publicity_cite": record.publicity_cite, "labels": list(record.decision.labels),
            "masked": list(record.decision.masked),
            "reasons": [(r.message_zh if lang == "zh" else r.message_en, r.cite, r.code)
                        for r in record.decision.reasons],
            "fields": labels, "positive": bool(spec and spec.positive),
            "withheld": "withheld" in record.decision.labels,
        })
    return out


# --------------------------------------------------------------------------------------------------
# Sign in, sign out
# --------------------------------------------------------------------------------------------------

@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = Query(None, max_length=200),  # noqa: A002
               visitor: Caller | None = Depends(current_visitor)) -> HTMLResponse:
    return _render(request, "login.html", {"next": _safe_next(next)}, visitor=visitor, private=True)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, username: str = Form(""), password: str = Form(""), next: str = Form(""),  # noqa: A002
          csrf_token: str = Form(""), visitor: Caller | None = Depends(current_visitor),
          platform: Platform = Depends(get_platform)) -> Response:
    if not _csrf_ok(request, visitor, csrf_token):
        return _forbidden(request, visitor)
    form = {"username": username, "password": password}
    target = _safe_next(next)
    errors = _required(form, ("username", "password")) + _too_long(form, {"username": 64, "password": 256})
    status, retry_after = 422, None
    if not errors:
        try:
            user, secret = auth.sign_in(platform, PORTAL_AUTH, username, password,
                                        request.client.host if request.client else None)
            if not target:      # each role lands on its own home page
                from xinyong.portal.site_pages import home_of
                target = home_of(Role(user.role))
        except Refusal as exc:           # bad_credentials (401), sign_in_throttled (429, Retry-After)
            errors, status = [FormError(None, exc.reason, exc.message_zh, exc.message_en)], exc.status
            retry_after = exc.headers.get("Retry-After")
    if errors:
        page = _render(request, "login.html", {"next": target, "errors": errors,
                                               "form": {"username": username[:64]}},
                       visitor=visitor, status_code=status, private=True)
        if retry_after is not None:
            page.headers["Retry-After"] = retry_after
        return page
    response = _redirect(request, target)
    response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="lax",
                        max_age=auth.SESSION_HOURS * 3600, path="/", secure=_secure(request))
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form(""), visitor: Caller | None = Depends(current_visitor),
           platform: Platform = Depends(get_platform)) -> Response:
    if not _csrf_ok(request, visitor, csrf_token):
        return _forbidden(request, visitor)
    if visitor is not None:
        with platform.unit_of_work(visitor.actor) as uow:
            auth.end_session(uow, visitor.secret)
    response = _redirect(request, "/")
    response.delete_cookie(SESSION_COOKIE, path="/", secure=_secure(request), httponly=True, samesite="lax")
    return response


@router.get("/logout")
def logout_get(request: Request) -> RedirectResponse:
    """Signing out is a POST (a link must not sign anyone out); the page offers the button."""
    return _redirect(request, "/me")


# --------------------------------------------------------------------------------------------------
# My credit
# --------------------------------------------------------------------------------------------------

def _me(request: Request, platform: Platform, visitor: Caller, *, errors: Sequence[FormError] = (),
        form: Mapping[str, str] | None = None, status_code: int = 200) -> HTMLResponse:
    lang = language(request)
    context: dict[str, Any] = {"errors": list(errors), "form": dict(form or {}),
                               "verifier": platform.settings.real_name_verifier,
                               "may_verify": visitor.actor.role in VERIFIABLE_ROLES and not visitor.actor.organisation,
                               "organisation": organisation_name(platform, visitor.actor, lang)}
    if visitor.verified:
        try:
            result = inquiry.inquire(platform, visitor.actor, subject_ref=visitor.subject_id or 0, mode=Mode.self,
                                     channel="portal")
        except Refusal as exc:
            if exc.reason == NOT_LOGGED:
                context["unavailable"] = True
            else:
                context["errors"] = [*context["errors"], _from_service(exc)]
            return _render(request, "me.html", context, visitor=visitor, status_code=exc.status)
        rules = policy_rules(platform, platform.clock.today())
        context.update(result=result, subject=result.subject, refused=result.refused,
                       records=_record_views(platform, result.records, lang),
                       withhold_rule=rules.positive_withholdable if rules.positive_withholdable
                       and rules.positive_withholdable[0] else None)
    return _render(request, "me.html", context, visitor=visitor, status_code=status_code)


@router.get("/me", response_class=HTMLResponse)
def me(request: Request, visitor: Caller | None = Depends(current_visitor),
       platform: Platform = Depends(get_platform)) -> Response:
    if visitor is None:
        return _to_login(request)
    return _me(request, platform, visitor)


@router.post("/me/verify", response_class=HTMLResponse)
def verify(request: Request, identifier: str = Form(""), display_name: str = Form(""), evidence: str = Form(""),
           csrf_token: str = Form(""), visitor: Caller | None = Depends(current_visitor),
           platform: Platform = Depends(get_platform)) -> Response:
    if not _csrf_ok(request, visitor, csrf_token):
        return _forbidden(request, visitor)
    if visitor is None:
        return _to_login(request)
    form = {"identifier": identifier.strip(), "display_name": display_name.strip(), "evidence": evidence}
    errors = _required(form, ("identifier", "display_name", "evidence")) + \
        _too_long(form, {"identifier": 64, "display_name": 200, "evidence": 4096})
    status = 422
    try:
        # The same guards as the API's, in the one binding function: who may bind is told first.
        with platform.unit_of_work(visitor.actor) as uow:
            user = auth.resolve_session(uow, visitor.secret)
            if user is None:
                return _to_login(request)
            refusal = auth.binding_refusal(user)
            if refusal is not None:
                raise refusal
            if not errors:
                auth.verify_real_name(uow, user, identifier=form["identifier"], display_name=form["display_name"],
                                      evidence=evidence, verifier=auth.configured_verifier(platform))
    except Refusal as exc:
        errors, status = [FormError(exc.field, exc.reason, exc.message_zh, exc.message_en)], exc.status
    if errors:
        shown = {"identifier": form["identifier"][:64], "display_name": form["display_name"][:200]}
        return _me(request, platform, visitor, errors=errors, form=shown, status_code=status)
    return _redirect(request, "/me", done="verified")


def _withheld_change(request: Request, platform: Platform, visitor: Caller | None, csrf_token: str,
                     record_id: int, *, withhold: bool) -> Response:
    if not _csrf_ok(request, visitor, csrf_token):
        return _forbidden(request, visitor)
    if visitor is None:
        return _to_login(request)
    if not visitor.verified or visitor.subject_id is None:
        return _me(request, platform, visitor, status_code=403, errors=[FormError(
            None, "not_verified", "只有完成实名核验的信用主体可以这样做",
            "only a real-name verified credit subject can do this")])
    try:
        with platform.unit_of_work(visitor.actor) as uow:
            if withhold:
                marks.withhold_positive(uow, subject_id=visitor.subject_id, record_id=record_id)
            else:
                marks.release_positive(uow, subject_id=visitor.subject_id, record_id=record_id)
    except Refusal as exc:
        return _me(request, platform, visitor, errors=[_from_service(exc)], status_code=exc.status)
    return _redirect(request, "/me", done="withheld" if withhold else "released")


@router.post("/me/withhold/{record_id}", response_class=HTMLResponse)
def withhold(request: Request, record_id: int = PathParam(..., ge=1, le=2**62), csrf_token: str = Form(""),
             visitor: Caller | None = Depends(current_visitor),
             platform: Platform = Depends(get_platform)) -> Response:
    """Withhold a positive record (commendation, volunteering, donation) from display
    (``disclosure.positive_withholdable``)."""
    return _withheld_change(request, platform, visitor, csrf_token, record_id, withhold=True)


@router.post("/me/release/{record_id}", response_class=HTMLResponse)
def release(request: Request, record_id: int = PathParam(..., ge=1, le=2**62), csrf_token: str = Form(""),
            visitor: Caller | None = Depends(current_visitor),
            platform: Platform = Depends(get_platform)) -> Response:
    return _withheld_change(request, platform, visitor, csrf_token, record_id, withhold=False)


@router.get("/me/verify")
@router.get("/me/withhold/{record_id}")
@router.get("/me/release/{record_id}")
def back_to_me(request: Request) -> RedirectResponse:
    """The language switch on a page a form answered: back to the page itself."""
    return _redirect(request, "/me")


# --------------------------------------------------------------------------------------------------
# Who looked at my information
# --------------------------------------------------------------------------------------------------

@router.get("/me/inquiries", response_class=HTMLResponse)
def my_inquiries(request: Request, page: int = Query(1, ge=1, le=MAX_PAGE),
                 visitor: Caller | None = Depends(current_visitor),
                 platform: Platform = Depends(get_platform)) -> Response:
    if visitor is None:
        return _to_login(request)
    if not visitor.verified:
        return _render(request, "me_inquiries.html", {"not_verified": True}, visitor=visitor, status_code=403)
    try:
        total, views = inquiry_log.my_inquiries(platform, visitor.actor, limit=PAGE_SIZE,
                                                offset=(page - 1) * PAGE_SIZE)
    except Refusal:                 # not_verified
        return _render(request, "me_inquiries.html", {"not_verified": True}, visitor=visitor, status_code=403)
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    return _render(request, "me_inquiries.html", {
        "entries": views, "total": total, "page": page, "pages": pages,
        "prev_url": _url(request, "/me/inquiries", page=page - 1) if page > 1 else None,
        "next_url": _url(request, "/me/inquiries", page=page + 1) if page < pages else None,
    }, visitor=visitor)


# --------------------------------------------------------------------------------------------------
# My written authorizations
# --------------------------------------------------------------------------------------------------

def _scope_items(platform: Platform) -> list[CatalogItemSpec]:
    with platform.sessions() as session:
        try:
            published = catalog_service.published_catalog(session, platform.jurisdiction, platform.clock.today())
        except Refusal as refused:
            if refused.reason != "not_in_force":
                raise
            return []
    return [i.spec for i in published.items]


@cache
def authorization_purposes() -> dict[str, dict[str, str]]:
    """The purposes the authorization form offers (``standards/authorization-purposes.yaml``): key -> zh, en."""
    text = resources.files("xinyong.standards").joinpath("authorization-purposes.yaml").read_text(encoding="utf-8")
    return {str(k): {"zh": str(v["zh"]), "en": str(v["en"])} for k, v in yaml.safe_load(text)["purposes"].items()}


def _authorizations(request: Request, platform: Platform, visitor: Caller, *,
                    errors: Sequence[FormError] = (), form: Mapping[str, Any] | None = None,
                    status_code: int = 200) -> HTMLResponse:
    if not visitor.verified or visitor.subject_id is None:
        return _render(request, "me_authorizations.html", {"not_verified": True}, visitor=visitor,
                       status_code=403)
    today = platform.clock.today()
    with platform.sessions() as session:
        views = authorizations.for_subject(session, visitor.subject_id, today)
    items = _scope_items(platform)
    lang = language(request)
    names = {i.code: (i.name_zh if lang == "zh" else i.name_en) for i in items}
    purposes = {k: v[lang] for k, v in authorization_purposes().items()}
    return _render(request, "me_authorizations.html", {
        "authorizations": list(reversed(views)), "items": items, "item_names": names, "today": today,
        "errors": list(errors), "form": dict(form or {}), "purposes": purposes,
    }, visitor=visitor, status_code=status_code)


@router.get("/me/authorizations", response_class=HTMLResponse)
def my_authorizations(request: Request, visitor: Caller | None = Depends(current_visitor),
                      platform: Platform = Depends(get_platform)) -> Response:
    if visitor is None:
        return _to_login(request)
    return _authorizations(request, platform, visitor)


def _parse_date(form: Mapping[str, str], name: str, errors: list[FormError]) -> date | None:
    text = form.get(name, "").strip()
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        errors.append(FormError(name, "date_invalid", "日期格式须为 YYYY-MM-DD", "a date is written YYYY-MM-DD"))
        return None


@router.post("/me/authorizations", response_class=HTMLResponse)
def grant_authorization(request: Request, grantee: str = Form(""), purpose: str = Form(""),
                        scope: list[str] = Form([]), valid_from: str = Form(""), valid_until: str = Form(""),
                        document_ref: str = Form(""), csrf_token: str = Form(""),
                        visitor: Caller | None = Depends(current_visitor),
                        platform: Platform = Depends(get_platform)) -> Response:
    if not _csrf_ok(request, visitor, csrf_token):
        return _forbidden(request, visitor)
    if visitor is None:
        return _to_login(request)
    if not visitor.verified or visitor.subject_id is None:
        return _authorizations(request, platform, visitor)
    form = {"grantee": grantee.strip(), "purpose": purpose.strip(), "valid_from": valid_from.strip(),
            "valid_until": valid_until.strip(), "document_ref": document_ref.strip()}
    chosen = [s.strip() for s in scope if s and s.strip()][:60]
    errors = _required(form, ("grantee", "purpose", "valid_until", "document_ref"))
    errors += _too_long(form, {"grantee": 64, "purpose": 100, "document_ref": 200})
    if not chosen:
        errors.append(FormError("scope", "required", "请至少选择一项信息", "choose at least one item"))
    if form["purpose"] and form["purpose"] not in authorization_purposes():
        errors.append(FormError("purpose", "invalid", "请从列表中选择授权查询的用途",
                                "choose the purpose of the inquiry from the list"))
    start = _parse_date(form, "valid_from", errors)
    until = _parse_date(form, "valid_until", errors)
    if not errors and until is not None:
        try:
            with platform.unit_of_work(visitor.actor) as uow:
                authorizations.grant(uow, subject_id=visitor.subject_id, grantee=form["grantee"],
                                     purpose=form["purpose"], scope=chosen, valid_from=start, valid_until=until,
                                     document_ref=form["document_ref"])
        except Refusal as exc:
            errors = [_from_service(exc)]
    if errors:
        shown = {**{k: v[:200] for k, v in form.items()}, "scope": chosen}
        return _authorizations(request, platform, visitor, errors=errors, form=shown, status_code=422)
    return _redirect(request, "/me/authorizations", done="granted")


@router.post("/me/authorizations/{authorization_id}/revoke", response_class=HTMLResponse)
def revoke_authorization(request: Request, authorization_id: int = PathParam(..., ge=1, le=2**31 - 1),
                         confirm: str = Form(""), csrf_token: str = Form(""),
                         visitor: Caller | None = Depends(current_visitor),
                         platform: Platform = Depends(get_platform)) -> Response:
    if not _csrf_ok(request, visitor, csrf_token):
        return _forbidden(request, visitor)
    if visitor is None:
        return _to_login(request)
    if not visitor.verified or visitor.subject_id is None:
        return _authorizations(request, platform, visitor)
    if confirm != "yes":         # a revocation cannot be undone: the grantee must be authorized anew
        return _authorizations(request, platform, visitor, status_code=422, errors=[FormError(
            "confirm", "confirmation_required", "撤销前请勾选确认：撤销后对方不能再凭该授权查询，且不能恢复",
            "tick the confirmation first: once revoked, the grantee can no longer inquire with it, and it "
            "cannot be restored")])
    try:
        with platform.unit_of_work(visitor.actor) as uow:
            authorizations.revoke(uow, subject_id=visitor.subject_id, authorization_id=authorization_id)
    except Refusal as exc:
        return _authorizations(request, platform, visitor, errors=[_from_service(exc)], status_code=exc.status)
    return _redirect(request, "/me/authorizations", done="revoked")


@router.get("/me/authorizations/{authorization_id}/revoke")
def back_to_authorizations(request: Request) -> RedirectResponse:
    return _redirect(request, "/me/authorizations")


# --------------------------------------------------------------------------------------------------
# Public pages
# --------------------------------------------------------------------------------------------------

def _public_actor(visitor: Caller | None) -> Actor:
    return visitor.actor if visitor is not None else public.PUBLIC


def _shown_query(q: str) -> tuple[str, bool]:
    """What the page may echo of a search: a USCC as typed, a personal identifier only masked (natural
    persons are never looked up here), and no free text (it may be a person's name, and the page
    reflects nothing about people). (shown, whether it was a personal identifier)."""
    check = check_identifier(q)
    if (check.valid and check.kind in PERSON_KINDS) or _ID_LIKE.fullmatch(q):
        return mask_identifier(q), True
    if check.valid and check.kind is IdentifierKind.uscc:
        return check.identifier, False
    return "", False


@router.get("/public/organisations", response_class=HTMLResponse)
def organisations(request: Request, q: str | None = Query(None, max_length=200),
                  visitor: Caller | None = Depends(current_visitor),
                  platform: Platform = Depends(get_platform)) -> HTMLResponse:
    q = " ".join((q or "").split())
    context: dict[str, Any] = {"q": "", "hits": None}
    if not q:
        return _render(request, "organisations.html", context, visitor=visitor)
    shown, personal = _shown_query(q)
    context.update(q=shown, personal=personal)
    try:
        context["hits"] = [] if personal else public.find_organisations(platform, q)
    except Refusal as exc:
        context["errors"] = [_from_service(exc)]
        return _render(request, "organisations.html", context, visitor=visitor, status_code=exc.status)
    return _render(request, "organisations.html", context, visitor=visitor)


@router.get("/public/organisations/{ref}", response_class=HTMLResponse)
def organisation(request: Request, ref: str = PathParam(..., min_length=1, max_length=64),
                 visitor: Caller | None = Depends(current_visitor),
                 platform: Platform = Depends(get_platform)) -> HTMLResponse:
    lang = language(request)
    try:
        result = public.organisation_records(platform, ref.strip(), _public_actor(visitor))
    except Refusal as exc:
        shown = {"unavailable": True} if exc.reason == NOT_LOGGED else {"errors": [_from_service(exc)]}
        return _render(request, "organisation.html", shown, visitor=visitor, status_code=exc.status)
    subject = result.subject
    if result.refused is not None or subject is None:
        return _render(request, "organisation.html", {"refused": result.refused}, visitor=visitor,
                       status_code=result.status if result.refused is not None else 404)
    if subject.kind == SubjectKind.natural_person:   # never on a public page, whatever a rule file says
        return _render(request, "organisation.html", {"natural_person": True}, visitor=visitor, status_code=403)
    return _render(request, "organisation.html", {
        "subject": subject, "uscc": next((v for k, v in subject.identifiers if k == "uscc"), None),
        "records": _record_views(platform, result.records, lang), "inquiry_id": result.inquiry_id,
    }, visitor=visitor)


@router.get("/public/double-publicity", response_class=HTMLResponse)
def double_publicity(request: Request, kind: str | None = Query(None, max_length=16),
                     page: int = Query(1, ge=1, le=MAX_PAGE), q: str | None = Query(None, max_length=100),
                     decided_from: date | None = Query(None), decided_to: date | None = Query(None),
                     unit: str | None = Query(None, max_length=64),
                     visitor: Caller | None = Depends(current_visitor),
                     platform: Platform = Depends(get_platform)) -> HTMLResponse:
    lang = language(request)
    kind, q, unit = kind or None, " ".join((q or "").split()) or None, unit or None
    names = _unit_names(platform)
    # Echoed (in the box, the tabs and the pager) only as the organisation search echoes it: a credit code;
    # free text may be a person's name, and the page reflects nothing about people.
    shown = _shown_query(q)[0] if q else ""
    search = {"q": shown or None, "decided_from": decided_from.isoformat() if decided_from else None,
              "decided_to": decided_to.isoformat() if decided_to else None,
              "unit": unit if unit in names else None}      # an unknown one is refused by the service, not echoed
    context: dict[str, Any] = {"kind": kind, "page": page, "entries": [], "search": search,
                               "searched": bool(q or decided_from or decided_to or unit),
                               "units": sorted(((code, n[0] if lang == "zh" else n[1]) for code, n in names.items()),
                                               key=lambda u: u[1]),
                               "tab_query": {k: v for k, v in search.items() if v}}
    try:
        entries = public.double_publicity(platform, kind=kind, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
                                          actor=_public_actor(visitor), q=q, decided_from=decided_from,
                                          decided_to=decided_to, unit=unit)
    except Refusal as exc:
        if exc.reason == NOT_LOGGED:
            context["unavailable"] = True
        else:
            context.update(kind=None, errors=[_from_service(exc)])
        return _render(request, "double_publicity.html", context, visitor=visitor, status_code=exc.status)
    views = _record_views(platform, [e.record for e in entries], lang)
    rows = []
    for entry, view in zip(entries, views, strict=True):
        fields = entry.record.fields
        number = fields.get("document_number") or fields.get("permit_number")
        org = entry.organisation
        uscc = next((v for k, v in org.identifiers if k == "uscc"), None) if org else None
        rows.append({"entry": entry, "record": view, "number": number,
                     "organisation": org.name if org else "", "uscc": uscc,
                     "org_ref": uscc or (str(org.id) if org else None)})
    context.update(rows=rows,
                   prev_url=_url(request, "/public/double-publicity", kind=kind, page=page - 1, **search)
                   if page > 1 else None,
                   next_url=_url(request, "/public/double-publicity", kind=kind, page=page + 1, **search)
                   if len(entries) == PAGE_SIZE else None)
    return _render(request, "double_publicity.html", context, visitor=visitor)


# --------------------------------------------------------------------------------------------------
# The catalog in force
# --------------------------------------------------------------------------------------------------

COUNTS_FROM = {"conduct_ended": ("失信行为终止之日", "the day the conduct ended"),
               "decision_date": ("决定作出之日", "the decision date"),
               "listing_date": ("列入名单之日", "the listing date"),
               "inquiry_date": ("查询之日", "the inquiry date")}


def span_text(span: Span, lang: str) -> str:
    """A display period in words: 'at most 5 years, counted from the day the conduct ended'."""
    zh = lang == "zh"
    unit = UNIT_WORDS.get(span.period_unit or "", (span.period_unit or "", span.period_unit or ""))[0 if zh else 1]
    if span.unlimited:
        text = ("长期" if zh else "no end") if span.min is None else \
            (f"至少 {span.min} {unit}，无上限" if zh else f"at least {span.min} {unit}, no maximum")
    elif span.min is None:
        text = f"最长 {span.max} {unit}" if zh else f"at most {span.max} {unit}"
    else:
        text = f"{span.min} 至 {span.max} {unit}" if zh else f"{span.min} to {span.max} {unit}"
    if span.counts_from:
        start = COUNTS_FROM.get(span.counts_from, (span.counts_from, span.counts_from.replace("_", " ")))
        text += f"，自{start[0]}起算" if zh else f", counted from {start[1]}"
    return text


def _display_periods(platform: Platform, spec: CatalogItemSpec, lang: str, today: date) -> list[dict[str, Any]]:
    ruleset = platform.rulebook.get(platform.jurisdiction)
    out = []
    for key in sorted(display_rules(spec)):
        try:
            key_spec = platform.rulebook.spec(key)
            about = key_spec.zh if lang == "zh" else key_spec.en
        except RuleLookupError:
            about = key
        try:
            value = ruleset.value(key, today)
        except RuleLookupError:   # not provided, not yet in force, or unknown
            out.append({"key": key, "about": about, "text": None, "cite": None})
            continue
        text = span_text(value.value, lang) if isinstance(value.value, Span) else str(value.value)
        out.append({"key": key, "about": about, "text": text, "cite": value.citation})
    return out


@router.get("/catalog", response_class=HTMLResponse)
def catalog_page(request: Request, visitor: Caller | None = Depends(current_visitor),
                 platform: Platform = Depends(get_platform)) -> HTMLResponse:
    lang = language(request)
    pick = 0 if lang == "zh" else 1
    today = platform.clock.today()
    ruleset = platform.rulebook.get(platform.jurisdiction)
    with platform.sessions() as session:
        try:
            published = catalog_service.published_catalog(session, platform.jurisdiction, today)
        except Refusal as refused:
            if refused.reason != "not_in_force":
                raise
            published = None
    context: dict[str, Any] = {"published": published, "today": today, "abbrev": ruleset.abbrev,
                               "regulation": ruleset.title.zh if lang == "zh" else ruleset.title.en}
    if published is not None:
        items = []
        for item in published.items:
            spec = item.spec
            items.append({
                "code": spec.code, "name": spec.name_zh if lang == "zh" else spec.name_en,
                "category": CATEGORY_LABELS[spec.category][pick], "origin": ORIGIN_LABELS[spec.origin][pick],
                "disclosure": DISCLOSURE_LABELS[spec.disclosure_class][pick],
                "disclosure_class": spec.disclosure_class.value, "subject_kinds": spec.subject_kinds,
                "periods": _display_periods(platform, spec, lang, today), "allowed_by": spec.allowed_by,
                "legal_document_required": spec.legal_document_required, "positive": spec.positive,
                "units": [u.name_zh if lang == "zh" else (u.name_en or u.name_zh) for u in item.providing_units],
            })
        version = published.version
        context.update(items=items, version=version,
                       version_title=version.title_zh if lang == "zh" else version.title_en)
    return _render(request, "catalog.html", context, visitor=visitor)
