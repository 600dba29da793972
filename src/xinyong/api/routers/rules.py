"""``/api/v1/rules``: the rule files with their citations, and statutory deadlines.

Refusals use the platform's one error shape (``xinyong.api.errors``): ``{"detail": {"field", "reason",
"message_zh", "message_en"}}``; 404 for an unknown jurisdiction, 422 for a bad duty or date.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from xinyong.api.errors import ErrorBody, error_response
from xinyong.api.responses import JSONResponse
from xinyong.domain.rulebook.calendar import CalendarDataError, UnknownYearError, WorkingDayCalendar
from xinyong.rules import (
    NoValueInForce,
    Rulebook,
    RuleError,
    RuleNotProvided,
    UnknownJurisdiction,
)
from xinyong.services.rulebook.rules import (
    compute_deadline,
    default_calendar,
    default_rulebook,
    parse_pause,
    parse_received,
)

router = APIRouter(prefix="/api/v1/rules", tags=["rules"])


# --------------------------------------------------------------------------------------------------
# Response models
# --------------------------------------------------------------------------------------------------


class Bilingual(BaseModel):
    zh: str
    en: str


class RuleSetSummary(BaseModel):
    id: str = Field(description="Rule file id, e.g. the value of XINYONG_JURISDICTION")
    abbrev: str = Field(description="Abbreviation used in citations (RULES.md)")
    title: Bilingual
    jurisdiction: Bilingual
    status: Literal["enacted", "draft"] = Field(
        description="draft: a draft for public comment, not in force on any date (see draft_notice)"
    )
    draft_notice: Bilingual | None = Field(
        description="For a draft: that it is a draft for comment, not in force, for trial use only"
    )
    published: date | None
    in_force: date | None
    text: str | None = Field(
        description="The regulation text file cites are checked against; none for national"
    )
    rule_count: int
    duties: list[str] = Field(description="Duty keys with a time limit (accepted by the deadline endpoint)")
    deployed: bool = Field(description="True for this deployment's jurisdiction")


class RuleSetList(BaseModel):
    jurisdiction: str = Field(description="This deployment's jurisdiction (XINYONG_JURISDICTION)")
    rulesets: list[RuleSetSummary]


class DeferralOut(BaseModel):
    jurisdiction: str = Field(description="The rule file that defers")
    target: str = Field(description="The rule file deferred to (national)")
    cite: str
    citation: str


class RuleValueOut(BaseModel):
    key: str
    value: Any = Field(description="The value: a number, true/false, a span, or a list, per the key's type")
    unit: str | None
    cite: str
    citation: str = Field(description="The cite with the regulation's abbreviation")
    effective: date
    until: date | None
    basis: Literal["statute", "operator_target"]
    operator_target: bool = Field(description="The article gives no number; this is the operator's target")
    wording: str | None = Field(description="The article's own word where it gives no number (promptly)")
    source: Literal["primary", "secondary"]
    note: str | None
    jurisdiction: str = Field(description="The rule file the value comes from (national when deferred)")
    deferred_from: DeferralOut | None


class RuleOut(BaseModel):
    key: str
    type: str
    unit: str | None
    duty: bool
    description: Bilingual
    deferred: DeferralOut | None
    resolved: bool = Field(description="False when the rule defers and national has no value")
    note: str | None
    values: list[RuleValueOut]


class RuleSetDetail(RuleSetSummary):
    rules: list[RuleOut]
    notes: dict[str, str] = Field(description="Articles not machine-checkable, with the reason")


class DayOut(BaseModel):
    day: date
    working: bool
    reason: str


class PauseOut(BaseModel):
    start: date
    end: date | None
    reason: str


class PauseBasisOut(BaseModel):
    key: str = Field(description="The rule that lets this duty's period be paused, e.g. objection.excluded_time")
    cite: str
    citation: str


class DeadlineOut(BaseModel):
    jurisdiction: str
    status: Literal["enacted", "draft"] = Field(
        description="draft: the value comes from a draft for public comment, not in force"
    )
    in_force: date | None = Field(description="The regulation's in-force date; null for a draft")
    draft_notice: Bilingual | None = Field(description="For a draft: that it is not in force")
    duty: str
    description: Bilingual
    received: str = Field(description="As given: a date or an ISO date-time")
    received_date: date = Field(description="The business date (China Standard Time) the period counts from")
    due: date | None = Field(description="Last day on which the duty is on time; null while suspended")
    unit: Literal["working_days", "days"]
    count: int
    cite: str
    citation: str
    basis: Literal["statute", "operator_target"]
    operator_target: bool
    wording: str | None
    effective: date = Field(description="Effective date of the rule value applied")
    until: date | None
    source: Literal["primary", "secondary"]
    note: str | None
    deferred_from: DeferralOut | None
    suspended: bool
    skipped: list[DayOut] = Field(description="Days inside the period not counted, and why")
    pauses: list[PauseOut]
    pause_basis: PauseBasisOut | None = Field(
        description="The article that excludes the paused time from this duty (when pauses were given)"
    )


ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "Unknown jurisdiction"},
    422: {
        "model": ErrorBody,
        "description": "Unknown duty, bad date, no rule in force, unknown calendar year, a pause the "
        "regulation does not allow (field pause)",
    },
}


# --------------------------------------------------------------------------------------------------
# Dependencies: the platform's rulebook and calendar when the app has one, else the defaults
# --------------------------------------------------------------------------------------------------


def _rulebook(request: Request) -> Rulebook:
    platform = getattr(request.app.state, "platform", None)
    return platform.rulebook if platform is not None else default_rulebook()


def _calendar(request: Request) -> WorkingDayCalendar:
    platform = getattr(request.app.state, "platform", None)
    return platform.calendar if platform is not None else default_calendar()


def _deployed(request: Request) -> str | None:
    platform = getattr(request.app.state, "platform", None)
    if platform is not None:
        return platform.jurisdiction
    from xinyong.settings import get_settings

    return get_settings().jurisdiction


def _summary(ruleset: Any, deployed: str | None) -> dict[str, Any]:
    data = ruleset.to_dict()
    data["duties"] = ruleset.duties()
    data["deployed"] = ruleset.id == deployed
    return data


def _refuse(exc: Exception) -> JSONResponse:
    if isinstance(exc, UnknownJurisdiction):
        return error_response(404, "jurisdiction", "unknown_jurisdiction", exc.message_zh, exc.message_en)
    if isinstance(exc, RuleNotProvided):
        return error_response(422, "duty", "not_provided", exc.message_zh, exc.message_en)
    if isinstance(exc, NoValueInForce):
        return error_response(422, "received", "no_value_in_force", exc.message_zh, exc.message_en)
    if isinstance(exc, UnknownYearError):
        return error_response(
            422,
            "received",
            "unknown_year",
            f"没有 {exc.year} 年的法定节假日安排：请按国务院办公厅通知添加该年的日历文件",
            f"no working-day calendar is known for {exc.year}: add the State Council notice for that year "
            "as a calendar file",
        )
    if isinstance(exc, RuleError):
        return error_response(422, None, type(exc).__name__, exc.message_zh, exc.message_en)
    raise exc


# --------------------------------------------------------------------------------------------------
# Endpoints
# --------------------------------------------------------------------------------------------------


@router.get("", response_model=RuleSetList, summary="List the rule files 规则文件列表")
def list_rulesets(request: Request) -> Any:
    """Every rule file: one per regulation plus the national baseline, with the duties each provides."""
    rulebook = _rulebook(request)
    deployed = _deployed(request)
    return {"jurisdiction": deployed, "rulesets": [_summary(r, deployed) for r in rulebook]}


@router.get(
    "/{jurisdiction}",
    response_model=RuleSetDetail,
    responses=ERRORS,
    summary="All values of one rule file, with citations 规则及其依据",
)
def show_ruleset(jurisdiction: str, request: Request) -> Any:
    """Every rule of the file: each dated value with its citation, effective date and basis."""
    try:
        ruleset = _rulebook(request).get(jurisdiction)
    except UnknownJurisdiction as exc:
        return _refuse(exc)
    data = _summary(ruleset, _deployed(request))
    detail = ruleset.to_dict(values=True)
    data["rules"] = detail["rules"]
    data["notes"] = detail["notes"]
    return data


@router.get(
    "/{jurisdiction}/deadline",
    response_model=DeadlineOut,
    responses=ERRORS,
    summary="Statutory deadline of a duty 法定期限计算",
    # duty and received are checked below (to refuse a missing one in the one error shape) and
    # documented here as the required parameters they are.
    openapi_extra={"parameters": [
        {"name": "duty", "in": "query", "required": True, "schema": {"type": "string", "minLength": 1},
         "description": "A duty key, e.g. objection.decide"},
        {"name": "received", "in": "query", "required": True, "schema": {"type": "string", "minLength": 1},
         "description": "YYYY-MM-DD or an ISO date-time (no offset: the business time zone, UTC+8)"},
    ]},
)
def deadline(
    jurisdiction: str,
    request: Request,
    duty: str | None = Query(None, include_in_schema=False),
    received: str | None = Query(None, include_in_schema=False),
    pause: list[str] | None = Query(
        None,
        description="FIRST:LAST:REASON (the first and last day not counted; LAST empty while it runs); "
        "repeatable. Only for a duty whose regulation excludes such time (a rule such as "
        "objection.excluded_time lists it); refused elsewhere (422, field pause)",
    ),
) -> Any:
    """The due date (last day on time), count, unit and citation of the rule in force on the received
    date, and every day not counted with the reason."""
    for name, value in (("duty", duty), ("received", received)):
        if not value:
            return error_response(
                422, name, "missing", f"缺少必填参数 {name}", f"the query parameter {name} is required"
            )
    assert duty is not None and received is not None
    try:
        rulebook = _rulebook(request)
        rulebook.get(jurisdiction)
        moment = parse_received(received, "received")
        pauses = [parse_pause(p, "pause") for p in (pause or [])]
        answer = compute_deadline(rulebook, _calendar(request), jurisdiction, duty, moment, pauses)
    except (RuleError, UnknownYearError) as exc:     # a bad date, duty or pause: a Refusal, answered by the handler
        return _refuse(exc)
    except CalendarDataError as exc:
        return error_response(500, None, "calendar_file", f"日历文件有误：{exc}", str(exc))
    return answer.to_dict()
