"""An objection from filing to its written result.

- ``file_objection``: by the subject (portal, API), its representative with authority, or at the counter
  by the center's clerk (``received`` the day the paper application came in). Each record named must be
  the subject's own (another subject's record is answered as unknown). The records are labelled at once
  (the ``objection.label`` duty is done on filing); the duties the rule file gives a time limit open,
  counted from receipt: the center's decision or its transfer (by ``route``), and the written result.
  Repeated on the same record with the same grounds it is refused where ``objection.refuse_repeated``
  is in force, with its article.
- ``transfer``: to the providing unit; ``objection.provider_decide`` counted from the transfer, its due
  date on the labels (past it disclosure is suspended where ``objection.suspend_on_provider_overdue``).
- ``decide`` (the center, or the providing unit for one transferred to it) and ``refuse``: the labels go
  at once, the written result is issued (``services.notices``), the duties close. Two clerks deciding
  at once: one decision stands, the other is a conflict.
- ``request_reexamination`` / ``decide_reexamination`` where the rule file has ``objection.reexamine``.
- ``pause`` / ``resume``: the objection's open duties the rule file lets pause.

The ledger gets every transition with ids, keys, outcomes and digests: never the grounds, reasons,
evidence or corrected content.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from xinyong.domain.identity.actors import Role
from xinyong.domain.platform.clock import business_date
from xinyong.domain.platform.refusal import CONFLICT, NOT_FOUND, Refusal
from xinyong.rules.errors import NoValueInForce, RuleNotProvided
from xinyong.services import duties, notices
from xinyong.services.aggregation.writer import correct_record, stop_record_service
from xinyong.services.catalog.published import item_in_force
from xinyong.services.disclosure.marks import close_objection_label, label_objection, set_provider_due
from xinyong.services.disclosure.references import RecordRef, resolve_record
from xinyong.services.identity.units import get_unit
from xinyong.services.objections.corrections import issue_notices
from xinyong.services.objections.views import (
    MATTER,
    STATUS_ZH,
    Evidence,
    correction_recipients,
    load_objection,
    record_links,
)
from xinyong.services.platform.bootstrap import UnitOfWork
from xinyong.store.models.auth import ServiceInstitution
from xinyong.store.models.rights import (
    OBJECTION_OUTCOMES,
    OBJECTION_ROUTES,
    Objection,
    ObjectionEvidence,
    ObjectionRecord,
)

GROUNDS_MAX = 4000
REASONS_MAX = 4000
AUTHORITY_MAX = 200
RECORDS_MAX = 20
EVIDENCE_FILES_MAX = 5
EVIDENCE_BYTES_MAX = 10 * 1024 * 1024
REEXAMINATION_OUTCOMES = ("upheld", "revised")
OPEN_STATUSES = ("received", "transferred")
INSTITUTION_LABEL, INSTITUTION_DECIDE, INSTITUTION_NOTIFY = (
    "objection.institution_label", "objection.institution_decide", "objection.institution_notify")
Owner = duties.Owner



# -- the rules in force -------------------------------------------------------------------------------

def _flag(uow: UnitOfWork, key: str, on: date) -> str | None:
    """The citation of the flag ``key`` where it is in force and true on ``on``; else None."""
    ruleset = uow.platform.rulebook.get(uow.platform.jurisdiction)
    if not ruleset.has(key):
        return None
    try:
        value = ruleset.value(key, on)
    except (NoValueInForce, RuleNotProvided):
        return None
    return value.citation if value.value is True else None


def _counts_from(uow: UnitOfWork, key: str, on: date) -> str | None:
    """The event the period of ``key`` in force on ``on`` counts from (its rule entry's ``counts_from``:
    receipt, transfer, decision), where the rule file says."""
    ruleset = uow.platform.rulebook.get(uow.platform.jurisdiction)
    if not ruleset.has(key):
        return None
    try:
        return ruleset.value(key, on).counts_from
    except (NoValueInForce, RuleNotProvided):
        return None


def _open(uow: UnitOfWork, objection: Objection, key: str, owner: duties.Owner, starts: date,
          owner_org: str | None = None) -> Any:
    """Open the duty ``key`` where the rule file has it (a step the regulation gives no time limit opens
    no duty: it is no deadline anyone can miss)."""
    if not uow.platform.rulebook.get(uow.platform.jurisdiction).has(key):
        return None
    if duties.open_duty_of(uow, MATTER, objection.id, key) is not None:
        return None
    return duties.open_duty(uow, matter_kind=MATTER, matter_id=objection.id, key=key, owner=owner,
                            owner_org=owner_org, starts=starts)


def _done(uow: UnitOfWork, objection: Objection, key: str, *, open_from: date | None = None,
          owner: duties.Owner = Owner.platform_operator, owner_org: str | None = None) -> None:
    """Close the open duty ``key``; with ``open_from``, one not opened yet is opened (counted from that
    day) and closed at once, so a step taken late still shows as late."""
    duty = duties.open_duty_of(uow, MATTER, objection.id, key)
    if duty is None and open_from is not None:
        duty = _open(uow, objection, key, owner, open_from, owner_org)
    if duty is not None:
        duties.complete(uow, duty)


def _cancel(uow: UnitOfWork, objection: Objection, key: str, why: str) -> None:
    duty = duties.open_duty_of(uow, MATTER, objection.id, key)
    if duty is not None:
        duty.state, duty.closed_at = "cancelled", uow.platform.clock.now()
        uow.session.flush()
        uow.record("duty.cancelled", "duty", duty.id, {"key": duty.key, "why": why})


def _text(value: str | None, field: str, limit: int, zh: str, en: str, *, required: bool = True) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise Refusal(field, f"{field}_required", f"请填写{zh}", f"{en} is required")
        return None
    if len(text) > limit:
        raise Refusal(field, f"{field}_too_long", f"{zh}不得超过 {limit} 字", f"{en} is limited to {limit} characters")
    return text


def grounds_digest(grounds: str) -> str:
    """The digest repeated grounds are found by: the same words, whatever the spacing and case."""
    return hashlib.sha256(re.sub(r"\s+", " ", grounds.strip()).casefold().encode("utf-8")).hexdigest()


# -- filing -------------------------------------------------------------------------------------------

def _check_evidence(files: list[Evidence], already: int = 0) -> None:
    if len(files) + already > EVIDENCE_FILES_MAX:
        raise Refusal("evidence", "too_many_files", f"证明材料最多 {EVIDENCE_FILES_MAX} 个文件",
                      f"at most {EVIDENCE_FILES_MAX} evidence files")
    for f in files:
        if not f.content:
            raise Refusal("evidence", "file_empty", f"文件“{f.filename[:80]}”是空的",
                          f"the file '{f.filename[:80]}' is empty")
        if len(f.content) > EVIDENCE_BYTES_MAX:
            raise Refusal("evidence", "file_too_large",
                          f"每个证明材料文件不得超过 {EVIDENCE_BYTES_MAX // (1024 * 1024)} MB",
                          f"each evidence file is limited to {EVIDENCE_BYTES_MAX // (1024 * 1024)} MB", status=413)


def _store_evidence(uow: UnitOfWork, objection_id: int, files: list[Evidence]) -> list[ObjectionEvidence]:
    rows = []
    for f in files:
        name = (f.filename or "evidence").replace("\\", "/").rsplit("/", 1)[-1][:200] or "evidence"
        row = ObjectionEvidence(objection_id=objection_id, filename=name,
                                content_type=(f.content_type or "application/octet-stream")[:100],
                                size=len(f.content), sha256=hashlib.sha256(f.content).hexdigest(),
                                content=f.content, uploaded_at=uow.platform.clock.now())
        uow.session.add(row)
        rows.append(row)
    uow.session.flush()
    for row in rows:
        uow.record("objection.evidence_added", MATTER, objection_id,
                   {"evidence_id": row.id, "sha256": row.sha256, "size": row.size})
    return rows


def _institution(uow: UnitOfWork, code: str | None, reference: str | None, on: date) -> tuple[str, str]:
    """An objection to a credit service institution: allowed only where the rule file times the
    institution's decision (``objection.institution_decide``), to an institution on the register whose
    filing is not revoked, with the institution's own reference of the report or record."""
    ruleset = uow.platform.rulebook.get(uow.platform.jurisdiction)
    provided = ruleset.has(INSTITUTION_DECIDE)
    if provided:
        try:
            ruleset.value(INSTITUTION_DECIDE, on)
        except (NoValueInForce, RuleNotProvided):
            provided = False
    if not provided:
        raise Refusal("route", "institution_objection_not_provided",
                      f"《{ruleset.title.zh}》未规定信用服务机构处理异议的期限（{INSTITUTION_DECIDE}），"
                      "本平台不受理针对信用服务机构所持信息的异议",
                      f"{ruleset.title.en} provides no time limit for a credit service institution's handling of "
                      f"an objection ({INSTITUTION_DECIDE}): the platform takes no objection to information "
                      "an institution holds", status=CONFLICT)
    wanted = (code or "").strip().upper()
    if not wanted:
        raise Refusal("institution", "institution_required", "请填写信用服务机构的统一社会信用代码",
                      "give the credit service institution's Unified Social Credit Code")
    found = uow.session.scalar(select(ServiceInstitution).where(ServiceInstitution.code == wanted))
    if found is None or (found.revoked_on is not None and found.revoked_on <= on):
        raise Refusal("institution", "institution_unknown", f"没有登记（许可或备案）的信用服务机构“{wanted[:64]}”",
                      f"no credit service institution '{wanted[:64]}' is on the register (permit or filing)",
                      status=NOT_FOUND)
    text = _text(reference, "institution_reference", AUTHORITY_MAX, "信用服务机构的报告或记录编号",
                 "the institution's report or record reference")
    assert text is not None
    return found.code, text


