"""Errors of the rules layer. Each carries an English and a Chinese message for people."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path


class RuleError(Exception):
    """Base of every error raised by ``xinyong.rules``."""

    def __init__(self, message_en: str, message_zh: str | None = None) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_zh = message_zh or message_en


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a rule file, at a line."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class RuleFileError(RuleError):
    """A rule, registry or vocabulary file is malformed. Names the file and line of each problem."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("RuleFileError needs at least one problem")
        first = self.problems[0]
        self.file = first.file
        self.line = first.line
        self.message = first.message
        text = "\n".join(str(p) for p in self.problems)
        super().__init__(text, "规则文件有误：\n" + text)

    @classmethod
    def at(cls, file: str | Path, line: int | None, message: str) -> RuleFileError:
        return cls([Problem(str(file), line, message)])


class RuleLookupError(RuleError, LookupError):
    """Something asked of the rulebook does not exist."""


class UnknownJurisdiction(RuleLookupError):
    def __init__(self, jurisdiction: str, known: Iterable[str]) -> None:
        self.jurisdiction = jurisdiction
        self.known = tuple(sorted(known))
        listing = ", ".join(self.known) or "(none)"
        super().__init__(
            f"unknown jurisdiction {jurisdiction!r}; the rule files are: {listing}",
            f"未知的法规（辖区）{jurisdiction!r}；现有规则文件：{listing}",
        )


class UnknownRuleKey(RuleLookupError):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(
            f"{key!r} is not a rule key (see rules/keys.yaml)",
            f"{key!r} 不是已登记的规则键（见 rules/keys.yaml）",
        )


class RuleNotProvided(RuleLookupError):
    """The regulation does not provide this rule (and does not defer it to the State)."""

    def __init__(
        self,
        jurisdiction: str,
        key: str,
        *,
        available: Iterable[str] = (),
        reason_en: str | None = None,
        reason_zh: str | None = None,
    ) -> None:
        self.jurisdiction = jurisdiction
        self.key = key
        self.available = tuple(available)
        en = reason_en or f"{jurisdiction} does not provide {key}"
        zh = reason_zh or f"{jurisdiction} 未规定 {key}"
        if self.available:
            listing = ", ".join(self.available)
            en += f"; it provides: {listing}"
            zh += f"；该法规规定的有：{listing}"
        super().__init__(en, zh)


class NoValueInForce(RuleLookupError):
    """No value of the rule is in force on the date asked: before the first value, or after it lapsed."""

    def __init__(
        self, jurisdiction: str, key: str, on: date, *, first: date | None, lapsed: date | None = None
    ) -> None:
        self.jurisdiction = jurisdiction
        self.key = key
        self.on = on
        self.first = first
        self.lapsed = lapsed
        if lapsed is not None:
            en_tail = f"; the value in force before lapsed after {lapsed.isoformat()}"
            zh_tail = f"；此前的规定已于 {lapsed.isoformat()} 后失效"
        elif first is not None:
            en_tail = f"; the first value is in force from {first.isoformat()}"
            zh_tail = f"；最早的规定自 {first.isoformat()} 起施行"
        else:
            en_tail = zh_tail = ""
        super().__init__(
            f"no value of {key} in force on {on.isoformat()} in {jurisdiction}{en_tail}",
            f"{jurisdiction} 在 {on.isoformat()} 没有生效的 {key} 规定{zh_tail}",
        )
