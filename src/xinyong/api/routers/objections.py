"""``/api/v1/objections``: objections (异议) to credit records.

``POST``: the subject files against its own records (a real-name verified subject's account; a
representative gives its authority document's reference), or the operator registers a paper application
received at the counter (``subject`` and ``received`` given). ``GET``: the queue, nearest due date first
(the operator and the competent department: all; a providing unit: those transferred to it; a subject:
its own). ``GET /{id}``: ``id``, ``status``, ``records``, ``grounds`` (to the subject and staff),
``outcome``, ``reasons``, ``duties`` (``key, owner, due, provisional, cite, status``), ``notices``; an
objection the caller may not see is a 404. ``POST /{id}/transfer``, ``/decide`` (the operator, or the
providing unit it went to), ``/refuse`` (the operator); ``/reexamination`` (the subject asks),
``/reexamination/decide`` (the competent department); ``/forward-corrections`` (the subject asks that the
recipients of copies correct them, where the regulation gives the right; the operator for a request
received at the counter); ``/evidence`` (multipart upload, one file a request) and ``GET
/{id}/evidence/{eid}`` (the subject and staff). A decision made meanwhile, or on a stale ``version``,
is a 409.

An objection to information a credit service institution holds (``institution``: its USCC, and
``institution_reference``: its report or record; ``records`` may be empty) is filed by the subject or at the
counter where the rule file times the institution's decision (elsewhere a 409 naming the rule key). The
institution, signed in with its API token as for inquiries, sees those made to it (``GET``, with the
grounds and evidence), reports its label (``POST /{id}/label``) and decides (``POST /{id}/decide`` with
``source``, the information's source, and ``reasons`` when not corrected); the center cannot decide it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from xinyong.api.deps import RowId, current_caller, forbidden, get_platform, unauthorized
from xinyong.api.errors import ErrorBody
from xinyong.api.responses import JSONResponse
from xinyong.domain.identity.actors import Caller, Role
from xinyong.domain.platform.refusal import NOT_FOUND, Refusal
from xinyong.services import objections
from xinyong.services.platform.bootstrap import Platform, UnitOfWork

router = APIRouter(prefix="/api/v1/objections", tags=["objections"])
ERRORS: dict[int | str, dict[str, Any]] = {s: {"model": ErrorBody} for s in (401, 403, 404, 409, 413, 422)}
STAFF = (Role.operator, Role.administrator)
READERS = (*STAFF, Role.competent_department)


class ObjectionIn(BaseModel):
    records: list[str] = Field(default_factory=list, max_length=20,
                               description="Record ids, or unit/record_key (at least one, except for an objection "
                                           "to a credit service institution)")
    grounds: str = Field(min_length=1, max_length=objections.GROUNDS_MAX)
    representative_authority: str | None = Field(default=None, max_length=200,
                                                 description="A representative's authority document reference")
    forward_to_recipients: bool = Field(default=False, description="Corrections to reach the recipients of "
                                                                   "copies, where the rule file gives the right")
    subject: str | None = Field(default=None, max_length=64,
                                description="The operator only: the subject's id, identity number or USCC")
    received: datetime | None = Field(default=None, description="The operator only: when the paper application "
                                                                "was received at the counter")
    route: Literal["center", "provider", "institution"] | None = Field(
        default=None, description="center or provider: the operator only; institution: with `institution`")
    institution: str | None = Field(default=None, max_length=64, description="The credit service institution "
                                    "holding the information objected to (its USCC)")
    institution_reference: str | None = Field(default=None, max_length=200, description="The institution's own "
                                              "reference of the report or record objected to")


class DecisionIn(BaseModel):
    outcome: Literal["corrected", "supplemented", "service_stopped", "not_corrected"]
    reasons: str | None = Field(default=None, max_length=4000, description="Required for not_corrected")
    corrections: dict[str, dict[str, Any]] | None = Field(
        default=None, description="Record (id or unit/record_key) to its corrected fields")
    source: str | None = Field(default=None, max_length=1000, description="A credit service institution only "
                               "(required): the source of the information, for the written result")
    version: int | None = Field(default=None, ge=1, description="The version the decider saw (409 if stale)")


class ReasonsIn(BaseModel):
    reasons: str = Field(min_length=1, max_length=4000)
    version: int | None = Field(default=None, ge=1)


class StepIn(BaseModel):
    version: int | None = Field(default=None, ge=1)


class ReexaminationIn(BaseModel):
    outcome: Literal["upheld", "revised"]
    reasons: str = Field(min_length=1, max_length=4000)
    version: int | None = Field(default=None, ge=1)


def _signed_in(caller: Caller) -> None:
    if caller.actor.role is Role.public:
        raise unauthorized("sign_in_required", "请先登录", "sign in first", field=None)


def _subject(caller: Caller) -> int | None:
    """The subject a subject's account acts for (None for staff)."""
    if caller.actor.role is Role.subject and caller.subject_id is not None:
        return caller.subject_id
    return None