def file_objection(uow: UnitOfWork, *, subject_id: int, records: list[str | int], grounds: str, channel: str,
                   received: datetime | None = None, representative_authority: str | None = None,
                   route: str | None = None, forward_to_recipients: bool = False,
                   evidence: list[Evidence] | None = None, institution_code: str | None = None,
                   institution_reference: str | None = None) -> Objection:
    """File an objection against the subject's own ``records`` (ids or ``unit/record_key``); with
    ``institution_code`` (route ``institution``), against information a credit service institution holds
    (its ``institution_reference``; the platform's records it came from may be named, none is required):
    the institution labels, decides and answers within its own limits."""
    platform = uow.platform
    text = _text(grounds, "grounds", GROUNDS_MAX, "异议理由", "the grounds")
    assert text is not None
    authority = _text(representative_authority, "representative_authority", AUTHORITY_MAX, "代理授权文书编号",
                      "the authority document's reference", required=False)
    if channel not in ("portal", "api", "counter"):
        raise Refusal("channel", "channel_unknown", "渠道须为 portal、api 或 counter",
                      "the channel must be portal, api or counter")
    now = platform.clock.now()
    received_at = received or now
    if received_at.tzinfo is None:
        raise Refusal("received", "received_naive", "收到时间须带时区", "the received time needs a time zone")
    if received_at > now:
        raise Refusal("received", "received_in_future", "收到时间不能晚于现在", "the received time is in the future")
    received_on = business_date(received_at)
    if route is None and institution_code is not None:
        route = "institution"
    institution: tuple[str, str] | None = None
    if route == "institution":
        institution = _institution(uow, institution_code, institution_reference, received_on)
    elif institution_code is not None:
        raise Refusal("institution", "institution_not_expected", "只有向信用服务机构提出的异议才填写信用服务机构",
                      "an institution is named only for an objection to a credit service institution")
    refs = [str(r).strip() for r in records if str(r).strip()]
    if not refs and institution is None:
        raise Refusal("records", "records_required", "请选择提出异议的信息记录", "choose the records objected to")
    if len(refs) > RECORDS_MAX:
        raise Refusal("records", "too_many_records", f"一件异议最多 {RECORDS_MAX} 条记录",
                      f"at most {RECORDS_MAX} records per objection")
    resolved: dict[int, RecordRef] = {}
    for ref in refs:
        try:
            found = resolve_record(uow.session, ref, "records")
        except Refusal:
            found = None
        if found is None or found.subject_id != subject_id:   # another subject's record: unknown
            raise Refusal("records", "record_unknown", f"没有信用信息记录“{ref[:80]}”",
                          f"no record '{ref[:80]}'", status=NOT_FOUND)
        if found.status != "active":
            raise Refusal("records", "record_not_in_service", f"记录“{ref[:80]}”已不在服务中",
                          f"the record '{ref[:80]}' is no longer in service", status=CONFLICT)
        resolved[found.id] = found
    if route is None:
        ruleset = platform.rulebook.get(platform.jurisdiction)
        route = "provider" if ruleset.has("objection.transfer") and not ruleset.has("objection.decide") else "center"
    if route not in OBJECTION_ROUTES:
        raise Refusal("route", "route_unknown", "办理方式须为 center、provider 或 institution",
                      "the route must be center, provider or institution")
    forward_cite = _flag(uow, "objection.forward_corrections", received_on)
    if forward_to_recipients and forward_cite is None:
        raise Refusal("forward_to_recipients", "not_provided", "现行法规未规定同步更正已获取信息的单位",
                      "the regulation in force gives no right to have recipients correct their copies",
                      status=CONFLICT)
    files = list(evidence or [])
    _check_evidence(files)
    digest = grounds_digest(text)
    repeated_cite = _flag(uow, "objection.refuse_repeated", received_on)
    if repeated_cite is not None:
        earlier = uow.session.scalar(
            select(Objection.id).join(ObjectionRecord, ObjectionRecord.objection_id == Objection.id)
            .where(Objection.subject_id == subject_id, Objection.grounds_digest == digest,
                   ObjectionRecord.record_id.in_(sorted(resolved))).limit(1))
        if earlier is not None:
            raise Refusal("grounds", "objection_repeated",
                          f"已以同一理由对该记录提出过异议（第 {earlier} 号），依据 {repeated_cite} 不予受理",
                          f"an objection on the same grounds about this record was filed before (no. {earlier}); "
                          f"not accepted under {repeated_cite}", status=CONFLICT)
    objection = Objection(subject_id=subject_id, jurisdiction=platform.jurisdiction, channel=channel,
                          filed_by=uow.actor.label(), representative_authority=authority, received_at=received_at,
                          received_on=received_on, grounds=text, grounds_digest=digest, status="received",
                          route=route, forward_to_recipients=bool(forward_to_recipients), created_at=now,
                          institution_code=institution[0] if institution else None,
                          institution_reference=institution[1] if institution else None)
    uow.session.add(objection)
    uow.session.flush()
    for record_id in sorted(resolved):
        # the platform labels its own records; an institution labels the copy it holds (its own duty)
        label = None if institution else label_objection(uow, record_id=record_id, objection_ref=str(objection.id))
        uow.session.add(ObjectionRecord(objection_id=objection.id, record_id=record_id,
                                        label_id=label.id if label else None))
    uow.session.flush()
    uow.record("objection.filed", MATTER, objection.id, {
        "subject_id": subject_id, "channel": channel, "route": route, "records": sorted(resolved),
        "received_on": received_on.isoformat(), "grounds_sha256": digest,
        "representative": authority is not None, "forward_to_recipients": objection.forward_to_recipients,
        **({"institution": institution[0]} if institution else {})})
    _store_evidence(uow, objection.id, files)
    if institution is not None:      # the institution's own limits, owed by it, counted from receipt
        for key in (INSTITUTION_LABEL, INSTITUTION_DECIDE, INSTITUTION_NOTIFY):
            if _counts_from(uow, key, received_on) != "decision":     # else opened when decided
                _open(uow, objection, key, Owner.credit_service_institution, received_on, institution[0])
        return objection
    # the label is put on filing: its duty is done (late only if a paper application waited too long)
    _done(uow, objection, "objection.label", open_from=received_on)
    _open(uow, objection, "objection.decide" if route == "center" else "objection.transfer",
          Owner.platform_operator, received_on)
    if _counts_from(uow, "objection.notify", received_on) != "decision":      # else opened when decided
        _open(uow, objection, "objection.notify", Owner.platform_operator, received_on)
    return objection


