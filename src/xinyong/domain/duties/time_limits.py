"""What a duty's time limit is, in words, where it has no due date to show: the regulation sets no
number of days (``no_time_limit``), or defers to a State rule that has no value yet
(``state_rule_pending``: never to be read as "no time limit")."""

from __future__ import annotations

from datetime import date

TIME_LIMITS: dict[str, dict[str, str]] = {
    "state_rule_pending": {"zh": "国家规定的期限；尚未配置", "en": "the State's time limit; none configured"},
    "no_time_limit": {"zh": "法规未规定期限", "en": "no time limit set by the regulation"},
    "no_value_in_force": {"zh": "期限规则在该日没有施行中的规定", "en": "no value of the time limit in force that day"},
}


def describe(basis: str, due: date | None) -> dict[str, str]:
    """The time limit as the JSON, the CLI and the portal say it: the due date, or why there is none."""
    if due is not None:
        return {"zh": f"{due.isoformat()} 前", "en": f"by {due.isoformat()}"}
    return TIME_LIMITS.get(basis, TIME_LIMITS["no_time_limit"])
