"""``/api/v1/submissions``: providing units submit rows and files; batches, error reports, verification.

A providing unit authenticates with its own token (``Authorization: Bearer xyp_…``, scope ``submit``
to submit, ``batches.read`` to read) and sees only its own batches: another unit's batch number is
answered 404, as if it did not exist. Operators (bearer token of an operator account) read any batch
and record its verification (``aggregation.verify``).

Retrying is safe: the same ``Idempotency-Key`` (or, without one, the same content) returns the first
answer with 200 instead of 201; the same key with a different body is refused with 409. A batch is one
transaction, so a refused or interrupted submission leaves nothing behind. Rows that fail validation do
not fail the request: they come back in the batch's ``errors`` (201); 422 means the request or the file
as a whole was refused, and 503 (SQLite only) that another batch holds the database — retry.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Header, Request, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from xinyong.api.deps import RowId, caller_of, forbidden, get_platform, unauthorized
from xinyong.api.errors import ErrorBody
from xinyong.api.responses import JSONResponse
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.rules.loader import load_vocabulary
from xinyong.services.aggregation import batches, files, notices
from xinyong.services.identity import units
from xinyong.services.platform.bootstrap import Platform

router = APIRouter(prefix="/api/v1/submissions", tags=["submissions"])

MAX_UPLOAD_BYTES = files.MAX_UPLOAD_BYTES
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No valid unit token"},
    403: {"model": ErrorBody, "description": "The token lacks the scope, or the caller is not a unit"},
    404: {"model": ErrorBody, "description": "No such batch (for this unit)"},
    409: {"model": ErrorBody, "description": "The idempotency key was used for a different body"},
    413: {"model": ErrorBody, "description": "The upload is too large"},
    422: {"model": ErrorBody, "description": "Invalid input, or the file is refused as a whole"},
    503: {"model": ErrorBody, "description": "Another batch holds the database (SQLite): retry later"},
}


class ErrorRow(BaseModel):
    row: int
    field: str | None
    code: str
    message_zh: str
    message_en: str


class BatchOut(BaseModel):
    batch: int
    unit: str
    status: str = Field(description="received, or verified once the platform verified it")
    source: str
    filename: str | None
    rows: int
    accepted: int = Field(description="Rows stored: new records and corrections (new versions)")
    corrected: int
    unchanged: int = Field(description="Rows identical to the record's current version: nothing stored")
    rejected: int
    errors: list[ErrorRow] = Field(description="The first errors in row order; all in errors.csv")
    errors_total: int
    errors_shown: int
    received_at: datetime
    verify_due: date | None = Field(description="The platform's verification deadline; null where the "
                                                "regulation sets none")
    verify_cite: str | None
    verified_at: datetime | None
    replayed: bool = Field(description="True when this answers a retry of an earlier submission")


class SubmissionIn(BaseModel):
    rows: list[dict[str, Any]] = Field(min_length=1, max_length=batches.MAX_JSON_ROWS,
                                       description="One object per row: item, record_key, identifier, "
                                                   "subject_name and the item's fields")


class PriorNoticeIn(BaseModel):
    identifier: str = Field(min_length=1, max_length=64)
    subject_name: str | None = Field(None, min_length=1, max_length=200,
                                     description="Registers the subject if the platform does not know it yet")
    item: str = Field(min_length=1, max_length=64)
    reference: str = Field(min_length=1, max_length=128)
    served_on: date


CategoryKey = Enum("CategoryKey", {key: key for key in load_vocabulary()}, type=str)  # type: ignore[misc]


class ConsentIn(BaseModel):
    identifier: str = Field(min_length=1, max_length=64)
    subject_name: str | None = Field(None, min_length=1, max_length=200,
                                     description="Registers the person if the platform does not know them")
    reference: str = Field(min_length=1, max_length=128)
    categories: list[CategoryKey] = Field(min_length=1, max_length=20,  # type: ignore[valid-type]
                                          description="Data categories of rules/vocabulary.yaml")
    given_on: date
    scope: str = Field(default="", max_length=2000)


class RecordedOut(BaseModel):
    id: int


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


def _unit(request: Request, platform: Platform, scope: str) -> units.UnitInfo:
    token = _bearer(request)
    if not token.startswith(units.TOKEN_PREFIX):
        raise unauthorized("unit_token_required", "须使用信息提供单位的令牌", "a providing unit's token is required")
    with platform.sessions() as session, session.begin():
        info = units.authenticate(session, token, now=platform.clock.now())    # refused: 401, WWW-Authenticate
    if scope not in info.scopes:
        raise forbidden("Authorization", "scope_missing", f"令牌没有 {scope} 权限",
                        f"the token lacks the {scope} scope")
    return info


def submitting_unit(request: Request, platform: Platform = Depends(get_platform)) -> units.UnitInfo:
    return _unit(request, platform, "submit")


def batch_reader(request: Request, platform: Platform = Depends(get_platform)) -> str | None:
    """The unit whose batches the caller may read, or None for an operator (any batch)."""
    if _bearer(request).startswith(units.TOKEN_PREFIX):
        return _unit(request, platform, "batches.read").code
    caller = caller_of(request, platform)
    if caller.actor.role in (Role.operator, Role.administrator):
        return None
    if caller.actor.role is Role.public:
        raise unauthorized("sign_in_required", "请使用单位令牌或运营者账号", "use a unit token or an operator account")
    raise forbidden(None, "role_not_allowed", "当前身份无权查看报送批次",
                    f"role {caller.actor.role.value} may not read submission batches")


def _unit_actor(info: units.UnitInfo) -> Actor:
    return Actor(Role.providing_unit, f"credential:{info.credential_id}", info.code)


def _answer(summary: batches.BatchSummary) -> JSONResponse:
    body = BatchOut.model_validate(summary.to_dict()).model_dump(mode="json")
    return JSONResponse(status_code=200 if summary.replayed else 201, content=body)


@router.post("", response_model=BatchOut, status_code=201, responses={200: {"model": BatchOut}, **ERRORS})
def submit(body: SubmissionIn, platform: Platform = Depends(get_platform),
           unit: units.UnitInfo = Depends(submitting_unit),
           idempotency_key: str | None = Header(None, max_length=200,
                                                description="Retry with the same key: no duplicate"),
           ) -> JSONResponse:
    """Submit rows as one batch. 201 with the batch's answer; 200 with the same answer on a retry."""
    summary = batches.submit_rows(platform, _unit_actor(unit), unit.code, body.rows, key=idempotency_key)
    return _answer(summary)


