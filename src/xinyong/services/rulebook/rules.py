"""Use cases over the rule files: list them, show one, compare two, and compute a statutory deadline.

The deadline of a duty is the rule value in force on the day the matter was received (its count, period
unit and citation), counted on the working-day calendar (``xinyong.domain.rulebook.calendar``) with any pauses
(excluded time, ``objection.excluded_time``). The CLI (``xinyong rules``) and the API (``/api/v1/rules``) are thin
layers over these functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from xinyong.domain.platform.clock import business_date, business_tz
from xinyong.domain.platform.refusal import Refusal
from xinyong.domain.rulebook.calendar import CalendarSource, DayInfo, Pause, WorkingDayCalendar
from xinyong.rules import (
    Deferral,
    Liability,
    Measure,
    NoValueInForce,
    Purpose,
    Rule,
    Rulebook,
    RuleNotProvided,
    RuleSet,
    RuleValue,
    Text,
    describe,
    load_rulebook,
    plain,
)
from xinyong.services.rulebook.calendars import load_calendar
from xinyong.settings import get_settings

__all__ = [
    "DeadlineAnswer",
    "DiffRow",
    "RulesetDiff",
    "compute_deadline",
    "default_calendar",
    "default_rulebook",
    "diff_rulesets",
    "nothing_in_force",
    "parse_pause",
    "parse_received",
    "ruleset_rows",
    "rows_in_force",
    "unknown_duty",
]


# --------------------------------------------------------------------------------------------------
# Refusals
# --------------------------------------------------------------------------------------------------


# Bad input from a person or a script is a ``Refusal`` (422) naming the field: ``bad_date``,
# ``bad_pause``, ``naive_datetime`` (a date-time without an offset), ``unknown_duty`` (a key that is
# not a duty with a time limit) and ``pause_not_allowed`` (a pause asked for a duty whose regulation
# excludes no time from it).


def unknown_duty(duty: str, jurisdiction: str, available: Iterable[str]) -> Refusal:
    """The key is not a duty with a time limit (see ``duty: true`` in rules/keys.yaml); the duties the
    jurisdiction has are named, and kept in ``extra["available"]``."""
    listed = tuple(available)
    listing = ", ".join(listed) or "(none)"
    return Refusal("duty", "unknown_duty", f"{duty!r} 不是有期限的义务；{jurisdiction} 规定的有期限义务：{listing}",
                   f"{duty!r} is not a duty with a time limit; {jurisdiction} has these duties: {listing}",
                   available=listed)


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
    return load_calendar(*paths)


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
    raise Refusal(field, "bad_date",
                  f"{field}：{text!r} 不是有效的日期（YYYY-MM-DD）或日期时间（YYYY-MM-DDTHH:MM[+08:00]）",
                  f"{field}: {text!r} is not a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM[+08:00])")


def parse_pause(text: str, field: str = "pause") -> Pause:
    """``FIRST:LAST:REASON``, the first and last day not counted (``YYYY-MM-DD``); an empty LAST is a
    pause still running. (Not ``START:END``: Rich reads ``:END:`` in CLI text as an emoji code.)"""
    parts = (text or "").split(":", 2)
    detail = "expected FIRST:LAST:REASON"
    if len(parts) == 3:
        start_text, end_text, reason = (p.strip() for p in parts)
        try:
            if _DATE.match(start_text) and (not end_text or _DATE.match(end_text)):
                end = date.fromisoformat(end_text) if end_text else None
                return Pause(date.fromisoformat(start_text), end, reason)
        except ValueError as exc:
            detail = str(exc)
    raise Refusal(field, "bad_pause",
                  f"{field}：{text!r} 不是有效的暂停区间 FIRST:LAST:REASON"
                  f"（不计入期限的第一日和最后一日，YYYY-MM-DD；尚未结束时 LAST 留空）：{detail}",
                  f"{field}: {text!r} is not a pause FIRST:LAST:REASON "
                  f"(the first and last day not counted, YYYY-MM-DD; LAST empty while it runs): {detail}")


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
    period_unit: str
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
    # The working-day calendar of each year the period was counted in: package data or operator file.
    calendar: tuple[CalendarSource, ...] = ()
    # The regulation's status: a draft's values are not law (``draft_notice`` says so).
    status: str = "enacted"
    in_force: date | None = None
    draft_notice: Text | None = None
    # The rule that lets the pauses be applied (its value lists this duty), when pauses were given.
    pause_basis: RuleValue | None = None

    @property
    def operator_target(self) -> bool:
        return self.basis == "operator_target"

    def to_dict(self) -> dict[str, Any]:
        return {
            "jurisdiction": self.jurisdiction,
            "status": self.status,
            "in_force": self.in_force.isoformat() if self.in_force else None,
            "draft_notice": self.draft_notice.to_dict() if self.draft_notice else None,
            "duty": self.duty,
            "description": self.description.to_dict(),
            "received": self.received.isoformat(),
            "received_date": self.received_date.isoformat(),
            "due": self.due.isoformat() if self.due else None,
            "unit": self.period_unit,
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
            "calendar": [source.to_dict() for source in self.calendar],
            "pause_basis": (
                {"key": self.pause_basis.key, "cite": self.pause_basis.cite, "citation": self.pause_basis.citation}
                if self.pause_basis
                else None
            ),
        }


def _business_day(received: date | datetime) -> date:
    if isinstance(received, datetime):
        try:
            return business_date(received)
        except ValueError as exc:
            raise Refusal("received", "naive_datetime",
                          f"received：{received.isoformat()} 没有时区，请注明（例如 +08:00）", str(exc)) from None
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
    ``RuleNotProvided`` (the regulation lacks it; lists those it has), ``NoValueInForce`` (nothing in
    force on that date), ``UnknownYearError`` (from the calendar); refused (``Refusal``): ``unknown_duty``
    (not a duty key), ``naive_datetime``, ``pause_not_allowed`` (pauses given, but no rule of the file
    excludes time from this duty).
    """
    ruleset = rulebook.get(jurisdiction)
    spec = rulebook.keys.get(duty)
    if spec is None or not spec.duty:
        raise unknown_duty(duty, jurisdiction, ruleset.duties())
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
    pause_basis = _pause_basis(ruleset, duty, value, received_date) if pauses else None
    counted = calendar.due(received, value.value, value.period_unit or "", pauses=tuple(pauses))
    return DeadlineAnswer(
        jurisdiction=jurisdiction,
        duty=duty,
        description=Text(spec.zh, spec.en),
        received=received,
        received_date=received_date,
        due=counted.due,
        period_unit=counted.period_unit,
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
        calendar=calendar.sources_between(
            received_date, counted.due or max([received_date, *(day.day for day in counted.skipped)])),
        status=ruleset.status,
        in_force=ruleset.in_force,
        draft_notice=ruleset.draft_notice(),
        pause_basis=pause_basis,
    )


