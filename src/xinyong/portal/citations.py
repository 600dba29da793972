"""Citations as a Chinese reader expects them on Chinese pages: every ``<abbrev> Art. 22(3)`` a page
would show (a cite field, or a cite inside a message) reads ``《<the regulation's title>》第二十二条第三款``.

The rule files cite in one form (``<abbrev> Art. …``, ``rules.cites``); the regulation is found by its
abbreviation in the rulebook and named by its Chinese title, the articles by ``rules.cites.chinese_cite``.
A cite the rulebook cannot place (an unknown abbreviation, a State document named by title) is left as
written. English pages keep the rule file's form. Applied to every ``{{ … }}`` of the portal's
templates (``finalize``), so no page can forget it; markup (macros' output) is left alone.
"""

from __future__ import annotations

import re
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup

from xinyong.rules.cites import chinese_cite

_REF = r"\d+(?:\(\w+\))*(?:\s*[-–]\s*\d+(?:\(\w+\))*)?"
_REFS = rf"{_REF}(?:(?:\s*,\s*(?:and\s+)?|\s+and\s+){_REF})*"
_CITATION = re.compile(rf"\b(?P<abbrev>[A-Z]{{2,4}}) (?P<cite>Arts?\.\s*{_REFS}(?:;\s*Arts?\.\s*{_REFS})*)")


def in_chinese(text: str, rulebook: Any) -> str:
    """``text`` with each citation of a known regulation written the Chinese way."""
    def replace(match: re.Match[str]) -> str:
        ruleset = rulebook.by_abbrev(match["abbrev"])
        articles = chinese_cite(match["cite"]) if ruleset is not None else None
        if ruleset is None or articles is None:
            return match[0]
        return f"《{ruleset.title.zh}》{articles}"

    return _CITATION.sub(replace, text)


@pass_context
def finalize(context: Any, value: Any) -> Any:
    """Jinja ``finalize`` of the portal's templates: citations in Chinese on Chinese pages."""
    if context.get("lang") != "zh" or not isinstance(value, str) or isinstance(value, Markup) \
            or "Art" not in value:
        return value
    request = context.get("request")
    platform = getattr(getattr(getattr(request, "app", None), "state", None), "platform", None)
    if platform is None:
        return value
    return in_chinese(value, platform.rulebook)
