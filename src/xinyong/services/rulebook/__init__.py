"""The rule files as users read them: list, show, diff, and statutory deadlines on the working-day
calendar (``rules``)."""

from xinyong.services.rulebook.rules import compute_deadline, diff_rulesets

__all__ = ["compute_deadline", "diff_rulesets"]