def _pause_basis(ruleset: RuleSet, duty: str, value: RuleValue, on: date) -> RuleValue:
    """The rule in force on ``on`` that lets ``duty``'s period be paused; else refused
    (``pause_not_allowed``), naming the duty's own article and what the file does allow."""
    allowing = ruleset.pause_rules(on)
    for rule_value in allowing:
        if duty in rule_value.value:
            return rule_value
    limit = describe(value.value, value.period_unit)
    if allowing:
        listed_en = "; ".join(f"{v.citation}: {', '.join(v.value)}" for v in allowing)
        raise Refusal("pause", "pause_not_allowed",
                      f"pause：{ruleset.id} 仅规定下列义务的期限不计入相关时间（{listed_en}）；"
                      f"{duty}（{limit}，{value.citation}）的期限不得暂停计算",
                      f"pause: {ruleset.id} excludes time only from the duties its article lists ({listed_en}); "
                      f"{duty} ({limit}, {value.citation}) is counted without a pause")
    raise Refusal("pause", "pause_not_allowed",
                  f"pause：{ruleset.id} 没有规定任何期限可以扣除相关时间，{duty}（{limit}，{value.citation}）"
                  "的期限不得暂停计算",
                  f"pause: no article of {ruleset.id} excludes any time from a time limit, so {duty} "
                  f"({limit}, {value.citation}) is counted without a pause")


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
                    "unit": rule.spec.period_unit,
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
            row["shown"] = describe(entry.value, entry.period_unit)
            rows.append(row)
    return rows


def rows_in_force(rows: list[dict[str, Any]], day: date) -> list[dict[str, Any]]:
    """Of ``ruleset_rows``, the value of each key in force on ``day`` (and every unresolved deferral)."""
    on = day.isoformat()
    kept = [
        r
        for r in rows
        if r["effective"] is None or (r["effective"] <= on and (r["until"] is None or on <= r["until"]))
    ]
    latest: dict[str, dict[str, Any]] = {}
    for r in kept:
        latest[r["key"]] = r
    return list(latest.values())


