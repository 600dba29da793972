"""Use cases over the rule files: list them, show one, compare two, and compute a statutory deadline.

The deadline of a duty is the rule value in force on the day the matter was received (its count, unit
and citation), counted on the working-day calendar (``xinyong.domain.calendar``) with any pauses
(excluded time, ``objection.excluded_time``). The CLI (``xinyong rules``) and the API (``/api/v1/rules``) are thin
layers over these functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from xinyong.domain.calendar import DayInfo, Pause, WorkingDayCalendar
from xinyong.domain.clock import business_date, business_tz
from xinyong.rules import (
    Deferral,
    NoValueInForce,
    Rule,
    Rulebook,
    RuleLookupError,
    RuleNotProvided,
    RuleSet,
    RuleValue,
    Text,
    describe,
    load_rulebook,
    plain,
)
from xinyong.settings import get_settings

__all__ = [
    "DeadlineAnswer",
    "DiffRow",
    "InputError",
    "RulesetDiff",
    "UnknownDuty",
    "compute_deadline",
    "default_calendar",
    "default_rulebook",
    "diff_rulesets",
    "parse_pause",
    "parse_received",
    "ruleset_rows",
]


# --------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------


class UnknownDuty(RuleLookupError):
    """The key is not a duty with a time limit (see ``duty: true`` in rules/keys.yaml)."""

    def __init__(self, duty: str, jurisdiction: str, available: Iterable[str]) -> None:
        self.duty = duty
        self.jurisdiction = jurisdiction
        self.available = tuple(available)
        listing = ", ".join(self.available) or "(none)"
        super().__init__(
            f"{duty!r} is not a duty with a time limit; {jurisdiction} has these duties: {listing}",
            f"{duty!r} 不是有期限的义务；{jurisdiction} 规定的有期限义务：{listing}",
        )


class InputError(ValueError):
    """Bad input from a person or a script: names the field, in English and Chinese."""

    def __init__(self, field: str, reason: str, message_en: str, message_zh: str) -> None:
        super().__init__(message_en)
        self.field = field
        self.reason = reason
        self.message_en = message_en
        self.message_zh = message_zh

    def to_dict(self) -> dict[str, str]:
        return {
            "field": self.field,
            "reason": self.reason,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


# --------------------------------------------------------------------------------------------------
# Defaults
# --------------------------------------------------------------------------------------------------


def default_rulebook() -> Rulebook:
    """The shipped rule files (cached)."""
    return load_rulebook()


def default_calendar() -> WorkingDayCalendar:
    """The working-day calendar with the operator's year files (``XINYONG_CALENDAR_DIRS``).

    The default folder (``<data dir>/calendar``) is optional; a folder the operator names must exist.
    """
    settings = get_settings()
    paths = settings.calendar_paths
    if not settings.calendar_dirs:
        paths = [p for p in paths if p.is_dir()]
    return WorkingDayCalendar.from_folders(*paths)


# --------------------------------------------------------------------------------------------------
# Parsing people's input
# --------------------------------------------------------------------------------------------------

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_received(text: str, field: str = "received") -> date | datetime:
    """``YYYY-MM-DD`` (a business date) or an ISO date-time; a date-time without an offset is read in
    the business time zone (China Standard Time, from ``rules/calendar/timezone.yaml``)."""
    raw = (text or "").strip()
    try:
        if _DATE.match(raw):
            return date.fromisoformat(raw)
        if "T" in raw or " " in raw:
            moment = datetime.fromisoformat(raw)
            if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
                moment = moment.replace(tzinfo=business_tz())
            return moment
    except ValueError:
        pass
    raise InputError(
        field,
        "bad_date",
        f"{field}: {text!r} is not a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM[+08:00])",
        f"{field}：{text!r} 不是有效的日期（YYYY-MM-DD）或日期时间（YYYY-MM-DDTHH:MM[+08:00]）",
    )


def parse_pause(text: str, field: str = "pause") -> Pause:
    """``START:END:REASON`` with dates ``YYYY-MM-DD``; an empty END is a pause still running."""
    parts = (text or "").split(":", 2)
    detail = "expected START:END:REASON"
    if len(parts) == 3:
        start_text, end_text, reason = (p.strip() for p in parts)
        try:
            if _DATE.match(start_text) and (not end_text or _DATE.match(end_text)):
                end = date.fromisoformat(end_text) if end_text else None
                return Pause(date.fromisoformat(start_text), end, reason)
        except ValueError as exc:
            detail = str(exc)
    raise InputError(
        field,
        "bad_pause",
        f"{field}: {text!r} is not a pause START:END:REASON "
        f"(dates YYYY-MM-DD, END empty while it runs): {detail}",
        f"{field}：{text!r} 不是有效的暂停区间 START:END:REASON"
        f"（日期 YYYY-MM-DD，尚未结束时 END 留空）：{detail}",
    )


# --------------------------------------------------------------------------------------------------
# Deadlines
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineAnswer:
    """The statutory deadline of one duty in one jurisdiction, with its legal basis and the days skipped."""

    jurisdiction: str
    duty: str
    description: Text
    received: date | datetime
    received_date: date
    due: date | None
    unit: str
    count: int
    cite: str
    citation: str
    basis: str
    wording: str | None
    effective: date
    until: date | None
    source: str
    note: str | None
    deferred_from: Deferral | None
    skipped: tuple[DayInfo, ...]
    suspended: bool
    pauses: tuple[Pause, ...]

    @property
    def operator_target(self) -> bool:
        return self.basis == "operator_target"

    def to_dict(self) -> dict[str, Any]:
        return {
            "jurisdiction": self.jurisdiction,
            "duty": self.duty,
            "description": self.description.to_dict(),
            "received": self.received.isoformat(),
            "received_date": self.received_date.isoformat(),
            "due": self.due.isoformat() if self.due else None,
            "unit": self.unit,
            "count": self.count,
            "cite": self.cite,
            "citation": self.citation,
            "basis": self.basis,
            "operator_target": self.operator_target,
            "wording": self.wording,
            "effective": self.effective.isoformat(),
            "until": self.until.isoformat() if self.until else None,
            "source": self.source,
            "note": self.note,
            "deferred_from": self.deferred_from.to_dict() if self.deferred_from else None,
            "suspended": self.suspended,
            "skipped": [day.to_dict() for day in self.skipped],
            "pauses": [pause.to_dict() for pause in self.pauses],
        }


def _business_day(received: date | datetime) -> date:
    if isinstance(received, datetime):
        try:
            return business_date(received)
        except ValueError as exc:
            raise InputError(
                "received",
                "naive_datetime",
                str(exc),
                f"received：{received.isoformat()} 没有时区，请注明（例如 +08:00）",
            ) from None
    if isinstance(received, date):
        return received
    raise TypeError(f"received must be a date or an aware datetime, not {type(received).__name__}")


def compute_deadline(
    rulebook: Rulebook,
    calendar: WorkingDayCalendar,
    jurisdiction: str,
    duty: str,
    received: date | datetime,
    pauses: Sequence[Pause] = (),
) -> DeadlineAnswer:
    """The due date of ``duty`` under ``jurisdiction``'s rule file for a matter received on ``received``.

    The rule value in force on the received (business) date applies. Errors: ``UnknownJurisdiction``,
    ``UnknownDuty`` (not a duty key), ``RuleNotProvided`` (the regulation lacks it; lists those it has),
    ``NoValueInForce`` (nothing in force on that date), ``UnknownYearError`` (from the calendar).
    """
    ruleset = rulebook.get(jurisdiction)
    spec = rulebook.keys.get(duty)
    if spec is None or not spec.duty:
        raise UnknownDuty(duty, jurisdiction, ruleset.duties())
    if not ruleset.has(duty):
        raise RuleNotProvided(
            jurisdiction,
            duty,
            available=ruleset.duties(),
            reason_en=f"{jurisdiction} does not provide the duty {duty} (no time limit in the regulation)",
            reason_zh=f"{jurisdiction} 未规定 {duty} 的期限",
        )
    received_date = _business_day(received)
    value = ruleset.value(duty, received_date)
    if not isinstance(value.value, int) or isinstance(value.value, bool):
        raise RuleNotProvided(
            jurisdiction,
            duty,
            reason_en=f"{duty} in {jurisdiction} has no number of days",
            reason_zh=f"{jurisdiction} 的 {duty} 没有天数",
        )
    counted = calendar.due(received, value.value, value.unit or "", pauses=tuple(pauses))
    return DeadlineAnswer(
        jurisdiction=jurisdiction,
        duty=duty,
        description=Text(spec.zh, spec.en),
        received=received,
        received_date=received_date,
        due=counted.due,
        unit=counted.unit,
        count=counted.count,
        cite=value.cite,
        citation=value.citation,
        basis=value.basis,
        wording=value.wording,
        effective=value.effective,
        until=value.until,
        source=value.source,
        note=value.note,
        deferred_from=value.deferred_from,
        skipped=counted.skipped,
        suspended=counted.suspended,
        pauses=counted.pauses,
    )


# --------------------------------------------------------------------------------------------------
# Showing and comparing rule files
# --------------------------------------------------------------------------------------------------


def ruleset_rows(ruleset: RuleSet) -> list[dict[str, Any]]:
    """One row per dated value (and one per unresolved deferral), in file order, for tables."""
    rows: list[dict[str, Any]] = []
    for key, rule in ruleset.items():
        if not rule.entries:
            assert rule.deferral is not None
            rows.append(
                {
                    "key": key,
                    "value": None,
                    "shown": "deferred to the State: no national value",
                    "unit": rule.spec.unit,
                    "cite": rule.deferral.cite,
                    "citation": rule.deferral.citation,
                    "effective": None,
                    "until": None,
                    "basis": None,
                    "operator_target": False,
                    "wording": None,
                    "source": None,
                    "jurisdiction": ruleset.id,
                    "deferred_from": rule.deferral.to_dict(),
                    "note": rule.note,
                }
            )
            continue
        for entry in rule.entries:
            row = entry.to_dict()
            row["shown"] = describe(entry.value, entry.unit)
            rows.append(row)
    return rows


@dataclass(frozen=True)
class DiffRow:
    key: str
    a: RuleValue | None
    b: RuleValue | None
    a_missing: str | None = None  # why A has no value: "not provided", "not in force", ...
    b_missing: str | None = None

    @property
    def differs(self) -> bool:
        return _comparable(self.a) != _comparable(self.b)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "differs": self.differs,
            "a": self.a.to_dict() if self.a else None,
            "b": self.b.to_dict() if self.b else None,
            "a_missing": self.a_missing,
            "b_missing": self.b_missing,
        }


def _comparable(value: RuleValue | None) -> Any:
    if value is None:
        return None
    return (repr(plain(value.value)), value.unit, value.basis)


@dataclass(frozen=True)
class RulesetDiff:
    a: RuleSet
    b: RuleSet
    on: date | None
    rows: tuple[DiffRow, ...]

    @property
    def differ(self) -> tuple[DiffRow, ...]:
        return tuple(row for row in self.rows if row.differs)

    @property
    def same(self) -> tuple[DiffRow, ...]:
        return tuple(row for row in self.rows if not row.differs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a.id,
            "b": self.b.id,
            "on": self.on.isoformat() if self.on else None,
            "differ": [row.to_dict() for row in self.differ],
            "same": [row.to_dict() for row in self.same],
        }


def _pick(
    ruleset: RuleSet, rule: Rule | None, key: str, on: date | None
) -> tuple[RuleValue | None, str | None]:
    if rule is None:
        return None, "not provided 未规定"
    if on is None:
        if not rule.entries:
            return None, "deferred to the State, no national value 依照国家规定，暂无全国值"
        return rule.entries[-1], None
    try:
        return ruleset.value(key, on), None
    except NoValueInForce:
        return None, f"not in force on {on.isoformat()} 当日未生效"
    except RuleNotProvided:
        return None, "deferred to the State, no national value 依照国家规定，暂无全国值"


def diff_rulesets(rulebook: Rulebook, a: str, b: str, on: date | None = None) -> RulesetDiff:
    """Compare two rule files key by key: the values in force on ``on``, or each rule's latest value.

    Every key either file has gets a row, in registry order; ``differ`` and ``same`` split them.
    """
    left, right = rulebook.get(a), rulebook.get(b)
    left_rules = dict(left.items())
    right_rules = dict(right.items())
    keys = [k for k in rulebook.keys if k in left_rules or k in right_rules]
    rows = []
    for key in keys:
        a_value, a_missing = _pick(left, left_rules.get(key), key, on)
        b_value, b_missing = _pick(right, right_rules.get(key), key, on)
        rows.append(DiffRow(key, a_value, b_value, a_missing, b_missing))
    return RulesetDiff(left, right, on, tuple(rows))
