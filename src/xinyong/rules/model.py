"""The in-memory model of the rule files: a ``Rulebook`` of ``RuleSet``s of dated, cited ``RuleValue``s.

Everything here is immutable once loaded. Values are looked up by the date they must be in force
on; a date before the first value, or after a value lapsed, is an error (``NoValueInForce``), and a
key the regulation does not provide is an error (``RuleNotProvided``) — never a default.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .cites import articles_in_cite
from .errors import NoValueInForce, RuleNotProvided, UnknownJurisdiction, UnknownRuleKey

UNLIMITED = "unlimited"

KEY_TYPES = (
    "period", "flag", "count", "span", "keys", "duties", "purposes", "measures", "liability", "text", "choice"
)
PERIOD_UNITS = ("working_days", "days", "months", "years", "hours")
COUNT_UNITS = ("per_year", "total")
PER_FILE = "per_file"
SPAN_UNITS = ("months", "years")
UNIT_WORDS = {
    "working_days": ("个工作日", "working days"),
    "days": ("日", "days"),
    "hours": ("小时", "hours"),
    "months": ("个月", "months"),
    "years": ("年", "years"),
}
"""The words (zh, en) for each period and span unit: with the tuples above, the one list of unit names.
Python elsewhere takes a unit from the rule value (``RuleValue.period_unit``, the registry's or the entry's
``unit:``), never types one."""
COUNTS_FROM = ("conduct_ended", "decision_date", "listing_date", "inquiry_date")
# The events a duty's period (a ``period`` value entry's ``counts_from:``) may be counted from: the receipt
# of the application or materials, the providing unit's receipt of a transfer, the decision on the matter.
PERIOD_COUNTS_FROM = ("receipt", "transfer", "decision")
MEASURE_KINDS = ("incentive", "ordinary", "serious_list")
MEASURE_TARGETS = (
    "all",
    "organisation",
    "natural_person",
    "responsible_person",
    "person_subject_to_enforcement",
)
BASES = ("statute", "operator_target")
SOURCES = ("primary", "secondary")
STATUSES = ("enacted", "draft")
DRAFT = "draft"


# --------------------------------------------------------------------------------------------------
# Value shapes
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    zh: str
    en: str

    def to_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


@dataclass(frozen=True)
class Span:
    """A display or listing period: ``min`` (or None) to ``max`` (or ``unlimited``) ``period_unit``s
    (the rule file's ``unit:``)."""

    min: int | None
    max: int | str
    period_unit: str | None
    counts_from: str | None = None

    @property
    def unlimited(self) -> bool:
        return self.max == UNLIMITED

    def to_dict(self) -> dict[str, Any]:
        return {"min": self.min, "max": self.max, "unit": self.period_unit, "counts_from": self.counts_from}

    def __str__(self) -> str:
        words = (self.period_unit or "").replace("_", " ")
        if self.unlimited:
            text = "unlimited" if self.min is None else f"at least {self.min} {words}, no maximum"
        elif self.min is None:
            text = f"at most {self.max} {words}"
        else:
            text = f"{self.min} to {self.max} {words}"
        if self.counts_from:
            text += f", counted from {self.counts_from.replace('_', ' ')}"
        return text


@dataclass(frozen=True)
class Purpose:
    key: str
    zh: str
    en: str
    cite: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _drop_none(
            {"key": self.key, "zh": self.zh, "en": self.en, "cite": self.cite, "note": self.note}
        )


@dataclass(frozen=True)
class Measure:
    key: str
    zh: str
    en: str
    kind: str
    target: str
    cite: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _drop_none(
            {
                "key": self.key,
                "zh": self.zh,
                "en": self.en,
                "kind": self.kind,
                "target": self.target,
                "cite": self.cite,
                "note": self.note,
            }
        )


@dataclass(frozen=True)
class Liability:
    duty: str
    zh: str
    en: str
    party: str
    fine_min: int | None = None
    fine_max: int | None = None
    currency: str = "CNY"
    cite: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "duty": self.duty,
            "zh": self.zh,
            "en": self.en,
            "party": self.party,
            "fine_min": self.fine_min,
            "fine_max": self.fine_max,
            "currency": self.currency,
        }
        out.update(_drop_none({"cite": self.cite, "note": self.note}))
        return out


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def plain(value: Any) -> Any:
    """A rule value as JSON-able data (lists, dicts, str, int, bool, None)."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def describe(value: Any, period_unit: str | None = None) -> str:
    """A short human rendering of a rule value (CLI tables, diffs)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        if not period_unit:
            return str(value)
        words = period_unit.replace("_", " ")
        if value == 1 and words.endswith("s"):
            words = words[:-1]
        return f"{value} {words}"
    if value == UNLIMITED:
        return "unlimited"
    if isinstance(value, Span):
        return str(value)
    if isinstance(value, Text):
        return value.en
    if isinstance(value, tuple):
        if not value:
            return "(none)"
        parts = []
        for item in value:
            if isinstance(item, str):
                parts.append(item)
            elif isinstance(item, Liability):
                if item.fine_min is None and item.fine_max is None:
                    fine = "no fine named"
                else:
                    fine = (
                        f"{item.fine_min if item.fine_min is not None else '?'}-"
                        f"{item.fine_max if item.fine_max is not None else '?'} {item.currency}"
                    )
                parts.append(f"{item.duty} ({item.party}): {fine}")
            else:
                parts.append(item.key)
        return ", ".join(parts)
    return str(value)