def add_evidence(uow: UnitOfWork, objection_id: int, files: list[Evidence], *,
                 subject_id: int | None = None) -> list[ObjectionEvidence]:
    """More evidence while the objection is handled (the subject's own, or the center's clerk)."""
    objection = load_objection(uow.session, objection_id, subject_id=subject_id)
    if objection.status not in OPEN_STATUSES:
        raise Refusal("objection", "objection_closed", "异议已经办结，不能再补充材料",
                      "the objection is closed: no more evidence", status=CONFLICT)
    already = len(uow.session.scalars(select(ObjectionEvidence.id).where(
        ObjectionEvidence.objection_id == objection_id)).all())
    _check_evidence(files, already)
    return _store_evidence(uow, objection_id, files)


# -- handling -------------------------------------------------------------------------------------------

def _expect(objection: Objection, statuses: tuple[str, ...], version: int | None) -> None:
    if version is not None and version != objection.version:
        raise _conflict(objection.id)
    if objection.status not in statuses:
        now = STATUS_ZH.get(objection.status, objection.status)
        raise Refusal("objection", "objection_state", f"第 {objection.id} 号异议当前状态（{now}）不能办理此步骤",
                      f"objection {objection.id} is {objection.status}: this step is not possible", status=CONFLICT)


def _not_institutions(objection: Objection) -> None:
    """The center does not transfer, decide or refuse an objection made to a credit service institution."""
    if objection.route == "institution":
        raise Refusal("objection", "institution_decides",
                      f"第 {objection.id} 号异议是向信用服务机构提出的，由该机构标注、处理并书面告知",
                      f"objection {objection.id} was made to a credit service institution: the institution labels, "
                      "decides and answers it", status=CONFLICT)