def _unit(caller: Caller) -> str | None:
    return caller.unit_code or caller.actor.organisation if caller.actor.role is Role.providing_unit else None


def _institution(caller: Caller) -> str | None:
    """The credit service institution a caller acts for."""
    return caller.actor.organisation if caller.actor.role is Role.service_institution else None


def _scope(caller: Caller) -> dict[str, Any]:
    """Whose objections the caller sees: a subject its own, a unit those transferred to it, an institution
    those made to it, staff all."""
    _signed_in(caller)
    if (subject_id := _subject(caller)) is not None:
        return {"subject_id": subject_id}
    if (unit := _unit(caller)) is not None:
        return {"unit_code": unit}
    if (institution := _institution(caller)) is not None:
        return {"institution_code": institution}
    if caller.actor.role in READERS:
        return {}
    raise forbidden(None, "role_not_allowed", "当前身份无权查看异议", "this role may not see objections")


def _staff(caller: Caller, *roles: Role) -> None:
    _signed_in(caller)
    if caller.actor.role not in (roles or STAFF):
        raise forbidden(None, "role_not_allowed", "当前身份无权办理此步骤", "this role may not take this step")


def _subject_of(uow: UnitOfWork, ref: str) -> int:
    from xinyong.services.subjects import registry as subjects
    found = subjects.get(uow, int(ref)) if ref.isdigit() and len(ref) <= 12 else subjects.find_by_identifier(uow, ref)
    if found is None:
        raise Refusal("subject", "subject_unknown", "没有该信用主体", "no such credit subject", status=NOT_FOUND)
    return found.id


def _answer(platform: Platform, objection_id: int, caller: Caller, status_code: int = 200) -> Any:
    with platform.sessions() as session:
        view = objections.get_objection(platform, session, objection_id, **_scope(caller))
    # the grounds are the subject's words: to the subject, the center's staff and the institution it was made to
    shown = _subject(caller) is not None or caller.actor.role in READERS or _institution(caller) is not None
    return JSONResponse(view.to_dict(grounds=shown), status_code=status_code)


@router.post("", status_code=201, responses=ERRORS, summary="File an objection 提出异议")
def file(body: ObjectionIn, caller: Caller = Depends(current_caller),
         platform: Platform = Depends(get_platform)) -> Any:
    _signed_in(caller)
    with platform.unit_of_work(caller.actor) as uow:
        if (own := _subject(caller)) is not None:
            if body.subject is not None or body.received is not None or body.route not in (None, "institution"):
                raise forbidden("subject", "counter_only", "只有信用中心窗口可以代为登记异议",
                                "only the center's counter registers an objection for a subject")
            subject_id, channel = own, "api"
        elif caller.actor.role in STAFF:
            if not body.subject:
                raise Refusal("subject", "subject_required", "请填写信用主体", "give the subject")
            subject_id, channel = _subject_of(uow, body.subject), "counter"
        else:
            raise forbidden(None, "role_not_allowed", "只有信息主体本人（或其代理人）或信用中心可以提出异议",
                            "only the subject (or its representative) or the center may file an objection")
        objection_id = objections.file_objection(
            uow, subject_id=subject_id, records=list(body.records), grounds=body.grounds, channel=channel,
            received=body.received, representative_authority=body.representative_authority, route=body.route,
            forward_to_recipients=body.forward_to_recipients, institution_code=body.institution,
            institution_reference=body.institution_reference).id
    return _answer(platform, objection_id, caller, 201)