# --------------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeySpec:
    """One entry of ``rules/keys.yaml``."""

    key: str
    type: str
    period_unit: str | None   # the registry's ``unit:`` (a period's, a count's, ``per_file``)
    zh: str
    en: str
    duty: bool = False
    unlimited: bool = False
    pause: bool = False  # a ``duties`` key: the periods of the duties it lists may be paused
    choices: tuple[str, ...] = ()  # a ``choice`` key: the words its value may be

    @property
    def per_file(self) -> bool:
        return self.period_unit == PER_FILE

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "type": self.type,
            "unit": self.period_unit,
            "duty": self.duty,
            "unlimited": self.unlimited,
            "pause": self.pause,
            "zh": self.zh,
            "en": self.en,
        }


@dataclass(frozen=True)
class VocabularyEntry:
    """A data category with its Chinese and English synonyms, and the phrases in which a synonym does
    not name the category (``not_in``: 拖欠工资 is wage arrears, not a person's income)."""

    key: str
    zh: tuple[str, ...]
    en: tuple[str, ...]
    not_in: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "zh": list(self.zh), "en": list(self.en), "not_in": list(self.not_in)}


# --------------------------------------------------------------------------------------------------
# Values, rules, rule sets
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deferral:
    """A local regulation leaves the matter to another rule file (the State: ``national``)."""

    jurisdiction: str  # the deferring rule file's id
    target: str  # the rule file deferred to
    cite: str  # the local article that defers, e.g. "Art. 49"
    citation: str  # the cite with the regulation's abbreviation, e.g. "GS Art. 49"

    def to_dict(self) -> dict[str, str]:
        return {
            "jurisdiction": self.jurisdiction,
            "target": self.target,
            "cite": self.cite,
            "citation": self.citation,
        }


@dataclass(frozen=True)
class RuleValue:
    """One dated value of a rule, with the article that gives it."""

    key: str
    value: Any
    cite: str
    effective: date
    jurisdiction: str  # id of the rule file the value comes from
    citation: str  # cite prefixed with the regulation's abbreviation where it has a text
    until: date | None = None
    period_unit: str | None = None   # the entry's, the rule's or the registry's ``unit:``
    basis: str = "statute"
    wording: str | None = None
    source: str = "primary"
    note: str | None = None
    deferred_from: Deferral | None = None
    line: int | None = None
    counts_from: str | None = None   # a period's starting event (``PERIOD_COUNTS_FROM``), where the entry says

    @property
    def operator_target(self) -> bool:
        """The number is the operator's service target; the article itself gives none ("promptly")."""
        return self.basis == "operator_target"

    def in_force(self, on: date) -> bool:
        return self.effective <= on and (self.until is None or on <= self.until)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "value": plain(self.value),
            "unit": self.period_unit,
            "cite": self.cite,
            "citation": self.citation,
            "effective": self.effective.isoformat(),
            "until": self.until.isoformat() if self.until else None,
            "basis": self.basis,
            "operator_target": self.operator_target,
            "wording": self.wording,
            "source": self.source,
            "note": self.note,
            "jurisdiction": self.jurisdiction,
            "deferred_from": self.deferred_from.to_dict() if self.deferred_from else None,
            "counts_from": self.counts_from,
        }