def _conflict(objection_id: int) -> Refusal:
    return Refusal("objection", "conflict", f"第 {objection_id} 号异议刚被他人办理，请刷新后查看",
                   f"objection {objection_id} was just handled by someone else: reload it", status=CONFLICT)


def _flush(uow: UnitOfWork, objection: Objection) -> None:
    """Write the objection's new state (its version checked: a clerk who came second gets a conflict)."""
    objection_id = objection.id            # read before the flush: a failed flush ends the transaction
    try:
        uow.session.flush()
    except StaleDataError as exc:
        raise _conflict(objection_id) from exc


def _record_refs(uow: UnitOfWork, objection: Objection) -> list[RecordRef]:
    return [resolve_record(uow.session, link.record_id) for link in record_links(uow.session, objection.id)]


def transfer(uow: UnitOfWork, objection_id: int, *, version: int | None = None) -> Objection:
    """The center transfers the objection to the providing unit of its records."""
    objection = load_objection(uow.session, objection_id)
    _not_institutions(objection)
    _expect(objection, ("received",), version)
    units = sorted({r.unit_code for r in _record_refs(uow, objection)})
    if len(units) != 1:
        raise Refusal("objection", "records_of_several_units",
                      "异议涉及多个信息提供单位的记录，不能整体转交", "the records come from several providing units: "
                      "the objection cannot be transferred as one", status=CONFLICT)
    today = uow.platform.clock.today()
    objection.status, objection.route, objection.unit_code, objection.transferred_on = (
        "transferred", "provider", units[0], today)
    _flush(uow, objection)
    _cancel(uow, objection, "objection.decide", "transferred")
    _done(uow, objection, "objection.transfer", open_from=objection.received_on)
    # counted from the unit's receipt of the transfer, or from the application's where the rule file says so
    starts = objection.received_on if _counts_from(uow, "objection.provider_decide", today) == "receipt" else today
    duty = _open(uow, objection, "objection.provider_decide", Owner.providing_unit, starts, owner_org=units[0])
    provider_due = duty.due if duty is not None else None
    for link in record_links(uow.session, objection.id):
        if link.label_id is not None:
            set_provider_due(uow, link.label_id, provider_due)
    uow.record("objection.transferred", MATTER, objection.id, {
        "unit": units[0], "transferred_on": today.isoformat(),
        "provider_due": provider_due.isoformat() if provider_due else None})
    return objection