def nothing_in_force(ruleset: RuleSet, day: date, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Why no dated value of ``ruleset`` is in force on ``day`` (None when one is): the regulation takes
    effect later, it is a draft with no date, or its first value starts later."""
    if any(r["effective"] for r in rows):
        return None
    dates = [entry.effective for _, rule in ruleset.items() for entry in rule.entries]
    first = min(dates) if dates else None
    on = day.isoformat()
    if ruleset.is_draft:
        dated = f"; its values are dated from {first.isoformat()}" if first else ""
        dated_zh = f"；其规定自 {first.isoformat()} 起标注日期" if first else ""
        return {
            "reason": "draft",
            "takes_effect": None,
            "message_en": f"{ruleset.id} is a draft for public comment with no in-force date: it is in force "
            f"on no date{dated} (the draft's publication, for trial use), so none is shown for {on}",
            "message_zh": f"{ruleset.id} 是征求意见稿（草案），没有施行日期，任何日期均未施行{dated_zh}"
            f"（草案公布日，仅供试行），因此 {on} 没有可显示的规定",
        }
    if ruleset.in_force is not None and day < ruleset.in_force:
        takes = ruleset.in_force.isoformat()
        return {
            "reason": "not_yet_in_force",
            "takes_effect": takes,
            "message_en": f"{ruleset.id} takes effect on {takes}: nothing of it is in force on {on}",
            "message_zh": f"{ruleset.id} 自 {takes} 起施行：{on} 尚未施行，没有有效规定",
        }
    takes = first.isoformat() if first else None
    return {
        "reason": "no_value_yet",
        "takes_effect": takes,
        "message_en": f"no value of {ruleset.id} is in force on {on}"
        + (f"; the first takes effect on {takes}" if takes else ""),
        "message_zh": f"{ruleset.id} 在 {on} 没有生效的规定" + (f"；最早的规定自 {takes} 起生效" if takes else ""),
    }


@dataclass(frozen=True)
class DiffRow:
    key: str
    a: RuleValue | None
    b: RuleValue | None
    a_missing: str | None = None  # why A has no value: "not provided", "not in force", ...
    b_missing: str | None = None
    a_status: str = "enacted"  # the status of the regulation each side's value applies under
    b_status: str = "enacted"

    @property
    def differs(self) -> bool:
        """The values differ (their keys, numbers, units, kinds and fines; not their wording)."""
        return _comparable(self.a) != _comparable(self.b)

    @property
    def labels_differ(self) -> bool:
        """Same value, different labels or citations on its items (zh, en, cite, note)."""
        return not self.differs and _worded(self.a) != _worded(self.b)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "differs": self.differs,
            "labels_differ": self.labels_differ,
            "a": self._side(self.a, self.a_status),
            "b": self._side(self.b, self.b_status),
            "a_missing": self.a_missing,
            "b_missing": self.b_missing,
        }

    @staticmethod
    def _side(value: RuleValue | None, status: str) -> dict[str, Any] | None:
        if value is None:
            return None
        return {**value.to_dict(), "status": status}


_LABELS = ("zh", "en", "cite", "note")


def _substance(value: Any) -> Any:
    """A rule value without the labels of its list items: what two regulations are compared on."""
    if isinstance(value, Purpose | Measure | Liability):
        return {k: v for k, v in value.to_dict().items() if k not in _LABELS}
    if isinstance(value, tuple | list):
        return [_substance(v) for v in value]
    return plain(value)


def _comparable(value: RuleValue | None) -> Any:
    if value is None:
        return None
    return (repr(_substance(value.value)), value.period_unit, value.basis)


def _worded(value: RuleValue | None) -> Any:
    return None if value is None else repr(plain(value.value))


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
        notices = {r.id: n.to_dict() for r in (self.a, self.b) if (n := r.draft_notice())}
        return {
            "a": self.a.id,
            "b": self.b.id,
            "a_status": self.a.status,
            "b_status": self.b.status,
            "draft_notice": notices or None,
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
        rows.append(DiffRow(key, a_value, b_value, a_missing, b_missing, left.status, right.status))
    return RulesetDiff(left, right, on, tuple(rows))