@dataclass(frozen=True)
class Rule:
    """All dated values of one key in one rule file (resolved through a deferral if there is one)."""

    key: str
    spec: KeySpec
    entries: tuple[RuleValue, ...]
    deferral: Deferral | None = None
    note: str | None = None
    line: int | None = None

    @property
    def resolved(self) -> bool:
        """False when the rule defers and the target file provides no value."""
        return bool(self.entries)


def _as_date(on: date) -> date:
    if isinstance(on, datetime):
        raise TypeError("rule values are looked up by business date: pass a date, not a datetime")
    if not isinstance(on, date):
        raise TypeError(f"expected a date, got {type(on).__name__}")
    return on


class RuleSet:
    """One regulation's rule file (or the national baseline)."""

    def __init__(
        self,
        *,
        id: str,
        title: Text,
        status: str,
        published: date | None,
        in_force: date | None,
        text: str | None,
        abbrev: str,
        jurisdiction: Text,
        rules: Mapping[str, Rule],
        notes: Mapping[str, str],
        path: Path,
        keys: Mapping[str, KeySpec],
        articles: frozenset[int] | None = None,
        note: str | None = None,
    ) -> None:
        self.id = id
        self.title = title
        self.status = status
        self.published = published
        self.in_force = in_force
        self.text = text
        self.abbrev = abbrev
        self.jurisdiction = jurisdiction
        self._rules = dict(rules)
        self.notes = dict(notes)
        self.path = path
        self._keys = keys
        self.articles = articles
        self.note = note

    def __repr__(self) -> str:
        return f"RuleSet({self.id!r}, {len(self._rules)} rules)"

    @property
    def is_draft(self) -> bool:
        """A draft for public comment (``status: draft``): not in force on any date; its values are
        dated from its publication only so that they can be looked up for trial use."""
        return self.status == DRAFT

    def draft_notice(self) -> Text | None:
        """What every output that uses this file's values says when the file is a draft (else None)."""
        if not self.is_draft:
            return None
        published = self.published.isoformat() if self.published else None
        return Text(
            zh=f"《{self.title.zh}》是征求意见稿（草案），尚未施行，不具有法律效力"
            + (f"；其规定自草案公布之日（{published}）起标注日期，仅供试行" if published else "；仅供试行"),
            en=f"{self.title.en} is a draft for public comment and is not in force: it has no legal effect"
            + (
                f"; its values are dated from the draft's publication ({published}) for trial use only"
                if published
                else "; its values are for trial use only"
            ),
        )

    def pause_rules(self, on: date) -> list[RuleValue]:
        """The values in force on ``on`` of the keys that let a duty's period be paused (registry
        ``pause: true``): each lists the duties whose time limits exclude some time."""
        found = []
        for key, rule in self._rules.items():
            if rule.spec.pause:
                try:
                    found.append(self.value(key, on))
                except (NoValueInForce, RuleNotProvided):
                    continue
        return found

    def has(self, key: str) -> bool:
        """True if the file provides the key itself or defers it (even if the target lacks a value)."""
        return key in self._rules

    def keys(self) -> list[str]:
        return list(self._rules)

    def items(self) -> Iterator[tuple[str, Rule]]:
        """(key, rule) in file order."""
        return iter(self._rules.items())

    def rule(self, key: str) -> Rule:
        if key not in self._keys:
            raise UnknownRuleKey(key)
        try:
            return self._rules[key]
        except KeyError:
            raise RuleNotProvided(
                self.id,
                key,
                reason_en=f"{self.id} does not provide {key} (and does not defer it to the State)",
                reason_zh=f"{self.id} 未规定 {key}（也未规定依照国家规定执行）",
            ) from None

    def duties(self) -> list[str]:
        """The duty keys (time limits ``xinyong rules deadline`` accepts) this file provides."""
        return [k for k, r in self._rules.items() if r.spec.duty]

    def value(self, key: str, on: date) -> RuleValue:
        """The value of ``key`` in force on ``on`` (a business date)."""
        on = _as_date(on)
        rule = self.rule(key)
        if not rule.entries:
            assert rule.deferral is not None
            d = rule.deferral
            raise RuleNotProvided(
                self.id,
                key,
                reason_en=f"{self.id} defers {key} to {d.target} ({d.citation}), "
                f"but {d.target} provides no value: configure one in {d.target}.yaml",
                reason_zh=f"{self.id} 规定 {key} 依照国家规定执行（{d.citation}），"
                f"但 {d.target} 没有相应规定：请在 {d.target}.yaml 中配置",
            )
        current: RuleValue | None = None
        for entry in rule.entries:
            if entry.effective <= on:
                current = entry
            else:
                break
        if current is None:
            raise NoValueInForce(self.id, key, on, first=rule.entries[0].effective)
        if current.until is not None and on > current.until:
            raise NoValueInForce(self.id, key, on, first=rule.entries[0].effective, lapsed=current.until)
        return current

    def cited_articles(self) -> set[int]:
        """Every article named in a cite of this file (values, deferrals, list items) or its notes."""
        found: set[int] = set()
        for rule in self._rules.values():
            if rule.deferral and rule.deferral.jurisdiction == self.id:
                found |= articles_in_cite(rule.deferral.cite)
            for entry in rule.entries:
                if entry.deferred_from is None:
                    found |= articles_in_cite(entry.cite)
                    for item in entry.value if isinstance(entry.value, tuple) else ():
                        cite = getattr(item, "cite", None)
                        if cite:
                            found |= articles_in_cite(cite)
        for heading in self.notes:
            found |= articles_in_cite(heading)
        return found

    def to_dict(self, *, values: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "abbrev": self.abbrev,
            "title": self.title.to_dict(),
            "jurisdiction": self.jurisdiction.to_dict(),
            "status": self.status,
            "draft_notice": notice.to_dict() if (notice := self.draft_notice()) else None,
            "published": self.published.isoformat() if self.published else None,
            "in_force": self.in_force.isoformat() if self.in_force else None,
            "text": self.text,
            "rule_count": len(self._rules),
        }
        if values:
            out["rules"] = [rule_to_dict(rule) for rule in self._rules.values()]
            out["notes"] = dict(self.notes)
        return out


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    return {
        "key": rule.key,
        "type": rule.spec.type,
        "unit": rule.spec.period_unit,
        "duty": rule.spec.duty,
        "pause": rule.spec.pause,
        "description": {"zh": rule.spec.zh, "en": rule.spec.en},
        "deferred": rule.deferral.to_dict() if rule.deferral else None,
        "resolved": rule.resolved,
        "note": rule.note,
        "values": [entry.to_dict() for entry in rule.entries],
    }