def _cites(uow: UnitOfWork, keys: tuple[str, ...]) -> dict[str, str]:
    ruleset = uow.platform.rulebook.get(uow.platform.jurisdiction)
    out: dict[str, str] = {}
    for key in keys:
        if ruleset.has(key):
            try:
                out[key] = ruleset.value(key, uow.platform.clock.today()).citation
            except (NoValueInForce, RuleNotProvided):
                continue
    return out


def _source(uow: UnitOfWork, refs: list[RecordRef]) -> tuple[str, list[dict[str, Any]]]:
    """Where the information came from: each record's providing unit and catalog item."""
    names: dict[str, tuple[str, str]] = {}
    for code in sorted({r.unit_code for r in refs}):
        try:
            unit = get_unit(uow.session, code)
            names[code] = (unit.name_zh, unit.name_en or unit.name_zh)
        except Refusal:
            names[code] = (code, code)
    items: dict[str, tuple[str, str]] = {}
    for code in sorted({r.item_code for r in refs}):
        try:
            spec = item_in_force(uow.session, uow.platform.jurisdiction, code, uow.platform.clock.today())
            items[code] = (spec.name_zh, spec.name_en or spec.name_zh)
        except Refusal:
            items[code] = (code, code)
    facts = [{"record": r.reference, "unit": r.unit_code, "unit_zh": names[r.unit_code][0],
              "unit_en": names[r.unit_code][1], "item": r.item_code, "item_zh": items[r.item_code][0],
              "item_en": items[r.item_code][1]} for r in refs]
    text = "；".join(f"{f['unit_zh']}（{f['unit']}）：{f['item']}" for f in facts)
    return text, facts