def _spooled(upload: UploadFile, platform: Platform):  # type: ignore[no-untyped-def]
    """The upload in a private temporary file (bounded size), removed afterwards."""
    return files.spooled_upload(upload.file, upload.filename, platform.settings.data_dir / "uploads")


@router.post("/files", response_model=BatchOut, status_code=201,
             responses={200: {"model": BatchOut}, **ERRORS})
def submit_file(request: Request,
                file: UploadFile = File(..., description="CSV (UTF-8 or GB18030), XLSX or JSONL"),
                file_format: str = Form(None, alias="format", pattern="^(csv|xlsx|jsonl)$"),  # optional, never null
                platform: Platform = Depends(get_platform), unit: units.UnitInfo = Depends(submitting_unit),
                idempotency_key: str | None = Header(None, max_length=200)) -> JSONResponse:
    """Upload a bulk file as one batch (at most 200 MB): every row is accepted or rejected with reasons."""
    length = request.headers.get("content-length", "")
    if length.isascii() and length.isdigit() and int(length) > MAX_UPLOAD_BYTES + 64 * 1024:
        raise Refusal("file", "too_large", "上传内容过大", "the upload is too large", status=413)
    with _spooled(file, platform) as path:
        summary = batches.import_file(platform, _unit_actor(unit), unit.code, path, key=idempotency_key,
                                      file_format=file_format, filename=Path(file.filename or "upload").name)
    return _answer(summary)