@dataclass(frozen=True)
class Rulebook:
    """Every loaded rule file, the key registry and the vocabulary."""

    rulesets: Mapping[str, RuleSet]
    keys: Mapping[str, KeySpec]
    vocabulary: Mapping[str, VocabularyEntry] = field(default_factory=dict)

    def __iter__(self) -> Iterator[RuleSet]:
        return iter(self.rulesets.values())

    def __contains__(self, jurisdiction: object) -> bool:
        return jurisdiction in self.rulesets

    def __len__(self) -> int:
        return len(self.rulesets)

    def ids(self) -> list[str]:
        return list(self.rulesets)

    def get(self, jurisdiction: str) -> RuleSet:
        try:
            return self.rulesets[jurisdiction]
        except KeyError:
            raise UnknownJurisdiction(jurisdiction, self.rulesets) from None

    def by_abbrev(self, abbrev: str) -> RuleSet | None:
        for ruleset in self.rulesets.values():
            if ruleset.abbrev == abbrev:
                return ruleset
        return None

    def spec(self, key: str) -> KeySpec:
        try:
            return self.keys[key]
        except KeyError:
            raise UnknownRuleKey(key) from None

    def duty_keys(self) -> list[str]:
        return [k for k, spec in self.keys.items() if spec.duty]