def _close(uow: UnitOfWork, objection: Objection, *, kind: str, facts: dict[str, Any]) -> notices.NoticeView:
    """Labels off at once, the written result issued and its duty done."""
    for link in record_links(uow.session, objection.id):
        if link.label_id is not None:
            close_objection_label(uow, link.label_id)
    notice = notices.issue(uow, kind=kind, matter_kind=MATTER, matter_id=objection.id,
                           subject_id=objection.subject_id, facts=facts)
    today = uow.platform.clock.today()
    _done(uow, objection, "objection.notify",
          open_from=today if _counts_from(uow, "objection.notify", today) == "decision" else None)
    return notice


def decide(uow: UnitOfWork, objection_id: int, *, outcome: str, reasons: str | None = None,
           corrections: dict[str, dict[str, Any]] | None = None, unit_code: str | None = None,
           version: int | None = None) -> Objection:
    """The decision: by the center, or (``unit_code``) by the providing unit it was transferred to.
    ``corrections`` maps a record (id or ``unit/record_key``) to its corrected fields, written as the
    record's new version through the record writer (corrected, supplemented)."""
    objection = load_objection(uow.session, objection_id, unit_code=unit_code)
    _not_institutions(objection)
    _expect(objection, ("transferred",) if unit_code is not None else OPEN_STATUSES, version)
    if outcome not in OBJECTION_OUTCOMES:
        raise Refusal("outcome", "outcome_unknown", f"处理结果须为：{'、'.join(OBJECTION_OUTCOMES)}",
                      f"the outcome must be one of {', '.join(OBJECTION_OUTCOMES)}")
    text = _text(reasons, "reasons", REASONS_MAX, "理由", "the reasons", required=outcome == "not_corrected")
    if corrections and outcome not in ("corrected", "supplemented"):
        raise Refusal("corrections", "corrections_not_expected", "只有更正或补充时才能提交更正内容",
                      "corrected content goes with a corrected or supplemented outcome")
    refs = _record_refs(uow, objection)
    by_ref = {**{str(r.id): r for r in refs}, **{r.reference: r for r in refs}}
    today = uow.platform.clock.today()
    source, source_facts = _source(uow, refs)
    # the state change is flushed before any other statement: a clerk who came second gets a conflict
    objection.status, objection.outcome, objection.reasons = "decided", outcome, text
    objection.decided_by, objection.decided_on, objection.source = uow.actor.label(), today, source
    _flush(uow, objection)
    versions: dict[int, int] = {}
    for ref, changes in (corrections or {}).items():
        target = by_ref.get(str(ref).strip())
        if target is None:
            raise Refusal("corrections", "record_not_objected", f"记录“{str(ref)[:80]}”不在本异议中",
                          f"the record '{str(ref)[:80]}' is not part of this objection")
        versions[target.id] = correct_record(uow, target.id, dict(changes), origin=f"objection:{objection.id}")
    if outcome == "service_stopped":
        for r in refs:
            stop_record_service(uow, r.id, origin=f"objection:{objection.id}")
    if objection.transferred_on is not None:
        _done(uow, objection, "objection.provider_decide")
    else:
        _cancel(uow, objection, "objection.transfer", "decided_by_center")
        _done(uow, objection, "objection.decide", open_from=objection.received_on)
    recipients = correction_recipients(uow.platform, uow.session, objection, [r.id for r in refs]) \
        if outcome in ("corrected", "supplemented") else []
    cites = _cites(uow, ("objection.decide", "objection.provider_decide", "objection.notify",
                         "objection.reexamine", "objection.forward_corrections"))
    facts = {"objection_id": objection.id, "outcome": outcome, "reasons": text, "source": source_facts,
             "records": [r.reference for r in refs], "received_on": objection.received_on.isoformat(),
             "decided_on": today.isoformat(), "decided_by": "providing_unit" if unit_code else "platform_operator",
             "cites": cites, "corrected_versions": {str(k): v for k, v in sorted(versions.items())},
             "recipients": recipients, "reexamination": "objection.reexamine" in cites}
    _close(uow, objection, kind="objection_result", facts=facts)
    if recipients and cites.get("objection.forward_corrections"):   # asked on filing: passed on now
        issue_notices(uow, objection, cites["objection.forward_corrections"])
    uow.record("objection.decided", MATTER, objection.id, {
        "outcome": outcome, "route": objection.route, "by": facts["decided_by"], "records": [r.id for r in refs],
        "corrected_versions": facts["corrected_versions"], "recipients": len(recipients)})
    return objection


