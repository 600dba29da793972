"""Portal pages of a providing unit's submissions, through ``services.aggregation.batches`` and
``services.identity.units`` (the same use cases as ``/api/v1/submissions`` and the unit tokens; no second
path):

- ``/staff/batches``: the unit's batches, newest first (the operator and the competent department: every
  unit's), each with its counts and its verification state; ``/staff/batches/new`` uploads a file (CSV in
  UTF-8 or GB18030, XLSX, JSONL, or the national double-publicity layout as it is), with an optional
  idempotency key, the upload's progress shown while it is sent;
- ``/staff/batches/{id}``: the batch's answer (counts, the verification due date and its article, late
  publications) and its refused rows in a table (row, field, reason in the page's language), the whole
  error report as CSV or XLSX; the operator records the verification there;
- ``/staff/tokens``: the unit's API tokens (label, scopes, issued, last used, revoked), a new one shown
  once, revocation after a confirmation.

A refusal answers the page with the reason in the page's language, never JSON.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.background import BackgroundTask

from xinyong.domain.aggregation.rows import ENVELOPE_LABELS
from xinyong.domain.identity.actors import Caller, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.portal.i18n import language
from xinyong.portal.pages import (
    _redirect,
    _render,
    _scope_items,
    _unit_names,
    current_visitor,
    get_platform,
    staff_form_gate,
    staff_gate,
)
from xinyong.services.aggregation import batches, files
from xinyong.services.identity import units
from xinyong.services.platform.bootstrap import Platform

router = APIRouter(include_in_schema=False)
READERS = (Role.providing_unit, Role.operator, Role.administrator, Role.competent_department)
VERIFIERS = (Role.operator, Role.administrator)
PAGE = 50
TOKEN_SCOPES = units.SCOPES


def _gate(request: Request, visitor: Caller | None, template: str,
          roles: tuple[Role, ...] = READERS, *, csrf_token: str | None = None) -> Response | None:
    """The staff gate (for a form, ``csrf_token``: the form's token checked first); a providing unit's
    account must also name its unit."""
    if visitor is not None and visitor.actor.role is Role.providing_unit and not visitor.actor.organisation:
        roles = tuple(r for r in roles if r is not Role.providing_unit)
    if csrf_token is not None:
        return staff_form_gate(request, visitor, csrf_token, template, roles)
    return staff_gate(request, visitor, template, roles)


def _own_unit(visitor: Caller) -> str | None:
    """The unit whose batches the visitor sees: its own for a unit's clerk, None (every unit) for the center."""
    return visitor.actor.organisation if visitor.actor.role is Role.providing_unit else None


# --------------------------------------------------------------------------------------------------
# Batches
# --------------------------------------------------------------------------------------------------

@router.get("/staff/batches", response_class=HTMLResponse)
def batch_list(request: Request, page: int = Query(1, ge=1, le=100_000), awaiting: bool = Query(False),
               visitor: Caller | None = Depends(current_visitor),
               platform: Platform = Depends(get_platform)) -> Response:
    gate = _gate(request, visitor, "staff_batches.html")
    if gate is not None:
        return gate
    assert visitor is not None
    lang = language(request)
    names = _unit_names(platform)
    with platform.sessions() as session:
        found = batches.list_batches(session, unit_code=_own_unit(visitor), limit=PAGE + 1,
                                     offset=(page - 1) * PAGE, awaiting=awaiting)
    rows = [{"b": b, "unit": (names.get(b.unit) or (b.unit, b.unit))[0 if lang == "zh" else 1]}
            for b in found[:PAGE]]
    return _render(request, "staff_batches.html", {
        "rows": rows, "page": page, "more": len(found) > PAGE, "awaiting": awaiting,
        "may_upload": visitor.actor.role is Role.providing_unit,
        "everyone": _own_unit(visitor) is None}, visitor=visitor, private=True)


def _upload_form(request: Request, visitor: Caller, *, refusal: Refusal | None = None, key: str = "",
                 status_code: int = 200) -> HTMLResponse:
    return _render(request, "staff_batch_new.html", {"refusal": refusal, "key": key[:200],
                                                     "max_mb": files.MAX_UPLOAD_BYTES // (1024 * 1024)},
                   visitor=visitor, status_code=status_code, private=True)


@router.get("/staff/batches/new", response_class=HTMLResponse)
def batch_new(request: Request, visitor: Caller | None = Depends(current_visitor)) -> Response:
    gate = _gate(request, visitor, "staff_batch_new.html", (Role.providing_unit,))
    if gate is not None:
        return gate
    assert visitor is not None
    return _upload_form(request, visitor)


@router.post("/staff/batches", response_class=HTMLResponse)
def batch_upload(request: Request, file: UploadFile | None = File(None), key: str = Form("", max_length=200),
                 csrf_token: str = Form(""), visitor: Caller | None = Depends(current_visitor),
                 platform: Platform = Depends(get_platform)) -> Response:
    gate = _gate(request, visitor, "staff_batch_new.html", (Role.providing_unit,), csrf_token=csrf_token)
    if gate is not None:
        return gate
    assert visitor is not None and visitor.actor.organisation is not None
    if file is None or not (file.filename or "").strip():
        return _upload_form(request, visitor, key=key, status_code=422, refusal=Refusal(
            "file", "file_required", "请选择要上传的文件", "choose the file to upload"))
    unit = visitor.actor.organisation
    try:
        with files.spooled_upload(file.file, file.filename, platform.settings.data_dir / "uploads") as path:
            summary = batches.import_file(platform, visitor.actor, unit, path, key=key.strip() or None,
                                          filename=Path(file.filename or "upload").name)
    except Refusal as exc:
        return _upload_form(request, visitor, refusal=exc, key=key, status_code=exc.status)
    return _redirect(request, f"/staff/batches/{summary.batch}", done="replayed" if summary.replayed else "uploaded")


def _batch_page(request: Request, platform: Platform, visitor: Caller, batch_id: int, *,
                refusal: Refusal | None = None, status_code: int = 200) -> HTMLResponse:
    lang = language(request)
    try:
        with platform.sessions() as session:
            summary = batches.get_batch(session, batch_id, unit_code=_own_unit(visitor), max_errors=200)
    except Refusal as exc:
        return _render(request, "staff_batch.html", {"missing": True, "refusal": exc}, visitor=visitor,
                       status_code=exc.status, private=True)
    unit = _unit_names(platform).get(summary.unit)
    notice = request.query_params.get("done")
    labels = _field_labels(platform, lang)
    return _render(request, "staff_batch.html", {
        "s": summary, "unit": (unit or (summary.unit, summary.unit))[0 if lang == "zh" else 1],
        "errors": [{**e, "message": e["message_zh"] if lang == "zh" else e["message_en"],
                    "label": labels.get(e["field"] or "", e["field"])} for e in summary.errors],
        "hidden": summary.errors_total - len(summary.errors), "refusal": refusal,
        "uploaded": notice in ("uploaded", "replayed"), "replayed": notice == "replayed",
        "just_verified": notice == "batch_verified",
        "may_verify": visitor.actor.role in VERIFIERS and summary.verified_at is None},
        visitor=visitor, status_code=status_code, private=True)


def _field_labels(platform: Platform, lang: str) -> dict[str, str]:
    """A refused row's field by its label in the page's language: the envelope's columns and the fields of
    the catalog in force (a standard's header, or a column the catalog does not know, reads as sent)."""
    pick = 0 if lang == "zh" else 1
    out = {name: pair[pick] for name, pair in ENVELOPE_LABELS.items()}
    for spec in _scope_items(platform):
        for f in spec.fields:
            out.setdefault(f.name, f.label_zh if lang == "zh" else f.label_en)
    return out


@router.get("/staff/batches/{batch_id}", response_class=HTMLResponse)
def batch_show(request: Request, batch_id: int = PathParam(..., ge=1, le=2**31 - 1),
               visitor: Caller | None = Depends(current_visitor),
               platform: Platform = Depends(get_platform)) -> Response:
    gate = _gate(request, visitor, "staff_batch.html")
    if gate is not None:
        return gate
    assert visitor is not None
    return _batch_page(request, platform, visitor, batch_id)


@router.get("/staff/batches/{batch_id}/errors.{fmt}")
def batch_errors(request: Request, batch_id: int = PathParam(..., ge=1, le=2**31 - 1),
                 fmt: str = PathParam(..., pattern="^(csv|xlsx)$"),
                 visitor: Caller | None = Depends(current_visitor),
                 platform: Platform = Depends(get_platform)) -> Response:
    """Every refused row of the batch as CSV (UTF-8 with BOM) or XLSX: cells never start a formula."""
    gate = _gate(request, visitor, "staff_batch.html")
    if gate is not None:
        return gate
    assert visitor is not None
    try:
        path = batches.write_error_report(platform, batch_id, fmt, unit_code=_own_unit(visitor))
    except Refusal as exc:
        return _batch_page(request, platform, visitor, batch_id, refusal=exc, status_code=exc.status)
    return FileResponse(path, media_type=batches.ERROR_REPORT_MEDIA[fmt], filename=f"batch-{batch_id}-errors.{fmt}",
                        background=BackgroundTask(path.unlink, missing_ok=True))


@router.post("/staff/batches/{batch_id}/verify", response_class=HTMLResponse)
def batch_verify(request: Request, batch_id: int = PathParam(..., ge=1, le=2**31 - 1), csrf_token: str = Form(""),
                 visitor: Caller | None = Depends(current_visitor),
                 platform: Platform = Depends(get_platform)) -> Response:
    gate = _gate(request, visitor, "staff_batch.html", VERIFIERS, csrf_token=csrf_token)
    if gate is not None:
        return gate
    assert visitor is not None
    try:
        batches.verify_batch(platform, visitor.actor, batch_id)
    except Refusal as exc:
        return _batch_page(request, platform, visitor, batch_id, refusal=exc, status_code=exc.status)
    return _redirect(request, f"/staff/batches/{batch_id}", done="batch_verified")


# --------------------------------------------------------------------------------------------------
# The unit's API tokens
# --------------------------------------------------------------------------------------------------

def _tokens_page(request: Request, platform: Platform, visitor: Caller, *, issued: str | None = None,
                 refusal: Refusal | None = None, status_code: int = 200) -> HTMLResponse:
    assert visitor.actor.organisation is not None
    with platform.sessions() as session:
        unit = units.get_unit(session, visitor.actor.organisation)
    credentials = sorted(unit.credentials, key=lambda c: c.created_at, reverse=True)
    return _render(request, "staff_tokens.html", {"credentials": credentials, "issued": issued,
                                                  "refusal": refusal, "scopes": TOKEN_SCOPES,
                                                  "just_revoked": request.query_params.get("done") == "token_revoked"},
                   visitor=visitor, status_code=status_code, private=True)


@router.get("/staff/tokens", response_class=HTMLResponse)
def tokens(request: Request, visitor: Caller | None = Depends(current_visitor),
           platform: Platform = Depends(get_platform)) -> Response:
    gate = _gate(request, visitor, "staff_tokens.html", (Role.providing_unit,))
    if gate is not None:
        return gate
    assert visitor is not None
    return _tokens_page(request, platform, visitor)


@router.post("/staff/tokens", response_class=HTMLResponse)
def token_issue(request: Request, label: str = Form("", max_length=100), scopes: list[str] = Form([]),
                csrf_token: str = Form(""), visitor: Caller | None = Depends(current_visitor),
                platform: Platform = Depends(get_platform)) -> Response:
    gate = _gate(request, visitor, "staff_tokens.html", (Role.providing_unit,), csrf_token=csrf_token)
    if gate is not None:
        return gate
    assert visitor is not None and visitor.actor.organisation is not None
    try:
        with platform.unit_of_work(visitor.actor) as uow:
            issued = units.issue_token(uow, visitor.actor.organisation, label=label, scopes=scopes or None)
    except Refusal as exc:
        return _tokens_page(request, platform, visitor, refusal=exc, status_code=exc.status)
    # Shown this once, on this answer only (never in a URL, never stored in clear).
    return _tokens_page(request, platform, visitor, issued=issued.token, status_code=201)


@router.post("/staff/tokens/{credential_id}/revoke", response_class=HTMLResponse)
def token_revoke(request: Request, credential_id: int = PathParam(..., ge=1, le=2**31 - 1),
                 confirm: str = Form(""), csrf_token: str = Form(""),
                 visitor: Caller | None = Depends(current_visitor),
                 platform: Platform = Depends(get_platform)) -> Response:
    gate = _gate(request, visitor, "staff_tokens.html", (Role.providing_unit,), csrf_token=csrf_token)
    if gate is not None:
        return gate
    assert visitor is not None and visitor.actor.organisation is not None
    if confirm != "yes":
        return _tokens_page(request, platform, visitor, status_code=422, refusal=Refusal(
            "confirm", "confirmation_required", "吊销令牌前请勾选确认：使用该令牌的系统将无法再报送",
            "tick the confirmation before revoking: systems using this token can no longer submit"))
    try:
        with platform.unit_of_work(visitor.actor) as uow:
            units.revoke_token(uow, credential_id, unit_code=visitor.actor.organisation)
    except Refusal as exc:
        return _tokens_page(request, platform, visitor, refusal=exc, status_code=exc.status)
    return _redirect(request, "/staff/tokens", done="token_revoked")


__all__ = ["router"]