@router.get("", responses=ERRORS, summary="Objections by due date 异议（按期限）")
def queue(status: Literal["received", "transferred", "decided", "refused", "reexamination", "closed"] | None
          = Query(None), caller: Caller = Depends(current_caller), platform: Platform = Depends(get_platform)) -> Any:
    scope = _scope(caller)
    with platform.sessions() as session:
        views = objections.list_objections(platform, session, status=status, **scope)
    shown = _subject(caller) is not None or caller.actor.role in READERS or _institution(caller) is not None
    return JSONResponse([v.to_dict(grounds=shown) for v in views])


@router.get("/{objection_id}", responses=ERRORS, summary="An objection 异议")
def show(objection_id: RowId, caller: Caller = Depends(current_caller),
         platform: Platform = Depends(get_platform)) -> Any:
    return _answer(platform, objection_id, caller)


@router.post("/{objection_id}/transfer", responses=ERRORS, summary="Transfer to the providing unit 转交信息提供单位")
def transfer(objection_id: RowId, body: StepIn | None = None, caller: Caller = Depends(current_caller),
             platform: Platform = Depends(get_platform)) -> Any:
    _staff(caller)
    with platform.unit_of_work(caller.actor) as uow:
        objections.transfer(uow, objection_id, version=body.version if body else None)
    return _answer(platform, objection_id, caller)


@router.post("/{objection_id}/decide", responses=ERRORS, summary="Decide an objection 作出异议处理决定")
def decide(objection_id: RowId, body: DecisionIn, caller: Caller = Depends(current_caller),
           platform: Platform = Depends(get_platform)) -> Any:
    _signed_in(caller)
    unit, institution = _unit(caller), _institution(caller)
    if unit is None and institution is None:
        _staff(caller)
    with platform.unit_of_work(caller.actor) as uow:
        if institution is not None:
            if body.corrections:
                raise Refusal("corrections", "corrections_not_expected",
                              "信用服务机构更正其自身所持信息，不提交平台记录的更正内容",
                              "a credit service institution corrects the information it holds, not the platform's "
                              "records")
            objections.institution_decide(uow, objection_id, institution_code=institution, outcome=body.outcome,
                                          reasons=body.reasons, source=body.source or "", version=body.version)
        else:
            objections.decide(uow, objection_id, outcome=body.outcome, reasons=body.reasons,
                              corrections=body.corrections, unit_code=unit, version=body.version)
    return _answer(platform, objection_id, caller)


@router.post("/{objection_id}/label", responses=ERRORS,
             summary="The institution has labelled it 信用服务机构已作异议标注")
def label(objection_id: RowId, body: StepIn | None = None, caller: Caller = Depends(current_caller),
          platform: Platform = Depends(get_platform)) -> Any:
    _signed_in(caller)
    institution = _institution(caller)
    if institution is None:
        raise forbidden(None, "role_not_allowed", "只有受理异议的信用服务机构报告其标注",
                        "only the credit service institution the objection was made to reports its label")
    with platform.unit_of_work(caller.actor) as uow:
        objections.institution_label(uow, objection_id, institution_code=institution,
                                     version=body.version if body else None)
    return _answer(platform, objection_id, caller)


@router.post("/{objection_id}/refuse", responses=ERRORS, summary="Refuse an objection 不予受理")
def refuse(objection_id: RowId, body: ReasonsIn, caller: Caller = Depends(current_caller),
           platform: Platform = Depends(get_platform)) -> Any:
    _staff(caller)
    with platform.unit_of_work(caller.actor) as uow:
        objections.refuse(uow, objection_id, reasons=body.reasons, version=body.version)
    return _answer(platform, objection_id, caller)