def refuse(uow: UnitOfWork, objection_id: int, *, reasons: str, version: int | None = None) -> Objection:
    """Not accepted (no legitimate reason, or repeated on the same grounds): the labels go, the open
    duties are cancelled, the applicant is told why in writing."""
    objection = load_objection(uow.session, objection_id)
    _not_institutions(objection)
    _expect(objection, OPEN_STATUSES, version)
    text = _text(reasons, "reasons", REASONS_MAX, "不予受理的理由", "the reasons")
    today = uow.platform.clock.today()
    objection.status, objection.reasons = "refused", text
    objection.decided_by, objection.decided_on = uow.actor.label(), today
    _flush(uow, objection)
    for key in ("objection.decide", "objection.transfer", "objection.provider_decide"):
        _cancel(uow, objection, key, "refused")
    cites = _cites(uow, ("objection.refuse_repeated", "objection.notify", "objection.reexamine"))
    refs = _record_refs(uow, objection)
    _close(uow, objection, kind="objection_result", facts={
        "objection_id": objection.id, "outcome": "refused", "reasons": text,
        "records": [r.reference for r in refs], "received_on": objection.received_on.isoformat(),
        "decided_on": today.isoformat(), "decided_by": "platform_operator", "cites": cites,
        "reexamination": "objection.reexamine" in cites})
    uow.record("objection.refused", MATTER, objection.id, {"records": [r.id for r in refs],
                                                           "cite": cites.get("objection.refuse_repeated")})
    return objection