@router.get("/{batch:int}", response_model=BatchOut, responses=ERRORS)
def show(batch: RowId, platform: Platform = Depends(get_platform),
         unit_code: str | None = Depends(batch_reader)) -> BatchOut:
    """A batch's status, counts, verification due date and first errors."""
    with platform.sessions() as session:
        summary = batches.get_batch(session, batch, unit_code=unit_code)
    return BatchOut.model_validate(summary.to_dict())


def _report(batch: int, platform: Platform, unit_code: str | None, fmt: str) -> FileResponse:
    path = batches.write_error_report(platform, batch, fmt, unit_code=unit_code)   # no such batch: refused
    return FileResponse(path, media_type=batches.ERROR_REPORT_MEDIA[fmt], filename=f"batch-{batch}-errors.{fmt}",
                        background=BackgroundTask(path.unlink, missing_ok=True))


@router.get("/{batch:int}/errors.csv", responses={200: {"content": {"text/csv": {}}}, **ERRORS},
            response_class=FileResponse)
def errors_csv(batch: RowId, platform: Platform = Depends(get_platform),
               unit_code: str | None = Depends(batch_reader)) -> FileResponse:
    """Every rejected row of the batch as CSV (UTF-8 with BOM); cells never start a formula."""
    return _report(batch, platform, unit_code, "csv")


@router.get("/{batch:int}/errors.xlsx", responses={200: {"content": {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}, **ERRORS},
    response_class=FileResponse)
def errors_xlsx(batch: RowId, platform: Platform = Depends(get_platform),
                unit_code: str | None = Depends(batch_reader)) -> FileResponse:
    """Every rejected row of the batch as XLSX; cells never start a formula."""
    return _report(batch, platform, unit_code, "xlsx")


@router.post("/{batch:int}/verify", response_model=BatchOut, responses=ERRORS)
def verify(batch: RowId, request: Request, platform: Platform = Depends(get_platform)) -> BatchOut:
    """An operator records that the platform verified the batch (``aggregation.verify``)."""
    caller = caller_of(request, platform)
    if caller.actor.role not in (Role.operator, Role.administrator):
        zh, en = "只有平台运营者可以登记核查", "only the platform operator records a verification"
        if caller.actor.role is Role.public:
            raise unauthorized("operator_required", zh, en, field=None)
        raise forbidden(None, "operator_required", zh, en)
    summary = batches.verify_batch(platform, caller.actor, batch)
    return BatchOut.model_validate(summary.to_dict())


@router.post("/prior-notices", response_model=RecordedOut, status_code=201, responses=ERRORS)
def prior_notice(body: PriorNoticeIn, platform: Platform = Depends(get_platform),
                 unit: units.UnitInfo = Depends(submitting_unit)) -> RecordedOut:
    """Record the written notice served on a subject before its untrustworthiness information is
    delivered (``aggregation.prior_notice``); rows then cite its reference in ``prior_notice_reference``."""
    with platform.unit_of_work(_unit_actor(unit)) as uow:
        notice = notices.record_prior_notice(uow, unit_code=unit.code, identifier=body.identifier,
                                             subject_name=body.subject_name, item_code=body.item,
                                             reference=body.reference, served_on=body.served_on)
    return RecordedOut(id=notice)


@router.post("/consents", response_model=RecordedOut, status_code=201, responses=ERRORS)
def consent(body: ConsentIn, platform: Platform = Depends(get_platform),
            unit: units.UnitInfo = Depends(submitting_unit)) -> RecordedOut:
    """Record a natural person's written consent to consent-only categories (``data.consent_only``);
    rows then cite its reference in ``consent_reference``."""
    with platform.unit_of_work(_unit_actor(unit)) as uow:
        consent_id = notices.record_consent(uow, identifier=body.identifier,
                                            subject_name=body.subject_name, reference=body.reference,
                                            categories=[c.value for c in body.categories],
                                            given_on=body.given_on,
                                            scope=body.scope)
    return RecordedOut(id=consent_id)