@router.post("/{objection_id}/reexamination", responses=ERRORS, summary="Ask for re-examination 申请复核")
def reexamination(objection_id: RowId, body: StepIn | None = None, caller: Caller = Depends(current_caller),
                  platform: Platform = Depends(get_platform)) -> Any:
    _signed_in(caller)
    subject_id = _subject(caller)
    if subject_id is None:
        _staff(caller)
    with platform.unit_of_work(caller.actor) as uow:
        objections.request_reexamination(uow, objection_id, subject_id=subject_id,
                                         version=body.version if body else None)
    return _answer(platform, objection_id, caller)


@router.post("/{objection_id}/forward-corrections", responses=ERRORS,
             summary="Have the recipients of copies correct them 要求同步更正")
def forward_corrections(objection_id: RowId, caller: Caller = Depends(current_caller),
                        platform: Platform = Depends(get_platform)) -> Any:
    """The subject asks (or the center registers the request received at the counter) that every
    organisation the inquiry log shows receiving a corrected record be notified, where the regulation
    gives the right; the objection's ``corrections_forwarded`` lists them, with when each read the notice."""
    _signed_in(caller)
    subject_id = _subject(caller)
    if subject_id is None:
        _staff(caller)
    with platform.unit_of_work(caller.actor) as uow:
        objections.forward_corrections(uow, objection_id, subject_id=subject_id)
    return _answer(platform, objection_id, caller)


@router.post("/{objection_id}/reexamination/decide", responses=ERRORS,
             summary="Decide a re-examination 作出复核决定")
def decide_reexamination(objection_id: RowId, body: ReexaminationIn, caller: Caller = Depends(current_caller),
                         platform: Platform = Depends(get_platform)) -> Any:
    _staff(caller, Role.competent_department)
    with platform.unit_of_work(caller.actor) as uow:
        objections.decide_reexamination(uow, objection_id, outcome=body.outcome, reasons=body.reasons,
                                        version=body.version)
    return _answer(platform, objection_id, caller)


@router.post("/{objection_id}/evidence", status_code=201, responses=ERRORS, summary="Add evidence 补充证明材料")
async def evidence(objection_id: RowId, file: UploadFile = File(..., description="One evidence file (10 MB at most; "
                                                                                "5 files per objection)"),
                   caller: Caller = Depends(current_caller), platform: Platform = Depends(get_platform)) -> Any:
    from fastapi.concurrency import run_in_threadpool
    _signed_in(caller)
    subject_id = _subject(caller)
    if subject_id is None:
        _staff(caller)
    content = await file.read(objections.EVIDENCE_BYTES_MAX + 1)
    handed = [objections.Evidence(file.filename or "evidence", file.content_type or "", content)]

    def store() -> None:
        with platform.unit_of_work(caller.actor) as uow:
            objections.add_evidence(uow, objection_id, handed, subject_id=subject_id)

    await run_in_threadpool(store)
    return await run_in_threadpool(_answer, platform, objection_id, caller, 201)


@router.get("/{objection_id}/evidence/{evidence_id}", responses=ERRORS, summary="An evidence file 证明材料")
def evidence_file(objection_id: RowId, evidence_id: RowId, caller: Caller = Depends(current_caller),
                  platform: Platform = Depends(get_platform)) -> Any:
    _signed_in(caller)
    subject_id, institution = _subject(caller), _institution(caller)
    if subject_id is None and institution is None:
        _staff(caller, *READERS)
    with platform.sessions() as session:
        row = objections.evidence_file(session, objection_id, evidence_id, subject_id=subject_id,
                                       institution_code=institution)
        content, content_type, sha256 = row.content, row.content_type, row.sha256
    return Response(content, media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="evidence-{evidence_id}"',
                             "X-Content-SHA256": sha256, "X-Original-Content-Type": content_type[:100]})