def request_reexamination(uow: UnitOfWork, objection_id: int, *, subject_id: int | None = None,
                          version: int | None = None) -> Objection:
    """The applicant asks the competent department to re-examine the result, where the regulation
    provides it (``objection.reexamine``)."""
    objection = load_objection(uow.session, objection_id, subject_id=subject_id)
    ruleset = uow.platform.rulebook.get(uow.platform.jurisdiction)
    if not ruleset.has("objection.reexamine"):
        raise Refusal("objection", "reexamination_not_provided",
                      f"《{ruleset.title.zh}》未规定异议处理结果的复核", f"{ruleset.title.en} provides no "
                      "re-examination of an objection's outcome", status=CONFLICT)
    _expect(objection, ("decided", "refused"), version)
    today = uow.platform.clock.today()
    objection.status, objection.reexamination_received_on = "reexamination", today
    _flush(uow, objection)
    _open(uow, objection, "objection.reexamine", Owner.competent_department, today)
    uow.record("objection.reexamination_requested", MATTER, objection.id, {"received_on": today.isoformat()})
    return objection


def decide_reexamination(uow: UnitOfWork, objection_id: int, *, outcome: str, reasons: str,
                         version: int | None = None) -> Objection:
    """The competent department's re-examination: the result ``upheld`` or ``revised``, with reasons."""
    objection = load_objection(uow.session, objection_id)
    _expect(objection, ("reexamination",), version)
    if outcome not in REEXAMINATION_OUTCOMES:
        raise Refusal("outcome", "outcome_unknown", "复核结果须为 upheld（维持）或 revised（变更）",
                      "the re-examination outcome must be upheld or revised")
    text = _text(reasons, "reasons", REASONS_MAX, "复核理由", "the reasons")
    objection.status, objection.reexamination_outcome, objection.reexamination_reasons = "closed", outcome, text
    _flush(uow, objection)
    _done(uow, objection, "objection.reexamine")
    cites = _cites(uow, ("objection.reexamine",))
    notices.issue(uow, kind="reexamination_result", matter_kind=MATTER, matter_id=objection.id,
                  subject_id=objection.subject_id, facts={
                      "objection_id": objection.id, "outcome": outcome, "reasons": text,
                      "first_outcome": objection.outcome or "refused",
                      "received_on": objection.reexamination_received_on.isoformat()
                      if objection.reexamination_received_on else None,
                      "decided_on": uow.platform.clock.today().isoformat(), "decided_by": "competent_department",
                      "cites": cites})
    uow.record("objection.reexamined", MATTER, objection.id, {"outcome": outcome})
    return objection


# -- pauses ---------------------------------------------------------------------------------------------

def _open_duties(uow: UnitOfWork, objection: Objection) -> list[duties.DutyView]:
    return [d for d in duties.duties_of(uow.platform, uow.session, MATTER, objection.id)
            if d.status in ("open", "overdue", "suspended")]


def pause(uow: UnitOfWork, objection_id: int, *, reason: str, since: date | None = None) -> list[int]:
    """Stop counting the objection's open duties that the rule file lets pause (inspection, testing,
    evaluation, expert review); refused, with the article, when none may."""
    objection = load_objection(uow.session, objection_id)
    refusal: Refusal | None = None
    paused: list[int] = []
    for d in _open_duties(uow, objection):
        if d.status == "suspended":
            continue
        try:
            with uow.session.begin_nested():
                duties.pause(uow, d.id, reason=reason, since=since)
            paused.append(d.id)
        except Refusal as exc:
            if exc.reason == "pause_reason_unknown":
                raise
            refusal = exc
    if not paused:
        raise refusal or Refusal("objection", "nothing_to_pause", "该异议没有可以中止计算的期限",
                                 "the objection has no period that can be paused", status=CONFLICT)
    uow.record("objection.paused", MATTER, objection.id, {"reason": reason, "duties": paused})
    return paused


def resume(uow: UnitOfWork, objection_id: int, *, on: date | None = None) -> list[int]:
    objection = load_objection(uow.session, objection_id)
    resumed = []
    for d in _open_duties(uow, objection):
        if d.status == "suspended":
            duties.resume(uow, d.id, on=on)
            resumed.append(d.id)
    if not resumed:
        raise Refusal("objection", "not_paused", "该异议的期限没有中止", "the objection's periods are not paused",
                      status=CONFLICT)
    uow.record("objection.resumed", MATTER, objection.id, {"duties": resumed})
    return resumed


def acting_unit(role: Role, organisation: str | None) -> str | None:
    """The providing unit a caller acts for (None for the center)."""
    return organisation if role is Role.providing_unit else None
